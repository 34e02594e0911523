"""Recurrent cells: one time step of a recurrent network.

A cell maps the input at step *t* and the memory left by step *t−1* to the new memory. Each
functional form (``elman_step``, ``jordan_step``, ``lstm_step``, ``gru_step``) is the single home
of its equation; the modules (``ElmanCell``, ``LSTMCell``, ``GRUCell``) hold the weights, named
and shaped as in ``torch.nn.RNNCell``, ``LSTMCell`` and ``GRUCell`` so that weights can be copied
between each module and its torch twin.
"""
from __future__ import annotations

import math
from typing import Callable

import torch
from torch import nn

from ._validate import describe_shape, require_choice, require_floating, require_positive_int, require_tensor

ACTIVATIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "tanh": torch.tanh,
    "relu": torch.relu,
    # Linear memory, as in the lecture's worked example (chapter 1); torch.nn.RNN has no such option.
    "identity": lambda z: z,
}


def elman_step(
    x: torch.Tensor,
    h: torch.Tensor,
    weight_ih: torch.Tensor,
    weight_hh: torch.Tensor,
    bias_ih: torch.Tensor | None,
    bias_hh: torch.Tensor | None,
    nonlinearity: str = "tanh",
) -> torch.Tensor:
    r"""One step of the simple (Elman) recurrent network (chapter 1, chapter 2).

    .. math::  h_t = \sigma(W_{ih}\, x_t + b_{ih} + W_{hh}\, h_{t-1} + b_{hh})

    ``x`` is ``(B, F)``, ``h`` is ``(B, H)``; returns the new memory ``h_t`` of shape ``(B, H)``.
    ``σ`` is ``tanh``, ``relu`` or ``identity``.
    """
    pre_activation = x @ weight_ih.T + h @ weight_hh.T
    if bias_ih is not None:
        pre_activation = pre_activation + bias_ih + bias_hh
    return ACTIVATIONS[nonlinearity](pre_activation)


def jordan_step(
    x: torch.Tensor,
    fed_back: torch.Tensor,
    weight_ih: torch.Tensor,
    weight_yh: torch.Tensor,
    bias_ih: torch.Tensor | None,
    bias_yh: torch.Tensor | None,
    weight_hy: torch.Tensor,
    bias_hy: torch.Tensor | None,
    nonlinearity: str = "tanh",
) -> torch.Tensor:
    r"""One step of the Jordan network (chapter 2): the previous output, not the memory, comes back.

    .. math::  h_t = \sigma(W_{ih}\, x_t + b_{ih} + W_{yh}\, \hat y_{t-1} + b_{yh}), \qquad
               s_t = W_{hy}\, h_t + b_{hy}

    ``x`` is ``(B, F)``, ``fed_back`` (:math:`\hat y_{t-1}`) is ``(B, O)``; returns the scores
    :math:`s_t` ``(B, O)``, whose softmax is fed back at the next step.
    """
    hidden = elman_step(x, fed_back, weight_ih, weight_yh, bias_ih, bias_yh, nonlinearity)
    scores = hidden @ weight_hy.T
    return scores if bias_hy is None else scores + bias_hy


