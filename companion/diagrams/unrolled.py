"""Diagrams of the network unrolled in time: the memory step by step (chapter 1), the variants and the four shapes of sequence problems (chapter 2)."""
from __future__ import annotations

import numpy as np

from .._axes import require_axes
from .._checks import require_choice, require_positive_int
from ._drawing import CARRIED_COLOUR, INPUT_COLOUR, MEMORY_COLOUR, OUTPUT_COLOUR
from ._drawing import arrow as _arrow
from ._drawing import box as _box


def draw_unrolled(inputs, memories, outputs, ax=None, title: str = "The same network at every step"):
    """The recurrent network unrolled in time: input, memory and output vectors at each step.

    ``inputs`` ``(T, F)``, ``memories`` ``(T, H)`` and ``outputs`` ``(T, O)`` are written in the
    boxes; the red arrows carry the memory from one step to the next (chapter 1).
    Raises ``ValueError`` if ``ax`` is neither ``None`` nor a matplotlib Axes.
    """
    inputs, memories, outputs = (np.asarray(a) for a in (inputs, memories, outputs))
    steps = len(inputs)
    ax = require_axes(ax, (2.3 * steps + 1.2, 3.4))

    def fmt(vector):
        return "[" + ", ".join(f"{v:g}" for v in vector) + "]"

    _box(ax, -0.6, 1, fmt(np.zeros_like(memories[0])), "#fde0dd")
    ax.text(-0.6, 1.35, "memory\nat start", ha="center", va="bottom", fontsize=8)
    for t in range(steps):
        x = 1.4 * t + 1
        _box(ax, x, 0, fmt(inputs[t]), "#e5f5e0")
        _box(ax, x, 1, fmt(memories[t]), "#fde0dd")
        _box(ax, x, 2, fmt(outputs[t]), "#deebf7")
        _arrow(ax, (x, 0.2), (x, 0.8))
        _arrow(ax, (x, 1.2), (x, 1.8))
        _arrow(ax, (x - 1.4 + 0.38, 1) if t else (-0.6 + 0.38, 1), (x - 0.38, 1), colour="#cb181d")
        ax.text(x, -0.45, f"t = {t + 1}", ha="center", fontsize=9)
    for y, name in ((0, "input $x_t$"), (1, "memory $h_t$"), (2, "output $y_t$")):
        ax.text(1.4 * steps + 0.2, y, name, va="center", fontsize=9)
    ax.set(xlim=(-1.2, 1.4 * steps + 1.3), ylim=(-0.7, 2.5), title=title)
    ax.axis("off")
    return ax


VARIANTS = ("elman", "jordan", "bidirectional", "deep")
_VARIANT_TITLES = {
    "elman": "Elman: the memory h is carried",
    "jordan": "Jordan: the output y is fed back",
    "bidirectional": "Bidirectional: one memory reads forwards, one backwards",
    "deep": "Deep: stacked recurrent layers",
}
_LABEL_WIDTH, _LABEL_HEIGHT, _STEP = 0.56, 0.4, 1.4


def _label_box(ax, x, y, text, colour):
    _box(ax, x, y, text, colour, width=_LABEL_WIDTH, height=_LABEL_HEIGHT, fontsize=11)


def _up(ax, x, low, high):
    """A grey arrow from the top of the box at height ``low`` to the bottom of the one at ``high``."""
    _arrow(ax, (x, low + _LABEL_HEIGHT / 2), (x, high - _LABEL_HEIGHT / 2))


def _across(ax, start, end, y):
    """A red arrow between the facing sides of two boxes on one row, centred at ``start`` and ``end``."""
    side = _LABEL_WIDTH / 2 if end > start else -_LABEL_WIDTH / 2
    _arrow(ax, (start + side, y), (end - side, y), colour=CARRIED_COLOUR)


