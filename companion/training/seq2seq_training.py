"""Training an encoder–decoder with teacher forcing (chapter 6): padded batches of id sequences, the per-token loss, and a seeded trainer kept at its best validation loss."""
from __future__ import annotations

import copy
import random
import time
from typing import NamedTuple, Sequence

import torch
import torch.nn.functional as F

from .._checks import is_integer, require_non_negative_int, require_positive_float, require_positive_int
from .._validate import describe_shape, require_finite_loss, require_tensor
from ..device import pick_device, seed_everything
from ..progress import progress_bar
from ..seq2seq import Seq2Seq
from .checks import require_finite_tensors
from .clipping import clip_grad_norm


def _require_id_sequences(name: str, sequences, vocab_size: int | None = None) -> list[list[int]]:
    if isinstance(sequences, (str, bytes, torch.Tensor)) or not isinstance(sequences, Sequence) or not sequences:
        raise ValueError(f"{name}: expected a non-empty list of id sequences (lists of ints), got {sequences!r:.60}")
    checked = []
    for i, ids in enumerate(sequences):
        if isinstance(ids, torch.Tensor):
            ids = ids.tolist() if ids.dim() == 1 and not ids.is_floating_point() else ids
        if isinstance(ids, (str, bytes)) or not isinstance(ids, Sequence) or not all(is_integer(t) for t in ids):
            raise ValueError(f"{name}[{i}]: expected a sequence of integer token ids, got {ids!r:.60}")
        bad = [t for t in ids if t < 0 or (vocab_size is not None and t >= vocab_size)]
        if bad:
            limit = "non-negative ids" if vocab_size is None else f"ids in 0..{vocab_size - 1}"
            raise ValueError(f"{name}[{i}]: expected {limit}, got {bad[:5]}")
        checked.append([int(t) for t in ids])
    return checked


def _pad_columns(sequences: list[list[int]], padding_id: int) -> torch.Tensor:
    ids = torch.full((max(len(s) for s in sequences), len(sequences)), padding_id, dtype=torch.long)
    for b, sequence in enumerate(sequences):
        ids[: len(sequence), b] = torch.tensor(sequence, dtype=torch.long)
    return ids


def source_batch(sequences: Sequence[Sequence[int]], padding_id: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Source id sequences padded into ``(ids (S, B), lengths (B,))`` for :meth:`Seq2Seq.encode` (chapter 6).

    Raises ``ValueError`` for an empty list, a sequence that is empty or not of non-negative
    integer ids, or a negative ``padding_id``.
    """
    require_non_negative_int("padding_id", padding_id)
    checked = _require_id_sequences("sequences", sequences)
    empty = [i for i, s in enumerate(checked) if not s]
    if empty:
        raise ValueError(f"sequences[{empty[0]}]: expected at least one token, got an empty sequence")
    return _pad_columns(checked, padding_id), torch.tensor([len(s) for s in checked], dtype=torch.long)


def teacher_forcing_batch(
    sequences: Sequence[Sequence[int]], bos_id: int, eos_id: int, padding_id: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Target id sequences as the decoder's inputs and targets under teacher forcing (chapter 6).

    .. math::  \text{inputs} = (\mathrm{BOS}, y_1, \dots, y_T), \qquad
               \text{targets} = (y_1, \dots, y_T, \mathrm{EOS})

    both ``(T + 1, B)`` for the longest target, padded with ``padding_id``, which
    :func:`sequence_loss` skips. An empty target is allowed: the decoder must then say EOS at
    once. Raises ``ValueError`` for an empty list, sequences that are not of non-negative integer
    ids or that hold ``bos_id``, ``eos_id`` or ``padding_id``, or special ids that are not
    distinct non-negative integers.
    """
    for name, value in (("bos_id", bos_id), ("eos_id", eos_id), ("padding_id", padding_id)):
        require_non_negative_int(name, value)
    if len({bos_id, eos_id, padding_id}) != 3:
        raise ValueError(f"bos_id, eos_id, padding_id: expected three different ids, got {bos_id}, {eos_id}, {padding_id}")
    checked = _require_id_sequences("sequences", sequences)
    for i, s in enumerate(checked):
        special = sorted({bos_id, eos_id, padding_id} & set(s))
        if special:
            raise ValueError(f"sequences[{i}]: expected no BOS, EOS or padding id inside a target, got {special}")
    inputs = _pad_columns([[bos_id] + s for s in checked], padding_id)
    targets = _pad_columns([s + [eos_id] for s in checked], padding_id)
    return inputs, targets


def sequence_loss(logits: torch.Tensor, targets: torch.Tensor, padding_id: int = 0) -> torch.Tensor:
    r"""The mean cross-entropy per real target token, in nats (chapter 6).

    .. math::  L = -\frac{1}{N} \sum_{i, b:\ y_{ib} \ne \mathrm{pad}} \log p(y_{ib} \mid y_{<i, b}, x_b)

    ``logits`` ``(T, B, V)`` and ``targets`` ``(T, B)`` in the same layout (both batch-first
    is fine too); :math:`N` counts the targets that are not ``padding_id``. Raises
    ``ValueError`` if the shapes do not match, ``targets`` are not integer ids below ``V`` or
    every target is padding.
    """
    require_tensor("logits", logits)
    require_tensor("targets", targets)
    if logits.dim() != 3 or targets.shape != logits.shape[:2]:
        raise ValueError(
            f"targets: expected the shape of logits without its last dimension, "
            f"{tuple(logits.shape[:2]) if logits.dim() == 3 else '(a 3-D logits tensor)'}, "
            f"got targets {describe_shape(targets)} and logits {describe_shape(logits)}"
        )
    if targets.is_floating_point() or targets.dtype == torch.bool:
        raise ValueError(f"targets: expected integer ids, got dtype {targets.dtype}")
    real = targets != padding_id
    if not bool(real.any()):
        raise ValueError("targets: expected at least one target that is not padding, got none")
    if int(targets.min()) < 0 or int(targets.max()) >= logits.shape[-1]:
        raise ValueError(f"targets: expected ids in 0..{logits.shape[-1] - 1}, got min {int(targets.min())}, max {int(targets.max())}")
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=padding_id)


