r"""Sequence to sequence: an encoder–decoder over token ids, with or without attention (chapter 6).

A recurrent encoder reads the source tokens :math:`x_1 \dots x_S` into states
:math:`h_1 \dots h_S` (the attention's keys) and a context vector :math:`c` (its final state);
a recurrent decoder then writes the target :math:`y_1 \dots y_T` one token at a time, each step
reading the token before it (:data:`BOS` before the first) and stopping at :data:`EOS`. The
decoder learns :math:`c` in one of the two ways chapter 2 introduced (``context_mode``), and with
``attention`` it also reads, at every step :math:`i`, a context :math:`c_i` of its own: the
encoder states weighted by how well each matches the decoder's previous state — the lecture's
:math:`z^0` matched with :math:`h^1 \dots h^4` to give :math:`c^0`, and the question-and-answer
chapter's :math:`c_1` attending to 我, :math:`c_2` to 爱.

:class:`Seq2Seq` is the model and :func:`translate` decodes with it, greedily or by beam search
(:func:`companion.decoding.beam_search`). Its batches, loss and trainer are in
:mod:`companion.training.seq2seq_training`. Source and target are time-major ``(S, B)`` and
``(T, B)`` token ids, or ``(B, S)`` and ``(B, T)`` with ``batch_first``.
"""
from __future__ import annotations

from typing import NamedTuple, Union

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from ._checks import is_integer, require_choice, require_non_negative_int, require_positive_int
from ._validate import describe_shape, require_lengths, require_tensor
from .attention import AdditiveAttention, GeneralAttention, dot_product_attention
from .decoding import beam_search

BOS = "<s>"
"""The token before a target's first word: the decoder's first input (chapter 6)."""
EOS = "</s>"
"""The token after a target's last word: the decoder's way of saying it has finished (chapter 6)."""

DecoderState = Union[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]


class EncodedSource(NamedTuple):
    """What the encoder hands the decoder (chapter 6).

    ``keys`` ``(S, B, K)``: the encoder's output at every source step (zero at padded steps),
    time-major whatever the model's layout; ``real`` ``(S, B)``: True at real steps;
    ``context`` ``(B, K)``: the fixed context :math:`c`. :meth:`select` picks or repeats
    sequences of the batch, as beam search does.
    """

    keys: torch.Tensor
    real: torch.Tensor
    context: torch.Tensor

    def select(self, indices: torch.Tensor) -> "EncodedSource":
        """The batch entries ``indices`` (a 1-D LongTensor), in that order, repeats allowed."""
        return EncodedSource(self.keys[:, indices], self.real[:, indices], self.context[indices])


def select_state(state: DecoderState, indices: torch.Tensor) -> DecoderState:
    """The decoder states of the batch entries ``indices``: a GRU's ``h`` or an LSTM's ``(h, c)`` (chapter 6)."""
    if isinstance(state, tuple):
        return tuple(part[indices] for part in state)
    return state[indices]


