"""The slot taggers of chapters 2 and 3: word (and character) embeddings, a context window, a recurrent body, tag scores."""
from __future__ import annotations

import torch
from torch import nn

from .._validate import describe_shape, require_tensor
from .._checks import is_integer, require_choice, require_non_negative_int, require_positive_int
from ..encoding import CHARACTER_PAD_ID, context_window
from ..layers import IMPLEMENTATIONS, JordanRNN, recurrent_layer
from .networks import FeedForwardNetwork


class CharacterCNN(nn.Module):
    r"""A word's spelling as a vector: character embeddings, a convolution, max-pooling (chapter 3).

    For a word with characters :math:`c_1 \dots c_n` (ids from
    :class:`~companion.encoding.WordsAndCharacters`) and a convolution of odd ``width`` = 2k+1:

    .. math::
        u_j &= C[c_j], \qquad z_j = W\,[u_{j-k}; \dots; u_{j+k}] + b,

        v &= \tanh\big(\max_{1 \le j \le n} z_j\big) \in \mathbb{R}^{\mathrm{filters}}

    (the max taken filter by filter, positions outside the word reading zero vectors), as in the
    character CNNs of Ma & Hovy (2016). Each filter is a detector of a spelling pattern of up to
    ``width`` characters — a suffix such as ``-ays``, an airline code's digits — wherever it
    occurs in the word. ``forward(input)`` takes character ids ``(..., L)`` and returns
    ``(..., filters)``; rows that are all padding (:data:`~companion.encoding.CHARACTER_PAD_ID`,
    the padded words of a batch) give zero vectors. Raises ``ValueError`` for sizes that are not
    positive integers, a ``width`` that is not a positive odd integer, or an ``input`` that is
    not an integer tensor of at least one dimension.
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

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        characters = require_tensor("input", input)
        if characters.dim() < 1 or characters.is_floating_point() or characters.dtype == torch.bool:
            raise ValueError(
                f"input: expected an integer tensor (..., max_word_length) of character ids, "
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


class SlotTagger(nn.Module):
    r"""A slot tagger over word ids: embeddings, a context window, a recurrent body, tag scores (chapters 2 and 3).

    .. math::  e_t = E[w_t], \qquad x_t = [e_{t-r}; \dots; e_{t+r}], \qquad
               s_t = \mathrm{body}(x_1, \dots, x_T)_t

    ``body`` is ``"ffn"`` (a per-step feed-forward network, no memory), ``"elman"``
    (:class:`~companion.layers.ElmanRNN`, ``num_layers`` stacked), ``"bielman"`` (the same,
    bidirectional) or ``"jordan"`` (:class:`~companion.layers.JordanRNN`, whose outputs are
    already the tag scores) — chapter 2 — or, chapter 3, ``"lstm"`` / ``"bilstm"``
    (:class:`~companion.layers.LSTM`: :math:`c_t = f_t \odot c_{t-1} + i_t \odot g_t`,
    :math:`h_t = o_t \odot \tanh(c_t)`) and ``"gru"`` / ``"bigru"`` (:class:`~companion.layers.GRU`:
    :math:`h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}`). Every body but ``"ffn"`` and
    ``"jordan"`` ends in a linear read-out :math:`s_t = V h_t + c`, where a bidirectional body's
    :math:`h_t = [\overrightarrow{h}_t; \overleftarrow{h}_t]`.
    ``forward(input, lengths=None)`` takes word ids ``(T, B)`` and returns the scores
    ``(T, B, num_tags)``; padded ids must be ``padding_id``, whose embedding is kept at zero.
    ``dropout`` zeroes that fraction of the window's entries during training (a regulariser; off
    at evaluation), ``output_dropout`` that fraction of :math:`h_t`'s entries before the read-out.

    ``implementation="scratch"`` runs the body with the layers of :mod:`companion.layers` (a
    Python loop over time steps); ``"torch"`` with their torch twins
    (:class:`~companion.layers.PackedRNN`, :class:`~companion.layers.PackedLSTM`,
    :class:`~companion.layers.PackedGRU`), which hold the same weights under the same names
    and compute the same function several times faster, so ``state_dict()`` moves between the
    two (:func:`~companion.layers.recurrent_layer` builds either). ``"ffn"`` and ``"jordan"``
    have no torch twin.

    Character features (chapter 3): with ``char_filters > 0`` each word's vector is
    :math:`e_t = [E[w_t]; v_t]`, where :math:`v_t` is a :class:`CharacterCNN` of the word's
    spelling (``num_characters`` character ids, ``char_embedding_size``, ``char_filters``,
    ``char_width``), and ``input`` is ``(T, B, 1 + L)``: the word id, then its ``L`` character ids,
    as :class:`~companion.encoding.WordsAndCharacters` encodes them. A word never seen in
    training then still has a vector of its own. ``word_dropout`` replaces that fraction of the
    word ids by ``unknown_id`` during training, so that the ``<unk>`` embedding is trained and
    the spelling is learned to stand in for it.

    Raises ``ValueError`` for sizes that are not positive integers, fractions outside
    ``[0, 1)``, an unknown body or implementation, ``num_layers`` other than 1 or a torch
    implementation for ``"ffn"`` and ``"jordan"``, ``char_filters`` without ``num_characters``,
    or ``word_dropout`` without a valid ``unknown_id``; from ``forward`` for ``input`` that is not
    an integer tensor of the rank above, or bad ``lengths``.
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
        require_positive_int("embedding_size", embedding_size)
        require_positive_int("hidden_size", hidden_size)
        if not is_integer(padding_id) or not 0 <= padding_id < vocabulary_size:
            raise ValueError(f"padding_id: expected an id in 0..{vocabulary_size - 1} (below vocabulary_size), got {padding_id!r}")
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
            # "bilstm" is the cell "lstm", bidirectional.
            bidirectional = body.startswith("bi")
            self.body = recurrent_layer(
                body.removeprefix("bi"), window_size, hidden_size, implementation=implementation,
                num_layers=num_layers, bidirectional=bidirectional,
            )
            directions = 2 if bidirectional else 1
            self.readout = nn.Linear(directions * hidden_size, num_tags)
        self.output_dropout = nn.Dropout(output_dropout)
        self.characters = (
            CharacterCNN(num_characters, char_embedding_size, char_filters, char_width) if char_filters else None
        )

    def forward(self, input: torch.Tensor, lengths=None) -> torch.Tensor:
        ids = require_tensor("input", input)
        rank = 2 if self.characters is None else 3
        if ids.dim() != rank or ids.is_floating_point() or ids.dtype == torch.bool:
            expected = (
                "a 2-D integer tensor (time, batch) of word ids" if rank == 2 else
                "a 3-D integer tensor (time, batch, 1 + max_word_length) of word and character ids "
                "(see WordsAndCharacters)"
            )
            raise ValueError(f"input: expected {expected}, got shape {describe_shape(ids)} and dtype {ids.dtype}")
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
