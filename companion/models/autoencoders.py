r"""A sequence-to-sequence auto-encoder of real-valued frames: a recording in, one vector out, the recording rebuilt from that vector alone (chapter 6).

This is the "Audio Word2Vec" of Chung, Wu, Shen, Lee & Lee (Interspeech 2016, "Audio Word2Vec:
Unsupervised Learning of Audio Segment Representations using Sequence-to-sequence
Autoencoder"): an encoder RNN reads the acoustic frames of a spoken word, its state after the
last frame is the word's vector, and a decoder RNN that starts from that vector must rebuild
the frames; encoder and decoder are trained together to make the reconstruction error small,
and no label is used. What the paper's authors did, and where we differ:

* Cells. They use LSTM layers; we use ``torch.nn.GRU`` (the GRU of chapter 3), whose state is
  one vector, so that "the last state" is the code with nothing left over (an LSTM also has a
  cell state, which their decoder received as well).
* The decoder's input. In the authors' released implementation the decoder starts from the
  encoder's final state, reads a zero vector at its first step and, at every later step, its
  *own previous output* :math:`\hat x_{t-1}` (it runs free, as at test time). We offer three
  inputs (``decoder_input``): ``"zeros"`` at every step (the default), ``"previous"``, the
  previous *target* frame :math:`x_{t-1}` (teacher forcing), and ``"code"``, the code at every
  step. Zeros keep the paper's property that everything the decoder knows about the recording
  came through the code, and let the decoder run as one call of ``torch.nn.GRU``, where the
  paper's free-running decoder needs a Python loop over the steps. Teacher forcing does not
  keep it: log-mel frames 10 ms apart are so alike that "copy the previous frame" already
  reconstructs well, and the decoder can learn that instead of reading the code (chapter 6
  measures the difference in nearest-neighbour accuracy).
* The target. Their code can compare the output with the reversed input (a flag, off by
  default); we always rebuild the frames in their own order.
* The loss. In their released code it is the mean squared error over the frames of one
  segment at a time (plain SGD, one segment per update); ours (:func:`reconstruction_loss`)
  is the mean squared error over every real frame and feature of a padded batch, so that
  padding never counts.
* Noise. Their denoising variant (DSA) corrupts the input (their code zeroes a random fraction
  of its values) and still rebuilds the clean frames; we have no such variant.
"""
from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from .._checks import require_choice, require_positive_int
from .._validate import (
    describe_shape,
    require_floating,
    require_lengths,
    require_sequence_batch,
    require_tensor,
)

DECODER_INPUTS = ("zeros", "previous", "code")
"""What the decoder reads at each step: zeros, the previous target frame, or the code."""


def _time_major(tensor: torch.Tensor, batch_first: bool) -> torch.Tensor:
    return tensor.transpose(0, 1) if batch_first else tensor


def _frame_mask(lengths: torch.Tensor, steps: int, device) -> torch.Tensor:
    """``(T, B)`` booleans, true where step ``t`` holds a real frame of sequence ``b``; lengths already checked."""
    return torch.arange(steps, device=device).unsqueeze(1) < lengths.to(device).unsqueeze(0)


