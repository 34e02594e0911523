"""Tables the chapters display: tagged sentences side by side, and a recurrent network's memory step by step."""
from __future__ import annotations

from typing import Sequence

import pandas as pd
import torch

from ._validate import describe_shape, require_tensor
from .models import ElmanNetwork


def tag_table(words: Sequence[str], **rows: Sequence[str]) -> pd.DataFrame:
    """A sentence, one word per row, with one column per tagging: ``tag_table(words, gold=tags, FFN=predicted)``."""
    words = list(words)
    for name, tags in rows.items():
        if len(tags) != len(words):
            raise ValueError(f"{name}: expected {len(words)} tags (one per word), got {len(tags)}")
    columns = {"word": words, **{name: list(tags) for name, tags in rows.items()}}
    return pd.DataFrame(columns, index=pd.RangeIndex(1, len(words) + 1))


def _vector(values: torch.Tensor) -> str:
    return "[" + ", ".join(f"{v:g}" for v in values.tolist()) + "]"


@torch.no_grad()
def memory_table(network: ElmanNetwork, inputs: torch.Tensor) -> pd.DataFrame:
    r"""The lecture's view of a recurrent network at work (chapter 1).

    For one sequence ``inputs`` of shape ``(T, F)``: at each step the input :math:`x_t`, the
    memory read (:math:`h_{t-1}`, zeros at the start), the memory written (:math:`h_t`) and the
    output :math:`y_t`.
    """
    require_tensor("inputs", inputs)
    if inputs.dim() != 2:
        raise ValueError(f"inputs: expected one sequence of shape (T, F), got shape {describe_shape(inputs)}")
    sequence = inputs.unsqueeze(1)
    memory = network.memory(sequence)[:, 0]
    outputs = network(sequence)[:, 0]
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