def draw_variant(kind: str, steps: int = 3, ax=None, layers: int | None = None):
    r"""A variant of the recurrent network unrolled over ``steps`` steps (chapter 2).

    Boxes are the vectors of each step (green inputs, red memories, blue outputs), grey arrows
    the computations within a step and red arrows what is carried from one step to the next;
    the first box of a red chain is the starting state, zero. ``kind`` is one of

    ``"elman"``, the memory is carried:

    .. math::  h_t = \sigma(W_{ih}\, x_t + W_{hh}\, h_{t-1} + b_h), \qquad y_t = V h_t + c,
               \qquad h_0 = 0

    ``"jordan"``, the previous step's output distribution, not the memory, is fed back (its
    hidden boxes are white: nothing carries them to the next step):

    .. math::  h_t = \sigma(W_{ih}\, x_t + W_{yh}\, \hat y_{t-1} + b_h), \qquad
               \hat y_t = \mathrm{softmax}(W_{hy}\, h_t + c), \qquad \hat y_0 = 0

    ``"bidirectional"``, one memory reads the sequence forwards, another backwards, and the
    output at each step sees both:

    .. math::
        \overrightarrow{h}_t &= \sigma(\overrightarrow{W} x_t + \overrightarrow{U}\,
        \overrightarrow{h}_{t-1} + \overrightarrow{b}),

        \overleftarrow{h}_t &= \sigma(\overleftarrow{W} x_t + \overleftarrow{U}\,
        \overleftarrow{h}_{t+1} + \overleftarrow{b}),

        y_t &= V [\overrightarrow{h}_t ; \overleftarrow{h}_t] + c

    with :math:`\overrightarrow{h}_0 = \overleftarrow{h}_{T+1} = 0`; ``"deep"``, ``layers``
    (default 2) Elman layers stacked, each reading the memory of the one below:

    .. math::  h^{(k)}_t = \sigma(W^{(k)} h^{(k-1)}_t + U^{(k)} h^{(k)}_{t-1} + b^{(k)}), \qquad
               h^{(0)}_t = x_t, \qquad y_t = V h^{(L)}_t + c

    ``layers`` is only for ``"deep"``. Returns the Axes. Raises ``ValueError`` for another
    ``kind``, ``steps`` or ``layers`` that is not a positive integer, or ``layers`` given for
    another kind than ``"deep"``, or ``ax`` neither ``None`` nor a matplotlib Axes.
    """
    require_choice("kind", kind, VARIANTS)
    require_positive_int("steps", steps)
    if kind == "deep":
        layers = 2 if layers is None else require_positive_int("layers", layers)
    elif layers is not None:
        raise ValueError(f"layers: expected None for kind {kind!r} (only 'deep' stacks layers), got {layers!r}")
    hidden_rows = {"elman": 1, "jordan": 1, "bidirectional": 2, "deep": layers}[kind]
    top = hidden_rows + 1
    # the bidirectional rows are staggered so that each straight arrow passes beside the other row's box
    shift = 0.35 if kind == "bidirectional" else 0.0
    last = _STEP * (steps + (kind == "bidirectional")) + shift + _LABEL_WIDTH / 2
    names_at = last + 0.25
    ax = require_axes(ax, (1.05 * (names_at + 2.1), 0.95 * (top + 1.3)))
    columns = [_STEP * t for t in range(1, steps + 1)]

    if kind in ("elman", "jordan"):
        output = "y" if kind == "elman" else r"\hat y"
        for t, x in enumerate(columns, start=1):
            _label_box(ax, x, 0, f"$x_{{{t}}}$", INPUT_COLOUR)
            _label_box(ax, x, 1, f"$h_{{{t}}}$", MEMORY_COLOUR if kind == "elman" else "white")
            _label_box(ax, x, 2, f"${output}_{{{t}}}$", OUTPUT_COLOUR)
            _up(ax, x, 0, 1)
            _up(ax, x, 1, 2)
        if kind == "elman":
            _label_box(ax, 0, 1, "$h_0$", MEMORY_COLOUR)
            for x in columns:
                _across(ax, x - _STEP, x, 1)
        else:
            _label_box(ax, 0, 2, r"$\hat y_0$", OUTPUT_COLOUR)
            for x in columns:
                start = (x - _STEP + _LABEL_WIDTH / 2, 2 - 0.1)
                _arrow(ax, start, (x - _LABEL_WIDTH / 2, 1 + 0.1), colour=CARRIED_COLOUR)
        if kind == "elman":
            names = ["input $x_t$", "memory $h_t$", "output $y_t$"]
        else:
            names = ["input $x_t$", "hidden $h_t$", r"output $\hat y_t$, fed back"]
    elif kind == "bidirectional":
        forwards, backwards = r"\overrightarrow{h}", r"\overleftarrow{h}"
        for t, x in enumerate(columns, start=1):
            _label_box(ax, x, 0, f"$x_{{{t}}}$", INPUT_COLOUR)
            _label_box(ax, x - shift, 1, f"${forwards}_{{{t}}}$", MEMORY_COLOUR)
            _label_box(ax, x + shift, 2, f"${backwards}_{{{t}}}$", MEMORY_COLOUR)
            _label_box(ax, x, 3, f"$y_{{{t}}}$", OUTPUT_COLOUR)
            _up(ax, x - 0.17, 0, 1)
            _up(ax, x + 0.17, 0, 2)
            _up(ax, x - 0.17, 1, 3)
            _up(ax, x + 0.17, 2, 3)
            _across(ax, x - _STEP - shift, x - shift, 1)
            _across(ax, x + _STEP + shift, x + shift, 2)
        _label_box(ax, -shift, 1, f"${forwards}_0$", MEMORY_COLOUR)
        _label_box(ax, _STEP * (steps + 1) + shift, 2, f"${backwards}_{{{steps + 1}}}$", MEMORY_COLOUR)
        names = ["input $x_t$", f"forwards ${forwards}_t$", f"backwards ${backwards}_t$", "output $y_t$"]
    else:
        for t, x in enumerate(columns, start=1):
            _label_box(ax, x, 0, f"$x_{{{t}}}$", INPUT_COLOUR)
            for k in range(1, layers + 1):
                _label_box(ax, x, k, f"$h^{{({k})}}_{{{t}}}$", MEMORY_COLOUR)
                _across(ax, x - _STEP, x, k)
            _label_box(ax, x, top, f"$y_{{{t}}}$", OUTPUT_COLOUR)
            for k in range(top):
                _up(ax, x, k, k + 1)
        for k in range(1, layers + 1):
            _label_box(ax, 0, k, f"$h^{{({k})}}_0$", MEMORY_COLOUR)
        names = ["input $x_t$", *(f"layer {k}  $h^{{({k})}}_t$" for k in range(1, layers + 1)), "output $y_t$"]

    for y, name in enumerate(names):
        ax.text(names_at, y, name, va="center", fontsize=9)
    ax.set(xlim=(-shift - 0.55, names_at + 1.9), ylim=(-0.45, top + 0.45), title=_VARIANT_TITLES[kind])
    ax.axis("off")
    return ax


