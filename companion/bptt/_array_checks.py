"""Private input checks of the NumPy arrays of chapter 4: dtypes, shapes, ids, states, caches, seeds.

Every check raises ``ValueError`` naming the argument, the expected and the given. Plain numbers
are checked by ``companion._checks``, which :mod:`companion.bptt` shares with the rest of the
package; nothing here imports torch.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from .._checks import is_integer

FLOAT = np.float64


def _shape(shape: Sequence[int]) -> str:
    return "(" + ", ".join(str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"


def _describe(value) -> str:
    if isinstance(value, np.ndarray):
        return f"shape {_shape(value.shape)}, dtype {value.dtype}"
    return type(value).__name__


def _require_float_array(name: str, value, shape: Sequence[int], meaning: str) -> np.ndarray:
    if not isinstance(value, np.ndarray) or value.dtype != FLOAT or value.shape != tuple(shape):
        raise ValueError(
            f"{name}: expected a float64 array of shape {_shape(shape)} {meaning}, got {_describe(value)}"
        )
    return value


def _is_integer_array(value) -> bool:
    return isinstance(value, np.ndarray) and np.issubdtype(value.dtype, np.integer)


def _require_truncation(truncation) -> int | None:
    if truncation is None:
        return None
    if not is_integer(truncation) or truncation < 1:
        raise ValueError(
            f"truncation: expected None (full BPTT) or a positive number of steps, got {truncation!r}"
        )
    return int(truncation)


def _generator(name: str, seed) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    if not is_integer(seed) or seed < 0:
        raise ValueError(f"{name}: expected a numpy.random.Generator or a non-negative integer seed, got {seed!r}")
    return np.random.default_rng(int(seed))


def _check_ids(name: str, ids: np.ndarray, size: int, size_name: str) -> None:
    if ids.size and (ids.min() < 0 or ids.max() >= size):
        raise ValueError(
            f"{name}: expected ids in 0..{size - 1} ({size_name} = {size}), "
            f"got min {int(ids.min())}, max {int(ids.max())}"
        )


def _check_sequences(inputs, targets, input_size: int, output_size: int) -> tuple[int, int]:
    """The (T, B) of a batch after checking inputs and targets against the parameters' sizes."""
    layouts = (
        f"(time, batch) integer ids below input_size = {input_size}, "
        f"or (time, batch, {input_size}) float64 vectors"
    )
    if _is_integer_array(inputs) and inputs.ndim == 2:
        _check_ids("inputs", inputs, input_size, "input_size")
    elif isinstance(inputs, np.ndarray) and inputs.dtype == FLOAT and inputs.ndim == 3:
        if inputs.shape[2] != input_size:
            raise ValueError(
                f"inputs: expected {input_size} features (input_size) in the last dimension of "
                f"(time, batch, features), got shape {_shape(inputs.shape)}"
            )
    else:
        raise ValueError(f"inputs: expected {layouts}, got {_describe(inputs)}")
    steps, batch = inputs.shape[:2]
    if steps == 0:
        raise ValueError(
            f"inputs: expected at least one time step, got an empty sequence (shape {_shape(inputs.shape)})"
        )
    if batch == 0:
        raise ValueError(f"inputs: expected at least one sequence in the batch, got shape {_shape(inputs.shape)}")
    if not _is_integer_array(targets) or targets.shape != (steps, batch):
        raise ValueError(
            f"targets: expected an integer array of shape {_shape((steps, batch))} (time, batch), "
            f"like inputs, got {_describe(targets)}"
        )
    _check_ids("targets", targets, output_size, "output_size")
    return steps, batch


def _initial_state(name: str, state, batch: int, hidden_size: int) -> np.ndarray:
    if state is None:
        return np.zeros((batch, hidden_size), dtype=FLOAT)
    return _require_float_array(name, state, (batch, hidden_size), "(batch, hidden_size), or None for zeros")


def _require_matrix(name: str, value) -> np.ndarray:
    if not isinstance(value, np.ndarray) or value.dtype != FLOAT or value.ndim != 2:
        raise ValueError(f"{name}: expected a 2-D float64 array, got {_describe(value)}")
    return value


def _require_cache(cache, kind, params, params_kind) -> None:
    if not isinstance(cache, kind):
        raise ValueError(f"cache: expected the {kind.__name__} returned by the forward pass, got {type(cache).__name__}")
    if not isinstance(params, params_kind):
        raise ValueError(f"params: expected {params_kind.__name__}, got {type(params).__name__}")
    if cache.hidden.shape[2] != params.hidden_size or cache.probabilities.shape[2] != params.output_size:
        raise ValueError(
            f"cache: expected the cache of a forward pass with these parameters (hidden_size "
            f"{params.hidden_size}, output_size {params.output_size}), got hidden_size "
            f"{cache.hidden.shape[2]}, output_size {cache.probabilities.shape[2]}"
        )


def _require_ids(name: str, ids) -> np.ndarray:
    if not _is_integer_array(ids) or ids.ndim != 1:
        raise ValueError(f"{name}: expected a 1-D integer array of character ids, got {_describe(ids)}")
    return ids
