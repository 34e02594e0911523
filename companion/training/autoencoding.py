r"""Training a sequence-to-sequence auto-encoder without labels, turning recordings into vectors, and scoring the vectors by their nearest neighbours (chapter 6).

A recording is a ``(T, F)`` array (or tensor) of standardised frames, e.g. the log-mel features
of :func:`~companion.data.speech_features.log_mel` after a
:class:`~companion.data.speech_features.FeatureStandardiser`. :func:`train_autoencoder` fits a
:class:`~companion.models.autoencoders.SequenceAutoencoder` to rebuild them,
:func:`encode_recordings` gives each one's code, and :func:`nearest_neighbour_accuracy` asks
how often a code's nearest neighbour carries the same label (the digit said, or the speaker):
labels are used there only, to judge the codes, never to train them.

Where the neighbours come from: by default (no reference set) each held-out recording's
nearest neighbour is sought among the *other* held-out recordings (leave-one-out), so that the
score uses nothing but the held-out recordings and their labels; a reference set, such as the
training recordings, can be passed instead (chapter 6 reports both).
"""
from __future__ import annotations

import copy
import random
import time
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pad_sequence

from .._checks import require_choice, require_positive_float, require_positive_int
from .._validate import require_finite_loss
from ..device import pick_device, seed_everything
from ..models.autoencoders import reconstruction_loss
from ..progress import progress_bar
from .checks import require_finite_tensors
from .clipping import clip_grad_norm

NEIGHBOUR_METRICS = ("cosine", "euclidean")
"""The distances :func:`nearest_neighbour_accuracy` accepts."""


@dataclass
class AutoencoderRun:
    """What :func:`train_autoencoder` returns (chapter 6).

    ``valid_loss``: the validation reconstruction loss (mean squared error per real frame and
    feature, :func:`~companion.models.autoencoders.reconstruction_loss`) of the kept epoch
    ``best_epoch`` (1-based); ``train_losses`` and ``valid_losses``: those of every epoch run
    (the training loss averaged over the epoch's updates); ``seconds``: the wall-clock time of
    training and validation; ``stopped_early``: whether ``max_seconds`` ended training before
    ``epochs`` (the last epoch then saw only part of the training recordings).
    """

    valid_loss: float
    best_epoch: int
    train_losses: list[float]
    valid_losses: list[float]
    seconds: float
    stopped_early: bool


def _as_frames(name: str, frames, width: int | None) -> torch.Tensor:
    tensor = torch.as_tensor(frames) if isinstance(frames, np.ndarray) else frames
    if not isinstance(tensor, torch.Tensor) or tensor.dim() != 2 or tensor.shape[0] == 0:
        shape = tuple(getattr(frames, "shape", ()))
        raise ValueError(
            f"{name}: expected a (frames, features) array with at least one frame, got "
            f"{type(frames).__name__}" + (f" of shape {shape}" if shape else "")
        )
    if width is not None and tensor.shape[1] != width:
        raise ValueError(
            f"{name}: expected {width} features per frame (the model's num_features), got shape {tuple(tensor.shape)}"
        )
    if not tensor.is_floating_point() or not bool(torch.isfinite(tensor).all()):
        raise ValueError(f"{name}: expected finite floating-point frames, got dtype {tensor.dtype} or NaN/inf")
    return tensor


def _require_recordings(name: str, recordings, model: nn.Module) -> list[torch.Tensor]:
    if isinstance(recordings, (str, bytes, np.ndarray, torch.Tensor)) or not hasattr(recordings, "__len__"):
        raise ValueError(f"{name}: expected a list of (frames, features) arrays, got {type(recordings).__name__}")
    if len(recordings) == 0:
        raise ValueError(f"{name}: expected at least one recording, got an empty list")
    width = getattr(model, "num_features", None)
    return [_as_frames(f"{name}[{k}]", item, width) for k, item in enumerate(recordings)]


def _require_model(model) -> None:
    if not isinstance(model, nn.Module):
        raise ValueError(f"model: expected a torch.nn.Module (a SequenceAutoencoder), got {type(model).__name__}")


def _batch(model: nn.Module, tensors: Sequence[torch.Tensor], device, dtype) -> tuple[torch.Tensor, torch.Tensor]:
    lengths = torch.tensor([t.shape[0] for t in tensors])
    batch = pad_sequence([t.to(device=device, dtype=dtype) for t in tensors])  # (T, B, F)
    if getattr(model, "batch_first", False):
        batch = batch.transpose(0, 1)  # (B, T, F)
    return batch, lengths


