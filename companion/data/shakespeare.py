"""Tiny Shakespeare, the character-level corpus of char-rnn, and character ids (chapter 4).

One file of 1,115,394 characters (40,000 lines, 65 distinct characters) taken from Shakespeare's
plays, as Karpathy's char-rnn published it (``karpathy/char-rnn``, MIT licence; the text is in
the public domain). The file is pinned to one commit and checked by sha256; see
:mod:`companion.data.download` for the mirror and the cache.

:class:`CharVocabulary` numbers the distinct characters of a text in code-point order, so that
the same text always gives the same ids, and returns NumPy arrays, the inputs of
:mod:`companion.bptt`.
"""
from __future__ import annotations

from typing import Iterable

import numpy as np

from .download import RemoteFile, fetch
from .text import read_text

TINY_SHAKESPEARE_COMMIT = "6f9487a6fe5b420b7ca9afb0d7c078e37c1d1b4e"
TINY_SHAKESPEARE_FILE = RemoteFile(
    path="tinyshakespeare/input.txt",
    url=(
        "https://raw.githubusercontent.com/karpathy/char-rnn/"
        f"{TINY_SHAKESPEARE_COMMIT}/data/tinyshakespeare/input.txt"
    ),
    sha256="86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed",
)
"""The pinned ``input.txt`` of char-rnn's ``data/tinyshakespeare``."""


def load_tiny_shakespeare() -> str:
    """The whole text of Tiny Shakespeare, fetched and checked (chapter 4).

    Read like every text file of the course (:func:`~companion.data.text.read_text`); the pinned
    bytes are ASCII with LF line ends and no byte-order mark, so the text is exactly those bytes.
    """
    return read_text(fetch(TINY_SHAKESPEARE_FILE))


def _describe_character(character: str) -> str:
    return f"{character!r} (U+{ord(character):04X})"


class CharVocabulary:
    """Ids for the distinct characters of a text, in code-point order (chapter 4).

    ``CharVocabulary(text)`` numbers the characters of ``text`` from 0; :meth:`encode` turns a
    string into a 1-D ``int64`` array, :meth:`decode` turns ids back into a string. There is no
    unknown-character id: a character the vocabulary lacks is an error, because a character model
    has no sensible stand-in for it. Raises ``ValueError`` for a ``text`` that is not a non-empty
    string, a character outside the vocabulary, or ids that are not a 1-D sequence of integers in
    ``0..len - 1``.
    """

    def __init__(self, text: str):
        if not isinstance(text, str):
            raise ValueError(f"text: expected a string, got {type(text).__name__}")
        if not text:
            raise ValueError("text: expected at least one character, got an empty string")
        self.characters: tuple[str, ...] = tuple(sorted(set(text)))
        self._index = {character: i for i, character in enumerate(self.characters)}

    def __len__(self) -> int:
        return len(self.characters)

    def __contains__(self, character) -> bool:
        return character in self._index

    def __repr__(self) -> str:
        return f"CharVocabulary({len(self)} characters: {''.join(self.characters)!r})"

    def index(self, character: str) -> int:
        """The id of one character."""
        if not isinstance(character, str) or len(character) != 1:
            raise ValueError(f"character: expected a string of one character, got {character!r}")
        if character not in self._index:
            raise ValueError(
                f"character: expected one of the {len(self)} characters of the vocabulary, "
                f"got {_describe_character(character)}"
            )
        return self._index[character]

    def encode(self, text: str) -> np.ndarray:
        """The ids of the characters of ``text``, a 1-D ``int64`` array."""
        if not isinstance(text, str):
            raise ValueError(f"text: expected a string, got {type(text).__name__}")
        try:
            return np.fromiter((self._index[character] for character in text), dtype=np.int64, count=len(text))
        except KeyError:
            position, unknown = next((i, ch) for i, ch in enumerate(text) if ch not in self._index)
            missing = sorted(set(text) - set(self._index))
            raise ValueError(
                f"text: expected only the {len(self)} characters of the vocabulary, got "
                f"{_describe_character(unknown)} at position {position}"
                + (f" ({len(missing)} unknown characters in all: {''.join(missing)!r})" if len(missing) > 1 else "")
            ) from None

    def decode(self, ids: Iterable[int]) -> str:
        """The string of the characters with ids ``ids`` (a 1-D array or a sequence of integers)."""
        if isinstance(ids, (str, bytes)):
            raise ValueError(f"ids: expected a 1-D sequence of integer ids, got {type(ids).__name__}")
        array = np.asarray(ids)
        if array.ndim != 1 or not (array.size == 0 or np.issubdtype(array.dtype, np.integer)):
            raise ValueError(
                f"ids: expected a 1-D sequence of integer ids, got shape {array.shape}, dtype {array.dtype}"
            )
        outside = array[(array < 0) | (array >= len(self))]
        if outside.size:
            raise ValueError(f"ids: expected ids in 0..{len(self) - 1}, got {sorted(set(outside.tolist()))[:10]}")
        return "".join(np.array(self.characters, dtype=object)[array.astype(np.int64)]) if array.size else ""
