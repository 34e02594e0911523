"""Sentence polarity v1.0 (Pang and Lee 2005): 5,331 positive and 5,331 negative movie-review sentences, and a seeded split (chapter 6).

Each line of the two files is one sentence of a review snippet from Rotten Tomatoes, already
lower-cased and tokenised by the data set's makers ("the rock is destined to be the 21st
century's new " conan " ..."); a sentence's words are the line's whitespace-separated tokens,
kept as they are. The label is the polarity of the review the snippet came from: 1 positive,
0 negative (:data:`POLARITY_LABELS`).

The originals are Latin-1 text; the copy read here is the UTF-8 conversion kept in
``dennybritz/cnn-text-classification-tf``, pinned to one commit and checked by sha256
(:func:`~companion.data.download.fetch`). The data set has no official split: the papers that
use it report 10-fold cross-validation. :func:`split_polarity` makes one fixed split, seeded
and stratified by label, so that settings are chosen on a validation part and the test part is
read once.
"""
from __future__ import annotations

from typing import NamedTuple, Sequence

import numpy as np

from .._checks import is_integer, is_real, require_non_negative_int
from ..encoding import Vocabulary
from .download import RemoteFile, fetch
from .text import read_lines

POLARITY_COMMIT = "18762b459e21d9c70e5c242f8d43fc4e6db37a0d"
POLARITY_LABELS = ("negative", "positive")
"""The class names by label: ``POLARITY_LABELS[sentence.label]``."""

_POLARITY_SHA256 = {
    "negative": ("rt-polarity.neg", "2d11cfbc790f1cd96d78339f41ce53ced1efa83cd22d37d6788fa3fe3d17e2fd"),
    "positive": ("rt-polarity.pos", "4134882974a28d0c7b5151256f0e33a6169984ee7372c279e673f1114f475d58"),
}

POLARITY_FILES: dict[str, RemoteFile] = {
    name: RemoteFile(
        path=f"rt-polarity/{file_name}",
        url=(
            "https://raw.githubusercontent.com/dennybritz/cnn-text-classification-tf/"
            f"{POLARITY_COMMIT}/data/rt-polaritydata/{file_name}"
        ),
        sha256=sha256,
    )
    for name, (file_name, sha256) in _POLARITY_SHA256.items()
}
"""The two files of sentence polarity v1.0, ``POLARITY_FILES["negative"]`` and ``["positive"]``.

Each is a :class:`~companion.data.download.RemoteFile`: a commit-pinned URL and its sha256.

:meta hide-value:
"""


class PolaritySentence(NamedTuple):
    """One sentence of sentence polarity v1.0 (chapter 6): its ``words`` and its ``label`` (1 positive, 0 negative)."""

    words: tuple[str, ...]
    label: int


class PolaritySplit(NamedTuple):
    """The training, validation and test sentences of :func:`split_polarity` (chapter 6)."""

    train: list[PolaritySentence]
    valid: list[PolaritySentence]
    test: list[PolaritySentence]


def read_polarity_file(path, label: int) -> list[PolaritySentence]:
    """The sentences of one polarity file, one a line, each given ``label`` (chapter 6).

    Raises ``ValueError`` naming the file and the line (counted from 1) for an empty line, a
    ``label`` that is not 0 or 1, a file without sentences, and bytes that are not UTF-8
    (:func:`~companion.data.text.read_lines`).
    """
    if not is_integer(label) or label not in (0, 1):
        raise ValueError(f"label: expected 0 (negative) or 1 (positive), got {label!r}")
    lines = read_lines(path)
    if not lines:
        raise ValueError(f"{path}: expected one sentence a line, got an empty file")
    sentences = []
    for number, line in enumerate(lines, start=1):
        words = line.split()
        if not words:
            raise ValueError(f"{path}, line {number}: expected the words of a sentence, got an empty line")
        sentences.append(PolaritySentence(tuple(words), int(label)))
    return sentences


def load_polarity() -> list[PolaritySentence]:
    """The 10,662 sentences of sentence polarity v1.0, fetched and checked: the 5,331 negative ones, then the 5,331 positive ones, each in file order (chapter 6).

    Pang and Lee (2005), "Seeing stars: exploiting class relationships for sentiment
    categorization with respect to rating scales", ACL. See :mod:`companion.data.download` for
    where the files come from and where they are kept. Raises ``ValueError`` for a file whose
    sha256 is not the pinned one, and as :func:`read_polarity_file` does.
    """
    return [
        sentence
        for label, name in enumerate(POLARITY_LABELS)
        for sentence in read_polarity_file(fetch(POLARITY_FILES[name]), label)
    ]


