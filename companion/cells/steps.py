"""One time step of each recurrent cell as a function: the single home of each cell's equation (chapters 1 to 3).

``elman_step`` (chapter 1), ``jordan_step`` (chapter 2), ``lstm_step`` and ``gru_step``
(chapter 3) map the input at step *t* and the memory left by step *t−1* to the new memory.
Chapter 5's cells are in :mod:`~companion.cells.long_memory_steps`.
"""
from __future__ import annotations

import math
from typing import Callable

import torch

from ..lstm_variants import require_forget_gate_if_coupled

ACTIVATIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "tanh": torch.tanh,
    "relu": torch.relu,
    # Linear memory, as in the lecture's worked example (chapter 1); torch.nn.RNN has no such option.
    "identity": lambda z: z,
    # The logistic RNN whose gradients chapter 5 compares with tanh's and ReLU's; not in torch.nn.RNN either.
    "sigmoid": torch.sigmoid,
}


def elman_step(
    x: torch.Tensor,
    h: torch.Tensor,
    weight_ih: torch.Tensor,
    weight_hh: torch.Tensor,
    bias_ih: torch.Tensor | None,
    bias_hh: torch.Tensor | None,
    nonlinearity: str = "tanh",
) -> torch.Tensor:
    r"""One step of the simple (Elman) recurrent network (chapter 1, chapter 2).

    .. math::  h_t = \sigma(W_{ih}\, x_t + b_{ih} + W_{hh}\, h_{t-1} + b_{hh})

    ``x`` is ``(B, F)``, ``h`` is ``(B, H)``; returns the new memory ``h_t`` of shape ``(B, H)``.
    ``σ`` is ``tanh``, ``relu``, ``identity`` or ``sigmoid`` (the logistic function, chapter 5).
    """
    pre_activation = x @ weight_ih.T + h @ weight_hh.T
    if bias_ih is not None:
        pre_activation = pre_activation + bias_ih + bias_hh
    return ACTIVATIONS[nonlinearity](pre_activation)


def jordan_step(
    x: torch.Tensor,
    fed_back: torch.Tensor,
    weight_ih: torch.Tensor,
    weight_yh: torch.Tensor,
    bias_ih: torch.Tensor | None,
    bias_yh: torch.Tensor | None,
    weight_hy: torch.Tensor,
    bias_hy: torch.Tensor | None,
    nonlinearity: str = "tanh",
) -> torch.Tensor:
    r"""One step of the Jordan network (chapter 2): the previous output, not the memory, comes back.

    .. math::
        h_t &= \sigma(W_{ih}\, x_t + b_{ih} + W_{yh}\, \hat y_{t-1} + b_{yh}),

        s_t &= W_{hy}\, h_t + b_{hy}

    ``x`` is ``(B, F)``, ``fed_back`` (:math:`\hat y_{t-1}`) is ``(B, O)``; returns the scores
    :math:`s_t` ``(B, O)``, whose softmax is fed back at the next step.
    """
    hidden = elman_step(x, fed_back, weight_ih, weight_yh, bias_ih, bias_yh, nonlinearity)
    scores = hidden @ weight_hy.T
    return scores if bias_hy is None else scores + bias_hy


