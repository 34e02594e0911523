"""Training the many-to-one classifiers of chapter 3 on the recall task, and their accuracy."""
from __future__ import annotations

from typing import Mapping

import torch
import torch.nn.functional as F
from torch import nn

from .._checks import require_non_negative_int, require_positive_float, require_positive_int
from .._validate import require_finite_loss
from ..data.recall import RecallData
from ..models.shapes import SequenceToVector
from .checks import require_finite_tensors


def _require_recall_data(name: str, data) -> RecallData:
    if not isinstance(data, RecallData):
        raise ValueError(f"{name}: expected RecallData (from generate_recall), got {type(data).__name__}")
    return data


@torch.no_grad()
def accuracy(model: nn.Module, data: RecallData) -> float:
    """The fraction of ``data``'s sequences whose first symbol ``model`` recalls (chapter 3).

    ``model`` maps ``data.inputs`` ``(T, N, K + 1)`` to scores ``(N, K)``; its answer is the
    symbol with the highest score, compared with ``data.targets`` ``(N,)``. The model is run in
    evaluation mode and left in the mode it was in. Chance is ``1 / K``.

    Raises ``ValueError`` if ``model`` is not a ``torch.nn.Module`` or ``data`` not
    :class:`~companion.data.recall.RecallData`.
    """
    if not isinstance(model, nn.Module):
        raise ValueError(f"model: expected a torch.nn.Module, got {type(model).__name__}")
    _require_recall_data("data", data)
    was_training = model.training
    model.eval()
    predictions = model(data.inputs).argmax(dim=1)
    model.train(was_training)
    return (predictions == data.targets).float().mean().item()


def train_recall(
    layer_options: Mapping,
    train: RecallData,
    valid: RecallData,
    test: RecallData,
    *,
    hidden_size: int = 32,
    max_steps: int = 500,
    lr: float = 0.01,
    batch_size: int = 64,
    check_every: int = 25,
    seed: int = 0,
) -> dict[str, float | int]:
    """Train a :class:`~companion.models.SequenceToVector` to recall the first symbol (chapter 3).

    The classifier (``hidden_size`` units; ``layer_options`` such as ``cell="lstm"``,
    ``forget_bias=3.0``, ``implementation="torch"`` go to its constructor) learns with Adam
    (learning rate ``lr``) on the cross-entropy of ``batch_size`` sequences drawn from ``train``
    with replacement at each step. Every ``check_every`` steps its :func:`accuracy` on ``valid``
    is measured, and training stops early once it is 1.0; after at most ``max_steps`` steps the
    result is ``{"test accuracy": accuracy on test, "steps": steps taken}``. The defaults are
    the chapter's settings. ``seed`` fixes the initial weights (``torch.manual_seed``, drawn
    first) and the batches (a generator of their own), so that a run repeats exactly.

    Raises ``ValueError`` for a bad argument, before training: sizes and step counts not
    positive integers, ``lr`` not a positive finite number, ``seed`` negative, ``layer_options``
    not a mapping, splits that are not :class:`~companion.data.recall.RecallData` or do not
    share their number of symbols; and during training, naming the step, as soon as the loss or
    an updated weight is NaN or inf.
    """
    if not isinstance(layer_options, Mapping):
        raise ValueError(f"layer_options: expected a dict of SequenceToVector options, got {type(layer_options).__name__}")
    for name, data in (("train", train), ("valid", valid), ("test", test)):
        _require_recall_data(name, data)
        if data.num_symbols != train.num_symbols:
            raise ValueError(
                f"{name}: expected {train.num_symbols} symbols (as train), got {data.num_symbols}"
            )
    require_positive_int("hidden_size", hidden_size)
    require_positive_int("max_steps", max_steps)
    require_positive_float("lr", lr)
    require_positive_int("batch_size", batch_size)
    require_positive_int("check_every", check_every)
    require_non_negative_int("seed", seed)
    # The order of the draws is the chapter's: initial weights from the global generator, then
    # the batches from their own, so that its recall table does not move.
    torch.manual_seed(seed)
    model = SequenceToVector(train.input_size, hidden_size, train.num_symbols, **layer_options)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    batches = torch.Generator().manual_seed(seed)
    for step in range(1, max_steps + 1):
        index = torch.randint(0, len(train), (batch_size,), generator=batches)
        inputs, targets = train.batch(index)
        loss = F.cross_entropy(model(inputs), targets)
        require_finite_loss(loss, f"at step {step}")
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        require_finite_tensors(model.named_parameters(), f"after the update of step {step}")
        if step % check_every == 0 and accuracy(model, valid) == 1.0:
            break
    return {"test accuracy": accuracy(model, test), "steps": step}
