"""Figures of results the chapters show: training curves, confusion tables, probabilities, scores, the memory cell's steps."""
from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ._axes import require_axes
from ._checks import require_str_list
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


def plot_word_attention(
    words: Sequence[str],
    weights,
    ax=None,
    title: str = "Attention over the words",
    highlight: Sequence[int] = (),
    words_per_line: int = 10,
):
    r"""A document's words in reading order, each shaded by its attention weight :math:`\alpha_t` (chapter 6).

    ``words`` are the document's :math:`n` words and ``weights`` their :math:`\alpha_1 \dots
    \alpha_n` (a sequence, array or tensor of numbers :math:`\ge 0`, cut to the real words: the
    ``last_attention`` column of one document of
    :class:`~companion.models.key_terms.KeyTermTagger` or
    :class:`~companion.models.classifiers.TextClassifier`). The words are laid out
    ``words_per_line`` to a row, each on a cell whose colour follows its weight (from white at the
    smallest weight to darkest at the largest; the colour bar gives the values); the words at the positions ``highlight`` (for
    instance those of the gold key phrases) are framed and set in bold. Returns the Axes.
    Raises ``ValueError`` if ``words`` is not a non-empty list of strings, ``weights`` is not one
    finite number :math:`\ge 0` per word, a ``highlight`` position is outside the words,
    ``words_per_line`` is not a positive integer, or ``ax`` is neither ``None`` nor a matplotlib
    Axes.
    """
    words = require_str_list("words", words, "word")
    if hasattr(weights, "detach"):  # a torch tensor, maybe on a GPU
        weights = weights.detach().cpu().numpy()
    try:
        values = np.asarray(weights, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"weights: expected one number per word, got {type(weights).__name__}") from None
    if values.shape != (len(words),):
        raise ValueError(
            f"weights: expected {len(words)} weights (one per word, padding cut off), got shape {values.shape}"
        )
    if not np.all(np.isfinite(values)) or np.any(values < 0):
        raise ValueError("weights: expected finite weights >= 0, got negative, NaN or inf ones")
    if isinstance(words_per_line, bool) or not isinstance(words_per_line, int) or words_per_line < 1:
        raise ValueError(f"words_per_line: expected a positive integer, got {words_per_line!r}")
    marked = set()
    for position in highlight:
        if isinstance(position, bool) or not isinstance(position, (int, np.integer)) or not 0 <= position < len(words):
            raise ValueError(f"highlight: expected word positions in 0..{len(words) - 1}, got {position!r}")
        marked.add(int(position))
    columns = min(words_per_line, len(words))
    rows = -(-len(words) // columns)
    ax = require_axes(ax, (min(1.25 * columns + 1.0, 14), 0.45 * rows + 1.0))
    grid = np.full((rows, columns), np.nan)
    grid.flat[: len(words)] = values
    # The colours span the weights that occur: attention spread over ~150 words leaves every
    # weight near 1/150, and a scale from 0 would paint them all alike.
    low, high = values.min(), values.max()
    if high - low < 1e-12:
        low, high = min(low, 0.0), max(high, low + 1e-12)
    image = ax.imshow(np.ma.masked_invalid(grid), cmap="Oranges", vmin=low, vmax=high, aspect="auto")
    for t, word in enumerate(words):
        row, column = divmod(t, columns)
        dark = values[t] > low + 0.6 * (high - low)
        ax.text(column, row, word, ha="center", va="center", fontsize=8, color="white" if dark else "black",
                fontweight="bold" if t in marked else "normal")
        if t in marked:
            ax.add_patch(plt.Rectangle((column - 0.48, row - 0.46), 0.96, 0.92, fill=False, lw=1.2, ec="#2171b5"))
    ax.set(xticks=[], yticks=[], title=title)
    ax.figure.colorbar(image, ax=ax, label=r"weight $\alpha_t$", fraction=0.03, pad=0.01)
    return ax


def plot_ctc_spikes(
    log_probs,
    label_names: Sequence[str],
    frame_rate: float,
    alignment: Sequence[int] | None = None,
    blank: int = 0,
    ax=None,
    title: str = "What the network says at each frame",
):
    r"""The per-frame probabilities of a CTC network over time: the blank almost everywhere, each label a spike (chapter 6).

    ``log_probs`` is ``(T, C)``: :math:`\log y^t_k` for frame :math:`t` and class :math:`k`
    (one utterance's :func:`~companion.training.ctc_training.ctc_log_probs`). The blank's
    probability :math:`y^t_\epsilon` is the grey area (the y-axis label says so), every other
    class's :math:`y^t_k` a coloured curve, named (``label_names[k]``) above each spike where it
    is the most probable class and above one half; the time axis is in seconds, ``frame_rate``
    frames a second. ``alignment``, if given, is a path of ``T`` class ids (the one
    :func:`~companion.ctc.best_alignment` finds, or the frame-wise arg max): the frames where it
    emits a label are marked and named in a row along the top. Sized for a phone's width (7
    inches, 11-point text). Returns the Axes.

    Raises ``ValueError`` if ``log_probs`` is not a 2-D array of log-probabilities (finite or
    ``-inf``, each row summing to 1 in probability to within 1e-4), ``label_names`` has not one
    name per class, ``frame_rate`` is not a positive number, ``blank`` is not a class,
    ``alignment`` does not hold ``T`` class ids, or ``ax`` is neither ``None`` nor a matplotlib
    Axes.
    """
    log_probs = np.asarray(log_probs, dtype=float)
    if log_probs.ndim != 2 or 0 in log_probs.shape or np.isnan(log_probs).any() or np.any(log_probs == np.inf):
        raise ValueError(
            f"log_probs: expected a (frames, classes) array of log-probabilities, got shape {log_probs.shape}"
        )
    probabilities = np.exp(log_probs)
    if not np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-4):
        raise ValueError("log_probs: expected each frame's probabilities to sum to 1 (log_softmax outputs), "
                         f"got sums from {probabilities.sum(axis=1).min():.4g} to {probabilities.sum(axis=1).max():.4g}")
    frames, classes = log_probs.shape
    if len(label_names) != classes or isinstance(label_names, str):
        raise ValueError(f"label_names: expected {classes} names (one per class), got {len(label_names)}")
    if isinstance(frame_rate, bool) or not isinstance(frame_rate, (int, float)) or not 0 < frame_rate < np.inf:
        raise ValueError(f"frame_rate: expected a positive number of frames per second, got {frame_rate!r}")
    if isinstance(blank, bool) or not isinstance(blank, (int, np.integer)) or not 0 <= blank < classes:
        raise ValueError(f"blank: expected a class in 0..{classes - 1}, got {blank!r}")
    if alignment is not None:
        alignment = np.asarray(alignment)
        if alignment.shape != (frames,) or not np.issubdtype(alignment.dtype, np.integer) or (
            alignment.size and not 0 <= alignment.min() <= alignment.max() < classes
        ):
            raise ValueError(f"alignment: expected {frames} class ids in 0..{classes - 1} (one per frame), "
                             f"got {alignment.tolist()!r}"[:300])
    ax = require_axes(ax, (7, 3.2))
    seconds = np.arange(frames) / frame_rate
    colours = plt.get_cmap("tab10")
    ax.fill_between(seconds, probabilities[:, blank], step="mid", color="0.8")
    top = 1.42 if alignment is not None else 1.15
    others = [k for k in range(classes) if k != blank]
    for n, k in enumerate(others):
        colour = colours(n % 10)
        ax.plot(seconds, probabilities[:, k], color=colour, lw=1.6, drawstyle="steps-mid")
        # Name each spike once: the frames where this class is the most probable one, above one half.
        for t in np.flatnonzero((probabilities[:, k] > 0.5) & (probabilities.argmax(axis=1) == k)):
            if t == 0 or probabilities.argmax(axis=1)[t - 1] != k:
                ax.text(seconds[t], 1.01, label_names[k], color=colour,
                        fontsize=11, ha="center", va="bottom", fontweight="bold")
    if alignment is not None:
        for t in range(frames):
            k = int(alignment[t])
            if k != blank and (t == 0 or alignment[t - 1] != k):
                colour = colours(others.index(k) % 10)
                ax.plot([seconds[t]], [1.2], marker="v", color=colour, ms=8)
                ax.text(seconds[t], 1.23, label_names[k], color=colour, fontsize=11, ha="center", va="bottom")
        ax.axhline(1.12, color="0.6", lw=0.6)
    # The alignment's row is named by a tick label, so that no text of the figure covers a mark.
    ticks = [0, 0.5, 1] + ([1.2] if alignment is not None else [])
    ax.set_yticks(ticks, ["0", "0.5", "1", "alignment"][:len(ticks)])
    ax.set(xlim=(seconds[0] - 0.5 / frame_rate, seconds[-1] + 0.5 / frame_rate), ylim=(0, top),
           xlabel="time (s)", ylabel=f"probability (grey: {label_names[blank]})", title=title)
    return ax