class Seq2Seq(nn.Module):
    r"""An encoder–decoder that maps token ids to token ids of another length (chapter 6; Sutskever et al. 2014, Cho et al. 2014, Bahdanau et al. 2015).

    **Encoder.** Source tokens are embedded (:math:`E` numbers each) and read by
    ``torch.nn.GRU`` or ``torch.nn.LSTM`` (the layers chapter 3 checks the course's cells
    against), in both directions if ``bidirectional``:

    .. math::
        h_s = \mathrm{RNN}(E_x x_s, h_{s-1}), \qquad c = h_S

    The keys are the :math:`h_s`, ``K = H`` numbers each (``2H`` bidirectional: the forward and
    backward states side by side, and :math:`c` the forward state at the last real step beside
    the backward state at the first). Padded source steps are packed away, so they change
    nothing.

    **Decoder.** A ``GRUCell`` or ``LSTMCell`` of size :math:`H` writes one token per step:

    .. math::
        s_i = \mathrm{Cell}([E_y y_{i-1};\ c\ (\text{every\_step});\ c_i\ (\text{attention})],\ s_{i-1}),

        p(y_i \mid y_{<i}, x) = \mathrm{softmax}(V [s_i;\ c_i\ (\text{attention})] + b)

    ``context_mode`` says how the fixed context reaches the decoder, as chapter 2's
    :class:`~companion.models.shapes.EncoderDecoder` does: ``"initial_state"``,
    :math:`s_0 = \tanh(W_b c + b_b)` (Bahdanau et al.'s initial state; :math:`W_b` also fits
    :math:`c`'s ``K`` numbers to the decoder's ``H``); ``"every_step"``, :math:`s_0 = 0` and
    :math:`c` joins every step's input (Cho et al. 2014). An LSTM decoder's cell state starts
    at zero.

    ``attention`` adds a context of each step's own (Bahdanau et al. 2015):

    .. math::
        e_{ij} = \mathrm{score}(s_{i-1}, h_j), \qquad
        \alpha_{ij} = \mathrm{softmax}_{j\ \mathrm{real}}(e_{ij}), \qquad
        c_i = \sum_j \alpha_{ij} h_j

    with ``"additive"`` :math:`v^\top \tanh(W_q s + W_k h)`
    (:class:`~companion.attention.AdditiveAttention`, size ``attention_size``), ``"dot"``
    :math:`s^\top h` (:func:`~companion.attention.dot_product_attention`, unscaled; needs
    ``K = H``) or ``"general"`` :math:`s^\top W h`
    (:class:`~companion.attention.GeneralAttention`). The query is the decoder's *previous*
    state, as in Bahdanau et al. and the lecture; Luong et al. (2015), who named the dot and
    general scores, query with the current one. Padded source steps get weight zero.

    **Calls.** ``forward(source, source_lengths, target_inputs)`` runs the decoder with teacher
    forcing (its input at step :math:`i` is the true :math:`y_{i-1}`, from
    :func:`~companion.training.seq2seq_training.teacher_forcing_batch`) and returns ``(logits (T, B, V), weights)``: the weights
    :math:`\alpha_{ij}` ``(T, B, S)`` (``(B, T, S)`` with ``batch_first``) or ``None`` without
    attention. :meth:`encode`, :meth:`initial_state` and :meth:`decode_step` run the decoder one
    step at a time, as greedy decoding and beam search (:mod:`companion.decoding`) do.
    ``source`` is ``(S, B)`` ids (``(B, S)`` with ``batch_first``) and ``source_lengths`` the
    real length of each, in ``1..S``. Token ``padding_id`` embeds to zeros and is never a
    target. ``device`` and ``dtype`` place the parameters as in ``torch.nn``.

    Raises ``ValueError`` for sizes that are not positive integers, another ``cell``,
    ``context_mode`` or ``attention``, ``"dot"`` with ``K ≠ H``, an ``attention_size`` without
    additive attention, or a ``padding_id`` outside
    either vocabulary; from the calls, for ids that are not integer tensors of the right rank
    and range, batch sizes that differ or bad lengths.
    """

    cells = ("gru", "lstm")
    context_modes = ("initial_state", "every_step")
    attentions = (None, "additive", "dot", "general")

    def __init__(
        self,
        source_vocab_size: int,
        target_vocab_size: int,
        embedding_size: int,
        hidden_size: int,
        *,
        cell: str = "gru",
        context_mode: str = "initial_state",
        attention: str | None = None,
        attention_size: int | None = None,
        bidirectional: bool = False,
        padding_id: int = 0,
        batch_first: bool = False,
        device=None,
        dtype=None,
    ):
        super().__init__()
        self.source_vocab_size = require_positive_int("source_vocab_size", source_vocab_size)
        self.target_vocab_size = require_positive_int("target_vocab_size", target_vocab_size)
        self.embedding_size = require_positive_int("embedding_size", embedding_size)
        self.hidden_size = require_positive_int("hidden_size", hidden_size)
        require_choice("cell", cell, self.cells)
        require_choice("context_mode", context_mode, self.context_modes)
        require_choice("attention", attention, self.attentions)
        for name, flag in (("bidirectional", bidirectional), ("batch_first", batch_first)):
            if not isinstance(flag, bool):
                raise ValueError(f"{name}: expected True or False, got {flag!r}")
        require_non_negative_int("padding_id", padding_id)
        if padding_id >= min(source_vocab_size, target_vocab_size):
            raise ValueError(
                f"padding_id: expected an id in both vocabularies (below {min(source_vocab_size, target_vocab_size)}), "
                f"got {padding_id}"
            )
        self.cell, self.context_mode, self.attention = cell, context_mode, attention
        self.bidirectional, self.batch_first, self.padding_id = bidirectional, batch_first, padding_id
        self.key_size = hidden_size * (2 if bidirectional else 1)
        if attention == "dot" and self.key_size != hidden_size:
            raise ValueError(
                f"attention: 'dot' needs keys of the decoder's size {hidden_size}, got {self.key_size} "
                "(a bidirectional encoder); use 'general' or 'additive'"
            )
        if attention_size is not None and attention != "additive":
            raise ValueError(
                f"attention_size: only additive attention has an attention size, got {attention_size!r} "
                f"with attention={attention!r}; leave it out"
            )
        where = {"device": device, "dtype": dtype}
        H, K, E = hidden_size, self.key_size, embedding_size
        self.source_embedding = nn.Embedding(source_vocab_size, E, padding_idx=padding_id, **where)
        self.target_embedding = nn.Embedding(target_vocab_size, E, padding_idx=padding_id, **where)
        rnn = nn.GRU if cell == "gru" else nn.LSTM
        self.encoder = rnn(E, H, bidirectional=bidirectional, **where)
        decoder_input = E + (K if context_mode == "every_step" else 0) + (K if attention else 0)
        self.decoder = (nn.GRUCell if cell == "gru" else nn.LSTMCell)(decoder_input, H, **where)
        self.bridge = nn.Linear(K, H, **where) if context_mode == "initial_state" else None
        if attention == "additive":
            size = H if attention_size is None else require_positive_int("attention_size", attention_size)
            self.attend = AdditiveAttention(H, K, size, **where)
        elif attention == "general":
            self.attend = GeneralAttention(H, K, **where)
        else:
            self.attend = None
        self.readout = nn.Linear(H + (K if attention else 0), target_vocab_size, **where)

    # --- checks -------------------------------------------------------------------------------

    def _time_major(self, name: str, ids, vocab_size: int) -> torch.Tensor:
        require_tensor(name, ids)
        layout = "(batch, time)" if self.batch_first else "(time, batch)"
        if ids.dim() != 2 or ids.is_floating_point() or ids.is_complex() or ids.dtype == torch.bool:
            raise ValueError(
                f"{name}: expected a 2-D integer tensor of token ids {layout}, "
                f"got shape {describe_shape(ids)} and dtype {ids.dtype}"
            )
        if ids.numel() and (int(ids.min()) < 0 or int(ids.max()) >= vocab_size):
            raise ValueError(
                f"{name}: expected ids in 0..{vocab_size - 1} (the vocabulary), got min {int(ids.min())}, max {int(ids.max())}"
            )
        ids = ids.transpose(0, 1) if self.batch_first else ids
        if ids.shape[0] == 0 or ids.shape[1] == 0:
            raise ValueError(f"{name}: expected at least one step and one sequence, got shape {describe_shape(ids)}")
        return ids

    # --- encoder ------------------------------------------------------------------------------

    def encode(self, source: torch.Tensor, source_lengths) -> EncodedSource:
        """The encoder's keys, real steps and context for ``source`` ``(S, B)`` (``(B, S)`` with ``batch_first``).

        Raises ``ValueError`` for ``source`` that is not a 2-D tensor of ids below
        ``source_vocab_size`` or ``source_lengths`` that are not one integer in ``1..S`` each.
        """
        source = self._time_major("source", source, self.source_vocab_size)
        steps, batch = source.shape
        lengths = require_lengths("source_lengths", source_lengths, batch, steps)
        packed = pack_padded_sequence(self.source_embedding(source), lengths.cpu(), enforce_sorted=False)
        output, final = self.encoder(packed)
        keys, _ = pad_packed_sequence(output, total_length=steps)  # (S, B, K), zeros at padded steps
        h_n = final[0] if isinstance(final, tuple) else final  # (directions, B, H)
        context = torch.cat([h_n[0], h_n[1]], dim=-1) if self.bidirectional else h_n[0]
        real = torch.arange(steps, device=keys.device).unsqueeze(1) < lengths.to(keys.device).unsqueeze(0)
        return EncodedSource(keys, real, context)

    # --- decoder ------------------------------------------------------------------------------

    def initial_state(self, encoded: EncodedSource) -> DecoderState:
        r""":math:`s_0`: :math:`\tanh(W_b c + b_b)` with ``"initial_state"``, zeros with ``"every_step"``; an LSTM's cell state zero."""
        c = encoded.context
        if self.bridge is not None:
            h = torch.tanh(self.bridge(c))
        else:
            h = c.new_zeros(c.shape[0], self.hidden_size)
        return (h, torch.zeros_like(h)) if self.cell == "lstm" else h

    def decode_step(
        self, previous: torch.Tensor, state: DecoderState, encoded: EncodedSource
    ) -> tuple[torch.Tensor, DecoderState, torch.Tensor | None]:
        r"""One decoder step: ``(logits (B, V), new state, weights (S, B) or None)`` for the previous tokens ``(B,)``.

        ``previous`` holds :math:`y_{i-1}` (:data:`BOS` ids at the first step), ``state``
        :math:`s_{i-1}` from :meth:`initial_state` or the last step, ``encoded`` from
        :meth:`encode`. Raises ``ValueError`` for ``previous`` that is not a 1-D tensor of target
        ids of the encoded batch's size.
        """
        require_tensor("previous", previous)
        batch = encoded.context.shape[0]
        if previous.dim() != 1 or previous.shape[0] != batch or previous.is_floating_point() or previous.dtype == torch.bool:
            raise ValueError(
                f"previous: expected a 1-D integer tensor of {batch} target ids (one per sequence), "
                f"got shape {describe_shape(previous)} and dtype {previous.dtype}"
            )
        if int(previous.min()) < 0 or int(previous.max()) >= self.target_vocab_size:
            raise ValueError(f"previous: expected ids in 0..{self.target_vocab_size - 1}, got {previous.tolist()[:10]}")
        return self._step(previous, state, encoded)

    def _step(self, previous, state, encoded):
        query = state[0] if isinstance(state, tuple) else state  # s_{i-1}
        parts = [self.target_embedding(previous)]
        if self.context_mode == "every_step":
            parts.append(encoded.context)
        weights = None
        if self.attention == "dot":
            attended, weights = dot_product_attention(query, encoded.keys, encoded.real, scale=False)
        elif self.attend is not None:
            attended, weights = self.attend(query, encoded.keys, encoded.real)
        if weights is not None:
            parts.append(attended)
        state = self.decoder(torch.cat(parts, dim=-1), state)
        h = state[0] if isinstance(state, tuple) else state  # s_i
        logits = self.readout(torch.cat([h, attended], dim=-1) if weights is not None else h)
        return logits, state, weights

    def forward(
        self, source: torch.Tensor, source_lengths, target_inputs: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        encoded = self.encode(source, source_lengths)
        inputs = self._time_major("target_inputs", target_inputs, self.target_vocab_size)
        if inputs.shape[1] != encoded.context.shape[0]:
            raise ValueError(
                f"target_inputs: expected batch size {encoded.context.shape[0]} (the batch size of source), "
                f"got shape {describe_shape(target_inputs)}"
            )
        state = self.initial_state(encoded)
        logits, weights = [], []
        for previous in inputs:
            step_logits, state, step_weights = self._step(previous, state, encoded)
            logits.append(step_logits)
            weights.append(step_weights)
        logits = torch.stack(logits)  # (T, B, V)
        alignment = None if self.attention is None else torch.stack(weights).transpose(1, 2)  # (T, B, S)
        if self.batch_first:
            logits = logits.transpose(0, 1)
            alignment = None if alignment is None else alignment.transpose(0, 1)
        return logits, alignment

    def extra_repr(self) -> str:
        return (
            f"cell={self.cell!r}, context_mode={self.context_mode!r}, attention={self.attention!r}"
            + (", bidirectional=True" if self.bidirectional else "")
            + (", batch_first=True" if self.batch_first else "")
        )


# --- decoding ------------------------------------------------------------------------------------


class Translation(NamedTuple):
    """One output of :func:`translate` (chapter 6).

    ``tokens``, ``log_prob``, ``score`` and ``finished`` as in
    :class:`~companion.decoding.Hypothesis`; ``weights``: the attention weights
    :math:`\alpha_{ij}` behind each written token (EOS included when finished), a float array
    ``(steps, S_b)`` over the source's real steps, or ``None`` for a model without attention.
    """

    tokens: tuple[int, ...]
    log_prob: float
    score: float
    finished: bool
    weights: np.ndarray | None


@torch.no_grad()
def translate(
    model: Seq2Seq,
    source: torch.Tensor,
    source_lengths,
    bos_id: int,
    eos_id: int,
    beam_width: int = 1,
    max_length: int = 50,
    length_penalty: float = 1.0,
) -> list[list[Translation]]:
    r"""Decode a padded batch of sources with a trained :class:`Seq2Seq`: greedily, or by beam search (chapter 6).

    Runs :func:`~companion.decoding.beam_search` with the model's :meth:`Seq2Seq.decode_step`
    as its step, every hypothesis of every source in one batch per step; ``beam_width=1`` is
    greedy decoding. ``source`` and ``source_lengths`` as for :meth:`Seq2Seq.encode`, on any
    device (they are moved to the model's). Returns, for each source, up to ``beam_width``
    :class:`Translation` objects, best first. The model is put in evaluation mode. Raises
    ``ValueError`` for a ``model`` that is not a :class:`Seq2Seq`, bad ``source`` or
    ``source_lengths`` (as :meth:`Seq2Seq.encode`), ids outside the target vocabulary, or bad
    search settings (as :func:`~companion.decoding.beam_search`).
    """
    if not isinstance(model, Seq2Seq):
        raise ValueError(f"model: expected a Seq2Seq, got {type(model).__name__}")
    for name, value in (("bos_id", bos_id), ("eos_id", eos_id)):
        if not is_integer(value) or not 0 <= value < model.target_vocab_size:
            raise ValueError(f"{name}: expected a target id in 0..{model.target_vocab_size - 1}, got {value!r}")
    model.eval()
    device = model.readout.weight.device
    require_tensor("source", source)
    encoded = model.encode(source.to(device), torch.as_tensor(source_lengths))
    lengths = encoded.real.sum(dim=0).tolist()
    first = model.initial_state(encoded)
    start = [(b, select_state(first, torch.tensor([b], device=device)), ()) for b in range(len(lengths))]

    def step(previous, states):
        rows = torch.tensor([b for b, _, _ in states], device=device)
        parts = [state for _, state, _ in states]
        joined = tuple(torch.cat(p) for p in zip(*parts)) if model.cell == "lstm" else torch.cat(parts)
        tokens = torch.tensor(previous, dtype=torch.long, device=device)
        logits, new, weights = model._step(tokens, joined, encoded.select(rows))
        log_probs = torch.log_softmax(logits.double(), dim=-1).cpu().numpy()
        alphas = None if weights is None else weights.double().cpu().numpy()  # (S, n)
        following = []
        for k, (b, _, history) in enumerate(states):
            kept = history if alphas is None else history + (alphas[: lengths[b], k],)
            following.append((b, select_state(new, torch.tensor([k], device=device)), kept))
        return log_probs, following

    results = beam_search(step, start, bos_id, eos_id, beam_width, max_length, length_penalty)
    translations = []
    for hypotheses in results:
        translations.append(
            [
                Translation(
                    h.tokens, h.log_prob, h.score, h.finished,
                    np.stack(h.state[2]) if model.attention is not None else None,
                )
                for h in hypotheses
            ]
        )
    return translations
