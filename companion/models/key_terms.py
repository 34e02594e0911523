"""The key-term tagger of chapter 6: a BiLSTM reads the document, attention over its words makes a document vector, each word is tagged from its state and that vector."""
from __future__ import annotations

import torch
from torch import nn

from .._checks import require_choice, require_positive_int
from .._validate import require_floating_dtype
from ..attention import AttentionPooling, real_steps
from ..layers import IMPLEMENTATIONS, recurrent_layer
from .classifiers import _require_fraction, _require_padding_id, _require_word_ids


class KeyTermTagger(nn.Module):
    r"""Key terms as BIO tags, each word read beside an attention summary of its whole document (chapter 6).

    The lecture's design for key-term extraction: an RNN reads the document, an attention over
    its words weighs them, and the key terms come out. Here the document's :math:`n` words are
    read by a BiLSTM, word attention (:class:`~companion.attention.AttentionPooling`, Yang et
    al. 2016) turns the states into one document vector :math:`c`, and each word's tag scores
    come from its own state and :math:`c`:

    .. math::
        x_t &= E[w_t], \qquad h_t = [\overrightarrow{h}_t; \overleftarrow{h}_t] = \mathrm{BiLSTM}(x_1 \dots x_n)_t,

        \alpha &= \mathrm{softmax}_{t \le n}\big(u_w^\top \tanh(W h_t + b)\big), \qquad
        c = \sum_{t=1}^{n} \alpha_t h_t,

        s_t &= V\, [h_t; c] + d

    :math:`c` tells every word what the document is about, so a word can be tagged a key term
    because of the topic, not only its neighbours; the weights :math:`\alpha` show which words
    shaped :math:`c` (``last_attention``, or :meth:`attention_weights`). Tags are BIO tags for
    key phrases (``"B-KP"``, ``"I-KP"``, ``"O"``), so ``num_tags`` is the size of that tag set.

    ``forward(ids, lengths=None)`` takes word ids ``(T, B)`` (all ``T`` words real when
    ``lengths`` is ``None``) and returns the tag scores ``(T, B, num_tags)``, the interface of
    :class:`~companion.models.SlotTagger`, so :func:`~companion.training.train_tagger`,
    :func:`~companion.training.train_and_select` and :func:`~companion.training.predict_tags`
    train and use it unchanged. Padded steps get scores too; leave them out of the loss (the
    trainers do). ``dropout`` zeroes that fraction of the word vectors :math:`x_t` and of
    :math:`[h_t; c]` during training. ``implementation`` chooses torch's LSTM
    (:class:`~companion.layers.PackedLSTM`, ``"torch"``) or the companion's (``"scratch"``);
    ``device`` and ``dtype`` move the finished module.

    Shen & Lee (2016), whose design the lecture shows, classify a whole document into key terms
    of a fixed list; tagging the words instead finds phrases that no list holds. Raises
    ``ValueError`` for sizes that are not positive integers, a ``dropout`` outside ``[0, 1)``, a
    ``padding_id`` outside the vocabulary, an unknown implementation or a dtype that is not
    floating-point; from ``forward`` and :meth:`attention_weights` for ``ids`` that are not a
    ``(T, B)`` integer tensor of ids in the vocabulary, or bad ``lengths``.
    """

    def __init__(
        self,
        vocabulary_size: int,
        num_tags: int,
        embedding_size: int = 100,
        hidden_size: int = 100,
        attention_size: int = 100,
        padding_id: int = 0,
        dropout: float = 0.0,
        implementation: str = "torch",
        *,
        device=None,
        dtype=None,
    ):
        super().__init__()
        self.vocabulary_size = require_positive_int("vocabulary_size", vocabulary_size)
        self.num_tags = require_positive_int("num_tags", num_tags)
        require_positive_int("embedding_size", embedding_size)
        self.hidden_size = require_positive_int("hidden_size", hidden_size)
        require_positive_int("attention_size", attention_size)
        self.padding_id = _require_padding_id(padding_id, vocabulary_size)
        _require_fraction("dropout", dropout)
        require_choice("implementation", implementation, IMPLEMENTATIONS)
        if dtype is not None:
            require_floating_dtype("dtype", dtype)
        self.implementation = implementation
        self.embedding = nn.Embedding(vocabulary_size, embedding_size, padding_idx=padding_id)
        self.rnn = recurrent_layer(
            "lstm", embedding_size, hidden_size, implementation=implementation, bidirectional=True
        )
        self.attention = AttentionPooling(2 * hidden_size, attention_size)
        self.dropout = nn.Dropout(dropout)
        self.readout = nn.Linear(4 * hidden_size, num_tags)
        self.last_attention: torch.Tensor | None = None
        if device is not None or dtype is not None:
            self.to(device=device, dtype=dtype)

    def forward(self, ids: torch.Tensor, lengths=None) -> torch.Tensor:
        _require_word_ids(ids, self.vocabulary_size)
        steps, batch = ids.shape
        real = real_steps(None, lengths, steps=steps, batch=batch, device=ids.device)  # (T, B)
        counts = None if lengths is None else real.sum(dim=0)
        states, _ = self.rnn(self.dropout(self.embedding(ids)), lengths=counts)  # (T, B, 2H)
        document, weights = self.attention(states, mask=real)  # (B, 2H), (T, B)
        self.last_attention = weights.detach()
        features = torch.cat([states, document.unsqueeze(0).expand_as(states)], dim=-1)  # (T, B, 4H)
        return self.readout(self.dropout(features))

    @torch.no_grad()
    def attention_weights(self, ids: torch.Tensor, lengths=None) -> torch.Tensor:
        r"""The word weights :math:`\alpha` ``(T, B)`` of each document, zero at padded steps (chapter 6).

        Computed without gradients and in the module's current mode (call ``eval()`` first for
        the weights without dropout). Raises ``ValueError`` as ``forward`` does.
        """
        self.forward(ids, lengths)
        return self.last_attention

    def extra_repr(self) -> str:
        return "" if self.implementation == "torch" else f"implementation={self.implementation!r}"
