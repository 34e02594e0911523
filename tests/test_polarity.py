"""Sentence polarity v1.0 (chapter 6): the real files, the seeded stratified split, the vocabulary, malformed and corrupt files."""
from pathlib import Path

import pytest

from companion.data import (
    POLARITY_FILES,
    POLARITY_LABELS,
    PolaritySentence,
    load_polarity,
    polarity_vocabulary,
    read_polarity_file,
    split_polarity,
)
from companion.data import download
from companion.data.polarity import POLARITY_COMMIT

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="module")
def sentences():
    """Every sentence, read from the shared data folder next to the repository, never from the network."""
    if not (SHARED_DATA / "rt-polarity").is_dir():
        pytest.skip(f"no data mirror with rt-polarity/ at {SHARED_DATA}")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(download.MIRROR_VARIABLE, str(SHARED_DATA))
        return load_polarity()


# ---- the real data ---------------------------------------------------------------------------


def test_the_files_are_pinned_to_one_commit():
    assert len(POLARITY_COMMIT) == 40
    for name, remote in POLARITY_FILES.items():
        assert POLARITY_COMMIT in remote.url and remote.url.endswith(remote.path.split("/")[1])
        assert remote.path == f"rt-polarity/rt-polarity.{name[:3]}"
    assert POLARITY_LABELS == ("negative", "positive")


def test_5331_negative_then_5331_positive_sentences(sentences):
    labels = [sentence.label for sentence in sentences]
    assert labels == [0] * 5331 + [1] * 5331
    assert sentences[0] == PolaritySentence(("simplistic", ",", "silly", "and", "tedious", "."), 0)
    assert sentences[5331].words[:4] == ("the", "rock", "is", "destined")
    assert all(word == word.lower() for sentence in sentences[:200] for word in sentence.words)


def test_the_default_split_sizes_balance_and_disjointness(sentences):
    split = split_polarity(sentences)
    assert [len(part) for part in split] == [8530, 1066, 1066]
    assert [sum(s.label for s in part) for part in split] == [4265, 533, 533]
    ids = [{id(s) for s in part} for part in split]
    assert not (ids[0] & ids[1] or ids[0] & ids[2] or ids[1] & ids[2])
    assert set().union(*ids) == {id(s) for s in sentences}
    position = {id(s): i for i, s in enumerate(sentences)}
    for part in split:  # each part keeps the order of the data set
        assert [position[id(s)] for s in part] == sorted(position[id(s)] for s in part)


def test_the_split_repeats_with_its_seed_and_changes_with_another(sentences):
    first, again, other = split_polarity(sentences), split_polarity(sentences, seed=0), split_polarity(sentences, seed=1)
    assert first == again
    assert first.test != other.test
    sizes = [len(part) for part in split_polarity(sentences, valid=0.2, test=0.05, seed=3)]
    assert sizes == [10662 - 2 * 1066 - 2 * 267, 2 * 1066, 2 * 267]


def test_the_vocabulary_comes_from_training_and_keeps_repeated_words(sentences):
    split = split_polarity(sentences)
    vocabulary = polarity_vocabulary(split.train)
    assert vocabulary.entries[:2] == ("<pad>", "<unk>") and vocabulary.pad_id == 0
    every = polarity_vocabulary(split.train, min_count=1)
    assert len(every.entries) > len(vocabulary.entries) > 5000
    assert vocabulary.index("good") != vocabulary.unknown_id


# ---- small files and bad input ---------------------------------------------------------------


def test_a_small_file_with_crlf_and_a_bom_is_read(tmp_path):
    path = tmp_path / "small.pos"
    path.write_bytes(b"\xef\xbb\xbfa fine film .\r\nnot bad at all\r\n")
    assert read_polarity_file(path, 1) == [
        PolaritySentence(("a", "fine", "film", "."), 1), PolaritySentence(("not", "bad", "at", "all"), 1)]


@pytest.mark.parametrize("data, message", [
    (b"one line\n\nthird line\n", r"line 2: expected the words of a sentence, got an empty line"),
    (b"one line\n   \n", r"line 2: expected the words of a sentence"),
    (b"", "got an empty file"),
    (b"caf\xe9 au lait\n", "line 1 is not UTF-8"),
])
def test_malformed_files_are_named_with_their_line(tmp_path, data, message):
    path = tmp_path / "bad.neg"
    path.write_bytes(data)
    with pytest.raises(ValueError, match=message) as raised:
        read_polarity_file(path, 0)
    assert "bad.neg" in str(raised.value)


def _toy(negatives=10, positives=10):
    return [PolaritySentence((f"w{i}",), 0) for i in range(negatives)] + [
        PolaritySentence((f"w{i}",), 1) for i in range(positives)]


@pytest.mark.parametrize("call, message", [
    (lambda: read_polarity_file("x", 2), "label: expected 0"),
    (lambda: split_polarity("abc"), "sentences: expected a list of PolaritySentence"),
    (lambda: split_polarity([("a",), 1]), r"sentences\[0\]: expected a PolaritySentence"),
    (lambda: split_polarity([PolaritySentence(("a",), 2)]), r"sentences\[0\].label: expected 0"),
    (lambda: split_polarity(_toy(), valid=0), "valid: expected a fraction"),
    (lambda: split_polarity(_toy(), test=1.5), "test: expected a fraction"),
    (lambda: split_polarity(_toy(), valid=True), "valid: expected a fraction"),
    (lambda: split_polarity(_toy(), valid=0.5, test=0.5), "sum to less than 1"),
    (lambda: split_polarity(_toy(), seed=-1), "seed: expected a non-negative integer"),
    (lambda: split_polarity(_toy(), seed=0.5), "seed: expected a non-negative integer"),
    (lambda: split_polarity(_toy(negatives=2)), "enough sentences of label 0"),
    (lambda: polarity_vocabulary(_toy(), min_count=0), "min_count: expected a positive integer"),
    (lambda: polarity_vocabulary(_toy(), min_count=5), "min_count: expected a count that some word reaches"),
])
def test_bad_arguments_are_rejected_with_their_name(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_a_toy_split_is_stratified():
    split = split_polarity(_toy(30, 10), valid=0.2, test=0.1)
    assert [(len(p), sum(s.label for s in p)) for p in split] == [(28, 7), (8, 2), (4, 1)]


def test_a_corrupt_copy_in_the_mirror_is_refused_and_kept(tmp_path, monkeypatch):
    mirror = tmp_path / "mirror"
    for remote in POLARITY_FILES.values():
        damaged = remote.under(mirror)
        damaged.parent.mkdir(parents=True, exist_ok=True)
        damaged.write_bytes(b"a film .\n")
    monkeypatch.setenv(download.MIRROR_VARIABLE, str(mirror))
    with pytest.raises(ValueError, match="expected sha256 2d11cfbc"):
        load_polarity()
    assert POLARITY_FILES["negative"].under(mirror).is_file()


def test_a_file_missing_from_the_mirror_is_named(tmp_path, monkeypatch):
    (tmp_path / "mirror").mkdir()
    monkeypatch.setenv(download.MIRROR_VARIABLE, str(tmp_path / "mirror"))
    with pytest.raises(FileNotFoundError, match="rt-polarity/rt-polarity.neg"):
        load_polarity()
