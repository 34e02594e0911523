"""Diagrams drawn by code, one module per concept; every name is importable from here.

* :mod:`~companion.diagrams.unrolled` — the network unrolled in time: :func:`draw_unrolled`
  (chapter 1), :func:`draw_variant` and :func:`draw_shapes` (chapter 2);
* :mod:`~companion.diagrams.cells` — one step of a gated cell: :func:`draw_memory_cell` and
  :func:`draw_lstm_cell`, :func:`draw_gru_cell` (chapter 3);
* :mod:`~companion.diagrams.gradients` — :func:`draw_gradient_paths`, the paths the gradient
  takes back through the unrolled network (chapter 4);
* :mod:`~companion.diagrams.long_memory` — the networks built for a longer memory:
  :func:`draw_linear_chain` (the lecture's :math:`w^{999}`), :func:`draw_leaky_unit`,
  :func:`draw_scrn` and :func:`draw_echo_state_network` (chapter 5);
* :mod:`~companion.diagrams.clockwork` — the Clockwork RNN: :func:`draw_clockwork`,
  :func:`draw_clockwork_schedule` and :func:`draw_block_mask` (chapter 5).

Every diagram colours the vectors alike: green inputs (``INPUT_COLOUR``), red memories
(``MEMORY_COLOUR``), blue outputs (``OUTPUT_COLOUR``), red arrows for what is carried from one
step to the next (``CARRIED_COLOUR``), yellow gate layers (``GATE_COLOUR``), pink pointwise
operations (``OPERATION_COLOUR``) and, in chapter 4, blue arrows for the gradient
(``GRADIENT_COLOUR``); in chapter 5, the same blue marks the weights that training sets
(``TRAINED_COLOUR``) and grey dashed arrows the ones drawn once and left fixed
(``FIXED_COLOUR``). Each function draws on the Axes it is given, or on a new figure sized to
be read at a phone's width, and returns the Axes.
"""
from ._drawing import (
    CARRIED_COLOUR,
    GATE_COLOUR,
    GRADIENT_COLOUR,
    INPUT_COLOUR,
    MEMORY_COLOUR,
    OPERATION_COLOUR,
    OUTPUT_COLOUR,
)
from .cells import draw_gru_cell, draw_lstm_cell, draw_memory_cell
from .clockwork import draw_block_mask, draw_clockwork, draw_clockwork_schedule
from .gradients import draw_gradient_paths
from .long_memory import (
    FIXED_COLOUR,
    TRAINED_COLOUR,
    draw_echo_state_network,
    draw_leaky_unit,
    draw_linear_chain,
    draw_scrn,
)
from .unrolled import VARIANTS, draw_shapes, draw_unrolled, draw_variant

__all__ = [
    "CARRIED_COLOUR",
    "FIXED_COLOUR",
    "GATE_COLOUR",
    "GRADIENT_COLOUR",
    "INPUT_COLOUR",
    "MEMORY_COLOUR",
    "OPERATION_COLOUR",
    "OUTPUT_COLOUR",
    "TRAINED_COLOUR",
    "VARIANTS",
    "draw_block_mask",
    "draw_clockwork",
    "draw_clockwork_schedule",
    "draw_echo_state_network",
    "draw_gradient_paths",
    "draw_gru_cell",
    "draw_leaky_unit",
    "draw_linear_chain",
    "draw_lstm_cell",
    "draw_memory_cell",
    "draw_scrn",
    "draw_shapes",
    "draw_unrolled",
    "draw_variant",
]
