"""Turning words into model inputs: the lecture's vectors (chapter 1), word ids and windows (chapter 2).

* 1-of-N: one dimension per vocabulary word, plus one "other" dimension shared by every word
  outside the vocabulary.
* Word hashing: a word is the bag of its letter trigrams (``apple`` → ``#ap, app, ppl, ple,
  le#``), so unseen words that look alike get similar vectors (Huang et al. 2013).
* Word ids (:class:`Vocabulary`, chapter 2) for an embedding layer, and
  :func:`context_window`, which joins each step's vector with its neighbours'.
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Iterable, Protocol, Sequence, Union

import torch

from .._checks import require_non_negative_int, require_positive_int

OTHER = "<other>"
WORD_BOUNDARY = "#"
PAD_TOKEN = "<pad>"
#: The entry of a :class:`Vocabulary` that every word outside it maps to (chapter 2).
UNKNOWN_TOKEN = "<unk>"
DIGIT = "DIGIT"
_DIGIT_CHARACTER = re.compile(r"[0-9]")


def _require_word(name: str, word) -> str:
    if not isinstance(word, str):
        raise ValueError(f"{name}: expected a word (str), got {type(word).__name__}: {word!r}")
    if not word or any(ch.isspace() for ch in word):
        raise ValueError(f"{name}: expected one non-empty word without spaces, got {word!r}")
    return word


def _require_words(name: str, words) -> list[str]:
    if isinstance(words, str) or not isinstance(words, Sequence):
        raise ValueError(f"{name}: expected a list of words, got {type(words).__name__}: {words!r}")
    if len(words) == 0:
        raise ValueError(f"{name}: expected at least one word, got an empty sequence")
    return [_require_word(f"{name}[{i}]", word) for i, word in enumerate(words)]


class SentenceEncoder(Protocol):
    """What turns a sentence into a model's input, and pads a batch of them (chapters 1 to 3).

    :class:`OneOfN` and :class:`TrigramHasher` (one vector per word, chapter 1),
    :class:`Vocabulary` (one id per word, chapter 2) and :class:`WordsAndCharacters` (an id and
    the character ids per word, chapter 3) all are: ``encode_sentence(words, dtype)`` gives one
    row per word, ``padding_value`` fills the padded steps of a batch
    (:func:`companion.data.make_batch`).
    """

    padding_value: Union[float, int]

    def encode_sentence(self, words: Sequence[str], dtype: torch.dtype | None = None) -> torch.Tensor: ...


class WordEncoder:
    """Base of chapter 1's word encoders (``encode`` a word); ``encode_sentence`` raises ``ValueError`` for no word."""

    size: int
    padding_value = 0.0
    """What fills the padded steps of a batch (see ``companion.data.make_batch``)."""

    def encode(self, word: str, dtype: torch.dtype = torch.float32) -> torch.Tensor:
        raise NotImplementedError

    def encode_sentence(self, words: Sequence[str], dtype: torch.dtype = torch.float32) -> torch.Tensor:
        """The sentence as a ``(T, size)`` tensor, one row per word; raises ``ValueError`` unless ``words`` is a list of words."""
        words = _require_words("words", words)
        return torch.stack([self.encode(word, dtype) for word in words])


class _InventoryEncoder(WordEncoder):
    """An encoder over a fixed inventory of symbols (words, trigrams) plus one "other" dimension."""

    def __init__(self, argument: str, inventory: Sequence[str]):
        repeated = sorted(item for item, count in Counter(inventory).items() if count > 1)
        if repeated:
            raise ValueError(f"{argument}: expected distinct entries, got repeated {repeated}")
        self._index = {item: i for i, item in enumerate(inventory)}
        self.size = len(inventory) + 1
        self.other_index = len(inventory)

    def position(self, symbol: str) -> int:
        """The dimension of ``symbol``: its inventory index, or the "other" index."""
        return self._index.get(symbol, self.other_index)


