"""Diagrams drawn by code: the unrolled network (chapter 1), the variants and shapes (chapter 2), the LSTM cell (chapter 3)."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

from ._checks import require_choice, require_positive_int


def _box(ax, x, y, text, colour, width=0.76, height=0.4, fontsize=10):
    """A rounded box centred on ``(x, y)`` with ``text`` in it."""
    ax.add_patch(
        FancyBboxPatch(
            (x - width / 2, y - height / 2), width, height, boxstyle="round,pad=0.02", fc=colour, ec="0.3"
        )
    )
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize)


def _arrow(ax, start, end, colour="0.3", style="-|>"):
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle=style, mutation_scale=12, color=colour, lw=1.2))


def draw_unrolled(inputs, memories, outputs, ax=None, title: str = "The same network at every step"):
    """The recurrent network unrolled in time: input, memory and output vectors at each step.

    ``inputs`` ``(T, F)``, ``memories`` ``(T, H)`` and ``outputs`` ``(T, O)`` are written in the
    boxes; the red arrows carry the memory from one step to the next (chapter 1).
    """
    inputs, memories, outputs = (np.asarray(a) for a in (inputs, memories, outputs))
    steps = len(inputs)
    ax = ax or plt.subplots(figsize=(2.3 * steps + 1.2, 3.4))[1]

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


INPUT_COLOUR, MEMORY_COLOUR, OUTPUT_COLOUR = "#e5f5e0", "#fde0dd", "#deebf7"
CARRIED_COLOUR = "#cb181d"
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
    another kind than ``"deep"``.
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
    if ax is None:
        ax = plt.subplots(figsize=(1.05 * (names_at + 2.1), 0.95 * (top + 1.3)))[1]
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
    """
    width, height, step, gap = 0.6, 0.4, 1.05, 1.5
    if ax is None:
        figure, ax = plt.subplots(figsize=(10, 3))
        figure.subplots_adjust(left=0.01, right=0.99, bottom=0.02, top=0.88)
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


GATE_COLOUR, OPERATION_COLOUR = "#fff2ae", "#fbb4c4"
_NODE_WIDTH, _NODE_HEIGHT, _OPERATION_RADIUS = 0.95, 0.46, 0.2


def _node(ax, x, y, text, colour, width=_NODE_WIDTH, height=_NODE_HEIGHT, fontsize=11):
    _box(ax, x, y, text, colour, width=width, height=height, fontsize=fontsize)


def _operation(ax, x, y, symbol):
    """A pointwise operation (× or +): a small circle with its symbol."""
    ax.add_patch(Circle((x, y), _OPERATION_RADIUS, fc=OPERATION_COLOUR, ec="0.3", zorder=2))
    ax.text(x, y, symbol, ha="center", va="center", fontsize=12, zorder=3)


def _link(ax, start, end, colour="0.3"):
    _arrow(ax, start, end, colour=colour)


