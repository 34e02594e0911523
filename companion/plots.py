"""Figures of results the chapters show: training curves, confusion tables, probabilities, scores, the memory cell's steps."""
from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ._axes import require_axes
from .diagrams import CARRIED_COLOUR


def plot_losses(histories: Mapping[str, Sequence[float]], ax=None, title: str = "Training loss"):
    """One curve per model: mean training cross-entropy per word (nats) per epoch, on a log scale (chapters 1 and 2).

    ``histories`` maps a model's name to its losses, one per epoch. Draws on ``ax`` (a new figure
    when ``None``); returns the Axes.
    Raises ``ValueError`` if ``ax`` is neither ``None`` nor a matplotlib Axes.
    """
    ax = require_axes(ax, (6, 3.5))
    for name, losses in histories.items():
        ax.plot(range(1, len(losses) + 1), losses, marker="o", markersize=3, label=name)
    ax.set(yscale="log", xlabel="epoch", ylabel="cross-entropy per word", title=title)
    ax.legend()
    ax.grid(alpha=0.3)
    return ax


def plot_confusion(table: pd.DataFrame, ax=None, title: str = ""):
    r"""A confusion table as a heat map with its counts; rows are gold tags, columns predictions (chapter 1).

    ``table`` is what :func:`~companion.metrics.confusion_table` returns; the colours follow
    :math:`\log(1 + n)` so that rare confusions stay visible. Returns the Axes.
    Raises ``ValueError`` if ``ax`` is neither ``None`` nor a matplotlib Axes.
    """
    ax = require_axes(ax, (6.5, 5.5))
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
    """Grouped bars: one group per row (a sentence, a model), one bar per column (a tag) (chapter 1).

    ``probabilities`` holds numbers in ``[0, 1]``, each bar labelled with its value. Returns the Axes.
    Raises ``ValueError`` if ``ax`` is neither ``None`` nor a matplotlib Axes.
    """
    ax = require_axes(ax, (6.5, 3.5))
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


def plot_score_comparison(
    ours: Mapping[str, float],
    published: Mapping[str, float],
    ax=None,
    title: str = "Test span F1: ours beside the published numbers",
    tolerance: float | None = None,
):
    """Our scores beside published ones, paired when the models are the same (chapter 2).

    ``ours`` and ``published`` map model names to scores (F1 in %). When both name the same
    models, each of ours stands beside its published counterpart. When they do not (models of
    ours that have no published counterpart), the two groups stand side by side, each bar under
    its own name, ours first: nothing is paired that the papers did not measure. With
    ``tolerance`` each published bar carries a tick at ``published − tolerance``, the lowest
    score that still counts as reproducing it. Returns the Axes. Raises ``ValueError`` if
    ``ours`` or ``published`` is empty, or ``ax`` neither ``None`` nor a matplotlib Axes.
    """
    for name, scores in (("ours", ours), ("published", published)):
        if not scores:
            raise ValueError(f"{name}: expected at least one model, got none")
    ax = require_axes(ax, (6.5, 3.5))
    if set(ours) == set(published):
        names = list(ours)
        positions = np.arange(len(names))
        width = 0.38
        ours_at, published_at = positions - width / 2, positions + width / 2
        published_names, ticks, labels = names, positions, names
    else:
        # Two groups, a gap between them: a model of ours is not drawn against a model it is not.
        names, published_names = list(ours), list(published)
        width = 0.7
        ours_at = np.arange(len(names), dtype=float)
        published_at = len(names) + 0.5 + np.arange(len(published_names))
        ticks, labels = np.concatenate([ours_at, published_at]), names + published_names
    ours_bars = ax.bar(ours_at, [ours[n] for n in names], width, label="ours", color="#4c72b0")
    published_bars = ax.bar(
        published_at, [published[n] for n in published_names], width, label="published", color="#c8c8c8"
    )
    for bars in (ours_bars, published_bars):
        ax.bar_label(bars, fmt="%.2f", fontsize=8, padding=2)
    if tolerance is not None:
        lows = [published[n] - tolerance for n in published_names]
        ax.hlines(lows, published_at - width / 2, published_at + width / 2, colors="#c44e52", lw=2,
                  label=f"published − {tolerance:g}")
    scores = [*ours.values(), *published.values()]
    low = min(scores) - (tolerance or 0) - 1.0
    ax.set(xticks=ticks, xticklabels=labels, ylim=(low, max(scores) + 1.0), ylabel="F1 (%)", title=title)
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    return ax


