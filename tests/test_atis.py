"""The ATIS corpus (chapter 2): the real files, malformed folders, vocabularies and id batches."""
from pathlib import Path

import pytest
import torch

from companion.encoding import Vocabulary, replace_digits
from companion.data import (
    make_batch,
    make_batches,
    ATIS_FILES,
    ATIS_SPLITS,
    PAD_TAG_ID,
    TaggedSentence,
    atis_tagset,
    intent_vocabulary,
    load_atis,
    read_slot_folder,
    tagset_of,
    word_vocabulary,
)
from companion.data.atis import ATIS_COMMIT

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture
def atis_mirror(monkeypatch, tmp_path):
    """Read ATIS from the shared data folder next to the repository, never from the network."""
    if not (SHARED_DATA / "atis").is_dir():
        pytest.skip(f"no data mirror with atis/ at {SHARED_DATA}")
    monkeypatch.setenv("COMPANION_DATA_MIRROR", str(SHARED_DATA))
    monkeypatch.setenv("COMPANION_CACHE", str(tmp_path / "cache"))


# ---- the real corpus -------------------------------------------------------------------------


def test_the_nine_files_are_pinned_to_one_commit():
    assert set(ATIS_FILES) == set(ATIS_SPLITS)
    for split, files in ATIS_FILES.items():
        assert set(files) == {"seq.in", "seq.out", "label"}
        for name, remote in files.items():
            assert remote.path == f"atis/{split}/{name}"
            assert remote.url == (
                f"https://raw.githubusercontent.com/MiuLab/SlotGated-SLU/{ATIS_COMMIT}/data/atis/{split}/{name}"
            )


@pytest.mark.parametrize("split, utterances, tokens", [("train", 4478, 50497), ("valid", 500, 5703), ("test", 893, 9164)])
def test_split_sizes_match_the_manifest(atis_mirror, split, utterances, tokens):
    sentences = load_atis(split)
    assert len(sentences) == utterances
    assert sum(len(s) for s in sentences) == tokens
    assert all(s.intent for s in sentences)


def test_first_training_sentence(atis_mirror):
    first = load_atis("train")[0]
    assert first.words == tuple("i want to fly from baltimore to dallas round trip".split())
    assert first.tags == (
        "O", "O", "O", "O", "O", "B-fromloc.city_name", "O", "B-toloc.city_name", "B-round_trip", "I-round_trip",
    )
    assert first.intent == "atis_flight"
    assert load_atis("train")[1].intent == "atis_airfare"


def test_the_tag_set_covers_every_split_so_test_tags_encode(atis_mirror):
    tagset = atis_tagset()
    assert len(tagset) == 127 and tagset.tags[0] == "O"
    train_only = tagset_of(load_atis("train"))
    assert len(train_only) == 120
    assert "B-booking_class" in tagset.tags and "B-booking_class" not in train_only.tags
    for split in ATIS_SPLITS:
        for sentence in load_atis(split):
            tagset.encode(sentence.tags)


def test_vocabularies_come_from_training_only(atis_mirror):
    train, test = load_atis("train"), load_atis("test")
    words = word_vocabulary(train)
    train_words = {w for s in train for w in s.words}
    unseen = sorted({w for s in test for w in s.words} - train_words)
    assert unseen  # the test split has words training never shows
    assert len(words) == len(train_words) + 2
    assert words.encode(unseen).eq(words.unknown_id).all()
    assert all(w in words for w in train_words)

    intents = intent_vocabulary(train)
    assert intents.pad_id is None
    assert len(intents) == 21 + 1
    assert intents.index("atis_flight#atis_airfare") != intents.unknown_id
    assert intents.index("atis_day_name") == intents.unknown_id  # a test-only intent


def test_digit_mapping_shrinks_the_atis_vocabulary(atis_mirror):
    train = load_atis("train")
    plain, mapped = word_vocabulary(train), word_vocabulary(train, map_digits=True)
    assert "1000" in plain and "1000" in mapped
    assert "DIGITDIGITDIGITDIGIT" in mapped.entries and "1000" not in mapped.entries
    assert mapped.index("9999") == mapped.index("1000")
    assert len(mapped) < len(plain)


# ---- the folder layout, and malformed data ----------------------------------------------------


def write_split(folder: Path, seq_in: str, seq_out: str, label: str, split: str = "train") -> Path:
    (folder / split).mkdir(parents=True, exist_ok=True)
    for name, text in (("seq.in", seq_in), ("seq.out", seq_out), ("label", label)):
        (folder / split / name).write_text(text, encoding="utf-8")
    return folder