def draw_memory_cell(ax=None, title: str = "The LSTM memory cell: four inputs, one output"):
    r"""The lecture's LSTM memory cell: a neuron with four inputs and one output (chapter 3, equation (3.1)).

    .. math::  c' = g(z)\, f(z_i) + c\, f(z_f), \qquad a = h(c')\, f(z_o)

    The four inputs (green), each a weighted sum of the input vector, are the cell input
    :math:`z` and the pre-activations :math:`z_i, z_f, z_o` of the input, forget and output
    gates. Yellow boxes apply the activations (:math:`f` a sigmoid, so a gate is a number
    between 0, shut, and 1, open), pink circles multiply or add, the red box is the stored value
    :math:`c`, and the red arrow carries it from one step to the next through the forget gate;
    blue is the output :math:`a`. Returns the Axes.
    """
    if ax is None:
        figure, ax = plt.subplots(figsize=(7.2, 7.0))
        figure.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=0.93)
    half_w, half_h, r = _NODE_WIDTH / 2, _NODE_HEIGHT / 2, _OPERATION_RADIUS
    # the cell's spine, bottom to top
    _node(ax, 0, 0, "$z$", INPUT_COLOUR)
    _node(ax, 0, 1.1, "$g(z)$", GATE_COLOUR)
    _operation(ax, 0, 2.2, r"$\times$")
    _operation(ax, 0, 3.2, "$+$")
    _node(ax, 0, 4.3, "$c'$", MEMORY_COLOUR)
    _node(ax, 0, 5.4, "$h(c')$", GATE_COLOUR)
    _operation(ax, 0, 6.4, r"$\times$")
    _node(ax, 0, 7.4, "$a$", OUTPUT_COLOUR)
    # the three gates, each fed by its own input
    gates = (("input gate", "i", 2.2, -1.6), ("forget gate", "f", 3.2, 2.4), ("output gate", "o", 6.4, -1.6))
    for name, letter, y, gate_x in gates:
        side = 1 if gate_x > 0 else -1
        input_x = gate_x + side * 1.55
        _node(ax, input_x, y, f"$z_{letter}$", INPUT_COLOUR)
        _node(ax, gate_x, y, f"$f(z_{letter})$", GATE_COLOUR)
        _link(ax, (input_x - side * half_w, y), (gate_x + side * half_w, y))
        ax.text(gate_x, y + half_h + 0.08, name, ha="center", va="bottom", fontsize=9, style="italic")
    # the forget gate's product sits to the right of the adder: c f(z_f)
    _operation(ax, 1.0, 3.2, r"$\times$")
    _link(ax, (2.4 - half_w, 3.2), (1.0 + r, 3.2))
    _link(ax, (1.0 - r, 3.2), (r, 3.2))
    # the stored value goes round the loop: out of the cell, down to the forget gate's product
    _link(ax, (half_w, 4.3), (1.0, 3.2 + r), colour=CARRIED_COLOUR)
    ax.text(0.95, 4.05, "$c$: kept for the next step", ha="left", va="center", fontsize=9, color=CARRIED_COLOUR)
    # up the spine
    _link(ax, (0, half_h), (0, 1.1 - half_h))
    _link(ax, (0, 1.1 + half_h), (0, 2.2 - r))
    _link(ax, (-1.6 + half_w, 2.2), (-r, 2.2))
    _link(ax, (0, 2.2 + r), (0, 3.2 - r))
    _link(ax, (0, 3.2 + r), (0, 4.3 - half_h))
    _link(ax, (0, 4.3 + half_h), (0, 5.4 - half_h))
    _link(ax, (0, 5.4 + half_h), (0, 6.4 - r))
    _link(ax, (-1.6 + half_w, 6.4), (-r, 6.4))
    _link(ax, (0, 6.4 + r), (0, 7.4 - half_h))
    ax.text(0.6, 0, "cell input", ha="left", va="center", fontsize=9, style="italic")
    ax.text(0.6, 7.4, "output", ha="left", va="center", fontsize=9, style="italic")
    ax.text(-0.6, 4.3, "memory cell", ha="right", va="center", fontsize=9, style="italic")
    ax.set(xlim=(-3.7, 4.5), ylim=(-0.5, 7.9), aspect="equal")
    ax.set_title(title)
    ax.axis("off")
    return ax


