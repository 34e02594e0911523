"""The Penn Treebank sample that NLTK distributes: 3,914 parsed Wall Street Journal sentences, read from the pinned zip, a split by file, and sentence–tree pairs for parsing as translation (chapter 6).

The sample is the part of the Penn Treebank (Marcus et al. 1993) in files ``wsj_0001`` to
``wsj_0199``, sections 00 and 01 of the Wall Street Journal: 3,914 sentences with their
part-of-speech tags and Treebank-II parse trees, about a tenth of the Treebank. It ships in
NLTK's data repository as ``treebank.zip`` (pinned to one commit of ``nltk/nltk_data`` and
checked by sha256, :data:`TREEBANK_FILE`), which is read in memory, never unpacked; the trees are
the ``.mrg`` files of ``treebank/combined/``. Its licence: "a 10% fragment of Penn Treebank,
(C) LDC 1995 ... made available under fair use for the purposes of illustrating NLTK tools ...
for non-commercial use only".

Design choices:

* **The split is by file, in file order** (:data:`TREEBANK_SPLIT_FILES`): the sample has no
  official split (parsing papers train on sections 02–21 of the full Treebank and test on
  section 23, none of which is here), and sentences of one article share names and topics, so
  no article is cut between parts. Files 1–159 train (3,396 sentences), 160–179 validate (273)
  and 180–199 test (245).
* **Trees are kept as the files hold them** (:class:`TreebankSentence`); :func:`parsing_pairs`
  cleans them (:func:`~companion.trees.clean_tree`) and writes the targets
  (:func:`~companion.trees.linearize`).
"""
from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import NamedTuple, Sequence

from ..trees import Tree, clean_tree, linearize, parse_bracketed, words
from .download import RemoteFile, fetch
from .text import decode_text

TREEBANK_COMMIT = "5db857e6f7df11eabb5e5665836db9ec8df07e28"
TREEBANK_FILE = RemoteFile(
    path="nltk-treebank/treebank.zip",
    url=f"https://raw.githubusercontent.com/nltk/nltk_data/{TREEBANK_COMMIT}/packages/corpora/treebank.zip",
    sha256="9da92d76c3666cfb6cddeaed0f7e86b344cce0f0928a286d439e555f19c37399",
)
"""The pinned ``treebank.zip`` of NLTK's data: the Penn Treebank sample (chapter 6).

A :class:`~companion.data.download.RemoteFile`: a commit-pinned URL and its sha256.

:meta hide-value:
"""

TREEBANK_SPLITS = ("train", "valid", "test")
"""The parts of :func:`split_treebank` (chapter 6)."""
TREEBANK_SPLIT_FILES = {"train": range(1, 160), "valid": range(160, 180), "test": range(180, 200)}
"""The file numbers of each part: ``wsj_0001``–``wsj_0159`` train, ``wsj_0160``–``wsj_0179`` validate, ``wsj_0180``–``wsj_0199`` test (chapter 6).

:meta hide-value:
"""

_MEMBER = re.compile(r"treebank/combined/(wsj_(\d{4}))\.mrg")
_FILE_ID = re.compile(r"wsj_(\d{4})")


class TreebankSentence(NamedTuple):
    """One sentence of the Treebank sample (chapter 6): its file (``"wsj_0001"``), its ``index`` in the file (from 0), and its ``tree`` as the file writes it, unlabelled root, function tags and empty elements included."""

    file_id: str
    index: int
    tree: Tree


class TreebankSplit(NamedTuple):
    """The training, validation and test sentences of :func:`split_treebank` (chapter 6)."""

    train: list[TreebankSentence]
    valid: list[TreebankSentence]
    test: list[TreebankSentence]


class ParsingPair(NamedTuple):
    """One sentence as a translation pair (chapter 6): its ``words`` (the source), its linearised ``target``, and the cleaned gold ``tree`` it comes from."""

    words: tuple[str, ...]
    target: tuple[str, ...]
    tree: Tree


