"""Recurrent cells: one time step of a recurrent network (chapters 1 to 3, and chapter 5).

A cell maps the input at step *t* and the memory left by step *t−1* to the new memory. Each
functional form in :mod:`~companion.cells.steps` (``elman_step``, ``jordan_step``, ``lstm_step``,
``gru_step``) is the single home of its equation; the modules in
:mod:`~companion.cells.modules` (``ElmanCell``, ``LSTMCell``, ``GRUCell``) hold the weights, named
and shaped as in ``torch.nn.RNNCell``, ``LSTMCell`` and ``GRUCell`` so that weights can be copied
between each module and its torch twin. :mod:`~companion.cells.long_memory_steps` holds chapter
5's cells built against vanishing gradients (``leaky_step``, ``scrn_step``, ``clockwork_step``
and the Clockwork RNN's ``clockwork_schedule`` and ``clockwork_mask``).
"""
from .long_memory_steps import clockwork_mask, clockwork_schedule, clockwork_step, leaky_step, scrn_step
from .modules import ElmanCell, GRUCell, LSTMCell
from .steps import ACTIVATIONS, elman_step, gru_step, jordan_step, lstm_step, uniform_init_bound

__all__ = [
    "ACTIVATIONS",
    "ElmanCell",
    "GRUCell",
    "LSTMCell",
    "clockwork_mask",
    "clockwork_schedule",
    "clockwork_step",
    "elman_step",
    "gru_step",
    "jordan_step",
    "leaky_step",
    "lstm_step",
    "scrn_step",
    "uniform_init_bound",
]