def draw_lstm_cell(ax=None, title: str = "One step of an LSTM layer"):
    r"""One step of an LSTM layer in the style of Olah's *Understanding LSTM Networks* (chapter 3, equations (3.3)-(3.8)).

    .. math::
        f_t, i_t, o_t &= \sigma(\cdot), \quad g_t = \tanh(\cdot),

        c_t &= f_t \odot c_{t-1} + i_t \odot g_t, \qquad h_t = o_t \odot \tanh(c_t)

    The previous output :math:`h_{t-1}` and the input :math:`x_t` (bottom) feed the four yellow
    layers: the forget, input and output gates (:math:`\sigma`) and the candidate
    :math:`g_t` (:math:`\tanh`), each with its own weights. The cell state runs along the top
    (red arrows): the forget gate multiplies it, the input gate's share of the candidate is added,
    and :math:`\tanh(c_t)`, scaled by the output gate, is the new output :math:`h_t`. Pink
    circles are elementwise operations. Returns the Axes.
    """
    if ax is None:
        figure, ax = plt.subplots(figsize=(9, 5.2))
        figure.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=0.92)
    w, h, r = 0.8, 0.46, _OPERATION_RADIUS
    top, gates_y, bus_y = 3.0, 1.2, 0.2
    forget_x, add_x, out_x = 1.4, 3.2, 6.0
    # the cell state, a conveyor belt along the top
    _node(ax, -0.3, top, "$c_{t-1}$", MEMORY_COLOUR, width=w)
    _node(ax, 7.3, top, "$c_t$", MEMORY_COLOUR, width=w)
    _operation(ax, forget_x, top, r"$\times$")
    _operation(ax, add_x, top, "$+$")
    _link(ax, (-0.3 + w / 2, top), (forget_x - r, top), colour=CARRIED_COLOUR)
    _link(ax, (forget_x + r, top), (add_x - r, top), colour=CARRIED_COLOUR)
    _link(ax, (add_x + r, top), (7.3 - w / 2, top), colour=CARRIED_COLOUR)
    ax.text(4.6, top + 0.12, "cell state", ha="center", va="bottom", fontsize=9, style="italic",
            color=CARRIED_COLOUR)
    # the four layers, each reading [h_{t-1}, x_t]
    layers = (("forget", "f", r"$\sigma$", 1.4), ("input", "i", r"$\sigma$", 2.6),
              ("candidate", "g", r"$\tanh$", 3.8), ("output", "o", r"$\sigma$", 5.0))
    for name, letter, activation, x in layers:
        _node(ax, x, gates_y, activation, GATE_COLOUR, width=w)
        _link(ax, (x, bus_y), (x, gates_y - h / 2))
        ax.text(x + 0.07, gates_y - h / 2 - 0.06, name, ha="left", va="top", fontsize=8, style="italic")
    _link(ax, (forget_x, gates_y + h / 2), (forget_x, top - r))
    ax.text(forget_x + 0.08, 2.2, "$f_t$", ha="left", va="center", fontsize=11)
    _operation(ax, add_x, 2.2, r"$\times$")
    _link(ax, (2.6, gates_y + h / 2), (add_x - r * 0.8, 2.2 - r * 0.6))
    _link(ax, (3.8, gates_y + h / 2), (add_x + r * 0.8, 2.2 - r * 0.6))
    ax.text(2.55, 1.85, "$i_t$", ha="right", va="center", fontsize=11)
    ax.text(3.85, 1.85, "$g_t$", ha="left", va="center", fontsize=11)
    _link(ax, (add_x, 2.2 + r), (add_x, top - r))
    # the output: tanh of the new cell state, scaled by the output gate
    _node(ax, out_x, 2.2, r"$\tanh$", OPERATION_COLOUR, width=0.7, height=0.36, fontsize=10)
    _link(ax, (out_x, top), (out_x, 2.2 + 0.18))
    _operation(ax, out_x, gates_y, r"$\times$")
    _link(ax, (out_x, 2.2 - 0.18), (out_x, gates_y + r))
    _link(ax, (5.0 + w / 2, gates_y), (out_x - r, gates_y))
    ax.text(5.58, gates_y + 0.06, "$o_t$", ha="center", va="bottom", fontsize=11)
    _node(ax, 7.3, gates_y, "$h_t$", OUTPUT_COLOUR, width=w)
    _link(ax, (out_x + r, gates_y), (7.3 - w / 2, gates_y))
    # the inputs: h_{t-1} and x_t, side by side on one bus
    _node(ax, -0.3, bus_y, "$h_{t-1}$", OUTPUT_COLOUR, width=w)
    _node(ax, 0.6, -0.75, "$x_t$", INPUT_COLOUR, width=w)
    ax.plot([-0.3 + w / 2, 5.0], [bus_y, bus_y], color="0.3", lw=1.2)
    _link(ax, (0.6, -0.75 + h / 2), (0.6, bus_y))
    ax.text(0.7, -0.3, "$[h_{t-1}, x_t]$", ha="left", va="center", fontsize=9)
    ax.set(xlim=(-0.9, 7.9), ylim=(-1.15, 3.55), aspect="equal")
    ax.set_title(title)
    ax.axis("off")
    return ax
