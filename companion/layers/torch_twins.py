"""torch's fused recurrent layers called like the scratch ones: a padded batch and its ``lengths`` (chapters 2 and 3).

``PackedRNN``, ``PackedLSTM`` and ``PackedGRU`` are ``torch.nn.RNN``, ``LSTM`` and ``GRU`` with the
same weights under the same names, checked by the same code as the scratch layers
(``companion._recurrent_checks``), so that both refuse the same inputs with the same words.
"""
from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from .._recurrent_checks import initial_states, time_major_input


class _PaddedBatchMixin:
    """``forward(input, hx=None, lengths=None)`` for a torch recurrent layer, as the scratch layers take it."""

    state_names: tuple[str, ...] = ("h_0",)

    def forward(self, input: torch.Tensor, hx=None, lengths=None):
        x, lengths = time_major_input(self, input, lengths)
        if hx is not None:
            states = initial_states(self, hx, x)
            hx = states if len(states) > 1 else states[0]
        # No padding, or no sequence at all: nothing to pack.
        if lengths is None or x.shape[1] == 0 or int(lengths.min()) == x.shape[0]:
            return super().forward(input, hx)
        packed = pack_padded_sequence(x, lengths.cpu(), enforce_sorted=False)
        packed_output, state = super().forward(packed, hx)
        output, _ = pad_packed_sequence(packed_output, total_length=x.shape[0])
        return (output.transpose(0, 1) if self.batch_first else output), state


class PackedRNN(_PaddedBatchMixin, nn.RNN):
    r"""``torch.nn.RNN`` that takes a padded batch and its ``lengths``, like :class:`ElmanRNN` (chapters 2 and 3).

    The same module as ``torch.nn.RNN`` (same constructor, same weights under the same names, so
    ``state_dict()`` goes both ways between it, ``torch.nn.RNN`` and :class:`ElmanRNN`), with the
    scratch modules' call: ``forward(input, hx=None, lengths=None)`` returns ``(output, h_n)``.
    With ``lengths`` the batch is run through ``pack_padded_sequence``, so each sequence stops at
    its last real step: ``output`` is zero at padded steps and ``h_n`` holds each sequence's state
    at its last real step — what :func:`unroll` gives, computed by torch's fused kernels.
    Raises ``ValueError`` for an ``input``, ``hx`` or ``lengths`` that the scratch layers refuse,
    with the same words.
    """


class PackedLSTM(_PaddedBatchMixin, nn.LSTM):
    r"""``torch.nn.LSTM`` that takes a padded batch and its ``lengths``, like :class:`LSTM` (chapter 3).

    .. math::  c_t = f_t \odot c_{t-1} + i_t \odot g_t, \qquad h_t = o_t \odot \tanh(c_t)

    computed by torch's fused kernels. ``forward(input, hx=None, lengths=None)`` returns
    ``(output, (h_n, c_n))`` with the conventions of :class:`PackedRNN`; the weights are those
    of ``torch.nn.LSTM`` and of the scratch :class:`LSTM`, under the same names.
    """

    state_names = ("h_0", "c_0")


class PackedGRU(_PaddedBatchMixin, nn.GRU):
    r"""``torch.nn.GRU`` that takes a padded batch and its ``lengths``, like :class:`GRU` (chapter 3).

    .. math::  h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}

    computed by torch's fused kernels. ``forward(input, hx=None, lengths=None)`` returns
    ``(output, h_n)`` with the conventions of :class:`PackedRNN`; the weights are those of
    ``torch.nn.GRU`` and of the scratch :class:`GRU`, under the same names.
    """
