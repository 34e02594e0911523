"""Turning words into what a network reads: vectors, ids, windows, characters (chapters 1 to 3).

* :mod:`~companion.encoding.words` — the lecture's encodings (chapter 1): 1-of-N, one dimension
  per vocabulary word plus one "other" dimension shared by every word outside the vocabulary
  (:class:`OneOfN`); word hashing, a word as the bag of its letter trigrams (``apple`` → ``#ap,
  app, ppl, ple, le#``), so that unseen words that look alike get similar vectors
  (:class:`TrigramHasher`, Huang et al. 2013); word ids for an embedding layer
  (:class:`Vocabulary`, chapter 2) and the context window of chapter 2 (:func:`context_window`);
* :mod:`~companion.encoding.characters` — word ids with the character ids of each word
  (:class:`WordsAndCharacters`, chapter 3), for a tagger that also reads how a word is spelt.

Each of them is a :class:`SentenceEncoder`: ``encode_sentence(words)`` gives one row per word.
"""
from .characters import CHARACTER_PAD_ID, CHARACTER_UNKNOWN_ID, DIGIT_CHARACTER, WordsAndCharacters, word_characters
from .words import (
    DIGIT,
    OTHER,
    PAD_TOKEN,
    UNKNOWN_TOKEN,
    WORD_BOUNDARY,
    OneOfN,
    SentenceEncoder,
    TrigramHasher,
    Vocabulary,
    WordEncoder,
    context_window,
    letter_trigrams,
    replace_digits,
)

__all__ = [
    "CHARACTER_PAD_ID",
    "CHARACTER_UNKNOWN_ID",
    "DIGIT",
    "DIGIT_CHARACTER",
    "OTHER",
    "OneOfN",
    "PAD_TOKEN",
    "SentenceEncoder",
    "TrigramHasher",
    "UNKNOWN_TOKEN",
    "Vocabulary",
    "WORD_BOUNDARY",
    "WordEncoder",
    "WordsAndCharacters",
    "context_window",
    "letter_trigrams",
    "replace_digits",
    "word_characters",
]