class OneOfN(_InventoryEncoder):
    r"""1-of-N encoding with an "other" dimension (chapter 1).

    With vocabulary :math:`w_1, \dots, w_N`, word :math:`w_i` becomes the unit vector
    :math:`e_i \in \{0, 1\}^{N+1}`; every word outside the vocabulary becomes :math:`e_{N+1}`,
    the "other" dimension. Matching is exact (case-sensitive): ``"Taipei"`` and ``"taipei"``
    are different words. Raises ``ValueError`` for a vocabulary that is not distinct words or
    holds ``<other>``, no sentence, a word with spaces or not a str, or an index outside ``0..N``.
    """

    def __init__(self, vocabulary: Sequence[str]):
        words = _require_words("vocabulary", vocabulary)
        if OTHER in words:
            raise ValueError(f"vocabulary: {OTHER!r} is reserved for the 'other' dimension")
        super().__init__("vocabulary", words)
        self.vocabulary = tuple(words)

    @classmethod
    def from_sentences(cls, sentences: Iterable[Sequence[str]], min_count: int = 1) -> "OneOfN":
        """The vocabulary of the words seen at least ``min_count`` times, in order of first appearance."""
        require_positive_int("min_count", min_count)
        counts: Counter[str] = Counter()
        for i, sentence in enumerate(sentences):
            counts.update(_require_words(f"sentences[{i}]", sentence))
        if not counts:
            raise ValueError("sentences: expected at least one sentence, got none")
        return cls([word for word, count in counts.items() if count >= min_count])

    def index(self, word: str) -> int:
        """Position of the 1 in the word's vector: its vocabulary index, or the "other" index."""
        return self.position(_require_word("word", word))

    def label(self, index: int) -> str:
        """The word (or ``<other>``) a dimension stands for."""
        if not 0 <= index < self.size:
            raise ValueError(f"index: expected 0..{self.size - 1}, got {index}")
        return OTHER if index == self.other_index else self.vocabulary[index]

    def encode(self, word: str, dtype: torch.dtype = torch.float32) -> torch.Tensor:
        vector = torch.zeros(self.size, dtype=dtype)
        vector[self.index(word)] = 1
        return vector

    def __repr__(self) -> str:
        return f"OneOfN({len(self.vocabulary)} words + {OTHER})"


def letter_trigrams(word: str) -> list[str]:
    """The letter trigrams of ``#word#`` in order: ``apple`` → ``['#ap', 'app', 'ppl', 'ple', 'le#']``.

    A one-letter word gives one trigram, ``a`` → ``['#a#']``. Repeated trigrams are kept, so a
    word's bag of trigrams counts them (chapter 1). Raises ``ValueError`` if ``word`` is not one
    non-empty word without spaces.
    """
    padded = WORD_BOUNDARY + _require_word("word", word) + WORD_BOUNDARY
    return [padded[i : i + 3] for i in range(len(padded) - 2)]


class TrigramHasher(_InventoryEncoder):
    r"""Word hashing: a word is the count vector of its letter trigrams (chapter 1; Huang et al. 2013).

    .. math::  x_j = \#\{\text{occurrences of trigram } j \text{ in } \#\,\mathrm{word}\,\# \}

    The trigram inventory is fixed when the hasher is built (from training words); trigrams
    outside it are counted in one extra "other" dimension, so an unseen word still gets a
    vector that shares dimensions with the seen words it resembles. Raises ``ValueError`` for no
    trigram, repeated ones or one not of 3 characters, or a word with spaces or not a str.
    """

    def __init__(self, trigrams: Sequence[str]):
        trigrams = list(trigrams)
        if not trigrams:
            raise ValueError("trigrams: expected at least one trigram, got an empty sequence")
        bad = [t for t in trigrams if not isinstance(t, str) or len(t) != 3]
        if bad:
            raise ValueError(f"trigrams: expected strings of exactly 3 characters, got {bad[:5]}")
        super().__init__("trigrams", trigrams)
        self.trigrams = tuple(trigrams)

    @classmethod
    def from_words(cls, words: Iterable[str]) -> "TrigramHasher":
        """The inventory of every trigram of ``words``, in order of first appearance."""
        inventory: dict[str, None] = {}
        for i, word in enumerate(words):
            for trigram in letter_trigrams(_require_word(f"words[{i}]", word)):
                inventory.setdefault(trigram)
        return cls(list(inventory))

    def encode(self, word: str, dtype: torch.dtype = torch.float32) -> torch.Tensor:
        vector = torch.zeros(self.size, dtype=dtype)
        for trigram in letter_trigrams(word):
            vector[self.position(trigram)] += 1
        return vector

    def __repr__(self) -> str:
        return f"TrigramHasher({len(self.trigrams)} trigrams + {OTHER})"


def replace_digits(word: str) -> str:
    """``word`` with every digit 0-9 replaced by ``DIGIT``: ``'1000'`` → ``'DIGITDIGITDIGITDIGIT'``.

    Numbers of the same length then share one vocabulary entry, as in Mesnil et al. (2015)
    (chapter 2). Raises ``ValueError`` if ``word`` is not one non-empty word without spaces.
    """
    return _DIGIT_CHARACTER.sub(DIGIT, _require_word("word", word))


