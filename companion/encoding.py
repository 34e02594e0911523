"""Turning words into vectors: the input encodings of the lecture (chapter 1).

* 1-of-N: one dimension per vocabulary word, plus one "other" dimension shared by every word
  outside the vocabulary.
* Word hashing: a word is the bag of its letter trigrams (``apple`` → ``#ap, app, ppl, ple,
  le#``), so unseen words that look alike get similar vectors (Huang et al. 2013).
* Word ids (:class:`Vocabulary`, chapter 2) for an embedding layer, and word ids with the
  character ids of each word (:class:`WordsAndCharacters`, chapter 3) for a tagger that also
  reads how a word is spelt.
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Iterable, Sequence

import torch

from ._validate import require_non_negative_int, require_positive_int

OTHER = "<other>"
WORD_BOUNDARY = "#"
PAD_TOKEN = "<pad>"
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


class WordEncoder:
    """Base of the word-vector encoders: ``encode`` one word, ``encode_sentence`` a list of words."""

    size: int
    padding_value = 0.0
    """What fills the padded steps of a batch (see ``companion.data.make_batch``)."""

    def encode(self, word: str, dtype: torch.dtype = torch.float32) -> torch.Tensor:
        raise NotImplementedError

    def encode_sentence(self, words: Sequence[str], dtype: torch.dtype = torch.float32) -> torch.Tensor:
        """The sentence as a ``(T, size)`` tensor, one row per word."""
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
    are different words.
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
    word's bag of trigrams counts them.
    """
    padded = WORD_BOUNDARY + _require_word("word", word) + WORD_BOUNDARY
    return [padded[i : i + 3] for i in range(len(padded) - 2)]


class TrigramHasher(_InventoryEncoder):
    r"""Word hashing: a word is the count vector of its letter trigrams (chapter 1; Huang et al. 2013).

    .. math::  x_j = \#\{\text{occurrences of trigram } j \text{ in } \#\,\mathrm{word}\,\# \}

    The trigram inventory is fixed when the hasher is built (from training words); trigrams
    outside it are counted in one extra "other" dimension, so an unseen word still gets a
    vector that shares dimensions with the seen words it resembles.
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

    Numbers of the same length then share one vocabulary entry, as in Mesnil et al. (2015).
    """
    return _DIGIT_CHARACTER.sub(DIGIT, _require_word("word", word))


class Vocabulary:
    """Ids for the words (or intents) of a training set; anything else gets the id of ``<unk>`` (chapter 2).

    Ids: ``<pad>`` = 0 (when ``padding``), then ``<unk>``, then ``entries`` in the order given.
    With ``map_digits`` every word is passed through :func:`replace_digits` before it is looked up,
    so the entries themselves must be free of digits.

    A word outside the vocabulary is not an error: it gets ``unknown_id``, one shared embedding
    for every unseen word. That embedding is only trained if some training words map to it,
    hence ``min_count`` in :func:`word_vocabulary`.
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


CHARACTER_PAD_ID = 0
"""The character id that pads a word's characters (and the padded words of a batch)."""
CHARACTER_UNKNOWN_ID = 1
"""The character id of every character outside the inventory."""
DIGIT_CHARACTER = "0"
"""What every digit becomes in :func:`word_characters` with ``map_digits``."""


def word_characters(word: str, map_digits: bool = False) -> list[str]:
    """The characters of ``word``; with ``map_digits`` every digit becomes ``'0'`` (chapter 3).

    ``word_characters('dl838', map_digits=True)`` → ``['d', 'l', '0', '0', '0']``: the spelling
    keeps how many digits there are, not which.
    """
    word = _require_word("word", word)
    return list(_DIGIT_CHARACTER.sub(DIGIT_CHARACTER, word) if map_digits else word)