def _place(model: nn.Module) -> tuple[torch.device, torch.dtype]:
    parameter = next(model.parameters())
    return parameter.device, parameter.dtype


def _batch_loss(model: nn.Module, tensors, device, dtype) -> tuple[torch.Tensor, int]:
    """The batch's reconstruction loss and its number of real frames."""
    frames, lengths = _batch(model, tensors, device, dtype)
    reconstruction, _ = model(frames, lengths)
    loss = reconstruction_loss(reconstruction, frames, lengths, batch_first=getattr(model, "batch_first", False))
    return loss, int(lengths.sum())


@torch.no_grad()
def _mean_loss(model: nn.Module, tensors: list[torch.Tensor], batch_size: int) -> float:
    """The loss over every real frame of ``tensors``: the frame-weighted mean of batch losses."""
    device, dtype = _place(model)
    model.eval()
    total, frames = 0.0, 0
    for start in range(0, len(tensors), batch_size):
        loss, count = _batch_loss(model, tensors[start:start + batch_size], device, dtype)
        total += float(loss) * count
        frames += count
    return total / frames


def train_autoencoder(
    model: nn.Module,
    train_frames: Sequence,
    valid_frames: Sequence,
    epochs: int,
    lr: float = 3e-3,
    batch_size: int = 32,
    seed: int = 0,
    device: torch.device | str | None = None,
    progress: bool = True,
    clip: float = 1.0,
    max_seconds: float | None = None,
) -> AutoencoderRun:
    r"""Train an auto-encoder to rebuild its recordings, with Adam, keeping the epoch of lowest validation reconstruction loss (chapter 6).

    ``model`` maps ``(frames, lengths)`` to ``(reconstruction, code)`` (a
    :class:`~companion.models.autoencoders.SequenceAutoencoder`); ``train_frames`` and
    ``valid_frames`` are lists of ``(T, F)`` arrays or tensors, no labels. Each epoch reshuffles
    the training recordings (from ``seed``) into batches of ``batch_size``; each batch's loss is
    the masked mean squared error of
    :func:`~companion.models.autoencoders.reconstruction_loss`,

    .. math::  L = \frac{1}{F \sum_b T_b} \sum_b \sum_{t \le T_b} \lVert \hat x_{b,t} - x_{b,t} \rVert^2

    (the reconstruction error of Chung et al. 2016), whose gradient is clipped to global norm
    ``clip`` (:func:`~companion.training.clipping.clip_grad_norm`) before each Adam step of
    learning rate ``lr``. After every epoch the same loss is measured over every frame of the
    validation recordings; at the end the model holds the weights of the epoch of lowest
    validation loss (the first of equal ones) and is in evaluation mode. ``max_seconds`` (if
    given) stops training after the first update that ends past that many seconds, and the
    epoch so cut short is validated like the others. ``seed`` fixes every generator
    (:func:`~companion.device.seed_everything`; the weights were drawn when the model was
    built), ``device`` defaults to :func:`~companion.device.pick_device`, and ``progress`` shows
    a bar over the batches.

    Raises ``ValueError`` before training for a ``model`` that is not a ``torch.nn.Module``,
    ``epochs`` or ``batch_size`` that are not positive integers, ``lr``, ``clip`` or
    ``max_seconds`` that are not positive finite numbers, or recording lists that are empty or
    hold something other than non-empty ``(T, num_features)`` finite floating-point arrays; and
    during training, naming the epoch and batch, as soon as a loss or an updated weight is NaN
    or inf.
    """
    _require_model(model)
    require_positive_int("epochs", epochs)
    require_positive_float("lr", lr)
    require_positive_int("batch_size", batch_size)
    require_positive_float("clip", clip)
    if max_seconds is not None:
        require_positive_float("max_seconds", max_seconds)
    train = _require_recordings("train_frames", train_frames, model)
    valid = _require_recordings("valid_frames", valid_frames, model)
    seed_everything(seed)
    device = pick_device() if device is None else torch.device(device)
    model.to(device)
    dtype = _place(model)[1]
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    order_rng = random.Random(seed)
    train_losses, valid_losses = [], []
    best = {"loss": float("inf"), "epoch": 0, "state": None}
    batches = (len(train) + batch_size - 1) // batch_size
    started = time.perf_counter()
    stopped_early = False
    with progress_bar(epochs * batches, "training (auto-encoder)", unit="batch", disable=not progress) as bar:
        for epoch in range(1, epochs + 1):
            model.train()
            order = list(range(len(train)))
            order_rng.shuffle(order)
            total, frames = 0.0, 0
            for step, start in enumerate(range(0, len(order), batch_size), start=1):
                loss, count = _batch_loss(model, [train[k] for k in order[start:start + batch_size]], device, dtype)
                require_finite_loss(loss, f"at epoch {epoch}, batch {step}")
                optimizer.zero_grad()
                loss.backward()
                clip_grad_norm(model.parameters(), clip)
                optimizer.step()
                require_finite_tensors(model.named_parameters(), f"after the update of epoch {epoch}, batch {step}")
                total += loss.item() * count
                frames += count
                bar.update(1)
                last = epoch == epochs and step == batches
                if max_seconds is not None and not last and time.perf_counter() - started > max_seconds:
                    stopped_early = True
                    break
            train_losses.append(total / frames)
            valid_losses.append(_mean_loss(model, valid, 64))
            bar.set_postfix(epoch=epoch, loss=f"{train_losses[-1]:.3f}", valid=f"{valid_losses[-1]:.3f}", refresh=False)
            if valid_losses[-1] < best["loss"]:
                best.update(loss=valid_losses[-1], epoch=epoch, state=copy.deepcopy(model.state_dict()))
            if stopped_early:
                break
    model.load_state_dict(best["state"])
    model.eval()
    return AutoencoderRun(
        best["loss"], best["epoch"], train_losses, valid_losses, time.perf_counter() - started, stopped_early
    )