class Vocabulary:
    """Ids for the words (or intents) of a training set; anything else gets the id of ``<unk>`` (chapter 2).

    Ids: ``<pad>`` = 0 (when ``padding``), then ``<unk>``, then ``entries`` in the order given.
    With ``map_digits`` every word is passed through :func:`replace_digits` before it is looked up,
    so the entries themselves must be free of digits.

    A word outside the vocabulary is not an error: it gets ``unknown_id``, one shared embedding
    for every unseen word. That embedding is only trained if some training words map to it,
    hence ``min_count`` in :func:`~companion.data.word_vocabulary`. Raises ``ValueError`` for
    flags that are not bools, entries that are not distinct words, hold ``<pad>``/``<unk>``, or
    hold digits with ``map_digits``; for a word that is not a str without spaces; for ids that
    are not integers in ``0..len - 1``; and for ``padding_value`` without ``<pad>``.
    """

    def __init__(self, entries: Sequence[str], *, padding: bool = True, map_digits: bool = False):
        for name, flag in (("padding", padding), ("map_digits", map_digits)):
            if not isinstance(flag, bool):
                raise ValueError(f"{name}: expected True or False, got {flag!r}")
        entries = _require_words("entries", entries)
        reserved = sorted({PAD_TOKEN, UNKNOWN_TOKEN} & set(entries))
        if reserved:
            raise ValueError(
                f"entries: expected no reserved entry ({PAD_TOKEN}, {UNKNOWN_TOKEN}), "
                f"got {', '.join(reserved)}"
            )
        repeated = sorted(entry for entry, count in Counter(entries).items() if count > 1)
        if repeated:
            raise ValueError(f"entries: expected distinct entries, got repeated {repeated}")
        if map_digits:
            with_digits = [entry for entry in entries if _DIGIT_CHARACTER.search(entry)]
            if with_digits:
                raise ValueError(
                    "entries: expected no digits with map_digits=True (digits become "
                    f"{DIGIT!r} before lookup), got {with_digits[:5]}"
                )
        self.padding = padding
        self.map_digits = map_digits
        self.entries = ((PAD_TOKEN,) if padding else ()) + (UNKNOWN_TOKEN,) + tuple(entries)
        self._index = {entry: i for i, entry in enumerate(self.entries)}
        self.pad_id: int | None = self._index[PAD_TOKEN] if padding else None
        self.unknown_id: int = self._index[UNKNOWN_TOKEN]

    @classmethod
    def from_sequences(
        cls,
        sequences: Iterable[Sequence[str]],
        *,
        min_count: int = 1,
        specials: Sequence[str] = (),
        map_digits: bool = False,
    ) -> "Vocabulary":
        """The vocabulary of the words seen at least ``min_count`` times in ``sequences``, in order of first appearance (chapters 2 and 6).

        Build it from the training part only: with ``min_count=2`` the words seen once map to
        ``<unk>``, so that the ``<unk>`` embedding is trained on rare words and stands in for the
        unseen words of validation and test. Ids: ``<pad>`` 0, ``<unk>`` 1, then ``specials``
        (a decoder's start and end markers, such as ``<s>`` and ``</s>``), then the words. With
        ``map_digits`` the words are counted, and looked up, after :func:`replace_digits`.
        Raises ``ValueError`` for a ``min_count`` that is not a positive integer or that no
        word reaches, ``sequences`` that hold no word or a sequence that is not a list of words,
        and ``specials`` that are not distinct words, are ``<pad>`` or ``<unk>``, or are words of
        ``sequences``.
        """
        require_positive_int("min_count", min_count)
        if isinstance(specials, (list, tuple)) and not specials:
            specials = []
        else:
            specials = _require_words("specials", specials)
            repeated = sorted({s for s in specials if specials.count(s) > 1})
            reserved = sorted({PAD_TOKEN, UNKNOWN_TOKEN} & set(specials))
            if repeated or reserved:
                raise ValueError(
                    f"specials: expected distinct entries other than {PAD_TOKEN} and {UNKNOWN_TOKEN}, got {specials}"
                )
        if isinstance(sequences, (str, bytes)):
            raise ValueError(f"sequences: expected lists of words, got a {type(sequences).__name__}: {sequences!r:.60}")
        normalize = replace_digits if map_digits else (lambda word: word)
        counts: Counter[str] = Counter()
        for i, sequence in enumerate(sequences):
            counts.update(normalize(word) for word in _require_words(f"sequences[{i}]", sequence))
        if not counts:
            raise ValueError("sequences: expected at least one sentence, got none")
        kept = [word for word, count in counts.items() if count >= min_count]
        if not kept:
            raise ValueError(
                f"min_count: expected a count that some word reaches (at most {max(counts.values())}), got {min_count}"
            )
        clashing = sorted(set(specials) & set(kept))
        if clashing:
            raise ValueError(f"specials: expected entries that are not tokens of the text, got {clashing}")
        return cls(specials + kept, padding=True, map_digits=map_digits)

    def normalize(self, word: str) -> str:
        """The form under which ``word`` is looked up."""
        return replace_digits(word) if self.map_digits else _require_word("word", word)

    def index(self, word: str) -> int:
        """The id of ``word``, or ``unknown_id`` if it is not in the vocabulary."""
        normalized = self.normalize(word)
        if normalized == PAD_TOKEN:  # a text that happens to contain "<pad>" must not look like padding
            return self.unknown_id
        return self._index.get(normalized, self.unknown_id)

    def encode(self, words: Sequence[str]) -> torch.Tensor:
        """The ids of ``words`` as a 1-D LongTensor."""
        words = _require_words("words", words)
        return torch.tensor([self.index(word) for word in words], dtype=torch.long)

    def encode_sentence(self, words: Sequence[str], dtype: torch.dtype | None = None) -> torch.Tensor:
        """The ids of ``words``, ``(T,)``, for an embedding layer; ids are integers whatever ``dtype``."""
        return self.encode(words)

    @property
    def padding_value(self) -> int:
        if self.pad_id is None:
            raise ValueError("vocabulary: this vocabulary has no <pad> entry, so it cannot pad batches")
        return self.pad_id

    def decode(self, ids) -> list[str]:
        """The entries of ``ids`` (unknown words come back as ``<unk>``)."""
        ids = torch.as_tensor(ids)
        if ids.is_floating_point() or ids.dtype == torch.bool:
            raise ValueError(f"ids: expected integer ids, got dtype {ids.dtype}")
        if ids.dim() > 1:
            raise ValueError(f"ids: expected a 1-D sequence of ids, got shape {tuple(ids.shape)}")
        ids = ids.tolist() if ids.dim() else [ids.item()]
        bad = [i for i in ids if not 0 <= i < len(self.entries)]
        if bad:
            raise ValueError(f"ids: expected ids in 0..{len(self.entries) - 1}, got {bad[:10]}")
        return [self.entries[i] for i in ids]

    def __contains__(self, word) -> bool:
        """Whether ``word`` has an id of its own (after digit mapping), not the unknown id."""
        try:
            return self.index(word) != self.unknown_id
        except ValueError:
            return False

    def __len__(self) -> int:
        return len(self.entries)

    def __repr__(self) -> str:
        specials = [PAD_TOKEN, UNKNOWN_TOKEN] if self.padding else [UNKNOWN_TOKEN]
        digits = ", digits mapped" if self.map_digits else ""
        return f"Vocabulary({len(self.entries) - len(specials)} entries + {' + '.join(specials)}{digits})"