class WordsAndCharacters:
    r"""Word ids and the character ids of each word, for a tagger with character features (chapter 3).

    Word :math:`w_t` with characters :math:`c_{t,1} \dots c_{t,n}` becomes the row

    .. math::  [\,\mathrm{id}(w_t),\ \mathrm{cid}(c_{t,1}),\ \dots,\ \mathrm{cid}(c_{t,n}),\ 0,\ \dots,\ 0\,]

    of ``1 + max_word_length`` integers: the word's id in ``words`` (a :class:`Vocabulary`, so an
    unseen word gets ``<unk>``'s id), then one id per character (:data:`CHARACTER_PAD_ID` = 0
    pads, :data:`CHARACTER_UNKNOWN_ID` = 1 stands for characters outside ``characters``, the
    inventory starts at 2). A word longer than ``max_word_length`` keeps its first
    ``max_word_length`` characters. Digits are mapped as the vocabulary maps them
    (:func:`word_characters`). An unseen word thus shares the ``<unk>`` embedding with every other
    unseen word, but not its spelling. ``encode_sentence(words)`` gives ``(T, 1 + max_word_length)``
    and :func:`~companion.data.make_batch` turns sentences into ``(T, B, 1 + max_word_length)``
    batches, padded with 0 (which must be the vocabulary's ``<pad>`` id).
    """

    padding_value = CHARACTER_PAD_ID

    def __init__(self, words: Vocabulary, characters: Sequence[str], max_word_length: int = 20):
        if not isinstance(words, Vocabulary):
            raise ValueError(f"words: expected a Vocabulary, got {type(words).__name__}")
        if words.pad_id != CHARACTER_PAD_ID:
            raise ValueError(
                f"words: expected a vocabulary with <pad> id {CHARACTER_PAD_ID} (padding=True), "
                f"got <pad> id {words.pad_id}"
            )
        if isinstance(characters, str) or not isinstance(characters, Sequence):
            raise ValueError(f"characters: expected a list of characters, got {type(characters).__name__}")
        bad = [c for c in characters if not isinstance(c, str) or len(c) != 1 or c.isspace()]
        if bad:
            raise ValueError(f"characters: expected single non-space characters, got {bad[:5]}")
        repeated = sorted(c for c, count in Counter(characters).items() if count > 1)
        if repeated:
            raise ValueError(f"characters: expected distinct characters, got repeated {repeated}")
        require_positive_int("max_word_length", max_word_length)
        self.words = words
        self.characters = tuple(characters)
        self.max_word_length = max_word_length
        self._character_index = {c: i + 2 for i, c in enumerate(self.characters)}

    @classmethod
    def from_sentences(
        cls, words: Vocabulary, sentences: Iterable[Sequence[str]], max_word_length: int = 20
    ) -> "WordsAndCharacters":
        """The characters of the words of ``sentences`` (the training split), in order of first appearance."""
        if not isinstance(words, Vocabulary):
            raise ValueError(f"words: expected a Vocabulary, got {type(words).__name__}")
        inventory: dict[str, None] = {}
        for i, sentence in enumerate(sentences):
            for word in _require_words(f"sentences[{i}]", sentence):
                inventory.update(dict.fromkeys(word_characters(word, words.map_digits)))
        if not inventory:
            raise ValueError("sentences: expected at least one sentence, got none")
        return cls(words, list(inventory), max_word_length)

    @property
    def num_characters(self) -> int:
        """How many character ids there are: padding, unknown and the inventory."""
        return len(self.characters) + 2

    @property
    def size(self) -> int:
        """Integers per word: its id and ``max_word_length`` character ids."""
        return 1 + self.max_word_length

    def character_ids(self, word: str) -> list[int]:
        """The ``max_word_length`` character ids of ``word``, padded with :data:`CHARACTER_PAD_ID`."""
        ids = [
            self._character_index.get(c, CHARACTER_UNKNOWN_ID)
            for c in word_characters(word, self.words.map_digits)[: self.max_word_length]
        ]
        return ids + [CHARACTER_PAD_ID] * (self.max_word_length - len(ids))

    def encode_sentence(self, words: Sequence[str], dtype: torch.dtype | None = None) -> torch.Tensor:
        """``(T, 1 + max_word_length)`` integers: each word's id, then its character ids (``dtype`` is ignored)."""
        words = _require_words("words", words)
        return torch.tensor([[self.words.index(w)] + self.character_ids(w) for w in words], dtype=torch.long)

    def __len__(self) -> int:
        """The number of word ids (as for a :class:`Vocabulary`)."""
        return len(self.words)

    def __repr__(self) -> str:
        return (
            f"WordsAndCharacters({self.words!r}, {len(self.characters)} characters + pad + unk, "
            f"max_word_length={self.max_word_length})"
        )