def load_treebank(path: str | Path | None = None) -> list[TreebankSentence]:
    """The 3,914 sentences of the Treebank sample, by file (``wsj_0001`` … ``wsj_0199``) and in file order (chapter 6).

    With ``path`` left out, the zip is :data:`TREEBANK_FILE`, from
    :func:`~companion.data.download.fetch` (the mirror in ``COMPANION_DATA_MIRROR``, else the
    cache, downloading it once; its sha256 is checked on every use); a ``path`` names another
    copy of ``treebank.zip``, read as it is. Each ``treebank/combined/wsj_NNNN.mrg`` member is
    decoded by :func:`~companion.data.text.decode_text` and parsed by
    :func:`~companion.trees.parse_bracketed`. Nothing is written to disk.

    Raises ``ValueError`` for a ``path`` that is not a path, and naming the file (and the member)
    for a file that is not a readable zip, a zip without ``.mrg`` members, bytes that are not
    UTF-8, or brackets that do not parse; for a fetched file whose sha256 is not the pinned one;
    ``FileNotFoundError`` and ``OSError`` as :func:`~companion.data.download.fetch` does.
    """
    if path is None:
        path = fetch(TREEBANK_FILE)
    elif not isinstance(path, (str, Path)):
        raise ValueError(f"path: expected a path to treebank.zip or None, got {type(path).__name__}: {path!r}")
    sentences = []
    try:
        with zipfile.ZipFile(path) as archive:
            members = sorted((m.group(1), m.group(0)) for m in map(_MEMBER.fullmatch, archive.namelist()) if m)
            if not members:
                raise ValueError(f"{path}: expected members treebank/combined/wsj_NNNN.mrg, found none")
            for file_id, member in members:
                text = decode_text(archive.read(member), f"{path}:{member}")
                try:
                    trees = parse_bracketed(text)
                except ValueError as error:
                    raise ValueError(f"{path}:{member}: {error}") from None
                sentences += [TreebankSentence(file_id, index, tree) for index, tree in enumerate(trees)]
    except (zipfile.BadZipFile, OSError) as error:
        raise ValueError(f"{path}: expected a readable zip file, got one that cannot be read ({error})") from None
    return sentences


def _require_sentences(sentences) -> list[TreebankSentence]:
    if isinstance(sentences, (str, bytes)) or not isinstance(sentences, Sequence):
        raise ValueError(f"sentences: expected a list of TreebankSentence, got {type(sentences).__name__}")
    for i, sentence in enumerate(sentences):
        if not isinstance(sentence, TreebankSentence):
            raise ValueError(f"sentences[{i}]: expected a TreebankSentence, got {type(sentence).__name__}")
    return list(sentences)


def split_treebank(sentences: Sequence[TreebankSentence]) -> TreebankSplit:
    """Training, validation and test sentences, split by file as :data:`TREEBANK_SPLIT_FILES` says, each in the given order (chapter 6).

    With :func:`load_treebank`'s 3,914 sentences: 3,396 training (files 1–159), 273 validation
    (160–179) and 245 test sentences (180–199). The sample has no official split; this one is
    fixed, needs no seed, and never cuts an article between parts. Raises ``ValueError`` for
    ``sentences`` that are not a list of :class:`TreebankSentence`, or a ``file_id`` that is not
    ``wsj_0001`` to ``wsj_0199``.
    """
    parts: dict[str, list[TreebankSentence]] = {name: [] for name in TREEBANK_SPLITS}
    for i, sentence in enumerate(_require_sentences(sentences)):
        match = _FILE_ID.fullmatch(sentence.file_id) if isinstance(sentence.file_id, str) else None
        number = int(match.group(1)) if match else -1
        part = next((name for name, numbers in TREEBANK_SPLIT_FILES.items() if number in numbers), None)
        if part is None:
            raise ValueError(f"sentences[{i}].file_id: expected 'wsj_0001' to 'wsj_0199', got {sentence.file_id!r}")
        parts[part].append(sentence)
    return TreebankSplit(parts["train"], parts["valid"], parts["test"])


def parsing_pairs(sentences: Sequence[TreebankSentence], *, pos: str | None = "XX") -> list[ParsingPair]:
    """Each sentence as the translation pair of Vinyals et al. (2015): its words, its cleaned tree linearised with tags ``pos`` (chapter 6).

    The tree is cleaned by :func:`~companion.trees.clean_tree` (no empty elements, function
    tags or unlabelled root), so the words are the sentence's overt tokens, and written by
    :func:`~companion.trees.linearize` (``pos=None`` keeps the part-of-speech tags). Raises
    ``ValueError`` for ``sentences`` that are not a list of :class:`TreebankSentence`, and as
    :func:`~companion.trees.clean_tree` and :func:`~companion.trees.linearize` do.
    """
    pairs = []
    for sentence in _require_sentences(sentences):
        tree = clean_tree(sentence.tree)
        pairs.append(ParsingPair(words(tree), linearize(tree, pos), tree))
    return pairs
