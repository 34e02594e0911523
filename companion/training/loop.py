"""Training and prediction of taggers (chapters 1-3): seeded, device-aware, with a progress bar,
stopped at the first non-finite loss or weight, and optionally kept at the epoch with the best
span F1 on a validation split."""
from __future__ import annotations

import copy
import random
from dataclasses import dataclass
from typing import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from .._checks import require_positive_float, require_positive_int
from .._validate import describe_shape, require_finite_loss
from ..data.tagging import PAD_TAG_ID, Batch, TagSet, TaggedSentence, make_batch
from ..device import pick_device, seed_everything
from ..encoding import SentenceEncoder
from ..metrics import span_f1
from ..progress import progress_bar
from .checks import require_finite_tensors


def tagging_loss(scores: torch.Tensor, tags: torch.Tensor) -> torch.Tensor:
    r"""Mean cross-entropy over the real words of a padded batch (chapter 1).

    .. math::  L = -\frac{1}{N} \sum_{(t,b)\ \text{real}} \log \mathrm{softmax}(y_{t,b})_{\,\mathrm{tag}_{t,b}}

    ``scores`` is ``(T, B, C)``, ``tags`` ``(T, B)`` with ``PAD_TAG_ID`` at padded positions;
    the result is in nats per word. Raises ``ValueError`` if the shapes do not match.
    """
    if scores.dim() != 3 or tags.shape != scores.shape[:2]:
        raise ValueError(
            f"tags: expected shape (T, B) matching scores (T, B, C) = {describe_shape(scores)}, "
            f"got {describe_shape(tags)}"
        )
    return F.cross_entropy(scores.reshape(-1, scores.shape[-1]), tags.reshape(-1), ignore_index=PAD_TAG_ID)


def train_tagger(
    model: nn.Module,
    batches: Sequence[Batch],
    epochs: int,
    lr: float = 0.01,
    seed: int = 0,
    device: torch.device | str | None = None,
    progress: bool = True,
    desc: str = "training",
    after_epoch: Callable[[int], None] | None = None,
) -> list[float]:
    """Train ``model`` with Adam on ``batches`` for ``epochs``; returns the mean loss of each epoch (chapter 1).

    The loss is :func:`tagging_loss` (nats per real word; the epoch's mean weighs each batch by
    its number of real words). The batch order is reshuffled each epoch from ``seed``;
    ``device`` defaults to :func:`~companion.device.pick_device`. ``after_epoch(epoch)``
    (1-based), if given, runs after each epoch with the model in evaluation mode — for model
    selection on a validation set (:func:`train_and_select`).

    Raises ``ValueError`` before training if ``epochs`` is not a positive integer, ``batches`` is
    empty or ``lr`` is not a positive finite number; and during training, naming the epoch and
    batch, as soon as a loss or an updated parameter is NaN or inf (the model then holds the
    weights of that step).
    """
    require_positive_int("epochs", epochs)
    if not batches:
        raise ValueError("batches: expected at least one batch, got an empty sequence")
    require_positive_float("lr", lr)
    seed_everything(seed)
    device = pick_device() if device is None else torch.device(device)
    model.to(device)
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    order_rng = random.Random(seed)
    history = []
    with progress_bar(epochs * len(batches), desc, unit="batch", disable=not progress) as bar:
        for epoch in range(epochs):
            order = list(range(len(batches)))
            order_rng.shuffle(order)
            total, words = 0.0, 0
            for step, index in enumerate(order):
                batch = batches[index].to(device)
                loss = tagging_loss(model(batch.inputs, lengths=batch.lengths), batch.tags)
                require_finite_loss(loss, f"at epoch {epoch + 1}, batch {step + 1}")
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                require_finite_tensors(model.named_parameters(), f"after the update of epoch {epoch + 1}, batch {step + 1}")
                real = int(batch.lengths.sum())
                total += loss.item() * real
                words += real
                bar.update(1)
            history.append(total / words)
            bar.set_postfix(epoch=epoch + 1, loss=f"{history[-1]:.4f}", refresh=False)
            if after_epoch is not None:
                model.eval()
                after_epoch(epoch + 1)
                model.train()
    model.eval()
    return history


