"""One factory for the Elman, LSTM and GRU layers, scratch or torch-backed, with their options (chapters 2 and 3)."""
from __future__ import annotations

from torch import nn

from .._checks import require_choice
from ..lstm_variants import add_forget_bias, check_lstm_options
from .stacked import GRU, LSTM, ElmanRNN
from .torch_twins import PackedGRU, PackedLSTM, PackedRNN

CELLS = ("elman", "lstm", "gru")
IMPLEMENTATIONS = ("scratch", "torch")
LSTM_OPTIONS = ("peephole", "coupled", "forget_gate", "forget_bias")
_LAYERS = {
    ("elman", "scratch"): ElmanRNN,
    ("lstm", "scratch"): LSTM,
    ("gru", "scratch"): GRU,
    ("elman", "torch"): PackedRNN,
    ("lstm", "torch"): PackedLSTM,
    ("gru", "torch"): PackedGRU,
}


def recurrent_layer(
    cell: str,
    input_size: int,
    hidden_size: int,
    *,
    implementation: str = "scratch",
    num_layers: int = 1,
    bidirectional: bool = False,
    batch_first: bool = False,
    **lstm_options,
) -> nn.Module:
    """A recurrent layer that maps ``(input (T, B, F), hx, lengths)`` to ``(output (T, B, D·H), h_n)`` (chapters 2 and 3).

    ``cell`` is ``"elman"`` (:math:`h_t = \\tanh(W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh})`),
    ``"lstm"`` or ``"gru"``. ``implementation="scratch"`` builds the companion's layer
    (:class:`~companion.layers.ElmanRNN`, :class:`~companion.layers.LSTM`,
    :class:`~companion.layers.GRU`: a Python loop over time steps, every equation visible);
    ``"torch"`` its torch-backed twin (:class:`~companion.layers.PackedRNN`,
    :class:`~companion.layers.PackedLSTM`, :class:`~companion.layers.PackedGRU`): the same
    function of the same weights under the same names, computed by torch's fused kernels.
    Both draw their weights in the same order from torch's generator.

    ``lstm_options`` (``peephole``, ``coupled``, ``forget_gate``, ``forget_bias``; chapter 3) go
    to an LSTM; the torch twin has only ``forget_bias``, which is added to the forget gate's
    ``bias_ih`` rows of every layer and direction.

    Raises ``ValueError`` for an unknown cell or implementation, an option that is not an LSTM
    option, an LSTM option for another cell, or a variant that torch's LSTM cannot compute.
    """
    require_choice("cell", cell, CELLS)
    require_choice("implementation", implementation, IMPLEMENTATIONS)
    for name in lstm_options:
        if name not in LSTM_OPTIONS:
            raise ValueError(f"{name}: not an option of a recurrent layer; LSTM options are {', '.join(LSTM_OPTIONS)}")
        if cell != "lstm":
            raise ValueError(f"{name}: an LSTM option, expected cell='lstm', got cell={cell!r}")
        if implementation == "torch" and name != "forget_bias":
            raise ValueError(
                f"{name}: torch.nn.LSTM has no such variant; use implementation='scratch' (the companion's LSTM)"
            )
    kind = _LAYERS[cell, implementation]
    sizes = dict(num_layers=num_layers, bidirectional=bidirectional, batch_first=batch_first)
    if implementation == "scratch":
        return kind(input_size, hidden_size, **sizes, **lstm_options)
    forget_bias = lstm_options.get("forget_bias", 0.0)
    check_lstm_options(False, False, True, forget_bias, True)
    layer = kind(input_size, hidden_size, **sizes)
    if forget_bias:
        for name, bias in layer.named_parameters():
            if name.startswith("bias_ih"):
                add_forget_bias(bias, hidden_size, forget_bias)
    return layer
