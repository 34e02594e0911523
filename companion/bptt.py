"""Backpropagation through time by hand, in NumPy: the Elman RNN and the LSTM (chapter 4).

Everything here is float64 NumPy and vectorised over a batch; nothing imports torch, so that the
chapter's derivations can be read, run and checked line by line. Arrays are time-major:

* ``inputs``: ``(T, B)`` integer ids (a character model; ``x_t`` is the one-hot vector of the id,
  so ``U x_t`` is a column of ``U``) or ``(T, B, F)`` float64 vectors;
* ``targets``: ``(T, B)`` integer ids of the classes to predict at each step;
* ``h0`` (and ``c0`` for the LSTM): ``(B, H)``, or ``None`` for zeros.

Time is counted from 1 in the equations and from 0 in the arrays: ``inputs[t - 1]`` is ``x_t``;
in a cache, ``hidden[t]`` is ``h_t`` and ``hidden[0]`` is ``h_0``.

The Elman RNN of the notes, with φ = tanh (the numbers are those of the equations of chapter 4)::

    a_t = U x_t + W h_{t-1} + b,    h_t = φ(a_t)                                    (4.1)
    o_t = V h_t + c,                ŷ_t = softmax(o_t)                              (4.2)
    L = (1/B) Σ_batch Σ_{t=1..T} L_t,    L_t = -log ŷ_t[y_t]                        (4.3)

The loss is **summed over time and averaged over the batch**: with one sequence it is the total
cross-entropy of the sequence (min-char-rnn's loss), and it does not grow with the batch size.
Every function of this module uses that normalisation; the trainer reports it divided by ``T``
(nats per character).

Backward, with ⊙ the element-wise product and φ'(a_t) = 1 - h_t² for tanh. The read-out first::

    ∂L/∂o_t = (ŷ_t - onehot(y_t)) / B                                               (4.4)
    ∂L/∂V = Σ_t ∂L/∂o_t h_tᵀ,    ∂L/∂c = Σ_t ∂L/∂o_t                                (4.5)

then the recurrence, written as the notes write it: a sum over every loss term L_t and every
earlier step k of products of Jacobians::

    ∂h_j/∂h_{j-1} = diag(φ'(a_j)) W                                                 (4.6)
    ∂L/∂W = Σ_{t=1..T} Σ_{k=1..t} ∂L_t/∂h_t (Π_{j=k+1..t} ∂h_j/∂h_{j-1}) ∂⁺h_k/∂W,
    and the same for U and b                                                        (4.7)

where ∂⁺h_k/∂W is the immediate partial derivative (h_{k-1} held constant). It costs O(T²);
:func:`backward_jacobian_products` computes it literally. The recursion that the code uses, with
δ_t = ∂L/∂h_t (the gradient of all loss terms, through every path)::

    δ_t = Vᵀ ∂L/∂o_t + Wᵀ (δ_{t+1} ⊙ φ'(a_{t+1})),    δ_{T+1} = 0                    (4.8)
    ∂L/∂W = Σ_t (δ_t ⊙ φ'(a_t)) h_{t-1}ᵀ,   ∂L/∂U = Σ_t (δ_t ⊙ φ'(a_t)) x_tᵀ,
    ∂L/∂b = Σ_t δ_t ⊙ φ'(a_t),   ∂L/∂h_0 = Wᵀ (δ_1 ⊙ φ'(a_1))                         (4.9)

gives the same numbers as (4.7) in one backward sweep: O(T) (:func:`backward`).

**Truncated BPTT to K steps** (``truncation=K``): each loss term L_t sends its gradient back
through the K most recent applications of the recurrence, steps t, t-1, ..., t-K+1, and no
further; the state entering step t-K+1 is treated as a constant::

    g_K = Σ_{t=1..T} Σ_{k=max(1, t-K+1)..t} ∂L_t/∂h_t (Π_{j=k+1..t} ∂h_j/∂h_{j-1}) ∂⁺h_k/∂θ   (4.14)

for every θ among U, W, b (V and c only ever see step t). ``h_0`` is reached through step 1, so
it receives the gradient of L_t only when t ≤ K. With K = 1 no gradient crosses a time step;
with K ≥ T, (4.14) is exactly (4.7). This is not the same as cutting the sequence into chunks
(min-char-rnn's truncation, which :func:`train_char_rnn` does by processing ``sequence_length``
characters at a time and carrying the state forward). Computing (4.14) one loss term at a time
costs O(T·K); :func:`backward` gets the same O(T·K) in one sweep by carrying, at each step, one
δ per loss term still within its window (at most K of them) and dropping the one whose window
closes.

The LSTM follows ``torch.nn.LSTM`` (gate order i, f, g, o stacked in the rows of the weights)::

    z_t = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh = [z^i; z^f; z^g; z^o]
    i_t = σ(z^i),  f_t = σ(z^f),  g_t = tanh(z^g),  o_t = σ(z^o)
    c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t,    h_t = o_t ⊙ tanh(c_t)                        (4.10)

with the same read-out (a linear layer, softmax, cross-entropy (4.2)-(4.3)). Its backward
carries two gradients, ∂L/∂h_t and ∂L/∂c_t::

    ∂L/∂c_t = ∂L/∂c_t|_{from t+1} + ∂L/∂h_t ⊙ o_t ⊙ (1 - tanh²(c_t)),
    ∂L/∂c_{t-1}|_{from t} = ∂L/∂c_t ⊙ f_t,
    ∂L/∂z^i = ∂L/∂c_t ⊙ g_t ⊙ i_t(1-i_t),    ∂L/∂z^f = ∂L/∂c_t ⊙ c_{t-1} ⊙ f_t(1-f_t),
    ∂L/∂z^g = ∂L/∂c_t ⊙ i_t ⊙ (1-g_t²),      ∂L/∂z^o = ∂L/∂h_t ⊙ tanh(c_t) ⊙ o_t(1-o_t),
    ∂L/∂h_{t-1}|_{from t} = W_hhᵀ ∂L/∂z_t                                           (4.11)

Truncation (4.14) applies to both paths.

Training helpers: global-norm clipping (4.16), SGD and Adagrad (4.15) in
:func:`train_char_rnn`, :func:`sample`; checks: :func:`numerical_gradient` (central
differences, (4.12)), :func:`relative_error` (4.13), :func:`gradient_check`; and
:func:`cache_nbytes` and :func:`bptt_cost` for the time and memory of BPTT as the sequence grows.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, fields
from typing import Callable, Mapping, Sequence

import numpy as np

FLOAT = np.float64

__all__ = [
    "CharRNNTraining",
    "LSTMCache",
    "LSTMParameters",
    "RNNCache",
    "RNNParameters",
    "backward",
    "backward_jacobian_products",
    "bptt_cost",
    "cache_nbytes",
    "clip_by_global_norm",
    "forward",
    "global_norm",
    "gradient_check",
    "init_lstm",
    "init_rnn",
    "lstm_backward",
    "lstm_forward",
    "numerical_gradient",
    "relative_error",
    "sample",
    "train_char_rnn",
]


# ---- input checks ------------------------------------------------------------------------------


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


def _require_positive_int(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name}: expected a positive integer, got {value!r}")
    return int(value)


def _require_positive_float(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)) or not (
        np.isfinite(value) and value > 0
    ):
        raise ValueError(f"{name}: expected a positive finite number, got {value!r}")
    return float(value)


def _require_truncation(truncation) -> int | None:
    if truncation is None:
        return None
    if isinstance(truncation, bool) or not isinstance(truncation, (int, np.integer)) or truncation < 1:
        raise ValueError(
            f"truncation: expected None (full BPTT) or a positive number of steps, got {truncation!r}"
        )
    return int(truncation)


def _generator(name: str, seed) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
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


# ---- parameters --------------------------------------------------------------------------------


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


def _require_matrix(name: str, value) -> np.ndarray:
    if not isinstance(value, np.ndarray) or value.dtype != FLOAT or value.ndim != 2:
        raise ValueError(f"{name}: expected a 2-D float64 array, got {_describe(value)}")
    return value


@dataclass(eq=False)
class RNNParameters(_Parameters):
    """The Elman RNN (4.1)-(4.2): U (H, F), W (H, H), b (H,), V (O, H), c (O,) (chapter 4)."""

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

    ``seed`` is a ``numpy.random.Generator`` or an integer seed.
    """
    sizes = [_require_positive_int(name, value) for name, value in
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
    """LSTM and read-out parameters drawn uniformly from [-1/√H, 1/√H], as torch initialises them."""
    sizes = [_require_positive_int(name, value) for name, value in
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


# ---- shared pieces -----------------------------------------------------------------------------


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


# ---- the Elman RNN -----------------------------------------------------------------------------


@dataclass(eq=False)
class RNNCache:
    """What :func:`forward` keeps for :func:`backward`: the inputs and targets, every hidden state
    ``hidden`` (T+1, B, H) with ``hidden[0] = h_0``, the probabilities ŷ (T, B, O), and the loss.

    φ'(a_t) = 1 - h_t² for tanh, so the pre-activations need not be kept.
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


def backward(params: RNNParameters, cache: RNNCache, truncation: int | None = None) -> dict[str, np.ndarray]:
    """The gradients by (4.4)-(4.5) and the recursion (4.8)-(4.9), O(T); truncated to K steps by (4.14).

    Returns a dict with ``"U"``, ``"W"``, ``"b"``, ``"V"``, ``"c"`` and ``"h0"`` (∂L/∂h_0). Pass
    the ``params`` that made ``cache``. ``truncation=None`` is full BPTT; ``truncation=k`` lets
    every loss term's gradient cross at most k steps, see the module's notes (chapter 4).
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


# ---- the LSTM ----------------------------------------------------------------------------------


@dataclass(eq=False)
class LSTMCache:
    """What :func:`lstm_forward` keeps: inputs, targets, ``hidden`` and ``cells`` (T+1, B, H)
    with the initial states at index 0, the gate activations ``gates`` (T, B, 4H) in the order
    i, f, g, o (after σ or tanh), ``cell_tanh`` = tanh(c_t) (T, B, H), ŷ (T, B, O) and the loss."""

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


# ---- checking gradients ------------------------------------------------------------------------


def numerical_gradient(f: Callable[[], float], array: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central differences (f(x + ε) - f(x - ε)) / 2ε, (4.12), for every entry of ``array`` (chapter 4).

    ``f`` takes no argument and must compute its value from the current contents of ``array``,
    which is changed in place one entry at a time and restored afterwards. The error is O(ε²)
    plus rounding of order (machine epsilon · |f|) / ε.
    """
    if not callable(f):
        raise ValueError(f"f: expected a function of no arguments returning a number, got {type(f).__name__}")
    if not isinstance(array, np.ndarray) or array.dtype != FLOAT or not array.flags.writeable:
        raise ValueError(f"array: expected a writeable float64 array (changed in place), got {_describe(array)}")
    eps = _require_positive_float("eps", eps)
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
    """max |a - b| / max(max |a|, max |b|), (4.13): the largest difference relative to the arrays' scale.

    Entry-wise relative errors are meaningless for entries near zero (rounding dominates them),
    so the difference is measured against the largest entry. 0 when both arrays are zero.
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
    """The :func:`relative_error` between the backward pass and central differences, per array.

    Works for :class:`RNNParameters` (keys: the parameters and ``"h0"``) and
    :class:`LSTMParameters` (also ``"c0"``). Full BPTT only: a truncated gradient is not the
    gradient of any loss. Errors around 1e-8 or smaller mean the backward pass is right; a
    mistake shows as 1e-3 or more. ``eps`` is 1e-5 rather than :func:`numerical_gradient`'s 1e-6
    because, for losses of order 10, it balances rounding, of order (machine epsilon · |L|) / ε,
    against the O(ε²) error of the difference quotient.
    """
    is_lstm = isinstance(params, LSTMParameters)
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


# ---- training a character model ----------------------------------------------------------------


def global_norm(grads: Mapping[str, np.ndarray]) -> float:
    """‖g‖ = sqrt(Σ over arrays of Σ g²): the norm of all gradients as one vector."""
    return float(np.sqrt(sum(float(np.sum(g * g)) for g in grads.values())))


def clip_by_global_norm(grads: Mapping[str, np.ndarray], max_norm: float) -> tuple[dict[str, np.ndarray], float]:
    """Gradients rescaled so that their global norm is at most ``max_norm``, and the norm before.

    g ← g · min(1, τ / ‖g‖)   (4.16): the direction is kept, only the step shrinks, which tames
    the exploding gradients of long chains of Jacobians (chapter 4).
    """
    max_norm = _require_positive_float("max_norm", max_norm)
    norm = global_norm(grads)
    scale = min(1.0, max_norm / norm) if norm > 0 else 1.0
    return {name: g * scale for name, g in grads.items()}, norm


@dataclass(eq=False)
class CharRNNTraining:
    """The result of :func:`train_char_rnn`.

    ``losses[s]``: the loss (4.3) of step ``s`` divided by the chunk length, in nats per
    character (ln(vocabulary size) for a uniform guess). ``gradient_norms[s]``: the global norm
    of step ``s``'s gradients before clipping. ``hidden``: the state after the last chunk.
    """

    params: RNNParameters
    losses: list[float]
    gradient_norms: list[float]
    hidden: np.ndarray


def _require_ids(name: str, ids) -> np.ndarray:
    if not _is_integer_array(ids) or ids.ndim != 1:
        raise ValueError(f"{name}: expected a 1-D integer array of character ids, got {_describe(ids)}")
    return ids


def train_char_rnn(
    ids: np.ndarray,
    vocabulary_size: int,
    *,
    hidden_size: int = 100,
    sequence_length: int = 25,
    steps: int = 1000,
    learning_rate: float = 0.1,
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

    When the streams run out, reading starts again at their beginning from a zero state. ``h0``
    is not trained. ``callback(step, loss, params)`` is called after every update; ``progress``
    shows a tqdm bar. Returns a :class:`CharRNNTraining`.
    """
    ids = _require_ids("ids", ids)
    vocabulary_size = _require_positive_int("vocabulary_size", vocabulary_size)
    _check_ids("ids", ids, vocabulary_size, "vocabulary_size")
    sequence_length = _require_positive_int("sequence_length", sequence_length)
    steps = _require_positive_int("steps", steps)
    batch_size = _require_positive_int("batch_size", batch_size)
    learning_rate = _require_positive_float("learning_rate", learning_rate)
    if optimizer not in ("sgd", "adagrad"):
        raise ValueError(f"optimizer: expected one of 'sgd', 'adagrad', got {optimizer!r}")
    if clip_norm is not None:
        clip_norm = _require_positive_float("clip_norm", clip_norm)
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
        params = init_rnn(vocabulary_size, _require_positive_int("hidden_size", hidden_size), vocabulary_size, seed)
    elif not isinstance(params, RNNParameters):
        raise ValueError(f"params: expected None or RNNParameters, got {type(params).__name__}")
    elif params.input_size != vocabulary_size or params.output_size != vocabulary_size:
        raise ValueError(
            f"params: expected input_size and output_size equal to vocabulary_size = {vocabulary_size}, "
            f"got {params.input_size} and {params.output_size}"
        )
    else:
        params = params.copy()
    streams = ids[: stream_length * batch_size].reshape(batch_size, stream_length).T  # (time, batch)
    names = [field.name for field in fields(params)]
    memory = {name: np.zeros_like(array) for name, array in params.arrays().items()}
    hidden = np.zeros((batch_size, params.hidden_size), dtype=FLOAT)
    losses: list[float] = []
    gradient_norms: list[float] = []
    position = 0
    bar = None
    if progress:
        from .progress import progress_bar  # imported here: a plain run needs no progress bar

        bar = progress_bar(steps, "training")
    try:
        for step in range(steps):
            if position + sequence_length + 1 > stream_length:
                position = 0
                hidden = np.zeros_like(hidden)
            chunk = streams[position : position + sequence_length + 1]
            loss, cache = forward(params, chunk[:-1], hidden, chunk[1:])
            grads = backward(params, cache, truncation)
            grads = {name: grads[name] for name in names}
            norm = global_norm(grads)
            if clip_norm is not None:
                grads, _ = clip_by_global_norm(grads, clip_norm)
            for name, array in params.arrays().items():
                if optimizer == "sgd":
                    array -= learning_rate * grads[name]
                else:
                    memory[name] += grads[name] ** 2
                    array -= learning_rate * grads[name] / np.sqrt(memory[name] + 1e-8)
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
    if isinstance(seed_id, bool) or not isinstance(seed_id, (int, np.integer)) or not 0 <= seed_id < params.input_size:
        raise ValueError(f"seed_id: expected an id in 0..{params.input_size - 1}, got {seed_id!r}")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"n: expected a non-negative integer, got {n!r}")
    temperature = _require_positive_float("temperature", temperature)
    rng = _generator("rng", rng)
    drawn = np.empty(int(n), dtype=np.int64)
    current = int(seed_id)
    for k in range(int(n)):
        h = np.tanh(params.U[:, current] + params.W @ h + params.b)
        logits = (params.V @ h + params.c) / temperature
        probabilities = np.exp(logits - logits.max())
        current = int(rng.choice(params.output_size, p=probabilities / probabilities.sum()))
        drawn[k] = current
    return drawn


# ---- cost --------------------------------------------------------------------------------------


def cache_nbytes(cache: RNNCache | LSTMCache) -> int:
    """Bytes of the arrays a cache keeps for the backward pass: they grow linearly with T."""
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
    """
    is_lstm = isinstance(params, LSTMParameters)
    if not is_lstm and not isinstance(params, RNNParameters):
        raise ValueError(f"params: expected RNNParameters or LSTMParameters, got {type(params).__name__}")
    if method not in ("recursive", "jacobian_products") or (is_lstm and method != "recursive"):
        allowed = "'recursive'" if is_lstm else "'recursive', 'jacobian_products'"
        raise ValueError(f"method: expected one of {allowed}, got {method!r}")
    if isinstance(sequence_lengths, (str, bytes)) or not isinstance(sequence_lengths, Sequence) or not sequence_lengths:
        raise ValueError(f"sequence_lengths: expected a non-empty list of positive integers, got {sequence_lengths!r}")
    lengths = [_require_positive_int("sequence_lengths", length) for length in sequence_lengths]
    batch_size = _require_positive_int("batch_size", batch_size)
    repeats = _require_positive_int("repeats", repeats)
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
