"""Diagrams of the networks built for a longer memory: the lecture's linear chain, the leaky unit, the SCRN, the
echo state network (chapter 5)."""
from __future__ import annotations

import math

import numpy as np
from matplotlib.patches import Circle, Ellipse, FancyArrowPatch
from matplotlib.path import Path

from .._axes import require_axes
from .._checks import is_real, require_non_negative_int, require_positive_int
from ._drawing import (
    CARRIED_COLOUR,
    GATE_COLOUR,
    GRADIENT_COLOUR,
    INPUT_COLOUR,
    MEMORY_COLOUR,
    OPERATION_RADIUS,
    OUTPUT_COLOUR,
    box,
    operation,
)

# Chapter 5: weights that training sets (the gradient's blue) and weights drawn once and left fixed.
TRAINED_COLOUR = GRADIENT_COLOUR
FIXED_COLOUR = "0.55"
_BIG, _LABEL, _NAME = 13, 12, 11  # font sizes, large enough at a phone's width


def _link(ax, start, end, colour="0.3", rad=0.0, dashed=False, lw=1.2, head=12):
    """An arrow from ``start`` to ``end``, bent by ``rad`` (matplotlib's ``arc3``), dashed or solid."""
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=head, color=colour, lw=lw,
                                 linestyle=(0, (4, 3)) if dashed else "-", connectionstyle=f"arc3,rad={rad}"))


def _loop(ax, start, end, bulge, colour=CARRIED_COLOUR, lw=1.4):
    """A recurrent loop from ``start`` out by ``bulge`` (a vector) and back into ``end``, both on
    the side of one box."""
    (x0, y0), (x1, y1), (bx, by) = start, end, bulge
    path = Path([(x0, y0), (x0 + bx, y0 + by), (x1 + bx, y1 + by), (x1, y1)],
                [Path.MOVETO, Path.CURVE4, Path.CURVE4, Path.CURVE4])
    ax.add_patch(FancyArrowPatch(path=path, arrowstyle="-|>", mutation_scale=12, color=colour, lw=lw))


def _finish(ax, xlim, ylim, title):
    ax.set(xlim=xlim, ylim=ylim, aspect="equal")
    ax.set_title(title)
    ax.axis("off")
    return ax


def draw_linear_chain(steps: int = 4, ax=None, title: str = "One linear unit, unrolled: the output is $w^{T-1}$"):
    r"""The lecture's one-unit linear RNN unrolled over ``steps`` steps (chapter 5).

    .. math::  h_t = w\, h_{t-1} + x_t, \quad h_0 = 0, \quad x = (1, 0, \dots, 0)
               \quad\Rightarrow\quad y = h_T = w^{T-1}

    The input weight and the output weight are 1 and the unit is linear, so the single 1 of the
    first step is multiplied by the recurrent weight :math:`w` on every red arrow: the memory
    boxes hold :math:`1, w, w^2, \dots` and the output after :math:`T` steps is
    :math:`w^{T-1}` (the lecture's :math:`w^{999}` at :math:`T = 1000`: a small change of
    :math:`w` moves it enormously, the cliff of Pascanu, Mikolov & Bengio 2013). Returns the
    Axes. Raises ``ValueError`` if ``steps`` is not a positive integer or ``ax`` is neither
    ``None`` nor a matplotlib Axes.
    """
    steps = require_positive_int("steps", steps)
    step, w, h = 1.5, 0.8, 0.46
    last = step * (steps - 1)
    ax = require_axes(ax, (max(5.5, 1.25 * steps + 1.0), 3.4), left=0.01, right=0.99, bottom=0.01, top=0.9)
    for t in range(1, steps + 1):
        x = step * (t - 1)
        memory = "$1$" if t == 1 else ("$w$" if t == 2 else f"$w^{{{t - 1}}}$")
        box(ax, x, 0, "$1$" if t == 1 else "$0$", INPUT_COLOUR, w, h, fontsize=_BIG)
        box(ax, x, 1.2, memory, MEMORY_COLOUR, w, h, fontsize=_BIG)
        _link(ax, (x, h / 2), (x, 1.2 - h / 2))
        ax.text(x - 0.08, 0.6, "$1$", ha="right", va="center", fontsize=_LABEL, color="0.35")
        ax.text(x, -h / 2 - 0.08, f"$t = {t}$", ha="center", va="top", fontsize=_NAME)
        if t > 1:
            _link(ax, (x - step + w / 2, 1.2), (x - w / 2, 1.2), colour=CARRIED_COLOUR)
            ax.text(x - step / 2, 1.28, "$w$", ha="center", va="bottom", fontsize=_LABEL, color=CARRIED_COLOUR)
    output = "$y = 1$" if steps == 1 else ("$y = w$" if steps == 2 else f"$y = w^{{{steps - 1}}}$")
    box(ax, last, 2.4, output, OUTPUT_COLOUR, 1.2, h, fontsize=_BIG)
    _link(ax, (last, 1.2 + h / 2), (last, 2.4 - h / 2))
    ax.text(last - 0.08, 1.8, "$1$", ha="right", va="center", fontsize=_LABEL, color="0.35")
    ax.text(0, 2.4, "$T = 1000$: $y = w^{999}$", ha="left", va="center", fontsize=_LABEL)
    return _finish(ax, (-0.55, last + 0.65), (-0.75, 2.75), title)


