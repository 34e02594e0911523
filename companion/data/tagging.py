"""Tagged sentences, BIO tags and their checks, tag sets and padded batches for sequence labelling (chapter 1 onwards).

Slot filling labels every word: ``B-slot`` opens a slot value, ``I-slot`` continues it and ``O``
is outside every slot (the BIO scheme of Ramshaw & Marcus 1995).
"""
from __future__ import annotations

import numbers
import random
import re
from dataclasses import dataclass
from typing import Iterable, Sequence

import torch

from .._checks import require_non_negative_int, require_positive_int
from ..encoding import SentenceEncoder
from ..encoding.words import _require_words

OUTSIDE = "O"
PAD_TAG_ID = -100
"""Tag id at padded positions; ``torch.nn.functional.cross_entropy`` ignores it by default.

It is an id, never a tag: padding has no tag string, so a tag sequence holding ``-100`` (or any
other id) is rejected by :func:`require_tag_sequence`; decode ids with :meth:`TagSet.decode`
and cut each sentence to its length first.
"""

BIO_FORM = "'O', 'B-<slot>' or 'I-<slot>'"
"""How error messages describe a BIO tag."""

_BIO_TAG = re.compile(r"O|[BI]-\S+")


def is_bio_tag(tag) -> bool:
    """Whether ``tag`` is ``O``, ``B-<slot>`` or ``I-<slot>`` with a non-empty slot name without spaces (chapters 1 and 2).

    ATIS slot names hold dots and underscores (``B-fromloc.city_name``, ``I-round_trip``).
    """
    return isinstance(tag, str) and _BIO_TAG.fullmatch(tag) is not None


def _preview(value, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 4] + " ..."


def require_tag_sequence(name: str, tags, bio: bool = True) -> list[str]:
    """The tags of one sentence, one per word, as a list: the check every metric and table shares (chapters 1 and 2).

    With ``bio`` (the default) every tag must be a BIO tag (:func:`is_bio_tag`); without it, any
    string is a tag (the labels of :func:`~companion.metrics.confusion_table`).

    Raises ``ValueError`` naming ``name`` (and ``name[i]`` for a bad tag) if ``tags`` is a string
    or not a sequence, is empty, or holds a tag that is not a string (a tag id such as
    :data:`PAD_TAG_ID`) or, with ``bio``, not a BIO tag.
    """
    kind = "BIO tags" if bio else "tags"
    if isinstance(tags, (str, bytes)) or not isinstance(tags, Sequence):
        hint = "; pass its .tags" if isinstance(tags, TaggedSentence) else ""
        raise ValueError(f"{name}: expected a list of {kind}, got {type(tags).__name__}: {_preview(tags)}{hint}")
    if len(tags) == 0:
        raise ValueError(f"{name}: expected a list of {kind} (one per word of a sentence), got an empty sequence")
    for i, tag in enumerate(tags):
        if not isinstance(tag, str):
            hint = ""
            if isinstance(tag, numbers.Integral):
                hint = "; decode tag ids with TagSet.decode, and cut padded steps off first"
            elif isinstance(tag, Sequence) and not isinstance(tag, bytes):
                hint = f"; {name} is one sentence's tags, not a list of sentences"
            raise ValueError(
                f"{name}[{i}]: expected a tag (a str), got {type(tag).__name__}: {_preview(tag)}{hint}"
            )
        if bio and not _BIO_TAG.fullmatch(tag):
            raise ValueError(f"{name}[{i}]: expected a BIO tag ({BIO_FORM}), got {tag!r}")
    return list(tags)