def _require_fraction(name: str, value) -> float:
    if not is_real(value) or not 0.0 < value < 1.0:
        raise ValueError(f"{name}: expected a fraction strictly between 0 and 1, got {value!r}")
    return float(value)


def _require_sentences(sentences) -> list[PolaritySentence]:
    if isinstance(sentences, (str, bytes)) or not isinstance(sentences, Sequence):
        raise ValueError(f"sentences: expected a list of PolaritySentence, got {type(sentences).__name__}")
    for i, sentence in enumerate(sentences):
        if not isinstance(sentence, PolaritySentence):
            raise ValueError(f"sentences[{i}]: expected a PolaritySentence, got {type(sentence).__name__}")
        if not is_integer(sentence.label) or sentence.label not in (0, 1):
            raise ValueError(f"sentences[{i}].label: expected 0 (negative) or 1 (positive), got {sentence.label!r}")
    return list(sentences)


def split_polarity(
    sentences: Sequence[PolaritySentence], valid: float = 0.1, test: float = 0.1, seed: int = 0
) -> PolaritySplit:
    """Training, validation and test sentences: a seeded split stratified by label (chapter 6).

    Within each label the sentences are shuffled by ``numpy.random.default_rng(seed)``
    (negatives first, then positives, from one generator); of its :math:`n` sentences,
    ``round(valid · n)`` go to validation, ``round(test · n)`` to test and the rest to training,
    so each part keeps the label balance of ``sentences``. Each part is then ordered as in
    ``sentences``. With the defaults and :func:`load_polarity`'s 5,331 + 5,331 sentences:
    8,530 training (4,265 + 4,265), 1,066 validation (533 + 533) and 1,066 test (533 + 533)
    sentences. The same ``seed`` gives the same split on every machine.

    Raises ``ValueError`` for ``sentences`` that are not a list of :class:`PolaritySentence`
    or hold a label other than 0 and 1, ``valid`` or ``test`` not strictly between 0 and 1 or
    summing to 1 or more, a negative or non-integer ``seed``, or a label with too few sentences
    to give every part one.
    """
    sentences = _require_sentences(sentences)
    valid = _require_fraction("valid", valid)
    test = _require_fraction("test", test)
    if valid + test >= 1.0:
        raise ValueError(f"valid, test: expected fractions that sum to less than 1, got {valid} + {test}")
    seed = require_non_negative_int("seed", seed)
    rng = np.random.default_rng(seed)
    part_of = {}
    for label in (0, 1):
        members = [i for i, sentence in enumerate(sentences) if sentence.label == label]
        n_valid, n_test = round(valid * len(members)), round(test * len(members))
        if min(n_valid, n_test, len(members) - n_valid - n_test) < 1:
            raise ValueError(
                f"sentences: expected enough sentences of label {label} ({POLARITY_LABELS[label]}) for "
                f"one in each part with valid={valid}, test={test}, got {len(members)}"
            )
        shuffled = [members[j] for j in rng.permutation(len(members))]
        for position, index in enumerate(shuffled):
            part_of[index] = "valid" if position < n_valid else "test" if position < n_valid + n_test else "train"
    parts = {"train": [], "valid": [], "test": []}
    for index, sentence in enumerate(sentences):
        parts[part_of[index]].append(sentence)
    return PolaritySplit(parts["train"], parts["valid"], parts["test"])


def polarity_vocabulary(sentences: Sequence[PolaritySentence], *, min_count: int = 2) -> Vocabulary:
    """The vocabulary of the words seen at least ``min_count`` times in ``sentences``, in order of first appearance (chapter 6).

    Build it from the training sentences only, as :func:`~companion.data.word_vocabulary` does
    for ATIS: with ``min_count=2`` the words seen once in training map to ``<unk>``, so that the
    ``<unk>`` embedding is trained and stands in sensibly for the unseen words of validation and
    test. Ids: ``<pad>`` 0, ``<unk>`` 1, then the words. Raises ``ValueError`` for ``sentences``
    that are not a list of :class:`PolaritySentence`, a ``min_count`` that is not a positive
    integer, or one that no word reaches.
    """
    sentences = _require_sentences(sentences)
    return Vocabulary.from_sequences([s.words for s in sentences], min_count=min_count)
