"""Diagrams of the Clockwork RNN: its modules and connections, its update schedule and the mask of its
recurrent weights (chapter 5)."""
from __future__ import annotations

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.patches import Rectangle

from .._axes import require_axes
from .._checks import is_integer, require_periods, require_positive_int
from ._drawing import CARRIED_COLOUR, INPUT_COLOUR, MEMORY_COLOUR, OUTPUT_COLOUR, box
from .long_memory import _link, _loop

_BIG, _LABEL, _NAME = 13, 12, 11  # font sizes, large enough at a phone's width
_EMPTY_EDGE = "0.75"



def draw_clockwork(periods=(1, 2, 4, 8), ax=None, title: str = "The Clockwork RNN: slower modules feed faster ones"):
    r"""The hidden layer of a Clockwork RNN, its modules in a row (Koutník, Greff, Gomez & Schmidhuber 2014), chapter 5.

    .. math::
        h^{(i)}_t = \begin{cases}
            \tanh\big(a^{(i)}_t\big) & \text{if } t \bmod T_i = 0, \\
            h^{(i)}_{t-1} & \text{otherwise,}
        \end{cases}

        a^{(i)}_t = W^{(i)}_{ih}\, x_t + \textstyle\sum_{j \ge i} W^{(ij)}_{hh}\, h^{(j)}_{t-1} + b^{(i)},
        \qquad y_t = f_O(W_O\, h_t)

    One box per module, sorted by period, ``periods`` :math:`T_1 < \dots < T_g` from left to
    right (the paper's periods are :math:`T_i = 2^{i-1}`). Red arrows are the recurrent weights,
    reading :math:`h_{t-1}`: a loop on every module (each is fully connected within), and an arc
    from every slower module to every faster one, none the other way; so a slow module's memory
    is left alone by the fast ones and changes only at its own clock. The input reaches every
    module (grey arrows from below) and every module feeds the output (above). Returns the Axes.
    Raises ``ValueError`` if ``periods`` are not positive integers in strictly increasing order,
    or ``ax`` is neither ``None`` nor a matplotlib Axes.
    """
    periods = require_periods(periods)
    g = len(periods)
    step, w, h = 1.6, 1.0, 0.5
    last = step * (g - 1)
    arc_top = 0.25 * (last - 0.2) + h / 2  # the highest arc: rad 0.5 lifts an arc by a quarter of its span
    bar_y = max(arc_top, 0.6) + 0.55
    ax = require_axes(ax, (max(5.5, 1.3 * g + 1.2), 0.95 * (bar_y + 2.4)), left=0.01, right=0.99, bottom=0.01,
                      top=0.9)
    for i, period in enumerate(periods):
        x = step * i
        box(ax, x, 0, f"$T = {period}$", MEMORY_COLOUR, w, h, fontsize=_BIG)
        _loop(ax, (x - w / 2, 0.1), (x - w / 2, -0.1), (-0.45, 0))
        _link(ax, (x, -1.0 + 0.2), (x, -h / 2))
        _link(ax, (x, h / 2), (x, bar_y - 0.2))
        # j > i: the slower module j feeds the faster module i; the longer arcs leave and land
        # nearer the boxes' middles, so that no arc crosses another at its ends
        for j in range(i + 1, g):
            inset = 0.4 - 0.3 * (j - i - 1) / max(g - 2, 1)
            _link(ax, (step * j - inset, h / 2), (x + inset, h / 2), colour=CARRIED_COLOUR, rad=0.5)
    box(ax, last / 2, -1.0, "input $x_t$", INPUT_COLOUR, last + w, 0.4, fontsize=_LABEL)
    box(ax, last / 2, bar_y, "output $y_t$", OUTPUT_COLOUR, last + w, 0.4, fontsize=_LABEL)
    ax.text(last / 2, -1.3, "red: from $h_{t-1}$, only slower to faster", ha="center", va="top", fontsize=_NAME,
            color=CARRIED_COLOUR)
    ax.set(xlim=(-w / 2 - 0.55, last + w / 2 + 0.15), ylim=(-1.75, bar_y + 0.3), aspect="equal")
    ax.set_title(title)
    ax.axis("off")
    return ax


