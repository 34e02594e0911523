"""The ATIS corpus for slot filling and intent detection, word ids and batches (chapter 2).

ATIS (Airline Travel Information System) utterances such as "i want to fly from baltimore to
dallas round trip" carry one BIO slot tag per word and one intent per utterance
(``atis_flight``; a few have several intents joined with ``#``, such as
``atis_flight#atis_airfare``, which count as one intent of their own). The split is the one of
Goo et al. (2018): 4478 training, 500 validation and 893 test utterances, read from files pinned
to one commit of their repository (``MiuLab/SlotGated-SLU``) and checked by sha256.

Design choices:

* The tag set (:func:`atis_tagset`) holds every tag of the three splits (127 tags). The tag
  inventory is part of the task's definition, not something learned: six test tags (such as
  ``B-booking_class``) and one validation tag never occur in training, and a tag set from
  training alone (120 tags) could not even encode those answers. A tagger trained on the
  training split simply never learns to output them, and span F1 counts its misses.
* The word vocabulary (:func:`word_vocabulary`) comes from the training split only, so that the
  validation and test words a tagger has never seen are counted honestly as unknown
  (:data:`~companion.encoding.UNKNOWN_TOKEN`).
* The intent vocabulary (:func:`intent_vocabulary`) also comes from training only (21 intents);
  the six utterances (one validation, five test) whose intent never occurs in training get the
  unknown id, which a classifier trained on the training split never learns to predict: they
  count as errors, as they should.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

from ..encoding import Vocabulary
from .download import RemoteFile, fetch
from .tagging import BIO_FORM, TaggedSentence, TagSet, is_bio_tag, require_tagged_sentences, tagset_of
from .text import read_lines

ATIS_COMMIT = "61f0307c729b1fad479ef1de94aa5ac5dee601b0"
ATIS_SPLITS = ("train", "valid", "test")
SLOT_FOLDER_FILES = ("seq.in", "seq.out", "label")
"""The files of one split of a slot-filling folder: words, BIO tags, intent; one utterance a line."""

_ATIS_SHA256 = {
    "train": {
        "seq.in": "3a670980841b21ab39088b2595efc17d487cdc45769c075a3e5f9458bba28c7f",
        "seq.out": "14c7131bd66562f797dbd7189bc7358f0cf354c6afb0785a9ab973c35b58f34c",
        "label": "d0a771547665eecbdf9f96ea015ef07d1f6ee9f063e861020dafabb3c2a04377",
    },
    "valid": {
        "seq.in": "c7435b96e7948393608c34819628e863c5338f11ca68e8f896d2cc041d8e17f8",
        "seq.out": "83ccff3e36f83a993f8e5b5b82adf3256076f234abda4d784051381d7ac76922",
        "label": "06957cfe6fdffac84f8280bc3a1f8ca85c85631b363817aa4543aac611f8addf",
    },
    "test": {
        "seq.in": "4b2119fc59c37f9398c6605db435d4f467505009e6ee3e5af04fed09f39dc397",
        "seq.out": "a4690d6bceadc06876d1ff99bc401744aa981cb321e598ae12a3859d7be53254",
        "label": "ce4bfe6590d9498e1078f30b4137d3e8b3e94277b444b26360c0bf2e9e282761",
    },
}

ATIS_FILES: dict[str, dict[str, RemoteFile]] = {
    split: {
        name: RemoteFile(
            path=f"atis/{split}/{name}",
            url=(
                "https://raw.githubusercontent.com/MiuLab/SlotGated-SLU/"
                f"{ATIS_COMMIT}/data/atis/{split}/{name}"
            ),
            sha256=sha256,
        )
        for name, sha256 in files.items()
    }
    for split, files in _ATIS_SHA256.items()
}
"""The nine ATIS files, ``ATIS_FILES[split][name]`` with ``name`` in :data:`SLOT_FOLDER_FILES`.

Each is a :class:`~companion.data.download.RemoteFile`: a commit-pinned URL and its sha256.

