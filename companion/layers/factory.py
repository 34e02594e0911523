"""One factory for every recurrent layer of the package, scratch or torch-backed, with its options (chapters 2, 3 and 5)."""
from __future__ import annotations

from torch import nn

from .._checks import require_choice
from ..lstm_variants import add_forget_bias, check_lstm_options
from .long_memory import IRNN, SCRN, ClockworkRNN, LeakyRNN, identity_init_
from .stacked import GRU, LSTM, ElmanRNN
from .torch_twins import PackedGRU, PackedLSTM, PackedRNN

CELLS = ("elman", "lstm", "gru", "irnn", "leaky", "scrn", "clockwork")
IMPLEMENTATIONS = ("scratch", "torch")
LSTM_OPTIONS = ("peephole", "coupled", "forget_gate", "forget_bias")
# The options each cell takes, besides the sizes; the torch-backed layers take fewer (see below).
CELL_OPTIONS = {
    "elman": ("nonlinearity",),
    "lstm": LSTM_OPTIONS,
    "gru": (),
    "irnn": ("recurrent_scale", "input_std"),
    "leaky": ("leak", "nonlinearity"),
    "scrn": ("context_size", "context_leak"),
    "clockwork": ("periods",),
}
# How the messages name each cell's layer, with its article.
_NAMES = {
    "elman": ("an", "Elman"),
    "lstm": ("an", "LSTM"),
    "irnn": ("an", "IRNN"),
    "leaky": ("a", "leaky-unit"),
    "scrn": ("an", "SCRN"),
    "clockwork": ("a", "Clockwork RNN"),
}
_LAYERS = {
    ("elman", "scratch"): ElmanRNN,
    ("lstm", "scratch"): LSTM,
    ("gru", "scratch"): GRU,
    ("irnn", "scratch"): IRNN,
    ("leaky", "scratch"): LeakyRNN,
    ("scrn", "scratch"): SCRN,
    ("clockwork", "scratch"): ClockworkRNN,
    ("elman", "torch"): PackedRNN,
    ("lstm", "torch"): PackedLSTM,
    ("gru", "torch"): PackedGRU,
    ("irnn", "torch"): PackedRNN,
}


def _check_options(cell: str, implementation: str, options: dict) -> None:
    """Refuse an option that no layer takes, one of another cell, or one the torch-backed layer lacks."""
    for name, value in options.items():
        owners = [kind for kind, names in CELL_OPTIONS.items() if name in names]
        if not owners:
            listed = "; ".join(
                f"{_NAMES[kind][1]} options are {', '.join(names)}" for kind, names in CELL_OPTIONS.items() if names
            )
            raise ValueError(f"{name}: not an option of a recurrent layer; {listed}")
        if cell not in owners:
            raise ValueError(
                f"{name}: {' or '.join(' '.join(_NAMES[kind]) for kind in owners)} option, expected "
                f"{' or '.join(f'cell={kind!r}' for kind in owners)}, got cell={cell!r}"
            )
        if implementation == "torch" and cell == "lstm" and name != "forget_bias":
            raise ValueError(
                f"{name}: torch.nn.LSTM has no such variant; use implementation='scratch' (the companion's LSTM)"
            )
        if implementation == "torch" and name == "nonlinearity" and value not in ("tanh", "relu"):
            raise ValueError(
                f"nonlinearity: torch.nn.RNN accepts 'tanh' or 'relu', got {value!r}; use implementation='scratch'"
            )


def recurrent_layer(
    cell: str,
    input_size: int,
    hidden_size: int,
    *,
    implementation: str = "scratch",
    num_layers: int = 1,
    bidirectional: bool = False,
    batch_first: bool = False,
    **options,
) -> nn.Module:
    """A recurrent layer that maps ``(input (T, B, F), hx, lengths)`` to ``(output (T, B, D·H), h_n)`` (chapters 2, 3 and 5).

    ``cell`` is ``"elman"`` (:math:`h_t = \\tanh(W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh})`),
    ``"lstm"`` or ``"gru"`` (chapters 1 to 3), or one of chapter 5's ``"irnn"``, ``"leaky"``,
    ``"scrn"``, ``"clockwork"``. ``implementation="scratch"`` builds the companion's layer
    (:class:`~companion.layers.ElmanRNN`, :class:`~companion.layers.LSTM`,
    :class:`~companion.layers.GRU`, :class:`~companion.layers.IRNN`,
    :class:`~companion.layers.LeakyRNN`, :class:`~companion.layers.SCRN`,
    :class:`~companion.layers.ClockworkRNN`: a Python loop over time steps, every equation
    visible); ``"torch"`` its torch-backed twin where torch has one
    (:class:`~companion.layers.PackedRNN`, :class:`~companion.layers.PackedLSTM`,
    :class:`~companion.layers.PackedGRU`; for ``"irnn"`` a ReLU ``PackedRNN`` whose weights are
    set by :func:`~companion.layers.identity_init_`): the same function of the same weights under
    the same names, computed by torch's fused kernels. Both draw their weights in the same order
    from torch's generator. An SCRN's output is ``D·(H + S)`` wide and its ``h_n`` the pair
    ``(h_n, s_n)``.

    ``options`` go to the cell that takes them (``CELL_OPTIONS``): ``nonlinearity`` to the
    Elman and leaky layers; ``peephole``, ``coupled``, ``forget_gate``, ``forget_bias`` to an
    LSTM (chapter 3), whose torch twin has only ``forget_bias``, added to the forget gate's
    ``bias_ih`` rows of every layer and direction; ``recurrent_scale`` and ``input_std`` to an
    IRNN; ``leak`` to a leaky layer; ``context_size`` (required) and ``context_leak`` to an
    SCRN; ``periods`` to a Clockwork RNN.

    Raises ``ValueError`` for an unknown cell or implementation, an option that no layer takes,
    an option of another cell, an LSTM variant or nonlinearity that torch's layers cannot
    compute, ``implementation="torch"`` for a cell torch has no layer for (leaky, SCRN,
    Clockwork), and for what the layer itself refuses.
    """
    require_choice("cell", cell, CELLS)
    require_choice("implementation", implementation, IMPLEMENTATIONS)
    if (cell, implementation) not in _LAYERS:
        raise ValueError(
            f"implementation: torch has no {_NAMES[cell][1]} layer; "
            f"expected implementation='scratch' for cell={cell!r}, got 'torch'"
        )
    _check_options(cell, implementation, options)
    kind = _LAYERS[cell, implementation]
    sizes = dict(num_layers=num_layers, bidirectional=bidirectional, batch_first=batch_first)
    if cell == "scrn":
        return kind(input_size, hidden_size, options.pop("context_size", None), **sizes, **options)
    if implementation == "scratch":
        return kind(input_size, hidden_size, **sizes, **options)
    if cell == "irnn":
        return identity_init_(kind(input_size, hidden_size, nonlinearity="relu", **sizes), **options)
    if cell == "elman":
        return kind(input_size, hidden_size, **sizes, **options)
    forget_bias = options.get("forget_bias", 0.0)
    check_lstm_options(False, False, True, forget_bias, True)
    layer = kind(input_size, hidden_size, **sizes)
    if forget_bias:
        for name, bias in layer.named_parameters():
            if name.startswith("bias_ih"):
                add_forget_bias(bias, hidden_size, forget_bias)
    return layer
