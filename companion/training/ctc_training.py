"""Training a CTC recogniser of spoken digit strings, selecting the epoch on validation, and recognising with greedy or beam decoding (chapter 6).

An example is a pair ``(features, digits)``: the standardised log-mel frames ``(T, F)`` of one
utterance (a NumPy array or a tensor) and the digits said, a tuple of integers 0–9. Digits
become CTC classes through :func:`~companion.models.speech.digits_to_labels` (digit ``d`` is
class ``d + 1``, the blank 0) and come back through
:func:`~companion.models.speech.labels_to_digits`.
"""
from __future__ import annotations

import copy
import random
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pad_sequence

from .._checks import require_choice, require_positive_float, require_positive_int
from .._validate import require_finite_loss
from ..decoding import ctc_greedy_decode, ctc_prefix_beam_search
from ..device import pick_device, seed_everything
from ..metrics import label_error_rate
from ..models.speech import BLANK, digits_to_labels, labels_to_digits
from ..progress import progress_bar
from .checks import require_finite_tensors
from .clipping import clip_grad_norm

DECODERS = ("greedy", "beam")


@dataclass
class CTCRun:
    """What :func:`train_ctc` returns (chapter 6).

    ``valid_error_rate``: the digit error rate (a fraction, greedy decoding) on the validation
    examples of the kept epoch ``best_epoch`` (1-based); ``losses``: the mean CTC loss of every
    epoch (nats per label, ``torch.nn.CTCLoss``'s ``"mean"``); ``valid_error_rates``: the
    validation digit error rate after every epoch.
    """

    valid_error_rate: float
    best_epoch: int
    losses: list[float]
    valid_error_rates: list[float]


def _num_features(model: nn.Module) -> int | None:
    return getattr(model, "num_features", None)


def _output_lengths(model: nn.Module, lengths: torch.Tensor) -> torch.Tensor:
    return model.output_lengths(lengths) if hasattr(model, "output_lengths") else lengths


def _as_features(name: str, features, width: int | None) -> torch.Tensor:
    tensor = torch.as_tensor(features) if isinstance(features, np.ndarray) else features
    if not isinstance(tensor, torch.Tensor) or tensor.dim() != 2 or tensor.shape[0] == 0:
        shape = tuple(getattr(features, "shape", ()))
        raise ValueError(f"{name}: expected a (frames, features) array with at least one frame, got "
                         f"{type(features).__name__}" + (f" of shape {shape}" if shape else ""))
    if width is not None and tensor.shape[1] != width:
        raise ValueError(f"{name}: expected {width} features per frame (the model's num_features), got shape "
                         f"{tuple(tensor.shape)}")
    if not tensor.is_floating_point() or not bool(torch.isfinite(tensor).all()):
        raise ValueError(f"{name}: expected finite floating-point features, got dtype {tensor.dtype} or NaN/inf")
    return tensor


def _require_examples(name: str, examples, model: nn.Module) -> list[tuple[torch.Tensor, list[int]]]:
    """The examples as (features tensor, CTC labels), checked, and checked to be alignable."""
    if isinstance(examples, (str, bytes)) or not hasattr(examples, "__len__") or len(examples) == 0:
        raise ValueError(f"{name}: expected a non-empty list of (features, digits) pairs, got {type(examples).__name__}")
    checked = []
    for position, example in enumerate(examples):
        if not isinstance(example, (tuple, list)) or len(example) != 2:
            raise ValueError(f"{name}[{position}]: expected a (features, digits) pair, got {type(example).__name__}")
        features = _as_features(f"{name}[{position}] features", example[0], _num_features(model))
        labels = digits_to_labels(example[1])
        if not labels:
            raise ValueError(f"{name}[{position}]: expected at least one digit, got none")
        frames = int(_output_lengths(model, torch.tensor([features.shape[0]]))[0])
        # One frame per label, and a blank between two equal neighbours.
        needed = len(labels) + sum(a == b for a, b in zip(labels, labels[1:]))
        if frames < needed:
            raise ValueError(
                f"{name}[{position}]: expected at least {needed} output frames for the "
                f"digits {tuple(example[1])} (one per digit and a blank between repeats), got {frames}; no CTC "
                f"alignment fits"
            )
        checked.append((features, labels))
    return checked


def _padded(features: Sequence[torch.Tensor], device, dtype) -> tuple[torch.Tensor, torch.Tensor]:
    lengths = torch.tensor([f.shape[0] for f in features])
    batch = pad_sequence([f.to(device=device, dtype=dtype) for f in features])  # (T, B, F)
    return batch, lengths