class Seq2SeqTraining(NamedTuple):
    """What :func:`train_seq2seq` returns (chapter 6).

    ``valid_loss``: the validation loss of the kept epoch ``best_epoch`` (1-based), in nats per
    target token; ``losses`` and ``valid_losses``: every epoch's mean training and validation
    loss; ``seconds``: the wall-clock time of the whole training.
    """

    valid_loss: float
    best_epoch: int
    losses: list[float]
    valid_losses: list[float]
    seconds: float


def _require_pairs(name: str, pairs, model: Seq2Seq) -> tuple[list[list[int]], list[list[int]]]:
    if isinstance(pairs, (str, bytes)) or not isinstance(pairs, Sequence) or not pairs:
        raise ValueError(f"{name}: expected a non-empty list of (source ids, target ids) pairs, got {pairs!r:.60}")
    for i, pair in enumerate(pairs):
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise ValueError(f"{name}[{i}]: expected a pair (source ids, target ids), got {pair!r:.60}")
    sources = _require_id_sequences(f"{name} sources", [p[0] for p in pairs], model.source_vocab_size)
    targets = _require_id_sequences(f"{name} targets", [p[1] for p in pairs], model.target_vocab_size)
    empty = [i for i, s in enumerate(sources) if not s]
    if empty:
        raise ValueError(f"{name}[{empty[0]}]: expected a source of at least one token, got an empty one")
    return sources, targets


def _batches(sources, targets, batch_size: int, bos_id: int, eos_id: int, padding_id: int, seed: int | None):
    """Batches of pairs with sources of similar length (shuffled from ``seed`` first, then sorted)."""
    order = list(range(len(sources)))
    if seed is not None:
        random.Random(seed).shuffle(order)
    order.sort(key=lambda i: len(sources[i]))
    batches = []
    for start in range(0, len(order), batch_size):
        chosen = order[start : start + batch_size]
        source, lengths = source_batch([sources[i] for i in chosen], padding_id)
        inputs, outputs = teacher_forcing_batch([targets[i] for i in chosen], bos_id, eos_id, padding_id)
        batches.append((source, lengths, inputs, outputs))
    return batches


@torch.no_grad()
def _mean_loss(model: Seq2Seq, batches, device) -> float:
    model.eval()
    total = count = 0.0
    for source, lengths, inputs, outputs in batches:
        logits, _ = model(source.to(device), lengths, inputs.to(device))
        real = int((outputs != model.padding_id).sum())
        total += float(sequence_loss(logits, outputs.to(device), model.padding_id)) * real
        count += real
    return total / count


def seq2seq_loss(model: Seq2Seq, pairs, bos_id: int, eos_id: int, batch_size: int = 64, device=None) -> float:
    """The mean cross-entropy per target token (EOS included) of ``model`` on ``pairs``, in nats (chapter 6).

    ``pairs`` are ``(source ids, target ids)``. Raises ``ValueError`` for a model that is not a
    :class:`~companion.seq2seq.Seq2Seq`, bad pairs or ids (as :func:`train_seq2seq`).
    """
    if not isinstance(model, Seq2Seq):
        raise ValueError(f"model: expected a Seq2Seq, got {type(model).__name__}")
    sources, targets = _require_pairs("pairs", pairs, model)
    require_positive_int("batch_size", batch_size)
    device = model.readout.weight.device if device is None else torch.device(device)
    batches = _batches(sources, targets, batch_size, bos_id, eos_id, model.padding_id, None)
    return _mean_loss(model, batches, device)