@torch.no_grad()
def encode_recordings(model: nn.Module, frames: Sequence, batch_size: int = 64) -> np.ndarray:
    """The code of every recording, an ``(N, D)`` float64 NumPy array in the order given (chapter 6).

    ``frames``: a list of ``N`` ``(T, F)`` arrays or tensors; ``model``: a
    :class:`~companion.models.autoencoders.SequenceAutoencoder` (anything with
    ``encode(frames, lengths)``), run ``batch_size`` recordings at a time, shortest first so
    that a batch pads little, on its parameters' device, and left in evaluation mode. A code
    does not depend on the batch its recording shares (the encoder reads each recording up to
    its own length).

    Raises ``ValueError`` for a ``model`` without ``encode``, recordings that are not non-empty
    ``(T, num_features)`` finite floating-point arrays, or a ``batch_size`` that is not a
    positive integer.
    """
    _require_model(model)
    if not callable(getattr(model, "encode", None)):
        raise ValueError(f"model: expected a model with encode(frames, lengths), got {type(model).__name__}")
    require_positive_int("batch_size", batch_size)
    tensors = _require_recordings("frames", frames, model)
    device, dtype = _place(model)
    model.eval()
    order = sorted(range(len(tensors)), key=lambda k: tensors[k].shape[0])
    codes: list[np.ndarray | None] = [None] * len(tensors)
    for start in range(0, len(order), batch_size):
        chosen = order[start:start + batch_size]
        batch, lengths = _batch(model, [tensors[k] for k in chosen], device, dtype)
        for k, code in zip(chosen, model.encode(batch, lengths).double().cpu().numpy()):
            codes[k] = code
    return np.stack(codes)


def _require_vectors(name: str, vectors, width: int | None = None) -> np.ndarray:
    array = vectors.detach().cpu().numpy() if isinstance(vectors, torch.Tensor) else vectors
    if not isinstance(array, np.ndarray) or array.ndim != 2 or array.shape[0] == 0 or array.shape[1] == 0:
        shape = getattr(array, "shape", None)
        raise ValueError(
            f"{name}: expected a 2-D array (N, D) with N, D >= 1, got {type(vectors).__name__}"
            + (f" of shape {tuple(shape)}" if shape is not None else "")
        )
    if not (np.issubdtype(array.dtype, np.floating) or np.issubdtype(array.dtype, np.integer)):
        raise ValueError(f"{name}: expected real numbers, got dtype {array.dtype}")
    if not np.isfinite(array).all():
        raise ValueError(f"{name}: expected finite values, got NaN or inf")
    if width is not None and array.shape[1] != width:
        raise ValueError(f"{name}: expected {width} entries per vector (as vectors has), got shape {array.shape}")
    return array.astype(np.float64)