def context_window(vectors: torch.Tensor, radius: int) -> torch.Tensor:
    r"""Each step's vector joined with those of its ``radius`` neighbours on both sides (chapter 2).

    .. math::  x_t = [e_{t-r}; \dots; e_{t-1}; e_t; e_{t+1}; \dots; e_{t+r}]

    ``vectors`` is time-major ``(T, B, E)``; the result is ``(T, B, (2r+1)·E)``. Steps before the
    first and after the last are zero vectors, so the padded steps of a batch must be zero too
    (an ``nn.Embedding`` with ``padding_idx`` gives that). This is the fixed look-ahead that
    Mesnil et al. (2015) feed their "unidirectional" taggers: with it, they see ``r`` future words.
    Raises ``ValueError`` if ``vectors`` is not a 3-D tensor or ``radius`` a non-negative integer.
    """
    if not isinstance(vectors, torch.Tensor) or vectors.dim() != 3:
        shape = tuple(vectors.shape) if isinstance(vectors, torch.Tensor) else type(vectors).__name__
        raise ValueError(f"vectors: expected a 3-D tensor (time, batch, features), got {shape}")
    require_non_negative_int("radius", radius)
    if radius == 0:
        return vectors
    steps = vectors.shape[0]
    edge = vectors.new_zeros(radius, *vectors.shape[1:])
    padded = torch.cat([edge, vectors, edge])
    return torch.cat([padded[offset : offset + steps] for offset in range(2 * radius + 1)], dim=-1)
