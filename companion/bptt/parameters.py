"""The weights of chapter 4's networks as named float64 arrays: the Elman RNN and the LSTM, and
their initialisation (:func:`init_rnn`, :func:`init_lstm`)."""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Mapping

import numpy as np

from .._checks import require_positive_int
from ._array_checks import FLOAT, _generator, _require_float_array, _require_matrix


class _Parameters:
    """Named float64 arrays; the gradients of :func:`backward` use the same names."""

    def arrays(self) -> dict[str, np.ndarray]:
        """The parameter arrays by name (the arrays themselves, not copies)."""
        return {field.name: getattr(self, field.name) for field in fields(self)}

    def copy(self):
        return type(self)(**{name: array.copy() for name, array in self.arrays().items()})

    def _check(self, expected: Mapping[str, tuple[tuple[int, ...], str]]) -> None:
        for name, (shape, meaning) in expected.items():
            _require_float_array(name, getattr(self, name), shape, meaning)


@dataclass(eq=False)
class RNNParameters(_Parameters):
    """The Elman RNN (4.1)-(4.2): U (H, F), W (H, H), b (H,), V (O, H), c (O,) (chapter 4).

    Raises ``ValueError`` if an array is not float64 or its shape does not fit the others.
    """

    U: np.ndarray
    W: np.ndarray
    b: np.ndarray
    V: np.ndarray
    c: np.ndarray

    def __post_init__(self):
        hidden, inputs = _require_matrix("U", self.U).shape
        outputs = _require_matrix("V", self.V).shape[0]
        self._check({
            "W": ((hidden, hidden), "(hidden_size, hidden_size), hidden_size from U"),
            "b": ((hidden,), "(hidden_size,)"),
            "V": ((outputs, hidden), "(output_size, hidden_size), hidden_size from U"),
            "c": ((outputs,), "(output_size,), output_size from V"),
        })

    @property
    def input_size(self) -> int:
        return self.U.shape[1]

    @property
    def hidden_size(self) -> int:
        return self.U.shape[0]

    @property
    def output_size(self) -> int:
        return self.V.shape[0]


@dataclass(eq=False)
class LSTMParameters(_Parameters):
    """The LSTM (4.10) in ``torch.nn.LSTM``'s layout, plus a linear read-out (chapter 4).

    ``weight_ih`` (4H, F), ``weight_hh`` (4H, H), ``bias_ih`` and ``bias_hh`` (4H,), rows in the
    gate order i, f, g, o; read-out ``weight_out`` (O, H) and ``bias_out`` (O,), like
    ``torch.nn.Linear(H, O)``.

    Raises ``ValueError`` if an array is not float64 or its shape does not fit the others.
    """

    weight_ih: np.ndarray
    weight_hh: np.ndarray
    bias_ih: np.ndarray
    bias_hh: np.ndarray
    weight_out: np.ndarray
    bias_out: np.ndarray

    def __post_init__(self):
        hidden = _require_matrix("weight_hh", self.weight_hh).shape[1]
        inputs = _require_matrix("weight_ih", self.weight_ih).shape[1]
        outputs = _require_matrix("weight_out", self.weight_out).shape[0]
        self._check({
            "weight_ih": ((4 * hidden, inputs), "(4 * hidden_size, input_size), hidden_size from weight_hh"),
            "weight_hh": ((4 * hidden, hidden), "(4 * hidden_size, hidden_size), gates i, f, g, o"),
            "bias_ih": ((4 * hidden,), "(4 * hidden_size,)"),
            "bias_hh": ((4 * hidden,), "(4 * hidden_size,)"),
            "weight_out": ((outputs, hidden), "(output_size, hidden_size)"),
            "bias_out": ((outputs,), "(output_size,), output_size from weight_out"),
        })

    @property
    def input_size(self) -> int:
        return self.weight_ih.shape[1]

    @property
    def hidden_size(self) -> int:
        return self.weight_hh.shape[1]

    @property
    def output_size(self) -> int:
        return self.weight_out.shape[0]


def _uniform(rng: np.random.Generator, bound: float, shape) -> np.ndarray:
    return rng.uniform(-bound, bound, size=shape).astype(FLOAT, copy=False)


def init_rnn(input_size: int, hidden_size: int, output_size: int, seed=0) -> RNNParameters:
    """Elman RNN parameters drawn uniformly from [-1/√H, 1/√H], as torch's ``nn.RNN`` does.

    ``seed`` is a ``numpy.random.Generator`` or an integer seed (chapter 4).

    Raises ``ValueError`` if a size is not a positive integer or ``seed`` is neither a generator
    nor a non-negative integer.
    """
    sizes = [require_positive_int(name, value) for name, value in
             (("input_size", input_size), ("hidden_size", hidden_size), ("output_size", output_size))]
    inputs, hidden, outputs = sizes
    rng = _generator("seed", seed)
    bound = 1.0 / np.sqrt(hidden)
    return RNNParameters(
        U=_uniform(rng, bound, (hidden, inputs)),
        W=_uniform(rng, bound, (hidden, hidden)),
        b=_uniform(rng, bound, (hidden,)),
        V=_uniform(rng, bound, (outputs, hidden)),
        c=_uniform(rng, bound, (outputs,)),
    )


def init_lstm(input_size: int, hidden_size: int, output_size: int, seed=0) -> LSTMParameters:
    """LSTM and read-out parameters drawn uniformly from [-1/√H, 1/√H], as torch initialises them.

    ``seed`` as in :func:`init_rnn` (chapter 4). Raises ``ValueError`` if a size is not a
    positive integer or ``seed`` is neither a generator nor a non-negative integer.
    """
    sizes = [require_positive_int(name, value) for name, value in
             (("input_size", input_size), ("hidden_size", hidden_size), ("output_size", output_size))]
    inputs, hidden, outputs = sizes
    rng = _generator("seed", seed)
    bound = 1.0 / np.sqrt(hidden)
    return LSTMParameters(
        weight_ih=_uniform(rng, bound, (4 * hidden, inputs)),
        weight_hh=_uniform(rng, bound, (4 * hidden, hidden)),
        bias_ih=_uniform(rng, bound, (4 * hidden,)),
        bias_hh=_uniform(rng, bound, (4 * hidden,)),
        weight_out=_uniform(rng, bound, (outputs, hidden)),
        bias_out=_uniform(rng, bound, (outputs,)),
    )