@torch.no_grad()
def tag_probabilities(
    model: nn.Module, words: Sequence[str], encoder: SentenceEncoder, device: torch.device | str | None = None
) -> torch.Tensor:
    """``P(tag | sentence)`` at every word of one sentence, as a ``(T, C)`` tensor on the CPU (chapter 1).

    ``words``: the sentence's ``T`` words, encoded by ``encoder``; the model runs in evaluation
    mode on ``device`` (default: where its parameters are). Raises ``ValueError`` for words the
    encoder rejects.
    """
    device = next(model.parameters()).device if device is None else torch.device(device)
    inputs = encoder.encode_sentence(words, dtype=next(model.parameters()).dtype).unsqueeze(1)
    model.eval()
    return torch.softmax(model(inputs.to(device)), dim=-1)[:, 0].cpu()


@torch.no_grad()
def predict_tags(
    model: nn.Module,
    sentences: Sequence[TaggedSentence],
    encoder: SentenceEncoder,
    tagset: TagSet,
    batch_size: int = 256,
) -> list[list[str]]:
    """The most probable tag of every word of every sentence, as tag names (chapters 1-3).

    The sentences are tagged in batches of ``batch_size``, in evaluation mode, on the device of
    the model's parameters. Raises ``ValueError`` if ``batch_size`` is not a positive integer.
    """
    require_positive_int("batch_size", batch_size)
    device = next(model.parameters()).device
    dtype = next(model.parameters()).dtype
    model.eval()
    predictions: list[list[str]] = []
    for start in range(0, len(sentences), batch_size):
        batch = make_batch(sentences[start : start + batch_size], encoder, tagset, dtype).to(device)
        best = model(batch.inputs, lengths=batch.lengths).argmax(dim=-1).cpu()
        for b, length in enumerate(batch.lengths.tolist()):
            predictions.append(tagset.decode(best[:length, b]))
    return predictions


@dataclass
class Selection:
    """The result of :func:`train_and_select` (chapter 2): the kept epoch, its validation score, every epoch's loss.

    ``valid_f1`` is the span F1 (a fraction) of the kept epoch ``best_epoch`` (1-based) on the
    validation split; ``losses`` the mean training loss of every epoch, in nats per word.
    """

    valid_f1: float
    best_epoch: int
    losses: list[float]


def train_and_select(
    model: nn.Module,
    batches: Sequence[Batch],
    valid: Sequence[TaggedSentence],
    encoder: SentenceEncoder,
    tagset: TagSet,
    epochs: int,
    **training,
) -> Selection:
    """Train like :func:`train_tagger` and keep the epoch with the best span F1 on ``valid`` (chapter 2).

    After each epoch the model tags ``valid`` (:func:`predict_tags`) and is scored with
    :func:`companion.metrics.span_f1`; at the end it holds the weights of the best epoch (the
    first of equal ones). Selection draws no random numbers, so the training run is the one
    :func:`train_tagger` makes with the same ``training`` arguments (``lr``, ``seed``,
    ``device``, ``progress``, ``desc``).

    Raises ``ValueError`` if ``valid`` is empty, and for everything :func:`train_tagger` raises.
    """
    if not valid:
        raise ValueError("valid: expected at least one sentence to select the epoch on, got an empty sequence")
    gold = [sentence.tags for sentence in valid]
    best = {"f1": -1.0, "epoch": 0, "state": None}

    def select(epoch: int) -> None:
        f1 = span_f1(gold, predict_tags(model, valid, encoder, tagset))
        if f1 > best["f1"]:
            best.update(f1=f1, epoch=epoch, state=copy.deepcopy(model.state_dict()))

    losses = train_tagger(model, batches, epochs, after_epoch=select, **training)
    model.load_state_dict(best["state"])
    return Selection(best["f1"], best["epoch"], losses)