# (shape, example task, number of steps, steps with an input, steps with an output, encoder length)
_SHAPES = (
    ("one to many", "image captioning", 3, (0,), (0, 1, 2), None),
    ("many to one", "sentiment analysis", 3, (0, 1, 2), (2,), None),
    ("many to many, aligned", "slot filling", 3, (0, 1, 2), (0, 1, 2), None),
    ("many to many, unaligned", "translation", 5, (0, 1, 2), (3, 4), 3),
)


def draw_shapes(ax=None, title: str = "Four shapes of sequence problems"):
    """The four shapes of sequence problems side by side, each with an example task (chapter 2).

    One to many (one input, an output at every step: image captioning); many to one (an input
    at every step, one output after the last: sentiment analysis); many to many, aligned (an
    output for each input: slot filling); many to many, unaligned (an encoder reads the whole
    input, then a decoder writes an output of another length: translation). Boxes are coloured
    as in :func:`draw_variant`; red arrows carry the memory. Returns the Axes.
    Raises ``ValueError`` if ``ax`` is neither ``None`` nor a matplotlib Axes.
    """
    width, height, step, gap = 0.6, 0.4, 1.05, 1.5
    ax = require_axes(ax, (10, 3), left=0.01, right=0.99, bottom=0.02, top=0.88)
    left = 0.0
    for shape, example, steps, inputs, outputs, encoder in _SHAPES:
        columns = [left + step * t for t in range(steps)]
        for t, x in enumerate(columns):
            _box(ax, x, 1, f"$h_{{{t + 1}}}$", MEMORY_COLOUR, width, height, fontsize=9)
            if t:
                _arrow(ax, (x - step + width / 2, 1), (x - width / 2, 1), colour=CARRIED_COLOUR)
            if t in inputs:
                _box(ax, x, 0, f"$x_{{{inputs.index(t) + 1}}}$", INPUT_COLOUR, width, height, fontsize=9)
                _arrow(ax, (x, height / 2), (x, 1 - height / 2))
            if t in outputs:
                _box(ax, x, 2, f"$y_{{{outputs.index(t) + 1}}}$", OUTPUT_COLOUR, width, height, fontsize=9)
                _arrow(ax, (x, 1 + height / 2), (x, 2 - height / 2))
        if encoder:
            for name, part in (("encoder", columns[:encoder]), ("decoder", columns[encoder:])):
                ax.plot([part[0] - width / 2, part[-1] + width / 2], [-0.42] * 2, color="0.5", lw=1)
                ax.text((part[0] + part[-1]) / 2, -0.5, name, ha="center", va="top", fontsize=9, color="0.3")
        middle = (columns[0] + columns[-1]) / 2
        ax.text(middle, 2.95, shape, ha="center", va="bottom", fontsize=10, fontweight="bold")
        ax.text(middle, 2.5, f"e.g. {example}", ha="center", va="bottom", fontsize=9, style="italic")
        left = columns[-1] + width + gap
    ax.set(xlim=(-0.5, left - gap - 0.1), ylim=(-0.9, 3.35))
    ax.set_title(title, pad=12)
    ax.axis("off")
    return ax
