"""Training an Elman RNN on characters in NumPy, min-char-rnn style (chapter 4): global-norm
clipping (4.16), SGD and Adagrad (4.15) in :func:`train_char_rnn`, and :func:`sample`; clipping
by value beside clipping by norm (chapter 5)."""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Callable, Mapping

import numpy as np

from .._checks import (
    is_integer,
    require_choice,
    require_finite_loss_value,
    require_finite_parameters,
    require_non_negative_int,
    require_positive_float,
    require_positive_int,
)
from ._array_checks import FLOAT, _check_ids, _generator, _require_float_array, _require_ids, _require_truncation
from .elman import backward, forward
from .parameters import RNNParameters, init_rnn


def _require_gradients(grads) -> Mapping[str, np.ndarray]:
    if not isinstance(grads, Mapping):
        raise ValueError(f"grads: expected a dict of NumPy arrays (name -> gradient), got {type(grads).__name__}")
    for name, g in grads.items():
        if not isinstance(g, np.ndarray) or not np.issubdtype(g.dtype, np.floating):
            shown = f"dtype {g.dtype}" if isinstance(g, np.ndarray) else type(g).__name__
            raise ValueError(f"grads[{name!r}]: expected a floating-point NumPy array, got {shown}")
    return grads


def global_norm(grads: Mapping[str, np.ndarray]) -> float:
    """‖g‖ = sqrt(Σ over arrays of Σ g²): the norm of all gradients as one vector (chapter 4)."""
    return float(np.sqrt(sum(float(np.sum(g * g)) for g in grads.values())))


def clip_by_global_norm(grads: Mapping[str, np.ndarray], max_norm: float) -> tuple[dict[str, np.ndarray], float]:
    """Gradients rescaled so that their global norm is at most ``max_norm``, and the norm before.

    g ← g · min(1, τ / ‖g‖)   (4.16): the direction is kept, only the step shrinks, which tames
    the exploding gradients of long chains of Jacobians (chapter 4).

    Raises ``ValueError`` if ``max_norm`` is not a positive finite number.
    """
    max_norm = require_positive_float("max_norm", max_norm)
    norm = global_norm(grads)
    scale = min(1.0, max_norm / norm) if norm > 0 else 1.0
    return {name: g * scale for name, g in grads.items()}, norm


def clip_by_value(grads: Mapping[str, np.ndarray], clip_value: float) -> dict[str, np.ndarray]:
    r"""Every entry of every gradient clipped to :math:`[-c, c]`: new arrays, ``grads`` untouched (chapter 5).

    .. math::  g_i \leftarrow \max(-c, \min(c, g_i))

    with :math:`c` = ``clip_value``: what min-char-rnn does (``np.clip(dparam, -5, 5, out=dparam)``,
    in place; this returns copies, as :func:`clip_by_global_norm` does) and what
    ``torch.nn.utils.clip_grad_value_`` does to torch gradients. Unlike clipping by the global
    norm (4.16) it changes the gradient's direction whenever some entries are clipped and others
    are not. An infinite entry becomes :math:`\pm c` and NaN stays NaN, as with ``np.clip``.

    Raises ``ValueError`` if ``clip_value`` is not a positive finite number, or ``grads`` is not
    a mapping from names to floating-point NumPy arrays.
    """
    clip_value = require_positive_float("clip_value", clip_value)
    return {name: np.clip(g, -clip_value, clip_value) for name, g in _require_gradients(grads).items()}


@dataclass(eq=False)
class CharRNNTraining:
    """The result of :func:`train_char_rnn` (chapter 4).

    ``losses[s]``: the loss (4.3) of step ``s`` divided by the chunk length, in nats per
    character (ln(vocabulary size) for a uniform guess). ``gradient_norms[s]``: the global norm
    of step ``s``'s gradients before clipping. ``hidden``: the state after the last chunk.
    """

    params: RNNParameters
    losses: list[float]
    gradient_norms: list[float]
    hidden: np.ndarray


def _not_finite(params: RNNParameters) -> list[str]:
    return [name for name, array in params.arrays().items() if not np.isfinite(array).all()]