def require_tag_sequences(
    name: str, sequences, bio: bool = True, like: Sequence[Sequence[str]] | None = None
) -> list[list[str]]:
    """The tags of several sentences, each checked by :func:`require_tag_sequence` (chapters 1 and 2).

    ``like`` is the gold standard (already checked) that predictions are compared with: then
    ``sequences`` must hold one tag sequence per gold sentence, each as long as its gold one.

    Raises ``ValueError`` naming ``name`` if ``sequences`` is a string, not a sequence, empty,
    one sentence's tags not wrapped in a list, or not aligned with ``like``; and naming
    ``name[i]`` for a bad sentence.
    """
    expected = "a list of tag sequences (one per sentence)"
    if isinstance(sequences, (str, bytes)) or not isinstance(sequences, Sequence):
        raise ValueError(f"{name}: expected {expected}, got {type(sequences).__name__}: {_preview(sequences)}")
    if len(sequences) and all(isinstance(tags, str) for tags in sequences):
        raise ValueError(
            f"{name}: expected {expected}, got a {type(sequences).__name__} of str: {_preview(sequences)}; "
            "wrap the tags of a single sentence in a list: [tags]"
        )
    if like is not None and len(sequences) != len(like):
        raise ValueError(
            f"{name}: expected one tag sequence per gold sentence ({len(like)}), got {len(sequences)}"
        )
    if not sequences:
        raise ValueError(f"{name}: expected at least one sentence, got an empty sequence")
    checked = [require_tag_sequence(f"{name}[{i}]", tags, bio) for i, tags in enumerate(sequences)]
    for i, (tags, gold) in enumerate(zip(checked, like or ())):
        if len(tags) != len(gold):
            raise ValueError(f"{name}[{i}]: expected {len(gold)} tags (as many as gold[{i}]), got {len(tags)}")
    return checked


@dataclass(frozen=True)
class TaggedSentence:
    """A sentence and one tag per word; both must have the same, non-zero length (chapters 1 to 3).

    ``intent`` optionally names what the whole sentence asks for (``atis_flight`` in the ATIS
    corpus of chapter 2); it takes part in equality like the words and tags. Raises
    ``ValueError`` if ``words`` is not a non-empty list of words without spaces, ``tags`` is not
    a list of as many tags, or ``intent`` is neither ``None`` nor one name without spaces.
    """

    words: tuple[str, ...]
    tags: tuple[str, ...]
    intent: str | None = None

    def __post_init__(self):
        words = tuple(_require_words("words", list(self.words)))
        intent = self.intent
        if intent is not None and (
            not isinstance(intent, str) or not intent or any(c.isspace() for c in intent)
        ):
            raise ValueError(
                f"intent: expected None or one non-empty name without spaces, got {self.intent!r}"
            )
        if isinstance(self.tags, str) or not isinstance(self.tags, Sequence):
            raise ValueError(f"tags: expected a list of tags, got {type(self.tags).__name__}")
        if len(self.tags) != len(words):
            raise ValueError(
                f"tags: expected one tag per word ({len(words)} words: {' '.join(words)!r}), "
                f"got {len(self.tags)} tags"
            )
        object.__setattr__(self, "words", words)
        object.__setattr__(self, "tags", tuple(self.tags))

    def __len__(self) -> int:
        return len(self.words)

    def __str__(self) -> str:
        return " ".join(f"{w}/{t}" for w, t in zip(self.words, self.tags))


def require_tagged_sentences(name: str, sentences) -> list[TaggedSentence]:
    """``sentences`` as a list, if it is a non-empty iterable of :class:`TaggedSentence` (chapters 1 and 2).

    Raises ``ValueError`` naming ``name`` (or ``name[i]`` for the first element of another
    type) otherwise; a single sentence, or a string, is not a list of sentences.
    """
    if isinstance(sentences, (str, bytes, TaggedSentence)) or not isinstance(sentences, Iterable):
        raise ValueError(f"{name}: expected a list of TaggedSentence, got {type(sentences).__name__}")
    sentences = list(sentences)
    if not sentences:
        raise ValueError(f"{name}: expected at least one sentence, got an empty sequence")
    for i, sentence in enumerate(sentences):
        if not isinstance(sentence, TaggedSentence):
            raise ValueError(f"{name}[{i}]: expected a TaggedSentence, got {type(sentence).__name__}")
    return sentences