:meta hide-value:
"""


def read_slot_folder(folder: str | Path, split: str) -> list[TaggedSentence]:
    """The tagged sentences, with their intents, of ``<folder>/<split>/{seq.in, seq.out, label}`` (chapter 2).

    The layout of the ATIS and SNIPS folders of Goo et al. (2018): line *n* of ``seq.in`` holds
    the words of utterance *n*, line *n* of ``seq.out`` one BIO tag per word, line *n* of
    ``label`` its intent; words and tags are separated by spaces. The files are UTF-8, with or
    without a byte-order mark, with LF or CRLF line ends (:func:`~companion.data.text.read_lines`).

    Raises ``ValueError`` for a ``folder`` that is not a path or a ``split`` that is not a
    sub-folder's name, and naming the file and the line (counted from 1) for any malformed line
    and for bytes that are not UTF-8.
    """
    if not isinstance(folder, (str, Path)):
        raise ValueError(f"folder: expected a path, got {type(folder).__name__}: {folder!r}")
    if not isinstance(split, str) or split in ("", ".", "..") or "/" in split or "\\" in split:
        raise ValueError(f"split: expected the name of a sub-folder such as 'train', got {split!r}")
    words_path, tags_path, intent_path = (Path(folder, split, name) for name in SLOT_FOLDER_FILES)
    word_lines, tag_lines, intent_lines = (
        read_lines(path) for path in (words_path, tags_path, intent_path)
    )
    for path, lines in ((tags_path, tag_lines), (intent_path, intent_lines)):
        if len(lines) != len(word_lines):
            shorter = path if len(lines) < len(word_lines) else words_path
            raise ValueError(
                f"{path}: expected {len(word_lines)} lines (one per utterance of {words_path}), "
                f"got {len(lines)}; {shorter} ends before line {min(len(lines), len(word_lines)) + 1}"
            )
    if not word_lines:
        raise ValueError(f"{words_path}: expected at least one utterance, got an empty file")
    sentences = []
    for number, (word_line, tag_line, intent_line) in enumerate(
        zip(word_lines, tag_lines, intent_lines), start=1
    ):
        words, tags, intent = word_line.split(), tag_line.split(), intent_line.split()
        for path, fields, expected in (
            (words_path, words, "the words of an utterance"),
            (tags_path, tags, "the tags of an utterance"),
            (intent_path, intent, "the intent of an utterance"),
        ):
            if not fields:
                raise ValueError(f"{path}, line {number}: expected {expected}, got an empty line")
        if len(tags) != len(words):
            raise ValueError(
                f"{tags_path}, line {number}: expected {len(words)} tags (one per word of "
                f"{words_path}, line {number}: {word_line.strip()!r}), got {len(tags)}"
            )
        for position, tag in enumerate(tags, start=1):
            if not is_bio_tag(tag):
                raise ValueError(
                    f"{tags_path}, line {number}: expected {BIO_FORM} "
                    f"(tag {position}, for the word {words[position - 1]!r}), got {tag!r}"
                )
        if len(intent) != 1:
            raise ValueError(
                f"{intent_path}, line {number}: expected one intent (several are joined with "
                f"'#', without spaces), got {intent_line.strip()!r}"
            )
        sentences.append(TaggedSentence(tuple(words), tuple(tags), intent[0]))
    return sentences


def _require_atis_split(split) -> str:
    if split not in ATIS_SPLITS:
        raise ValueError(f"split: expected one of {', '.join(map(repr, ATIS_SPLITS))}, got {split!r}")
    return split


def load_atis(split: str) -> list[TaggedSentence]:
    """The ``'train'``, ``'valid'`` or ``'test'`` utterances of ATIS, fetched and checked (chapters 2 and 3).

    See :mod:`companion.data.download` for where the files come from and where they are kept.
    Raises ``ValueError`` for another ``split`` or a file whose sha256 is not the pinned one
    (:func:`~companion.data.fetch`).
    """
    files = ATIS_FILES[_require_atis_split(split)]
    paths = {name: fetch(remote) for name, remote in files.items()}
    folder = paths["seq.in"].parent.parent
    # fetch keeps the <data set>/<split>/<file> layout, so the three files share one folder.
    assert all(path.parent == folder / split for path in paths.values()), paths
    return read_slot_folder(folder, split)


def atis_tagset() -> TagSet:
    """The 127 BIO tags of ATIS: every tag of the training, validation and test splits (chapters 2 and 3).

    Seven of them never occur in training; see the module's notes for why the tag set includes
    them.
    """
    return tagset_of([sentence for split in ATIS_SPLITS for sentence in load_atis(split)])


def word_vocabulary(
    sentences: Iterable[TaggedSentence], *, min_count: int = 1, map_digits: bool = False
) -> Vocabulary:
    """The vocabulary of the words seen at least ``min_count`` times in ``sentences``, in order of first appearance (chapter 2).

    Build it from the training split only. With ``min_count=2`` the words seen once in training
    map to ``<unk>``, so that the ``<unk>`` embedding is trained on rare words and is then a
    sensible stand-in for the unseen words of the test split. Raises ``ValueError`` if
    ``min_count`` is not a positive integer or no word reaches it, or if ``sentences`` is not a
    non-empty list of :class:`~companion.data.TaggedSentence`.
    """
    sentences = require_tagged_sentences("sentences", sentences)
    return Vocabulary.from_sequences([s.words for s in sentences], min_count=min_count, map_digits=map_digits)


def intent_vocabulary(sentences: Iterable[TaggedSentence]) -> Vocabulary:
    """The vocabulary of the intents of ``sentences`` (no padding), in order of first appearance (chapter 2).

    Multi-intents such as ``atis_flight#atis_airfare`` are one entry each, as the files write them.
    Raises ``ValueError`` if ``sentences`` is not a non-empty list of
    :class:`~companion.data.TaggedSentence` or one of them has no intent.
    """
    sentences = require_tagged_sentences("sentences", sentences)
    missing = [i for i, sentence in enumerate(sentences) if sentence.intent is None]
    if missing:
        raise ValueError(
            f"sentences: expected every sentence to have an intent, got none for sentences {missing[:10]}"
        )
    return Vocabulary(list(dict.fromkeys(s.intent for s in sentences)), padding=False)
