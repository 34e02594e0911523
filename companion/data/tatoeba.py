"""Chinese–English sentence pairs from Tatoeba, their tokenisers, a grouped seeded split and vocabularies (chapter 6).

The corpus: 24,026 pairs of an English sentence and its Chinese translation (mixed simplified
and traditional characters), collected by Tatoeba volunteers and packaged by manythings.org
(the ``cmn-eng`` release of 2020-11-22), released under CC-BY 2.0 (France); every line carries
its own attribution. The file read here is kept, unchanged, in ``fh3355/MLexp7``, pinned to one
commit and checked by sha256 (:data:`TATOEBA_FILE`). Chapter 6 translates Chinese into English,
so the Chinese sentence is the model's source and the English one its target.

Design choices:

* **Chinese as characters** (:func:`chinese_tokens`): Chinese is written without spaces, and a
  vocabulary of the 3,513 characters of the corpus covers it with no word segmenter.
* **English as the words of sacreBLEU's 13a tokenizer, lower-cased** (:func:`english_tokens`),
  the tokenizer that :func:`~companion.metrics.corpus_bleu` scores with, so that the model's
  tokens joined by spaces are scored exactly as they were predicted.
* **Sentences repeat.** There are 22,054 distinct Chinese sentences and 23,147 distinct English
  ones: one source may have several translations ("Hi." is both 嗨。 and 你好。) and one English
  sentence several sources. :func:`split_tatoeba` keeps every sentence, Chinese or English,
  inside one part, and :func:`group_references` gathers a source's translations into the several
  references that BLEU accepts.
"""
from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import NamedTuple, Sequence

import numpy as np
from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a

from .._checks import is_real, require_choice, require_non_negative_int, require_positive_int
from ..encoding import Vocabulary
from .download import RemoteFile, fetch
from .text import read_lines

TATOEBA_COMMIT = "fc8e41449c8ad7d66cfb304fcfb771d9618e4a67"
TATOEBA_FILE = RemoteFile(
    path="cmn-eng/cmn.txt",
    url=f"https://raw.githubusercontent.com/fh3355/MLexp7/{TATOEBA_COMMIT}/data/cmn.txt",
    sha256="c0c85994bf19bb81491eca60a8aa85115ec110f0487d85b6432326adbd7ca06e",
)
"""The pinned ``cmn.txt`` of manythings.org's Tatoeba release: one English–Chinese pair a line.

A :class:`~companion.data.download.RemoteFile`: a commit-pinned URL and its sha256.

:meta hide-value:
"""

TATOEBA_SIDES = ("chinese", "english")
"""The two languages of a pair, as :func:`tatoeba_vocabulary` names them (chapter 6)."""

_FIELDS = ("english", "chinese", "attribution")
_ENGLISH = Tokenizer13a()


class TranslationPair(NamedTuple):
    """One line of the Tatoeba file (chapter 6): an ``english`` sentence, its ``chinese`` translation, and the line's ``attribution`` (the Tatoeba sentence numbers and their authors)."""

    english: str
    chinese: str
    attribution: str


class TatoebaSplit(NamedTuple):
    """The training, validation and test pairs of :func:`split_tatoeba` (chapter 6)."""

    train: list[TranslationPair]
    valid: list[TranslationPair]
    test: list[TranslationPair]


def _require_text(name: str, text) -> str:
    if not isinstance(text, str):
        raise ValueError(f"{name}: expected a sentence (str), got {type(text).__name__}: {text!r:.60}")
    return text


def chinese_tokens(text: str) -> tuple[str, ...]:
    """The tokens of a Chinese sentence: its characters, after NFKC normalisation, without white space (chapter 6).

    ``"我爱中国。"`` → ``("我", "爱", "中", "国", "。")``. Characters, because Chinese is written
    without spaces between words: the 3,513 distinct characters of the corpus cover it with no
    word segmenter, whose mistakes would become the model's. Every character is a token:
    punctuation too, and the Latin letters and digits of the 245 and 270 sentences that hold
    some ("Tom游泳。" → ``T o m 游 泳 。``), so the vocabulary stays closed. White space and
    invisible format characters (10 zero-width spaces in 5 sentences) are dropped.

    NFKC (Unicode normalisation form KC) first turns full-width forms into their plain ones:
    ``？`` (3,081 times) and ``?`` (465 times) become one token, as do ``，``/``,``,
    ``！``/``!``, ``：``/``:`` and six rarer pairs, 10 types fewer (3,523 → 3,513); ``。`` and
    ``、`` have no plain form and stay. Simplified and traditional forms (爱/愛, 国/國) are
    different characters and stay apart: the corpus mixes both, and converting needs a table
    this course does not ship.

    Raises ``ValueError`` if ``text`` is not a str.
    """
    text = unicodedata.normalize("NFKC", _require_text("text", text))
    return tuple(c for c in text if not c.isspace() and unicodedata.category(c) != "Cf")


