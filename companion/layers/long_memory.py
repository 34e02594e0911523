"""Recurrent layers built against vanishing gradients: ``IRNN``, ``LeakyRNN``, ``SCRN`` and ``ClockworkRNN`` (chapter 5).

Each is a :class:`~companion.layers.StackedRecurrent`, so stacking, ``bidirectional``,
``batch_first`` and ``lengths`` work as for the layers of chapters 1 to 3, under torch's weight
names, and each runs a one-step function of :mod:`companion.cells` that holds its equation. The
IRNN is ``torch.nn.RNN`` with ReLU started from the identity (:func:`identity_init_`); a leaky
layer whose rates are all 1 and a Clockwork RNN with the single period 1 compute what
``torch.nn.RNN`` (tanh) computes; the SCRN has no torch twin.
"""
from __future__ import annotations

import torch
from torch import nn

from .._checks import require_periods, require_positive_float, require_positive_int
from ..cells import clockwork_mask, clockwork_schedule, clockwork_step, leaky_step, scrn_step
from ..cells.long_memory_steps import _require_context_leak, _require_leak, _require_module_size
from .stacked import ElmanRNN, StackedRecurrent
from .unroll import unroll


def identity_init_(module: nn.Module, recurrent_scale: float = 1.0, input_std: float = 0.001) -> nn.Module:
    r"""Set a simple RNN's weights as Le, Jaitly & Hinton (2015) start the IRNN, in place (chapter 5).

    .. math::  W_{hh} = \lambda I, \qquad b_{ih} = b_{hh} = 0, \qquad (W_{ih})_{jk} \sim \mathcal N(0, s^2)

    with :math:`\lambda` = ``recurrent_scale`` (1 for the IRNN; Le et al. scale it down for their
    speech model) and :math:`s` = ``input_std``, for every layer and direction of ``module``
    (:class:`~companion.layers.ElmanRNN`, ``torch.nn.RNN``, :class:`~companion.layers.PackedRNN`:
    square ``weight_hh…`` weights). At :math:`\lambda = 1` a ReLU network starts by copying its
    memory forward, with :math:`\partial h_t / \partial h_{t-1} = I` wherever the units are
    active: gradients neither vanish nor explode at first. Returns ``module``. Raises
    ``ValueError`` for a scale or standard deviation that is not a positive finite number, or a
    module without square ``weight_hh`` weights (a gated layer's are ``(G·H, H)``).
    """
    recurrent_scale = require_positive_float("recurrent_scale", recurrent_scale)
    input_std = require_positive_float("input_std", input_std)
    recurrent = [(name, weight) for name, weight in module.named_parameters() if name.startswith("weight_hh")]
    if not recurrent:
        raise ValueError(
            f"module: expected a simple recurrent layer with torch's weight names (weight_hh_l0, …), "
            f"got {type(module).__name__} without weight_hh parameters"
        )
    for name, weight in recurrent:
        if weight.dim() != 2 or weight.shape[0] != weight.shape[1]:
            raise ValueError(
                f"module: expected square recurrent weights (a simple RNN's (H, H)), "
                f"got {name} of shape {tuple(weight.shape)}"
            )
    with torch.no_grad():
        for name, weight in module.named_parameters():
            if name.startswith("weight_hh"):
                nn.init.eye_(weight).mul_(recurrent_scale)
            elif name.startswith("weight_ih"):
                nn.init.normal_(weight, 0.0, input_std)
            elif name.startswith("bias"):
                nn.init.zeros_(weight)
    return module


