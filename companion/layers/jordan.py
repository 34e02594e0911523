"""The Jordan network, whose recurrence carries the previous step's output (chapter 2)."""
from __future__ import annotations

import torch
from torch import nn

from .._checks import require_choice, require_positive_int
from .._recurrent_checks import time_major_input
from .._validate import describe_shape, require_floating, require_tensor
from ..cells import ACTIVATIONS, jordan_step, uniform_init_bound
from .unroll import unroll


class JordanRNN(nn.Module):
    r"""The Jordan network: the previous step's *output*, not its hidden memory, feeds the recurrence (chapter 2).

    .. math::
        h_t &= \sigma(W_{ih}\, x_t + b_{ih} + W_{yh}\, \hat y_{t-1} + b_{yh}),

        s_t &= W_{hy}\, h_t + b_{hy}, \qquad \hat y_t = \mathrm{softmax}(s_t)

    with :math:`\hat y_0 = 0` unless ``hx`` gives it. What is carried from step to step is the
    network's own prediction :math:`\hat y_{t-1}` (a distribution over ``output_size`` classes,
    as in Jordan 1986 and the Jordan taggers of Mesnil et al. 2015). ``forward(input, hx=None,
    lengths=None)`` takes ``hx`` :math:`\hat y_0` ``(B, O)`` and returns ``(scores, y_n)``: the
    scores :math:`s_t` at every step ``(T, B, O)`` (``(B, T, O)`` with ``batch_first``) and the
    last fed-back distribution ``(B, O)``. Parameters: ``weight_ih`` ``(H, F)``, ``weight_yh``
    ``(H, O)``, ``weight_hy`` ``(O, H)`` and, with ``bias``, ``bias_ih``, ``bias_yh`` ``(H,)`` and
    ``bias_hy`` ``(O,)``. No torch twin exists.

    Raises ``ValueError`` for sizes that are not positive integers or an unknown
    ``nonlinearity``; from ``forward`` for an input of another rank, feature size or dtype than
    the weights', an ``hx`` of another shape or dtype, or lengths that are not one integer in
    ``1..T`` per sequence.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        output_size: int,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        device=None,
        dtype=None,
    ):
        super().__init__()
        self.input_size = require_positive_int("input_size", input_size)
        self.hidden_size = require_positive_int("hidden_size", hidden_size)
        self.output_size = require_positive_int("output_size", output_size)
        require_choice("nonlinearity", nonlinearity, tuple(ACTIVATIONS))
        self.nonlinearity = nonlinearity
        self.bias = bias
        self.batch_first = batch_first
        factory = {"device": device, "dtype": dtype}
        shapes = {
            "weight_ih": (hidden_size, input_size),
            "weight_yh": (hidden_size, output_size),
            "weight_hy": (output_size, hidden_size),
        }
        if bias:
            shapes.update(bias_ih=(hidden_size,), bias_yh=(hidden_size,), bias_hy=(output_size,))
        for name, shape in shapes.items():
            self.register_parameter(name, nn.Parameter(torch.empty(*shape, **factory)))
        if not bias:
            for name in ("bias_ih", "bias_yh", "bias_hy"):
                self.register_parameter(name, None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = uniform_init_bound(self.hidden_size)
        for weight in self.parameters():
            nn.init.uniform_(weight, -bound, bound)

    def step(self, x: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        """One step, ``(ŷ_{t-1}, s_{t-1}) → (ŷ_t, s_t)``, for ``x`` ``(B, F)`` and two ``(B, O)`` tensors."""
        fed_back, _ = state
        scores = jordan_step(
            x, fed_back, self.weight_ih, self.weight_yh, self.bias_ih, self.bias_yh,
            self.weight_hy, self.bias_hy, self.nonlinearity,
        )
        return torch.softmax(scores, dim=-1), scores

    def forward(self, input: torch.Tensor, hx: torch.Tensor | None = None, lengths=None):
        x, lengths = time_major_input(self, input, lengths)
        dtype, batch = x.dtype, x.shape[1]
        if hx is None:
            y0 = x.new_zeros(batch, self.output_size)
        else:
            y0 = require_tensor("hx", hx)
            if tuple(y0.shape) != (batch, self.output_size):
                raise ValueError(
                    f"hx: expected shape ({batch}, {self.output_size}) (batch, outputs): the fed-back "
                    f"distribution y_0, got shape {describe_shape(y0)}"
                )
            require_floating("hx", y0, dtype)
        scores, (y_n, _) = unroll(self.step, x, (y0, torch.zeros_like(y0)), lengths, emit=lambda s: s[1])
        return (scores.transpose(0, 1) if self.batch_first else scores), y_n

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}, {self.output_size}, nonlinearity={self.nonlinearity!r}"
