"""What every diagram of ``companion.diagrams`` draws with: the colours, boxes, arrows and pointwise operations (a helper of the package)."""
from __future__ import annotations

from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

# The colours of the vectors, the same in every diagram of chapters 1 to 4.
INPUT_COLOUR, MEMORY_COLOUR, OUTPUT_COLOUR = "#e5f5e0", "#fde0dd", "#deebf7"
# What is carried from one step to the next (the memory, the cell state).
CARRIED_COLOUR = "#cb181d"
# The LSTM's and GRU's gate layers, and their pointwise operations.
GATE_COLOUR, OPERATION_COLOUR = "#fff2ae", "#fbb4c4"
# Chapter 4: the gradient on its way back (blue, apart from the red of what is carried forward).
GRADIENT_COLOUR = "#2171b5"
NODE_WIDTH, NODE_HEIGHT, OPERATION_RADIUS = 0.95, 0.46, 0.2


def box(ax, x, y, text, colour, width=0.76, height=0.4, fontsize=10):
    """A rounded box centred on ``(x, y)`` with ``text`` in it."""
    ax.add_patch(
        FancyBboxPatch(
            (x - width / 2, y - height / 2), width, height, boxstyle="round,pad=0.02", fc=colour, ec="0.3"
        )
    )
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize)


def arrow(ax, start, end, colour="0.3", style="-|>", lw=1.2, alpha=1.0):
    """An arrow from ``start`` to ``end`` in data coordinates."""
    ax.add_patch(
        FancyArrowPatch(start, end, arrowstyle=style, mutation_scale=12, color=colour, lw=lw, alpha=alpha)
    )


def node(ax, x, y, text, colour, width=NODE_WIDTH, height=NODE_HEIGHT, fontsize=11):
    """A box of the cell diagrams, larger than the unrolled diagrams' boxes."""
    box(ax, x, y, text, colour, width=width, height=height, fontsize=fontsize)


def operation(ax, x, y, symbol, fontsize=12, radius=OPERATION_RADIUS):
    """A pointwise operation (×, + or 1 −): a small circle with its symbol."""
    ax.add_patch(Circle((x, y), radius, fc=OPERATION_COLOUR, ec="0.3", zorder=2))
    ax.text(x, y, symbol, ha="center", va="center", fontsize=fontsize, zorder=3)
