"""Sentence classifiers over word ids: embeddings, a recurrent layer, pooling over the real words, a linear read-out (chapter 6)."""
from __future__ import annotations

import torch
from torch import nn

from .._checks import is_integer, require_choice, require_positive_int
from .._validate import describe_shape, require_floating_dtype, require_tensor
from ..attention import AttentionPooling, real_steps
from ..layers import IMPLEMENTATIONS, recurrent_layer

CLASSIFIER_CELLS = ("lstm", "gru", "elman")
POOLINGS = ("last", "mean", "max", "attention")


def _require_fraction(name: str, value) -> float:
    """``value`` as a float if it is a number in ``[0, 1)`` (a dropout rate; a helper of the package).

    Raises ``ValueError`` naming ``name`` otherwise.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value < 1.0:
        raise ValueError(f"{name}: expected a fraction in [0, 1), got {value!r}")
    return float(value)


def _require_word_ids(ids, vocabulary_size: int) -> torch.Tensor:
    """``ids`` if it is a ``(T, B)`` integer tensor of ids in ``0..vocabulary_size - 1`` (a helper of the package).

    Raises ``ValueError`` naming ``ids`` otherwise, before an embedding would fail on it.
    """
    require_tensor("ids", ids)
    if ids.dim() != 2 or ids.is_floating_point() or ids.is_complex() or ids.dtype == torch.bool:
        raise ValueError(
            f"ids: expected a 2-D integer tensor (time, batch) of word ids, "
            f"got shape {describe_shape(ids)} and dtype {ids.dtype}"
        )
    if ids.shape[0] == 0:
        raise ValueError(f"ids: expected at least one time step, got shape {describe_shape(ids)}")
    if ids.numel() and (int(ids.min()) < 0 or int(ids.max()) >= vocabulary_size):
        raise ValueError(
            f"ids: expected word ids in 0..{vocabulary_size - 1} (below vocabulary_size), "
            f"got min {int(ids.min())}, max {int(ids.max())}"
        )
    return ids


def _require_padding_id(padding_id, vocabulary_size: int) -> int:
    """``padding_id`` if it is an id below ``vocabulary_size`` (a helper of the package).

    Raises ``ValueError`` naming ``padding_id`` otherwise.
    """
    if not is_integer(padding_id) or not 0 <= padding_id < vocabulary_size:
        raise ValueError(
            f"padding_id: expected an id in 0..{vocabulary_size - 1} (below vocabulary_size), got {padding_id!r}"
        )
    return int(padding_id)


class TextClassifier(nn.Module):
    r"""A sentence in, one class out: many-to-one over word ids, with a choice of pooling (chapter 6).

    .. math::
        x_t &= E[w_t], \qquad h_1 \dots h_T = \mathrm{RNN}(x_1 \dots x_T),

        v &= \mathrm{pool}(h_1 \dots h_T), \qquad y = V\, \mathrm{dropout}(v) + c

    The recurrent layer is an LSTM, a GRU or an Elman network (``cell``), one direction or two
    (``bidirectional``: :math:`h_t = [\overrightarrow{h}_t; \overleftarrow{h}_t]`), built by
    :func:`~companion.layers.recurrent_layer`: with ``implementation="torch"`` torch's fused
    layers (:class:`~companion.layers.PackedLSTM` and its siblings), with ``"scratch"`` the
    companion's own, the same function of the same weights. ``pooling`` says what the read-out
    sees of a sentence of :math:`n` real words (padding never counts):

    * ``"last"`` — the memory after the last word, :math:`v = h_n`, the read-out of chapter 2's
      :class:`~companion.models.SequenceToVector`; bidirectional, the forward direction's state
      after the last word joined with the backward direction's after the first:
      :math:`v = [\overrightarrow{h}_n; \overleftarrow{h}_1]`, each the end of its reading;
    * ``"mean"`` — :math:`v = \frac1n \sum_{t=1}^n h_t`;
    * ``"max"`` — :math:`v_j = \max_{t \le n} h_{t,j}`, unit by unit;
    * ``"attention"`` — :math:`v = \sum_t \alpha_t h_t` with the word attention of
      :class:`~companion.attention.AttentionPooling` (Yang et al. 2016; ``attention_size``
      units, by default ``hidden_size``); ``last_attention`` then holds the weights
      :math:`\alpha` ``(T, B)`` of the last call (detached), for a figure.

    ``forward(ids, lengths=None)`` takes word ids ``(T, B)`` and each sentence's number of real
    words (all ``T`` when ``None``) and returns the class scores ``(B, num_classes)``; padded ids
    should be ``padding_id``, whose embedding is kept at zero. ``dropout`` zeroes that fraction of
    :math:`v` during training. ``device`` and ``dtype`` move the finished module, whose weights
    are drawn on the CPU in the same order whatever they are.

    Not a :class:`~companion.models.SequenceToVector` with an embedding in front: that model reads
    only the top layer's final state ``h_n``, whose last row is, for a bidirectional layer, the
    backward direction alone, and it has no other pooling. Raises ``ValueError`` for sizes that
    are not positive integers, an unknown cell, pooling or implementation, a ``dropout`` outside
    ``[0, 1)``, a ``padding_id`` outside the vocabulary, an ``attention_size`` without attention
    pooling, or a dtype that is not floating-point; from ``forward`` for ``ids`` that are not a
    ``(T, B)`` integer tensor of ids in the vocabulary, or bad ``lengths``.
    """

    def __init__(
        self,
        vocabulary_size: int,
        num_classes: int,
        cell: str = "lstm",
        embedding_size: int = 100,
        hidden_size: int = 100,
        bidirectional: bool = False,
        pooling: str = "last",
        padding_id: int = 0,
        dropout: float = 0.0,
        implementation: str = "torch",
        *,
        num_layers: int = 1,
        attention_size: int | None = None,
        device=None,
        dtype=None,
    ):
        super().__init__()
        self.vocabulary_size = require_positive_int("vocabulary_size", vocabulary_size)
        self.num_classes = require_positive_int("num_classes", num_classes)
        require_choice("cell", cell, CLASSIFIER_CELLS)
        require_positive_int("embedding_size", embedding_size)
        self.hidden_size = require_positive_int("hidden_size", hidden_size)
        if not isinstance(bidirectional, bool):
            raise ValueError(f"bidirectional: expected True or False, got {bidirectional!r}")
        require_choice("pooling", pooling, POOLINGS)
        self.padding_id = _require_padding_id(padding_id, vocabulary_size)
        _require_fraction("dropout", dropout)
        require_choice("implementation", implementation, IMPLEMENTATIONS)
        require_positive_int("num_layers", num_layers)
        if attention_size is not None:
            if pooling != "attention":
                raise ValueError(
                    f"attention_size: expected None unless pooling='attention', got {attention_size!r} "
                    f"with pooling={pooling!r}"
                )
            require_positive_int("attention_size", attention_size)
        if dtype is not None:
            require_floating_dtype("dtype", dtype)
        self.cell = cell
        self.bidirectional = bidirectional
        self.pooling = pooling
        self.implementation = implementation
        self.embedding = nn.Embedding(vocabulary_size, embedding_size, padding_idx=padding_id)
        self.rnn = recurrent_layer(
            cell, embedding_size, hidden_size, implementation=implementation, num_layers=num_layers,
            bidirectional=bidirectional,
        )
        width = (2 if bidirectional else 1) * hidden_size
        self.attention = AttentionPooling(width, attention_size or hidden_size) if pooling == "attention" else None
        self.dropout = nn.Dropout(dropout)
        self.readout = nn.Linear(width, num_classes)
        self.last_attention: torch.Tensor | None = None
        if device is not None or dtype is not None:
            self.to(device=device, dtype=dtype)

    def sentence_vectors(self, ids: torch.Tensor, lengths=None) -> torch.Tensor:
        """The pooled vector :math:`v` of each sentence, ``(B, D·H)``, before dropout and read-out (chapter 6).

        Raises ``ValueError`` as ``forward`` does.
        """
        _require_word_ids(ids, self.vocabulary_size)
        steps, batch = ids.shape
        device = ids.device
        real = real_steps(None, lengths, steps=steps, batch=batch, device=device)  # (T, B)
        counts = real.sum(dim=0)  # (B,)
        outputs, _ = self.rnn(self.embedding(ids), lengths=None if lengths is None else counts)  # (T, B, D·H)
        if self.pooling == "attention":
            pooled, weights = self.attention(outputs, mask=real)
            self.last_attention = weights.detach()
            return pooled
        if self.pooling == "mean":
            return (outputs * real.unsqueeze(-1)).sum(dim=0) / counts.unsqueeze(-1).to(outputs.dtype)
        if self.pooling == "max":
            return outputs.masked_fill(~real.unsqueeze(-1), float("-inf")).max(dim=0).values
        batch_index = torch.arange(batch, device=device)
        last = outputs[counts - 1, batch_index]  # (B, D·H): every direction at the last real word
        if not self.bidirectional:
            return last
        forward_half = last[:, : self.hidden_size]
        backward_half = outputs[0, :, self.hidden_size :]  # the backward reading ends at the first word
        return torch.cat([forward_half, backward_half], dim=-1)

    def forward(self, ids: torch.Tensor, lengths=None) -> torch.Tensor:
        return self.readout(self.dropout(self.sentence_vectors(ids, lengths)))

    def extra_repr(self) -> str:
        options = [f"cell={self.cell!r}", f"pooling={self.pooling!r}"]
        options += ["bidirectional=True"] if self.bidirectional else []
        options += [] if self.implementation == "torch" else [f"implementation={self.implementation!r}"]
        return ", ".join(options)
