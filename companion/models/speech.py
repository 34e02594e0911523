"""A recogniser of spoken digit strings trained with CTC: a bidirectional recurrent network that emits a distribution over blank and the ten digits at every frame (chapter 6).

The labels: class 0 is CTC's blank, and digit :math:`d` is class :math:`d + 1`
(:func:`digits_to_labels`, :func:`labels_to_digits`, :data:`LABEL_NAMES`); every function of
the chapter that turns digits into classes or back goes through these two.
"""
from __future__ import annotations

import math

import torch
from torch import nn

from .._checks import is_integer, require_choice, require_positive_int
from .._validate import require_floating, require_lengths, require_sequence_batch, require_tensor
from ..layers import recurrent_layer

BLANK = 0
"""The class of CTC's blank (as ``torch.nn.CTCLoss(blank=0)``)."""
NUM_LABELS = 11
"""Blank and the ten digits."""
LABEL_NAMES = ("blank",) + tuple(str(d) for d in range(10))
"""The name of each class: ``LABEL_NAMES[d + 1] == str(d)``."""
RECOGNIZER_CELLS = ("lstm", "gru")


def digits_to_labels(digits) -> list[int]:
    """The CTC classes of a digit sequence: digit :math:`d` is class :math:`d + 1`, class 0 the blank (chapter 6).

    Raises ``ValueError`` if ``digits`` is not a sequence of integers 0–9.
    """
    if isinstance(digits, (str, bytes)) or not hasattr(digits, "__iter__"):
        raise ValueError(f"digits: expected a sequence of integers 0..9, got {type(digits).__name__}: {digits!r}")
    digits = list(digits)
    bad = [d for d in digits if not is_integer(d) or not 0 <= d <= 9]
    if bad:
        raise ValueError(f"digits: expected integers 0..9, got {bad[0]!r} in {digits!r}")
    return [int(d) + 1 for d in digits]


def labels_to_digits(labels) -> tuple[int, ...]:
    """The digits of a sequence of CTC classes 1–10 (a decoded, collapsed sequence): class :math:`c` is digit :math:`c - 1` (chapter 6).

    Raises ``ValueError`` if ``labels`` holds the blank or anything but integers 1–10.
    """
    if isinstance(labels, (str, bytes)) or not hasattr(labels, "__iter__"):
        raise ValueError(f"labels: expected a sequence of classes 1..10, got {type(labels).__name__}: {labels!r}")
    labels = list(labels)
    bad = [c for c in labels if not is_integer(c) or not 1 <= c <= 10]
    if bad:
        raise ValueError(f"labels: expected classes 1..10 (digits; 0, the blank, is dropped by decoding), got {bad[0]!r}")
    return tuple(int(c) - 1 for c in labels)


