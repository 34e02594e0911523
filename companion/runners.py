"""Sequence runners: a cell applied step by step along a sequence, and layers stacked on top.

``unroll`` is the loop that turns a one-step cell into a recurrent network (chapter 1's
"memory"). ``StackedRecurrent`` holds the weights of a stack of layers under the names
``torch.nn.RNN``/``LSTM``/``GRU`` use (``weight_ih_l0``, ``weight_hh_l0``, ``bias_ih_l0``, …), so a
scratch module and its torch twin exchange ``state_dict()`` both ways; ``ElmanRNN`` is the twin
of ``torch.nn.RNN``, ``LSTM`` of ``torch.nn.LSTM`` and ``GRU`` of ``torch.nn.GRU``.
``PackedRNN``, ``PackedLSTM`` and ``PackedGRU`` go the other way: torch's own layers, called
like the scratch ones (a padded batch and its ``lengths``), for speed.
"""
from __future__ import annotations

from typing import Callable

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from ._validate import (
    describe_shape,
    require_choice,
    require_floating,
    require_lengths,
    require_positive_int,
    require_sequence_batch,
    require_state,
    require_tensor,
)
from .cells import (
    ACTIVATIONS,
    add_forget_bias,
    check_lstm_options,
    elman_step,
    gru_step,
    jordan_step,
    lstm_options_repr,
    lstm_step,
    require_pair,
    require_plain_lstm,
    uniform_init_bound,
)


def _map_state(function, *states):
    """Apply ``function`` to a state that is one tensor or a tuple of tensors (an LSTM's ``(h, c)``)."""
    if isinstance(states[0], tuple):
        return tuple(function(*parts) for parts in zip(*states))
    return function(*states)


def unroll(
    step: Callable,
    inputs: torch.Tensor,
    state,
    lengths: torch.Tensor | None = None,
    emit: Callable | None = None,
):
    r"""Apply ``step`` along the time axis: :math:`s_t = \mathrm{step}(x_t, s_{t-1})`, t = 1…T.

    ``inputs`` is ``(T, B, F)`` and ``state`` the initial state: a ``(B, H)`` tensor (the memory
    of a simple RNN) or a tuple of them. Each step's output is ``emit(state)`` — by default the
    state itself. Returns the outputs stacked ``(T, B, H)`` and the final state. With
    ``lengths`` (one per sequence of a padded batch) a sequence's state stops changing after its
    last real step, its outputs there are zeros, and the final state is the one at its last
    real step — what ``torch.nn.RNN`` gives for a packed sequence.
    """
    emit = emit or (lambda s: s)
    outputs = []
    if lengths is not None:
        lengths = lengths.to(inputs.device)
    for t in range(inputs.shape[0]):
        new_state = step(inputs[t], state)
        if lengths is None:
            outputs.append(emit(new_state))
        else:
            running = (t < lengths).unsqueeze(1)
            new_state = _map_state(lambda new, old: torch.where(running, new, old), new_state, state)
            output = emit(new_state)
            outputs.append(torch.where(running, output, torch.zeros_like(output)))
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
    lengths = require_lengths("lengths", lengths, sequence.shape[1], steps).to(sequence.device)
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