GOOD = (
    "fly to dallas\nshow fares\n",
    "O O B-toloc.city_name\nO O\n",
    "atis_flight\natis_airfare#atis_flight\n",
)


def test_reads_any_folder_in_the_layout(tmp_path):
    sentences = read_slot_folder(write_split(tmp_path, *GOOD, split="dev"), "dev")
    assert sentences == [
        TaggedSentence(("fly", "to", "dallas"), ("O", "O", "B-toloc.city_name"), "atis_flight"),
        TaggedSentence(("show", "fares"), ("O", "O"), "atis_airfare#atis_flight"),
    ]


def test_a_last_line_without_newline_is_read(tmp_path):
    folder = write_split(tmp_path, *(text.rstrip("\n") for text in GOOD))
    assert len(read_slot_folder(folder, "train")) == 2


@pytest.mark.parametrize(
    "seq_in, seq_out, label, message",
    [
        (
            GOOD[0], "O O B-toloc.city_name\nO\n", GOOD[2],
            r"seq\.out, line 2: expected 2 tags \(one per word of .*seq\.in, line 2: 'show fares'\), got 1",
        ),
        (
            GOOD[0], "O O B-toloc.city_name\n", GOOD[2],
            r"seq\.out: expected 2 lines \(one per utterance of .*seq\.in\), got 1; .*seq\.out ends before line 2",
        ),
        (
            GOOD[0], GOOD[1], "atis_flight\natis_airfare\natis_flight\n",
            r"label: expected 2 lines .* got 3; .*seq\.in ends before line 3",
        ),
        (
            "fly to dallas\n\nshow fares\n", "O O B-toloc.city_name\n\nO O\n", "a\nb\nc\n",
            r"seq\.in, line 2: expected the words of an utterance, got an empty line",
        ),
        (
            GOOD[0], GOOD[1], "atis_flight\n \n",
            r"label, line 2: expected the intent of an utterance, got an empty line",
        ),
        (
            GOOD[0], "O O B-toloc.city_name\nO X-fare\n", GOOD[2],
            r"seq\.out, line 2: expected 'O', 'B-<slot>' or 'I-<slot>' \(tag 2, for the word 'fares'\), got 'X-fare'",
        ),
        (
            GOOD[0], "O O B-\nO O\n", GOOD[2],
            r"seq\.out, line 1: expected 'O', 'B-<slot>' or 'I-<slot>' \(tag 3, for the word 'dallas'\), got 'B-'",
        ),
        (
            GOOD[0], GOOD[1], "atis_flight\natis airfare\n",
            r"label, line 2: expected one intent \(several are joined with '#', without spaces\), got 'atis airfare'",
        ),
        ("", "", "", r"seq\.in: expected at least one utterance, got an empty file"),
    ],
    ids=[
        "tag count", "fewer tag lines", "more intent lines", "empty line", "empty intent",
        "not BIO", "slot name missing", "two intents", "empty files",
    ],
)
def test_malformed_data_names_the_file_and_line(tmp_path, seq_in, seq_out, label, message):
    with pytest.raises(ValueError, match=message):
        read_slot_folder(write_split(tmp_path, seq_in, seq_out, label), "train")


def test_missing_file_is_named(tmp_path):
    folder = write_split(tmp_path, *GOOD)
    (folder / "train" / "label").unlink()
    with pytest.raises(ValueError, match=r"train[/\\]label: expected a readable file, got No such file"):
        read_slot_folder(folder, "train")


