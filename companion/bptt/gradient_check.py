"""Checking a backward pass against finite differences (chapter 4): :func:`numerical_gradient`
(4.12), :func:`relative_error` (4.13) and :func:`gradient_check` for both networks."""
from __future__ import annotations

from typing import Callable

import numpy as np

from .._checks import require_positive_float
from ._array_checks import FLOAT, _describe, _shape
from .elman import backward, forward
from .lstm import lstm_backward, lstm_forward
from .parameters import LSTMParameters, RNNParameters


def numerical_gradient(f: Callable[[], float], array: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    r"""Central differences :math:`(f(x + \varepsilon) - f(x - \varepsilon)) / 2\varepsilon`, (4.12), for every entry of ``array`` (chapter 4).

    ``f`` takes no argument and must compute its value from the current contents of ``array``,
    which is changed in place one entry at a time and restored afterwards. The error is
    :math:`O(\varepsilon^2)` plus rounding of order :math:`\epsilon_{\mathrm{mach}} |f| / \varepsilon`.

    Raises ``ValueError`` if ``f`` is not callable, ``array`` is not a writeable float64 array,
    or ``eps`` is not a positive finite number.
    """
    if not callable(f):
        raise ValueError(f"f: expected a function of no arguments returning a number, got {type(f).__name__}")
    if not isinstance(array, np.ndarray) or array.dtype != FLOAT or not array.flags.writeable:
        raise ValueError(f"array: expected a writeable float64 array (changed in place), got {_describe(array)}")
    eps = require_positive_float("eps", eps)
    gradient = np.zeros_like(array)
    for index in np.ndindex(array.shape):
        original = array[index]
        try:
            array[index] = original + eps
            above = float(f())
            array[index] = original - eps
            below = float(f())
        finally:
            array[index] = original
        gradient[index] = (above - below) / (2.0 * eps)
    return gradient


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    r"""The largest difference relative to the arrays' scale, :math:`\max |a - b| / \max(\max |a|, \max |b|)`, (4.13).

    Entry-wise relative errors are meaningless for entries near zero (rounding dominates them),
    so the difference is measured against the largest entry. 0 when both arrays are zero
    (chapter 4). Raises ``ValueError`` if the shapes differ.
    """
    a, b = np.asarray(a, dtype=FLOAT), np.asarray(b, dtype=FLOAT)
    if a.shape != b.shape:
        raise ValueError(f"b: expected the shape of a, {_shape(a.shape)}, got {_shape(b.shape)}")
    scale = max(float(np.abs(a).max(initial=0.0)), float(np.abs(b).max(initial=0.0)))
    return 0.0 if scale == 0.0 else float(np.abs(a - b).max()) / scale


def gradient_check(
    params: RNNParameters | LSTMParameters,
    inputs: np.ndarray,
    targets: np.ndarray,
    h0: np.ndarray | None = None,
    c0: np.ndarray | None = None,
    eps: float = 1e-5,
) -> dict[str, float]:
    r"""The :func:`relative_error` between the backward pass and central differences, per array.

    Works for :class:`RNNParameters` (keys: the parameters and ``"h0"``) and
    :class:`LSTMParameters` (also ``"c0"``). Full BPTT only: a truncated gradient is not the
    gradient of any loss. Errors around 1e-8 or smaller mean the backward pass is right; a
    mistake shows as 1e-3 or more. ``eps`` is 1e-5 rather than :func:`numerical_gradient`'s 1e-6
    because, for losses of order 10, it balances rounding, of order
    :math:`\epsilon_{\mathrm{mach}} |L| / \varepsilon`, against the :math:`O(\varepsilon^2)` error of
    the difference quotient (chapter 4).

    Raises ``ValueError`` for ``params`` of neither kind, a state that is not a NumPy array,
    the arguments :func:`forward`, :func:`lstm_forward` or :func:`numerical_gradient` reject,
    and for a ``c0`` given with an Elman RNN.
    """
    if not isinstance(params, (RNNParameters, LSTMParameters)):
        raise ValueError(f"params: expected RNNParameters or LSTMParameters, got {type(params).__name__}")
    is_lstm = isinstance(params, LSTMParameters)
    for name, state in (("h0", h0), ("c0", c0)):
        if state is not None and not isinstance(state, np.ndarray):
            raise ValueError(f"{name}: expected a float64 NumPy array (batch, hidden_size) or None, got {_describe(state)}")
    if not is_lstm and c0 is not None:
        raise ValueError("c0: expected None for an Elman RNN (it has no cell state), got an array")
    params = params.copy()  # perturbed in place below
    batch = inputs.shape[1] if isinstance(inputs, np.ndarray) and inputs.ndim >= 2 else 0
    states = {"h0": h0}
    if is_lstm:
        states["c0"] = c0
    states = {
        name: (np.zeros((batch, params.hidden_size), dtype=FLOAT) if state is None else state.copy())
        for name, state in states.items()
    }

    def loss() -> float:
        if is_lstm:
            return lstm_forward(params, inputs, states["h0"], states["c0"], targets)[0]
        return forward(params, inputs, states["h0"], targets)[0]

    if is_lstm:
        analytic = lstm_backward(params, lstm_forward(params, inputs, states["h0"], states["c0"], targets)[1])
    else:
        analytic = backward(params, forward(params, inputs, states["h0"], targets)[1])
    arrays = {**params.arrays(), **states}
    return {name: relative_error(analytic[name], numerical_gradient(loss, array, eps)) for name, array in arrays.items()}
