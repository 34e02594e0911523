"""Tables the chapters display: tagged sentences side by side, a recurrent network's memory step by step, and attention weights as a heatmap."""
from __future__ import annotations

import html
from typing import Sequence

import matplotlib
import numpy as np
import pandas as pd
import torch
from IPython.display import HTML

from ._checks import require_non_negative_int, require_str_list
from ._validate import describe_shape, require_floating, require_tensor
from .data.tagging import require_tag_sequence
from .encoding.words import _require_words
from .memory_cell import MemoryCellStep
from .models import ElmanNetwork


def tag_table(words: Sequence[str], **rows: Sequence[str]) -> pd.DataFrame:
    """A sentence, one word per row, with one column per tagging: ``tag_table(words, gold=tags, FFN=predicted)`` (chapters 1 and 2).

    ``words`` is one sentence's list of words; each keyword names a column and gives that
    tagging's BIO tags, one per word. Rows are numbered from 1.

    Raises ``ValueError`` naming the argument if ``words`` is not a non-empty list of words (a
    string is not), or a tagging is not a list of BIO tags (``O``, ``B-<slot>``, ``I-<slot>``)
    with one tag per word.
    """
    words = _require_words("words", words)
    columns = {"word": words}
    for name, tags in rows.items():
        tags = require_tag_sequence(name, tags)
        if len(tags) != len(words):
            raise ValueError(f"{name}: expected {len(words)} tags (one per word), got {len(tags)}")
        columns[name] = tags
    return pd.DataFrame(columns, index=pd.RangeIndex(1, len(words) + 1))


def _vector(values: torch.Tensor) -> str:
    return "[" + ", ".join(f"{v:g}" for v in values.tolist()) + "]"


@torch.no_grad()
def memory_table(network: ElmanNetwork, inputs: torch.Tensor) -> pd.DataFrame:
    r"""The lecture's view of a recurrent network at work (chapter 1).

    For one sequence ``inputs`` of shape ``(T, F)``: at each step the input :math:`x_t`, the
    memory read (:math:`h_{t-1}`, zeros at the start), the memory written (:math:`h_t`) and the
    output :math:`y_t`. One row per step, ``t = 1`` to ``t = T``.

    Raises ``ValueError`` if ``network`` is not an :class:`~companion.models.ElmanNetwork`, or
    ``inputs`` is not a floating-point tensor of shape ``(T, F)`` with ``T >= 1`` and ``F`` the
    network's ``input_size``, in the dtype of its parameters.
    """
    if not isinstance(network, ElmanNetwork):
        raise ValueError(f"network: expected an ElmanNetwork, got {type(network).__name__}")
    require_tensor("inputs", inputs)
    features = network.rnn.input_size
    if inputs.dim() != 2 or inputs.shape[0] == 0 or inputs.shape[1] != features:
        raise ValueError(
            f"inputs: expected one sequence of shape (T, {features}) with T >= 1 "
            f"({features} = the network's input_size), got shape {describe_shape(inputs)}"
        )
    require_floating("inputs", inputs, network.readout.weight.dtype)
    # A batch of one sequence, on the axis the network reads as the batch axis.
    batch_axis = 0 if network.rnn.batch_first else 1
    sequence = inputs.unsqueeze(batch_axis)
    memory = network.memory(sequence).select(batch_axis, 0)
    outputs = network(sequence).select(batch_axis, 0)
    previous = torch.cat([torch.zeros_like(memory[:1]), memory[:-1]])
    return pd.DataFrame(
        {
            "input x(t)": [_vector(x) for x in inputs],
            "memory read h(t-1)": [_vector(h) for h in previous],
            "memory written h(t)": [_vector(h) for h in memory],
            "output y(t)": [_vector(y) for y in outputs],
        },
        index=[f"t = {t}" for t in range(1, len(inputs) + 1)],
    )