class TagSet:
    """The BIO tags a tagger may output, with their ids ``0..len - 1``; unknown tags are errors, never dropped (chapters 1 to 3).

    ``TagSet.from_slots(["destination"])`` gives ``O, B-destination, I-destination``. Raises
    ``ValueError`` if ``tags`` is empty, repeats a tag or holds one that is not a BIO tag.
    """

    def __init__(self, tags: Sequence[str]):
        tags = list(tags)
        if not tags:
            raise ValueError("tags: expected at least one tag, got an empty sequence")
        for tag in tags:
            if not is_bio_tag(tag):
                raise ValueError(f"tags: expected {BIO_FORM}, got {tag!r}")
        if len(set(tags)) != len(tags):
            raise ValueError(f"tags: expected distinct tags, got {tags}")
        self.tags = tuple(tags)
        self._index = {tag: i for i, tag in enumerate(self.tags)}

    @classmethod
    def from_slots(cls, slots: Sequence[str]) -> "TagSet":
        """``O``, then ``B-slot`` and ``I-slot`` for each of ``slots`` in order."""
        return cls([OUTSIDE] + [f"{prefix}-{slot}" for slot in slots for prefix in ("B", "I")])

    @property
    def slots(self) -> list[str]:
        """The slot names of the tags, in order of first appearance."""
        return list(dict.fromkeys(tag[2:] for tag in self.tags if tag != OUTSIDE))

    def __len__(self) -> int:
        return len(self.tags)

    def __iter__(self):
        return iter(self.tags)

    def index(self, tag: str) -> int:
        """The id of ``tag``. Raises ``ValueError`` if it is not in the tag set."""
        try:
            return self._index[tag]
        except (KeyError, TypeError):
            raise ValueError(
                f"tag: expected one of the tag set ({', '.join(self.tags)}), got {tag!r}"
            ) from None

    def encode(self, tags: Sequence[str]) -> torch.Tensor:
        """The ids of ``tags`` as a ``(T,)`` LongTensor. Raises ``ValueError`` for a tag not in the tag set."""
        return torch.tensor([self.index(tag) for tag in tags], dtype=torch.long)

    def decode(self, ids) -> list[str]:
        """The tags of ``ids`` (a sequence or 1-D tensor of integers), e.g. a tagger's argmax over
        one sentence cut to its length. Raises ``ValueError`` for an id outside ``0..len - 1``, such
        as :data:`PAD_TAG_ID`."""
        ids = torch.as_tensor(ids).tolist()
        bad = [i for i in ids if not 0 <= i < len(self.tags)]
        if bad:
            raise ValueError(f"ids: expected tag ids in 0..{len(self.tags) - 1}, got {bad}")
        return [self.tags[i] for i in ids]

    def __repr__(self) -> str:
        return f"TagSet({', '.join(self.tags)})"


@dataclass
class Batch:
    """Padded sentences: ``inputs`` ``(T, B, F)``, ``tags`` ``(T, B)`` (``PAD_TAG_ID`` where padded), ``lengths`` ``(B,)``.

    With word ids instead of word vectors (chapter 2), ``inputs`` is a ``(T, B)`` LongTensor; with
    word and character ids (:class:`~companion.encoding.WordsAndCharacters`, chapter 3) a
    ``(T, B, 1 + max_word_length)`` LongTensor.
    """

    inputs: torch.Tensor
    tags: torch.Tensor
    lengths: torch.Tensor
    sentences: list[TaggedSentence]

    @property
    def mask(self) -> torch.Tensor:
        """``(T, B)``: True at real words, False at padding."""
        steps = torch.arange(self.inputs.shape[0], device=self.lengths.device)
        return steps.unsqueeze(1) < self.lengths.unsqueeze(0)

    def to(self, device) -> "Batch":
        """The batch with its tensors moved to ``device`` (the sentences are shared)."""
        return Batch(self.inputs.to(device), self.tags.to(device), self.lengths.to(device), self.sentences)


