"""Tagged sentences, BIO tag sets and padded batches for sequence labelling (chapter 1 onwards).

Slot filling labels every word: ``B-slot`` opens a slot value, ``I-slot`` continues it and ``O``
is outside every slot (the BIO scheme of Ramshaw & Marcus 1995).
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Sequence

import torch

from .._validate import require_non_negative_int, require_positive_int
from ..encoding import Vocabulary, WordEncoder, _require_words

OUTSIDE = "O"
PAD_TAG_ID = -100
"""Tag id at padded positions; ``torch.nn.functional.cross_entropy`` ignores it by default."""


@dataclass(frozen=True)
class TaggedSentence:
    """A sentence and one tag per word; both must have the same, non-zero length.

    ``intent`` optionally names what the whole sentence asks for (``atis_flight`` in the ATIS
    corpus of chapter 2); it takes part in equality like the words and tags.
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


class TagSet:
    """The tags a tagger may output, with their ids; unknown tags are errors, never dropped.

    ``TagSet.from_slots(["destination"])`` gives ``O, B-destination, I-destination``.
    """

    def __init__(self, tags: Sequence[str]):
        tags = list(tags)
        if not tags:
            raise ValueError("tags: expected at least one tag, got an empty sequence")
        for tag in tags:
            if tag != OUTSIDE and not (
                isinstance(tag, str) and tag[:2] in ("B-", "I-") and len(tag) > 2
            ):
                raise ValueError(f"tags: expected 'O', 'B-<slot>' or 'I-<slot>', got {tag!r}")
        if len(set(tags)) != len(tags):
            raise ValueError(f"tags: expected distinct tags, got {tags}")
        self.tags = tuple(tags)
        self._index = {tag: i for i, tag in enumerate(self.tags)}

    @classmethod
    def from_slots(cls, slots: Sequence[str]) -> "TagSet":
        return cls([OUTSIDE] + [f"{prefix}-{slot}" for slot in slots for prefix in ("B", "I")])

    @property
    def slots(self) -> list[str]:
        return list(dict.fromkeys(tag[2:] for tag in self.tags if tag != OUTSIDE))

    def __len__(self) -> int:
        return len(self.tags)

    def __iter__(self):
        return iter(self.tags)

    def index(self, tag: str) -> int:
        try:
            return self._index[tag]
        except (KeyError, TypeError):
            raise ValueError(
                f"tag: expected one of the tag set ({', '.join(self.tags)}), got {tag!r}"
            ) from None

    def encode(self, tags: Sequence[str]) -> torch.Tensor:
        return torch.tensor([self.index(tag) for tag in tags], dtype=torch.long)

    def decode(self, ids) -> list[str]:
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

    With word ids instead of word vectors (chapter 2), ``inputs`` is a ``(T, B)`` LongTensor.
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
        return Batch(self.inputs.to(device), self.tags.to(device), self.lengths.to(device), self.sentences)


def make_batch(
    sentences: Sequence[TaggedSentence],
    encoder: WordEncoder | Vocabulary,
    tagset: TagSet,
    dtype: torch.dtype = torch.float32,
) -> Batch:
    """Encode and pad ``sentences`` into one time-major :class:`Batch`.

    With a vector encoder (``OneOfN``, ``TrigramHasher``) ``inputs`` is ``(T, B, F)`` of ``dtype``,
    zero-padded; with a :class:`~companion.encoding.Vocabulary` it is ``(T, B)`` of word ids,
    padded with ``<pad>``'s id, for an embedding layer (chapter 2).
    """
    if not sentences:
        raise ValueError("sentences: expected at least one sentence, got an empty sequence")
    for i, sentence in enumerate(sentences):
        if not isinstance(sentence, TaggedSentence):
            raise ValueError(
                f"sentences[{i}]: expected a TaggedSentence, got {type(sentence).__name__}"
            )
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
    encoder: WordEncoder,
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
    (``train_tagger`` reshuffles the order of the batches every epoch.)
    """
    require_positive_int("batch_size", batch_size)
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
    are filled with :data:`START`.
    """
    require_non_negative_int("before", before)
    if not sentences:
        raise ValueError("sentences: expected at least one sentence, got an empty sequence")
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
    always one word gets no ``I-`` tag.
    """
    if not sentences:
        raise ValueError("sentences: expected at least one sentence, got an empty sequence")
    seen: set[str] = set()
    for i, sentence in enumerate(sentences):
        if not isinstance(sentence, TaggedSentence):
            raise ValueError(
                f"sentences[{i}]: expected a TaggedSentence, got {type(sentence).__name__}"
            )
        seen.update(sentence.tags)
    slotted = sorted(seen - {OUTSIDE}, key=lambda tag: (str(tag)[2:], str(tag)[:2]))
    return TagSet([OUTSIDE] + slotted)