class CTCRecognizer(nn.Module):
    r"""Log-mel frames in, per-frame log-probabilities of blank and the ten digits out: the acoustic model of a CTC recogniser (chapter 6).

    With ``stride`` :math:`s`, every :math:`s` consecutive frames are first stacked into one
    input vector (:math:`s` times fewer steps to run; a sequence's last group is completed
    with zeros); ``num_layers`` recurrent layers (``cell`` ``"lstm"`` or ``"gru"``, the
    torch-backed twins of :func:`~companion.layers.recurrent_layer`, bidirectional by default
    as in Graves et al. 2006) read them, with ``dropout`` on the input of every layer but the
    first (as ``torch.nn.LSTM``'s ``dropout``), and a linear read-out and a softmax give

    .. math::
        z_k &= [x_{ks}; x_{ks+1}; \dots; x_{ks+s-1}], \qquad
        h_k = [\overrightarrow{h}_k; \overleftarrow{h}_k],

        y_k &= \log \mathrm{softmax}(V h_k + c) \in \mathbb{R}^{C}

    where :math:`y_k[0]` is the log-probability of the blank and :math:`y_k[d + 1]` that of the
    digit :math:`d`. ``forward(input, lengths=None)`` takes standardised features ``(T, B, F)``
    (``F`` = ``num_features``) and returns ``(T', B, C)`` with :math:`T' = \lceil T / s \rceil`;
    :meth:`output_lengths` gives each sequence's :math:`T'`. Steps past a sequence's own length
    hold the read-out of zeros, which ``torch.nn.CTCLoss`` and the decoders never read; the
    steps within it are those the sequence gives when run alone.

    ``device`` and ``dtype`` place the parameters. Raises ``ValueError`` for sizes that are not
    positive integers, a ``num_labels`` below 2, an unknown ``cell``, a ``dropout`` outside
    ``[0, 1)``; from ``forward`` for an ``input`` that is not ``(T, B, num_features)`` in the
    parameters' dtype or ``lengths`` that are not one integer in ``1..T`` per sequence.
    """

    def __init__(
        self,
        num_features: int,
        num_labels: int = NUM_LABELS,
        hidden_size: int = 64,
        num_layers: int = 2,
        bidirectional: bool = True,
        cell: str = "lstm",
        dropout: float = 0.0,
        stride: int = 1,
        *,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ):
        super().__init__()
        require_positive_int("num_features", num_features)
        if not is_integer(num_labels) or num_labels < 2:
            raise ValueError(f"num_labels: expected an integer >= 2 (the blank and at least one label), got {num_labels!r}")
        require_positive_int("hidden_size", hidden_size)
        require_positive_int("num_layers", num_layers)
        require_choice("cell", cell, RECOGNIZER_CELLS)
        require_choice("bidirectional", bidirectional, (True, False))
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout: expected a fraction in [0, 1), got {dropout!r}")
        require_positive_int("stride", stride)
        self.num_features = num_features
        self.num_labels = num_labels
        self.stride = stride
        directions = 2 if bidirectional else 1
        sizes = [stride * num_features] + [directions * hidden_size] * (num_layers - 1)
        self.layers = nn.ModuleList(
            recurrent_layer(cell, size, hidden_size, implementation="torch", bidirectional=bidirectional)
            for size in sizes
        )
        self.dropout = nn.Dropout(dropout)
        self.readout = nn.Linear(directions * hidden_size, num_labels)
        self.to(device=device, dtype=dtype)

    def output_lengths(self, lengths) -> torch.Tensor:
        r"""The number of output steps of each sequence, :math:`\lceil T_b / s \rceil` (chapter 6).

        Raises ``ValueError`` if ``lengths`` is not a 1-D sequence of positive integers.
        """
        lengths = torch.as_tensor(lengths)
        if lengths.dim() != 1 or lengths.is_floating_point() or lengths.dtype == torch.bool or (
            lengths.numel() and int(lengths.min()) < 1
        ):
            raise ValueError(f"lengths: expected a 1-D sequence of positive integers, got {lengths.tolist()!r}")
        return torch.div(lengths.to(torch.long) + self.stride - 1, self.stride, rounding_mode="floor")

    def _stack_frames(self, x: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
        steps, batch, width = x.shape
        if lengths is not None:
            # Frames past a sequence's end could share its last group: zero them, as a lone run would have.
            real = torch.arange(steps, device=x.device).unsqueeze(1) < lengths.to(x.device).unsqueeze(0)
            x = x * real.unsqueeze(2).to(x.dtype)
        if self.stride == 1:
            return x
        groups = math.ceil(steps / self.stride)
        x = torch.cat([x, x.new_zeros(groups * self.stride - steps, batch, width)])
        # (groups, s, B, F) -> (groups, B, s, F) -> (groups, B, s·F)
        return x.reshape(groups, self.stride, batch, width).transpose(1, 2).reshape(groups, batch, -1)

    def forward(self, input: torch.Tensor, lengths=None) -> torch.Tensor:
        require_tensor("input", input)
        require_sequence_batch("input", input, self.num_features, batch_first=False)
        require_floating("input", input, self.readout.weight.dtype)
        if lengths is not None:
            lengths = require_lengths("lengths", lengths, input.shape[1], input.shape[0])
        h = self._stack_frames(input, lengths)  # (T', B, s·F)
        out_lengths = None if lengths is None else self.output_lengths(lengths)
        for k, layer in enumerate(self.layers):
            h, _ = layer(self.dropout(h) if k else h, lengths=out_lengths)  # (T', B, D·H)
        return torch.log_softmax(self.readout(h), dim=-1)  # (T', B, C)
