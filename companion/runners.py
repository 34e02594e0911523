"""Sequence runners: a cell applied step by step along a sequence, and layers stacked on top.

``unroll`` is the loop that turns a one-step cell into a recurrent network (chapter 1's
"memory"). ``StackedRecurrent`` holds the weights of a stack of layers under the names
``torch.nn.RNN``/``LSTM``/``GRU`` use (``weight_ih_l0``, ``weight_hh_l0``, ``bias_ih_l0``, …), so a
scratch module and its torch twin exchange ``state_dict()`` both ways; ``ElmanRNN`` is the twin
of ``torch.nn.RNN``.
"""
from __future__ import annotations

from typing import Callable

import torch
from torch import nn

from ._validate import (
    require_choice,
    require_floating,
    require_lengths,
    require_positive_int,
    require_sequence_batch,
    require_state,
    require_tensor,
)
from .cells import ACTIVATIONS, elman_step, uniform_init_bound


def unroll(
    step: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    inputs: torch.Tensor,
    state: torch.Tensor,
    lengths: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Apply ``step`` along the time axis: :math:`h_t = \mathrm{step}(x_t, h_{t-1})`, t = 1…T.

    ``inputs`` is ``(T, B, F)`` and ``state`` the initial memory ``(B, H)``. Returns every step's
    memory ``(T, B, H)`` and the final memory ``(B, H)``. With ``lengths`` (one per sequence of a
    padded batch) a sequence's memory stops changing after its last real step, its outputs there
    are zeros, and the final memory is the one at its last real step — what ``torch.nn.RNN``
    gives for a packed sequence.
    """
    outputs = []
    if lengths is not None:
        lengths = lengths.to(inputs.device)
    for t in range(inputs.shape[0]):
        new_state = step(inputs[t], state)
        if lengths is None:
            outputs.append(new_state)
        else:
            running = (t < lengths).unsqueeze(1)
            new_state = torch.where(running, new_state, state)
            outputs.append(torch.where(running, new_state, torch.zeros_like(new_state)))
        state = new_state
    return torch.stack(outputs), state


def _shared_arguments(module: nn.Module) -> dict:
    """Constructor arguments that a torch recurrent module and its scratch twin both take and both store."""
    weight = module.weight_ih_l0
    names = ("input_size", "hidden_size", "num_layers", "bias", "batch_first")
    return {**{name: getattr(module, name) for name in names}, "device": weight.device, "dtype": weight.dtype}


class StackedRecurrent(nn.Module):
    """A stack of recurrent layers whose parameters are laid out as in ``torch.nn.RNNBase``.

    Layer ``k`` owns ``weight_ih_l{k}`` of shape ``(G·H, F_k)``, ``weight_hh_l{k}`` ``(G·H, H)``
    and, with ``bias``, ``bias_ih_l{k}`` and ``bias_hh_l{k}`` ``(G·H,)``, where ``G`` is the number
    of gate blocks of the cell (1 for the simple RNN) and ``F_k`` is the input size for ``k = 0``
    and ``H`` above it. Subclasses give ``gate_count``, ``torch_twin`` and ``step``.

    ``forward(input, hx=None, lengths=None)`` follows ``torch.nn.RNN``: ``input`` is
    ``(T, B, F)`` or, with ``batch_first``, ``(B, T, F)``; ``hx`` is ``(num_layers, B, H)``;
    it returns ``(output, h_n)`` with ``output`` the last layer's memory at every step and
    ``h_n`` every layer's final memory. ``lengths`` replaces ``PackedSequence`` for padded
    batches (see :func:`unroll`).
    """

    gate_count = 1
    torch_twin: type[nn.RNNBase] = nn.RNNBase

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        device=None,
        dtype=None,
    ):
        super().__init__()
        self.input_size = require_positive_int("input_size", input_size)
        self.hidden_size = require_positive_int("hidden_size", hidden_size)
        self.num_layers = require_positive_int("num_layers", num_layers)
        self.bias = bias
        self.batch_first = batch_first
        factory = {"device": device, "dtype": dtype}
        rows = self.gate_count * hidden_size
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else hidden_size
            self.register_parameter(
                f"weight_ih_l{layer}", nn.Parameter(torch.empty(rows, layer_input, **factory))
            )
            self.register_parameter(
                f"weight_hh_l{layer}", nn.Parameter(torch.empty(rows, hidden_size, **factory))
            )
            if bias:
                self.register_parameter(f"bias_ih_l{layer}", nn.Parameter(torch.empty(rows, **factory)))
                self.register_parameter(f"bias_hh_l{layer}", nn.Parameter(torch.empty(rows, **factory)))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = uniform_init_bound(self.hidden_size)
        for weight in self.parameters():
            nn.init.uniform_(weight, -bound, bound)

    def layer_weights(self, layer: int) -> tuple[torch.Tensor, ...]:
        """``(weight_ih, weight_hh, bias_ih, bias_hh)`` of one layer; biases are ``None`` without bias."""
        names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
        return tuple(getattr(self, f"{name}_l{layer}", None) for name in names)

    def step(self, x: torch.Tensor, state: torch.Tensor, weights: tuple) -> torch.Tensor:
        raise NotImplementedError

    def torch_kwargs(self) -> dict:
        """Constructor arguments of the torch twin, besides sizes, layers, bias and batch_first."""
        return {}

    def forward(
        self,
        input: torch.Tensor,
        hx: torch.Tensor | None = None,
        lengths=None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        dtype = self.weight_ih_l0.dtype
        require_tensor("input", input)
        require_sequence_batch("input", input, self.input_size, self.batch_first)
        require_floating("input", input, dtype)
        x = input.transpose(0, 1) if self.batch_first else input
        steps, batch = x.shape[0], x.shape[1]
        if lengths is not None:
            lengths = require_lengths("lengths", lengths, batch, steps)
        if hx is None:
            hx = x.new_zeros(self.num_layers, batch, self.hidden_size)
        else:
            require_state("hx", hx, (self.num_layers, batch, self.hidden_size), dtype)
        final_states = []
        for layer in range(self.num_layers):
            weights = self.layer_weights(layer)
            x, final = unroll(lambda x_t, h: self.step(x_t, h, weights), x, hx[layer], lengths)
            final_states.append(final)
        output = x.transpose(0, 1) if self.batch_first else x
        return output, torch.stack(final_states)

    @classmethod
    def from_torch(cls, module: nn.RNNBase) -> "StackedRecurrent":
        """A scratch copy of ``module`` (its twin class), with the same weights, device and dtype."""
        if not isinstance(module, cls.torch_twin):
            raise ValueError(
                f"module: expected a {cls.torch_twin.__module__}.{cls.torch_twin.__name__}, "
                f"got {type(module).__name__}"
            )
        unsupported = {
            "bidirectional": module.bidirectional,
            "proj_size": getattr(module, "proj_size", 0),
            "dropout": module.dropout,
        }
        given = {key: value for key, value in unsupported.items() if value}
        if given:
            raise ValueError(f"module: {cls.__name__} has no counterpart for {given}")
        scratch = cls(**_shared_arguments(module), **cls.kwargs_from_torch(module))
        scratch.load_state_dict(module.state_dict())
        return scratch

    @classmethod
    def kwargs_from_torch(cls, module: nn.RNNBase) -> dict:
        return {}

    def to_torch(self) -> nn.RNNBase:
        """The torch twin of this module, holding a copy of its weights."""
        twin = self.torch_twin(**_shared_arguments(self), **self.torch_kwargs())
        twin.load_state_dict(self.state_dict())
        return twin

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if not self.bias:
            text += ", bias=False"
        if self.batch_first:
            text += ", batch_first=True"
        return text


class ElmanRNN(StackedRecurrent):
    r"""The simple (Elman) recurrent network, the twin of ``torch.nn.RNN`` (chapter 1).

    Each layer ``k`` computes, at every step t,

    .. math::  h^{(k)}_t = \sigma\big(W^{(k)}_{ih}\, h^{(k-1)}_t + b^{(k)}_{ih} + W^{(k)}_{hh}\, h^{(k)}_{t-1} + b^{(k)}_{hh}\big),
       \qquad h^{(0)}_t = x_t,

    with ``σ`` = ``tanh`` or ``relu`` as in torch, or ``identity`` (the lecture's linear memory;
    such a module cannot be exported to torch). Stacking layers gives the deep RNN of
    chapter 1's last section.
    """

    gate_count = 1
    torch_twin = nn.RNN

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        device=None,
        dtype=None,
    ):
        require_choice("nonlinearity", nonlinearity, tuple(ACTIVATIONS))
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, device, dtype)

    def step(self, x, state, weights):
        return elman_step(x, state, *weights, nonlinearity=self.nonlinearity)

    @classmethod
    def kwargs_from_torch(cls, module: nn.RNN) -> dict:
        return {"nonlinearity": module.nonlinearity}

    def torch_kwargs(self) -> dict:
        if self.nonlinearity not in ("tanh", "relu"):
            raise ValueError(
                f"nonlinearity: torch.nn.RNN accepts 'tanh' or 'relu', this module has "
                f"{self.nonlinearity!r}"
            )
        return {"nonlinearity": self.nonlinearity}

    def extra_repr(self) -> str:
        return super().extra_repr() + f", nonlinearity={self.nonlinearity!r}"
