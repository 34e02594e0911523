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
    require_non_negative_int,
    require_positive_int,
    require_sequence_batch,
    require_tensor,
)
from .bptt import LSTMParameters, RNNParameters
from .encoding import CHARACTER_PAD_ID, context_window
from .runners import GRU, LSTM, ElmanRNN, JordanRNN, PackedGRU, PackedLSTM, PackedRNN


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


class CharacterCNN(nn.Module):
    r"""A word's spelling as a vector: character embeddings, a convolution, max-pooling (chapter 3).

    For a word with characters :math:`c_1 \dots c_n` (ids from
    :class:`~companion.encoding.WordsAndCharacters`) and a convolution of odd ``width`` = 2k+1:

    .. math::  u_j = C[c_j], \qquad z_j = W\,[u_{j-k}; \dots; u_{j+k}] + b, \qquad
               v = \tanh\big(\max_{1 \le j \le n} z_j\big) \in \mathbb{R}^{\mathrm{filters}}

    (the max taken filter by filter, positions outside the word reading zero vectors), as in the
    character CNNs of Ma & Hovy (2016). Each filter is a detector of a spelling pattern of up to
    ``width`` characters — a suffix such as ``-ays``, an airline code's digits — wherever it
    occurs in the word. ``forward(characters (..., L))`` returns ``(..., filters)``; rows that are
    all padding (:data:`~companion.encoding.CHARACTER_PAD_ID`, the padded words of a batch) give
    zero vectors.
    """

    def __init__(self, num_characters: int, embedding_size: int = 25, filters: int = 50, width: int = 3):
        super().__init__()
        require_positive_int("num_characters", num_characters)
        require_positive_int("embedding_size", embedding_size)
        require_positive_int("filters", filters)
        if isinstance(width, bool) or not isinstance(width, int) or width < 1 or width % 2 == 0:
            raise ValueError(f"width: expected a positive odd integer, got {width!r}")
        self.filters = filters
        self.embedding = nn.Embedding(num_characters, embedding_size, padding_idx=CHARACTER_PAD_ID)
        # W as (filters, embedding_size, width): W[f, :, i] weighs u_{j-k+i}; zero padding at the ends.
        self.convolution = nn.Conv1d(embedding_size, filters, width, padding=width // 2)

    def forward(self, characters: torch.Tensor) -> torch.Tensor:
        require_tensor("characters", characters)
        if characters.dim() < 1 or characters.is_floating_point() or characters.dtype == torch.bool:
            raise ValueError(
                f"characters: expected an integer tensor (..., max_word_length) of character ids, "
                f"got shape {describe_shape(characters)} and dtype {characters.dtype}"
            )
        leading = characters.shape[:-1]
        flat = characters.reshape(-1, characters.shape[-1])
        real = flat != CHARACTER_PAD_ID
        longest = int(real.sum(dim=1).max()) if flat.numel() else 0
        if longest == 0:
            return self.convolution.bias.new_zeros(*leading, self.filters)
        flat, real = flat[:, :longest], real[:, :longest]
        scores = self.convolution(self.embedding(flat).transpose(1, 2))  # z_j for every word, (N, filters, L)
        scores = scores.masked_fill(~real.unsqueeze(1), torch.finfo(scores.dtype).min)
        vectors = torch.tanh(scores.max(dim=2).values)
        vectors = torch.where(real.any(dim=1, keepdim=True), vectors, torch.zeros_like(vectors))
        return vectors.reshape(*leading, self.filters)


TAGGER_BODIES = ("ffn", "elman", "jordan", "bielman", "lstm", "bilstm", "gru", "bigru")
IMPLEMENTATIONS = ("scratch", "torch")
# body → (scratch module, torch module taking lengths, bidirectional)
_RECURRENT_BODIES = {
    "elman": (ElmanRNN, PackedRNN, False),
    "bielman": (ElmanRNN, PackedRNN, True),
    "lstm": (LSTM, PackedLSTM, False),
    "bilstm": (LSTM, PackedLSTM, True),
    "gru": (GRU, PackedGRU, False),
    "bigru": (GRU, PackedGRU, True),
}


class SlotTagger(nn.Module):
    r"""A slot tagger over word ids: embeddings, a context window, a recurrent body, tag scores (chapters 2 and 3).

    .. math::  e_t = E[w_t], \qquad x_t = [e_{t-r}; \dots; e_{t+r}], \qquad
               s_t = \mathrm{body}(x_1, \dots, x_T)_t

    ``body`` is ``"ffn"`` (a per-step feed-forward network, no memory), ``"elman"``
    (:class:`~companion.runners.ElmanRNN`, ``num_layers`` stacked), ``"bielman"`` (the same,
    bidirectional) or ``"jordan"`` (:class:`~companion.runners.JordanRNN`, whose outputs are
    already the tag scores) — chapter 2 — or, chapter 3, ``"lstm"`` / ``"bilstm"``
    (:class:`~companion.runners.LSTM`: :math:`c_t = f_t \odot c_{t-1} + i_t \odot g_t`,
    :math:`h_t = o_t \odot \tanh(c_t)`) and ``"gru"`` / ``"bigru"`` (:class:`~companion.runners.GRU`:
    :math:`h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}`). Every body but ``"ffn"`` and
    ``"jordan"`` ends in a linear read-out :math:`s_t = V h_t + c`, where a bidirectional body's
    :math:`h_t = [\overrightarrow{h}_t; \overleftarrow{h}_t]`.
    ``forward(ids (T, B), lengths=None)`` returns the scores ``(T, B, num_tags)``; padded ids
    must be ``padding_id``, whose embedding is kept at zero. ``dropout`` zeroes that fraction of
    the window's entries during training (a regulariser; off at evaluation), ``output_dropout``
    that fraction of :math:`h_t`'s entries before the read-out.

    ``implementation="scratch"`` runs the body with the modules of :mod:`companion.runners` (a
    Python loop over time steps); ``"torch"`` with their torch twins
    (:class:`~companion.runners.PackedRNN`, :class:`~companion.runners.PackedLSTM`,
    :class:`~companion.runners.PackedGRU`), which hold the same weights under the same names
    and compute the same function several times faster, so ``state_dict()`` moves between the
    two. ``"ffn"`` and ``"jordan"`` have no torch twin.

    Character features (chapter 3): with ``char_filters > 0`` each word's vector is
    :math:`e_t = [E[w_t]; v_t]`, where :math:`v_t` is a :class:`CharacterCNN` of the word's
    spelling (``num_characters`` character ids, ``char_embedding_size``, ``char_filters``,
    ``char_width``), and ``ids`` is ``(T, B, 1 + L)``: the word id, then its ``L`` character ids,
    as :class:`~companion.encoding.WordsAndCharacters` encodes them. A word never seen in
    training then still has a vector of its own. ``word_dropout`` replaces that fraction of the
    word ids by ``unknown_id`` during training, so that the ``<unk>`` embedding is trained and
    the spelling is learned to stand in for it.
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
        *,
        implementation: str = "scratch",
        output_dropout: float = 0.0,
        char_filters: int = 0,
        num_characters: int | None = None,
        char_embedding_size: int = 25,
        char_width: int = 3,
        word_dropout: float = 0.0,
        unknown_id: int | None = None,
    ):
        super().__init__()
        require_positive_int("vocabulary_size", vocabulary_size)
        for name, fraction in (("dropout", dropout), ("output_dropout", output_dropout), ("word_dropout", word_dropout)):
            if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or not 0.0 <= fraction < 1.0:
                raise ValueError(f"{name}: expected a fraction in [0, 1), got {fraction!r}")
        require_positive_int("num_tags", num_tags)
        require_choice("body", body, TAGGER_BODIES)
        require_positive_int("num_layers", num_layers)
        require_choice("implementation", implementation, IMPLEMENTATIONS)
        if body in ("ffn", "jordan") and num_layers != 1:
            raise ValueError(f"num_layers: expected 1 for body {body!r}, got {num_layers}")
        if body in ("ffn", "jordan") and implementation != "scratch":
            raise ValueError(
                f"implementation: expected 'scratch' for body {body!r} (torch has no twin of it), "
                f"got {implementation!r}"
            )
        require_non_negative_int("window_radius", window_radius)
        require_non_negative_int("char_filters", char_filters, "no character features")
        if char_filters and num_characters is None:
            raise ValueError("num_characters: expected the size of the character inventory (with char_filters > 0), got None")
        if word_dropout and not (isinstance(unknown_id, int) and 0 <= unknown_id < vocabulary_size):
            raise ValueError(
                f"unknown_id: expected the id of <unk> in 0..{vocabulary_size - 1} (with word_dropout > 0), "
                f"got {unknown_id!r}"
            )
        self.body_kind = body
        self.implementation = implementation
        self.window_radius = window_radius
        self.padding_id = padding_id
        self.word_dropout = float(word_dropout)
        self.unknown_id = unknown_id
        self.embedding = nn.Embedding(vocabulary_size, embedding_size, padding_idx=padding_id)
        self.dropout = nn.Dropout(dropout)
        window_size = (2 * window_radius + 1) * (embedding_size + char_filters)
        if body == "ffn":
            self.body = FeedForwardNetwork(window_size, hidden_size, num_tags)
        elif body == "jordan":
            self.body = JordanRNN(window_size, hidden_size, num_tags)
        else:
            scratch, packed, bidirectional = _RECURRENT_BODIES[body]
            kind = scratch if implementation == "scratch" else packed
            self.body = kind(window_size, hidden_size, num_layers=num_layers, bidirectional=bidirectional)
            directions = 2 if bidirectional else 1
            self.readout = nn.Linear(directions * hidden_size, num_tags)
        self.output_dropout = nn.Dropout(output_dropout)
        self.characters = (
            CharacterCNN(num_characters, char_embedding_size, char_filters, char_width) if char_filters else None
        )

    def forward(self, ids: torch.Tensor, lengths=None) -> torch.Tensor:
        require_tensor("ids", ids)
        rank = 2 if self.characters is None else 3
        if ids.dim() != rank or ids.is_floating_point() or ids.dtype == torch.bool:
            expected = (
                "a 2-D integer tensor (time, batch) of word ids" if rank == 2 else
                "a 3-D integer tensor (time, batch, 1 + max_word_length) of word and character ids "
                "(see WordsAndCharacters)"
            )
            raise ValueError(f"ids: expected {expected}, got shape {describe_shape(ids)} and dtype {ids.dtype}")
        words = ids if rank == 2 else ids[..., 0]
        if self.training and self.word_dropout:
            dropped = (torch.rand(words.shape, device=words.device) < self.word_dropout) & (words != self.padding_id)
            words = words.masked_fill(dropped, self.unknown_id)
        vectors = self.embedding(words)
        if self.characters is not None:
            vectors = torch.cat([vectors, self.characters(ids[..., 1:])], dim=-1)
        windows = self.dropout(context_window(vectors, self.window_radius))
        if self.body_kind == "ffn":
            return self.body(windows)
        outputs, _ = self.body(windows, lengths=lengths)
        if self.body_kind == "jordan":
            return outputs
        if self.output_dropout.p:
            outputs = self.output_dropout(outputs)
        return self.readout(outputs)


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
