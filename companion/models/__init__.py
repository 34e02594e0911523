"""What the chapters train, built from the cells and layers.

* :mod:`~companion.models.networks` — chapter 1's per-step feed-forward network and Elman network;
* :mod:`~companion.models.shapes` — chapter 2's four shapes of sequence problems;
* :mod:`~companion.models.taggers` — the slot taggers of chapters 2 and 3;
* :mod:`~companion.models.char_rnn` — chapter 4's character model in PyTorch, the twin of
  :mod:`companion.bptt`. Import it as ``companion.models.char_rnn``: it imports the NumPy
  :mod:`companion.bptt` to exchange weights with it, which the other models do not need.

Most networks map a batch of sequences ``(T, B, F)`` (or ``(B, T, F)`` with ``batch_first``) to
their outputs; ``VectorToSequence`` reads one vector ``(B, F)``, ``EncoderDecoder`` two sequences,
and ``SlotTagger`` and ``CharRNN`` integer ids ``(T, B)``. A tagger's outputs are its
unnormalised tag scores.
"""
from .networks import ElmanNetwork, FeedForwardNetwork, count_parameters
from .shapes import AlignedSequenceToSequence, EncoderDecoder, SequenceToVector, VectorToSequence
from .taggers import IMPLEMENTATIONS, TAGGER_BODIES, CharacterCNN, SlotTagger

__all__ = [
    "AlignedSequenceToSequence",
    "CharacterCNN",
    "ElmanNetwork",
    "EncoderDecoder",
    "FeedForwardNetwork",
    "IMPLEMENTATIONS",
    "SequenceToVector",
    "SlotTagger",
    "TAGGER_BODIES",
    "VectorToSequence",
    "count_parameters",
]
