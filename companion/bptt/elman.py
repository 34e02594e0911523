"""The Elman RNN of chapter 4 in NumPy: :func:`forward` (4.1)-(4.3), :func:`backward` by the
recursion (4.8)-(4.9), and :func:`backward_jacobian_products`, the literal sum (4.6)-(4.7); both
backward passes truncate to K steps by (4.14)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._array_checks import FLOAT, _check_sequences, _initial_state, _require_cache, _require_truncation
from ._shared import _empty_carry, _input_weight_gradient, _output_gradient, _project_inputs, _read_out, _with_new_loss_term
from .parameters import RNNParameters


@dataclass(eq=False)
class RNNCache:
    """What :func:`forward` keeps for :func:`backward`: the inputs and targets, every hidden state
    ``hidden`` (T+1, B, H) with ``hidden[0] = h_0``, the probabilities ŷ (T, B, O), and the loss.

    φ'(a_t) = 1 - h_t² for tanh, so the pre-activations need not be kept (chapter 4).
    """

    inputs: np.ndarray
    targets: np.ndarray
    hidden: np.ndarray
    probabilities: np.ndarray
    loss: float

    @property
    def final_hidden(self) -> np.ndarray:
        """h_T, (B, H): the state to carry into the next chunk of a long sequence."""
        return self.hidden[-1]


def forward(params: RNNParameters, inputs: np.ndarray, h0: np.ndarray | None, targets: np.ndarray):
    """The loss (4.3) of the Elman RNN (4.1)-(4.2) and the :class:`RNNCache` for :func:`backward`.

    ``inputs`` (T, B) ids or (T, B, F) float64, ``h0`` (B, H) or ``None`` for zeros, ``targets``
    (T, B) ids below ``output_size``. Returns ``(loss, cache)`` (chapter 4).

    Raises ``ValueError`` if ``params`` is not :class:`RNNParameters`, or an array's dtype,
    shape or ids do not fit the parameters.
    """
    if not isinstance(params, RNNParameters):
        raise ValueError(f"params: expected RNNParameters, got {type(params).__name__}")
    steps, batch = _check_sequences(inputs, targets, params.input_size, params.output_size)
    h0 = _initial_state("h0", h0, batch, params.hidden_size)
    input_part = _project_inputs(params.U, inputs) + params.b
    hidden = np.empty((steps + 1, batch, params.hidden_size), dtype=FLOAT)
    hidden[0] = h0
    for t in range(steps):
        hidden[t + 1] = np.tanh(input_part[t] + hidden[t] @ params.W.T)  # (4.1)
    probabilities, loss = _read_out(params.V, params.c, hidden[1:], targets)  # (4.2), (4.3)
    return loss, RNNCache(inputs, targets, hidden, probabilities, loss)


def backward(params: RNNParameters, cache: RNNCache, truncation: int | None = None) -> dict[str, np.ndarray]:
    """The gradients by (4.4)-(4.5) and the recursion (4.8)-(4.9), O(T); truncated to K steps by (4.14).

    Returns a dict with ``"U"``, ``"W"``, ``"b"``, ``"V"``, ``"c"`` and ``"h0"`` (∂L/∂h_0). Pass
    the ``params`` that made ``cache``. ``truncation=None`` is full BPTT; ``truncation=k`` lets
    every loss term's gradient cross at most k steps, see the module's notes (chapter 4).

    Raises ``ValueError`` if ``cache`` is not the :class:`RNNCache` of a forward pass with these
    ``params``, or ``truncation`` is neither ``None`` nor a positive integer.
    """
    _require_cache(cache, RNNCache, params, RNNParameters)
    truncation = _require_truncation(truncation)
    hidden = cache.hidden
    steps, batch, hidden_size = hidden.shape[0] - 1, hidden.shape[1], hidden.shape[2]
    output_grad = _output_gradient(cache.probabilities, cache.targets)  # (4.4)
    from_output = output_grad @ params.V  # Vᵀ ∂L/∂o_t, every t at once
    pre_activation_grads = np.empty_like(hidden[1:])  # δ_t ⊙ φ'(a_t)
    carried = _empty_carry(batch, hidden_size, truncation)
    for t in range(steps, 0, -1):
        delta = _with_new_loss_term(carried, from_output[t - 1], truncation)  # (4.8)
        per_term = delta * (1.0 - hidden[t] ** 2)
        pre_activation_grads[t - 1] = per_term.sum(axis=0)
        carried = per_term @ params.W  # Wᵀ(δ_t ⊙ φ'(a_t)), on its way to h_{t-1}
    return {  # (4.9), and (4.5) for V and c
        "U": _input_weight_gradient(pre_activation_grads, cache.inputs, params.input_size),
        "W": np.einsum("tbh,tbk->hk", pre_activation_grads, hidden[:-1]),
        "b": pre_activation_grads.sum(axis=(0, 1)),
        "V": np.einsum("tbo,tbh->oh", output_grad, hidden[1:]),
        "c": output_grad.sum(axis=(0, 1)),
        "h0": carried.sum(axis=0),
    }


def backward_jacobian_products(
    params: RNNParameters, cache: RNNCache, truncation: int | None = None
) -> dict[str, np.ndarray]:
    """The same gradients as :func:`backward`, computed literally as (4.6)-(4.7) (or (4.14)): O(T²).

    For every loss term L_t and every step j ≤ t (j ≥ t-k+1 with truncation k), the chain
    Π_{i=j+1..t} ∂h_i/∂h_{i-1} is formed as a product of explicit (H, H) Jacobians
    diag(φ'(a_i)) W, one per sequence of the batch, and ∂L_t/∂h_t times that chain is
    multiplied into the immediate partial ∂⁺h_j/∂θ. Slow on purpose: it is the form the lecture
    writes, kept to show that it agrees with the recursion (chapter 4).

    Raises ``ValueError`` for the arguments :func:`backward` rejects.
    """
    _require_cache(cache, RNNCache, params, RNNParameters)
    truncation = _require_truncation(truncation)
    hidden = cache.hidden
    steps, batch, hidden_size = hidden.shape[0] - 1, hidden.shape[1], hidden.shape[2]
    output_grad = _output_gradient(cache.probabilities, cache.targets)
    loss_by_state = output_grad @ params.V  # ∂L_t/∂h_t, (T, B, H)
    derivatives = 1.0 - hidden[1:] ** 2  # φ'(a_j)
    jacobians = derivatives[..., None] * params.W  # ∂h_j/∂h_{j-1} = diag(φ'(a_j)) W, (T, B, H, H)
    grads = {
        "U": np.zeros_like(params.U), "W": np.zeros_like(params.W), "b": np.zeros_like(params.b),
        "h0": np.zeros((batch, hidden_size), dtype=FLOAT),
    }
    identity = np.broadcast_to(np.eye(hidden_size), (batch, hidden_size, hidden_size))
    for t in range(1, steps + 1):
        chain = identity  # Π_{i=j+1..t} ∂h_i/∂h_{i-1}, empty for j = t
        first = 1 if truncation is None else max(1, t - truncation + 1)
        for j in range(t, first - 1, -1):
            loss_t_by_h_j = np.einsum("bh,bhk->bk", loss_by_state[t - 1], chain)  # ∂L_t/∂h_j
            # ∂⁺h_j/∂θ: h_j = φ(U x_j + W h_{j-1} + b) with h_{j-1} held constant.
            pre = loss_t_by_h_j * derivatives[j - 1]
            grads["W"] += pre.T @ hidden[j - 1]
            grads["b"] += pre.sum(axis=0)
            grads["U"] += _input_weight_gradient(pre[None], cache.inputs[j - 1 : j], params.input_size)
            if j == 1:
                grads["h0"] += pre @ params.W
            chain = chain @ jacobians[j - 1]
    grads["V"] = np.einsum("tbo,tbh->oh", output_grad, hidden[1:])
    grads["c"] = output_grad.sum(axis=(0, 1))
    return {name: grads[name] for name in ("U", "W", "b", "V", "c", "h0")}