def draw_leaky_unit(leak: float | None = None, ax=None,
                    title: str = "A leaky unit: keep $1 - \\alpha$, add $\\alpha$ of the new"):
    r"""One step of a layer of leaky-integrator units (chapter 5).

    .. math::
        \tilde h_t &= \tanh(W_{ih}\, x_t + W_{hh}\, h_{t-1} + b),

        h_t &= (1 - \alpha)\, h_{t-1} + \alpha\, \tilde h_t

    The memory runs along the top (red arrows): the share :math:`1 - \alpha` of
    :math:`h_{t-1}` is carried straight across, with no weight matrix and no squashing, and the
    share :math:`\alpha` of the ordinary Elman step :math:`\tilde h_t` (the yellow layer, reading
    :math:`[h_{t-1}, x_t]`) is added. With :math:`\alpha = 1` this is the Elman RNN; a small
    :math:`\alpha` keeps the memory, and its gradient, for about :math:`1/\alpha` steps. ``leak``
    is :math:`\alpha`: ``None`` writes the symbols, a number in :math:`(0, 1]` writes its value
    beside them. Leaky integrators go back to Jaeger, Lukoševičius, Popovici & Siewert (2007) in
    echo state networks and were used for gradient-trained RNNs by Bengio, Boulanger-Lewandowski
    & Pascanu (2013); some papers write :math:`\alpha` for the share kept instead. Returns the
    Axes. Raises ``ValueError`` if ``leak`` is neither ``None`` nor a number in :math:`(0, 1]`, or
    ``ax`` neither ``None`` nor a matplotlib Axes.
    """
    if leak is not None and not (is_real(leak) and 0 < leak <= 1):
        raise ValueError(f"leak: expected None or a number in (0, 1], got {leak!r}")
    keep, new = r"1 - \alpha", r"\alpha"
    if leak is not None:
        keep, new = f"{keep} = {1 - leak:.3g}", f"{new} = {leak:.3g}"
    ax = require_axes(ax, (6.4, 4.6), left=0.01, right=0.99, bottom=0.01, top=0.9)
    w, h, r = 0.8, 0.46, OPERATION_RADIUS
    top, scale_y, bus_y = 2.2, 1.15, 0.0
    branch_x, keep_x, mix_x, out_x = 0.5, 1.7, 3.7, 5.0
    box(ax, -0.3, top, "$h_{t-1}$", MEMORY_COLOUR, w, h, fontsize=_BIG)
    box(ax, out_x, top, "$h_t$", MEMORY_COLOUR, w, h, fontsize=_BIG)
    # the kept share: straight across, the only operation a scaling
    operation(ax, keep_x, top, r"$\times$", fontsize=_BIG)
    operation(ax, mix_x, top, "$+$", fontsize=_BIG)
    _link(ax, (-0.3 + w / 2, top), (keep_x - r, top), colour=CARRIED_COLOUR)
    _link(ax, (keep_x + r, top), (mix_x - r, top), colour=CARRIED_COLOUR)
    _link(ax, (mix_x + r, top), (out_x - w / 2, top), colour=CARRIED_COLOUR)
    ax.text(keep_x, top + r + 0.06, f"${keep}$", ha="center", va="bottom", fontsize=_LABEL, color=CARRIED_COLOUR)
    ax.text((keep_x + mix_x) / 2, top - 0.1, "kept", ha="center", va="top", fontsize=_NAME, style="italic",
            color=CARRIED_COLOUR)
    # the new share: the Elman step, scaled by alpha
    box(ax, -0.3, bus_y, "$x_t$", INPUT_COLOUR, w, h, fontsize=_BIG)
    ax.plot([branch_x, branch_x], [top, bus_y], color="0.3", lw=1.2)
    box(ax, mix_x, bus_y, r"$\tanh$", GATE_COLOUR, w, h, fontsize=_BIG)
    _link(ax, (-0.3 + w / 2, bus_y), (mix_x - w / 2, bus_y))
    ax.text(1.95, bus_y + 0.06, "$[h_{t-1}, x_t]$", ha="center", va="bottom", fontsize=_NAME)
    ax.text(mix_x, bus_y - h / 2 - 0.06, "$W_{ih}, W_{hh}, b$", ha="center", va="top", fontsize=_NAME)
    operation(ax, mix_x, scale_y, r"$\times$", fontsize=_BIG)
    _link(ax, (mix_x, bus_y + h / 2), (mix_x, scale_y - r))
    _link(ax, (mix_x, scale_y + r), (mix_x, top - r))
    ax.text(mix_x - 0.08, (bus_y + h / 2 + scale_y - r) / 2, r"$\tilde h_t$", ha="right", va="center",
            fontsize=_LABEL)
    ax.text(mix_x + r + 0.08, scale_y, f"${new}$", ha="left", va="center", fontsize=_LABEL)
    ax.text(mix_x + 0.08, (bus_y + h / 2 + scale_y - r) / 2, "new", ha="left", va="center", fontsize=_NAME,
            style="italic")
    ax.text(2.1, -0.85, r"$h_t = (1 - \alpha)\, h_{t-1} + \alpha\, \tilde h_t$", ha="center", va="top",
            fontsize=_LABEL)
    return _finish(ax, (-0.8, 5.5), (-1.35, 2.75), title)