def lstm_step(
    x: torch.Tensor,
    state: tuple[torch.Tensor, torch.Tensor],
    weight_ih: torch.Tensor,
    weight_hh: torch.Tensor,
    bias_ih: torch.Tensor | None,
    bias_hh: torch.Tensor | None,
    weight_peephole: torch.Tensor | None = None,
    coupled: bool = False,
    forget_gate: bool = True,
) -> tuple[torch.Tensor, torch.Tensor]:
    r"""One step of the long short-term memory (LSTM), as ``torch.nn.LSTM`` computes it (chapter 3, equations (3.3)-(3.8)).

    .. math::
        i_t &= \sigma(W_{ii}\, x_t + b_{ii} + W_{hi}\, h_{t-1} + b_{hi}) \\
        f_t &= \sigma(W_{if}\, x_t + b_{if} + W_{hf}\, h_{t-1} + b_{hf}) \\
        g_t &= \tanh(W_{ig}\, x_t + b_{ig} + W_{hg}\, h_{t-1} + b_{hg}) \\
        o_t &= \sigma(W_{io}\, x_t + b_{io} + W_{ho}\, h_{t-1} + b_{ho}) \\
        c_t &= f_t \odot c_{t-1} + i_t \odot g_t \\
        h_t &= o_t \odot \tanh(c_t)

    ``x`` is ``(B, F)`` and ``state`` the pair ``(h, c)`` of ``(B, H)`` memories; returns the new
    pair :math:`(h_t, c_t)`. ``weight_ih`` ``(4H, F)``, ``weight_hh`` ``(4H, H)`` and the biases
    ``(4H,)`` hold the four gates' rows in torch's order *i, f, g, o*.

    Three variants, none of which ``torch.nn.LSTM`` has:

    * ``weight_peephole`` ``(3, H)``, rows :math:`p_i, p_f, p_o`: peephole connections (Gers &
      Schmidhuber 2000). The input and forget gates also see the previous cell, the output gate
      the new one, each through a diagonal (elementwise) weight:
      :math:`i_t = \sigma(\dots + p_i \odot c_{t-1})`, :math:`f_t = \sigma(\dots + p_f \odot c_{t-1})`,
      :math:`o_t = \sigma(\dots + p_o \odot c_t)`. With zero peepholes this is the plain LSTM.
    * ``coupled``: the input gate is tied to the forget gate, :math:`i_t = 1 - f_t` (what is let
      in is what is forgotten). The rows of the *i* block (and :math:`p_i`) stay in the weights, so
      the layout is torch's, but they take no part and get zero gradients.
    * ``forget_gate=False``: :math:`f_t = 1`, so :math:`c_t = c_{t-1} + i_t \odot g_t`, the cell
      of the first LSTM (Hochreiter & Schmidhuber 1997), which can only add to its memory. The
      *f* block (and :math:`p_f`) takes no part. It cannot be combined with ``coupled``.
    """
    _require_forget_gate_if_coupled(coupled, forget_gate)
    h, c = state
    gates = x @ weight_ih.T + h @ weight_hh.T
    if bias_ih is not None:
        gates = gates + bias_ih + bias_hh
    input_pre, forget_pre, candidate_pre, output_pre = gates.chunk(4, dim=-1)
    if weight_peephole is not None:
        peep_input, peep_forget, peep_output = weight_peephole
        input_pre = input_pre + peep_input * c
        forget_pre = forget_pre + peep_forget * c
    candidate = torch.tanh(candidate_pre)
    if forget_gate:
        forget = torch.sigmoid(forget_pre)
        input_gate = 1 - forget if coupled else torch.sigmoid(input_pre)
        c_new = forget * c + input_gate * candidate
    else:
        c_new = c + torch.sigmoid(input_pre) * candidate
    if weight_peephole is not None:
        output_pre = output_pre + peep_output * c_new
    h_new = torch.sigmoid(output_pre) * torch.tanh(c_new)
    return h_new, c_new


def _require_forget_gate_if_coupled(coupled: bool, forget_gate: bool) -> None:
    if coupled and not forget_gate:
        raise ValueError(
            "forget_gate: a coupled input gate (i_t = 1 − f_t) needs the forget gate; "
            "expected forget_gate=True with coupled=True, got forget_gate=False"
        )


