"""The LSTM of chapter 4 in NumPy, in ``torch.nn.LSTM``'s layout: :func:`lstm_forward` (4.10) with
a softmax read-out and :func:`lstm_backward` (4.11), truncated to K steps by (4.14)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._array_checks import FLOAT, _check_sequences, _initial_state, _require_cache, _require_truncation
from ._shared import _empty_carry, _input_weight_gradient, _output_gradient, _project_inputs, _read_out, _sigmoid, _with_new_loss_term
from .parameters import LSTMParameters


@dataclass(eq=False)
class LSTMCache:
    """What :func:`lstm_forward` keeps: inputs, targets, ``hidden`` and ``cells`` (T+1, B, H)
    with the initial states at index 0, the gate activations ``gates`` (T, B, 4H) in the order
    i, f, g, o (after σ or tanh), ``cell_tanh`` = tanh(c_t) (T, B, H), ŷ (T, B, O) and the loss
    (chapter 4)."""

    inputs: np.ndarray
    targets: np.ndarray
    hidden: np.ndarray
    cells: np.ndarray
    gates: np.ndarray
    cell_tanh: np.ndarray
    probabilities: np.ndarray
    loss: float

    @property
    def final_hidden(self) -> np.ndarray:
        return self.hidden[-1]

    @property
    def final_cell(self) -> np.ndarray:
        return self.cells[-1]


def lstm_forward(
    params: LSTMParameters,
    inputs: np.ndarray,
    h0: np.ndarray | None,
    c0: np.ndarray | None,
    targets: np.ndarray,
):
    """The loss (4.3) of the LSTM (4.10) with a softmax read-out, and the :class:`LSTMCache`.

    Shapes as in :func:`forward`; ``c0`` (B, H) or ``None`` for zeros. Returns ``(loss, cache)``
    (chapter 4).

    Raises ``ValueError`` if ``params`` is not :class:`LSTMParameters`, or an array's dtype,
    shape or ids do not fit the parameters.
    """
    if not isinstance(params, LSTMParameters):
        raise ValueError(f"params: expected LSTMParameters, got {type(params).__name__}")
    steps, batch = _check_sequences(inputs, targets, params.input_size, params.output_size)
    size = params.hidden_size
    h0 = _initial_state("h0", h0, batch, size)
    c0 = _initial_state("c0", c0, batch, size)
    input_part = _project_inputs(params.weight_ih, inputs) + params.bias_ih + params.bias_hh
    hidden = np.empty((steps + 1, batch, size), dtype=FLOAT)
    cells = np.empty_like(hidden)
    gates = np.empty((steps, batch, 4 * size), dtype=FLOAT)
    hidden[0], cells[0] = h0, c0
    for t in range(steps):
        z = input_part[t] + hidden[t] @ params.weight_hh.T
        gates[t, :, : 2 * size] = _sigmoid(z[:, : 2 * size])  # i, f
        gates[t, :, 2 * size : 3 * size] = np.tanh(z[:, 2 * size : 3 * size])  # g
        gates[t, :, 3 * size :] = _sigmoid(z[:, 3 * size :])  # o
        i, f, g, o = np.split(gates[t], 4, axis=1)
        cells[t + 1] = f * cells[t] + i * g  # (4.10)
        hidden[t + 1] = o * np.tanh(cells[t + 1])
    cell_tanh = np.tanh(cells[1:])
    probabilities, loss = _read_out(params.weight_out, params.bias_out, hidden[1:], targets)
    return loss, LSTMCache(inputs, targets, hidden, cells, gates, cell_tanh, probabilities, loss)


def lstm_backward(params: LSTMParameters, cache: LSTMCache, truncation: int | None = None) -> dict[str, np.ndarray]:
    """The gradients of the LSTM's loss by (4.11), O(T); truncated to K steps by (4.14).

    Returns a dict with every field of :class:`LSTMParameters` plus ``"h0"`` and ``"c0"``.
    ``bias_ih`` and ``bias_hh`` enter (4.10) only through their sum, so their gradients are
    equal. With truncation k, both ∂L/∂h and ∂L/∂c of a loss term stop after k steps (chapter 4).

    Raises ``ValueError`` if ``cache`` is not the :class:`LSTMCache` of a forward pass with these
    ``params``, or ``truncation`` is neither ``None`` nor a positive integer.
    """
    _require_cache(cache, LSTMCache, params, LSTMParameters)
    truncation = _require_truncation(truncation)
    hidden, cells = cache.hidden, cache.cells
    steps, batch, size = hidden.shape[0] - 1, hidden.shape[1], hidden.shape[2]
    output_grad = _output_gradient(cache.probabilities, cache.targets)
    from_output = output_grad @ params.weight_out
    no_cell_gradient = np.zeros((batch, size), dtype=FLOAT)  # a loss term reaches c_t only through h_t
    pre_activation_grads = np.empty_like(cache.gates)  # ∂L/∂z_t
    carried_hidden = _empty_carry(batch, size, truncation)
    carried_cell = _empty_carry(batch, size, truncation)
    for t in range(steps, 0, -1):
        i, f, g, o = np.split(cache.gates[t - 1], 4, axis=1)
        tanh_c = cache.cell_tanh[t - 1]
        by_hidden = _with_new_loss_term(carried_hidden, from_output[t - 1], truncation)
        by_cell = _with_new_loss_term(carried_cell, no_cell_gradient, truncation)
        by_cell = by_cell + by_hidden * o * (1.0 - tanh_c**2)  # (4.11)
        per_term = np.concatenate(
            [
                by_cell * g * i * (1.0 - i),
                by_cell * cells[t - 1] * f * (1.0 - f),
                by_cell * i * (1.0 - g**2),
                by_hidden * tanh_c * o * (1.0 - o),
            ],
            axis=-1,
        )
        pre_activation_grads[t - 1] = per_term.sum(axis=0)
        carried_hidden = per_term @ params.weight_hh
        carried_cell = by_cell * f
    bias_grad = pre_activation_grads.sum(axis=(0, 1))
    return {
        "weight_ih": _input_weight_gradient(pre_activation_grads, cache.inputs, params.input_size),
        "weight_hh": np.einsum("tbr,tbh->rh", pre_activation_grads, hidden[:-1]),
        "bias_ih": bias_grad,
        "bias_hh": bias_grad.copy(),
        "weight_out": np.einsum("tbo,tbh->oh", output_grad, hidden[1:]),
        "bias_out": output_grad.sum(axis=(0, 1)),
        "h0": carried_hidden.sum(axis=0),
        "c0": carried_cell.sum(axis=0),
    }
