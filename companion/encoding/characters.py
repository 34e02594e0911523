"""Word ids with the character ids of each word, for a tagger that also reads how a word is spelt (chapter 3)."""
from __future__ import annotations

from collections import Counter
from typing import Iterable, Sequence

import torch

from .._checks import require_positive_int
from .words import Vocabulary, _DIGIT_CHARACTER, _require_word, _require_words


CHARACTER_PAD_ID = 0
"""The character id that pads a word's characters (and the padded words of a batch)."""
CHARACTER_UNKNOWN_ID = 1
"""The character id of every character outside the inventory."""
DIGIT_CHARACTER = "0"
"""What every digit becomes in :func:`word_characters` with ``map_digits``."""


def word_characters(word: str, map_digits: bool = False) -> list[str]:
    """The characters of ``word``; with ``map_digits`` every digit becomes ``'0'`` (chapter 3).

    ``word_characters('dl838', map_digits=True)`` → ``['d', 'l', '0', '0', '0']``: the spelling
    keeps how many digits there are, not which. Raises ``ValueError`` if ``word`` is not one
    non-empty word without spaces.
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
    batches, padded with 0 (which must be the vocabulary's ``<pad>`` id). Raises ``ValueError``
    if ``words`` is not a :class:`Vocabulary` with ``<pad>`` id 0, ``characters`` not distinct
    single non-space characters or ``max_word_length`` not a positive integer, or for no
    sentence or a word that is not a str without spaces.
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
