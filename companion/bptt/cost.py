"""The time and memory of BPTT as the sequence grows (chapter 4): :func:`cache_nbytes` and
:func:`bptt_cost`."""
from __future__ import annotations

import time
from dataclasses import fields
from typing import Sequence

from .._checks import require_positive_int
from ._array_checks import _generator, _require_truncation
from .elman import RNNCache, backward, backward_jacobian_products, forward
from .lstm import LSTMCache, lstm_backward, lstm_forward
from .parameters import LSTMParameters, RNNParameters


def cache_nbytes(cache: RNNCache | LSTMCache) -> int:
    """Bytes of the arrays a cache keeps for the backward pass: they grow linearly with T (chapter 4).

    Raises ``ValueError`` if ``cache`` is not an :class:`RNNCache` or :class:`LSTMCache`.
    """
    if not isinstance(cache, (RNNCache, LSTMCache)):
        raise ValueError(f"cache: expected an RNNCache or LSTMCache, got {type(cache).__name__}")
    return sum(getattr(cache, field.name).nbytes for field in fields(cache) if field.name != "loss")


def bptt_cost(
    params: RNNParameters | LSTMParameters,
    sequence_lengths: Sequence[int],
    *,
    batch_size: int = 1,
    truncation: int | None = None,
    method: str = "recursive",
    repeats: int = 3,
    seed=0,
) -> list[dict]:
    """Time and memory of one forward and backward pass as the sequence grows (chapter 4).

    For each length T, random ids (inputs and targets) go through the forward pass and the
    backward pass ``method``: ``"recursive"`` (:func:`backward` or :func:`lstm_backward`) or
    ``"jacobian_products"`` (:func:`backward_jacobian_products`, Elman RNN only). Returns one
    dict per length: ``sequence_length``, ``forward_seconds`` and ``backward_seconds`` (the
    fastest of ``repeats`` runs) and ``stored_bytes`` (:func:`cache_nbytes`).

    Raises ``ValueError`` if ``params`` is neither parameter class, ``method`` does not fit it,
    ``sequence_lengths`` is not a non-empty list of positive integers, or ``batch_size``,
    ``repeats``, ``truncation`` or ``seed`` is not a valid count or seed.
    """
    is_lstm = isinstance(params, LSTMParameters)
    if not is_lstm and not isinstance(params, RNNParameters):
        raise ValueError(f"params: expected RNNParameters or LSTMParameters, got {type(params).__name__}")
    if method not in ("recursive", "jacobian_products") or (is_lstm and method != "recursive"):
        allowed = "'recursive'" if is_lstm else "'recursive', 'jacobian_products'"
        raise ValueError(f"method: expected one of {allowed}, got {method!r}")
    if isinstance(sequence_lengths, (str, bytes)) or not isinstance(sequence_lengths, Sequence) or not sequence_lengths:
        raise ValueError(f"sequence_lengths: expected a non-empty list of positive integers, got {sequence_lengths!r}")
    lengths = [require_positive_int("sequence_lengths", length) for length in sequence_lengths]
    batch_size = require_positive_int("batch_size", batch_size)
    repeats = require_positive_int("repeats", repeats)
    truncation = _require_truncation(truncation)
    rng = _generator("seed", seed)
    if is_lstm:
        run_forward = lambda x, y: lstm_forward(params, x, None, None, y)  # noqa: E731
        run_backward = lambda cache: lstm_backward(params, cache, truncation)  # noqa: E731
    else:
        chosen = backward if method == "recursive" else backward_jacobian_products
        run_forward = lambda x, y: forward(params, x, None, y)  # noqa: E731
        run_backward = lambda cache: chosen(params, cache, truncation)  # noqa: E731
    rows = []
    for length in lengths:
        inputs = rng.integers(0, params.input_size, size=(length, batch_size))
        targets = rng.integers(0, params.output_size, size=(length, batch_size))
        forward_seconds, backward_seconds = [], []
        for _ in range(repeats):
            start = time.perf_counter()
            _, cache = run_forward(inputs, targets)
            middle = time.perf_counter()
            run_backward(cache)
            forward_seconds.append(middle - start)
            backward_seconds.append(time.perf_counter() - middle)
        rows.append({
            "sequence_length": length,
            "forward_seconds": min(forward_seconds),
            "backward_seconds": min(backward_seconds),
            "stored_bytes": cache_nbytes(cache),
        })
    return rows
