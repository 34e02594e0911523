"""The four shapes of sequence problems, each as a small runnable model (chapter 2).

The lecture sorts sequence problems by what goes in and what comes out:

* ``VectorToSequence`` — one vector in, a sequence out (one-to-many: image captioning);
* ``SequenceToVector`` — a sequence in, one vector out (many-to-one: sentiment analysis);
* ``AlignedSequenceToSequence`` — a sequence in, one output per input step (many-to-many,
  aligned: slot filling);
* ``EncoderDecoder`` — a sequence in, a sequence of another length out (many-to-many,
  unaligned: translation).

Each is an Elman network (``companion.layers.ElmanRNN``, ``tanh``) with a linear read-out;
``SequenceToVector`` can also have an LSTM or a GRU body (chapter 3).
Sequences are time-major ``(T, B, F)``, or ``(B, T, F)`` with ``batch_first``; every tensor a
model makes is created on the device and with the dtype of its input.
"""
from __future__ import annotations

import torch
from torch import nn

from .._checks import require_choice, require_positive_int
from .._validate import describe_shape, require_floating, require_sequence_batch, require_tensor
from ..layers import ElmanRNN, recurrent_layer

class VectorToSequence(nn.Module):
    r"""One vector in, a sequence of ``steps`` outputs out: one-to-many (chapter 2).

    The lecture's example is image captioning: a vector describing the image in, a sentence out.
    An Elman layer runs for ``steps`` steps on inputs :math:`x_t` made from the vector
    :math:`v`, and a linear read-out gives one output per step:

    .. math::
        h_t &= \tanh(W_{ih}\, x_t + b_{ih} + W_{hh}\, h_{t-1} + b_{hh}), \quad h_0 = 0,

        y_t &= V h_t + c, \qquad t = 1, \dots, T

    ``steps_mode`` says how the vector is fed:

    * ``"first"`` — :math:`x_1 = v` and :math:`x_t = 0` for :math:`t > 1`: the vector is seen
      once and must be carried by the memory;
    * ``"every"`` — :math:`x_t = v` at every step: the vector is seen again at each step, so
      the memory need not keep it.

    ``forward(vector, steps)`` takes ``vector`` of shape ``(B, F)`` and returns the outputs
    ``(steps, B, O)``, or ``(B, steps, O)`` with ``batch_first``. ``input_sequence(vector,
    steps)`` gives the inputs :math:`x_1 \dots x_T` that the Elman layer ``rnn`` reads. Raises
    ``ValueError`` for sizes that are not positive integers or another ``steps_mode``, and from
    ``forward`` and ``input_sequence`` for a ``vector`` that is not ``(B, F)`` in the weights'
    dtype or ``steps`` that is not a positive integer.
    """

    steps_modes = ("first", "every")

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        output_size: int,
        steps_mode: str,
        batch_first: bool = False,
    ):
        super().__init__()
        self.input_size = require_positive_int("input_size", input_size)
        self.hidden_size = require_positive_int("hidden_size", hidden_size)
        self.output_size = require_positive_int("output_size", output_size)
        require_choice("steps_mode", steps_mode, self.steps_modes)
        self.steps_mode = steps_mode
        self.batch_first = batch_first
        self.rnn = ElmanRNN(input_size, hidden_size, nonlinearity="tanh", batch_first=batch_first)
        self.readout = nn.Linear(hidden_size, output_size)

    def input_sequence(self, vector: torch.Tensor, steps: int) -> torch.Tensor:
        """The inputs the Elman layer reads: ``(steps, B, F)``, or ``(B, steps, F)`` with ``batch_first``.

        Raises ``ValueError`` for a ``vector`` that is not ``(B, F)`` in the weights' dtype, or
        ``steps`` that is not a positive integer.
        """
        require_tensor("vector", vector)
        if vector.dim() != 2 or vector.shape[1] != self.input_size:
            raise ValueError(
                f"vector: expected a 2-D tensor (batch, features) with features={self.input_size}, "
                f"got shape {describe_shape(vector)}"
            )
        require_floating("vector", vector, self.readout.weight.dtype)
        require_positive_int("steps", steps)
        if self.steps_mode == "every":
            sequence = vector.unsqueeze(0).expand(steps, -1, -1)
        else:
            rest = vector.new_zeros(steps - 1, *vector.shape)
            sequence = torch.cat([vector.unsqueeze(0), rest])
        return sequence.transpose(0, 1) if self.batch_first else sequence

    def forward(self, vector: torch.Tensor, steps: int) -> torch.Tensor:
        output, _ = self.rnn(self.input_sequence(vector, steps))
        return self.readout(output)

    def extra_repr(self) -> str:
        return f"steps_mode={self.steps_mode!r}"




