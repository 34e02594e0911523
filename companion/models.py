"""Networks built from the cells and runners: what each chapter trains.

Every network maps a batch of sequences ``(T, B, F)`` (or ``(B, T, F)`` with ``batch_first``) to
one output vector per step ``(T, B, O)``; a tagger's outputs are its unnormalised tag scores.
"""
from __future__ import annotations

import torch
from torch import nn

from ._validate import (
    describe_shape,
    require_choice,
    require_floating,
    require_positive_int,
    require_sequence_batch,
    require_tensor,
)
from .bptt import LSTMParameters, RNNParameters
from .encoding import context_window
from .runners import ElmanRNN, JordanRNN


class FeedForwardNetwork(nn.Module):
    r"""A per-step feed-forward network: it sees one input vector at a time (chapter 1).

    .. math::  y_t = V\,\sigma(W x_t + b) + c

    The same weights are applied at every step and nothing is carried from step to step, so
    the same input vector always gives the same output, whatever came before it.
    """

    def __init__(
        self, input_size: int, hidden_size: int, output_size: int, batch_first: bool = False
    ):
        super().__init__()
        self.input_size = require_positive_int("input_size", input_size)
        require_positive_int("hidden_size", hidden_size)
        require_positive_int("output_size", output_size)
        self.batch_first = batch_first
        self.hidden = nn.Linear(input_size, hidden_size)
        self.readout = nn.Linear(hidden_size, output_size)

    def forward(self, inputs: torch.Tensor, lengths=None) -> torch.Tensor:
        """Outputs for every step; ``lengths`` is accepted for a uniform interface and not needed."""
        require_tensor("inputs", inputs)
        require_sequence_batch("inputs", inputs, self.input_size, self.batch_first)
        require_floating("inputs", inputs, self.hidden.weight.dtype)
        return self.readout(torch.tanh(self.hidden(inputs)))


class ElmanNetwork(nn.Module):
    r"""The simple recurrent network: an Elman layer (or a stack) and a linear read-out (chapter 1).

    .. math::  h_t = \sigma(W_{ih}\, x_t + b_{ih} + W_{hh}\, h_{t-1} + b_{hh}), \qquad y_t = V h_t + c

    ``memory(inputs)`` gives the hidden states :math:`h_t` (what the lecture calls the values
    stored in memory), ``forward(inputs)`` the outputs :math:`y_t`. ``num_layers > 1`` stacks
    Elman layers, each reading the memory sequence of the one below (a deep RNN).
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        output_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
    ):
        super().__init__()
        require_positive_int("output_size", output_size)
        self.rnn = ElmanRNN(
            input_size,
            hidden_size,
            num_layers=num_layers,
            nonlinearity=nonlinearity,
            bias=bias,
            batch_first=batch_first,
        )
        self.readout = nn.Linear(hidden_size, output_size, bias=bias)

    def memory(self, inputs: torch.Tensor, lengths=None, h0: torch.Tensor | None = None) -> torch.Tensor:
        """The top layer's memory :math:`h_t` at every step, shaped like the outputs."""
        return self.rnn(inputs, h0, lengths=lengths)[0]

    def forward(self, inputs: torch.Tensor, lengths=None, h0: torch.Tensor | None = None) -> torch.Tensor:
        return self.readout(self.memory(inputs, lengths, h0))