def memory_cell_table(steps, decimals: int = 4) -> pd.DataFrame:
    r"""The lecture's memory cell at work, one row per step (chapter 3).

    ``steps`` are :class:`~companion.memory_cell.MemoryCellStep` records (what
    :meth:`~companion.memory_cell.MemoryCell.run` returns); one row per step ``t`` (1, 2, …).
    Columns: the input ``x``, the cell input ``g(z)``, the three gates (``input gate``
    :math:`f(z_i)`, ``forget gate`` :math:`f(z_f)`, ``output gate`` :math:`f(z_o)`), the value
    read ``c``, the value stored ``c'`` :math:`= g(z) f(z_i) + c f(z_f)` and the output ``a``
    :math:`= h(c') f(z_o)` (equation (3.1)), rounded to ``decimals`` places.

    Raises ``ValueError`` if ``steps`` is not a non-empty list of ``MemoryCellStep`` records (a
    single record is not), or ``decimals`` is not a non-negative integer.
    """
    if isinstance(steps, (str, bytes, MemoryCellStep)) or not hasattr(steps, "__iter__"):
        hint = "; wrap a single step in a list: [step]" if isinstance(steps, MemoryCellStep) else ""
        raise ValueError(f"steps: expected a list of MemoryCellStep records, got {type(steps).__name__}{hint}")
    steps = list(steps)
    if not steps:
        raise ValueError("steps: expected at least one MemoryCellStep, got none")
    for i, step in enumerate(steps):
        if not isinstance(step, MemoryCellStep):
            raise ValueError(f"steps[{i}]: expected a MemoryCellStep, got {type(step).__name__}")
    decimals = require_non_negative_int("decimals", decimals)

    def column(name):
        # + 0.0 turns a rounded -0.0 into 0.0
        return [round(getattr(s, name), decimals) + 0.0 for s in steps]

    return pd.DataFrame(
        {
            "x": ["[" + ", ".join(f"{v:g}" for v in s.x) + "]" for s in steps],
            "g(z)": column("cell_input"),
            "input gate": column("input_gate"),
            "forget gate": column("forget_gate"),
            "output gate": column("output_gate"),
            "c": column("previous_cell"),
            "c'": column("cell"),
            "a": column("output"),
        },
        index=pd.RangeIndex(1, len(steps) + 1, name="t"),
    )


def attention_heatmap(source_tokens: Sequence[str], output_tokens: Sequence[str], weights,
                      caption: str | None = None, decimals: int = 2) -> HTML:
    r"""Attention weights :math:`\alpha_{ij}` as a heatmap table: one row per output token, one column per source token (chapter 6).

    Row :math:`i` is the :math:`i`-th output token :math:`y_i` and holds the weights
    :math:`\alpha_{i1} \dots \alpha_{iS}` with which the decoder read the source tokens
    :math:`x_1 \dots x_S` when it emitted :math:`y_i`, as the question-and-answer chapter draws
    them (Bahdanau et al. 2015, figure 3): ``weights`` is the ``(steps, S)`` matrix of one
    sentence, for instance :attr:`~companion.seq2seq.Translation.weights` with the padding cut
    off. Each cell is shaded on a fixed scale from 0 (white) to 1 (darkest), so heatmaps of
    different sentences can be compared, and shows its weight to ``decimals`` places.

    An HTML table rather than a matplotlib image, so that Chinese and other scripts are drawn by
    the reader's browser with its own fonts, and a wide matrix scrolls sideways on a phone
    instead of shrinking. Returns an ``IPython.display.HTML`` object (display it, or read
    its ``data``).

    Raises ``ValueError`` if ``source_tokens`` or ``output_tokens`` is not a non-empty list of
    strings, ``weights`` is not a ``(len(output_tokens), len(source_tokens))`` matrix of finite
    numbers in :math:`[0, 1]`, ``caption`` is neither ``None`` nor a string, or ``decimals`` is
    not a non-negative integer.
    """
    sources = require_str_list("source_tokens", source_tokens, "token")
    outputs = require_str_list("output_tokens", output_tokens, "token")
    if hasattr(weights, "detach"):  # a torch tensor, maybe on a GPU
        weights = weights.detach().cpu().numpy()
    try:
        values = np.asarray(weights, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"weights: expected a matrix of numbers, got {type(weights).__name__}") from None
    expected = (len(outputs), len(sources))
    if values.shape != expected:
        raise ValueError(
            f"weights: expected shape {expected} (one row per output token, one column per source token), "
            f"got shape {values.shape}"
        )
    if not np.all(np.isfinite(values)) or np.any(values < 0) or np.any(values > 1 + 1e-6):
        raise ValueError("weights: expected finite weights in [0, 1], got some outside it, NaN or inf")
    if caption is not None and not isinstance(caption, str):
        raise ValueError(f"caption: expected None or a string, got {type(caption).__name__}")
    decimals = require_non_negative_int("decimals", decimals)
    colours = matplotlib.colormaps["Blues"]
    cell = "padding:0.15em 0.3em;text-align:center;font-size:0.8em;min-width:2.2em"
    label = "padding:0.15em 0.3em;text-align:center;font-size:0.95em"
    head = "".join(f'<th style="{label}">{html.escape(token)}</th>' for token in sources)
    rows = []
    for token, row in zip(outputs, values):
        shaded = []
        for weight in row:
            background = matplotlib.colors.to_hex(colours(float(weight)))
            ink = "white" if weight > 0.55 else "black"
            shaded.append(f'<td style="{cell};background:{background};color:{ink}">{weight:.{decimals}f}</td>')
        rows.append(f'<tr><th style="{label};text-align:right">{html.escape(token)}</th>'
                    + "".join(shaded) + "</tr>")
    title = f'<caption style="caption-side:top">{html.escape(caption)}</caption>' if caption else ""
    table = (f'<table class="attention-heatmap" style="border-collapse:collapse;margin:0">{title}'
             f'<tr><th style="{label}"></th>{head}</tr>{"".join(rows)}</table>')
    return HTML(f'<div style="overflow-x:auto;max-width:100%">{table}</div>')
