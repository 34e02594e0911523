"""The networks of chapter 1: a per-step feed-forward network and the Elman network (an Elman layer and a read-out)."""
from __future__ import annotations

import torch
from torch import nn

from .._validate import require_floating, require_sequence_batch, require_tensor
from .._checks import require_positive_int
from ..layers import ElmanRNN


class FeedForwardNetwork(nn.Module):
    r"""A per-step feed-forward network: it sees one input vector at a time (chapter 1).

    .. math::  y_t = V\,\tanh(W x_t + b) + c

    The same weights are applied at every step and nothing is carried from step to step, so
    the same input vector always gives the same output, whatever came before it.
    ``forward(input, lengths=None)`` maps ``input`` ``(T, B, F)`` (``(B, T, F)`` with
    ``batch_first``) to outputs ``(T, B, O)`` (or ``(B, T, O)``). Raises ``ValueError`` for sizes
    that are not positive integers, or an input of another rank, feature size or dtype than the
    weights'.
    """

    def __init__(
        self, input_size: int, hidden_size: int, output_size: int, batch_first: bool = False
    ):
        super().__init__()
        self.input_size = require_positive_int("input_size", input_size)
        require_positive_int("hidden_size", hidden_size)
        require_positive_int("output_size", output_size)
        self.batch_first = batch_first
        self.hidden = nn.Linear(input_size, hidden_size)
        self.readout = nn.Linear(hidden_size, output_size)

    def forward(self, input: torch.Tensor, lengths=None) -> torch.Tensor:
        """Outputs for every step; ``lengths`` is accepted for a uniform interface and not needed."""
        require_tensor("input", input)
        require_sequence_batch("input", input, self.input_size, self.batch_first)
        require_floating("input", input, self.hidden.weight.dtype)
        return self.readout(torch.tanh(self.hidden(input)))


class ElmanNetwork(nn.Module):
    r"""The simple recurrent network: an Elman layer (or a stack) and a linear read-out (chapter 1).

    .. math::  h_t = \sigma(W_{ih}\, x_t + b_{ih} + W_{hh}\, h_{t-1} + b_{hh}), \qquad y_t = V h_t + c

    ``memory(input, lengths=None, hx=None)`` gives the hidden states :math:`h_t` (what the
    lecture calls the values stored in memory), ``forward(input, lengths=None, hx=None)`` the
    outputs :math:`y_t` (the sequence models of chapters 1 to 3 take ``lengths``
    second; a layer, and chapter 4's :class:`~companion.models.char_rnn.CharRNN`, which has no
    ``lengths``, take ``hx`` second, as torch's layers do); ``input`` is ``(T, B, F)`` (``(B, T, F)``
    with ``batch_first``) and ``hx`` the initial memory :math:`h_0` ``(num_layers, B, H)``, zeros
    when ``None``. ``num_layers > 1`` stacks Elman layers, each reading the memory sequence of
    the one below (a deep RNN). Raises ``ValueError`` for sizes that are not positive integers,
    an unknown ``nonlinearity``, and an input, memory or lengths of the wrong shape or dtype.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        output_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
    ):
        super().__init__()
        require_positive_int("output_size", output_size)
        self.rnn = ElmanRNN(
            input_size,
            hidden_size,
            num_layers=num_layers,
            nonlinearity=nonlinearity,
            bias=bias,
            batch_first=batch_first,
        )
        self.readout = nn.Linear(hidden_size, output_size, bias=bias)

    def memory(self, input: torch.Tensor, lengths=None, hx: torch.Tensor | None = None) -> torch.Tensor:
        """The top layer's memory :math:`h_t` at every step, shaped like the outputs."""
        return self.rnn(input, hx, lengths=lengths)[0]

    def forward(self, input: torch.Tensor, lengths=None, hx: torch.Tensor | None = None) -> torch.Tensor:
        return self.readout(self.memory(input, lengths, hx))


def count_parameters(model: nn.Module) -> int:
    """The number of trainable numbers in ``model`` (parameters with ``requires_grad``; chapters 1 to 3)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
