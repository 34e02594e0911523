"""Diagrams drawn by code, one module per concept; every name is importable from here.

* :mod:`~companion.diagrams.unrolled` — the network unrolled in time: :func:`draw_unrolled`
  (chapter 1), :func:`draw_variant` and :func:`draw_shapes` (chapter 2);
* :mod:`~companion.diagrams.cells` — one step of a gated cell: :func:`draw_memory_cell` and
  :func:`draw_lstm_cell`, :func:`draw_gru_cell` (chapter 3);
* :mod:`~companion.diagrams.gradients` — :func:`draw_gradient_paths`, the paths the gradient
  takes back through the unrolled network (chapter 4).

Every diagram colours the vectors alike: green inputs (``INPUT_COLOUR``), red memories
(``MEMORY_COLOUR``), blue outputs (``OUTPUT_COLOUR``), red arrows for what is carried from one
step to the next (``CARRIED_COLOUR``), yellow gate layers (``GATE_COLOUR``), pink pointwise
operations (``OPERATION_COLOUR``) and, in chapter 4, blue arrows for the gradient
(``GRADIENT_COLOUR``). Each function draws on the Axes it is given, or on a new figure sized to
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
from .gradients import draw_gradient_paths
from .unrolled import VARIANTS, draw_shapes, draw_unrolled, draw_variant

__all__ = [
    "CARRIED_COLOUR",
    "GATE_COLOUR",
    "GRADIENT_COLOUR",
    "INPUT_COLOUR",
    "MEMORY_COLOUR",
    "OPERATION_COLOUR",
    "OUTPUT_COLOUR",
    "VARIANTS",
    "draw_gradient_paths",
    "draw_gru_cell",
    "draw_lstm_cell",
    "draw_memory_cell",
    "draw_shapes",
    "draw_unrolled",
    "draw_variant",
]
