"""Stacked recurrent layers with torch's weight names: ``ElmanRNN``, ``LSTM`` and ``GRU`` (chapters 1 to 3).

:func:`~companion.layers.unroll` is the loop that turns a one-step cell into a recurrent network
(chapter 1's "memory"). ``StackedRecurrent`` holds the weights of a stack of layers under the names
``torch.nn.RNN``/``LSTM``/``GRU`` use (``weight_ih_l0``, ``weight_hh_l0``, ``bias_ih_l0``, …), so a
scratch module and its torch twin exchange ``state_dict()`` both ways; ``ElmanRNN`` is the twin
of ``torch.nn.RNN``, ``LSTM`` of ``torch.nn.LSTM`` and ``GRU`` of ``torch.nn.GRU``.
:mod:`companion.layers.torch_twins` goes the other way: torch's own layers, called like these
(a padded batch and its ``lengths``), for speed.
"""
from __future__ import annotations

import torch
from torch import nn

from .._checks import require_choice, require_positive_int
from .._recurrent_checks import initial_states, require_twin, time_major_input
from ..cells import ACTIVATIONS, elman_step, gru_step, lstm_step, uniform_init_bound
from ..lstm_variants import LSTMVariants
from .unroll import _map_state, run_bidirectional, unroll


def _shared_arguments(module: nn.Module) -> dict:
    """Constructor arguments that a torch recurrent module and its scratch twin both take and both store."""
    weight = module.weight_ih_l0
    names = ("input_size", "hidden_size", "num_layers", "bias", "batch_first", "bidirectional")
    return {**{name: getattr(module, name) for name in names}, "device": weight.device, "dtype": weight.dtype}


WEIGHT_NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


class StackedRecurrent(nn.Module):
    """A stack of recurrent layers whose parameters are laid out as in ``torch.nn.RNNBase`` (chapters 1 to 3).

    Layer ``k`` owns ``weight_ih_l{k}`` of shape ``(G·H, F_k)``, ``weight_hh_l{k}`` ``(G·H, H)``
    and, with ``bias``, ``bias_ih_l{k}`` and ``bias_hh_l{k}`` ``(G·H,)``, where ``G`` is the number
    of gate blocks of the cell (1 for the simple RNN), ``F_0`` is the input size and ``F_k`` for
    ``k > 0`` is ``D·H``, with ``D = 2`` directions when ``bidirectional`` (whose backward layers
    own the same weights with the suffix ``_reverse``) and 1 otherwise. Subclasses give
    ``gate_count``, ``torch_twin`` and ``step``, and, for a memory of several tensors (an LSTM's
    ``(h, c)``), ``state_names`` and ``output_of``; a layer whose state parts or output are not
    ``H`` wide (chapter 5's SCRN) also gives ``state_sizes`` and ``direction_output_size``
    (then ``F_k`` for ``k > 0`` is ``D·direction_output_size``).

    ``forward(input, hx=None, lengths=None)`` follows ``torch.nn.RNN``: ``input`` is
    ``(T, B, F)`` or, with ``batch_first``, ``(B, T, F)``; ``hx`` is ``(D·num_layers, B, H)``
    ordered layer by layer, forward direction first (for an LSTM, the pair ``(h_0, c_0)`` of
    such tensors); it returns ``(output, h_n)`` with ``output`` ``(T, B, D·H)`` the last layer's
    memory at every step and ``h_n`` every layer's and direction's final memory (for an LSTM,
    ``(h_n, c_n)``). ``lengths`` replaces ``PackedSequence`` for padded batches (see
    :func:`unroll`).

    Raises ``ValueError`` for sizes or ``num_layers`` that are not positive integers; from
    ``forward`` for an input of another rank, feature size or dtype than the weights', an ``hx``
    of another shape, or lengths that are not one integer in ``1..T`` per sequence; from
    :meth:`from_torch` for a module of another class, or with ``dropout`` or ``proj_size``.
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
            layer_input = input_size if layer == 0 else self.num_directions * self.direction_output_size
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

    @property
    def direction_output_size(self) -> int:
        """The width of what one direction of a layer passes up at each step (``output_of``): ``H`` unless a subclass says otherwise."""
        return self.hidden_size

    @property
    def state_sizes(self) -> tuple[int, ...]:
        """The width of each tensor of the state, in the order of ``state_names``: ``H`` unless a subclass says otherwise."""
        return (self.hidden_size,) * len(self.state_names)

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

    def forward(self, input: torch.Tensor, hx=None, lengths=None):
        x, lengths = time_major_input(self, input, lengths)
        initial = initial_states(self, hx, x)
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
        require_twin("module", module, cls.torch_twin)
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

    with ``σ`` = ``tanh`` or ``relu`` as in torch, ``identity`` (the lecture's linear memory) or
    ``sigmoid`` (the logistic RNN of chapter 5); a module with either of the last two cannot be
    exported to torch. Stacking layers gives the deep RNN of chapter 1's last section. Raises
    ``ValueError`` for an unknown ``nonlinearity``, and from :meth:`~StackedRecurrent.to_torch`
    (through ``torch_kwargs``) for ``identity`` or ``sigmoid``; otherwise as
    :class:`StackedRecurrent`.
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


class LSTM(LSTMVariants, StackedRecurrent):
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
    raises ``ValueError``), but :meth:`from_torch` loads torch's weights into one, peepholes at
    zero: with zero peepholes it computes exactly what ``torch.nn.LSTM`` does. Raises
    ``ValueError`` for contradictory variant options; otherwise as :class:`StackedRecurrent`.
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
        self._set_variants(peephole, coupled, forget_gate, forget_bias, bias)
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, bidirectional, device, dtype)

    def _direction_parameter_shapes(self, layer_input: int) -> dict[str, tuple[int, ...]]:
        return {**super()._direction_parameter_shapes(layer_input), **self._peephole_shapes()}

    def reset_parameters(self) -> None:
        super().reset_parameters()
        self._shift_forget_biases()

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

    def torch_kwargs(self) -> dict:
        self._require_plain("torch.nn.LSTM")
        return {}

    def extra_repr(self) -> str:
        return super().extra_repr() + self._variants_repr()


class GRU(StackedRecurrent):
    r"""The gated recurrent unit, the twin of ``torch.nn.GRU`` (chapter 3).

    Each layer ``k`` runs :func:`~companion.cells.gru_step` along the memory sequence of the
    layer below (:math:`h^{(0)}_t = x_t`):

    .. math::
        n_t &= \tanh\big(W_{in}\, h^{(k-1)}_t + b_{in} + r_t \odot (W_{hn}\, h^{(k)}_{t-1} + b_{hn})\big),

        h^{(k)}_t &= (1 - z_t) \odot n_t + z_t \odot h^{(k)}_{t-1}

    with the reset and update gates :math:`r_t, z_t` sigmoids of the same two inputs. Weights
    are laid out as in ``torch.nn.GRU`` (three row blocks *r, z, n*; see
    :class:`StackedRecurrent`); ``forward(input, hx=None, lengths=None)`` returns
    ``(output, h_n)``, as ``torch.nn.GRU`` does.
    """

    gate_count = 3
    torch_twin = nn.GRU

    def step(self, x, state, weights):
        return gru_step(x, state, *weights)
