"""Training a recurrent network on chapter 5's generated long-memory tasks (the adding problem), with or without gradient clipping."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import torch
from torch import nn

from .._checks import require_choice, require_non_negative_int, require_positive_float, require_positive_int
from .._validate import require_finite_loss
from ..data.adding import AddingData
from ..models.shapes import SequenceToVector
from ..progress import progress_bar
from .checks import require_finite_tensors
from .clipping import clip_grad_norm, clip_grad_value, gradient_norm

#: A run counts as solving the adding problem when its test MSE is below this (6% of the 1/6 baseline).
ADDING_SOLVED_MSE = 0.01
CLIPPING = ("none", "norm", "value")
OPTIMIZERS = ("adam", "sgd")


@dataclass(eq=False)
class TaskRun:
    """What :func:`train_adding` returns (chapter 5).

    ``losses[s]`` and ``gradient_norms[s]``: the training MSE of step ``s + 1`` and the global
    norm of its gradient before clipping; ``valid_mse``: ``(step, MSE on the validation split)``
    at every check; ``test_mse``: the MSE on the test split of the weights after the last step;
    ``solved``: ``test_mse < ADDING_SOLVED_MSE``; ``steps``: the number of updates made;
    ``model``: the trained network.
    """

    losses: list[float]
    gradient_norms: list[float]
    valid_mse: list[tuple[int, float]]
    test_mse: float
    steps: int
    model: nn.Module = field(repr=False)

    @property
    def solved(self) -> bool:
        return self.test_mse < ADDING_SOLVED_MSE


def _require_adding(name: str, data) -> AddingData:
    if not isinstance(data, AddingData):
        raise ValueError(f"{name}: expected AddingData (from generate_adding), got {type(data).__name__}")
    return data


@torch.no_grad()
def adding_mse(model: nn.Module, data: AddingData, batch_size: int = 1000) -> float:
    r"""The mean squared error of ``model`` on the adding problem, :math:`\frac1N\sum_i (\hat y_i - y_i)^2` (chapter 5).

    ``model`` maps ``(inputs (T, B, 2), lengths)`` to ``(B, 1)`` answers. It is run in
    evaluation mode, ``batch_size`` sequences at a time, and left in the mode it was in. The
    baseline of always answering 1 scores about 1/6. Raises ``ValueError`` if ``model`` is not
    a ``torch.nn.Module`` or ``data`` not :class:`~companion.data.AddingData`.
    """
    if not isinstance(model, nn.Module):
        raise ValueError(f"model: expected a torch.nn.Module, got {type(model).__name__}")
    _require_adding("data", data)
    was_training = model.training
    model.eval()
    total = 0.0
    for start in range(0, len(data), batch_size):
        index = torch.arange(start, min(start + batch_size, len(data)))
        inputs, targets, lengths = data.batch(index)
        answers = model(inputs, lengths).squeeze(-1)
        total += float(((answers - targets) ** 2).sum())
    model.train(was_training)
    return total / len(data)


def train_adding(
    layer_options: Mapping,
    train: AddingData,
    valid: AddingData,
    test: AddingData,
    *,
    hidden_size: int = 32,
    max_steps: int = 1500,
    lr: float = 0.01,
    optimizer: str = "adam",
    batch_size: int = 32,
    clipping: str = "norm",
    threshold: float = 1.0,
    check_every: int = 100,
    seed: int = 0,
    show_progress: bool = False,
) -> TaskRun:
    r"""Train a :class:`~companion.models.SequenceToVector` on the adding problem (chapter 5).

    The network (``hidden_size`` units; ``layer_options`` such as ``cell="irnn"``,
    ``implementation="torch"`` go to its constructor) answers :math:`\hat y = V h_T + c` after
    each sequence's last step and learns by ``optimizer`` (``"adam"``, Kingma & Ba 2015, or
    plain ``"sgd"``) with learning rate ``lr`` on the mean squared error of ``batch_size``
    sequences drawn from ``train`` with replacement. Before each update the gradient is
    clipped: ``clipping="norm"`` rescales it to global norm at most ``threshold``
    (:func:`~companion.training.clipping.clip_grad_norm`, Pascanu et al. 2013),
    ``"value"`` clips each entry to ``[-threshold, threshold]``
    (:func:`~companion.training.clipping.clip_grad_value`), ``"none"`` leaves it. Every
    ``check_every`` steps the MSE on ``valid`` is measured, and training stops early once it is
    below ``ADDING_SOLVED_MSE`` (so the test split plays no part in when to stop).
    ``seed`` fixes the initial weights (``torch.manual_seed``, drawn first) and the batches (a
    generator of their own). Returns a :class:`TaskRun`.

    Raises ``ValueError`` for a bad argument before training (sizes and step counts not
    positive integers, ``lr`` or ``threshold`` not positive finite numbers, an unknown
    ``optimizer`` or ``clipping``, splits that are not :class:`~companion.data.AddingData`,
    ``layer_options`` not a mapping), and during training, naming the step, as soon as the loss
    or an updated weight is NaN or inf.
    """
    if not isinstance(layer_options, Mapping):
        raise ValueError(f"layer_options: expected a dict of SequenceToVector options, got {type(layer_options).__name__}")
    for name, data in (("train", train), ("valid", valid), ("test", test)):
        _require_adding(name, data)
    require_positive_int("hidden_size", hidden_size)
    require_positive_int("max_steps", max_steps)
    require_positive_float("lr", lr)
    require_choice("optimizer", optimizer, OPTIMIZERS)
    require_positive_int("batch_size", batch_size)
    require_choice("clipping", clipping, CLIPPING)
    require_positive_float("threshold", threshold)
    require_positive_int("check_every", check_every)
    require_non_negative_int("seed", seed)
    torch.manual_seed(seed)
    model = SequenceToVector(AddingData.input_size, hidden_size, 1, **layer_options)
    model.to(device=train.inputs.device, dtype=train.inputs.dtype)
    parameters = list(model.parameters())
    update = (torch.optim.Adam if optimizer == "adam" else torch.optim.SGD)(parameters, lr=lr)
    batches = torch.Generator().manual_seed(seed)
    losses, norms, checks = [], [], []
    bar = progress_bar(max_steps, "training", disable=not show_progress)
    for step in range(1, max_steps + 1):
        index = torch.randint(0, len(train), (batch_size,), generator=batches)
        inputs, targets, lengths = train.batch(index)
        loss = ((model(inputs, lengths).squeeze(-1) - targets) ** 2).mean()
        require_finite_loss(loss, f"at step {step}")
        update.zero_grad()
        loss.backward()
        if clipping == "norm":
            norm = clip_grad_norm(parameters, threshold)
        else:
            norm = gradient_norm(parameters)
            if clipping == "value":
                clip_grad_value(parameters, threshold)
        update.step()
        require_finite_tensors(model.named_parameters(), f"after the update of step {step}")
        losses.append(loss.item())
        norms.append(norm)
        bar.update(1)
        if step % check_every == 0:
            checks.append((step, adding_mse(model, valid)))
            if checks[-1][1] < ADDING_SOLVED_MSE:
                break
    bar.close()
    return TaskRun(losses=losses, gradient_norms=norms, valid_mse=checks, test_mse=adding_mse(model, test),
                   steps=step, model=model)

