"""The recurrent cells as modules holding their weights, twins of ``torch.nn.RNNCell``, ``LSTMCell`` and ``GRUCell`` (chapters 1 and 3).

The weights are named and shaped as in torch, so that ``state_dict()`` goes both ways between
each module and its torch twin; the equations are those of :mod:`companion.cells.steps`.
"""
from __future__ import annotations

import torch
from torch import nn

from .._checks import require_choice, require_positive_int
from .._recurrent_checks import cell_input, cell_input_and_memory, cell_state, require_pair, require_twin
from ..lstm_variants import LSTMVariants
from .steps import ACTIVATIONS, elman_step, gru_step, lstm_step, uniform_init_bound


class ElmanCell(nn.Module):
    r"""The simple recurrent cell, the twin of ``torch.nn.RNNCell`` (chapter 1).

    .. math::  h_t = \sigma(W_{ih}\, x_t + b_{ih} + W_{hh}\, h_{t-1} + b_{hh})

    Parameters ``weight_ih`` ``(H, F)``, ``weight_hh`` ``(H, H)``, ``bias_ih`` and ``bias_hh``
    ``(H,)`` have the names and shapes of ``torch.nn.RNNCell``, so
    ``cell.load_state_dict(torch_cell.state_dict())`` works both ways.

    ``forward(input, hx=None)`` takes ``input`` :math:`x_t` of shape ``(B, F)`` (or ``(F,)`` for
    one example) and the previous memory ``hx`` :math:`h_{t-1}` of shape ``(B, H)`` (zeros when
    ``None``), and returns the new memory :math:`h_t`, as ``torch.nn.RNNCell`` does. Raises
    ``ValueError`` for a size that is not a positive integer, an unknown ``nonlinearity``, or an
    input or memory of another shape or dtype than the weights'.
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

    def forward(self, input: torch.Tensor, hx: torch.Tensor | None = None) -> torch.Tensor:
        x, h, unbatched = cell_input_and_memory(self, input, hx)
        h_new = elman_step(
            x, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh, self.nonlinearity
        )
        return h_new.squeeze(0) if unbatched else h_new

    def extra_repr(self) -> str:
        return (
            f"{self.input_size}, {self.hidden_size}, nonlinearity={self.nonlinearity!r}"
            + ("" if self.bias else ", bias=False")
        )


class _GatedCell(nn.Module):
    """Weights ``weight_ih`` ``(G·H, F)``, ``weight_hh`` ``(G·H, H)``, ``bias_ih``/``bias_hh`` ``(G·H,)`` of a ``G``-gate cell.

    Subclasses give ``gate_count``, ``torch_twin`` and ``forward``; they may own more parameters
    (``_parameter_shapes``) that torch's twin lacks (``_weights_torch_lacks``).
    """

    gate_count = 1
    torch_twin: type[nn.Module] = nn.Module

    def __init__(self, input_size: int, hidden_size: int, bias: bool, device, dtype):
        super().__init__()
        self.input_size = require_positive_int("input_size", input_size)
        self.hidden_size = require_positive_int("hidden_size", hidden_size)
        self.bias = bias
        for name, shape in self._parameter_shapes().items():
            self.register_parameter(name, nn.Parameter(torch.empty(*shape, device=device, dtype=dtype)))
        if not bias:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def _parameter_shapes(self) -> dict[str, tuple[int, ...]]:
        rows = self.gate_count * self.hidden_size
        shapes = {"weight_ih": (rows, self.input_size), "weight_hh": (rows, self.hidden_size)}
        if self.bias:
            shapes.update(bias_ih=(rows,), bias_hh=(rows,))
        return shapes

    def reset_parameters(self) -> None:
        bound = uniform_init_bound(self.hidden_size)
        for weight in self.parameters():
            nn.init.uniform_(weight, -bound, bound)

    def _weights_torch_lacks(self) -> dict[str, torch.Tensor]:
        """The values that parameters absent from the torch twin take when its weights are loaded."""
        return {}

    def _check_exportable(self) -> None:
        """Raise a ValueError if the torch twin cannot compute what this cell computes."""

    @classmethod
    def _copy_of_torch(cls, cell: nn.Module, **options) -> "_GatedCell":
        require_twin("cell", cell, cls.torch_twin)
        weight = cell.weight_ih
        scratch = cls(
            cell.input_size, cell.hidden_size, bias=cell.bias, device=weight.device, dtype=weight.dtype, **options
        )
        scratch.load_state_dict({**scratch._weights_torch_lacks(), **cell.state_dict()})
        return scratch

    def to_torch(self) -> nn.Module:
        """The torch twin of this cell, holding a copy of its weights."""
        self._check_exportable()
        weight = self.weight_ih
        twin = self.torch_twin(
            self.input_size, self.hidden_size, bias=self.bias, device=weight.device, dtype=weight.dtype
        )
        twin.load_state_dict(self.state_dict())
        return twin

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")


class LSTMCell(LSTMVariants, _GatedCell):
    r"""The LSTM cell, the twin of ``torch.nn.LSTMCell`` (chapter 3); :func:`lstm_step` holds its equations.

    .. math::  c_t = f_t \odot c_{t-1} + i_t \odot g_t, \qquad h_t = o_t \odot \tanh(c_t)

    Parameters ``weight_ih`` ``(4H, F)``, ``weight_hh`` ``(4H, H)``, ``bias_ih`` and ``bias_hh``
    ``(4H,)`` (gate rows *i, f, g, o*) have the names and shapes of ``torch.nn.LSTMCell``, so
    ``state_dict()`` goes both ways; :meth:`from_torch` and ``to_torch()`` copy a cell.

    Options (see :func:`lstm_step`): ``peephole`` adds ``weight_peephole`` ``(3, H)`` (rows
    :math:`p_i, p_f, p_o`), ``coupled`` ties :math:`i_t = 1 - f_t`, ``forget_gate=False`` fixes
    :math:`f_t = 1`; a cell with any of them has no torch twin to export to. ``forget_bias`` is
    added to the forget gate's ``bias_ih`` rows when the weights are drawn (0 draws exactly as
    torch does).

    ``forward(input, hx=None)`` takes ``input`` ``(B, F)`` (or ``(F,)``) and ``hx = (h, c)``, each
    ``(B, H)`` (or ``(H,)``; zeros when ``None``), and returns the new pair ``(h, c)``, as
    ``torch.nn.LSTMCell`` does. Raises ``ValueError`` for contradictory options, for a memory that
    is not a pair, for an input or memory of another shape or dtype than the weights', and from
    ``to_torch()`` for a variant that torch cannot compute.
    """

    gate_count = 4
    torch_twin = nn.LSTMCell

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        peephole: bool = False,
        coupled: bool = False,
        forget_gate: bool = True,
        forget_bias: float = 0.0,
        device=None,
        dtype=None,
    ):
        self._set_variants(peephole, coupled, forget_gate, forget_bias, bias)
        super().__init__(input_size, hidden_size, bias, device, dtype)

    def _parameter_shapes(self) -> dict[str, tuple[int, ...]]:
        return {**super()._parameter_shapes(), **self._peephole_shapes()}

    def reset_parameters(self) -> None:
        super().reset_parameters()
        self._shift_forget_biases()

    def _check_exportable(self) -> None:
        self._require_plain("torch.nn.LSTMCell")

    @classmethod
    def from_torch(
        cls, cell: nn.LSTMCell, peephole: bool = False, coupled: bool = False, forget_gate: bool = True
    ) -> "LSTMCell":
        """A scratch copy of ``cell`` with its weights, device and dtype; peepholes, if asked for, start at zero."""
        return cls._copy_of_torch(cell, peephole=peephole, coupled=coupled, forget_gate=forget_gate)

    def forward(self, input: torch.Tensor, hx=None) -> tuple[torch.Tensor, torch.Tensor]:
        x, unbatched = cell_input(self, input)
        if hx is None:
            h = c = x.new_zeros(x.shape[0], self.hidden_size)
        else:
            h, c = require_pair("hx", hx, ("h", "c"))
            dtype = self.weight_ih.dtype
            h = cell_state("hx[0] (h)", h, x.shape[0], self.hidden_size, unbatched, dtype)
            c = cell_state("hx[1] (c)", c, x.shape[0], self.hidden_size, unbatched, dtype)
        h_new, c_new = lstm_step(
            x, (h, c), self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh,
            self.weight_peephole if self.peephole else None, self.coupled, self.forget_gate,
        )
        return (h_new.squeeze(0), c_new.squeeze(0)) if unbatched else (h_new, c_new)

    def extra_repr(self) -> str:
        return super().extra_repr() + self._variants_repr()


class GRUCell(_GatedCell):
    r"""The gated recurrent unit, the twin of ``torch.nn.GRUCell`` (chapter 3); :func:`gru_step` holds its equations.

    .. math::  h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}

    Parameters ``weight_ih`` ``(3H, F)``, ``weight_hh`` ``(3H, H)``, ``bias_ih`` and ``bias_hh``
    ``(3H,)`` (gate rows *r, z, n*) have the names and shapes of ``torch.nn.GRUCell``, so
    ``state_dict()`` goes both ways. ``forward(input, hx=None)`` takes ``input`` ``(B, F)`` (or
    ``(F,)``) and the previous memory ``hx`` ``(B, H)`` (zeros when ``None``) and returns the new
    memory, as ``torch.nn.GRUCell`` does. Raises ``ValueError`` for an input or memory of another
    shape or dtype than the weights'.
    """

    gate_count = 3
    torch_twin = nn.GRUCell

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, device, dtype)

    @classmethod
    def from_torch(cls, cell: nn.GRUCell) -> "GRUCell":
        """A scratch copy of ``cell`` with its weights, device and dtype."""
        return cls._copy_of_torch(cell)

    def forward(self, input: torch.Tensor, hx: torch.Tensor | None = None) -> torch.Tensor:
        x, h, unbatched = cell_input_and_memory(self, input, hx)
        h_new = gru_step(x, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return h_new.squeeze(0) if unbatched else h_new