def english_tokens(text: str) -> tuple[str, ...]:
    """The tokens of an English sentence: the words of sacreBLEU's ``13a`` tokenizer, lower-cased (chapter 6).

    ``"I don't know."`` → ``("i", "don't", "know", ".")``. The 13a tokenizer (the ``mteval-v13a``
    script of the WMT evaluations, as sacreBLEU ships it) splits punctuation off words but keeps
    contractions and possessives whole (``don't``, ``i'm``, ``tom's``), splits ``p.m.`` into
    ``p . m .``, and keeps numbers such as ``3.50`` and ``100,000`` whole; it also turns the HTML
    entities ``&quot; &amp; &lt; &gt;`` into characters (the corpus has none). It is the
    tokenizer :func:`~companion.metrics.corpus_bleu` applies, and on every English sentence of
    the corpus it gives the same tokens again when run on its own output joined by spaces, so a
    model's output tokens joined by spaces are scored as they are. Lower-casing after
    tokenizing equals lower-casing before on the whole corpus.

    Raises ``ValueError`` if ``text`` is not a str.
    """
    return tuple(_ENGLISH(_require_text("text", text)).lower().split())


def read_tatoeba(path: str | Path) -> list[TranslationPair]:
    """The pairs of a file in the Tatoeba format, one a line: English, Chinese and attribution, separated by tabs (chapter 6).

    The fields are kept as they are. Raises ``ValueError`` naming the file and the line
    (counted from 1) for a line without exactly three tab-separated fields or with an empty
    English or Chinese sentence, for a file without pairs, and for bytes that are not UTF-8
    (:func:`~companion.data.text.read_lines`).
    """
    lines = read_lines(path)
    if not lines:
        raise ValueError(f"{path}: expected one pair a line, got an empty file")
    pairs = []
    for number, line in enumerate(lines, start=1):
        fields = line.split("\t")
        if len(fields) != len(_FIELDS):
            raise ValueError(
                f"{path}, line {number}: expected 3 tab-separated fields (English, Chinese, "
                f"attribution), got {len(fields)}: {line!r:.80}"
            )
        for name, field in zip(_FIELDS[:2], fields):
            if not field.strip():
                raise ValueError(
                    f"{path}, line {number}: expected a non-empty {name.capitalize()} sentence, got {field!r}"
                )
        pairs.append(TranslationPair(*fields))
    return pairs


def load_tatoeba(path: str | Path | None = None) -> list[TranslationPair]:
    """The 24,026 English–Chinese pairs of the Tatoeba file, fetched and checked, in file order (chapter 6).

    Tatoeba (https://tatoeba.org), through manythings.org's ``cmn-eng`` release; CC-BY 2.0
    (France). With ``path`` given, that file is read instead (see :func:`read_tatoeba`);
    otherwise :data:`TATOEBA_FILE` is fetched (:func:`~companion.data.download.fetch`). The
    file is ordered by the length of the English sentence, from "Hi." to a sentence of 34 tokens.

    Raises ``ValueError`` for a fetched file whose sha256 is not the pinned one, and as
    :func:`read_tatoeba` does.
    """
    return read_tatoeba(fetch(TATOEBA_FILE) if path is None else path)