def time_major_input(module: nn.Module, input, lengths) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Check a recurrent layer's ``input`` and ``lengths``; return the input time-major ``(T, B, F)``.

    ``module`` provides ``input_size``, ``batch_first`` and, through ``weight_ih`` or
    ``weight_ih_l0``, the dtype the input must have.
    """
    weight = getattr(module, "weight_ih", None)
    dtype = (weight if weight is not None else module.weight_ih_l0).dtype
    require_tensor("input", input)
    require_sequence_batch("input", input, module.input_size, module.batch_first)
    require_floating("input", input, dtype)
    x = input.transpose(0, 1) if module.batch_first else input
    if lengths is not None:
        lengths = require_lengths("lengths", lengths, x.shape[1], x.shape[0])
    return x, lengths


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
    ``gate_count``, ``torch_twin`` and ``step``, and, for a memory of several tensors (an LSTM's
    ``(h, c)``), ``state_names`` and ``output_of``.

    ``forward(input, hx=None, lengths=None)`` follows ``torch.nn.RNN``: ``input`` is
    ``(T, B, F)`` or, with ``batch_first``, ``(B, T, F)``; ``hx`` is ``(D·num_layers, B, H)``
    ordered layer by layer, forward direction first (for an LSTM, the pair ``(h_0, c_0)`` of
    such tensors); it returns ``(output, h_n)`` with ``output`` ``(T, B, D·H)`` the last layer's
    memory at every step and ``h_n`` every layer's and direction's final memory (for an LSTM,
    ``(h_n, c_n)``). ``lengths`` replaces ``PackedSequence`` for padded batches (see
    :func:`unroll`).
    """

    gate_count = 1
    torch_twin: type[nn.RNNBase] = nn.RNNBase
    # The tensors a layer carries from step to step, as torch names their initial values.
    state_names: tuple[str, ...] = ("h_0",)

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
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else self.num_directions * hidden_size
            for suffix in self.direction_suffixes:
                for name, shape in self._direction_parameter_shapes(layer_input).items():
                    self.register_parameter(
                        f"{name}_l{layer}{suffix}", nn.Parameter(torch.empty(*shape, **factory))
                    )
        self.reset_parameters()

    def _direction_parameter_shapes(self, layer_input: int) -> dict[str, tuple[int, ...]]:
        """The parameters one layer owns in one direction, by name without the layer suffix, in torch's order."""
        rows = self.gate_count * self.hidden_size
        shapes = {"weight_ih": (rows, layer_input), "weight_hh": (rows, self.hidden_size)}
        if self.bias:
            shapes.update(bias_ih=(rows,), bias_hh=(rows,))
        return shapes

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

    def step(self, x: torch.Tensor, state, weights: tuple):
        """One time step of one layer and direction: ``(x_t (B, F_k), state) → new state``."""
        raise NotImplementedError

    def output_of(self, state):
        """What a layer passes up (and out) at each step: its whole state unless a subclass says otherwise."""
        return state

    def torch_kwargs(self) -> dict:
        """Constructor arguments of the torch twin, besides the ones both store (sizes, layers, …)."""
        return {}

    def _direction_runner(self, weights: tuple, initial_state):
        def step(x_t, state):
            return self.step(x_t, state, weights)

        def run(inputs, lengths):
            return unroll(step, inputs, initial_state, lengths, emit=self.output_of)

        return run

    def _initial_states(self, hx, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """``hx`` checked, as a tuple with one ``(D·num_layers, B, H)`` tensor per entry of ``state_names``."""
        shape = (self.num_layers * self.num_directions, x.shape[1], self.hidden_size)
        if hx is None:
            return tuple(x.new_zeros(shape) for _ in self.state_names)
        if len(self.state_names) == 1:
            require_state("hx", hx, shape, x.dtype)
            return (hx,)
        parts = require_pair("hx", hx, self.state_names)
        for index, (name, part) in enumerate(zip(self.state_names, parts)):
            require_state(f"hx[{index}] ({name})", part, shape, x.dtype)
        return tuple(parts)

    def forward(self, input: torch.Tensor, hx=None, lengths=None):
        x, lengths = time_major_input(self, input, lengths)
        initial = self._initial_states(hx, x)
        final_states = []
        for layer in range(self.num_layers):
            runners = []
            for direction, suffix in enumerate(self.direction_suffixes):
                index = layer * self.num_directions + direction
                state = tuple(part[index] for part in initial)
                # A memory of one tensor travels bare, the way ElmanRNN's and GRU's steps take it.
                state = state if len(state) > 1 else state[0]
                runners.append(self._direction_runner(self.layer_weights(layer, suffix), state))
            if self.bidirectional:
                x, finals = run_bidirectional(*runners, x, lengths)
                final_states += finals
            else:
                x, final = runners[0](x, lengths)
                final_states.append(final)
        output = x.transpose(0, 1) if self.batch_first else x
        return output, _map_state(lambda *finals: torch.stack(finals), *final_states)

    @classmethod
    def from_torch(cls, module: nn.RNNBase) -> "StackedRecurrent":
        """A scratch copy of ``module`` (its twin class), with the same weights, device and dtype."""
        return cls._copy_of_torch(module)

    @classmethod
    def _copy_of_torch(cls, module: nn.RNNBase, **options) -> "StackedRecurrent":
        """``from_torch`` with constructor ``options`` the torch module has no counterpart for."""
        if not isinstance(module, cls.torch_twin):
            raise ValueError(
                f"module: expected a {cls.torch_twin.__module__}.{cls.torch_twin.__name__}, "
                f"got {type(module).__name__}"
            )
        unsupported = {"proj_size": getattr(module, "proj_size", 0), "dropout": module.dropout}
        given = {key: value for key, value in unsupported.items() if value}
        if given:
            raise ValueError(f"module: {cls.__name__} has no counterpart for {given}")
        scratch = cls(**_shared_arguments(module), **cls.kwargs_from_torch(module), **options)
        scratch.load_state_dict({**scratch._weights_torch_lacks(), **module.state_dict()})
        return scratch

    def _weights_torch_lacks(self) -> dict[str, torch.Tensor]:
        """The values that parameters absent from the torch twin take when its weights are loaded."""
        return {}

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


class LSTM(StackedRecurrent):
    r"""The long short-term memory, the twin of ``torch.nn.LSTM`` (chapter 3).

    Each layer ``k`` runs :func:`~companion.cells.lstm_step` along the sequence, reading the
    memory sequence of the layer below (:math:`h^{(0)}_t = x_t`):

    .. math::
        i_t, f_t, o_t &= \sigma(\cdot), \quad g_t = \tanh(W_{ig}\, h^{(k-1)}_t + b_{ig} + W_{hg}\, h^{(k)}_{t-1} + b_{hg}) \\
        c^{(k)}_t &= f_t \odot c^{(k)}_{t-1} + i_t \odot g_t, \qquad h^{(k)}_t = o_t \odot \tanh(c^{(k)}_t)

    Weights are laid out as in ``torch.nn.LSTM`` (four row blocks *i, f, g, o*; see
    :class:`StackedRecurrent`). ``forward(input, hx=None, lengths=None)`` takes ``hx = (h_0,
    c_0)``, each ``(D·num_layers, B, H)``, and returns ``(output, (h_n, c_n))``.

    ``forget_bias`` is added to the forget gate's ``bias_ih`` rows of every layer when the
    weights are drawn (1.0 is a common choice; the default 0 draws exactly as torch does).
    ``peephole``, ``coupled`` and ``forget_gate=False`` select the variants of
    :func:`~companion.cells.lstm_step`; peepholes are parameters of their own,
    ``weight_peephole_l{k}`` ``(3, H)`` (rows :math:`p_i, p_f, p_o`, with ``_reverse`` for the
    backward direction). A module with any variant cannot be exported to torch (:meth:`to_torch`
    raises), but :meth:`from_torch` loads torch's weights into one, peepholes at zero: with zero
    peepholes it computes exactly what ``torch.nn.LSTM`` does.
    """

    gate_count = 4
    torch_twin = nn.LSTM
    state_names = ("h_0", "c_0")

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        bidirectional: bool = False,
        forget_bias: float = 0.0,
        peephole: bool = False,
        coupled: bool = False,
        forget_gate: bool = True,
        device=None,
        dtype=None,
    ):
        check_lstm_options(peephole, coupled, forget_gate, forget_bias, bias)
        self.peephole, self.coupled, self.forget_gate = peephole, coupled, forget_gate
        self.forget_bias = float(forget_bias)
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, bidirectional, device, dtype)

    def _direction_parameter_shapes(self, layer_input: int) -> dict[str, tuple[int, ...]]:
        shapes = super()._direction_parameter_shapes(layer_input)
        if self.peephole:
            shapes["weight_peephole"] = (3, self.hidden_size)
        return shapes

    def reset_parameters(self) -> None:
        super().reset_parameters()
        if self.forget_bias:
            for layer in range(self.num_layers):
                for suffix in self.direction_suffixes:
                    add_forget_bias(getattr(self, f"bias_ih_l{layer}{suffix}"), self.hidden_size, self.forget_bias)

    def layer_weights(self, layer: int, suffix: str = "") -> tuple[torch.Tensor, ...]:
        """``(weight_ih, weight_hh, bias_ih, bias_hh, weight_peephole)``; ``None`` for what the module lacks."""
        return super().layer_weights(layer, suffix) + (getattr(self, f"weight_peephole_l{layer}{suffix}", None),)

    def step(self, x, state, weights):
        return lstm_step(x, state, *weights, coupled=self.coupled, forget_gate=self.forget_gate)

    def output_of(self, state):
        return state[0]

    @classmethod
    def from_torch(
        cls, module: nn.LSTM, peephole: bool = False, coupled: bool = False, forget_gate: bool = True
    ) -> "LSTM":
        """A scratch copy of ``module`` with its weights, device and dtype; peepholes, if asked for, start at zero."""
        return cls._copy_of_torch(module, peephole=peephole, coupled=coupled, forget_gate=forget_gate)

    def _weights_torch_lacks(self) -> dict[str, torch.Tensor]:
        # Zero peepholes make the module compute exactly what the torch module does.
        return {
            name: torch.zeros_like(weight)
            for name, weight in self.named_parameters()
            if name.startswith("weight_peephole_")
        }

    def torch_kwargs(self) -> dict:
        require_plain_lstm(self, "torch.nn.LSTM")
        return {}

    def extra_repr(self) -> str:
        return super().extra_repr() + lstm_options_repr(self)


