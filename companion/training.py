"""Training and prediction: taggers (seeded, device-aware, with a progress bar) and the
character model of chapter 4, trained exactly like its NumPy twin in :mod:`companion.bptt`."""
from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from ._validate import describe_shape, require_finite_loss, require_positive_int, require_tensor
from .data.tagging import PAD_TAG_ID, Batch, TagSet, TaggedSentence, make_batch
from .device import pick_device, seed_everything
from .encoding import WordEncoder
from .models import CharRNN
from .progress import progress_bar


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


def sequence_loss(scores: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    r"""Cross-entropy summed over time and averaged over the batch, equation (4.3) of chapter 4.

    .. math::  L = \frac{1}{B} \sum_{b=1}^{B} \sum_{t=1}^{T} -\log \mathrm{softmax}(o_{t,b})_{\,y_{t,b}}

    ``scores`` is ``(T, B, C)``, ``targets`` ``(T, B)`` integer ids; the same normalisation as
    :func:`companion.bptt.forward`.
    """
    require_tensor("scores", scores)
    require_tensor("targets", targets)
    if scores.dim() != 3 or tuple(targets.shape) != tuple(scores.shape[:2]):
        raise ValueError(
            f"targets: expected shape (T, B) matching scores (T, B, C) = {describe_shape(scores)}, "
            f"got {describe_shape(targets)}"
        )
    if targets.is_floating_point() or targets.dtype == torch.bool:
        raise ValueError(f"targets: expected integer class ids, got dtype {targets.dtype}")
    total = F.cross_entropy(scores.reshape(-1, scores.shape[-1]), targets.reshape(-1).long(), reduction="sum")
    return total / scores.shape[1]


@dataclass(eq=False)
class CharModelTraining:
    """The result of :func:`train_char_model`, like :class:`companion.bptt.CharRNNTraining`.

    ``losses[s]``: the loss (4.3) of step ``s`` divided by the chunk length (nats per character);
    ``gradient_norms[s]``: the global norm of step ``s``'s gradients before clipping; ``state``:
    the recurrent state after the last chunk. The model itself is trained in place.
    """

    losses: list[float]
    gradient_norms: list[float]
    state: object


def _detach_state(state):
    return tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()


def train_char_model(
    model: nn.Module,
    ids,
    *,
    sequence_length: int = 25,
    steps: int = 1000,
    learning_rate: float = 0.1,
    optimizer: str = "adagrad",
    clip_norm: float | None = None,
    batch_size: int = 1,
    progress: bool = False,
) -> CharModelTraining:
    r"""Train a :class:`~companion.models.CharRNN` exactly as :func:`companion.bptt.train_char_rnn` does (chapter 4).

    The same reading of the text (``batch_size`` contiguous streams, chunks of
    ``sequence_length`` characters, the state carried from chunk to chunk and reset to zero when
    the streams start again), the same loss (4.3), the same global-norm clipping (4.16) and the
    same updates, written out rather than taken from ``torch.optim``:

    * ``"sgd"``: :math:`\theta \leftarrow \theta - \eta g`;
    * ``"adagrad"``: :math:`m \leftarrow m + g^2,\ \theta \leftarrow \theta - \eta g / \sqrt{m + 10^{-8}}`
      (4.15). (``torch.optim.Adagrad`` adds its ε outside the square root, which is not the
      same number.)

    Only the parameters with ``requires_grad`` are trained (for an Elman model: U, W, b, V, c).
    From the same initial weights, in float64, the losses agree with the NumPy trainer's to
    rounding error. ``ids``: a 1-D integer array or tensor of character ids.
    """
    if not isinstance(model, CharRNN):
        raise ValueError(f"model: expected a CharRNN, got {type(model).__name__}")
    ids = torch.as_tensor(ids) if not isinstance(ids, torch.Tensor) else ids
    if ids.dim() != 1 or ids.is_floating_point() or ids.dtype == torch.bool or ids.is_complex():
        raise ValueError(f"ids: expected a 1-D integer array of character ids, got shape {describe_shape(ids)} and dtype {ids.dtype}")
    limit = min(model.input_size, model.output_size)
    if ids.numel() and (int(ids.min()) < 0 or int(ids.max()) >= limit):
        raise ValueError(
            f"ids: expected ids in 0..{limit - 1} (below input_size and output_size), "
            f"got min {int(ids.min())}, max {int(ids.max())}"
        )
    require_positive_int("sequence_length", sequence_length)
    require_positive_int("steps", steps)
    require_positive_int("batch_size", batch_size)
    if isinstance(learning_rate, bool) or not isinstance(learning_rate, (int, float)) or not (
        math.isfinite(learning_rate) and learning_rate > 0
    ):
        raise ValueError(f"learning_rate: expected a positive finite number, got {learning_rate!r}")
    if optimizer not in ("sgd", "adagrad"):
        raise ValueError(f"optimizer: expected one of 'sgd', 'adagrad', got {optimizer!r}")
    if clip_norm is not None and (
        isinstance(clip_norm, bool) or not isinstance(clip_norm, (int, float)) or not (math.isfinite(clip_norm) and clip_norm > 0)
    ):
        raise ValueError(f"clip_norm: expected None or a positive finite number, got {clip_norm!r}")
    stream_length = ids.numel() // batch_size
    if stream_length < sequence_length + 1:
        raise ValueError(
            f"ids: expected at least batch_size * (sequence_length + 1) = "
            f"{batch_size * (sequence_length + 1)} characters, got {ids.numel()}"
        )
    device = model.readout.weight.device
    dtype = model.readout.weight.dtype
    streams = ids[: stream_length * batch_size].reshape(batch_size, stream_length).T.to(device)
    trained = [p for p in model.bptt_parameters().values() if p.requires_grad]
    memory = [torch.zeros_like(p) for p in trained]

    def zero_state():
        h = torch.zeros(batch_size, model.hidden_size, dtype=dtype, device=device)
        return (h, h.clone()) if model.cell == "lstm" else h

    state = zero_state()
    losses: list[float] = []
    norms: list[float] = []
    position = 0
    model.train()
    with progress_bar(steps, "training", disable=not progress) as bar:
        for step in range(steps):
            if position + sequence_length + 1 > stream_length:
                position = 0
                state = zero_state()
            chunk = streams[position : position + sequence_length + 1]
            scores, final = model(chunk[:-1], state)
            loss = sequence_loss(scores, chunk[1:])
            require_finite_loss(loss, f"at step {step + 1}")
            grads = torch.autograd.grad(loss, trained)
            norm = torch.sqrt(sum((g * g).sum() for g in grads))
            if clip_norm is not None and float(norm) > 0:
                scale = min(1.0, clip_norm / float(norm))
                grads = [g * scale for g in grads]
            with torch.no_grad():
                for p, g, m in zip(trained, grads, memory):
                    if optimizer == "sgd":
                        p -= learning_rate * g
                    else:
                        m += g**2
                        p -= learning_rate * g / torch.sqrt(m + 1e-8)
            state = _detach_state(final)
            position += sequence_length
            losses.append(float(loss.detach()) / sequence_length)
            norms.append(float(norm))
            bar.update(1)
            bar.set_postfix(loss=f"{losses[-1]:.3f}", refresh=False)
    model.eval()
    return CharModelTraining(losses, norms, state)