def test_text_that_is_not_utf8_is_named_with_its_line(tmp_path):
    folder = write_split(tmp_path, *GOOD)
    (folder / "train" / "seq.in").write_bytes(b"fly to dallas\nshow f\xe9res\n")
    with pytest.raises(ValueError, match=r"seq\.in: line 2 is not UTF-8 \(byte 0xe9 at offset 20\); expected UTF-8 text"):
        read_slot_folder(folder, "train")


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: load_atis("dev"), r"split: expected one of 'train', 'valid', 'test', got 'dev'"),
        (lambda: read_slot_folder(".", "../train"), r"split: expected the name of a sub-folder such as 'train', got '../train'"),
        (lambda: read_slot_folder(3, "train"), r"folder: expected a path, got int: 3"),
        (lambda: TaggedSentence(("fly",), ("O",), "atis flight"), r"intent: expected None or one non-empty name without spaces, got 'atis flight'"),
    ],
)
def test_bad_arguments_are_rejected_clearly(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_intent_takes_part_in_equality():
    plain = TaggedSentence(("fly",), ("O",))
    assert plain.intent is None
    assert plain == TaggedSentence(("fly",), ("O",), None)
    assert TaggedSentence(("fly",), ("O",), "a") != TaggedSentence(("fly",), ("O",), "b")
    assert len({TaggedSentence(("fly",), ("O",), "a"), TaggedSentence(("fly",), ("O",), "a")}) == 1


# ---- vocabularies and id batches --------------------------------------------------------------

TRAIN = [
    TaggedSentence(("fly", "to", "dallas"), ("O", "O", "B-toloc.city_name"), "atis_flight"),
    TaggedSentence(("fares", "to", "dallas", "under", "1000"), ("O", "O", "B-toloc.city_name", "O", "B-fare_amount"), "atis_airfare"),
]


def test_word_vocabulary_reserves_pad_and_unknown():
    words = word_vocabulary(TRAIN)
    assert words.entries[:2] == ("<pad>", "<unk>") and (words.pad_id, words.unknown_id) == (0, 1)
    assert words.entries[2:] == ("fly", "to", "dallas", "fares", "under", "1000")
    assert words.encode(["fly", "to", "boston"]).tolist() == [2, 3, words.unknown_id]
    assert words.encode(["<pad>"]).tolist() == [words.unknown_id]  # text never looks like padding
    assert words.decode([2, 1, 0]) == ["fly", "<unk>", "<pad>"]
    assert word_vocabulary(TRAIN, min_count=2).entries[2:] == ("to", "dallas")


def test_digits_become_a_placeholder():
    assert replace_digits("1000") == "DIGITDIGITDIGITDIGIT"
    assert replace_digits("ua270") == "uaDIGITDIGITDIGIT"
    assert replace_digits("dallas") == "dallas"
    words = word_vocabulary(TRAIN, map_digits=True)
    assert "DIGITDIGITDIGITDIGIT" in words.entries
    assert words.index("2500") == words.index("1000") != words.unknown_id
    assert words.index("25") == words.unknown_id


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: Vocabulary(["a", "<unk>"]), r"entries: expected no reserved entry \(<pad>, <unk>\), got <unk>"),
        (lambda: Vocabulary(["a", "b", "a"]), r"entries: expected distinct entries, got repeated \['a'\]"),
        (lambda: Vocabulary(["a1"], map_digits=True), r"entries: expected no digits with map_digits=True .* got \['a1'\]"),
        (lambda: Vocabulary(["a"], padding=1), r"padding: expected True or False, got 1"),
        (lambda: word_vocabulary(TRAIN, min_count=0), r"min_count: expected a positive integer, got 0"),
        (lambda: word_vocabulary(TRAIN, min_count=9), r"min_count: expected a count that some word reaches \(at most 2\), got 9"),
        (lambda: word_vocabulary([]), r"sentences: expected at least one sentence"),
        (lambda: intent_vocabulary([TaggedSentence(("a",), ("O",))]), r"sentences: expected every sentence to have an intent, got none for sentences \[0\]"),
        (lambda: word_vocabulary(TRAIN).decode([0, 99]), r"ids: expected ids in 0..7, got \[99\]"),
        (lambda: word_vocabulary(TRAIN).encode("fly"), r"words: expected a list of words, got str"),
        (lambda: make_batch(TRAIN, intent_vocabulary(TRAIN), tagset_of(TRAIN)), r"vocabulary: this vocabulary has no <pad> entry, so it cannot pad batches"),
        (lambda: make_batches(TRAIN, word_vocabulary(TRAIN), tagset_of(TRAIN), 0), r"batch_size: expected a positive integer, got 0"),
    ],
)
def test_vocabulary_and_batch_arguments_are_checked(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_id_batch_is_time_major_and_padded():
    words, tagset = word_vocabulary(TRAIN), tagset_of(TRAIN)
    assert tagset.tags == ("O", "B-fare_amount", "B-toloc.city_name")
    batch = make_batch(TRAIN, words, tagset)
    assert batch.inputs.dtype == torch.long and batch.inputs.shape == (5, 2)
    assert batch.lengths.tolist() == [3, 5]
    assert batch.inputs[:, 0].tolist() == [2, 3, 4, words.pad_id, words.pad_id]
    assert batch.tags[3:, 0].eq(PAD_TAG_ID).all() and batch.tags[:, 1].ne(PAD_TAG_ID).all()
    assert batch.mask.sum().item() == 8
    assert batch.sentences == TRAIN
    batches = make_batches(TRAIN * 3, words, tagset, 4, shuffle_seed=0)
    assert [len(b.sentences) for b in batches] == [4, 2]
    assert batches[0].to("cpu").inputs.shape[1] == 4