class GRU(StackedRecurrent):
    r"""The gated recurrent unit, the twin of ``torch.nn.GRU`` (chapter 3).

    Each layer ``k`` runs :func:`~companion.cells.gru_step` along the memory sequence of the
    layer below (:math:`h^{(0)}_t = x_t`):

    .. math::
        n_t = \tanh\big(W_{in}\, h^{(k-1)}_t + b_{in} + r_t \odot (W_{hn}\, h^{(k)}_{t-1} + b_{hn})\big),
        \qquad h^{(k)}_t = (1 - z_t) \odot n_t + z_t \odot h^{(k)}_{t-1}

    with the reset and update gates :math:`r_t, z_t` sigmoids of the same two inputs. Weights
    are laid out as in ``torch.nn.GRU`` (three row blocks *r, z, n*; see
    :class:`StackedRecurrent`); ``forward(input, hx=None, lengths=None)`` returns
    ``(output, h_n)``, as ``torch.nn.GRU`` does.
    """

    gate_count = 3
    torch_twin = nn.GRU

    def step(self, x, state, weights):
        return gru_step(x, state, *weights)


class _PaddedBatchMixin:
    """``forward(input, hx=None, lengths=None)`` for a torch recurrent layer, as the scratch layers take it."""

    def forward(self, input: torch.Tensor, hx=None, lengths=None):
        x, lengths = time_major_input(self, input, lengths)
        if lengths is None or int(lengths.min()) == x.shape[0]:  # no padding: nothing to pack
            return super().forward(input, hx)
        packed = pack_padded_sequence(x, lengths.cpu(), enforce_sorted=False)
        packed_output, state = super().forward(packed, hx)
        output, _ = pad_packed_sequence(packed_output, total_length=x.shape[0])
        return (output.transpose(0, 1) if self.batch_first else output), state