def gru_step(
    x: torch.Tensor,
    h: torch.Tensor,
    weight_ih: torch.Tensor,
    weight_hh: torch.Tensor,
    bias_ih: torch.Tensor | None,
    bias_hh: torch.Tensor | None,
) -> torch.Tensor:
    r"""One step of the gated recurrent unit (GRU), exactly as ``torch.nn.GRU`` computes it (chapter 3, equations (3.9)-(3.12)).

    .. math::
        r_t &= \sigma(W_{ir}\, x_t + b_{ir} + W_{hr}\, h_{t-1} + b_{hr}) \\
        z_t &= \sigma(W_{iz}\, x_t + b_{iz} + W_{hz}\, h_{t-1} + b_{hz}) \\
        n_t &= \tanh\big(W_{in}\, x_t + b_{in} + r_t \odot (W_{hn}\, h_{t-1} + b_{hn})\big) \\
        h_t &= (1 - z_t) \odot n_t + z_t \odot h_{t-1}

    ``x`` is ``(B, F)``, ``h`` ``(B, H)``; returns :math:`h_t` ``(B, H)``. ``weight_ih`` ``(3H, F)``,
    ``weight_hh`` ``(3H, H)`` and the biases ``(3H,)`` hold the rows in torch's order *r, z, n*.

    Where Cho et al. (2014) differ: their candidate memory resets :math:`h_{t-1}` *before* the
    matrix product, :math:`\tilde h_t = \tanh(W x_t + U (r_t \odot h_{t-1}))`, while torch (like
    cuDNN) resets the product, :math:`r_t \odot (W_{hn} h_{t-1} + b_{hn})`. The two have the same
    parameters but are different functions of them, so weights do not carry over exactly. Their
    update :math:`h_t = z_t \odot h_{t-1} + (1 - z_t) \odot \tilde h_t` is torch's: :math:`z_t`
    near 1 keeps the old memory. (Some texts, e.g. Chung et al. 2014, swap the roles,
    :math:`h_t = (1 - z_t) \odot h_{t-1} + z_t \odot \tilde h_t`: the same family with
    :math:`z_t` read as :math:`1 - z_t`.) Cho et al. write no biases; torch has two per gate, of
    which only :math:`b_{hn}`, inside the reset, is not redundant with its partner.
    """
    from_input = x @ weight_ih.T
    from_memory = h @ weight_hh.T
    if bias_ih is not None:
        from_input = from_input + bias_ih
        from_memory = from_memory + bias_hh
    input_reset, input_update, input_candidate = from_input.chunk(3, dim=-1)
    memory_reset, memory_update, memory_candidate = from_memory.chunk(3, dim=-1)
    reset = torch.sigmoid(input_reset + memory_reset)
    update = torch.sigmoid(input_update + memory_update)
    candidate = torch.tanh(input_candidate + reset * memory_candidate)
    return (1 - update) * candidate + update * h


def uniform_init_bound(hidden_size: int) -> float:
    """torch.nn's recurrent layers draw every weight from U(−1/√H, 1/√H); so do ours."""
    return 1.0 / math.sqrt(hidden_size)


def _batched_cell_input(cell: nn.Module, x) -> tuple[torch.Tensor, bool]:
    """Check a cell's input, ``(B, F)`` or ``(F,)`` for one example; return it as ``(B, F)`` and whether it was ``(F,)``."""
    require_tensor("x", x)
    require_floating("x", x, cell.weight_ih.dtype)
    if x.dim() not in (1, 2) or x.shape[-1] != cell.input_size:
        raise ValueError(
            f"x: expected shape (batch, {cell.input_size}) or ({cell.input_size},), "
            f"got shape {describe_shape(x)}"
        )
    unbatched = x.dim() == 1
    return (x.unsqueeze(0) if unbatched else x), unbatched


def _batched_cell_state(
    name: str, state, batch: int, hidden_size: int, unbatched: bool, dtype: torch.dtype
) -> torch.Tensor:
    """Check one memory tensor given to a cell: ``(B, H)``, or ``(H,)`` beside an unbatched input; return it ``(B, H)``."""
    require_tensor(name, state)
    expected, layout = ((hidden_size,), "hidden") if unbatched else ((batch, hidden_size), "batch, hidden")
    if tuple(state.shape) != expected:
        shown = "(" + ", ".join(str(n) for n in expected) + ("," if unbatched else "") + ")"
        raise ValueError(f"{name}: expected shape {shown} ({layout}), got shape {describe_shape(state)}")
    require_floating(name, state, dtype)
    return state.unsqueeze(0) if unbatched else state


