"""Training sentence classifiers on word ids and scoring them (chapter 6): seeded, device-aware, kept at the epoch with the best validation accuracy."""
from __future__ import annotations

import copy
import random
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .._checks import is_integer, require_non_negative_int, require_positive_float, require_positive_int
from .._validate import describe_shape, require_finite_loss
from ..device import pick_device, seed_everything
from ..progress import progress_bar
from .checks import require_finite_tensors
from .clipping import clip_grad_norm


def _require_model(model) -> nn.Module:
    if not isinstance(model, nn.Module):
        raise ValueError(f"model: expected a torch.nn.Module, got {type(model).__name__}")
    return model


def _require_sequences(name: str, sequences) -> list[torch.Tensor]:
    """Id sequences as a list of 1-D LongTensors on the CPU."""
    if isinstance(sequences, (str, bytes, torch.Tensor)) or not isinstance(sequences, Sequence):
        raise ValueError(
            f"{name}: expected a list of id sequences (one list, 1-D array or 1-D tensor of word ids per sentence), "
            f"got {type(sequences).__name__}"
        )
    if not sequences:
        raise ValueError(f"{name}: expected at least one sentence, got an empty sequence")
    checked = []
    for i, ids in enumerate(sequences):
        if isinstance(ids, np.ndarray):
            ids = torch.from_numpy(ids)
        if isinstance(ids, torch.Tensor):
            if ids.dim() != 1 or ids.is_floating_point() or ids.is_complex() or ids.dtype == torch.bool:
                raise ValueError(
                    f"{name}[{i}]: expected a 1-D integer tensor of word ids, "
                    f"got shape {describe_shape(ids)} and dtype {ids.dtype}"
                )
            ids = ids.detach().cpu().to(torch.long)
        elif isinstance(ids, (str, bytes)) or not isinstance(ids, Sequence) or not all(is_integer(i) for i in ids):
            hint = "; encode the words first (Vocabulary.encode)" if isinstance(ids, (str, bytes, list, tuple)) else ""
            raise ValueError(f"{name}[{i}]: expected a sequence of integer word ids, got {ids!r:.60}{hint}")
        else:
            ids = torch.tensor(list(ids), dtype=torch.long)
        if ids.numel() == 0:
            raise ValueError(f"{name}[{i}]: expected at least one word id, got an empty sequence")
        checked.append(ids)
    return checked


def _require_labels(name: str, labels, count: int, num_classes: int | None) -> torch.Tensor:
    if isinstance(labels, (str, bytes)) or not isinstance(labels, (Sequence, torch.Tensor, np.ndarray)):
        raise ValueError(f"{name}: expected a list of class ids (one per sentence), got {type(labels).__name__}")
    values = labels.tolist() if isinstance(labels, (torch.Tensor, np.ndarray)) else list(labels)
    if len(values) != count:
        raise ValueError(f"{name}: expected one label per sentence ({count}), got {len(values)}")
    wanted = "a non-negative class id" if num_classes is None else (
        f"a class id in 0..{num_classes - 1} (below the model's num_classes)"
    )
    for i, label in enumerate(values):
        if not is_integer(label) or label < 0 or (num_classes is not None and label >= num_classes):
            raise ValueError(f"{name}[{i}]: expected {wanted}, got {label!r}")
    return torch.tensor(values, dtype=torch.long)


def _require_data(name: str, data, num_classes: int | None) -> tuple[list[torch.Tensor], torch.Tensor]:
    """A split given as ``(id sequences, labels)``."""
    if not isinstance(data, (tuple, list)) or len(data) != 2:
        given = type(data).__name__ + (f" of length {len(data)}" if isinstance(data, (tuple, list)) else "")
        raise ValueError(f"{name}: expected a pair (id sequences, labels), got {given}")
    sequences = _require_sequences(f"{name}[0]", data[0])
    return sequences, _require_labels(f"{name}[1]", data[1], len(sequences), num_classes)


