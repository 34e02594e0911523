"""The LSTM's variants (peepholes, coupled gates, no forget gate, a forget-gate bias), set up once for cell and layer.

Chapter 3 compares the variants of Greff et al. (2017). :class:`~companion.cells.LSTMCell` and
:class:`~companion.layers.LSTM` take the same options and both inherit
:class:`LSTMVariants`, which checks the options, adds the peephole weights, shifts the forget
gate's bias, loads torch's weights with zero peepholes and refuses to export a variant that
torch cannot compute. :func:`~companion.cells.lstm_step` holds the equations.
"""
from __future__ import annotations

import math

import torch


def require_forget_gate_if_coupled(coupled: bool, forget_gate: bool) -> None:
    """Raises ``ValueError`` for ``coupled=True`` without a forget gate: a coupled input gate is ``1 - f_t`` (chapter 3)."""
    if coupled and not forget_gate:
        raise ValueError(
            "forget_gate: a coupled input gate (i_t = 1 − f_t) needs the forget gate; "
            "expected forget_gate=True with coupled=True, got forget_gate=False"
        )


def check_lstm_options(peephole, coupled, forget_gate, forget_bias, bias) -> None:
    """Reject LSTM variant options that are not flags, or that contradict each other (chapter 3).

    Raises ``ValueError`` when a flag is not a bool, when ``coupled`` is asked without a forget
    gate, when ``forget_bias`` is not a finite number, or is non-zero without biases or without
    a forget gate.
    """
    for name, value in (("peephole", peephole), ("coupled", coupled), ("forget_gate", forget_gate)):
        if not isinstance(value, bool):
            raise ValueError(f"{name}: expected True or False, got {value!r}")
    require_forget_gate_if_coupled(coupled, forget_gate)
    if isinstance(forget_bias, bool) or not isinstance(forget_bias, (int, float)) or not math.isfinite(forget_bias):
        raise ValueError(f"forget_bias: expected a finite number, got {forget_bias!r}")
    if forget_bias and not bias:
        raise ValueError(f"forget_bias: expected 0 for a module without biases (bias=False), got {forget_bias!r}")
    if forget_bias and not forget_gate:
        raise ValueError(f"forget_bias: expected 0 for a cell without forget gate (forget_gate=False), got {forget_bias!r}")


def add_forget_bias(bias_ih: torch.Tensor, hidden_size: int, forget_bias: float) -> None:
    r"""Shift the forget gate's bias by ``forget_bias`` (rows ``H..2H`` of ``bias_ih``, torch's gate order; chapter 3).

    A positive shift (1 is usual, after Gers et al. 2000 and Jozefowicz et al. 2015) makes
    :math:`f_t` start near 1, so a fresh LSTM keeps its memory and gradients reach far back
    before training has learnt what to forget.
    """
    with torch.no_grad():
        bias_ih[hidden_size : 2 * hidden_size] += forget_bias


PEEPHOLE = "weight_peephole"


class LSTMVariants:
    """The variant options shared by :class:`~companion.cells.LSTMCell` and :class:`~companion.layers.LSTM` (chapter 3).

    A subclass calls ``_set_variants`` before ``nn.Module.__init__`` registers its parameters
    (it raises ``ValueError`` for options that :func:`check_lstm_options` rejects), adds
    ``_peephole_shapes`` to its parameter shapes and calls ``_shift_forget_biases`` after drawing
    its weights; ``_require_plain`` raises ``ValueError`` when a variant is exported to torch.
    """

    def _set_variants(self, peephole, coupled, forget_gate, forget_bias, bias) -> None:
        check_lstm_options(peephole, coupled, forget_gate, forget_bias, bias)
        self.peephole, self.coupled, self.forget_gate = peephole, coupled, forget_gate
        self.forget_bias = float(forget_bias)

    def _peephole_shapes(self) -> dict[str, tuple[int, ...]]:
        """``weight_peephole`` ``(3, H)``, rows :math:`p_i, p_f, p_o`, if the module has peepholes."""
        return {PEEPHOLE: (3, self.hidden_size)} if self.peephole else {}

    def _shift_forget_biases(self) -> None:
        if self.forget_bias:
            for name, bias in self.named_parameters():
                if name.startswith("bias_ih"):
                    add_forget_bias(bias, self.hidden_size, self.forget_bias)

    def _weights_torch_lacks(self) -> dict[str, torch.Tensor]:
        # Zero peepholes make the module compute exactly what its torch twin does.
        return {name: torch.zeros_like(weight) for name, weight in self.named_parameters() if name.startswith(PEEPHOLE)}

    def _require_plain(self, twin_name: str) -> None:
        """Refuse to export a variant that the torch twin cannot compute."""
        if self.peephole:
            raise ValueError(f"peephole: {twin_name} has no peephole connections; this module has peephole=True")
        if self.coupled:
            raise ValueError(f"coupled: {twin_name} has no coupled input and forget gates; this module has coupled=True")
        if not self.forget_gate:
            raise ValueError(f"forget_gate: {twin_name} always has a forget gate; this module has forget_gate=False")

    def _variants_repr(self) -> str:
        text = ", peephole=True" if self.peephole else ""
        text += ", coupled=True" if self.coupled else ""
        text += ", forget_gate=False" if not self.forget_gate else ""
        return text + (f", forget_bias={self.forget_bias}" if self.forget_bias else "")

