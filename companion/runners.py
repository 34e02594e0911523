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


def reverse_padded(sequence: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
    """Each sequence of a time-major padded batch ``(T, B, …)`` in reverse order, padding left at the end.

    Without ``lengths`` this is ``sequence.flip(0)``. With them, sequence ``b`` has its first
    ``lengths[b]`` steps reversed and zeros after them. Applying it twice gives back the real
    steps, which is how a backward-running layer's outputs are put back in time order.
    """
    if lengths is None:
        return sequence.flip(0)
    steps = sequence.shape[0]
    lengths = lengths.to(sequence.device)
    source = lengths.unsqueeze(0) - 1 - torch.arange(steps, device=sequence.device).unsqueeze(1)
    real = source >= 0
    index = source.clamp(min=0).reshape(steps, -1, *([1] * (sequence.dim() - 2))).expand_as(sequence)
    real = real.reshape(index.shape[:2] + (1,) * (sequence.dim() - 2))
    return torch.where(real, sequence.gather(0, index), torch.zeros_like(sequence))


def run_bidirectional(run_forward, run_backward, inputs: torch.Tensor, lengths=None):
    r"""Run one layer over the sequence forwards and another backwards; join their outputs (chapter 2).

    .. math::  \overrightarrow{h}_t = f(x_t, \overrightarrow{h}_{t-1}), \quad
               \overleftarrow{h}_t = g(x_t, \overleftarrow{h}_{t+1}), \quad
               h_t = [\overrightarrow{h}_t ; \overleftarrow{h}_t]

    ``run_forward`` and ``run_backward`` map ``(inputs (T, B, F), lengths)`` to
    ``(outputs (T, B, H), final state)``. Returns the concatenated outputs ``(T, B, 2H)`` and the
    two final states; the backward layer's final state is the one after it has read the first step.
    """
    forward_outputs, forward_final = run_forward(inputs, lengths)
    backward_outputs, backward_final = run_backward(reverse_padded(inputs, lengths), lengths)
    outputs = torch.cat([forward_outputs, reverse_padded(backward_outputs, lengths)], dim=-1)
    return outputs, (forward_final, backward_final)


def _shared_arguments(module: nn.Module) -> dict:
    """Constructor arguments that a torch recurrent module and its scratch twin both take and both store."""
    weight = module.weight_ih_l0
    names = ("input_size", "hidden_size", "num_layers", "bias", "batch_first", "bidirectional")
    return {**{name: getattr(module, name) for name in names}, "device": weight.device, "dtype": weight.dtype}


WEIGHT_NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


class StackedRecurrent(nn.Module):
    """A stack of recurrent layers whose parameters are laid out as in ``torch.nn.RNNBase``.

    Layer ``k`` owns ``weight_ih_l{k}`` of shape ``(G·H, F_k)``, ``weight_hh_l{k}`` ``(G·H, H)``
    and, with ``bias``, ``bias_ih_l{k}`` and ``bias_hh_l{k}`` ``(G·H,)``, where ``G`` is the number
    of gate blocks of the cell (1 for the simple RNN), ``F_0`` is the input size and ``F_k`` for
    ``k > 0`` is ``D·H``, with ``D = 2`` directions when ``bidirectional`` (whose backward layers
    own the same weights with the suffix ``_reverse``) and 1 otherwise. Subclasses give
    ``gate_count``, ``torch_twin`` and ``step``.

    ``forward(input, hx=None, lengths=None)`` follows ``torch.nn.RNN``: ``input`` is
    ``(T, B, F)`` or, with ``batch_first``, ``(B, T, F)``; ``hx`` is ``(D·num_layers, B, H)``
    ordered layer by layer, forward direction first; it returns ``(output, h_n)`` with
    ``output`` ``(T, B, D·H)`` the last layer's memory at every step and ``h_n`` every layer's
    and direction's final memory. ``lengths`` replaces ``PackedSequence`` for padded batches
    (see :func:`unroll`).
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
        bidirectional: bool = False,
        device=None,
        dtype=None,
    ):
        super().__init__()
        self.input_size = require_positive_int("input_size", input_size)
        self.hidden_size = require_positive_int("hidden_size", hidden_size)
        self.num_layers = require_positive_int("num_layers", num_layers)
        self.bias = bias
        self.batch_first = batch_first
        self.bidirectional = bidirectional
        self.num_directions = 2 if bidirectional else 1
        factory = {"device": device, "dtype": dtype}
        rows = self.gate_count * hidden_size
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else self.num_directions * hidden_size
            for suffix in self.direction_suffixes:
                shapes = {"weight_ih": (rows, layer_input), "weight_hh": (rows, hidden_size)}
                if bias:
                    shapes.update(bias_ih=(rows,), bias_hh=(rows,))
                for name, shape in shapes.items():
                    self.register_parameter(
                        f"{name}_l{layer}{suffix}", nn.Parameter(torch.empty(*shape, **factory))
                    )
        self.reset_parameters()

    @property
    def direction_suffixes(self) -> tuple[str, ...]:
        return ("", "_reverse") if self.bidirectional else ("",)

    def reset_parameters(self) -> None:
        bound = uniform_init_bound(self.hidden_size)
        for weight in self.parameters():
            nn.init.uniform_(weight, -bound, bound)

    def layer_weights(self, layer: int, suffix: str = "") -> tuple[torch.Tensor, ...]:
        """``(weight_ih, weight_hh, bias_ih, bias_hh)`` of one layer and direction; biases are ``None`` without bias."""
        return tuple(getattr(self, f"{name}_l{layer}{suffix}", None) for name in WEIGHT_NAMES)

    def step(self, x: torch.Tensor, state: torch.Tensor, weights: tuple) -> torch.Tensor:
        raise NotImplementedError

    def torch_kwargs(self) -> dict:
        """Constructor arguments of the torch twin, besides the ones both store (sizes, layers, …)."""
        return {}

    def _direction_runner(self, weights: tuple, initial_state: torch.Tensor):
        def run(inputs, lengths):
            return unroll(lambda x_t, h: self.step(x_t, h, weights), inputs, initial_state, lengths)

        return run

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
        states = self.num_layers * self.num_directions
        if hx is None:
            hx = x.new_zeros(states, batch, self.hidden_size)
        else:
            require_state("hx", hx, (states, batch, self.hidden_size), dtype)
        final_states = []
        for layer in range(self.num_layers):
            runners = [
                self._direction_runner(self.layer_weights(layer, suffix), hx[layer * self.num_directions + d])
                for d, suffix in enumerate(self.direction_suffixes)
            ]
            if self.bidirectional:
                x, finals = run_bidirectional(*runners, x, lengths)
                final_states += finals
            else:
                x, final = runners[0](x, lengths)
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
        unsupported = {"proj_size": getattr(module, "proj_size", 0), "dropout": module.dropout}
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
        if self.bidirectional:
            text += ", bidirectional=True"
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
        bidirectional: bool = False,
        device=None,
        dtype=None,
    ):
        require_choice("nonlinearity", nonlinearity, tuple(ACTIVATIONS))
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, bidirectional, device, dtype)

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