def reconstruction_loss(
    reconstruction: torch.Tensor, target: torch.Tensor, lengths=None, batch_first: bool = False
) -> torch.Tensor:
    r"""The mean squared error over the real frames of a padded batch, padding ignored (chapter 6).

    .. math::  L = \frac{1}{F \sum_b T_b} \sum_{b=1}^{B} \sum_{t=1}^{T_b} \lVert \hat x_{b,t} - x_{b,t} \rVert^2

    ``reconstruction`` and ``target``: ``(T, B, F)`` (``(B, T, F)`` with ``batch_first``) of one
    dtype; ``lengths``: :math:`T_b`, one integer in ``1..T`` per sequence (``None``: every
    sequence is ``T`` long). Longer recordings weigh more, one unit per frame, as in a per-frame
    regression. A scalar tensor. The loss of :class:`SequenceAutoencoder`, after the
    reconstruction error of Chung et al. (2016).

    Raises ``ValueError`` for tensors that are not 3-D floating-point of one shape and dtype,
    lengths that are not one integer in ``1..T`` per sequence, or a ``batch_first`` that is not
    a bool.
    """
    require_tensor("reconstruction", reconstruction)
    require_tensor("target", target)
    if reconstruction.dim() != 3:
        raise ValueError(f"reconstruction: expected a 3-D tensor, got shape {describe_shape(reconstruction)}")
    if target.shape != reconstruction.shape:
        raise ValueError(
            f"target: expected the shape of reconstruction {describe_shape(reconstruction)}, "
            f"got {describe_shape(target)}"
        )
    require_floating("reconstruction", reconstruction)
    require_floating("target", target, reconstruction.dtype)
    if not isinstance(batch_first, bool):
        raise ValueError(f"batch_first: expected True or False, got {batch_first!r}")
    reconstruction = _time_major(reconstruction, batch_first)
    target = _time_major(target, batch_first)
    steps, batch, width = target.shape
    if lengths is None:
        return ((reconstruction - target) ** 2).mean()
    lengths = require_lengths("lengths", lengths, batch, steps)
    mask = _frame_mask(lengths, steps, target.device).unsqueeze(2).to(target.dtype)  # (T, B, 1)
    squared = ((reconstruction - target) ** 2) * mask
    return squared.sum() / (mask.sum() * width)


