"""Pieces shared by the Elman RNN and the LSTM of chapter 4: the input projection, the softmax
read-out and its loss (4.2)-(4.4), and the windows of truncated BPTT (4.14)."""
from __future__ import annotations

import numpy as np

from ._array_checks import FLOAT


def _project_inputs(weight: np.ndarray, inputs: np.ndarray) -> np.ndarray:
    """``weight @ x_t`` for every step at once, ``(T, B, rows)``; an id selects a column."""
    if inputs.ndim == 2:
        return weight.T[inputs]
    return inputs @ weight.T


def _input_weight_gradient(pre_activation_grads: np.ndarray, inputs: np.ndarray, input_size: int) -> np.ndarray:
    """Σ_t ∂L/∂(pre-activation)_t x_tᵀ; with ids, each id's column collects its steps' rows."""
    rows = pre_activation_grads.shape[-1]
    if inputs.ndim == 2:
        gradient_t = np.zeros((input_size, rows), dtype=FLOAT)
        # add.at, not fancy-index assignment: an id that occurs several times must add up.
        np.add.at(gradient_t, inputs.reshape(-1), pre_activation_grads.reshape(-1, rows))
        return gradient_t.T.copy()
    return np.einsum("tbr,tbf->rf", pre_activation_grads, inputs)


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def _read_out(weight: np.ndarray, bias: np.ndarray, hidden: np.ndarray, targets: np.ndarray):
    """Softmax probabilities (4.2) and the loss (4.3): summed over time, averaged over the batch."""
    log_probabilities = _log_softmax(hidden @ weight.T + bias)
    picked = np.take_along_axis(log_probabilities, targets[..., None], axis=-1)
    loss = -float(picked.sum()) / targets.shape[1]
    return np.exp(log_probabilities), loss


def _output_gradient(probabilities: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """∂L/∂o_t = (ŷ_t - onehot(y_t)) / B, (4.4)."""
    steps, batch = targets.shape
    gradient = probabilities.copy()
    gradient[np.arange(steps)[:, None], np.arange(batch)[None, :], targets] -= 1.0
    return gradient / batch


def _with_new_loss_term(carried: np.ndarray, new: np.ndarray, truncation: int | None) -> np.ndarray:
    """The gradients reaching one step, one row per loss term still within its window.

    Full BPTT needs no windows, so all loss terms share one row (the δ of (4.8)). With
    truncation K, row ``a`` holds the gradient of L_{t+a}; rows ``a ≥ K`` would reach further back
    than K steps and are dropped, (4.14).
    """
    if truncation is None:
        return carried + new[None]
    return np.concatenate([new[None], carried[: truncation - 1]])


def _empty_carry(batch: int, hidden_size: int, truncation: int | None) -> np.ndarray:
    return np.zeros((1 if truncation is None else 0, batch, hidden_size), dtype=FLOAT)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    # The tanh form never overflows, unlike 1 / (1 + exp(-x)) for large negative x.
    return 0.5 * (1.0 + np.tanh(0.5 * x))