def count_parameters(model: nn.Module) -> int:
    """The number of trainable numbers in ``model``."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


TAGGER_BODIES = ("ffn", "elman", "jordan", "bielman")


class SlotTagger(nn.Module):
    r"""A slot tagger over word ids: embeddings, a context window, a recurrent body, tag scores (chapter 2).

    .. math::  e_t = E[w_t], \qquad x_t = [e_{t-r}; \dots; e_{t+r}], \qquad
               s_t = \mathrm{body}(x_1, \dots, x_T)_t

    ``body`` is ``"ffn"`` (a per-step feed-forward network, no memory), ``"elman"``
    (:class:`~companion.runners.ElmanRNN`, ``num_layers`` stacked), ``"bielman"`` (the same,
    bidirectional) or ``"jordan"`` (:class:`~companion.runners.JordanRNN`, whose outputs are
    already the tag scores). The Elman bodies end in a linear read-out :math:`s_t = V h_t + c`.
    ``forward(ids (T, B), lengths=None)`` returns the scores ``(T, B, num_tags)``; padded ids
    must be ``padding_id``, whose embedding is kept at zero. ``dropout`` zeroes that fraction of
    the window's entries during training (a regulariser; off at evaluation).
    """

    def __init__(
        self,
        vocabulary_size: int,
        num_tags: int,
        body: str = "elman",
        embedding_size: int = 100,
        window_radius: int = 3,
        hidden_size: int = 200,
        num_layers: int = 1,
        padding_id: int = 0,
        dropout: float = 0.0,
    ):
        super().__init__()
        require_positive_int("vocabulary_size", vocabulary_size)
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout: expected a fraction in [0, 1), got {dropout!r}")
        require_positive_int("num_tags", num_tags)
        require_choice("body", body, TAGGER_BODIES)
        require_positive_int("num_layers", num_layers)
        if body in ("ffn", "jordan") and num_layers != 1:
            raise ValueError(f"num_layers: expected 1 for body {body!r}, got {num_layers}")
        if isinstance(window_radius, bool) or not isinstance(window_radius, int) or window_radius < 0:
            raise ValueError(f"window_radius: expected a non-negative integer, got {window_radius!r}")
        self.body_kind = body
        self.window_radius = window_radius
        self.embedding = nn.Embedding(vocabulary_size, embedding_size, padding_idx=padding_id)
        self.dropout = nn.Dropout(dropout)
        window_size = (2 * window_radius + 1) * embedding_size
        if body == "ffn":
            self.body = FeedForwardNetwork(window_size, hidden_size, num_tags)
        elif body == "jordan":
            self.body = JordanRNN(window_size, hidden_size, num_tags)
        else:
            self.body = ElmanRNN(window_size, hidden_size, num_layers=num_layers, bidirectional=body == "bielman")
            self.readout = nn.Linear(self.body.num_directions * hidden_size, num_tags)

    def forward(self, ids: torch.Tensor, lengths=None) -> torch.Tensor:
        require_tensor("ids", ids)
        if ids.dim() != 2 or ids.is_floating_point() or ids.dtype == torch.bool:
            raise ValueError(
                f"ids: expected a 2-D integer tensor (time, batch) of word ids, got shape "
                f"{describe_shape(ids)} and dtype {ids.dtype}"
            )
        windows = self.dropout(context_window(self.embedding(ids), self.window_radius))
        if self.body_kind == "ffn":
            return self.body(windows)
        outputs, _ = self.body(windows, lengths=lengths)
        return outputs if self.body_kind == "jordan" else self.readout(outputs)


CHAR_RNN_CELLS = ("elman", "lstm")


class CharRNN(nn.Module):
    r"""A character-level language model in torch: a recurrent layer and a linear read-out (chapter 4).

    With ``cell="elman"`` it is the RNN of chapter 4's derivation, equations (4.1)-(4.2):

    .. math::  h_t = \tanh(U x_t + W h_{t-1} + b), \qquad o_t = V h_t + c,

    built from ``torch.nn.RNN`` (U = ``rnn.weight_ih_l0``, W = ``rnn.weight_hh_l0``,
    b = ``rnn.bias_ih_l0``) and ``torch.nn.Linear`` (V = ``readout.weight``,
    c = ``readout.bias``). ``torch.nn.RNN`` adds two biases, ``bias_ih_l0 + bias_hh_l0``, where
    the equations have one: b is ``bias_ih_l0``, and ``bias_hh_l0`` is kept at zero and frozen
    (``requires_grad=False``), so that the trainable parameters are exactly U, W, b, V and c and
    a gradient step changes b as :mod:`companion.bptt` does. With ``cell="lstm"`` the layer is
    ``torch.nn.LSTM``, equation (4.10), with both of its biases trainable, as in
    :class:`companion.bptt.LSTMParameters`.

    ``forward(inputs, state=None)`` takes ``inputs`` as ``(T, B)`` integer ids (each id is
    one-hot encoded, so that U x_t is a column of U) or ``(T, B, input_size)`` floats, and the
    initial state as h_0 ``(B, H)`` (for the LSTM a pair ``(h_0, c_0)``), ``None`` for zeros.
    It returns the scores o_t ``(T, B, output_size)`` and the final state, shaped like ``state``.
    """

    def __init__(self, input_size: int, hidden_size: int, output_size: int, cell: str = "elman"):
        super().__init__()
        self.input_size = require_positive_int("input_size", input_size)
        self.hidden_size = require_positive_int("hidden_size", hidden_size)
        self.output_size = require_positive_int("output_size", output_size)
        require_choice("cell", cell, CHAR_RNN_CELLS)
        self.cell = cell
        if cell == "elman":
            self.rnn = nn.RNN(input_size, hidden_size, nonlinearity="tanh")
            with torch.no_grad():
                self.rnn.bias_hh_l0.zero_()
            self.rnn.bias_hh_l0.requires_grad_(False)
        else:
            self.rnn = nn.LSTM(input_size, hidden_size)
        self.readout = nn.Linear(hidden_size, output_size)

    def bptt_parameters(self) -> dict[str, nn.Parameter]:
        """The trainable tensors under the names of :mod:`companion.bptt` (``"U"``, ``"W"``, … or
        ``"weight_ih"``, …), in the order of :class:`~companion.bptt.RNNParameters` or
        :class:`~companion.bptt.LSTMParameters`."""
        if self.cell == "elman":
            tensors = {"U": self.rnn.weight_ih_l0, "W": self.rnn.weight_hh_l0, "b": self.rnn.bias_ih_l0}
            return {**tensors, "V": self.readout.weight, "c": self.readout.bias}
        tensors = {name: getattr(self.rnn, f"{name}_l0") for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}
        return {**tensors, "weight_out": self.readout.weight, "bias_out": self.readout.bias}

    def _encode(self, inputs: torch.Tensor) -> torch.Tensor:
        dtype = self.readout.weight.dtype
        if inputs.is_floating_point():
            require_sequence_batch("inputs", inputs, self.input_size, batch_first=False)
            require_floating("inputs", inputs, dtype)
            return inputs
        if inputs.dim() != 2 or inputs.dtype == torch.bool or inputs.is_complex():
            raise ValueError(
                f"inputs: expected (time, batch) integer ids below input_size = {self.input_size}, "
                f"or (time, batch, {self.input_size}) floats, got shape {describe_shape(inputs)} "
                f"and dtype {inputs.dtype}"
            )
        if inputs.shape[0] == 0 or inputs.shape[1] == 0:
            raise ValueError(
                f"inputs: expected at least one time step and one sequence, got shape {describe_shape(inputs)}"
            )
        if int(inputs.min()) < 0 or int(inputs.max()) >= self.input_size:
            raise ValueError(
                f"inputs: expected ids in 0..{self.input_size - 1} (input_size = {self.input_size}), "
                f"got min {int(inputs.min())}, max {int(inputs.max())}"
            )
        return nn.functional.one_hot(inputs.long(), self.input_size).to(dtype)

    def _initial_state(self, name: str, state, batch: int):
        dtype = self.readout.weight.dtype
        if state is None:
            return None
        require_tensor(name, state)
        if tuple(state.shape) != (batch, self.hidden_size):
            raise ValueError(
                f"{name}: expected shape ({batch}, {self.hidden_size}) (batch, hidden), "
                f"got shape {describe_shape(state)}"
            )
        require_floating(name, state, dtype)
        return state.unsqueeze(0)

    def forward(self, inputs: torch.Tensor, state=None):
        require_tensor("inputs", inputs)
        x = self._encode(inputs)
        batch = x.shape[1]
        if self.cell == "elman":
            h0 = self._initial_state("state", state, batch)
            outputs, h_n = self.rnn(x, h0)
            final = h_n[0]
        else:
            if state is None:
                pair = None
            elif not isinstance(state, tuple) or len(state) != 2:
                raise ValueError(f"state: expected None or a pair (h_0, c_0) for an LSTM, got {type(state).__name__}")
            else:
                pair = (self._initial_state("state[0]", state[0], batch), self._initial_state("state[1]", state[1], batch))
            outputs, (h_n, c_n) = self.rnn(x, pair)
            final = (h_n[0], c_n[0])
        return self.readout(outputs), final


def char_rnn_from_parameters(params) -> CharRNN:
    """A float64 :class:`CharRNN` holding copies of NumPy parameters from :mod:`companion.bptt` (chapter 4).

    ``params`` is :class:`~companion.bptt.RNNParameters` (a ``cell="elman"`` model: U, W and b go
    to ``weight_ih_l0``, ``weight_hh_l0`` and ``bias_ih_l0``, ``bias_hh_l0`` stays a frozen zero)
    or :class:`~companion.bptt.LSTMParameters` (a ``cell="lstm"`` model). The two models then
    compute the same function, the same loss (4.3) and the same gradients.
    """
    if isinstance(params, RNNParameters):
        cell = "elman"
    elif isinstance(params, LSTMParameters):
        cell = "lstm"
    else:
        raise ValueError(f"params: expected RNNParameters or LSTMParameters, got {type(params).__name__}")
    model = CharRNN(params.input_size, params.hidden_size, params.output_size, cell=cell).double()
    with torch.no_grad():
        for name, tensor in model.bptt_parameters().items():
            tensor.copy_(torch.from_numpy(getattr(params, name)))
    return model


def parameters_from_char_rnn(model: CharRNN):
    """The NumPy parameters of :mod:`companion.bptt` holding copies of a :class:`CharRNN`'s weights (chapter 4).

    The inverse of :func:`char_rnn_from_parameters`. For an Elman model b is
    ``bias_ih_l0 + bias_hh_l0`` (the latter is zero unless it was changed by hand).
    """
    if not isinstance(model, CharRNN):
        raise ValueError(f"model: expected a CharRNN, got {type(model).__name__}")
    arrays = {name: tensor.detach().cpu().double().numpy().copy() for name, tensor in model.bptt_parameters().items()}
    if model.cell == "elman":
        arrays["b"] = arrays["b"] + model.rnn.bias_hh_l0.detach().cpu().double().numpy()
        return RNNParameters(**arrays)
    return LSTMParameters(**arrays)