class SequenceAutoencoder(nn.Module):
    r"""A GRU encoder that turns a sequence of frames into one vector, and a GRU decoder that rebuilds the frames from that vector alone (chapter 6).

    For frames :math:`x_1, \dots, x_T \in \mathbb{R}^F` (a recording's standardised log-mel
    features), with :math:`\mathrm{GRU}` the gated recurrent unit of chapter 3:

    .. math::
        h_t &= \mathrm{GRU}_{\text{enc}}(x_t, h_{t-1}), \quad h_0 = 0,

        c &= h_T \quad \text{or} \quad c = W_c h_T + b_c,

        s_0 &= c \quad \text{or} \quad s_0 = \tanh(W_s c + b_s),

        s_t &= \mathrm{GRU}_{\text{dec}}(u_t, s_{t-1}),

        \hat x_t &= V s_t + b_v, \quad t = 1, \dots, T

    where the code :math:`c` is the encoder's last *real* state (padding never reaches it)
    and, with ``code_size`` given, passes through the linear maps :math:`W_c` (to the code)
    and :math:`W_s` (back to a decoder state); without it :math:`c = h_T` has ``hidden_size``
    entries and is the decoder's first state. The decoder's input :math:`u_t` is chosen by
    ``decoder_input``: ``"zeros"``, :math:`u_t = 0` (everything the decoder knows came through
    :math:`c`); ``"previous"``, :math:`u_1 = 0,\ u_t = x_{t-1}` (teacher forcing: the
    previous *target* frame, in training and in evaluation alike); ``"code"``, :math:`u_t = c`.
    The module docstring compares these with Chung et al. (2016), whose decoder reads its own
    previous output. Train with :func:`reconstruction_loss`.

    ``forward(frames, lengths=None)`` takes ``frames`` ``(T, B, F)`` (``(B, T, F)`` with
    ``batch_first``) in the parameters' dtype and on their device, and ``lengths``
    :math:`T_b`, one integer in ``1..T`` per sequence (``None``: all ``T``); it returns
    ``(reconstruction, code)``: the reconstruction in the layout of ``frames`` with zeros at the
    padded steps, and the code ``(B, D)``, :math:`D` = ``code_size`` or ``hidden_size``.
    :meth:`encode` returns the code alone. ``device`` and ``dtype`` place the parameters.

    Raises ``ValueError`` for sizes that are not positive integers, an unknown
    ``decoder_input``, a ``batch_first`` that is not a bool; from ``forward`` and ``encode`` for
    ``frames`` that are not a 3-D tensor of ``num_features`` features in the parameters' dtype
    on their device, or ``lengths`` that are not one integer in ``1..T`` per sequence.
    """

    def __init__(
        self,
        num_features: int,
        hidden_size: int = 128,
        code_size: int | None = None,
        decoder_input: str = "zeros",
        batch_first: bool = False,
        *,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ):
        super().__init__()
        require_positive_int("num_features", num_features)
        require_positive_int("hidden_size", hidden_size)
        if code_size is not None:
            require_positive_int("code_size", code_size)
        require_choice("decoder_input", decoder_input, DECODER_INPUTS)
        if not isinstance(batch_first, bool):
            raise ValueError(f"batch_first: expected True or False, got {batch_first!r}")
        self.num_features = num_features
        self.hidden_size = hidden_size
        self.code_size = hidden_size if code_size is None else code_size
        self.decoder_input = decoder_input
        self.batch_first = batch_first
        self.encoder = nn.GRU(num_features, hidden_size)
        if code_size is None:
            self.to_code = self.from_code = None
        else:
            self.to_code = nn.Linear(hidden_size, code_size)
            self.from_code = nn.Linear(code_size, hidden_size)
        decoder_width = self.code_size if decoder_input == "code" else num_features
        self.decoder = nn.GRU(decoder_width, hidden_size)
        self.readout = nn.Linear(hidden_size, num_features)
        self.to(device=device, dtype=dtype)

    def _checked(self, frames, lengths) -> tuple[torch.Tensor, torch.Tensor]:
        """The frames time-major ``(T, B, F)`` and the lengths as a CPU long tensor, checked."""
        require_tensor("frames", frames)
        require_sequence_batch("frames", frames, self.num_features, self.batch_first)
        weight = self.readout.weight
        require_floating("frames", frames, weight.dtype)
        if frames.device != weight.device:
            raise ValueError(
                f"frames: expected a tensor on the device of the model's parameters ({weight.device}), "
                f"got one on {frames.device}; move one of them with .to(device)"
            )
        frames = _time_major(frames, self.batch_first)  # (T, B, F)
        steps, batch, _ = frames.shape
        if lengths is None:
            lengths = torch.full((batch,), steps, dtype=torch.long)
        # pack_padded_sequence wants the lengths on the CPU, whatever the data's device.
        lengths = require_lengths("lengths", lengths, batch, steps).cpu()
        return frames, lengths

    def _encode(self, frames: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        packed = pack_padded_sequence(frames, lengths, enforce_sorted=False)
        _, h_last = self.encoder(packed)  # (1, B, H): the state after each sequence's own last frame
        h_last = h_last[0]
        return h_last if self.to_code is None else self.to_code(h_last)  # (B, D)

    def encode(self, frames: torch.Tensor, lengths=None) -> torch.Tensor:
        r"""The code :math:`c` of each sequence, ``(B, D)``: the encoder's last real state, through :math:`W_c` when ``code_size`` is set (chapter 6).

        Raises ``ValueError`` as the class says.
        """
        frames, lengths = self._checked(frames, lengths)
        return self._encode(frames, lengths)

    def forward(self, frames: torch.Tensor, lengths=None) -> tuple[torch.Tensor, torch.Tensor]:
        frames, lengths = self._checked(frames, lengths)
        steps, batch, _ = frames.shape
        code = self._encode(frames, lengths)  # (B, D)
        state = code if self.from_code is None else torch.tanh(self.from_code(code))  # (B, H)
        if self.decoder_input == "zeros":
            inputs = torch.zeros_like(frames)  # (T, B, F)
        elif self.decoder_input == "previous":
            inputs = torch.cat([torch.zeros_like(frames[:1]), frames[:-1]])  # (T, B, F): x_0 = 0, then x_{t-1}
        else:
            inputs = code.unsqueeze(0).expand(steps, batch, self.code_size)  # (T, B, D)
        packed = pack_padded_sequence(inputs, lengths, enforce_sorted=False)
        states, _ = self.decoder(packed, state.unsqueeze(0).contiguous())
        states, _ = pad_packed_sequence(states, total_length=steps)  # (T, B, H), zeros past each length
        mask = _frame_mask(lengths, steps, frames.device).unsqueeze(2).to(frames.dtype)  # (T, B, 1)
        reconstruction = self.readout(states) * mask  # (T, B, F)
        return _time_major(reconstruction, self.batch_first), code