def train_char_rnn(
    ids: np.ndarray,
    vocabulary_size: int,
    *,
    hidden_size: int = 100,
    sequence_length: int = 25,
    steps: int = 1000,
    lr: float = 0.1,
    optimizer: str = "adagrad",
    clip_norm: float | None = None,
    truncation: int | None = None,
    batch_size: int = 1,
    seed=0,
    params: RNNParameters | None = None,
    callback: Callable[[int, float, RNNParameters], None] | None = None,
    progress: bool = False,
) -> CharRNNTraining:
    """Train an Elman RNN to predict the next character, min-char-rnn style (chapter 4).

    The text ``ids`` is cut into ``batch_size`` contiguous streams read side by side. Each step
    takes the next ``sequence_length`` characters of every stream as inputs and the characters one
    further as targets, runs :func:`forward` from the state the previous chunk ended in, then
    :func:`backward` (with ``truncation`` inside the chunk), optional clipping (4.16) and an update:

    * ``"sgd"``: θ ← θ - η g
    * ``"adagrad"``: m ← m + g², θ ← θ - η g / sqrt(m + 1e-8)   (4.15)

    with η = ``lr``. When the streams run out, reading starts again at their beginning from a
    zero state. ``h0`` is not trained. ``callback(step, loss, params)`` is called after every
    update; ``progress`` shows a tqdm bar. Returns a :class:`CharRNNTraining`.

    Raises ``ValueError`` for bad arguments (``lr``, ``clip_norm``: positive finite numbers), for
    parameters that hold NaN or inf, and as soon as training diverges: when the loss of a step or
    a parameter after an update is NaN or inf, saying at which step (counted from 1).
    """
    ids = _require_ids("ids", ids)
    vocabulary_size = require_positive_int("vocabulary_size", vocabulary_size)
    _check_ids("ids", ids, vocabulary_size, "vocabulary_size")
    sequence_length = require_positive_int("sequence_length", sequence_length)
    steps = require_positive_int("steps", steps)
    batch_size = require_positive_int("batch_size", batch_size)
    lr = require_positive_float("lr", lr)
    require_choice("optimizer", optimizer, ("sgd", "adagrad"))
    if clip_norm is not None:
        clip_norm = require_positive_float("clip_norm", clip_norm)
    truncation = _require_truncation(truncation)
    if callback is not None and not callable(callback):
        raise ValueError(f"callback: expected None or a function (step, loss, params), got {type(callback).__name__}")
    stream_length = len(ids) // batch_size
    if stream_length < sequence_length + 1:
        raise ValueError(
            f"ids: expected at least batch_size * (sequence_length + 1) = "
            f"{batch_size * (sequence_length + 1)} characters, got {len(ids)}"
        )
    if params is None:
        params = init_rnn(vocabulary_size, require_positive_int("hidden_size", hidden_size), vocabulary_size, seed)
    elif not isinstance(params, RNNParameters):
        raise ValueError(f"params: expected None or RNNParameters, got {type(params).__name__}")
    elif params.input_size != vocabulary_size or params.output_size != vocabulary_size:
        raise ValueError(
            f"params: expected input_size and output_size equal to vocabulary_size = {vocabulary_size}, "
            f"got {params.input_size} and {params.output_size}"
        )
    else:
        params = params.copy()
    require_finite_parameters(_not_finite(params), "before training")
    streams = ids[: stream_length * batch_size].reshape(batch_size, stream_length).T  # (time, batch)
    names = [field.name for field in fields(params)]
    memory = {name: np.zeros_like(array) for name, array in params.arrays().items()}
    hidden = np.zeros((batch_size, params.hidden_size), dtype=FLOAT)
    losses: list[float] = []
    gradient_norms: list[float] = []
    position = 0
    bar = None
    if progress:
        from ..progress import progress_bar  # imported here: a plain run needs no progress bar

        bar = progress_bar(steps, "training")
    try:
        for step in range(steps):
            if position + sequence_length + 1 > stream_length:
                position = 0
                hidden = np.zeros_like(hidden)
            chunk = streams[position : position + sequence_length + 1]
            loss, cache = forward(params, chunk[:-1], hidden, chunk[1:])
            require_finite_loss_value(loss, f"at step {step + 1}")
            grads = backward(params, cache, truncation)
            grads = {name: grads[name] for name in names}
            norm = global_norm(grads)
            if clip_norm is not None:
                grads, _ = clip_by_global_norm(grads, clip_norm)
            for name, array in params.arrays().items():
                if optimizer == "sgd":
                    array -= lr * grads[name]
                else:
                    memory[name] += grads[name] ** 2
                    array -= lr * grads[name] / np.sqrt(memory[name] + 1e-8)
            # Checked before the callback sees them: an inf weight gives a NaN loss only a step later.
            require_finite_parameters(_not_finite(params), f"after the update of step {step + 1}")
            hidden = cache.final_hidden
            position += sequence_length
            losses.append(loss / sequence_length)
            gradient_norms.append(norm)
            if callback is not None:
                callback(step, losses[-1], params)
            if bar is not None:
                bar.update(1)
                bar.set_postfix(loss=f"{losses[-1]:.3f}", refresh=False)
    finally:
        if bar is not None:
            bar.close()
    return CharRNNTraining(params, losses, gradient_norms, hidden)


def sample(
    params: RNNParameters,
    h: np.ndarray | None,
    seed_id: int,
    n: int,
    rng,
    temperature: float = 1.0,
) -> np.ndarray:
    """``n`` ids drawn one at a time from ŷ_t, each fed back as the next input (chapter 4).

    Starts from the state ``h`` (H,) (``None``: zeros) and the input ``seed_id``, which is not
    part of the result. ``rng``: a ``numpy.random.Generator`` or an integer seed. A temperature
    below 1 sharpens the distribution softmax(o_t / temperature), above 1 flattens it.

    Raises ``ValueError`` if ``params`` cannot feed its output back as input, ``h`` or
    ``seed_id`` do not fit it, ``n`` is not a non-negative integer, ``rng`` is not a generator or
    seed, or ``temperature`` is not a positive finite number.
    """
    if not isinstance(params, RNNParameters):
        raise ValueError(f"params: expected RNNParameters, got {type(params).__name__}")
    if params.input_size != params.output_size:
        raise ValueError(
            "params: expected input_size == output_size (each sampled id is fed back as the next "
            f"input), got input_size {params.input_size} and output_size {params.output_size}"
        )
    if h is None:
        h = np.zeros(params.hidden_size, dtype=FLOAT)
    _require_float_array("h", h, (params.hidden_size,), "(hidden_size,), or None for zeros")
    if not is_integer(seed_id) or not 0 <= seed_id < params.input_size:
        raise ValueError(f"seed_id: expected an id in 0..{params.input_size - 1}, got {seed_id!r}")
    n = require_non_negative_int("n", n)
    temperature = require_positive_float("temperature", temperature)
    rng = _generator("rng", rng)
    drawn = np.empty(n, dtype=np.int64)
    current = int(seed_id)
    for k in range(n):
        h = np.tanh(params.U[:, current] + params.W @ h + params.b)
        logits = (params.V @ h + params.c) / temperature
        probabilities = np.exp(logits - logits.max())
        current = int(rng.choice(params.output_size, p=probabilities / probabilities.sum()))
        drawn[k] = current
    return drawn
