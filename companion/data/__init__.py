"""Data: tagged sentences and batches, and the corpora the chapters use."""
from .booking import BOOKING_TAGS, CITIES, generate_booking_corpus
from .tagging import (
    OUTSIDE,
    PAD_TAG_ID,
    START,
    Batch,
    TaggedSentence,
    TagSet,
    make_batch,
    make_batches,
    window_conflict,
)

__all__ = [
    "BOOKING_TAGS",
    "CITIES",
    "OUTSIDE",
    "PAD_TAG_ID",
    "START",
    "Batch",
    "TagSet",
    "TaggedSentence",
    "generate_booking_corpus",
    "make_batch",
    "make_batches",
    "window_conflict",
]
