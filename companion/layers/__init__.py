"""Cells run over sequences: the loop over time, stacked and bidirectional layers, their torch twins.

* :mod:`~companion.layers.unroll` — :func:`unroll` (chapter 1's memory as a loop),
  :func:`reverse_padded`, :func:`run_bidirectional` and :class:`Bidirectional` (chapter 2);
* :mod:`~companion.layers.stacked` — :class:`ElmanRNN` (chapter 1), :class:`LSTM` and
  :class:`GRU` (chapter 3), the twins of ``torch.nn.RNN``, ``LSTM`` and ``GRU``, with their weight
  names, so that ``state_dict()`` goes both ways;
* :mod:`~companion.layers.torch_twins` — :class:`PackedRNN`, :class:`PackedLSTM`,
  :class:`PackedGRU`: torch's fused layers called like ours (a padded batch and its ``lengths``);
* :mod:`~companion.layers.jordan` — :class:`JordanRNN` (chapter 2), which has no torch twin;
* :mod:`~companion.layers.long_memory` — chapter 5's layers against vanishing gradients:
  :class:`IRNN` (with :func:`identity_init_`), :class:`LeakyRNN`, :class:`SCRN` and
  :class:`ClockworkRNN`;
* :mod:`~companion.layers.factory` — :func:`recurrent_layer`, which builds the Elman, LSTM and GRU
  layers and chapter 5's, scratch or torch-backed (the Jordan network and :class:`Bidirectional`
  are built directly).

Every layer takes ``forward(input, hx=None, lengths=None)`` with ``input`` ``(T, B, F)`` (or
``(B, T, F)`` with ``batch_first``) and returns ``(output, h_n)``; scratch and torch-backed layers
check ``input``, ``hx`` and ``lengths`` with the same code (``companion._recurrent_checks``).
"""
from .factory import CELL_OPTIONS, CELLS, IMPLEMENTATIONS, LSTM_OPTIONS, recurrent_layer
from .jordan import JordanRNN
from .long_memory import IRNN, SCRN, ClockworkRNN, LeakyRNN, identity_init_
from .stacked import GRU, LSTM, WEIGHT_NAMES, ElmanRNN, StackedRecurrent
from .torch_twins import PackedGRU, PackedLSTM, PackedRNN
from .unroll import Bidirectional, reverse_padded, run_bidirectional, unroll

__all__ = [
    "Bidirectional",
    "CELLS",
    "CELL_OPTIONS",
    "ClockworkRNN",
    "ElmanRNN",
    "GRU",
    "IMPLEMENTATIONS",
    "IRNN",
    "JordanRNN",
    "LSTM",
    "LSTM_OPTIONS",
    "LeakyRNN",
    "PackedGRU",
    "PackedLSTM",
    "PackedRNN",
    "SCRN",
    "StackedRecurrent",
    "WEIGHT_NAMES",
    "identity_init_",
    "recurrent_layer",
    "reverse_padded",
    "run_bidirectional",
    "unroll",
]