class ElmanCell(nn.Module):
    r"""The simple recurrent cell, the twin of ``torch.nn.RNNCell`` (chapter 1).

    .. math::  h_t = \sigma(W_{ih}\, x_t + b_{ih} + W_{hh}\, h_{t-1} + b_{hh})

    Parameters ``weight_ih`` ``(H, F)``, ``weight_hh`` ``(H, H)``, ``bias_ih`` and ``bias_hh``
    ``(H,)`` have the names and shapes of ``torch.nn.RNNCell``, so
    ``cell.load_state_dict(torch_cell.state_dict())`` works both ways.

    ``forward(x, h=None)`` takes ``x`` of shape ``(B, F)`` (or ``(F,)`` for one example) and the
    previous memory ``h`` of shape ``(B, H)`` (zeros when ``None``), and returns the new memory.
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

    def forward(self, x: torch.Tensor, h: torch.Tensor | None = None) -> torch.Tensor:
        x, unbatched = _batched_cell_input(self, x)
        dtype = self.weight_ih.dtype
        if h is None:
            h = x.new_zeros(x.shape[0], self.hidden_size)
        else:
            h = _batched_cell_state("h", h, x.shape[0], self.hidden_size, unbatched, dtype)
        h_new = elman_step(
            x, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh, self.nonlinearity
        )
        return h_new.squeeze(0) if unbatched else h_new

    def extra_repr(self) -> str:
        return (
            f"{self.input_size}, {self.hidden_size}, nonlinearity={self.nonlinearity!r}"
            + ("" if self.bias else ", bias=False")
        )


def check_lstm_options(peephole, coupled, forget_gate, forget_bias, bias) -> None:
    """Reject LSTM variant options that are not flags, or that contradict each other (see :func:`lstm_step`)."""
    for name, value in (("peephole", peephole), ("coupled", coupled), ("forget_gate", forget_gate)):
        if not isinstance(value, bool):
            raise ValueError(f"{name}: expected True or False, got {value!r}")
    _require_forget_gate_if_coupled(coupled, forget_gate)
    if isinstance(forget_bias, bool) or not isinstance(forget_bias, (int, float)) or not math.isfinite(forget_bias):
        raise ValueError(f"forget_bias: expected a finite number, got {forget_bias!r}")
    if forget_bias and not bias:
        raise ValueError(f"forget_bias: expected 0 for a module without biases (bias=False), got {forget_bias!r}")
    if forget_bias and not forget_gate:
        raise ValueError(f"forget_bias: expected 0 for a cell without forget gate (forget_gate=False), got {forget_bias!r}")


def add_forget_bias(bias_ih: torch.Tensor, hidden_size: int, forget_bias: float) -> None:
    r"""Shift the forget gate's bias by ``forget_bias`` (rows ``H..2H`` of ``bias_ih``, torch's gate order).

    A positive shift (1 is usual, after Gers et al. 2000 and Jozefowicz et al. 2015) makes
    :math:`f_t` start near 1, so a fresh LSTM keeps its memory and gradients reach far back
    before training has learnt what to forget.
    """
    with torch.no_grad():
        bias_ih[hidden_size : 2 * hidden_size] += forget_bias


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
        if not isinstance(cell, cls.torch_twin):
            raise ValueError(
                f"cell: expected a {cls.torch_twin.__module__}.{cls.torch_twin.__name__}, "
                f"got {type(cell).__name__}"
            )
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


class LSTMCell(_GatedCell):
    r"""The LSTM cell, the twin of ``torch.nn.LSTMCell`` (chapter 3); :func:`lstm_step` holds its equations.

    .. math::  c_t = f_t \odot c_{t-1} + i_t \odot g_t, \qquad h_t = o_t \odot \tanh(c_t)

    Parameters ``weight_ih`` ``(4H, F)``, ``weight_hh`` ``(4H, H)``, ``bias_ih`` and ``bias_hh``
    ``(4H,)`` (gate rows *i, f, g, o*) have the names and shapes of ``torch.nn.LSTMCell``, so
    ``state_dict()`` goes both ways; :meth:`from_torch` and :meth:`to_torch` copy a cell.

    Options (see :func:`lstm_step`): ``peephole`` adds ``weight_peephole`` ``(3, H)`` (rows
    :math:`p_i, p_f, p_o`), ``coupled`` ties :math:`i_t = 1 - f_t`, ``forget_gate=False`` fixes
    :math:`f_t = 1`; a cell with any of them has no torch twin to export to. ``forget_bias`` is
    added to the forget gate's ``bias_ih`` rows when the weights are drawn (0 draws exactly as
    torch does).

    ``forward(x, hx=None)`` takes ``x`` ``(B, F)`` (or ``(F,)``) and ``hx = (h, c)``, each
    ``(B, H)`` (or ``(H,)``; zeros when ``None``), and returns the new pair ``(h, c)``.
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
        check_lstm_options(peephole, coupled, forget_gate, forget_bias, bias)
        self.peephole, self.coupled, self.forget_gate = peephole, coupled, forget_gate
        self.forget_bias = float(forget_bias)
        super().__init__(input_size, hidden_size, bias, device, dtype)

    def _parameter_shapes(self) -> dict[str, tuple[int, ...]]:
        shapes = super()._parameter_shapes()
        if self.peephole:
            shapes["weight_peephole"] = (3, self.hidden_size)
        return shapes

    def reset_parameters(self) -> None:
        super().reset_parameters()
        if self.forget_bias:
            add_forget_bias(self.bias_ih, self.hidden_size, self.forget_bias)

    def _weights_torch_lacks(self) -> dict[str, torch.Tensor]:
        # Zero peepholes make the cell compute exactly what the torch cell does.
        return {"weight_peephole": torch.zeros_like(self.weight_peephole)} if self.peephole else {}

    def _check_exportable(self) -> None:
        require_plain_lstm(self, "torch.nn.LSTMCell")

    @classmethod
    def from_torch(
        cls, cell: nn.LSTMCell, peephole: bool = False, coupled: bool = False, forget_gate: bool = True
    ) -> "LSTMCell":
        """A scratch copy of ``cell`` with its weights, device and dtype; peepholes, if asked for, start at zero."""
        return cls._copy_of_torch(cell, peephole=peephole, coupled=coupled, forget_gate=forget_gate)

    def forward(self, x: torch.Tensor, hx=None) -> tuple[torch.Tensor, torch.Tensor]:
        x, unbatched = _batched_cell_input(self, x)
        if hx is None:
            h = c = x.new_zeros(x.shape[0], self.hidden_size)
        else:
            h, c = require_pair("hx", hx, ("h", "c"))
            dtype = self.weight_ih.dtype
            h = _batched_cell_state("hx[0] (h)", h, x.shape[0], self.hidden_size, unbatched, dtype)
            c = _batched_cell_state("hx[1] (c)", c, x.shape[0], self.hidden_size, unbatched, dtype)
        h_new, c_new = lstm_step(
            x, (h, c), self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh,
            self.weight_peephole if self.peephole else None, self.coupled, self.forget_gate,
        )
        return (h_new.squeeze(0), c_new.squeeze(0)) if unbatched else (h_new, c_new)

    def extra_repr(self) -> str:
        return super().extra_repr() + lstm_options_repr(self)