class IRNN(ElmanRNN):
    r"""The IRNN of Le, Jaitly & Hinton (2015): a ReLU RNN whose recurrent weights start as the identity (chapter 5).

    .. math::  h_t = \max\big(0,\; W_{ih}\, x_t + b_{ih} + W_{hh}\, h_{t-1} + b_{hh}\big),
        \qquad W^{(k)}_{hh} \leftarrow \lambda I \text{ at the start}

    It is :class:`~companion.layers.ElmanRNN` with ``nonlinearity="relu"``, the twin of
    ``torch.nn.RNN(nonlinearity="relu")`` (``state_dict()``, :meth:`from_torch` and
    :meth:`~StackedRecurrent.to_torch` go both ways); only ``reset_parameters`` differs, by
    :func:`identity_init_`: ``weight_hh`` = ``recurrent_scale`` · I, biases 0, ``weight_ih``
    from :math:`\mathcal N(0,` ``input_std``:math:`^2)`, 0.001 by default as in Le et al.'s
    set-up for the non-recurrent weights. The weights are first drawn as ``torch.nn.RNN`` draws
    them, so one seed gives the same weights here and in the factory's torch-backed IRNN.

    Raises ``ValueError`` for a ``recurrent_scale`` or ``input_std`` that is not a positive
    finite number, from :meth:`from_torch` for a module that is not a ReLU ``torch.nn.RNN``;
    otherwise as :class:`StackedRecurrent`.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        bidirectional: bool = False,
        recurrent_scale: float = 1.0,
        input_std: float = 0.001,
        device=None,
        dtype=None,
    ):
        self.recurrent_scale = require_positive_float("recurrent_scale", recurrent_scale)
        self.input_std = require_positive_float("input_std", input_std)
        super().__init__(input_size, hidden_size, num_layers, "relu", bias, batch_first, bidirectional, device, dtype)

    def reset_parameters(self) -> None:
        # Drawn first as torch.nn.RNN draws them, so the random stream stays in step with a torch twin's.
        super().reset_parameters()
        identity_init_(self, self.recurrent_scale, self.input_std)

    @classmethod
    def kwargs_from_torch(cls, module: nn.RNN) -> dict:
        if module.nonlinearity != "relu":
            raise ValueError(f"module: an IRNN is a ReLU network, expected nonlinearity='relu', got {module.nonlinearity!r}")
        return {}

    def extra_repr(self) -> str:
        return StackedRecurrent.extra_repr(self) + f", recurrent_scale={self.recurrent_scale:g}, input_std={self.input_std:g}"


class LeakyRNN(ElmanRNN):
    r"""A stack of leaky-integrator units: each unit mixes its old value with a new candidate at its own rate (chapter 5).

    .. math::  h^{(k)}_t = (1 - \alpha) \odot h^{(k)}_{t-1} + \alpha \odot \phi\big(W^{(k)}_{ih}\, h^{(k-1)}_t + b^{(k)}_{ih} + W^{(k)}_{hh}\, h^{(k)}_{t-1} + b^{(k)}_{hh}\big)

    :func:`~companion.cells.leaky_step` holds the equation. ``leak`` (:math:`\alpha`) is one rate
    in :math:`(0, 1]` for all units or a sequence of ``hidden_size`` rates (a unit's time constant
    is about :math:`1/\alpha` steps), shared by every layer and direction and fixed: a buffer
    ``leak`` ``(H,)`` outside ``state_dict()``, so the weights (torch's names and shapes, as
    :class:`~companion.layers.ElmanRNN`) load into and from ``torch.nn.RNN``. With every rate 1
    the layer is ``torch.nn.RNN``, and :meth:`~StackedRecurrent.to_torch` exports it;
    :meth:`from_torch` loads torch's weights with the rates given. :math:`\phi`
    (``nonlinearity``) is any of ``ACTIVATIONS``. Leaky units with a rate
    per unit are one of the remedies Bengio, Boulanger-Lewandowski & Pascanu (2013) test against
    vanishing gradients (their :math:`\alpha` is the weight of the old state, our
    :math:`1 - \alpha`); the form is that of the leaky-integrator echo state networks of Jaeger
    et al. (2007).

    Raises ``ValueError`` for a rate outside :math:`(0, 1]`, a number of rates other than
    ``hidden_size``, an unknown ``nonlinearity``, and from :meth:`~StackedRecurrent.to_torch` for
    rates other than 1 or a nonlinearity torch lacks; otherwise as :class:`StackedRecurrent`.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        leak=0.1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        bidirectional: bool = False,
        device=None,
        dtype=None,
    ):
        rates = _require_leak(leak, require_positive_int("hidden_size", hidden_size))
        super().__init__(input_size, hidden_size, num_layers, nonlinearity, bias, batch_first, bidirectional, device, dtype)
        weight = self.weight_ih_l0
        self.register_buffer("leak", torch.tensor(rates, device=weight.device, dtype=weight.dtype), persistent=False)

    def step(self, x, state, weights):
        return leaky_step(x, state, *weights, leak=self.leak, nonlinearity=self.nonlinearity)

    @classmethod
    def from_torch(cls, module: nn.RNN, leak=1.0) -> "LeakyRNN":
        """A scratch copy of ``module`` with its weights, device and dtype, and the rates ``leak`` (1: the same function)."""
        return cls._copy_of_torch(module, leak=leak)

    def torch_kwargs(self) -> dict:
        if not bool((self.leak == 1).all()):
            raise ValueError(
                f"leak: torch.nn.RNN has no leaky units, expected every rate 1 to export, "
                f"this module has {self._leak_repr()}"
            )
        return super().torch_kwargs()

    def _leak_repr(self) -> str:
        low, high = float(self.leak.min()), float(self.leak.max())
        return f"{low:g}" if low == high else f"{self.hidden_size} rates in [{low:g}, {high:g}]"

    def extra_repr(self) -> str:
        return super().extra_repr() + f", leak={self._leak_repr()}"


