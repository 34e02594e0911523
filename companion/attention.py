r"""Attention over the steps of a sequence: additive and dot-product scores, a masked softmax, attention pooling (chapter 6).

An attention mechanism gives each step :math:`t` of a sequence of keys :math:`k_1 \dots k_T` a
score :math:`e_t` for how well it matches a query :math:`q`, turns the scores into weights that
sum to one over the *real* steps of each sequence, and returns the weighted sum of the keys:

.. math::  \alpha_t = \frac{\exp e_t}{\sum_{s\ \mathrm{real}} \exp e_s}, \qquad
           c = \sum_{t\ \mathrm{real}} \alpha_t\, k_t

Padded steps of a batch get a weight of exactly zero, and what their keys hold (even NaN)
reaches neither the weights nor the context. The scores are additive
(:class:`AdditiveAttention`, Bahdanau et al. 2015), a dot product
(:func:`dot_product_attention`, Luong et al. 2015; scaled, Vaswani et al. 2017), bilinear
(:class:`GeneralAttention`, Luong et al.'s "general" score), or additive with
a learned query (:class:`AttentionPooling`, the word attention of Yang et al. 2016), which turns a
sequence into one vector. Sequences are time-major, keys ``(T, B, K)`` and weights ``(T, B)``, or
``(B, T, K)`` and ``(B, T)`` with ``batch_first``; which steps are real is given either as a
boolean ``mask`` of the weights' shape or as ``lengths``, one per sequence.
"""
from __future__ import annotations

import math

import torch
from torch import nn

from ._checks import require_positive_int
from ._validate import describe_shape, require_floating, require_lengths, require_tensor


def _layout(batch_first: bool, with_features: bool = True) -> str:
    axes = ["batch", "time"] if batch_first else ["time", "batch"]
    return "(" + ", ".join(axes + (["features"] if with_features else [])) + ")"


def _require_keys(
    keys, feature_size: int | None, batch_first: bool, dtype: torch.dtype | None = None, name: str = "keys"
) -> torch.Tensor:
    """``keys`` checked and returned time-major ``(T, B, K)``."""
    require_tensor(name, keys)
    wanted = "" if feature_size is None else f" with features={feature_size}"
    if keys.dim() != 3 or (feature_size is not None and keys.shape[2] != feature_size):
        raise ValueError(
            f"{name}: expected a 3-D tensor {_layout(batch_first)}{wanted}, got shape {describe_shape(keys)}"
        )
    if keys.shape[1 if batch_first else 0] == 0:
        raise ValueError(f"{name}: expected at least one time step, got shape {describe_shape(keys)}")
    require_floating(name, keys, dtype)
    return keys.transpose(0, 1) if batch_first else keys


def real_steps(mask=None, lengths=None, *, steps: int, batch: int, device=None, batch_first: bool = False) -> torch.Tensor:
    """The real steps of a padded batch as a time-major ``(T, B)`` boolean tensor (chapter 6).

    Give at most one of ``mask`` (a boolean tensor ``(T, B)``, ``(B, T)`` with ``batch_first``,
    True at real steps) and ``lengths`` (one integer in ``1..T`` per sequence: the first
    ``lengths[b]`` steps are real); with neither, every step is real. The result is on
    ``device``. Raises ``ValueError`` if both are given, if ``mask`` is not a boolean tensor of
    that shape or leaves a sequence with no real step, or if ``lengths`` is not one integer in
    ``1..T`` per sequence.
    """
    if mask is not None and lengths is not None:
        raise ValueError("mask: expected either mask or lengths, got both; pass one of them")
    if mask is None and lengths is None:
        return torch.ones(steps, batch, dtype=torch.bool, device=device)
    if lengths is not None:
        lengths = require_lengths("lengths", lengths, batch, steps).to(device)
        return torch.arange(steps, device=device).unsqueeze(1) < lengths.unsqueeze(0)
    require_tensor("mask", mask)
    expected = (batch, steps) if batch_first else (steps, batch)
    if mask.dtype != torch.bool or tuple(mask.shape) != expected:
        raise ValueError(
            f"mask: expected a boolean tensor {_layout(batch_first, False)} of shape "
            f"({expected[0]}, {expected[1]}) (True at real steps), "
            f"got shape {describe_shape(mask)} and dtype {mask.dtype}"
        )
    mask = (mask.transpose(0, 1) if batch_first else mask).to(device)
    if batch and not bool(mask.any(dim=0).all()):
        empty = (~mask.any(dim=0)).nonzero().flatten().tolist()
        raise ValueError(f"mask: expected at least one real step in every sequence, got none in sequences {empty[:10]}")
    return mask


