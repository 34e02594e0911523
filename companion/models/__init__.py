"""What the chapters train, built from the cells and layers.

* :mod:`~companion.models.networks` — chapter 1's per-step feed-forward network and Elman network;
* :mod:`~companion.models.shapes` — chapter 2's four shapes of sequence problems;
* :mod:`~companion.models.taggers` — the slot taggers of chapters 2 and 3;
* :mod:`~companion.models.char_rnn` — chapter 4's character model in PyTorch, the twin of
  :mod:`companion.bptt`. Import it as ``companion.models.char_rnn``: it imports the NumPy
  :mod:`companion.bptt` to exchange weights with it, which the other models do not need;
* :mod:`~companion.models.classifiers` — chapter 6's sentence classifiers (many to one, with
  the read-out at the last step or pooled over the steps);
* :mod:`~companion.models.baselines` — chapter 6's bag-of-words logistic regression, the
  baseline of the sentence classifiers;
* :mod:`~companion.models.key_terms` — chapter 6's key-term tagger, a BiLSTM read through word
  attention;
* :mod:`~companion.models.keyphrase_baselines` — chapter 6's TF-IDF key-phrase extractor, the
  baseline of the key-term tagger;
* :mod:`~companion.models.speech` — chapter 6's recogniser of spoken digits, trained with CTC;
* :mod:`~companion.models.autoencoders` — chapter 6's sequence-to-sequence auto-encoder of
  speech frames (Audio Word2Vec).

Most networks map a batch of sequences ``(T, B, F)`` (or ``(B, T, F)`` with ``batch_first``) to
their outputs; ``VectorToSequence`` reads one vector ``(B, F)``, ``EncoderDecoder`` two sequences,
and ``SlotTagger``, ``CharRNN``, ``TextClassifier`` and ``KeyTermTagger`` integer ids ``(T, B)``. A tagger's outputs are its
unnormalised tag scores.
"""
from .networks import ElmanNetwork, FeedForwardNetwork, count_parameters
from .shapes import AlignedSequenceToSequence, EncoderDecoder, SequenceToVector, VectorToSequence
from .taggers import IMPLEMENTATIONS, TAGGER_BODIES, CharacterCNN, SlotTagger
from .classifiers import TextClassifier
from .baselines import BagOfWordsClassifier, ngrams
from .key_terms import KeyTermTagger
from .keyphrase_baselines import TfidfKeyphraseExtractor
from .autoencoders import DECODER_INPUTS, SequenceAutoencoder, reconstruction_loss
from .speech import BLANK, LABEL_NAMES, NUM_LABELS, CTCRecognizer, digits_to_labels, labels_to_digits

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
    "TextClassifier",
    "BagOfWordsClassifier",
    "ngrams",
    "KeyTermTagger",
    "TfidfKeyphraseExtractor",
    "BLANK",
    "LABEL_NAMES",
    "NUM_LABELS",
    "CTCRecognizer",
    "digits_to_labels",
    "labels_to_digits",
    "DECODER_INPUTS",
    "SequenceAutoencoder",
    "reconstruction_loss",
]