def train_seq2seq(
    model: Seq2Seq,
    train: Sequence[tuple[Sequence[int], Sequence[int]]],
    valid: Sequence[tuple[Sequence[int], Sequence[int]]],
    bos_id: int,
    eos_id: int,
    epochs: int,
    lr: float = 0.002,
    batch_size: int = 64,
    clip: float | None = 1.0,
    seed: int = 0,
    device: torch.device | str | None = None,
    progress: bool = True,
    desc: str = "training",
) -> Seq2SeqTraining:
    r"""Train a :class:`~companion.seq2seq.Seq2Seq` with teacher forcing and Adam, keeping the epoch with the lowest validation loss (chapter 6).

    .. math::  L = -\frac{1}{N} \sum_{b} \sum_{i=1}^{T_b + 1} \log p(y_{bi} \mid y_{b,<i}, x_b)

    over the :math:`N` real target tokens of a batch, EOS included (:func:`sequence_loss`).
    ``train`` and ``valid`` are lists of ``(source ids, target ids)``; targets hold neither
    ``bos_id`` nor ``eos_id``, which :func:`teacher_forcing_batch` adds. Batches hold sources of
    similar length, so little of each is padding; their order is reshuffled every epoch from
    ``seed``, which also seeds torch, so a run repeats exactly on one machine. ``clip`` rescales
    each gradient to a global norm of at most ``clip`` (``None``: no clipping; chapter 5). After
    every epoch the validation loss is measured; at the end the model holds the weights of the
    best epoch. ``device`` defaults to :func:`~companion.device.pick_device`.

    Raises ``ValueError`` before training for a model that is not a ``Seq2Seq``, pairs that are
    not lists of id sequences within the vocabularies (a source may not be empty), special ids
    that are not distinct, ``epochs`` or ``batch_size`` not positive integers, ``lr`` or ``clip``
    not positive numbers or a negative ``seed``; during training, naming the epoch and batch,
    at the first loss or parameter that is NaN or inf.
    """
    if not isinstance(model, Seq2Seq):
        raise ValueError(f"model: expected a Seq2Seq, got {type(model).__name__}")
    train_sources, train_targets = _require_pairs("train", train, model)
    valid_sources, valid_targets = _require_pairs("valid", valid, model)
    require_positive_int("epochs", epochs)
    require_positive_float("lr", lr)
    require_positive_int("batch_size", batch_size)
    require_non_negative_int("seed", seed)
    if clip is not None:
        require_positive_float("clip", clip)
    pad = model.padding_id
    train_batches = _batches(train_sources, train_targets, batch_size, bos_id, eos_id, pad, seed)
    valid_batches = _batches(valid_sources, valid_targets, batch_size, bos_id, eos_id, pad, None)
    device = pick_device() if device is None else torch.device(device)
    seed_everything(seed)
    model.to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    order_rng = random.Random(seed)
    losses, valid_losses = [], []
    best = {"loss": float("inf"), "epoch": 0, "state": None}
    started = time.perf_counter()
    with progress_bar(epochs * len(train_batches), desc, unit="batch", disable=not progress) as bar:
        for epoch in range(1, epochs + 1):
            model.train()
            order = list(range(len(train_batches)))
            order_rng.shuffle(order)
            total = count = 0.0
            for step, index in enumerate(order, start=1):
                source, lengths, inputs, outputs = train_batches[index]
                logits, _ = model(source.to(device), lengths, inputs.to(device))
                loss = sequence_loss(logits, outputs.to(device), pad)
                require_finite_loss(loss, f"at epoch {epoch}, batch {step}")
                optimizer.zero_grad()
                loss.backward()
                if clip is not None:
                    clip_grad_norm(model.parameters(), clip)
                optimizer.step()
                require_finite_tensors(model.named_parameters(), f"after the update of epoch {epoch}, batch {step}")
                real = int((outputs != pad).sum())
                total += loss.item() * real
                count += real
                bar.update(1)
            losses.append(total / count)
            valid_losses.append(_mean_loss(model, valid_batches, device))
            if valid_losses[-1] < best["loss"]:
                best.update(loss=valid_losses[-1], epoch=epoch, state=copy.deepcopy(model.state_dict()))
            bar.set_postfix(epoch=epoch, loss=f"{losses[-1]:.3f}", valid=f"{valid_losses[-1]:.3f}", refresh=False)
    model.load_state_dict(best["state"])
    model.eval()
    return Seq2SeqTraining(best["loss"], best["epoch"], losses, valid_losses, time.perf_counter() - started)