class SCRN(StackedRecurrent):
    r"""The structurally constrained recurrent network of Mikolov, Joulin, Chopra, Mathieu & Ranzato (2015) (chapter 5).

    .. math::
        s_t &= (1 - \alpha)\, B\, x_t + \alpha\, s_{t-1} \\
        h_t &= \sigma(P\, s_t + A\, x_t + R\, h_{t-1}) \\
        y_t &= f(U h_t + V s_t)

    Beside ``H`` sigmoid units :math:`h_t`, each layer keeps ``S`` = ``context_size`` linear
    *context units* :math:`s_t` whose recurrent matrix is fixed to :math:`\alpha I`
    (``context_leak``, 0.95 as in the paper; a number, not a parameter): they change slowly, and
    :math:`\partial s_t / \partial s_{t-1} = \alpha I`. :func:`~companion.cells.scrn_step`
    holds the equations. A layer's output at each step is :math:`[h_t ; s_t]`, ``H + S`` wide
    per direction, so a linear read-out of it is the paper's :math:`U h_t + V s_t`; layer
    ``k > 0`` reads ``D·(H + S)`` features.

    Parameters per layer ``k`` and direction: ``weight_ih_l{k}`` :math:`A` ``(H, F_k)``,
    ``weight_hh_l{k}`` :math:`R` ``(H, H)``, ``weight_ic_l{k}`` :math:`B` ``(S, F_k)`` (input to
    context), ``weight_ch_l{k}`` :math:`P` ``(H, S)`` (context to hidden) and, with ``bias``,
    ``bias_ih_l{k}`` and ``bias_hh_l{k}`` ``(H,)`` added inside :math:`\sigma`. The paper has no
    biases (``bias=False`` is its network). As in the authors' code, :math:`B` (a matrix, not
    the batch size) is learned and :math:`\alpha` fixed. Every weight is drawn from
    :math:`U(-1/\sqrt H, 1/\sqrt H)`, as the package's other layers draw theirs (the authors'
    code draws :math:`\mathcal N(0, 0.05^2)`).

    ``forward(input, hx=None, lengths=None)``: ``input`` ``(T, B, F)`` (``(B, T, F)`` with
    ``batch_first``), ``hx = (h_0, s_0)`` of shapes ``(D·num_layers, B, H)`` and
    ``(D·num_layers, B, S)`` (zeros when ``None``); returns ``(output, (h_n, s_n))`` with
    ``output`` ``(T, B, D·(H + S))``. No torch layer computes an SCRN.

    Raises ``ValueError`` for a ``context_size`` that is not a positive integer, a
    ``context_leak`` outside :math:`[0, 1)`, from :meth:`to_torch` and :meth:`from_torch`
    (torch has no such layer), and from ``forward`` for an ``hx`` that is not a pair of such
    tensors; otherwise as :class:`StackedRecurrent`.
    """

    gate_count = 1
    state_names = ("h_0", "s_0")

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        context_size: int,
        num_layers: int = 1,
        context_leak: float = 0.95,
        bias: bool = True,
        batch_first: bool = False,
        bidirectional: bool = False,
        device=None,
        dtype=None,
    ):
        self.context_size = require_positive_int("context_size", context_size)
        self.context_leak = _require_context_leak(context_leak)
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, bidirectional, device, dtype)

    @property
    def direction_output_size(self) -> int:
        return self.hidden_size + self.context_size

    @property
    def state_sizes(self) -> tuple[int, ...]:
        return (self.hidden_size, self.context_size)

    def _direction_parameter_shapes(self, layer_input: int) -> dict[str, tuple[int, ...]]:
        shapes = super()._direction_parameter_shapes(layer_input)
        shapes.update(weight_ic=(self.context_size, layer_input), weight_ch=(self.hidden_size, self.context_size))
        return shapes

    def layer_weights(self, layer: int, suffix: str = "") -> tuple[torch.Tensor, ...]:
        """``(weight_ih, weight_hh, bias_ih, bias_hh, weight_ic, weight_ch)`` of one layer and direction; biases ``None`` without bias."""
        return super().layer_weights(layer, suffix) + tuple(
            getattr(self, f"{name}_l{layer}{suffix}") for name in ("weight_ic", "weight_ch")
        )

    def step(self, x, state, weights):
        return scrn_step(x, state, *weights, context_leak=self.context_leak)

    def output_of(self, state):
        return torch.cat(state, dim=-1)  # [h_t ; s_t]: (B, H + S)

    @classmethod
    def from_torch(cls, module: nn.Module) -> "SCRN":
        """Refused: torch has no SCRN layer to copy. Raises ``ValueError``."""
        raise ValueError(f"module: torch has no SCRN layer to copy from, got {type(module).__name__}")

    def to_torch(self) -> nn.Module:
        """Refused: torch has no SCRN layer (no torch.nn module has context units). Raises ``ValueError``."""
        raise ValueError("to_torch: torch has no SCRN layer (no torch.nn module has context units); use this module")

    def extra_repr(self) -> str:
        return super().extra_repr() + f", context_size={self.context_size}, context_leak={self.context_leak:g}"