class PackedRNN(_PaddedBatchMixin, nn.RNN):
    r"""``torch.nn.RNN`` that takes a padded batch and its ``lengths``, like :class:`ElmanRNN` (chapter 3).

    The same module as ``torch.nn.RNN`` (same constructor, same weights under the same names, so
    ``state_dict()`` goes both ways between it, ``torch.nn.RNN`` and :class:`ElmanRNN`), with the
    scratch modules' call: ``forward(input, hx=None, lengths=None)`` returns ``(output, h_n)``.
    With ``lengths`` the batch is run through ``pack_padded_sequence``, so each sequence stops at
    its last real step: ``output`` is zero at padded steps and ``h_n`` holds each sequence's state
    at its last real step — what :func:`unroll` gives, computed by torch's fused kernels.
    """


class PackedLSTM(_PaddedBatchMixin, nn.LSTM):
    r"""``torch.nn.LSTM`` that takes a padded batch and its ``lengths``, like :class:`LSTM` (chapter 3).

    .. math::  c_t = f_t \odot c_{t-1} + i_t \odot g_t, \qquad h_t = o_t \odot \tanh(c_t)

    computed by torch's fused kernels. ``forward(input, hx=None, lengths=None)`` returns
    ``(output, (h_n, c_n))`` with the conventions of :class:`PackedRNN`; the weights are those
    of ``torch.nn.LSTM`` and of the scratch :class:`LSTM`, under the same names.
    """


class PackedGRU(_PaddedBatchMixin, nn.GRU):
    r"""``torch.nn.GRU`` that takes a padded batch and its ``lengths``, like :class:`GRU` (chapter 3).

    .. math::  h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}

    computed by torch's fused kernels. ``forward(input, hx=None, lengths=None)`` returns
    ``(output, h_n)`` with the conventions of :class:`PackedRNN`; the weights are those of
    ``torch.nn.GRU`` and of the scratch :class:`GRU`, under the same names.
    """