def draw_scrn(ax=None, title: str = "The SCRN: a slow context beside the hidden layer"):
    r"""The structurally constrained recurrent network (SCRN) of Mikolov, Joulin, Chopra, Mathieu & Ranzato (2015), chapter 5.

    .. math::
        s_t &= (1 - \alpha)\, B\, x_t + \alpha\, s_{t-1},

        h_t &= \sigma(P\, s_t + A\, x_t + R\, h_{t-1}),

        y_t &= f(U\, h_t + V\, s_t)

    Two memories side by side, each with its red recurrent loop: the hidden layer :math:`h_t`
    (left) with the full trained matrix :math:`R`, fast; the context layer :math:`s_t` (right),
    whose only recurrence is the fixed scalar :math:`\alpha` (a diagonal recurrent matrix
    :math:`\alpha I` with :math:`\alpha` near 1) and no nonlinearity, so it changes slowly and
    keeps a longer memory. The input :math:`x_t` reaches the hidden layer through :math:`A` and
    the context through :math:`B`; the context feeds the hidden layer through :math:`P`, and both
    feed the output through :math:`U` and :math:`V`. The matrices are named as in the paper.
    Returns the Axes.
    Raises ``ValueError`` if ``ax`` is neither ``None`` nor a matplotlib Axes.
    """
    ax = require_axes(ax, (5.4, 5.8), left=0.01, right=0.99, bottom=0.01, top=0.93)
    w, h = 0.9, 0.5
    hx, sx, row = -1.2, 1.2, 1.6
    box(ax, 0, 0, "$x_t$", INPUT_COLOUR, w, h, fontsize=_BIG)
    box(ax, hx, row, "$h_t$", MEMORY_COLOUR, w, h, fontsize=_BIG)
    box(ax, sx, row, "$s_t$", MEMORY_COLOUR, w, h, fontsize=_BIG)
    box(ax, 0, 3.2, "$y_t$", OUTPUT_COLOUR, w, h, fontsize=_BIG)
    # the input to both layers, the context to the hidden layer, both to the output
    weights = (("A", (-0.2, h / 2), (hx + 0.15, row - h / 2), (-0.75, 0.8), "right"),
               ("B", (0.2, h / 2), (sx - 0.15, row - h / 2), (0.75, 0.8), "left"),
               ("U", (hx + 0.15, row + h / 2), (-0.2, 3.2 - h / 2), (-0.75, 2.4), "right"),
               ("V", (sx - 0.15, row + h / 2), (0.2, 3.2 - h / 2), (0.75, 2.4), "left"))
    for name, start, end, (tx, ty), side in weights:
        _link(ax, start, end)
        ax.text(tx, ty, f"${name}$", ha=side, va="center", fontsize=_LABEL)
    _link(ax, (sx - w / 2, row), (hx + w / 2, row))
    ax.text(0, row + 0.06, "$P$", ha="center", va="bottom", fontsize=_LABEL)
    # the recurrences: R, trained and full; alpha, fixed
    _loop(ax, (hx - w / 2, row + 0.1), (hx - w / 2, row - 0.1), (-0.7, 0))
    ax.text(hx - w / 2 - 0.6, row, "$R$", ha="right", va="center", fontsize=_LABEL, color=CARRIED_COLOUR)
    _loop(ax, (sx + w / 2, row + 0.1), (sx + w / 2, row - 0.1), (0.7, 0))
    ax.text(sx + w / 2 + 0.6, row, r"$\alpha$", ha="left", va="center", fontsize=_LABEL, color=CARRIED_COLOUR)
    ax.text(hx - 0.1, row + h / 2 + 0.08, "hidden, fast", ha="right", va="bottom", fontsize=_NAME, style="italic")
    ax.text(sx + 0.1, row + h / 2 + 0.08, "context, slow", ha="left", va="bottom", fontsize=_NAME, style="italic")
    equations = (r"$s_t = (1 - \alpha)\, B x_t + \alpha\, s_{t-1}$",
                 r"$h_t = \sigma(P s_t + A x_t + R h_{t-1})$", r"$y_t = f(U h_t + V s_t)$")
    for k, equation in enumerate(equations):
        ax.text(0, -0.55 - 0.42 * k, equation, ha="center", va="top", fontsize=_LABEL)
    return _finish(ax, (-2.75, 2.75), (-1.95, 3.55), title)


