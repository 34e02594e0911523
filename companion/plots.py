"""Figures the chapters show: training curves, confusion tables, probabilities, unrolled memory."""
from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch


def plot_losses(histories: Mapping[str, Sequence[float]], ax=None, title: str = "Training loss"):
    """One curve per model: mean training cross-entropy per epoch, on a log scale."""
    ax = ax or plt.subplots(figsize=(6, 3.5))[1]
    for name, losses in histories.items():
        ax.plot(range(1, len(losses) + 1), losses, marker="o", markersize=3, label=name)
    ax.set(yscale="log", xlabel="epoch", ylabel="cross-entropy per word", title=title)
    ax.legend()
    ax.grid(alpha=0.3)
    return ax


def plot_confusion(table: pd.DataFrame, ax=None, title: str = ""):
    """A confusion table as a heat map with its counts; rows are gold tags, columns predictions."""
    ax = ax or plt.subplots(figsize=(6.5, 5.5))[1]
    values = table.to_numpy()
    # log scale so that the few confusions stay visible beside the many O→O counts
    ax.imshow(np.log1p(values), cmap="Blues")
    ax.set_xticks(range(len(table.columns)), table.columns, rotation=60, ha="right")
    ax.set_yticks(range(len(table.index)), table.index)
    ax.set(xlabel="predicted", ylabel="gold", title=title)
    threshold = np.log1p(values).max() / 2
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            if values[i, j]:
                colour = "white" if np.log1p(values[i, j]) > threshold else "black"
                ax.text(j, i, str(values[i, j]), ha="center", va="center", fontsize=8, color=colour)
    return ax


def plot_tag_probabilities(
    probabilities: pd.DataFrame, ax=None, title: str = "", ylabel: str = "probability"
):
    """Grouped bars: one group per row (a sentence, a model), one bar per column (a tag)."""
    ax = ax or plt.subplots(figsize=(6.5, 3.5))[1]
    rows, columns = probabilities.index, probabilities.columns
    width = 0.8 / len(columns)
    positions = np.arange(len(rows))
    for k, column in enumerate(columns):
        bars = ax.bar(positions + (k - (len(columns) - 1) / 2) * width, probabilities[column], width, label=column)
        ax.bar_label(bars, fmt="%.2f", fontsize=8)
    ax.set_xticks(positions, rows)
    ax.set(ylim=(0, 1.3), ylabel=ylabel, title=title)
    ax.legend(loc="upper center", ncol=len(columns), fontsize=8, frameon=False)
    return ax


def _box(ax, x, y, text, colour):
    ax.add_patch(FancyBboxPatch((x - 0.38, y - 0.2), 0.76, 0.4, boxstyle="round,pad=0.02", fc=colour, ec="0.3"))
    ax.text(x, y, text, ha="center", va="center", fontsize=10)


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