def _model_place(model: nn.Module) -> tuple[torch.device, torch.dtype]:
    parameter = next(model.parameters())
    return parameter.device, parameter.dtype


@torch.no_grad()
def ctc_log_probs(model: nn.Module, features: Sequence, batch_size: int = 64) -> list[np.ndarray]:
    """The per-frame log-probabilities ``(T', C)`` of each utterance, float64 NumPy arrays, in evaluation mode (chapter 6).

    ``features``: a list of ``(T, F)`` arrays or tensors. The model runs ``batch_size``
    utterances at a time on its parameters' device and is left in evaluation mode. Raises
    ``ValueError`` for features that are not non-empty ``(frames, num_features)`` finite
    floating-point arrays, or a ``batch_size`` that is not a positive integer.
    """
    require_positive_int("batch_size", batch_size)
    if isinstance(features, (np.ndarray, torch.Tensor)) or not hasattr(features, "__len__"):
        raise ValueError(f"features: expected a list of (frames, features) arrays, got {type(features).__name__}")
    tensors = [_as_features(f"features[{k}]", f, _num_features(model)) for k, f in enumerate(features)]
    device, dtype = _model_place(model)
    model.eval()
    outputs = []
    for start in range(0, len(tensors), batch_size):
        batch, lengths = _padded(tensors[start:start + batch_size], device, dtype)
        log_probs = model(batch, lengths).double().cpu()  # (T', B, C)
        for b, length in enumerate(_output_lengths(model, lengths).tolist()):
            outputs.append(np.ascontiguousarray(log_probs[:length, b].numpy()))
    return outputs


def _greedy(log_probs: np.ndarray) -> tuple[int, ...]:
    return labels_to_digits(ctc_greedy_decode(log_probs, blank=BLANK))


def recognise(
    model: nn.Module, features: Sequence, decoder: str = "greedy", beam_width: int = 8, batch_size: int = 64
) -> list[tuple[int, ...]]:
    r"""The digits the model hears in each utterance, by greedy (best-path) or prefix beam-search decoding (chapter 6).

    ``decoder="greedy"``: the most probable class at every frame, collapsed by
    merging repeats and dropping blanks,
    :math:`\hat{\mathbf{l}} = B(\arg\max_k y^1_k, \dots, \arg\max_k y^{T}_k)`, Graves et
    al.'s (2006) best-path decoding (:func:`~companion.decoding.ctc_greedy_decode`);
    ``"beam"``: the most probable label sequence found by prefix beam search with
    ``beam_width`` prefixes (:func:`~companion.decoding.ctc_prefix_beam_search`). ``features``
    as for :func:`ctc_log_probs`. Raises ``ValueError`` for another ``decoder``, a
    ``beam_width`` that is not a positive integer, and as :func:`ctc_log_probs`.
    """
    require_choice("decoder", decoder, DECODERS)
    require_positive_int("beam_width", beam_width)
    all_log_probs = ctc_log_probs(model, features, batch_size)
    if decoder == "greedy":
        return [_greedy(log_probs) for log_probs in all_log_probs]
    return [
        labels_to_digits(ctc_prefix_beam_search(log_probs, beam_width, blank=BLANK)[0][0])
        for log_probs in all_log_probs
    ]


def _error_rate(model: nn.Module, examples, batch_size: int) -> float:
    heard = [_greedy(lp) for lp in ctc_log_probs(model, [f for f, _ in examples], batch_size)]
    return label_error_rate([tuple(labels_to_digits(labels)) for _, labels in examples], heard)


