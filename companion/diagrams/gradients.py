"""The unrolled network with the paths its gradient takes back through time (chapter 4)."""
from __future__ import annotations

from matplotlib.lines import Line2D

from .._checks import is_integer, require_positive_int
from ._drawing import GRADIENT_COLOUR, INPUT_COLOUR, MEMORY_COLOUR, OUTPUT_COLOUR, arrow, box
from .._axes import require_axes

LOSS_COLOUR = "#f0f0f0"
FORWARD_COLOUR = "0.55"
_STEP, _WIDTH, _HEIGHT = 1.9, 0.62, 0.42
_ROWS = {"x": 0.0, "h": 1.0, "o": 2.0, "L": 3.0}
_SIDE = 0.12  # how far a forward arrow and its backward twin sit from a column's middle


def draw_gradient_paths(steps: int = 4, ax=None, title: str = "The paths of the gradient through time",
                        highlight: int | None = None):
    r"""The Elman RNN unrolled over ``steps`` steps, with the paths its gradient takes back (chapter 4, equation (4.8)).

    .. math::
        a_t &= U x_t + W h_{t-1} + b, \quad h_t = \phi(a_t),

        o_t &= V h_t + c, \quad L = \textstyle\sum_t L_t,

        \delta_t &= V^\top \frac{\partial L}{\partial o_t}
        + W^\top \big(\phi'(a_{t+1}) \odot \delta_{t+1}\big)

    with :math:`\delta_{T+1} = 0`. Grey arrows are the forward computation (:math:`x_t \to h_t \to o_t \to L_t` and
    :math:`h_{t-1} \to h_t`, each recurrent arrow marked with the one shared matrix :math:`W`);
    blue arrows are the gradient on its way back: from each loss term :math:`L_t` down to
    :math:`h_t`, and from :math:`h_t` back along :math:`h_{t-1}, \dots, h_1`. So
    :math:`\delta_k = (\partial L / \partial h_k)^\top` collects one path from every loss term
    :math:`L_t` with :math:`t \ge k`, which the recursion adds up where the paths meet.
    ``highlight`` (a step ``t`` from 1 to ``steps``) draws the paths of the one loss term
    :math:`L_t` bold and fades the others. Returns the Axes. Raises ``ValueError`` if ``steps``
    is not a positive integer, ``highlight`` neither ``None`` nor a step from 1 to ``steps``, or
    ``ax`` neither ``None`` nor a matplotlib Axes.
    """
    steps = require_positive_int("steps", steps)
    if highlight is not None and not (is_integer(highlight) and 1 <= highlight <= steps):
        raise ValueError(f"highlight: expected None or a step from 1 to {steps}, got {highlight!r}")
    ax = require_axes(ax, (max(8.0, 2.0 * steps), 4.2), left=0.01, right=0.99, bottom=0.01, top=0.92)
    big, label = 13, 12  # font sizes, large enough at a phone's width
    half_w, half_h = _WIDTH / 2, _HEIGHT / 2
    x_y, h_y, o_y, loss_y = (_ROWS[k] for k in "xhoL")

    def on_path(t: int) -> bool:
        """Whether the gradient arrows into column t belong to the highlighted loss term."""
        return highlight is None or t <= highlight

    def backward(start, end, bold: bool) -> None:
        emphasised = highlight is not None and bold
        faded = highlight is not None and not bold
        arrow(ax, start, end, colour=GRADIENT_COLOUR, lw=2.6 if emphasised else 1.6, alpha=0.3 if faded else 1.0)

    box(ax, 0, h_y, "$h_0$", MEMORY_COLOUR, _WIDTH, _HEIGHT, fontsize=big)
    for t in range(1, steps + 1):
        x = _STEP * t
        for row, text, colour in (("x", f"$x_{{{t}}}$", INPUT_COLOUR), ("h", f"$h_{{{t}}}$", MEMORY_COLOUR),
                                  ("o", f"$o_{{{t}}}$", OUTPUT_COLOUR), ("L", f"$L_{{{t}}}$", LOSS_COLOUR)):
            box(ax, x, _ROWS[row], text, colour, _WIDTH, _HEIGHT, fontsize=big)
        # forward, grey: up the column and along the memory
        arrow(ax, (x, x_y + half_h), (x, h_y - half_h), colour=FORWARD_COLOUR)
        arrow(ax, (x - _SIDE, h_y + half_h), (x - _SIDE, o_y - half_h), colour=FORWARD_COLOUR)
        arrow(ax, (x - _SIDE, o_y + half_h), (x - _SIDE, loss_y - half_h), colour=FORWARD_COLOUR)
        arrow(ax, (x - _STEP + half_w, h_y + 0.09), (x - half_w, h_y + 0.09), colour=FORWARD_COLOUR)
        ax.text(x - _STEP / 2, h_y + 0.16, "$W$", ha="center", va="bottom", fontsize=label, color="0.35")
        ax.text(x - 0.06, (x_y + h_y) / 2, "$U$", ha="right", va="center", fontsize=label, color="0.35")
        ax.text(x - _SIDE - 0.06, (h_y + o_y) / 2, "$V$", ha="right", va="center", fontsize=label, color="0.35")
        # backward, blue: from the loss term down to the memory, then back in time
        bold = highlight == t
        backward((x + _SIDE, loss_y - half_h), (x + _SIDE, o_y + half_h), bold)
        backward((x + _SIDE, o_y - half_h), (x + _SIDE, h_y + half_h), bold)
        if t > 1:
            backward((x - half_w, h_y - 0.09), (x - _STEP + half_w, h_y - 0.09), highlight is not None and t <= highlight)
        ax.text(x + half_w + 0.04, h_y - half_h - 0.04, f"$\\delta_{{{t}}}$", ha="left", va="top", fontsize=label,
                color=GRADIENT_COLOUR, alpha=1.0 if on_path(t) else 0.3)
    equation = (r"$\delta_t = V^\top \partial L / \partial o_t"
                r" + W^\top \left(\phi'(a_{t+1}) \odot \delta_{t+1}\right)$")
    ax.text(_STEP * (steps + 1) / 2, x_y - 0.55, equation, ha="center", va="top", fontsize=label,
            color=GRADIENT_COLOUR)
    handles = [Line2D([], [], color=FORWARD_COLOUR, lw=1.6, label="forward")]
    if highlight is None:
        handles.append(Line2D([], [], color=GRADIENT_COLOUR, lw=1.6, label="gradient"))
    else:
        handles += [Line2D([], [], color=GRADIENT_COLOUR, lw=2.6, label=f"gradient of $L_{{{highlight}}}$"),
                    Line2D([], [], color=GRADIENT_COLOUR, lw=1.6, alpha=0.3, label="of the others")]
    ax.legend(handles=handles, loc="upper left", fontsize=label - 1, frameon=False, handlelength=1.6)
    ax.set(xlim=(-half_w - 0.15, _STEP * steps + half_w + 0.4), ylim=(x_y - 1.25, loss_y + half_h + 0.1))
    ax.set_title(title)
    ax.axis("off")
    return ax
