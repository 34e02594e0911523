"""Diagrams of one step of a gated cell: the lecture's memory cell and the LSTM layer, the GRU (chapter 3)."""
from __future__ import annotations


from ._drawing import (
    CARRIED_COLOUR,
    GATE_COLOUR,
    INPUT_COLOUR,
    MEMORY_COLOUR,
    OPERATION_COLOUR,
    OUTPUT_COLOUR,
)
from ._drawing import NODE_HEIGHT as _NODE_HEIGHT
from ._drawing import NODE_WIDTH as _NODE_WIDTH
from ._drawing import OPERATION_RADIUS as _OPERATION_RADIUS
from ._drawing import arrow as _link
from ._drawing import node as _node
from ._drawing import operation as _operation
from .._axes import require_axes


def draw_memory_cell(ax=None, title: str = "The LSTM memory cell: four inputs, one output"):
    r"""The lecture's LSTM memory cell: a neuron with four inputs and one output (chapter 3, equation (3.1)).

    .. math::  c' = g(z)\, f(z_i) + c\, f(z_f), \qquad a = h(c')\, f(z_o)

    The four inputs (green), each a weighted sum of the input vector, are the cell input
    :math:`z` and the pre-activations :math:`z_i, z_f, z_o` of the input, forget and output
    gates. Yellow boxes apply the activations (:math:`f` a sigmoid, so a gate is a number
    between 0, shut, and 1, open), pink circles multiply or add, the red box is the stored value
    :math:`c`, and the red arrow carries it from one step to the next through the forget gate;
    blue is the output :math:`a`. Returns the Axes.
    Raises ``ValueError`` if ``ax`` is neither ``None`` nor a matplotlib Axes.
    """
    ax = require_axes(ax, (7.2, 7.0), left=0.01, right=0.99, bottom=0.01, top=0.93)
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
    Raises ``ValueError`` if ``ax`` is neither ``None`` nor a matplotlib Axes.
    """
    ax = require_axes(ax, (9, 5.2), left=0.01, right=0.99, bottom=0.01, top=0.92)
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


def draw_gru_cell(ax=None, title: str = "One step of a GRU layer (torch's convention)"):
    r"""One step of a GRU layer with torch's equations, drawn like :func:`draw_lstm_cell` (chapter 3, equations (3.9)-(3.12)).

    .. math::
        r_t &= \sigma(W_{ir}\, x_t + b_{ir} + W_{hr}\, h_{t-1} + b_{hr}),

        z_t &= \sigma(W_{iz}\, x_t + b_{iz} + W_{hz}\, h_{t-1} + b_{hz}),

        n_t &= \tanh\big(W_{in}\, x_t + b_{in} + r_t \odot (W_{hn}\, h_{t-1} + b_{hn})\big),

        h_t &= (1 - z_t) \odot n_t + z_t \odot h_{t-1}

    The memory :math:`h` runs along the top (red arrows): the update gate :math:`z_t` keeps its
    share :math:`z_t \odot h_{t-1}`, and the candidate :math:`n_t` fills the rest,
    :math:`(1 - z_t) \odot n_t`; with :math:`z_t = 1` the memory is kept exactly. The reset gate
    :math:`r_t` scales the product :math:`W_{hn} h_{t-1} + b_{hn}` (the white box) before the
    candidate's :math:`\tanh`, as torch and cuDNN compute it; Cho et al. (2014) reset
    :math:`h_{t-1}` before the product instead, and Olah's figure swaps the roles of :math:`z_t`
    and :math:`1 - z_t`. Yellow boxes are the gate layers, each reading :math:`[h_{t-1}, x_t]`
    with its own weights; pink circles are elementwise operations. Returns the Axes.
    Raises ``ValueError`` if ``ax`` is neither ``None`` nor a matplotlib Axes.
    """
    ax = require_axes(ax, (8, 4.1), left=0.01, right=0.99, bottom=0.01, top=0.9)
    w, h, r = 0.8, 0.46, _OPERATION_RADIUS
    top, mix_y, gates_y, bus_y = 3.0, 2.0, 1.0, -0.4
    branch_x, update_x, reset_x, product_x, mix_x, out_x = 0.5, 1.8, 3.0, 4.3, 5.6, 7.2
    big, label, name = 13, 12, 11  # font sizes, large enough at a phone's width
    one_minus = 0.27  # the radius of the 1 − circle, wider than a product's
    # the memory along the top: kept by z_t, filled by (1 - z_t) n_t
    _node(ax, -0.3, top, "$h_{t-1}$", MEMORY_COLOUR, width=w, fontsize=big)
    _node(ax, out_x, top, "$h_t$", MEMORY_COLOUR, width=w, fontsize=big)
    _operation(ax, update_x, top, r"$\times$", fontsize=big)
    _operation(ax, mix_x, top, "$+$", fontsize=big)
    _link(ax, (-0.3 + w / 2, top), (update_x - r, top), colour=CARRIED_COLOUR)
    _link(ax, (update_x + r, top), (mix_x - r, top), colour=CARRIED_COLOUR)
    _link(ax, (mix_x + r, top), (out_x - w / 2, top), colour=CARRIED_COLOUR)
    ax.text((update_x + mix_x) / 2, top + 0.1, "memory", ha="center", va="bottom", fontsize=name,
            style="italic", color=CARRIED_COLOUR)
    # the inputs: x_t and a branch of h_{t-1}, side by side on one bus
    _node(ax, -0.3, bus_y, "$x_t$", INPUT_COLOUR, width=w, fontsize=big)
    ax.plot([branch_x, branch_x], [top, bus_y], color="0.3", lw=1.2)
    ax.plot([-0.3 + w / 2, mix_x], [bus_y, bus_y], color="0.3", lw=1.2)
    ax.text(branch_x + 0.08, 0.3, "$[h_{t-1}, x_t]$", ha="left", va="center", fontsize=name)
    # the two gates, each reading [h_{t-1}, x_t]
    for x, gate, gate_name in ((update_x, "z", "update"), (reset_x, "r", "reset")):
        _node(ax, x, gates_y, r"$\sigma$", GATE_COLOUR, width=w, fontsize=big)
        _link(ax, (x, bus_y), (x, gates_y - h / 2))
        ax.text(x + 0.07, gates_y - h / 2 - 0.05, gate_name, ha="left", va="top", fontsize=name, style="italic")
    # the update gate: z_t keeps the old memory, 1 - z_t lets the candidate in
    _link(ax, (update_x, gates_y + h / 2), (update_x, top - r))
    ax.text(update_x - 0.08, 1.55, "$z_t$", ha="right", va="center", fontsize=label)
    _operation(ax, 3.6, mix_y, "$1 -$", fontsize=name, radius=one_minus)
    ax.plot([update_x, 3.6 - one_minus], [mix_y, mix_y], color="0.3", lw=1.2)
    _operation(ax, mix_x, mix_y, r"$\times$", fontsize=big)
    _link(ax, (3.6 + one_minus, mix_y), (mix_x - r, mix_y))
    ax.text(4.6, mix_y + 0.08, "$1 - z_t$", ha="center", va="bottom", fontsize=label)
    _link(ax, (mix_x, mix_y + r), (mix_x, top - r))
    # the reset gate scales W_hn h_{t-1} + b_hn, the recurrent part of the candidate
    _operation(ax, product_x, gates_y, r"$\times$", fontsize=big)
    _link(ax, (reset_x + w / 2, gates_y), (product_x - r, gates_y))
    ax.text((reset_x + w / 2 + product_x - r) / 2, gates_y + 0.06, "$r_t$", ha="center", va="bottom",
            fontsize=label)
    _node(ax, product_x, 0.25, "$W_{hn}, b_{hn}$", "white", width=1.1, height=0.42, fontsize=name)
    _link(ax, (product_x, bus_y), (product_x, 0.25 - 0.21))
    _link(ax, (product_x, 0.25 + 0.21), (product_x, gates_y - r))
    # the candidate: tanh of W_in x_t + b_in and the reset product
    _node(ax, mix_x, gates_y, r"$\tanh$", GATE_COLOUR, width=w, fontsize=big)
    _link(ax, (product_x + r, gates_y), (mix_x - w / 2, gates_y))
    _link(ax, (mix_x, bus_y), (mix_x, gates_y - h / 2))
    ax.text(mix_x + 0.07, gates_y - h / 2 - 0.05, "candidate", ha="left", va="top", fontsize=name, style="italic")
    ax.text(mix_x + 0.08, 0.05, "$W_{in}, b_{in}$", ha="left", va="center", fontsize=name)
    _link(ax, (mix_x, gates_y + h / 2), (mix_x, mix_y - r))
    ax.text(mix_x + 0.08, 1.55, "$n_t$", ha="left", va="center", fontsize=label)
    ax.set(xlim=(-0.8, 7.7), ylim=(-0.75, 3.4), aspect="equal")
    ax.set_title(title)
    ax.axis("off")
    return ax
