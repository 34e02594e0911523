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
  (:data:`UNKNOWN_TOKEN`).
* The intent vocabulary (:func:`intent_vocabulary`) also comes from training only (21 intents);
  the six utterances (one validation, five test) whose intent never occurs in training get the
  unknown id, which a classifier trained on the training split never learns to predict: they
  count as errors, as they should.
"""
from __future__ import annotations

import random
import re
from collections import Counter
from pathlib import Path
from typing import Iterable, Sequence

import torch

from ..encoding import _require_word, _require_words
from .download import RemoteFile, fetch
from .tagging import PAD_TAG_ID, Batch, TaggedSentence, TagSet, tagset_of

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
"""The nine ATIS files, ``ATIS_FILES[split][name]`` with ``name`` in :data:`SLOT_FOLDER_FILES`."""

PAD_TOKEN = "<pad>"
UNKNOWN_TOKEN = "<unk>"
DIGIT = "DIGIT"
_DIGIT_CHARACTER = re.compile(r"[0-9]")
_BIO_TAG = re.compile(r"O|[BI]-\S+")


def _read_lines(path: Path) -> list[str]:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ValueError(f"{path}: expected a readable file, got {error.strerror or error}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise ValueError(
            f"{path}, line {line}: expected UTF-8 text, got the bytes {data[error.start:error.end]!r}"
        ) from None
    lines = text.split("\n")
    if lines[-1] == "":  # the newline that ends the last line
        lines.pop()
    return lines


def read_slot_folder(folder: str | Path, split: str) -> list[TaggedSentence]:
    """The tagged sentences, with their intents, of ``<folder>/<split>/{seq.in, seq.out, label}``.

    The layout of the ATIS and SNIPS folders of Goo et al. (2018): line *n* of ``seq.in`` holds
    the words of utterance *n*, line *n* of ``seq.out`` one BIO tag per word, line *n* of
    ``label`` its intent; words and tags are separated by spaces. Any malformed line raises a
    ``ValueError`` naming the file and the line (counted from 1).
    """
    if not isinstance(folder, (str, Path)):
        raise ValueError(f"folder: expected a path, got {type(folder).__name__}: {folder!r}")
    if not isinstance(split, str) or split in ("", ".", "..") or "/" in split or "\\" in split:
        raise ValueError(f"split: expected the name of a sub-folder such as 'train', got {split!r}")
    words_path, tags_path, intent_path = (Path(folder, split, name) for name in SLOT_FOLDER_FILES)
    word_lines, tag_lines, intent_lines = (
        _read_lines(path) for path in (words_path, tags_path, intent_path)
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
            if not _BIO_TAG.fullmatch(tag):
                raise ValueError(
                    f"{tags_path}, line {number}: expected 'O', 'B-<slot>' or 'I-<slot>' "
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
    """The ``'train'``, ``'valid'`` or ``'test'`` utterances of ATIS, fetched and checked.

    See :mod:`companion.data.download` for where the files come from and where they are kept.
    """
    files = ATIS_FILES[_require_atis_split(split)]
    paths = {name: fetch(remote) for name, remote in files.items()}
    folder = paths["seq.in"].parent.parent
    # fetch keeps the <data set>/<split>/<file> layout, so the three files share one folder.
    assert all(path.parent == folder / split for path in paths.values()), paths
    return read_slot_folder(folder, split)


def atis_tagset() -> TagSet:
    """The 127 BIO tags of ATIS: every tag of the training, validation and test splits.

    Seven of them never occur in training; see the module's notes for why the tag set includes
    them.
    """
    return tagset_of([sentence for split in ATIS_SPLITS for sentence in load_atis(split)])


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


def _require_sentences(sentences) -> list[TaggedSentence]:
    if isinstance(sentences, (str, TaggedSentence)) or not isinstance(sentences, Iterable):
        raise ValueError(f"sentences: expected a list of TaggedSentence, got {type(sentences).__name__}")
    sentences = list(sentences)
    if not sentences:
        raise ValueError("sentences: expected at least one sentence, got an empty sequence")
    for i, sentence in enumerate(sentences):
        if not isinstance(sentence, TaggedSentence):
            raise ValueError(f"sentences[{i}]: expected a TaggedSentence, got {type(sentence).__name__}")
    return sentences


def word_vocabulary(
    sentences: Iterable[TaggedSentence], *, min_count: int = 1, map_digits: bool = False
) -> Vocabulary:
    """The vocabulary of the words seen at least ``min_count`` times in ``sentences``, in order of first appearance.

    Build it from the training split only. With ``min_count=2`` the words seen once in training
    map to ``<unk>``, so that the ``<unk>`` embedding is trained on rare words and is then a
    sensible stand-in for the unseen words of the test split.
    """
    if isinstance(min_count, bool) or not isinstance(min_count, int) or min_count < 1:
        raise ValueError(f"min_count: expected a positive integer, got {min_count!r}")
    normalize = replace_digits if map_digits else (lambda word: word)
    counts = Counter(
        normalize(word) for sentence in _require_sentences(sentences) for word in sentence.words
    )
    kept = [word for word, count in counts.items() if count >= min_count]
    if not kept:
        raise ValueError(
            f"min_count: expected a count that some word reaches (at most {max(counts.values())}), "
            f"got {min_count}"
        )
    return Vocabulary(kept, padding=True, map_digits=map_digits)


def intent_vocabulary(sentences: Iterable[TaggedSentence]) -> Vocabulary:
    """The vocabulary of the intents of ``sentences`` (no padding), in order of first appearance.

    Multi-intents such as ``atis_flight#atis_airfare`` are one entry each, as the files write them.
    """
    sentences = _require_sentences(sentences)
    missing = [i for i, sentence in enumerate(sentences) if sentence.intent is None]
    if missing:
        raise ValueError(
            f"sentences: expected every sentence to have an intent, got none for sentences {missing[:10]}"
        )
    return Vocabulary(list(dict.fromkeys(s.intent for s in sentences)), padding=False)


def make_id_batch(
    sentences: Sequence[TaggedSentence], vocabulary: Vocabulary, tagset: TagSet
) -> Batch:
    """Pad ``sentences`` into one time-major :class:`Batch` of word ids for an embedding layer.

    ``inputs`` is a ``(T, B)`` LongTensor padded with ``vocabulary.pad_id``; ``tags`` is
    ``(T, B)`` padded with ``PAD_TAG_ID``; ``lengths`` is ``(B,)``.
    """
    if not isinstance(vocabulary, Vocabulary) or vocabulary.pad_id is None:
        raise ValueError(
            "vocabulary: expected a Vocabulary with padding (from word_vocabulary), "
            f"got {vocabulary!r}"
        )
    if not isinstance(tagset, TagSet):
        raise ValueError(f"tagset: expected a TagSet, got {type(tagset).__name__}")
    sentences = _require_sentences(sentences)
    steps = max(len(s) for s in sentences)
    inputs = torch.full((steps, len(sentences)), vocabulary.pad_id, dtype=torch.long)
    tags = torch.full((steps, len(sentences)), PAD_TAG_ID, dtype=torch.long)
    for b, sentence in enumerate(sentences):
        inputs[: len(sentence), b] = vocabulary.encode(sentence.words)
        tags[: len(sentence), b] = tagset.encode(sentence.tags)
    lengths = torch.tensor([len(s) for s in sentences], dtype=torch.long)
    return Batch(inputs, tags, lengths, sentences)


def make_id_batches(
    sentences: Sequence[TaggedSentence],
    vocabulary: Vocabulary,
    tagset: TagSet,
    batch_size: int,
    shuffle_seed: int | None = None,
) -> list[Batch]:
    """Split ``sentences`` into :func:`make_id_batch` batches of ``batch_size`` (the last may be smaller).

    With ``shuffle_seed`` the sentences are shuffled (reproducibly) before splitting.
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size: expected a positive integer, got {batch_size!r}")
    sentences = _require_sentences(sentences)
    order = list(range(len(sentences)))
    if shuffle_seed is not None:
        random.Random(shuffle_seed).shuffle(order)
    return [
        make_id_batch([sentences[i] for i in order[start : start + batch_size]], vocabulary, tagset)
        for start in range(0, len(order), batch_size)
    ]
