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

Training helpers: global-norm clipping (4.16) and, for chapter 5, clipping by value
(:func:`clip_by_value`), SGD and Adagrad (4.15) in :func:`train_char_rnn`, :func:`sample`;
checks: :func:`numerical_gradient` (central differences, (4.12)), :func:`relative_error`
(4.13), :func:`gradient_check`; and
:func:`cache_nbytes` and :func:`bptt_cost` for the time and memory of BPTT as the sequence grows.

The code lives in one module per concept: ``parameters`` (the weights and their initialisation),
``elman`` and ``lstm`` (forward and backward passes), ``gradient_check``, ``training`` (clipping,
the trainer, sampling) and ``cost``; every public name is importable from ``companion.bptt``.
"""
from __future__ import annotations

from ._array_checks import FLOAT
from .cost import bptt_cost, cache_nbytes
from .elman import RNNCache, backward, backward_jacobian_products, forward
from .gradient_check import gradient_check, numerical_gradient, relative_error
from .lstm import LSTMCache, lstm_backward, lstm_forward
from .parameters import LSTMParameters, RNNParameters, init_lstm, init_rnn
from .training import CharRNNTraining, clip_by_global_norm, clip_by_value, global_norm, sample, train_char_rnn

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
    "clip_by_value",
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
