"""Training a recurrent network on chapter 5's generated long-memory tasks (the adding problem, the copy-memory task), with or without gradient clipping."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping

import torch
import torch.nn.functional as F
from torch import nn

from .._checks import require_choice, require_non_negative_int, require_positive_float, require_positive_int
from .._validate import require_finite_loss
from ..data.adding import AddingData
from ..data.copy_memory import CopyMemoryData, copy_memory_accuracy, copy_memory_one_hot
from ..models.shapes import AlignedSequenceToSequence, SequenceToVector
from ..progress import progress_bar
from .checks import require_finite_tensors
from .clipping import clip_grad_norm, clip_grad_value, gradient_norm

#: A run solves the adding problem when its MSE is below this (6% of the 1/6 of always answering 1).
ADDING_SOLVED_MSE = 0.01
#: A run solves the copy task when it recalls at least this fraction of the symbols.
COPY_SOLVED_ACCURACY = 0.99
CLIPPING = ("none", "norm", "value")
OPTIMIZERS = ("adam", "sgd")


@dataclass(eq=False)
class TaskRun:
    """What :func:`train_adding` and :func:`train_copy` return (chapter 5).

    ``losses[s]`` and ``gradient_norms[s]``: the training loss of step ``s + 1`` (MSE for the
    adding problem, cross-entropy per step for the copy task) and the global norm of its
    gradient before clipping; ``valid_scores``: ``(step, score on the validation split)`` at
    every check; ``test_score``: the score on the test split of the weights after the last
    step (:func:`adding_mse`, or the fraction of symbols recalled,
    :func:`~companion.data.copy_memory_accuracy`); ``solved``: whether ``test_score`` meets the
    task's criterion (``ADDING_SOLVED_MSE``, ``COPY_SOLVED_ACCURACY``); ``steps``: the number of
    updates made; ``model``: the trained network.
    """

    losses: list[float]
    gradient_norms: list[float]
    valid_scores: list[tuple[int, float]]
    test_score: float
    solved: bool
    steps: int
    model: nn.Module = field(repr=False)


def _require_data(name: str, data, kind: type, maker: str):
    if not isinstance(data, kind):
        raise ValueError(f"{name}: expected {kind.__name__} (from {maker}), got {type(data).__name__}")
    return data


def _require_model(model) -> None:
    if not isinstance(model, nn.Module):
        raise ValueError(f"model: expected a torch.nn.Module, got {type(model).__name__}")


@torch.no_grad()
def _evaluate(model: nn.Module, data, score: Callable) -> float:
    was_training = model.training
    model.eval()
    value = score(model, data)
    model.train(was_training)
    return value


def adding_mse(model: nn.Module, data: AddingData, batch_size: int = 1000) -> float:
    r"""The mean squared error of ``model`` on the adding problem, :math:`\frac1N\sum_i (\hat y_i - y_i)^2` (chapter 5).

    ``model`` maps ``(inputs (T, B, 2), lengths)`` to ``(B, 1)`` answers. It is run in
    evaluation mode, ``batch_size`` sequences at a time, and left in the mode it was in. The
    baseline of always answering 1 scores about 1/6. Raises ``ValueError`` if ``model`` is not
    a ``torch.nn.Module`` or ``data`` not :class:`~companion.data.AddingData`.
    """
    _require_model(model)
    _require_data("data", data, AddingData, "generate_adding")

    def score(model, data):
        total = 0.0
        for start in range(0, len(data), batch_size):
            inputs, targets, lengths = data.batch(torch.arange(start, min(start + batch_size, len(data))))
            total += float(((model(inputs, lengths).squeeze(-1) - targets) ** 2).sum())
        return total / len(data)

    return _evaluate(model, data, score)


def copy_accuracy(model: nn.Module, data: CopyMemoryData) -> float:
    """The fraction of the copy task's symbols that ``model`` recalls, in evaluation mode (chapter 5).

    ``model`` maps one-hot inputs ``(T + 2K, B, 10)`` to scores ``(T + 2K, B, 10)``; the last
    ``K = data.copy_length`` steps are scored by :func:`~companion.data.copy_memory_accuracy`.
    Raises ``ValueError`` if ``model`` is not a ``torch.nn.Module`` or ``data`` not
    :class:`~companion.data.CopyMemoryData`.
    """
    _require_model(model)
    _require_data("data", data, CopyMemoryData, "generate_copy_memory")
    dtype = next(model.parameters()).dtype

    def score(model, data):
        scores = model(copy_memory_one_hot(data.inputs, dtype))
        return copy_memory_accuracy(scores, data.targets, copy_length=data.copy_length)

    return _evaluate(model, data, score)


def _check_settings(layer_options, hidden_size, max_steps, lr, optimizer, batch_size, clipping, threshold,
                    check_every, seed) -> None:
    if not isinstance(layer_options, Mapping):
        raise ValueError(f"layer_options: expected a dict of layer options, got {type(layer_options).__name__}")
    require_positive_int("hidden_size", hidden_size)
    require_positive_int("max_steps", max_steps)
    require_positive_float("lr", lr)
    require_choice("optimizer", optimizer, OPTIMIZERS)
    require_positive_int("batch_size", batch_size)
    require_choice("clipping", clipping, CLIPPING)
    require_positive_float("threshold", threshold)
    require_positive_int("check_every", check_every)
    require_non_negative_int("seed", seed)


def _train(model, loss_of, train_size, valid_score, solved, *, max_steps, lr, optimizer, batch_size, clipping,
           threshold, check_every, seed, show_progress):
    """The loop both tasks share: batches drawn with replacement, clipping, checks on validation."""
    parameters = list(model.parameters())
    update = (torch.optim.Adam if optimizer == "adam" else torch.optim.SGD)(parameters, lr=lr)
    batches = torch.Generator().manual_seed(seed)
    losses, norms, checks = [], [], []
    bar = progress_bar(max_steps, "training", disable=not show_progress)
    for step in range(1, max_steps + 1):
        loss = loss_of(torch.randint(0, train_size, (batch_size,), generator=batches))
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
            checks.append((step, valid_score()))
            if solved(checks[-1][1]):
                break
    bar.close()
    return losses, norms, checks, step


_TRAINING_ARGUMENTS = """The network learns by ``optimizer`` (``"adam"``, Kingma & Ba 2015, or plain ``"sgd"``) with
    learning rate ``lr`` on ``batch_size`` sequences drawn from ``train`` with replacement.
    Before each update the gradient is clipped: ``clipping="norm"`` rescales it to global norm
    at most ``threshold`` (:func:`~companion.training.clipping.clip_grad_norm`, Pascanu et al.
    2013), ``"value"`` clips each entry to ``[-threshold, threshold]``
    (:func:`~companion.training.clipping.clip_grad_value`), ``"none"`` leaves it. Every
    ``check_every`` steps the validation score is measured, and training stops early once it
    meets the task's criterion (so the test split plays no part in when to stop). ``seed`` fixes
    the initial weights (``torch.manual_seed``, drawn first) and the batches (a generator of
    their own). Returns a :class:`TaskRun`."""


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
    solved_mse: float = ADDING_SOLVED_MSE,
) -> TaskRun:
    r"""Train a :class:`~companion.models.SequenceToVector` on the adding problem (chapter 5).

    The network (``hidden_size`` units; ``layer_options`` such as ``cell="irnn"``,
    ``implementation="torch"`` go to its constructor) answers :math:`\hat y = V h_T + c` after
    each sequence's last step and is trained on the mean squared error; it solves the task when
    the MSE is below ``solved_mse`` (``ADDING_SOLVED_MSE`` by default, made for the modern
    variant, whose baseline is 1/6; the original variant's targets vary 16 times less, and
    Hochreiter & Schmidhuber's criterion, every answer within 0.04, needs a far smaller MSE).
    TRAINING_ARGUMENTS

    Raises ``ValueError`` for a bad argument before training (sizes and step counts not
    positive integers, ``lr`` or ``threshold`` not positive finite numbers, an unknown
    ``optimizer`` or ``clipping``, splits that are not :class:`~companion.data.AddingData`,
    ``layer_options`` not a mapping, ``solved_mse`` not a positive number), and during training, naming the step, as soon as the loss
    or an updated weight is NaN or inf.
    """
    for name, data in (("train", train), ("valid", valid), ("test", test)):
        _require_data(name, data, AddingData, "generate_adding")
    _check_settings(layer_options, hidden_size, max_steps, lr, optimizer, batch_size, clipping, threshold,
                    check_every, seed)
    require_positive_float("solved_mse", solved_mse)
    torch.manual_seed(seed)
    model = SequenceToVector(AddingData.input_size, hidden_size, 1, **layer_options)
    model.to(device=train.inputs.device, dtype=train.inputs.dtype)

    def loss_of(index):
        inputs, targets, lengths = train.batch(index)
        return ((model(inputs, lengths).squeeze(-1) - targets) ** 2).mean()

    def solved(mse):
        return mse < solved_mse

    losses, norms, checks, steps = _train(
        model, loss_of, len(train), lambda: adding_mse(model, valid), solved, max_steps=max_steps, lr=lr,
        optimizer=optimizer, batch_size=batch_size, clipping=clipping, threshold=threshold,
        check_every=check_every, seed=seed, show_progress=show_progress,
    )
    test_score = adding_mse(model, test)
    return TaskRun(losses, norms, checks, test_score, solved(test_score), steps, model)


def train_copy(
    layer_options: Mapping,
    train: CopyMemoryData,
    valid: CopyMemoryData,
    test: CopyMemoryData,
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
    r"""Train an :class:`~companion.models.AlignedSequenceToSequence` on the copy-memory task (chapter 5).

    The network (``hidden_size`` units; ``layer_options`` as for :func:`train_adding`) reads
    the one-hot ids, scores the 10 categories at every step, and is trained on the mean
    cross-entropy over all steps, as Arjovsky et al. (2016) train theirs; it solves the task
    when it recalls at least ``COPY_SOLVED_ACCURACY`` of the symbols (:func:`copy_accuracy`).
    TRAINING_ARGUMENTS

    Raises ``ValueError`` as :func:`train_adding` does, for splits that are not
    :class:`~companion.data.CopyMemoryData` or differ in ``copy_length``.
    """
    for name, data in (("train", train), ("valid", valid), ("test", test)):
        _require_data(name, data, CopyMemoryData, "generate_copy_memory")
        if data.copy_length != train.copy_length:
            raise ValueError(f"{name}: expected copy_length {train.copy_length} (as train), got {data.copy_length}")
    _check_settings(layer_options, hidden_size, max_steps, lr, optimizer, batch_size, clipping, threshold,
                    check_every, seed)
    torch.manual_seed(seed)
    categories = CopyMemoryData.num_categories
    model = AlignedSequenceToSequence(categories, hidden_size, categories, **layer_options)
    model.to(device=train.inputs.device)

    def loss_of(index):
        inputs, targets = train.batch(index)
        scores = model(copy_memory_one_hot(inputs))
        return F.cross_entropy(scores.flatten(0, 1), targets.flatten())

    def solved(accuracy):
        return accuracy >= COPY_SOLVED_ACCURACY

    losses, norms, checks, steps = _train(
        model, loss_of, len(train), lambda: copy_accuracy(model, valid), solved, max_steps=max_steps, lr=lr,
        optimizer=optimizer, batch_size=batch_size, clipping=clipping, threshold=threshold,
        check_every=check_every, seed=seed, show_progress=show_progress,
    )
    test_score = copy_accuracy(model, test)
    return TaskRun(losses, norms, checks, test_score, solved(test_score), steps, model)


train_adding.__doc__ = train_adding.__doc__.replace("TRAINING_ARGUMENTS", _TRAINING_ARGUMENTS)
train_copy.__doc__ = train_copy.__doc__.replace("TRAINING_ARGUMENTS", _TRAINING_ARGUMENTS)