def _require_labels(name: str, labels, count: int, of: str) -> np.ndarray:
    if isinstance(labels, (str, bytes)) or not hasattr(labels, "__len__"):
        raise ValueError(f"{name}: expected one label per row of {of}, got {type(labels).__name__}")
    array = np.asarray(labels)
    if array.ndim != 1 or array.shape[0] != count:
        raise ValueError(f"{name}: expected {count} labels (one per row of {of}), got shape {array.shape}")
    return array


def nearest_neighbour_accuracy(
    vectors, labels, reference_vectors=None, reference_labels=None, metric: str = "cosine"
) -> float:
    r"""The fraction of vectors whose nearest neighbour carries the same label (chapter 6).

    With reference vectors :math:`r_j` labelled :math:`m_j`, vector :math:`v_i` labelled
    :math:`y_i` is predicted :math:`m_{j^*}`, :math:`j^* = \arg\min_j d(v_i, r_j)`, and

    .. math::  \text{accuracy} = \frac1N \sum_{i=1}^{N} [\, m_{j^*(i)} = y_i \,]

    with :math:`d` the cosine distance :math:`1 - \frac{v \cdot r}{\lVert v \rVert \lVert r
    \rVert}` (``metric="cosine"``, blind to a vector's length) or the Euclidean distance. With no
    reference set (both ``None``), the neighbours of each vector are the *other* vectors
    (leave-one-out): :math:`j^* = \arg\min_{j \ne i} d(v_i, v_j)`. The search is
    scikit-learn's ``KNeighborsClassifier(n_neighbors=1)`` (brute force; of equally near
    neighbours it takes the first). ``vectors``: ``(N, D)`` (NumPy or torch), ``labels``: ``N``
    labels of any comparable kind (digits, speaker names). This is how chapter 6 scores the
    codes of :func:`encode_recordings`, as Chung et al. (2016) score theirs by retrieval.

    Raises ``ValueError`` for vectors that are not a non-empty 2-D array of finite real
    numbers, labels that are not one per vector, only one of ``reference_vectors`` and
    ``reference_labels``, reference vectors of another width, fewer than two vectors without a
    reference set, or a ``metric`` other than ``"cosine"`` and ``"euclidean"``; for
    ``metric="cosine"``, a zero vector (it has no direction).
    """
    from sklearn.neighbors import KNeighborsClassifier

    require_choice("metric", metric, NEIGHBOUR_METRICS)
    vectors = _require_vectors("vectors", vectors)
    labels = _require_labels("labels", labels, vectors.shape[0], "vectors")
    if (reference_vectors is None) != (reference_labels is None):
        given = "reference_vectors" if reference_labels is None else "reference_labels"
        raise ValueError(
            f"{given}: expected reference_vectors and reference_labels together (or neither, for "
            f"leave-one-out), got {given} alone"
        )
    checked = [("vectors", vectors)]
    if reference_vectors is not None:
        reference = _require_vectors("reference_vectors", reference_vectors, vectors.shape[1])
        reference_labels = _require_labels("reference_labels", reference_labels, reference.shape[0], "reference_vectors")
        checked.append(("reference_vectors", reference))
    elif vectors.shape[0] < 2:
        raise ValueError(
            f"vectors: expected at least 2 vectors for leave-one-out (each needs another), got {vectors.shape[0]}"
        )
    if metric == "cosine":
        for name, array in checked:
            zero = np.flatnonzero(~np.any(array != 0, axis=1))
            if zero.size:
                raise ValueError(f"{name}: expected no zero vector with metric='cosine', got one at row {int(zero[0])}")
    classifier = KNeighborsClassifier(n_neighbors=1, metric=metric, algorithm="brute")
    if reference_vectors is None:
        classifier.fit(vectors, labels)
        # kneighbors without X leaves each fitted point out of its own neighbours.
        nearest = classifier.kneighbors(n_neighbors=1, return_distance=False)[:, 0]
        predicted = labels[nearest]
    else:
        classifier.fit(reference, reference_labels)
        predicted = classifier.predict(vectors)
    return float(np.mean(predicted == labels))
