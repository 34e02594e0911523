"""Networks built from the cells and runners: what each chapter trains.

Every network maps a batch of sequences ``(T, B, F)`` (or ``(B, T, F)`` with ``batch_first``) to
one output vector per step ``(T, B, O)``; a tagger's outputs are its unnormalised tag scores.
"""
from __future__ import annotations

import torch
from torch import nn

from ._validate import (
    describe_shape,
    require_choice,
    require_floating,
    require_positive_int,
    require_sequence_batch,
    require_tensor,
)
from .encoding import context_window
from .runners import ElmanRNN, JordanRNN


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


TAGGER_BODIES = ("ffn", "elman", "jordan", "bielman")


class SlotTagger(nn.Module):
    r"""A slot tagger over word ids: embeddings, a context window, a recurrent body, tag scores (chapter 2).

    .. math::  e_t = E[w_t], \qquad x_t = [e_{t-r}; \dots; e_{t+r}], \qquad
               s_t = \mathrm{body}(x_1, \dots, x_T)_t

    ``body`` is ``"ffn"`` (a per-step feed-forward network, no memory), ``"elman"``
    (:class:`~companion.runners.ElmanRNN`, ``num_layers`` stacked), ``"bielman"`` (the same,
    bidirectional) or ``"jordan"`` (:class:`~companion.runners.JordanRNN`, whose outputs are
    already the tag scores). The Elman bodies end in a linear read-out :math:`s_t = V h_t + c`.
    ``forward(ids (T, B), lengths=None)`` returns the scores ``(T, B, num_tags)``; padded ids
    must be ``padding_id``, whose embedding is kept at zero. ``dropout`` zeroes that fraction of
    the window's entries during training (a regulariser; off at evaluation).
    """

    def __init__(
        self,
        vocabulary_size: int,
        num_tags: int,
        body: str = "elman",
        embedding_size: int = 100,
        window_radius: int = 3,
        hidden_size: int = 200,
        num_layers: int = 1,
        padding_id: int = 0,
        dropout: float = 0.0,
    ):
        super().__init__()
        require_positive_int("vocabulary_size", vocabulary_size)
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout: expected a fraction in [0, 1), got {dropout!r}")
        require_positive_int("num_tags", num_tags)
        require_choice("body", body, TAGGER_BODIES)
        require_positive_int("num_layers", num_layers)
        if body in ("ffn", "jordan") and num_layers != 1:
            raise ValueError(f"num_layers: expected 1 for body {body!r}, got {num_layers}")
        if isinstance(window_radius, bool) or not isinstance(window_radius, int) or window_radius < 0:
            raise ValueError(f"window_radius: expected a non-negative integer, got {window_radius!r}")
        self.body_kind = body
        self.window_radius = window_radius
        self.embedding = nn.Embedding(vocabulary_size, embedding_size, padding_idx=padding_id)
        self.dropout = nn.Dropout(dropout)
        window_size = (2 * window_radius + 1) * embedding_size
        if body == "ffn":
            self.body = FeedForwardNetwork(window_size, hidden_size, num_tags)
        elif body == "jordan":
            self.body = JordanRNN(window_size, hidden_size, num_tags)
        else:
            self.body = ElmanRNN(window_size, hidden_size, num_layers=num_layers, bidirectional=body == "bielman")
            self.readout = nn.Linear(self.body.num_directions * hidden_size, num_tags)

    def forward(self, ids: torch.Tensor, lengths=None) -> torch.Tensor:
        require_tensor("ids", ids)
        if ids.dim() != 2 or ids.is_floating_point() or ids.dtype == torch.bool:
            raise ValueError(
                f"ids: expected a 2-D integer tensor (time, batch) of word ids, got shape "
                f"{describe_shape(ids)} and dtype {ids.dtype}"
            )
        windows = self.dropout(context_window(self.embedding(ids), self.window_radius))
        if self.body_kind == "ffn":
            return self.body(windows)
        outputs, _ = self.body(windows, lengths=lengths)
        return outputs if self.body_kind == "jordan" else self.readout(outputs)
