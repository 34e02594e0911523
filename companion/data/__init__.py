"""Data: tagged sentences and batches, the corpora the chapters use, generated tasks (recall, chapter 3; adding, copy memory and Mackey–Glass, chapter 5), the data of chapter 6 (spoken digits and their features, sentence polarity, Inspec key phrases), and the one reader of text files."""
from .atis import (
    ATIS_FILES,
    ATIS_SPLITS,
    atis_tagset,
    intent_vocabulary,
    load_atis,
    read_slot_folder,
    word_vocabulary,
)
from .booking import BOOKING_TAGS, CITIES, generate_booking_corpus
from .download import RemoteFile, cache_folder, fetch
from .tagging import (
    OUTSIDE,
    PAD_TAG_ID,
    START,
    Batch,
    TaggedSentence,
    TagSet,
    make_batch,
    make_batches,
    tagset_of,
    window_conflict,
)
from .shakespeare import TINY_SHAKESPEARE_FILE, CharVocabulary, load_tiny_shakespeare
from .recall import RecallData, generate_recall
from .adding import ADDING_BASELINE_MSE, ADDING_TOLERANCE, AddingData, adding_solved_fraction, generate_adding
from .copy_memory import (
    CopyMemoryData,
    copy_memory_accuracy,
    copy_memory_baseline,
    copy_memory_one_hot,
    generate_copy_memory,
)
from .mackey_glass import mackey_glass
from .text import decode_text, read_lines, read_text
from .fsdd import (
    FSDD_SAMPLE_RATE,
    FSDD_SPEAKERS,
    FSDDSplit,
    Recording,
    SpokenDigits,
    concatenate_digits,
    load_fsdd,
    split_fsdd,
)
from .speech_features import FeatureStandardiser, log_mel

__all__ = [
    "ATIS_FILES",
    "ATIS_SPLITS",
    "BOOKING_TAGS",
    "CITIES",
    "OUTSIDE",
    "PAD_TAG_ID",
    "START",
    "Batch",
    "RemoteFile",
    "TagSet",
    "TaggedSentence",
    "atis_tagset",
    "cache_folder",
    "fetch",
    "generate_booking_corpus",
    "intent_vocabulary",
    "load_atis",
    "make_batch",
    "make_batches",
    "read_slot_folder",
    "tagset_of",
    "window_conflict",
    "word_vocabulary",
    "TINY_SHAKESPEARE_FILE",
    "CharVocabulary",
    "load_tiny_shakespeare",
    "RecallData",
    "generate_recall",
    "ADDING_BASELINE_MSE",
    "ADDING_TOLERANCE",
    "AddingData",
    "adding_solved_fraction",
    "generate_adding",
    "CopyMemoryData",
    "copy_memory_accuracy",
    "copy_memory_baseline",
    "copy_memory_one_hot",
    "generate_copy_memory",
    "mackey_glass",
    "decode_text",
    "read_lines",
    "read_text",
    "FSDD_SAMPLE_RATE",
    "FSDD_SPEAKERS",
    "FSDDSplit",
    "Recording",
    "SpokenDigits",
    "concatenate_digits",
    "load_fsdd",
    "split_fsdd",
    "FeatureStandardiser",
    "log_mel",
]
