"""Recurrent cells: one time step of a recurrent network.

A cell maps the input at step *t* and the memory left by step *t−1* to the new memory. The
functional form (``elman_step``) is the single home of the equation; the module
(``ElmanCell``) holds the weights, named and shaped as in ``torch.nn.RNNCell`` so that weights
can be copied between the two.
"""
from __future__ import annotations

import math
from typing import Callable

import torch
from torch import nn

from ._validate import describe_shape, require_choice, require_floating, require_positive_int, require_tensor

ACTIVATIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "tanh": torch.tanh,
    "relu": torch.relu,
    # Linear memory, as in the lecture's worked example (chapter 1); torch.nn.RNN has no such option.
    "identity": lambda z: z,
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
    ``σ`` is ``tanh``, ``relu`` or ``identity``.
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

    .. math::  h_t = \sigma(W_{ih}\, x_t + b_{ih} + W_{yh}\, \hat y_{t-1} + b_{yh}), \qquad
               s_t = W_{hy}\, h_t + b_{hy}

    ``x`` is ``(B, F)``, ``fed_back`` (:math:`\hat y_{t-1}`) is ``(B, O)``; returns the scores
    :math:`s_t` ``(B, O)``, whose softmax is fed back at the next step.
    """
    hidden = elman_step(x, fed_back, weight_ih, weight_yh, bias_ih, bias_yh, nonlinearity)
    scores = hidden @ weight_hy.T
    return scores if bias_hy is None else scores + bias_hy


def uniform_init_bound(hidden_size: int) -> float:
    """torch.nn's recurrent layers draw every weight from U(−1/√H, 1/√H); so do ours."""
    return 1.0 / math.sqrt(hidden_size)


class ElmanCell(nn.Module):
    r"""The simple recurrent cell, the twin of ``torch.nn.RNNCell`` (chapter 1).

    .. math::  h_t = \sigma(W_{ih}\, x_t + b_{ih} + W_{hh}\, h_{t-1} + b_{hh})

    Parameters ``weight_ih`` ``(H, F)``, ``weight_hh`` ``(H, H)``, ``bias_ih`` and ``bias_hh``
    ``(H,)`` have the names and shapes of ``torch.nn.RNNCell``, so
    ``cell.load_state_dict(torch_cell.state_dict())`` works both ways.

    ``forward(x, h=None)`` takes ``x`` of shape ``(B, F)`` (or ``(F,)`` for one example) and the
    previous memory ``h`` of shape ``(B, H)`` (zeros when ``None``), and returns the new memory.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: str = "tanh",
        device=None,
        dtype=None,
    ):
        super().__init__()
        self.input_size = require_positive_int("input_size", input_size)
        self.hidden_size = require_positive_int("hidden_size", hidden_size)
        require_choice("nonlinearity", nonlinearity, tuple(ACTIVATIONS))
        self.nonlinearity = nonlinearity
        self.bias = bias
        factory = {"device": device, "dtype": dtype}
        self.weight_ih = nn.Parameter(torch.empty(hidden_size, input_size, **factory))
        self.weight_hh = nn.Parameter(torch.empty(hidden_size, hidden_size, **factory))
        if bias:
            self.bias_ih = nn.Parameter(torch.empty(hidden_size, **factory))
            self.bias_hh = nn.Parameter(torch.empty(hidden_size, **factory))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = uniform_init_bound(self.hidden_size)
        for weight in self.parameters():
            nn.init.uniform_(weight, -bound, bound)

    def forward(self, x: torch.Tensor, h: torch.Tensor | None = None) -> torch.Tensor:
        require_tensor("x", x)
        require_floating("x", x, self.weight_ih.dtype)
        unbatched = x.dim() == 1
        if unbatched:
            x = x.unsqueeze(0)
        if x.dim() != 2 or x.shape[1] != self.input_size:
            raise ValueError(
                f"x: expected shape (batch, {self.input_size}) or ({self.input_size},), "
                f"got shape {describe_shape(x)}"
            )
        if h is None:
            h = x.new_zeros(x.shape[0], self.hidden_size)
        else:
            require_tensor("h", h)
            h = h.unsqueeze(0) if unbatched else h
            if tuple(h.shape) != (x.shape[0], self.hidden_size):
                raise ValueError(
                    f"h: expected shape ({x.shape[0]}, {self.hidden_size}) (batch, hidden), "
                    f"got shape {describe_shape(h)}"
                )
            require_floating("h", h, self.weight_ih.dtype)
        h_new = elman_step(
            x, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh, self.nonlinearity
        )
        return h_new.squeeze(0) if unbatched else h_new

    def extra_repr(self) -> str:
        return (
            f"{self.input_size}, {self.hidden_size}, nonlinearity={self.nonlinearity!r}"
            + ("" if self.bias else ", bias=False")
        )