def lstm_step(
    x: torch.Tensor,
    state: tuple[torch.Tensor, torch.Tensor],
    weight_ih: torch.Tensor,
    weight_hh: torch.Tensor,
    bias_ih: torch.Tensor | None,
    bias_hh: torch.Tensor | None,
    weight_peephole: torch.Tensor | None = None,
    coupled: bool = False,
    forget_gate: bool = True,
) -> tuple[torch.Tensor, torch.Tensor]:
    r"""One step of the long short-term memory (LSTM), as ``torch.nn.LSTM`` computes it (chapter 3, equations (3.3)-(3.8)).

    .. math::
        i_t &= \sigma(W_{ii}\, x_t + b_{ii} + W_{hi}\, h_{t-1} + b_{hi}) \\
        f_t &= \sigma(W_{if}\, x_t + b_{if} + W_{hf}\, h_{t-1} + b_{hf}) \\
        g_t &= \tanh(W_{ig}\, x_t + b_{ig} + W_{hg}\, h_{t-1} + b_{hg}) \\
        o_t &= \sigma(W_{io}\, x_t + b_{io} + W_{ho}\, h_{t-1} + b_{ho}) \\
        c_t &= f_t \odot c_{t-1} + i_t \odot g_t \\
        h_t &= o_t \odot \tanh(c_t)

    ``x`` is ``(B, F)`` and ``state`` the pair ``(h, c)`` of ``(B, H)`` memories; returns the new
    pair :math:`(h_t, c_t)`. ``weight_ih`` ``(4H, F)``, ``weight_hh`` ``(4H, H)`` and the biases
    ``(4H,)`` hold the four gates' rows in torch's order *i, f, g, o*.

    Three variants, none of which ``torch.nn.LSTM`` has:

    * ``weight_peephole`` ``(3, H)``, rows :math:`p_i, p_f, p_o`: peephole connections (Gers &
      Schmidhuber 2000). The input and forget gates also see the previous cell, the output gate
      the new one, each through a diagonal (elementwise) weight:
      :math:`i_t = \sigma(\dots + p_i \odot c_{t-1})`, :math:`f_t = \sigma(\dots + p_f \odot c_{t-1})`,
      :math:`o_t = \sigma(\dots + p_o \odot c_t)`. With zero peepholes this is the plain LSTM.
    * ``coupled``: the input gate is tied to the forget gate, :math:`i_t = 1 - f_t` (what is let
      in is what is forgotten). The rows of the *i* block (and :math:`p_i`) stay in the weights, so
      the layout is torch's, but they take no part and get zero gradients.
    * ``forget_gate=False``: :math:`f_t = 1`, so :math:`c_t = c_{t-1} + i_t \odot g_t`, the cell
      of the first LSTM (Hochreiter & Schmidhuber 1997), which can only add to its memory. The
      *f* block (and :math:`p_f`) takes no part. Raises ``ValueError`` if combined with ``coupled``.
    """
    require_forget_gate_if_coupled(coupled, forget_gate)
    h, c = state
    gates = x @ weight_ih.T + h @ weight_hh.T
    if bias_ih is not None:
        gates = gates + bias_ih + bias_hh
    input_pre, forget_pre, candidate_pre, output_pre = gates.chunk(4, dim=-1)
    if weight_peephole is not None:
        peep_input, peep_forget, peep_output = weight_peephole
        input_pre = input_pre + peep_input * c
        forget_pre = forget_pre + peep_forget * c
    candidate = torch.tanh(candidate_pre)
    if forget_gate:
        forget = torch.sigmoid(forget_pre)
        input_gate = 1 - forget if coupled else torch.sigmoid(input_pre)
        c_new = forget * c + input_gate * candidate
    else:
        c_new = c + torch.sigmoid(input_pre) * candidate
    if weight_peephole is not None:
        output_pre = output_pre + peep_output * c_new
    h_new = torch.sigmoid(output_pre) * torch.tanh(c_new)
    return h_new, c_new


def gru_step(
    x: torch.Tensor,
    h: torch.Tensor,
    weight_ih: torch.Tensor,
    weight_hh: torch.Tensor,
    bias_ih: torch.Tensor | None,
    bias_hh: torch.Tensor | None,
) -> torch.Tensor:
    r"""One step of the gated recurrent unit (GRU), exactly as ``torch.nn.GRU`` computes it (chapter 3, equations (3.9)-(3.12)).

    .. math::
        r_t &= \sigma(W_{ir}\, x_t + b_{ir} + W_{hr}\, h_{t-1} + b_{hr}) \\
        z_t &= \sigma(W_{iz}\, x_t + b_{iz} + W_{hz}\, h_{t-1} + b_{hz}) \\
        n_t &= \tanh\big(W_{in}\, x_t + b_{in} + r_t \odot (W_{hn}\, h_{t-1} + b_{hn})\big) \\
        h_t &= (1 - z_t) \odot n_t + z_t \odot h_{t-1}

    ``x`` is ``(B, F)``, ``h`` ``(B, H)``; returns :math:`h_t` ``(B, H)``. ``weight_ih`` ``(3H, F)``,
    ``weight_hh`` ``(3H, H)`` and the biases ``(3H,)`` hold the rows in torch's order *r, z, n*.

    Where Cho et al. (2014) differ: their candidate memory resets :math:`h_{t-1}` *before* the
    matrix product, :math:`\tilde h_t = \tanh(W x_t + U (r_t \odot h_{t-1}))`, while torch (like
    cuDNN) resets the product, :math:`r_t \odot (W_{hn} h_{t-1} + b_{hn})`. The two have the same
    parameters but are different functions of them, so weights do not carry over exactly. Their
    update :math:`h_t = z_t \odot h_{t-1} + (1 - z_t) \odot \tilde h_t` is torch's: :math:`z_t`
    near 1 keeps the old memory. (Some texts, e.g. Chung et al. 2014, swap the roles,
    :math:`h_t = (1 - z_t) \odot h_{t-1} + z_t \odot \tilde h_t`: the same family with
    :math:`z_t` read as :math:`1 - z_t`.) Cho et al. write no biases; torch has two per gate, of
    which only :math:`b_{hn}`, inside the reset, is not redundant with its partner.
    """
    from_input = x @ weight_ih.T
    from_memory = h @ weight_hh.T
    if bias_ih is not None:
        from_input = from_input + bias_ih
        from_memory = from_memory + bias_hh
    input_reset, input_update, input_candidate = from_input.chunk(3, dim=-1)
    memory_reset, memory_update, memory_candidate = from_memory.chunk(3, dim=-1)
    reset = torch.sigmoid(input_reset + memory_reset)
    update = torch.sigmoid(input_update + memory_update)
    candidate = torch.tanh(input_candidate + reset * memory_candidate)
    return (1 - update) * candidate + update * h


def uniform_init_bound(hidden_size: int) -> float:
    """The bound 1/√H of U(−1/√H, 1/√H), whence torch.nn's recurrent layers, and ours, draw every weight (chapters 1-3)."""
    return 1.0 / math.sqrt(hidden_size)