class GRUCell(_GatedCell):
    r"""The gated recurrent unit, the twin of ``torch.nn.GRUCell`` (chapter 3); :func:`gru_step` holds its equations.

    .. math::  h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}

    Parameters ``weight_ih`` ``(3H, F)``, ``weight_hh`` ``(3H, H)``, ``bias_ih`` and ``bias_hh``
    ``(3H,)`` (gate rows *r, z, n*) have the names and shapes of ``torch.nn.GRUCell``, so
    ``state_dict()`` goes both ways. ``forward(x, h=None)`` takes ``x`` ``(B, F)`` (or ``(F,)``)
    and the previous memory ``h`` ``(B, H)`` (zeros when ``None``) and returns the new memory.
    """

    gate_count = 3
    torch_twin = nn.GRUCell

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, device, dtype)

    @classmethod
    def from_torch(cls, cell: nn.GRUCell) -> "GRUCell":
        """A scratch copy of ``cell`` with its weights, device and dtype."""
        return cls._copy_of_torch(cell)

    def forward(self, x: torch.Tensor, h: torch.Tensor | None = None) -> torch.Tensor:
        x, unbatched = _batched_cell_input(self, x)
        if h is None:
            h = x.new_zeros(x.shape[0], self.hidden_size)
        else:
            h = _batched_cell_state("h", h, x.shape[0], self.hidden_size, unbatched, self.weight_ih.dtype)
        h_new = gru_step(x, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return h_new.squeeze(0) if unbatched else h_new


def require_pair(name: str, value, part_names: tuple[str, str]):
    """An LSTM's memory is a pair of tensors, ``(h, c)``; refuse anything else before looking at shapes."""
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        given = type(value).__name__ + (f" of length {len(value)}" if isinstance(value, (tuple, list)) else "")
        raise ValueError(f"{name}: expected a pair ({', '.join(part_names)}) of tensors, got {given}")
    return value


def require_plain_lstm(module: nn.Module, twin_name: str) -> None:
    """Refuse to export an LSTM variant that the torch twin cannot compute."""
    if module.peephole:
        raise ValueError(f"peephole: {twin_name} has no peephole connections; this module has peephole=True")
    if module.coupled:
        raise ValueError(f"coupled: {twin_name} has no coupled input and forget gates; this module has coupled=True")
    if not module.forget_gate:
        raise ValueError(f"forget_gate: {twin_name} always has a forget gate; this module has forget_gate=False")


def lstm_options_repr(module: nn.Module) -> str:
    text = ", peephole=True" if module.peephole else ""
    text += ", coupled=True" if module.coupled else ""
    text += ", forget_gate=False" if not module.forget_gate else ""
    return text + (f", forget_bias={module.forget_bias}" if module.forget_bias else "")