def _require_pairs(pairs) -> list[TranslationPair]:
    if isinstance(pairs, (str, bytes)) or not isinstance(pairs, Sequence):
        raise ValueError(f"pairs: expected a list of TranslationPair, got {type(pairs).__name__}")
    for i, pair in enumerate(pairs):
        if not isinstance(pair, TranslationPair):
            raise ValueError(f"pairs[{i}]: expected a TranslationPair, got {type(pair).__name__}: {pair!r:.60}")
        for name in _FIELDS[:2]:
            if not isinstance(getattr(pair, name), str):
                raise ValueError(f"pairs[{i}].{name}: expected a str, got {type(getattr(pair, name)).__name__}")
    return list(pairs)


def _require_fraction(name: str, value) -> float:
    if not is_real(value) or not 0.0 < value < 1.0:
        raise ValueError(f"{name}: expected a fraction strictly between 0 and 1, got {value!r}")
    return float(value)


def _connected_groups(pairs: list[TranslationPair]) -> list[list[int]]:
    """Pair indices grouped so that two pairs sharing a Chinese or an English sentence share a group."""
    parent = list(range(len(pairs)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]  # path halving keeps the chains short
            i = parent[i]
        return i

    first_with = {}
    for i, pair in enumerate(pairs):
        for key in (("zh", pair.chinese), ("en", pair.english)):
            j = first_with.setdefault(key, i)
            parent[root(i)] = root(j)
    groups: dict[int, list[int]] = {}
    for i in range(len(pairs)):
        groups.setdefault(root(i), []).append(i)
    return list(groups.values())  # in order of each group's first pair


def split_tatoeba(
    pairs: Sequence[TranslationPair], valid_fraction: float = 0.1, test_fraction: float = 0.1, seed: int = 0
) -> TatoebaSplit:
    """Training, validation and test pairs: a seeded split that never puts one sentence in two parts (chapter 6).

    The pairs are first grouped: two pairs that share their Chinese sentence (one source, two
    translations) or their English one (two sources, one translation) share a group, and so on
    through chains (那是什么啊？ and 那是什么？ both give "What is that?"). So every reference of
    a source lies in the part of that source, and no English sentence of the test part was ever
    a training target. The groups, in order of their first pair, are shuffled by
    ``numpy.random.default_rng(seed)``; with :math:`N` pairs, groups go to validation until it
    holds at least ``round(valid_fraction · N)`` pairs, then to test until it holds at least
    ``round(test_fraction · N)``, and the rest to training (a part overshoots its size by less
    than the largest group, 11 pairs). Each part keeps the order of ``pairs``; the same
    ``seed`` gives the same split on every machine.

    Measured on :func:`load_tatoeba`'s 24,026 pairs (21,265 groups of 1 to 11 pairs) with the
    defaults: 19,220 training, 2,403 validation and 2,403 test pairs, with 17,651, 2,209 and
    2,194 distinct Chinese sources. Grouping by the Chinese sentence alone would have left, with
    the same seed, 127 test pairs whose English sentence is also a training target.

    Raises ``ValueError`` for ``pairs`` that are not a list of :class:`TranslationPair`,
    fractions not strictly between 0 and 1 or summing to 1 or more, a ``seed`` that is not a
    non-negative integer, or too few pairs to give every part one.
    """
    pairs = _require_pairs(pairs)
    valid_fraction = _require_fraction("valid_fraction", valid_fraction)
    test_fraction = _require_fraction("test_fraction", test_fraction)
    if valid_fraction + test_fraction >= 1.0:
        raise ValueError(
            f"valid_fraction, test_fraction: expected fractions that sum to less than 1, "
            f"got {valid_fraction} + {test_fraction}"
        )
    seed = require_non_negative_int("seed", seed)
    groups = _connected_groups(pairs)
    n_valid, n_test = round(valid_fraction * len(pairs)), round(test_fraction * len(pairs))
    part_of = {}
    sizes = {"train": 0, "valid": 0, "test": 0}
    for g in np.random.default_rng(seed).permutation(len(groups)):
        part = "valid" if sizes["valid"] < n_valid else "test" if sizes["test"] < n_test else "train"
        for index in groups[g]:
            part_of[index] = part
        sizes[part] += len(groups[g])
    parts = {"train": [], "valid": [], "test": []}
    for index, pair in enumerate(pairs):
        parts[part_of[index]].append(pair)
    empty = [name for name, members in parts.items() if not members]
    if empty or min(n_valid, n_test) < 1:
        raise ValueError(
            f"pairs: expected enough pairs for one in each part with valid_fraction={valid_fraction}, "
            f"test_fraction={test_fraction}, got {len(pairs)} in {len(groups)} groups"
        )
    return TatoebaSplit(parts["train"], parts["valid"], parts["test"])


def filter_by_length(pairs: Sequence[TranslationPair], max_chinese: int, max_english: int) -> list[TranslationPair]:
    """The pairs with at most ``max_chinese`` Chinese tokens and at most ``max_english`` English ones, in order (chapter 6).

    Lengths count :func:`chinese_tokens` (characters, punctuation included) and
    :func:`english_tokens` (words and punctuation). Short pairs let a small model train in a
    minute or two on a CPU. Over the 24,026 pairs the median length is 9 characters and 7
    English tokens (90th percentiles 14 and 10, longest 44 and 34); at most 10 and 10 keep
    15,523 pairs: 12,396 of the 19,220 pairs of :func:`split_tatoeba`'s default training
    part (64.5 %), 1,570 validation and 1,557 test pairs of its 2,403 and 2,403.

    Raises ``ValueError`` for ``pairs`` that are not a list of :class:`TranslationPair`, or a
    maximum that is not a positive integer.
    """
    pairs = _require_pairs(pairs)
    max_chinese = require_positive_int("max_chinese", max_chinese)
    max_english = require_positive_int("max_english", max_english)
    return [
        pair for pair in pairs
        if len(chinese_tokens(pair.chinese)) <= max_chinese and len(english_tokens(pair.english)) <= max_english
    ]


def group_references(pairs: Sequence[TranslationPair]) -> dict[str, tuple[str, ...]]:
    """Each distinct Chinese sentence of ``pairs`` with all its English translations, in order of first appearance (chapter 6).

    ``{"嗨。": ("Hi.",), "你好。": ("Hi.", "Hello!"), ...}``: the several references that BLEU
    accepts for one source (:func:`~companion.metrics.corpus_bleu`), so that a translation is
    not counted wrong for matching another volunteer's translation; a translation given twice
    for one source is kept once. Translate ``list(groups)`` and score against
    ``list(groups.values())``. The 2,403 default test pairs hold 2,194 sources, 161 of them
    with two to seven references.

    Raises ``ValueError`` for ``pairs`` that are not a list of :class:`TranslationPair`.
    """
    groups: dict[str, dict[str, None]] = {}
    for pair in _require_pairs(pairs):
        groups.setdefault(pair.chinese, {}).setdefault(pair.english)
    return {chinese: tuple(english) for chinese, english in groups.items()}


def tatoeba_vocabulary(
    pairs: Sequence[TranslationPair], side: str, *, min_count: int = 2, specials: Sequence[str] = ()
) -> Vocabulary:
    """The vocabulary of one side's tokens seen at least ``min_count`` times in ``pairs``, in order of first appearance (chapter 6).

    ``side`` is ``"chinese"`` (tokens of :func:`chinese_tokens`) or ``"english"``
    (:func:`english_tokens`). Build it from the training pairs only: with ``min_count=2`` the
    tokens seen once map to ``<unk>``, so that its embedding is trained and stands in for the
    unseen tokens of validation and test. Ids: ``<pad>`` 0, ``<unk>`` 1, then ``specials`` (a
    decoder's start and end markers, such as ``<s>`` and ``</s>``), then the tokens. On the
    default training part (:func:`split_tatoeba`): 3,370 characters (2,718 seen twice or more) and 6,134 English
    words (3,647 seen twice or more); the whole corpus has 3,513 characters and 6,793 words.

    Raises ``ValueError`` for ``pairs`` that are not a list of :class:`TranslationPair`, a
    ``side`` other than the two, a ``min_count`` that is not a positive integer or that no
    token reaches, and ``specials`` that are not distinct words, are ``<pad>`` or ``<unk>``, or
    are tokens of the text.
    """
    pairs = _require_pairs(pairs)
    require_choice("side", side, TATOEBA_SIDES)
    tokenize = chinese_tokens if side == "chinese" else english_tokens
    return Vocabulary.from_sequences(
        [tokenize(getattr(pair, side)) for pair in pairs], min_count=min_count, specials=specials
    )