def make_batch(
    sentences: Sequence[TaggedSentence],
    encoder: SentenceEncoder,
    tagset: TagSet,
    dtype: torch.dtype = torch.float32,
) -> Batch:
    """Encode and pad ``sentences`` into one time-major :class:`Batch` (chapters 1 to 3).

    With a vector encoder (``OneOfN``, ``TrigramHasher``) ``inputs`` is ``(T, B, F)`` of ``dtype``,
    zero-padded; with a :class:`~companion.encoding.Vocabulary` it is ``(T, B)`` of word ids,
    padded with ``<pad>``'s id, for an embedding layer (chapter 2); with
    :class:`~companion.encoding.WordsAndCharacters` it is ``(T, B, 1 + max_word_length)`` of word
    and character ids (chapter 3). Raises ``ValueError`` if
    ``sentences`` is not a non-empty list of :class:`TaggedSentence`, or for a tag outside
    ``tagset`` or an encoder that cannot pad (a vocabulary without ``<pad>``).
    """
    sentences = require_tagged_sentences("sentences", sentences)
    steps = max(len(s) for s in sentences)
    encoded = [encoder.encode_sentence(sentence.words, dtype) for sentence in sentences]
    inputs = torch.full(
        (steps, len(sentences), *encoded[0].shape[1:]), encoder.padding_value, dtype=encoded[0].dtype
    )
    tags = torch.full((steps, len(sentences)), PAD_TAG_ID, dtype=torch.long)
    for b, (sentence, vectors) in enumerate(zip(sentences, encoded)):
        inputs[: len(sentence), b] = vectors
        tags[: len(sentence), b] = tagset.encode(sentence.tags)
    lengths = torch.tensor([len(s) for s in sentences], dtype=torch.long)
    return Batch(inputs, tags, lengths, list(sentences))


def make_batches(
    sentences: Sequence[TaggedSentence],
    encoder: SentenceEncoder,
    tagset: TagSet,
    batch_size: int,
    shuffle_seed: int | None = None,
    dtype: torch.dtype = torch.float32,
    by_length: bool = False,
) -> list[Batch]:
    """Split ``sentences`` into padded batches of ``batch_size`` (the last may be smaller).

    With ``shuffle_seed`` the sentences are shuffled (reproducibly) before splitting. With
    ``by_length`` they are then sorted by length, so that each batch holds sentences of similar
    lengths and little padding: on ATIS (chapter 2) this makes an epoch about 4 times faster.
    (``train_tagger`` reshuffles the order of the batches every epoch.) Raises ``ValueError`` if
    ``batch_size`` is not a positive integer, or as :func:`make_batch` does.
    """
    require_positive_int("batch_size", batch_size)
    sentences = require_tagged_sentences("sentences", sentences)
    order = list(range(len(sentences)))
    if shuffle_seed is not None:
        random.Random(shuffle_seed).shuffle(order)
    if by_length:
        order.sort(key=lambda i: len(sentences[i]))
    return [
        make_batch([sentences[i] for i in order[start : start + batch_size]], encoder, tagset, dtype)
        for start in range(0, len(order), batch_size)
    ]


START = "<s>"
"""Stands for the positions before the first word in a context window."""


def window_conflict(
    sentences: Sequence[TaggedSentence], before: int
) -> tuple[tuple[str, ...], str, str] | None:
    """A window of ``before`` words plus the current word that ``sentences`` tag in two ways, or ``None``.

    A tagger that sees only such a window (a feed-forward tagger when ``before = 0``) must give
    both occurrences the same tag, so it cannot be right on both (chapter 1). Returns the first
    conflict found as ``(window, one tag, another tag)``; windows reaching before the first word
    are filled with :data:`START`. Raises ``ValueError`` if ``before`` is not a non-negative
    integer or ``sentences`` not a non-empty list of :class:`TaggedSentence`.
    """
    require_non_negative_int("before", before)
    sentences = require_tagged_sentences("sentences", sentences)
    tag_of_window: dict[tuple[str, ...], str] = {}
    for sentence in sentences:
        padded = (START,) * before + sentence.words
        for t, tag in enumerate(sentence.tags):
            window = padded[t : t + before + 1]
            first_tag = tag_of_window.setdefault(window, tag)
            if first_tag != tag:
                return window, first_tag, tag
    return None


def tagset_of(sentences: Sequence[TaggedSentence]) -> TagSet:
    """The tag set of the tags that occur in ``sentences`` (chapter 2).

    ``O`` comes first (even if it does not occur), then the ``B-``/``I-`` tags grouped by slot,
    slots in alphabetical order. Only tags that occur are included: a slot whose values are
    always one word gets no ``I-`` tag. Raises ``ValueError`` if ``sentences`` is not a non-empty
    list of :class:`TaggedSentence`, or holds a tag that is not a BIO tag.
    """
    seen: set[str] = set()
    for sentence in require_tagged_sentences("sentences", sentences):
        seen.update(sentence.tags)
    slotted = sorted(seen - {OUTSIDE}, key=lambda tag: (str(tag)[2:], str(tag)[:2]))
    return TagSet([OUTSIDE] + slotted)