def train_ctc(
    model: nn.Module,
    train_set: Sequence,
    valid_set: Sequence,
    epochs: int,
    lr: float = 3e-3,
    batch_size: int = 32,
    seed: int = 0,
    device: torch.device | str | None = None,
    progress: bool = True,
    clip: float = 1.0,
) -> CTCRun:
    r"""Train ``model`` with CTC and Adam, keeping the epoch of lowest validation digit error rate (chapter 6).

    ``model`` maps ``(features (T, B, F), lengths)`` to log-probabilities ``(T', B, C)`` with
    the blank at class 0 (a :class:`~companion.models.speech.CTCRecognizer`); its
    ``output_lengths(lengths)`` gives :math:`T'`. ``train_set`` and ``valid_set`` are lists of
    ``(features (T, F), digits)`` pairs. Each epoch reshuffles the training examples (from
    ``seed``) into batches of ``batch_size``; each batch's loss is ``torch.nn.CTCLoss(blank=0,
    zero_infinity=False)`` with ``reduction="mean"``, the negative log-likelihood

    .. math::  L = -\frac1B \sum_b \frac{1}{|\mathbf{l}_b|} \log p(\mathbf{l}_b \mid \mathbf{x}_b),
               \qquad p(\mathbf{l} \mid \mathbf{x}) = \sum_{\pi \in B^{-1}(\mathbf{l})} \prod_t y^t_{\pi_t}

    (Graves et al. 2006), whose gradient is clipped to global norm ``clip``
    (:func:`~companion.training.clipping.clip_grad_norm`) before each Adam step of learning
    rate ``lr``. After every epoch the validation examples are decoded greedily and scored by
    :func:`~companion.metrics.label_error_rate`; at the end the model holds the weights of the
    best epoch (the first of equal ones) and is in evaluation mode. ``seed`` also fixes the
    initial state of every generator (:func:`~companion.device.seed_everything`; the model's
    weights were drawn when it was built), ``device`` defaults to
    :func:`~companion.device.pick_device`, and ``progress`` shows a bar over the batches.

    Raises ``ValueError`` before training for ``epochs``, ``batch_size`` that are not positive
    integers, ``lr`` or ``clip`` that are not positive finite numbers, a ``model`` that is not a
    ``torch.nn.Module``, sets that are not non-empty lists of such pairs (features of the
    model's width, digits 0–9), or an example too short for its digits (fewer output frames
    than digits plus adjacent repeats, where no alignment fits and CTC's loss is infinite); and
    during training, naming the epoch and batch, as soon as a loss or an updated weight is NaN
    or inf.
    """
    if not isinstance(model, nn.Module):
        raise ValueError(f"model: expected a torch.nn.Module, got {type(model).__name__}")
    require_positive_int("epochs", epochs)
    require_positive_float("lr", lr)
    require_positive_int("batch_size", batch_size)
    require_positive_float("clip", clip)
    train = _require_examples("train_set", train_set, model)
    valid = _require_examples("valid_set", valid_set, model)
    seed_everything(seed)
    device = pick_device() if device is None else torch.device(device)
    model.to(device)
    dtype = _model_place(model)[1]
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    criterion = nn.CTCLoss(blank=BLANK, reduction="mean", zero_infinity=False)
    order_rng = random.Random(seed)
    losses, rates = [], []
    best = {"rate": float("inf"), "epoch": 0, "state": None}
    batches = (len(train) + batch_size - 1) // batch_size
    with progress_bar(epochs * batches, "training (CTC)", unit="batch", disable=not progress) as bar:
        for epoch in range(1, epochs + 1):
            model.train()
            order = list(range(len(train)))
            order_rng.shuffle(order)
            total, count = 0.0, 0
            for step, start in enumerate(range(0, len(order), batch_size), start=1):
                chosen = [train[k] for k in order[start:start + batch_size]]
                inputs, lengths = _padded([f for f, _ in chosen], device, dtype)
                targets = torch.tensor([label for _, labels in chosen for label in labels], device=device)
                target_lengths = torch.tensor([len(labels) for _, labels in chosen])
                log_probs = model(inputs, lengths)
                # cuDNN's CTC needs float32 and the CPU's any; both take lengths on the CPU.
                loss = criterion(log_probs, targets, _output_lengths(model, lengths), target_lengths)
                require_finite_loss(loss, f"at epoch {epoch}, batch {step}")
                optimizer.zero_grad()
                loss.backward()
                clip_grad_norm(model.parameters(), clip)
                optimizer.step()
                require_finite_tensors(model.named_parameters(), f"after the update of epoch {epoch}, batch {step}")
                total += loss.item() * len(chosen)
                count += len(chosen)
                bar.update(1)
            losses.append(total / count)
            rates.append(_error_rate(model, valid, 64))
            bar.set_postfix(epoch=epoch, loss=f"{losses[-1]:.3f}", valid_DER=f"{rates[-1]:.3f}", refresh=False)
            if rates[-1] < best["rate"]:
                best.update(rate=rates[-1], epoch=epoch, state=copy.deepcopy(model.state_dict()))
    model.load_state_dict(best["state"])
    model.eval()
    return CTCRun(best["rate"], best["epoch"], losses, rates)
