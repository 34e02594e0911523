"""Networks built from the cells and runners: what each chapter trains.

Every network maps a batch of sequences ``(T, B, F)`` (or ``(B, T, F)`` with ``batch_first``) to
one output vector per step ``(T, B, O)``; a tagger's outputs are its unnormalised tag scores.
"""
from __future__ import annotations

import torch
from torch import nn

from ._validate import require_floating, require_positive_int, require_sequence_batch, require_tensor
from .runners import ElmanRNN


class FeedForwardNetwork(nn.Module):
    r"""A per-step feed-forward network: it sees one input vector at a time (chapter 1).

    .. math::  y_t = V\,\sigma(W x_t + b) + c

    The same weights are applied at every step and nothing is carried from step to step, so
    the same input vector always gives the same output, whatever came before it.
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

    def forward(self, inputs: torch.Tensor, lengths=None) -> torch.Tensor:
        """Outputs for every step; ``lengths`` is accepted for a uniform interface and not needed."""
        require_tensor("inputs", inputs)
        require_sequence_batch("inputs", inputs, self.input_size, self.batch_first)
        require_floating("inputs", inputs, self.hidden.weight.dtype)
        return self.readout(torch.tanh(self.hidden(inputs)))


class ElmanNetwork(nn.Module):
    r"""The simple recurrent network: an Elman layer (or a stack) and a linear read-out (chapter 1).

    .. math::  h_t = \sigma(W_{ih}\, x_t + b_{ih} + W_{hh}\, h_{t-1} + b_{hh}), \qquad y_t = V h_t + c

    ``memory(inputs)`` gives the hidden states :math:`h_t` (what the lecture calls the values
    stored in memory), ``forward(inputs)`` the outputs :math:`y_t`. ``num_layers > 1`` stacks
    Elman layers, each reading the memory sequence of the one below (a deep RNN).
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

    def memory(self, inputs: torch.Tensor, lengths=None, h0: torch.Tensor | None = None) -> torch.Tensor:
        """The top layer's memory :math:`h_t` at every step, shaped like the outputs."""
        return self.rnn(inputs, h0, lengths=lengths)[0]

    def forward(self, inputs: torch.Tensor, lengths=None, h0: torch.Tensor | None = None) -> torch.Tensor:
        return self.readout(self.memory(inputs, lengths, h0))


def count_parameters(model: nn.Module) -> int:
    """The number of trainable numbers in ``model``."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
