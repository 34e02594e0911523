"""Recurrent cells: one time step of a recurrent network (chapters 1 to 3).

A cell maps the input at step *t* and the memory left by step *t−1* to the new memory. Each
functional form in :mod:`~companion.cells.steps` (``elman_step``, ``jordan_step``, ``lstm_step``,
``gru_step``) is the single home of its equation; the modules in
:mod:`~companion.cells.modules` (``ElmanCell``, ``LSTMCell``, ``GRUCell``) hold the weights, named
and shaped as in ``torch.nn.RNNCell``, ``LSTMCell`` and ``GRUCell`` so that weights can be copied
between each module and its torch twin.
"""
from .modules import ElmanCell, GRUCell, LSTMCell
from .steps import ACTIVATIONS, elman_step, gru_step, jordan_step, lstm_step, uniform_init_bound

__all__ = [
    "ACTIVATIONS",
    "ElmanCell",
    "GRUCell",
    "LSTMCell",
    "elman_step",
    "gru_step",
    "jordan_step",
    "lstm_step",
    "uniform_init_bound",
]