class SequenceToVector(nn.Module):
    r"""A sequence in, one output vector out: many-to-one (chapter 2; LSTM and GRU bodies, chapter 3).

    The lecture's example is sentiment analysis: a review in, its sentiment out. A recurrent
    layer reads the whole sequence; the read-out sees only the memory after the last real step.
    With the default ``cell="elman"``:

    .. math::
        h_t &= \tanh(W_{ih}\, x_t + b_{ih} + W_{hh}\, h_{t-1} + b_{hh}), \quad h_0 = 0,

        y &= V h_T + c

    ``cell="lstm"`` makes :math:`h_t` the output of an LSTM (chapter 3, equations (3.3) to
    (3.8)) and ``cell="gru"`` that of a GRU (chapter 3, equations (3.9) to (3.12)); the read-out
    is the same.

    ``forward(input, lengths=None, hx=None)`` takes ``input`` ``(T, B, F)`` (``(B, T, F)`` with
    ``batch_first``) and the layer's initial state ``hx`` (zeros when ``None``) and returns
    ``(B, O)``. In a padded batch, ``lengths`` gives each sequence's number of real steps, and
    :math:`h_T` is then the memory at that sequence's own last step (the final memory ``h_n``
    of the layer with ``lengths``), so padding never reaches the output.

    The body is the companion's layer (:class:`~companion.layers.ElmanRNN`,
    :class:`~companion.layers.LSTM`, :class:`~companion.layers.GRU`) with
    ``implementation="scratch"``, or with ``"torch"`` its twin ``torch.nn.RNN``/``LSTM``/``GRU``
    (as :class:`~companion.layers.PackedRNN`, :class:`~companion.layers.PackedLSTM`,
    :class:`~companion.layers.PackedGRU`, which take ``lengths`` too): the same function of the
    same weights (the parity tests prove it), computed much faster; see
    :func:`~companion.layers.recurrent_layer`, which also builds chapter 5's layers
    (``cell="irnn"``, ``"leaky"``, ``"scrn"``, ``"clockwork"``; an SCRN's read-out sees
    :math:`[h_T ; s_T]`). ``layer_options`` go to the layer: for the LSTM ``peephole``,
    ``coupled``, ``forget_gate``, ``forget_bias`` (only ``forget_bias`` exists for the torch
    layer), for the others the options :func:`~companion.layers.recurrent_layer` lists. Raises ``ValueError`` for bad sizes, an unknown cell, implementation or option, and
    for inputs of the wrong shape or dtype.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        output_size: int,
        batch_first: bool = False,
        cell: str = "elman",
        implementation: str = "scratch",
        **layer_options,
    ):
        super().__init__()
        self.input_size = require_positive_int("input_size", input_size)
        self.hidden_size = require_positive_int("hidden_size", hidden_size)
        self.output_size = require_positive_int("output_size", output_size)
        self.batch_first = batch_first
        self.cell = cell
        self.implementation = implementation
        self.rnn = recurrent_layer(
            cell, input_size, hidden_size, implementation=implementation, batch_first=batch_first, **layer_options
        )
        # An SCRN passes up its context units beside its hidden ones: [h_t ; s_t].
        self.readout = nn.Linear(getattr(self.rnn, "direction_output_size", hidden_size), output_size)

    def final_memory(self, input: torch.Tensor, lengths=None, hx=None) -> torch.Tensor:
        """:math:`h_T` ``(B, H)``: the top layer's output after each sequence's last real step.

        For the Elman network, the LSTM and the GRU this is the final memory ``h_n`` of the
        top layer (an LSTM's ``h``, not its cell); for an SCRN it is :math:`[h_T ; s_T]`.
        """
        output, h_n = self.rnn(input, hx, lengths=lengths)
        if self.cell == "lstm":
            return h_n[0][-1]  # (h_n, c_n): the read-out sees h
        if isinstance(h_n, tuple):
            # A state of parts of different widths (an SCRN's (h, s)): its output at the last
            # real step already joins them.
            time_major = output.transpose(0, 1) if self.batch_first else output
            last = (lengths.to(output.device) - 1) if lengths is not None else torch.full(
                (time_major.shape[1],), time_major.shape[0] - 1, device=output.device)
            return time_major[last, torch.arange(time_major.shape[1], device=output.device)]
        return h_n[-1]

    def forward(self, input: torch.Tensor, lengths=None, hx=None) -> torch.Tensor:
        return self.readout(self.final_memory(input, lengths, hx))

    def extra_repr(self) -> str:
        options = [] if self.cell == "elman" else [f"cell={self.cell!r}"]
        options += [] if self.implementation == "scratch" else [f"implementation={self.implementation!r}"]
        return ", ".join(options)


class AlignedSequenceToSequence(nn.Module):
    r"""A sequence in, one output per input step: many-to-many, aligned (chapter 2; chapter 5's copy task).

    The lecture's example is slot filling: one tag per word. With the default ``cell="elman"``
    this is chapter 1's ``ElmanNetwork`` with one ``tanh`` layer, weights drawn in the same order:

    .. math::
        h_t &= \tanh(W_{ih}\, x_t + b_{ih} + W_{hh}\, h_{t-1} + b_{hh}), \quad h_0 = 0,

        y_t &= V h_t + c, \qquad t = 1, \dots, T

    ``cell``, ``implementation`` and ``layer_options`` choose the recurrent layer as for
    :class:`SequenceToVector` (any layer :func:`~companion.layers.recurrent_layer` builds; an
    SCRN's read-out sees :math:`[h_t ; s_t]`). ``memory(input, lengths=None, hx=None)`` gives the
    layer's outputs :math:`h_t`; ``forward(input, lengths=None, hx=None)`` maps ``(T, B, F)``
    (``(B, T, F)`` with ``batch_first``) to ``(T, B, O)`` (``(B, T, O)``). With ``lengths``, the
    memory at a sequence's padded steps is zero and their outputs are the read-out's bias
    :math:`c`; leave them out of the loss. Raises ``ValueError`` for sizes that are not positive
    integers, an unknown cell, implementation or option, and for an input, memory or lengths of
    the wrong shape or dtype.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        output_size: int,
        batch_first: bool = False,
        cell: str = "elman",
        implementation: str = "scratch",
        **layer_options,
    ):
        super().__init__()
        self.input_size = require_positive_int("input_size", input_size)
        self.hidden_size = require_positive_int("hidden_size", hidden_size)
        self.output_size = require_positive_int("output_size", output_size)
        self.batch_first = batch_first
        self.cell = cell
        self.implementation = implementation
        self.rnn = recurrent_layer(
            cell, input_size, hidden_size, implementation=implementation, batch_first=batch_first, **layer_options
        )
        self.readout = nn.Linear(getattr(self.rnn, "direction_output_size", hidden_size), output_size)

    def memory(self, input: torch.Tensor, lengths=None, hx=None) -> torch.Tensor:
        """The layer's output at every step, shaped like the outputs but ``H`` wide (``H + S`` for an SCRN)."""
        return self.rnn(input, hx, lengths=lengths)[0]

    def forward(self, input: torch.Tensor, lengths=None, hx=None) -> torch.Tensor:
        return self.readout(self.memory(input, lengths, hx))

    def extra_repr(self) -> str:
        options = [] if self.cell == "elman" else [f"cell={self.cell!r}"]
        options += [] if self.implementation == "scratch" else [f"implementation={self.implementation!r}"]
        return ", ".join(options)


class EncoderDecoder(nn.Module):
    r"""A sequence in, a sequence of another length out: many-to-many, unaligned (chapter 2).

    The lecture's example is machine translation. An Elman encoder reads the source
    :math:`x_1 \dots x_S`; its memory after the last real source step is the context :math:`c`:

    .. math::  e_s = \tanh(W_{ih}\, x_s + b_{ih} + W_{hh}\, e_{s-1} + b_{hh}), \quad e_0 = 0,
               \qquad c = e_S

    An Elman decoder (its own weights :math:`U`) then runs over the decoder inputs
    :math:`z_1 \dots z_T` and a linear read-out gives one output per target step. ``context_mode``
    says how the decoder uses :math:`c`:

    * ``"initial_state"`` — :math:`c` is the decoder's initial memory:

      .. math::  h_0 = c, \qquad h_t = \tanh(U_{ih}\, z_t + b'_{ih} + U_{hh}\, h_{t-1} + b'_{hh}),
                 \qquad y_t = V h_t + d

    * ``"every_step"`` — :math:`c` is appended to the decoder's input at every step, and the
      decoder starts from zero memory, so :math:`c` reaches it only through its inputs:

      .. math::
          h_t &= \tanh(U_{ih}\, [z_t; c] + b'_{ih} + U_{hh}\, h_{t-1} + b'_{hh}), \qquad h_0 = 0,

          y_t &= V h_t + d

    ``forward(source, target_inputs, source_lengths=None)`` takes ``source`` ``(S, B, F)`` and
    ``target_inputs`` ``(T, B, F_dec)`` (``(B, S, F)`` and ``(B, T, F_dec)`` with
    ``batch_first``) and returns ``(T, B, O)`` (``(B, T, O)``); S and T may differ.
    ``target_inputs`` are the decoder's inputs, not its targets: in training, :math:`z_t` is
    the vector of the previous target token (a start symbol for :math:`z_1`), which is called
    teacher forcing; the output :math:`y_t` is then scored against the target token t.
    ``source_lengths`` gives each source's real length in a padded batch; the context is the
    encoder's memory at that step. Target padding is not masked: leave its outputs out of the
    loss. ``context(source, source_lengths)`` gives :math:`c` ``(B, H)``.

    Raises ``ValueError`` for sizes that are not positive integers or another ``context_mode``;
    from ``forward`` and ``context`` for a ``source`` or ``target_inputs`` of another rank,
    feature size or dtype than the weights', batch sizes that differ, or ``source_lengths`` that
    are not one integer in ``1..S`` per source.
    """

    context_modes = ("initial_state", "every_step")

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        output_size: int,
        decoder_input_size: int,
        context_mode: str,
        batch_first: bool = False,
    ):
        super().__init__()
        self.input_size = require_positive_int("input_size", input_size)
        self.hidden_size = require_positive_int("hidden_size", hidden_size)
        self.output_size = require_positive_int("output_size", output_size)
        self.decoder_input_size = require_positive_int("decoder_input_size", decoder_input_size)
        require_choice("context_mode", context_mode, self.context_modes)
        self.context_mode = context_mode
        self.batch_first = batch_first
        self.encoder = ElmanRNN(input_size, hidden_size, nonlinearity="tanh", batch_first=batch_first)
        decoder_reads = decoder_input_size + (hidden_size if context_mode == "every_step" else 0)
        self.decoder = ElmanRNN(decoder_reads, hidden_size, nonlinearity="tanh", batch_first=batch_first)
        self.readout = nn.Linear(hidden_size, output_size)

    def context(self, source: torch.Tensor, source_lengths=None) -> torch.Tensor:
        """The encoder's memory after each source's last real step, ``(B, H)``.

        Raises ``ValueError`` for a ``source`` of another rank, feature size or dtype than the
        weights', or bad ``source_lengths``.
        """
        require_tensor("source", source)
        require_sequence_batch("source", source, self.input_size, self.batch_first)
        require_floating("source", source, self.readout.weight.dtype)
        _, h_n = self.encoder(source, lengths=source_lengths)
        return h_n[-1]

    def forward(self, source: torch.Tensor, target_inputs: torch.Tensor, source_lengths=None) -> torch.Tensor:
        require_tensor("source", source)
        require_sequence_batch("source", source, self.input_size, self.batch_first)
        require_tensor("target_inputs", target_inputs)
        require_sequence_batch("target_inputs", target_inputs, self.decoder_input_size, self.batch_first)
        require_floating("target_inputs", target_inputs, self.readout.weight.dtype)
        batch_axis = 0 if self.batch_first else 1
        if target_inputs.shape[batch_axis] != source.shape[batch_axis]:
            raise ValueError(
                f"target_inputs: expected batch size {source.shape[batch_axis]} (the batch size of "
                f"source), got {target_inputs.shape[batch_axis]} (shape {describe_shape(target_inputs)})"
            )
        c = self.context(source, source_lengths)
        if self.context_mode == "initial_state":
            output, _ = self.decoder(target_inputs, c.unsqueeze(0))
        else:
            time_axis = 1 if self.batch_first else 0
            repeated = c.unsqueeze(time_axis).expand(*target_inputs.shape[:2], -1)
            output, _ = self.decoder(torch.cat([target_inputs, repeated], dim=-1))
        return self.readout(output)

    def extra_repr(self) -> str:
        return f"context_mode={self.context_mode!r}"