class ClockworkRNN(StackedRecurrent):
    r"""The Clockwork RNN of Koutník, Greff, Gomez & Schmidhuber (2014): modules of units that run at their own clock rates (chapter 5).

    .. math::
        h_t^{(i)} = \begin{cases}
            \tanh\big(W_{ih}^{(i)}\, x_t + b_{ih}^{(i)} + (M \odot W_{hh})^{(i)}\, h_{t-1} + b_{hh}^{(i)}\big)
                & \text{if } t \bmod T_i = 0, \\
            h_{t-1}^{(i)} & \text{otherwise}
        \end{cases}

    The ``H`` hidden units form ``g = len(periods)`` modules of ``H/g`` units, with periods
    :math:`T_1 < \dots < T_g` (fastest first). Module ``i`` is updated at step ``t`` only when
    :math:`t \bmod T_i = 0` and otherwise keeps its value exactly
    (:func:`~companion.cells.clockwork_schedule`); recurrent connections run only from slower
    (or same) modules to faster ones, so ``weight_hh`` acts through the block-upper-triangular
    mask :math:`M` (:func:`~companion.cells.clockwork_mask`; the buffer ``recurrent_mask``,
    outside ``state_dict()``): row block ``i`` has non-zero columns for the modules ``j >= i``.
    Masked entries are zeroed when drawn, never act and get zero gradients.
    :func:`~companion.cells.clockwork_step` holds the equation; :meth:`recurrent_block_shapes`
    lists each module's block.

    Steps are counted from ``t = 0`` at the first step of every sequence, so every module reads
    the first input (Koutník et al.'s rule, :math:`t \bmod T_i = 0`, does not say where ``t``
    starts; counting from 1, only the module of period 1 would read it). With ``lengths`` the
    clock counts real steps (padding comes only at the end); the backward direction of a
    bidirectional layer counts from its own first step, the sequence's last real step.

    Weights have torch's names and shapes (``weight_hh_l{k}`` ``(H, H)``, as
    :class:`~companion.layers.ElmanRNN`). With ``periods=(1,)`` the network is ``torch.nn.RNN``
    (tanh): :meth:`~StackedRecurrent.to_torch` exports it and
    :meth:`~StackedRecurrent.from_torch` copies a tanh ``torch.nn.RNN`` into one.

    Raises ``ValueError`` for periods that are not strictly increasing positive integers, a
    ``hidden_size`` that is not a multiple of ``len(periods)``, from ``to_torch`` for other
    periods than ``(1,)``, from ``from_torch`` for a module that is not a tanh
    ``torch.nn.RNN``; otherwise as :class:`StackedRecurrent`.
    """

    gate_count = 1
    torch_twin = nn.RNN

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        periods=(1, 2, 4, 8),
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        bidirectional: bool = False,
        device=None,
        dtype=None,
    ):
        self.periods = require_periods(periods)
        self.module_size = _require_module_size(self.periods, hidden_size)
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, bidirectional, device, dtype)
        weight = self.weight_hh_l0
        mask = clockwork_mask(self.periods, hidden_size, device=weight.device, dtype=weight.dtype)
        self.register_buffer("recurrent_mask", mask, persistent=False)

    def reset_parameters(self) -> None:
        super().reset_parameters()
        with torch.no_grad():
            for name, weight in self.named_parameters():
                if name.startswith("weight_hh"):
                    weight.mul_(clockwork_mask(self.periods, self.hidden_size, device=weight.device, dtype=weight.dtype))

    def layer_weights(self, layer: int, suffix: str = "") -> tuple[torch.Tensor, ...]:
        """``(weight_ih, recurrent_mask * weight_hh, bias_ih, bias_hh)`` of one layer and direction."""
        weight_ih, weight_hh, bias_ih, bias_hh = super().layer_weights(layer, suffix)
        return weight_ih, self.recurrent_mask * weight_hh, bias_ih, bias_hh

    def step(self, x, state, weights, active):
        """One step: ``(x_t (B, F_k), h (B, H)) → h_t``, updating only the units where ``active`` ``(H,)`` is true."""
        return clockwork_step(x, state, *weights, active=active)

    def _direction_runner(self, weights: tuple, initial_state):
        def run(inputs, lengths):
            # unroll calls step once per time step, in order, without t: the clock is carried here.
            clock = iter(self._active_units(inputs.shape[0], inputs.device))
            return unroll(lambda x_t, state: self.step(x_t, state, weights, next(clock)), inputs, initial_state, lengths)

        return run

    def _active_units(self, steps: int, device) -> torch.Tensor:
        """``(steps, H)`` booleans: the schedule of :func:`clockwork_schedule` repeated over each module's units."""
        return clockwork_schedule(self.periods, steps, device=device).repeat_interleave(self.module_size, dim=1)

    def recurrent_block_shapes(self) -> dict[int, tuple[int, int]]:
        """The shape of the non-zero block of ``weight_hh`` that each module reads through, by period (chapter 5).

        Module ``i`` (``H/g`` rows) reads the units of modules ``i..g`` (its own and the slower
        ones): for ``H = 256`` and periods 1, 2, 4, 8, ``{1: (64, 256), 2: (64, 192), 4: (64,
        128), 8: (64, 64)}``. Read from ``recurrent_mask``, the same for every layer and direction.
        """
        shapes = {}
        for index, period in enumerate(self.periods):
            rows = self.recurrent_mask[index * self.module_size : (index + 1) * self.module_size]  # (H/g, H)
            shapes[period] = (rows.shape[0], int((rows != 0).any(dim=0).sum()))
        return shapes

    @classmethod
    def kwargs_from_torch(cls, module: nn.RNN) -> dict:
        if module.nonlinearity != "tanh":
            raise ValueError(
                f"module: a Clockwork RNN is a tanh network, expected nonlinearity='tanh', got {module.nonlinearity!r}"
            )
        return {"periods": (1,)}

    def torch_kwargs(self) -> dict:
        if self.periods != (1,):
            raise ValueError(
                f"periods: torch.nn.RNN updates every unit at every step, expected periods=(1,) to export, "
                f"this module has {self.periods}"
            )
        return {"nonlinearity": "tanh"}

    def extra_repr(self) -> str:
        return super().extra_repr() + f", periods={self.periods}"
