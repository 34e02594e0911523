"""Training and prediction for taggers: seeded, device-aware, with a progress bar."""
from __future__ import annotations

import random
from typing import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from ._validate import describe_shape, require_finite_loss, require_positive_int
from .data.tagging import PAD_TAG_ID, Batch, TagSet, TaggedSentence, make_batch
from .device import pick_device, seed_everything
from .encoding import WordEncoder


def tagging_loss(scores: torch.Tensor, tags: torch.Tensor) -> torch.Tensor:
    r"""Mean cross-entropy over the real words of a padded batch (chapter 1).

    .. math::  L = -\frac{1}{N} \sum_{(t,b)\ \text{real}} \log \mathrm{softmax}(y_{t,b})_{\,\mathrm{tag}_{t,b}}

    ``scores`` is ``(T, B, C)``, ``tags`` ``(T, B)`` with ``PAD_TAG_ID`` at padded positions.
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
    """Train ``model`` with Adam on ``batches`` for ``epochs``; returns the mean loss of each epoch.

    The batch order is reshuffled each epoch from ``seed``; ``device`` defaults to
    :func:`~companion.device.pick_device`. ``after_epoch(epoch)`` (1-based), if given, runs after
    each epoch with the model in evaluation mode — for model selection on a validation set.
    A non-finite loss stops training with a ``ValueError`` that says where it happened.
    """
    require_positive_int("epochs", epochs)
    if not batches:
        raise ValueError("batches: expected at least one batch, got an empty sequence")
    if not lr > 0:
        raise ValueError(f"lr: expected a positive learning rate, got {lr!r}")
    seed_everything(seed)
    device = pick_device() if device is None else torch.device(device)
    model.to(device)
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    order_rng = random.Random(seed)
    history = []
    with tqdm(total=epochs * len(batches), desc=desc, unit="batch", disable=not progress) as bar:
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
                real = int(batch.lengths.sum())
                total += loss.item() * real
                words += real
                bar.update(1)
            history.append(total / words)
            bar.set_postfix(epoch=epoch + 1, loss=f"{history[-1]:.4f}")
            if after_epoch is not None:
                model.eval()
                after_epoch(epoch + 1)
                model.train()
    model.eval()
    return history


@torch.no_grad()
def tag_probabilities(
    model: nn.Module, words: Sequence[str], encoder: WordEncoder, device: torch.device | str | None = None
) -> torch.Tensor:
    """``P(tag | sentence)`` at every word, as a ``(T, C)`` tensor on the CPU."""
    device = next(model.parameters()).device if device is None else torch.device(device)
    inputs = encoder.encode_sentence(words, dtype=next(model.parameters()).dtype).unsqueeze(1)
    model.eval()
    return torch.softmax(model(inputs.to(device)), dim=-1)[:, 0].cpu()


@torch.no_grad()
def predict_tags(
    model: nn.Module,
    sentences: Sequence[TaggedSentence],
    encoder: WordEncoder,
    tagset: TagSet,
    batch_size: int = 256,
) -> list[list[str]]:
    """The most probable tag of every word of every sentence."""
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