def masked_softmax(scores: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    r"""Softmax over time of ``scores`` ``(T, B)``, restricted to the steps where ``mask`` is True (chapter 6).

    .. math::  \alpha_t = \frac{[t\ \mathrm{real}]\, \exp e_t}{\sum_{s\ \mathrm{real}} \exp e_s}

    A padded step's score is replaced by :math:`-\infty` before the softmax, so its weight is
    exactly zero and its score, whatever it is (even NaN), changes nothing. Every sequence needs
    at least one real step (:func:`real_steps` checks this). Raises ``ValueError`` if ``scores``
    is not a floating-point ``(T, B)`` tensor or ``mask`` not a boolean tensor of its shape.
    """
    require_tensor("scores", scores)
    if scores.dim() != 2:
        raise ValueError(f"scores: expected a 2-D tensor (time, batch), got shape {describe_shape(scores)}")
    require_floating("scores", scores)
    require_tensor("mask", mask)
    if mask.dtype != torch.bool or mask.shape != scores.shape:
        raise ValueError(
            f"mask: expected a boolean tensor of the scores' shape {describe_shape(scores)}, "
            f"got shape {describe_shape(mask)} and dtype {mask.dtype}"
        )
    return torch.softmax(scores.masked_fill(~mask, -math.inf), dim=0)


def _require_query(query, size: int | None, batch: int, dtype: torch.dtype | None) -> torch.Tensor:
    require_tensor("query", query)
    wanted = "features" if size is None else f"features={size}"
    if query.dim() != 2 or query.shape[0] != batch or (size is not None and query.shape[1] != size):
        raise ValueError(
            f"query: expected a 2-D tensor (batch, {wanted}) with batch={batch} (the keys' batch), "
            f"got shape {describe_shape(query)}"
        )
    require_floating("query", query, dtype)
    return query


def _context(
    weights: torch.Tensor, keys: torch.Tensor, real: torch.Tensor, batch_first: bool
) -> tuple[torch.Tensor, torch.Tensor]:
    """:math:`c = \\sum_t \\alpha_t k_t` ``(B, K)`` and the weights in the caller's layout."""
    # A zero weight times an inf or NaN key would still be NaN: padded keys must not be read at all.
    real_keys = torch.where(real.unsqueeze(-1), keys, keys.new_zeros(()))
    context = (weights.unsqueeze(-1) * real_keys).sum(dim=0)  # (B, K)
    return context, (weights.transpose(0, 1) if batch_first else weights)


def dot_product_attention(
    query: torch.Tensor,
    keys: torch.Tensor,
    mask: torch.Tensor | None = None,
    lengths=None,
    *,
    scale: bool = True,
    batch_first: bool = False,
) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Dot-product attention of one query per sequence over its keys (chapter 6).

    .. math::
        e_t = \frac{q^\top k_t}{\sqrt{d}}, \qquad
        \alpha = \mathrm{softmax}_{t\ \mathrm{real}}(e), \qquad c = \sum_t \alpha_t k_t

    with :math:`d` the keys' size; ``scale=False`` drops the :math:`\sqrt d`, which gives the
    "dot" score of Luong et al. (2015); with it, it is the scaled dot product of Vaswani et al.
    (2017), whose scaling keeps the scores' spread from growing with :math:`d`. The query and the
    keys must have the same size, as nothing is learned here.

    ``query`` is ``(B, D)``, ``keys`` ``(T, B, D)`` (``(B, T, D)`` with ``batch_first``); real
    steps are given by ``mask`` or ``lengths`` as in :func:`real_steps`. Returns ``(context
    (B, D), weights (T, B))`` (weights ``(B, T)`` with ``batch_first``), the weights zero at
    padded steps. Raises ``ValueError`` for keys that are not a floating-point 3-D tensor with a
    time step, a query that is not ``(B, D)`` of the keys' batch, size and dtype, or a bad
    ``mask`` or ``lengths``.
    """
    keys = _require_keys(keys, None, batch_first)
    steps, batch, size = keys.shape
    query = _require_query(query, size, batch, keys.dtype)
    real = real_steps(mask, lengths, steps=steps, batch=batch, device=keys.device, batch_first=batch_first)
    scores = (keys * query.unsqueeze(0)).sum(dim=-1)  # (T, B)
    if scale:
        scores = scores / math.sqrt(size)
    return _context(masked_softmax(scores, real), keys, real, batch_first)


class AdditiveAttention(nn.Module):
    r"""Additive attention: a small network scores each key against the query (chapter 6; Bahdanau et al. 2015).

    .. math::
        e_t &= v^\top \tanh(W_q\, q + W_k\, k_t),

        \alpha &= \mathrm{softmax}_{t\ \mathrm{real}}(e), \qquad c = \sum_t \alpha_t k_t

    with :math:`W_q` ``(A, Q)``, :math:`W_k` ``(A, K)`` and :math:`v` ``(A,)`` learned and, as in
    Bahdanau et al.'s alignment model, no biases. In their translation model the query is the
    decoder's previous state and the keys are the encoder's outputs, so the query and the keys
    may differ in size. The parameters are ``query_projection.weight`` (:math:`W_q`),
    ``key_projection.weight`` (:math:`W_k`) and ``score.weight`` (:math:`v^\top`, ``(1, A)``),
    drawn as ``torch.nn.Linear`` draws them.

    ``forward(query, keys, mask=None, lengths=None)`` takes ``query`` ``(B, Q)`` and ``keys``
    ``(T, B, K)`` (``(B, T, K)`` with ``batch_first``), real steps as in :func:`real_steps`, and
    returns ``(context (B, K), weights (T, B))`` (weights ``(B, T)`` with ``batch_first``), the
    weights zero at padded steps. ``device`` and ``dtype`` place the parameters as in
    ``torch.nn``. Raises ``ValueError`` for sizes that are not positive integers; from
    ``forward`` for keys that are not ``(T, B, K)`` in the parameters' dtype with a time step, a
    query that is not ``(B, Q)``, or a bad ``mask`` or ``lengths``.
    """

    def __init__(
        self,
        query_size: int,
        key_size: int,
        attention_size: int,
        batch_first: bool = False,
        device=None,
        dtype=None,
    ):
        super().__init__()
        self.query_size = require_positive_int("query_size", query_size)
        self.key_size = require_positive_int("key_size", key_size)
        self.attention_size = require_positive_int("attention_size", attention_size)
        self.batch_first = batch_first
        where = {"device": device, "dtype": dtype}
        self.query_projection = nn.Linear(query_size, attention_size, bias=False, **where)
        self.key_projection = nn.Linear(key_size, attention_size, bias=False, **where)
        self.score = nn.Linear(attention_size, 1, bias=False, **where)

    def forward(self, query: torch.Tensor, keys: torch.Tensor, mask: torch.Tensor | None = None, lengths=None):
        dtype = self.score.weight.dtype
        keys = _require_keys(keys, self.key_size, self.batch_first, dtype)
        steps, batch, _ = keys.shape
        query = _require_query(query, self.query_size, batch, dtype)
        real = real_steps(mask, lengths, steps=steps, batch=batch, device=keys.device, batch_first=self.batch_first)
        hidden = torch.tanh(self.query_projection(query).unsqueeze(0) + self.key_projection(keys))  # (T, B, A)
        scores = self.score(hidden).squeeze(-1)  # (T, B)
        return _context(masked_softmax(scores, real), keys, real, self.batch_first)

    def extra_repr(self) -> str:
        return f"query_size={self.query_size}, key_size={self.key_size}, attention_size={self.attention_size}" + (
            ", batch_first=True" if self.batch_first else ""
        )


class GeneralAttention(nn.Module):
    r"""Bilinear attention: the query meets each key through a learned matrix (chapter 6; Luong et al. 2015's "general" score).

    .. math::
        e_t &= q^\top W k_t,

        \alpha &= \mathrm{softmax}_{t\ \mathrm{real}}(e), \qquad c = \sum_t \alpha_t k_t

    with :math:`W` ``(Q, K)`` learned, so the query and the keys may differ in size; with
    :math:`W = I` it is the plain dot product (:func:`dot_product_attention` with
    ``scale=False``). The one parameter is ``key_projection.weight`` (:math:`W`, a
    ``torch.nn.Linear`` from ``K`` to ``Q`` with no bias, drawn as it draws its weights).

    ``forward(query, keys, mask=None, lengths=None)`` takes ``query`` ``(B, Q)`` and ``keys``
    ``(T, B, K)`` (``(B, T, K)`` with ``batch_first``), real steps as in :func:`real_steps`, and
    returns ``(context (B, K), weights (T, B))`` (weights ``(B, T)`` with ``batch_first``), the
    weights zero at padded steps. ``device`` and ``dtype`` place the parameter as in
    ``torch.nn``. Raises ``ValueError`` for sizes that are not positive integers; from
    ``forward`` for keys that are not ``(T, B, K)`` in the parameter's dtype with a time step, a
    query that is not ``(B, Q)``, or a bad ``mask`` or ``lengths``.
    """

    def __init__(self, query_size: int, key_size: int, batch_first: bool = False, device=None, dtype=None):
        super().__init__()
        self.query_size = require_positive_int("query_size", query_size)
        self.key_size = require_positive_int("key_size", key_size)
        self.batch_first = batch_first
        self.key_projection = nn.Linear(key_size, query_size, bias=False, device=device, dtype=dtype)

    def forward(self, query: torch.Tensor, keys: torch.Tensor, mask: torch.Tensor | None = None, lengths=None):
        dtype = self.key_projection.weight.dtype
        keys = _require_keys(keys, self.key_size, self.batch_first, dtype)
        steps, batch, _ = keys.shape
        query = _require_query(query, self.query_size, batch, dtype)
        real = real_steps(mask, lengths, steps=steps, batch=batch, device=keys.device, batch_first=self.batch_first)
        scores = (self.key_projection(keys) * query.unsqueeze(0)).sum(dim=-1)  # (T, B)
        return _context(masked_softmax(scores, real), keys, real, self.batch_first)

    def extra_repr(self) -> str:
        return f"query_size={self.query_size}, key_size={self.key_size}" + (", batch_first=True" if self.batch_first else "")


class AttentionPooling(nn.Module):
    r"""A sequence pooled into one vector by attention with a learned query: word attention (chapter 6; Yang et al. 2016).

    .. math::
        u_t &= \tanh(W h_t + b), \qquad e_t = u_w^\top u_t,

        \alpha &= \mathrm{softmax}_{t\ \mathrm{real}}(e), \qquad s = \sum_t \alpha_t h_t

    Yang et al. (2016) pool a sentence's word states :math:`h_t` this way; :math:`u_w`, the
    "word context vector", is learned with the rest and plays the part of a query that asks
    "which words matter here?". This is :class:`AdditiveAttention` with a query that is the same
    for every sequence: :math:`v^\top \tanh(W_q q + W_k h_t)` with a fixed :math:`q` is the above
    with :math:`b = W_q q` and :math:`u_w = v`. The parameters are ``projection.weight`` and
    ``projection.bias`` (:math:`W`, :math:`b`, drawn as ``torch.nn.Linear`` draws them) and
    ``context_vector`` (:math:`u_w`, ``(A,)``, uniform in :math:`\pm 1/\sqrt{A}`).

    ``forward(input, mask=None, lengths=None)`` takes the states ``(T, B, K)`` (``(B, T, K)``
    with ``batch_first``), real steps as in :func:`real_steps`, and returns ``(pooled (B, K),
    weights (T, B))`` (weights ``(B, T)`` with ``batch_first``), the weights zero at padded
    steps. ``device`` and ``dtype`` place the parameters as in ``torch.nn``. Raises
    ``ValueError`` for sizes that are not positive integers; from ``forward`` for an input that
    is not ``(T, B, K)`` in the parameters' dtype with a time step, or a bad ``mask`` or
    ``lengths``.
    """

    def __init__(self, input_size: int, attention_size: int, batch_first: bool = False, device=None, dtype=None):
        super().__init__()
        self.input_size = require_positive_int("input_size", input_size)
        self.attention_size = require_positive_int("attention_size", attention_size)
        self.batch_first = batch_first
        self.projection = nn.Linear(input_size, attention_size, device=device, dtype=dtype)
        self.context_vector = nn.Parameter(torch.empty(attention_size, device=device, dtype=dtype))
        bound = 1.0 / math.sqrt(attention_size)
        nn.init.uniform_(self.context_vector, -bound, bound)

    def forward(self, input: torch.Tensor, mask: torch.Tensor | None = None, lengths=None):
        states = _require_keys(input, self.input_size, self.batch_first, self.context_vector.dtype, "input")
        steps, batch, _ = states.shape
        real = real_steps(mask, lengths, steps=steps, batch=batch, device=states.device, batch_first=self.batch_first)
        scores = torch.tanh(self.projection(states)) @ self.context_vector  # (T, B)
        return _context(masked_softmax(scores, real), states, real, self.batch_first)

    def extra_repr(self) -> str:
        return f"input_size={self.input_size}, attention_size={self.attention_size}" + (
            ", batch_first=True" if self.batch_first else ""
        )