class JordanRNN(nn.Module):
    r"""The Jordan network: the previous step's *output*, not its hidden memory, feeds the recurrence (chapter 2).

    .. math::
        h_t = \sigma(W_{ih}\, x_t + b_{ih} + W_{yh}\, \hat y_{t-1} + b_{yh}), \qquad
        s_t = W_{hy}\, h_t + b_{hy}, \qquad \hat y_t = \mathrm{softmax}(s_t)

    with :math:`\hat y_0 = 0` unless ``y0`` is given. What is carried from step to step is the
    network's own prediction :math:`\hat y_{t-1}` (a distribution over ``output_size`` classes,
    as in Jordan 1986 and the Jordan taggers of Mesnil et al. 2015). ``forward(input, y0=None,
    lengths=None)`` returns ``(scores, y_n)``: the scores :math:`s_t` at every step ``(T, B, O)``
    (``(B, T, O)`` with ``batch_first``) and the last fed-back distribution ``(B, O)``.
    Parameters: ``weight_ih`` ``(H, F)``, ``weight_yh`` ``(H, O)``, ``weight_hy`` ``(O, H)`` and,
    with ``bias``, ``bias_ih``, ``bias_yh`` ``(H,)`` and ``bias_hy`` ``(O,)``. No torch twin exists.
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
        """``(ŷ_{t-1}, s_{t-1}) → (ŷ_t, s_t)``."""
        fed_back, _ = state
        scores = jordan_step(
            x, fed_back, self.weight_ih, self.weight_yh, self.bias_ih, self.bias_yh,
            self.weight_hy, self.bias_hy, self.nonlinearity,
        )
        return torch.softmax(scores, dim=-1), scores

    def forward(self, input: torch.Tensor, y0: torch.Tensor | None = None, lengths=None):
        x, lengths = time_major_input(self, input, lengths)
        dtype, batch = x.dtype, x.shape[1]
        if y0 is None:
            y0 = x.new_zeros(batch, self.output_size)
        else:
            require_tensor("y0", y0)
            if tuple(y0.shape) != (batch, self.output_size):
                raise ValueError(
                    f"y0: expected shape ({batch}, {self.output_size}) (batch, outputs), "
                    f"got shape {describe_shape(y0)}"
                )
            require_floating("y0", y0, dtype)
        scores, (y_n, _) = unroll(self.step, x, (y0, torch.zeros_like(y0)), lengths, emit=lambda s: s[1])
        return (scores.transpose(0, 1) if self.batch_first else scores), y_n

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}, {self.output_size}, nonlinearity={self.nonlinearity!r}"


class Bidirectional(nn.Module):
    r"""Any recurrent layer made bidirectional: one copy reads forwards, another backwards (chapter 2).

    .. math::  o_t = [\overrightarrow{o}_t ; \overleftarrow{o}_t]

    ``forward_layer`` and ``backward_layer`` (two instances of the same kind of layer, time-major)
    each map ``(inputs, lengths=...)`` to ``(outputs, final state)``. ``forward(inputs,
    lengths=None)`` returns the outputs of both, concatenated along the last dimension, and the
    pair of final states. ``StackedRecurrent(bidirectional=True)`` does the same inside each
    layer of a stack, with torch's weight names.
    """

    def __init__(self, forward_layer: nn.Module, backward_layer: nn.Module):
        super().__init__()
        if type(forward_layer) is not type(backward_layer):
            raise ValueError(
                "backward_layer: expected the same kind of layer as forward_layer "
                f"({type(forward_layer).__name__}), got {type(backward_layer).__name__}"
            )
        if getattr(forward_layer, "batch_first", False):
            raise ValueError("forward_layer: expected a time-major layer (batch_first=False)")
        self.forward_layer = forward_layer
        self.backward_layer = backward_layer

    def forward(self, inputs: torch.Tensor, lengths=None):
        if lengths is not None:
            lengths = require_lengths("lengths", lengths, inputs.shape[1], inputs.shape[0])

        def run(layer):
            return lambda x, n: layer(x, lengths=n)

        return run_bidirectional(run(self.forward_layer), run(self.backward_layer), inputs, lengths)