def plot_memory_cell_steps(steps, axes=None, title: str = "The memory cell, step by step"):
    r"""A run of the lecture's memory cell: its gates, and its stored value and output, at each step (chapter 3).

    ``steps`` are :class:`~companion.memory_cell.MemoryCellStep` records (what
    :meth:`~companion.memory_cell.MemoryCell.run` returns). The left panel shows the three gates
    :math:`f(z_i), f(z_f), f(z_o)` (0 shut, 1 open), the right one the cell input :math:`g(z)`,
    the stored value :math:`c'` and the output :math:`a = h(c')\, f(z_o)`. ``axes`` is a pair of
    Axes to draw on (a new figure when ``None``); returns the pair. Raises ``ValueError`` for no
    step, or ``axes`` that are not two.
    """
    steps = list(steps)
    if not steps:
        raise ValueError("steps: expected at least one MemoryCellStep, got none")
    if axes is None:
        figure, axes = plt.subplots(1, 2, figsize=(10, 3.4))
        figure.subplots_adjust(wspace=0.3)
    if len(axes) != 2:
        raise ValueError(f"axes: expected a pair of Axes, got {len(axes)}")
    gates_ax, values_ax = axes
    t = np.arange(1, len(steps) + 1)
    for k, (name, colour, values) in enumerate((
        ("input gate $f(z_i)$", "#1b9e77", [s.input_gate for s in steps]),
        ("forget gate $f(z_f)$", "#d95f02", [s.forget_gate for s in steps]),
        ("output gate $f(z_o)$", "#7570b3", [s.output_gate for s in steps]),
    )):
        gates_ax.bar(t + (k - 1) * 0.26, values, 0.26, color=colour, label=name)
    gates_ax.set(xticks=t, ylim=(0, 1.3), xlabel="step $t$", ylabel="gate (0 shut, 1 open)", title="Gates")
    gates_ax.legend(loc="upper center", ncol=3, fontsize=7, frameon=False)
    values_ax.bar(t, [s.cell_input for s in steps], 0.5, color="#c7e9c0", label="cell input $g(z)$")
    values_ax.plot(t, [s.cell for s in steps], marker="o", color=CARRIED_COLOUR, label="stored value $c'$")
    values_ax.plot(t, [s.output for s in steps], marker="D", linestyle="--", color="#2171b5", label="output $a$")
    values_ax.axhline(0, color="0.5", lw=0.8)
    shown = [v for s in steps for v in (s.cell_input, s.cell, s.output)]
    low, high = min(0.0, *shown), max(0.0, *shown)
    span = (high - low) or 1.0
    values_ax.set(xticks=t, ylim=(low - 0.05 * span, high + 0.35 * span), xlabel="step $t$", ylabel="value",
                  title="Cell input, stored value, output")
    values_ax.legend(loc="upper center", ncol=3, fontsize=7, frameon=False)
    for ax in axes:
        ax.grid(alpha=0.3)
    if title:
        gates_ax.figure.suptitle(title, y=1.02)
    return axes


def plot_error_surface(w, b, loss, paths: Mapping[str, np.ndarray] | None = None, ax=None,
                       title: str = "The loss over two weights (log scale)"):
    r"""A loss surface as filled contours of :math:`\log_{10} L`, with gradient-descent paths on it (chapter 5).

    ``w`` and ``b`` are the grids of ``np.meshgrid`` (the horizontal and vertical weight) and
    ``loss`` the loss on them (:func:`~companion.training.error_surface.one_unit_loss`);
    ``paths`` maps a label to the ``(n, 2)`` points a descent visited
    (the ``points`` of a :class:`~companion.training.error_surface.DescentPath`), drawn as lines with a dot
    at each step and a cross at the end. Returns the Axes. Raises ``ValueError`` if the three
    grids differ in shape, ``loss`` is negative, a path is not ``(n, 2)``, or ``ax`` is neither
    ``None`` nor a matplotlib Axes.
    """
    w, b, loss = (np.asarray(a, dtype=float) for a in (w, b, loss))
    if not (w.shape == b.shape == loss.shape) or w.ndim != 2:
        raise ValueError(f"w, b, loss: expected three 2-D grids of one shape, got {w.shape}, {b.shape}, {loss.shape}")
    if np.any(loss < 0):
        raise ValueError("loss: expected values >= 0 (its logarithm is drawn), got negative ones")
    ax = require_axes(ax, (6, 4.6))
    # log10 with a floor: the valley's exact zeros would otherwise be -inf
    levels = ax.contourf(w, b, np.log10(np.maximum(loss, 1e-8)), levels=30, cmap="viridis")
    ax.figure.colorbar(levels, ax=ax, label=r"$\log_{10} L$")
    colours = ["#d62728", "white", "#ff7f0e", "#17becf"]
    for k, (label, points) in enumerate((paths or {}).items()):
        points = np.asarray(points, dtype=float)
        if points.ndim != 2 or points.shape[1] != 2:
            raise ValueError(f"paths[{label!r}]: expected (n, 2) points, got shape {points.shape}")
        colour = colours[k % len(colours)]
        ax.plot(points[:, 0], points[:, 1], "-o", color=colour, ms=2.5, lw=1, label=label)
        ax.plot(points[-1, 0], points[-1, 1], "X", color=colour, ms=9, mec="black")
    ax.set(xlim=(w.min(), w.max()), ylim=(b.min(), b.max()), xlabel="$w$", ylabel="$b$", title=title)
    if paths:
        ax.legend(loc="lower left", fontsize=8)
    return ax


def plot_gradient_norms(norms: Mapping[str, Sequence[float]], ax=None,
                        title: str = r"How far back the gradient reaches: $\|\partial L / \partial h_k\|$"):
    r"""One curve per network: :math:`\lVert \partial L/\partial h_k \rVert` against the lag :math:`T - k`, on a log scale (chapter 5).

    ``norms`` maps a network's name to its norms for :math:`k = 0, \dots, T` in time order (what
    :func:`~companion.training.gradient_flow.state_gradient_norms` returns), so that the last
    entry, lag 0, is the step the loss is computed at. Zeros (a gradient that underflowed) are
    drawn at the bottom of the axis. Returns the Axes. Raises ``ValueError`` for no curve, an
    empty or negative one, or ``ax`` neither ``None`` nor a matplotlib Axes.
    """
    if not norms:
        raise ValueError("norms: expected at least one curve, got none")
    ax = require_axes(ax, (6.5, 3.8))
    for name, values in norms.items():
        values = np.asarray(values, dtype=float)
        if values.ndim != 1 or values.size == 0 or np.any(values < 0):
            raise ValueError(f"norms[{name!r}]: expected a non-empty 1-D sequence of norms >= 0, got shape {values.shape}")
        lags = np.arange(values.size)[::-1]
        ax.plot(lags, values, label=name)
    ax.set(yscale="log", xlabel="lag $T - k$ (steps back from the loss)",
           ylabel=r"$\|\partial L / \partial h_k\|$", title=title)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, which="both")
    return ax