def _pad(sequences: list[torch.Tensor], padding_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Time-major ids ``(T, B)`` padded with ``padding_id``, and the lengths ``(B,)``."""
    lengths = torch.tensor([len(ids) for ids in sequences], dtype=torch.long)
    ids = torch.full((int(lengths.max()), len(sequences)), padding_id, dtype=torch.long)
    for b, sequence in enumerate(sequences):
        ids[: len(sequence), b] = sequence
    return ids, lengths


def _batches(sequences, labels, batch_size: int, padding_id: int, seed: int | None):
    """Padded batches of sentences of similar length: shuffled from ``seed`` (none: kept in order), then sorted by length."""
    order = list(range(len(sequences)))
    if seed is not None:
        random.Random(seed).shuffle(order)
        order.sort(key=lambda i: len(sequences[i]))
    batches = []
    for start in range(0, len(order), batch_size):
        chosen = order[start : start + batch_size]
        ids, lengths = _pad([sequences[i] for i in chosen], padding_id)
        batches.append((ids, lengths, labels[chosen] if labels is not None else None, chosen))
    return batches


def _padding_id(model: nn.Module) -> int:
    # Which id pads is the model's business; with lengths, no model reads the padded steps anyway.
    return int(getattr(model, "padding_id", 0))


@torch.no_grad()
def _scores(model: nn.Module, sequences: list[torch.Tensor], batch_size: int, device) -> torch.Tensor:
    """The model's scores ``(N, C)`` on the CPU, in the order of ``sequences``, in evaluation mode."""
    was_training = model.training
    model.eval()
    parts = []
    try:
        for ids, lengths, _, _ in _batches(sequences, None, batch_size, _padding_id(model), None):
            parts.append(model(ids.to(device), lengths=lengths.to(device)).float().cpu())
    finally:
        model.train(was_training)
    return torch.cat(parts)


def _model_device(model: nn.Module, device) -> torch.device:
    if device is not None:
        return torch.device(device)
    parameter = next(model.parameters(), None)
    return parameter.device if parameter is not None else torch.device("cpu")


def predict_proba(
    model: nn.Module, sequences: Sequence, batch_size: int = 256, device: torch.device | str | None = None
) -> np.ndarray:
    r"""The class probabilities :math:`\mathrm{softmax}(y)` of each sentence, ``(N, C)`` float64 (chapter 6).

    ``sequences`` holds each sentence's word ids (a list of ints or a 1-D integer tensor, as
    :meth:`~companion.encoding.Vocabulary.encode` gives them); ``model`` maps ``(ids (T, B),
    lengths)`` to scores ``(B, C)``, as :class:`~companion.models.classifiers.TextClassifier`
    does. The model runs in evaluation mode, ``batch_size`` sentences at a time, on ``device``
    (default: where its parameters are), and is left in the mode it was in; rows come back in
    the order of ``sequences``. Raises ``ValueError`` if ``model`` is not a module, ``sequences``
    not a non-empty list of non-empty id sequences, or ``batch_size`` not a positive integer.
    """
    _require_model(model)
    sequences = _require_sequences("sequences", sequences)
    require_positive_int("batch_size", batch_size)
    scores = _scores(model, sequences, batch_size, _model_device(model, device))
    return torch.softmax(scores.double(), dim=-1).numpy()


def classifier_accuracy(
    model: nn.Module, sequences: Sequence, labels: Sequence, batch_size: int = 256,
    device: torch.device | str | None = None,
) -> float:
    """The fraction of sentences whose highest-scoring class is their label (chapter 6).

    ``sequences`` and ``model`` as for :func:`predict_proba`; ``labels`` one class id per
    sentence. Raises ``ValueError`` as :func:`predict_proba` does, and for labels that are not
    one non-negative integer per sentence (below ``model.num_classes`` where the model says).
    """
    _require_model(model)
    sequences = _require_sequences("sequences", sequences)
    labels = _require_labels("labels", labels, len(sequences), getattr(model, "num_classes", None))
    require_positive_int("batch_size", batch_size)
    predictions = _scores(model, sequences, batch_size, _model_device(model, device)).argmax(dim=-1)
    return float((predictions == labels).double().mean())


@dataclass
class ClassifierTraining:
    """What :func:`train_classifier` returns (chapter 6): the kept epoch and every epoch's numbers.

    ``valid_accuracy`` is the accuracy on the validation split of the kept epoch ``best_epoch``
    (1-based); ``losses`` the mean training cross-entropy of every epoch (nats per sentence);
    ``valid_accuracies`` the validation accuracy after every epoch.
    """

    valid_accuracy: float
    best_epoch: int
    losses: list[float]
    valid_accuracies: list[float]


def train_classifier(
    model: nn.Module,
    train: tuple[Sequence, Sequence],
    valid: tuple[Sequence, Sequence],
    epochs: int,
    lr: float = 0.001,
    batch_size: int = 32,
    seed: int = 0,
    device: torch.device | str | None = None,
    progress: bool = True,
    desc: str = "training",
    weight_decay: float = 0.0,
    clip: float | None = None,
) -> ClassifierTraining:
    r"""Train a sentence classifier with Adam on the cross-entropy, keeping the epoch with the best validation accuracy (chapter 6).

    .. math::  L = -\frac1B \sum_{b=1}^{B} \log \mathrm{softmax}(y_b)_{\,\mathrm{label}_b}

    ``train`` and ``valid`` are pairs ``(id sequences, labels)``: each sentence's word ids (a
    list of ints or a 1-D integer tensor) and its class id. ``model`` maps ``(ids (T, B),
    lengths)`` to scores ``(B, C)``, as :class:`~companion.models.classifiers.TextClassifier`
    does. The training sentences are shuffled from ``seed`` and then sorted by length into
    batches of ``batch_size`` (little padding, so several times faster than random batches),
    padded with ``model.padding_id`` (0 if it has none); the batches' order is reshuffled every
    epoch from ``seed``, and ``seed`` also seeds torch (dropout) before the first step, so a run
    repeats exactly on one machine. ``weight_decay`` goes to Adam; ``clip``, if given, rescales
    each gradient to a global norm of at most ``clip``
    (:func:`~companion.training.clipping.clip_grad_norm`). After every epoch the model is scored
    on ``valid`` (:func:`classifier_accuracy`); at the end it holds the weights of the best epoch
    (the first of equal ones). ``device`` defaults to :func:`~companion.device.pick_device`.

    Raises ``ValueError`` before training for a ``model`` that is not a module, splits that are
    not pairs of non-empty id sequences and one class id each (below ``model.num_classes`` where
    the model says), ``epochs`` or ``batch_size`` not positive integers, ``lr`` not a positive
    finite number, ``weight_decay`` negative, ``clip`` neither ``None`` nor a positive number or
    a negative ``seed``; and during training, naming the epoch and batch, as soon as a loss or an
    updated parameter is NaN or inf.
    """
    _require_model(model)
    num_classes = getattr(model, "num_classes", None)
    train_sequences, train_labels = _require_data("train", train, num_classes)
    valid_sequences, valid_labels = _require_data("valid", valid, num_classes)
    require_positive_int("epochs", epochs)
    require_positive_float("lr", lr)
    require_positive_int("batch_size", batch_size)
    require_non_negative_int("seed", seed)
    if isinstance(weight_decay, bool) or not isinstance(weight_decay, (int, float)) or not weight_decay >= 0:
        raise ValueError(f"weight_decay: expected a non-negative number, got {weight_decay!r}")
    if clip is not None:
        require_positive_float("clip", clip)
    device = pick_device() if device is None else torch.device(device)
    seed_everything(seed)
    model.to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    batches = _batches(train_sequences, train_labels, batch_size, _padding_id(model), seed)
    order_rng = random.Random(seed)
    losses, accuracies = [], []
    best = {"accuracy": -1.0, "epoch": 0, "state": None}
    with progress_bar(epochs * len(batches), desc, unit="batch", disable=not progress) as bar:
        for epoch in range(1, epochs + 1):
            model.train()
            order = list(range(len(batches)))
            order_rng.shuffle(order)
            total = 0.0
            for step, index in enumerate(order, start=1):
                ids, lengths, labels, _ = batches[index]
                scores = model(ids.to(device), lengths=lengths.to(device))
                loss = F.cross_entropy(scores, labels.to(device))
                require_finite_loss(loss, f"at epoch {epoch}, batch {step}")
                optimizer.zero_grad()
                loss.backward()
                if clip is not None:
                    clip_grad_norm(model.parameters(), clip)
                optimizer.step()
                require_finite_tensors(model.named_parameters(), f"after the update of epoch {epoch}, batch {step}")
                total += loss.item() * len(labels)
                bar.update(1)
            losses.append(total / len(train_sequences))
            accuracies.append(classifier_accuracy(model, valid_sequences, valid_labels, device=device))
            if accuracies[-1] > best["accuracy"]:
                best.update(accuracy=accuracies[-1], epoch=epoch, state=copy.deepcopy(model.state_dict()))
            bar.set_postfix(epoch=epoch, loss=f"{losses[-1]:.4f}", valid=f"{accuracies[-1]:.3f}", refresh=False)
    model.load_state_dict(best["state"])
    model.eval()
    return ClassifierTraining(best["accuracy"], best["epoch"], losses, accuracies)