def draw_clockwork_schedule(periods=(1, 2, 4, 8), steps: int = 16, ax=None,
                            title: str = "Which module updates at which step"):
    r"""The Clockwork RNN's schedule: which module updates at which time step (Koutník et al. 2014), chapter 5.

    .. math::  \text{module } i \text{ updates at step } t \iff t \bmod T_i = 0,
               \qquad t = 0, 1, \dots, \text{steps} - 1

    One row per module (``periods`` :math:`T_1 < \dots < T_g`, the fastest on top), one column
    per time step, counted from 0 so that every module updates at the first step. A filled cell
    is an update; an empty one means the module copies its memory unchanged, so the module of
    period :math:`T` computes only every :math:`T`-th step and its memory, and its gradient,
    cross :math:`T` steps at once. Returns the Axes. Raises ``ValueError`` if ``periods`` are not
    positive integers in strictly increasing order, ``steps`` is not a positive integer, or
    ``ax`` is neither ``None`` nor a matplotlib Axes.
    """
    periods = require_periods(periods)
    steps = require_positive_int("steps", steps)
    g = len(periods)
    width = min(7.0, max(5.5, 0.4 * (steps + 1.9)))
    height = width * (g + 1.35) / (steps + 1.9) + 0.5  # the grid with square cells, and the title
    ax = require_axes(ax, (width, height), left=0.01, right=0.99, bottom=0.01, top=1 - 0.45 / height)
    for i, period in enumerate(periods):
        for t in range(steps):
            updates = t % period == 0
            ax.add_patch(Rectangle((t - 0.45, -i - 0.45), 0.9, 0.9, fc=CARRIED_COLOUR if updates else "white",
                                   ec=CARRIED_COLOUR if updates else _EMPTY_EDGE, lw=1.0))
        ax.text(-0.7, -i, f"$T = {period}$", ha="right", va="center", fontsize=_BIG)
    every = -(-steps // 8)  # at most 8 numbers along the bottom, far enough apart at a phone's width
    for t in range(0, steps, every):
        ax.text(t, -g + 0.35, str(t), ha="center", va="top", fontsize=_BIG)
    ax.text(-0.7, -g + 0.35, "$t$", ha="right", va="top", fontsize=_BIG)
    ax.text(-0.45, -g - 0.25, "filled: the module updates; empty: it keeps its memory", ha="left", va="top",
            fontsize=_NAME)
    ax.set(xlim=(-2.3, steps - 0.4), ylim=(-g - 0.75, 0.6), aspect="equal")
    ax.set_title(title)
    ax.axis("off")
    return ax


def _module_sizes(size: int, module_sizes, periods) -> tuple[list[int], list[str]]:
    """The modules' sizes and their labels, from ``module_sizes`` or ``periods`` or both."""
    if module_sizes is None and periods is None:
        raise ValueError("module_sizes, periods: expected at least one of them, got neither")
    if periods is not None:
        periods = require_periods(periods)
    if module_sizes is not None:
        try:
            sizes = list(module_sizes)
        except TypeError:
            sizes = []
        if not sizes or not all(is_integer(n) and n >= 1 for n in sizes) or sum(sizes) != size:
            raise ValueError(f"module_sizes: expected positive integers that sum to {size} (the mask's size), "
                             f"got {module_sizes!r}")
        if periods is not None and len(periods) != len(sizes):
            raise ValueError(f"periods: expected one period per module ({len(sizes)}), got {len(periods)}")
    elif size % len(periods):
        raise ValueError(f"periods: expected a number of modules that divides the mask's size {size}, "
                         f"got {len(periods)} periods (pass module_sizes for unequal modules)")
    else:
        sizes = [size // len(periods)] * len(periods)
    labels = [f"$T = {p}$" for p in periods] if periods is not None else [str(k) for k in range(1, len(sizes) + 1)]
    return [int(n) for n in sizes], labels


def draw_block_mask(mask, module_sizes=None, periods=None, ax=None,
                    title: str = "Where $W_{hh}$ may be non-zero: block-upper-triangular"):
    r"""A boolean mask of a Clockwork RNN's recurrent weights, with its modules' boundaries (Koutník et al. 2014), chapter 5.

    .. math::  (W_{hh})_{kl} = 0 \quad \text{unless } \mathrm{module}(l) \ge \mathrm{module}(k)

    ``mask`` is an :math:`(H, H)` boolean array or tensor (on any device): row :math:`k` is the
    unit that receives (:math:`h_t`), column :math:`l` the unit that sends (:math:`h_{t-1}`), as
    in torch's ``weight_hh``. Filled cells (red) are the weights that may be non-zero. Lines mark
    the modules, given by ``module_sizes`` (positive integers summing to :math:`H`) or by
    ``periods`` (:math:`T_1 < \dots < T_g`, modules of :math:`H / g` units each), or both; with
    the modules sorted by period, the connections of a Clockwork RNN fill the diagonal blocks and
    those above them: block-upper-triangular. The function draws the mask it is given, so a mask
    built wrongly shows. Returns the Axes. Raises ``ValueError`` if ``mask`` is not a square
    two-dimensional boolean matrix, if neither ``module_sizes`` nor ``periods`` is given, if
    ``module_sizes`` are not positive integers summing to :math:`H`, if ``periods`` are not
    strictly increasing positive integers, one per module (and, alone, a divisor of :math:`H` in
    number), or if ``ax`` is neither ``None`` nor a matplotlib Axes.
    """
    if hasattr(mask, "detach"):  # a torch tensor, on whatever device: read, never converted in place
        mask = mask.detach().cpu().numpy()
    mask = np.asarray(mask)
    if mask.ndim != 2 or mask.shape[0] != mask.shape[1] or mask.shape[0] == 0:
        raise ValueError(f"mask: expected a square (H, H) matrix, got shape {tuple(mask.shape)}")
    if mask.dtype != bool:
        raise ValueError(f"mask: expected a boolean matrix (dtype bool), got dtype {mask.dtype}")
    size = mask.shape[0]
    sizes, labels = _module_sizes(size, module_sizes, periods)
    ax = require_axes(ax, (6.0, 6.0), left=0.01, right=0.99, bottom=0.01, top=0.9)
    ax.imshow(mask, cmap=ListedColormap(["white", CARRIED_COLOUR]), vmin=0, vmax=1, interpolation="nearest",
              extent=(0, size, size, 0))
    edges = np.cumsum([0, *sizes])
    for edge in edges[1:-1]:
        ax.plot([edge, edge], [0, size], color="0.3", lw=1.0)
        ax.plot([0, size], [edge, edge], color="0.3", lw=1.0)
    ax.add_patch(Rectangle((0, 0), size, size, fill=False, ec="0.3", lw=1.0))
    margin = 0.16 * size
    for label, low, high in zip(labels, edges[:-1], edges[1:]):
        middle = (low + high) / 2
        ax.text(middle, -0.02 * size, label, ha="center", va="bottom", fontsize=_NAME)
        ax.text(-0.02 * size, middle, label, ha="right", va="center", fontsize=_NAME)
    ax.text(size / 2, -0.09 * size, "from $h_{t-1}$ (columns)", ha="center", va="bottom", fontsize=_LABEL)
    ax.text(-0.14 * size, size / 2, "to $h_t$ (rows)", ha="right", va="center", rotation=90, fontsize=_LABEL)
    ax.set(xlim=(-1.25 * margin, size + 0.02 * size), ylim=(size + 0.02 * size, -margin), aspect="equal")
    ax.set_title(title)
    ax.axis("off")
    return ax