def _reservoir(seed: int, units: int = 12):
    """Seeded node positions in a disc (a sunflower, jittered) and 1 or 2 edges out of every node
    to one of its four nearest neighbours: small, sparse and random, yet drawable."""
    rng = np.random.default_rng(seed)
    turn = rng.uniform(0, 2 * math.pi)
    k = np.arange(units)
    radius = 1.05 * np.sqrt((k + 0.5) / units)
    angle = turn + k * math.pi * (3 - math.sqrt(5))
    nodes = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    nodes += rng.uniform(-0.06, 0.06, nodes.shape)
    edges = set()
    for i in range(units):
        nearest = np.argsort(np.linalg.norm(nodes - nodes[i], axis=1))[1:5]
        for j in rng.choice(nearest, size=rng.integers(1, 3), replace=False):
            edges.add((i, int(j)))
    return nodes, sorted(edges)


def draw_echo_state_network(ax=None, title: str = "An echo state network: only the read-out is trained",
                            seed: int = 0, feedback: bool = True):
    r"""An echo state network: a fixed random reservoir and a trained linear read-out (Jaeger 2001), chapter 5.

    .. math::
        h_t &= \tanh(W_{in}\, x_t + W\, h_{t-1} + W_{fb}\, y_{t-1}),

        y_t &= W_{out}\, h_t, \qquad
        W_{out} = Y H^\top (H H^\top + \lambda I)^{-1}

    The input :math:`x_t` (green) drives a reservoir of units (red circles) joined by a sparse
    random graph: the input weights :math:`W_{in}` and the reservoir's :math:`W` (grey, dashed)
    are drawn once, :math:`W` scaled to a chosen spectral radius, and never trained. Only the
    read-out :math:`W_{out}` (blue, solid) is fitted, in closed form, by ridge regression of the
    targets :math:`Y` on the collected states :math:`H`. The optional feedback :math:`W_{fb}` of
    the output into the reservoir (dashed, fixed too) is drawn when ``feedback`` is true. The
    reservoir is a picture of twelve units laid out and wired at random by ``seed``; a real one has
    hundreds. Jaeger (2001) fitted the read-out by linear regression; ridge regression, which
    Lukoševičius (2012) recommends, is the usual choice now. Returns the Axes. Raises
    ``ValueError`` if ``seed`` is not a non-negative integer, ``feedback`` not a bool, or ``ax``
    neither ``None`` nor a matplotlib Axes.
    """
    seed = require_non_negative_int("seed", seed)
    if not isinstance(feedback, bool):
        raise ValueError(f"feedback: expected True or False, got {feedback!r}")
    ax = require_axes(ax, (6.4, 4.6), left=0.01, right=0.99, bottom=0.01, top=0.92)
    nodes, edges = _reservoir(seed)
    r, w, h, side = 0.13, 0.8, 0.5, 2.75
    box(ax, -side, 0, "$x_t$", INPUT_COLOUR, w, h, fontsize=_BIG)
    box(ax, side, 0, "$y_t$", OUTPUT_COLOUR, w, h, fontsize=_BIG)
    ax.add_patch(Ellipse((0, 0), 2.9, 2.9, fill=False, ec=FIXED_COLOUR, ls=(0, (4, 3)), lw=1.0))

    def rim(i, towards):
        """The point of node i's circle that faces ``towards``."""
        d = np.asarray(towards, dtype=float) - nodes[i]
        return tuple(nodes[i] + r * d / np.linalg.norm(d))

    for i, j in edges:
        _link(ax, rim(i, nodes[j]), rim(j, nodes[i]), colour=FIXED_COLOUR, dashed=True, lw=0.9, head=8)
    into, out_of = (-side + w / 2, 0), (side - w / 2, 0)
    for i in range(len(nodes)):
        _link(ax, into, rim(i, into), colour=FIXED_COLOUR, dashed=True, lw=0.7, head=8)
        _link(ax, rim(i, out_of), out_of, colour=TRAINED_COLOUR, lw=1.1)
        ax.add_patch(Circle(tuple(nodes[i]), r, fc=MEMORY_COLOUR, ec="0.3", zorder=3))
    ax.text(-1.85, 0.55, "$W_{in}$", ha="center", va="bottom", fontsize=_LABEL, color="0.35")
    ax.text(0, 1.52, "$W$: fixed, random", ha="center", va="bottom", fontsize=_LABEL, color="0.35")
    ax.text(1.85, 0.55, "$W_{out}$", ha="center", va="bottom", fontsize=_LABEL, color=TRAINED_COLOUR)
    ax.text(-1.55, -1.5, "reservoir $h_t$", ha="center", va="top", fontsize=_NAME, style="italic")
    ax.text(3.25, -1.5, "trained: ridge regression", ha="right", va="top", fontsize=_NAME, color=TRAINED_COLOUR)
    if feedback:
        _link(ax, (side, h / 2), (0.9, 1.2), colour=FIXED_COLOUR, rad=0.45, dashed=True)
        ax.text(2.3, 1.55, "$W_{fb}$ (optional)", ha="center", va="bottom", fontsize=_NAME, color="0.35")
    return _finish(ax, (-3.3, 3.3), (-1.85, 1.95), title)
