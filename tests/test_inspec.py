"""The Inspec key-phrase data (chapter 6): the real archive, the tokenizer, BIO tags of phrases and back, malformed archives."""
import io
import tarfile
import zipfile
from pathlib import Path

import pytest

from companion.data import (
    INSPEC_FILE,
    INSPEC_SPLITS,
    KEYPHRASE_TAGS,
    KeyphraseDocument,
    TaggedSentence,
    keyphrase_sentences,
    keyphrase_tags,
    load_inspec,
    phrases_in_tags,
    present_keyphrases,
    read_inspec,
    tagset_of,
    tokenize,
)
from companion.data import download
from companion.data.inspec import INSPEC_COMMIT

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="module")
def inspec():
    """The three splits, read from the shared data folder next to the repository, never from the network."""
    if not (SHARED_DATA / "inspec").is_dir():
        pytest.skip(f"no data mirror with inspec/ at {SHARED_DATA}")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(download.MIRROR_VARIABLE, str(SHARED_DATA))
        return {split: load_inspec(split) for split in INSPEC_SPLITS}


# ---- the real data ---------------------------------------------------------------------------


def test_the_archive_is_pinned_to_one_commit():
    assert INSPEC_COMMIT in INSPEC_FILE.url and len(INSPEC_COMMIT) == 40
    assert INSPEC_FILE.url.endswith("/Hulth2003.tar.gz") and INSPEC_FILE.path == "inspec/Hulth2003.tar.gz"


@pytest.mark.parametrize("split, documents, phrases", [("train", 1000, 9788), ("valid", 500, 4575), ("test", 500, 4913)])
def test_split_sizes_and_phrase_counts_match_the_manifest(inspec, split, documents, phrases):
    docs = inspec[split]
    assert len(docs) == documents
    assert sum(len(d.keyphrases) for d in docs) == phrases
    assert [d.id for d in docs] == sorted(d.id for d in docs)


def test_the_splits_are_disjoint_and_texts_are_clean(inspec):
    ids = [d.id for split in INSPEC_SPLITS for d in inspec[split]]
    assert len(set(ids)) == 2000
    for d in inspec["train"]:
        assert d.text.startswith(d.title) and len(d.text) > len(d.title)
        assert "  " not in d.text and "\t" not in d.text and "\n" not in d.text and "\r" not in d.text
        assert all(p and p == p.strip() and "  " not in p for p in d.keyphrases)


def test_the_first_training_document(inspec):
    first = inspec["train"][0]
    assert first.id == 6
    assert first.title == "SBC gets more serious on regulatory compliance"
    assert first.keyphrases == ("SBC Communications", "regulatory compliance", "telecom carrier")
    assert present_keyphrases(first) == ["SBC Communications", "regulatory compliance"]


def test_about_a_fifth_of_the_test_phrases_are_absent(inspec):
    test = inspec["test"]
    present = sum(len(present_keyphrases(d)) for d in test)
    assert present == 3798  # Hulth (2003) counts 3816 with stemmed matching
    assert 0.22 < 1 - present / 4913 < 0.24


# ---- tokens and tags -------------------------------------------------------------------------


def test_tokenize_lowercases_and_splits_off_punctuation():
    assert tokenize("Marcus (Cognition 66, p.153) argued: syntax-sensitive Hulth's  rules.") == [
        "marcus", "(", "cognition", "66", ",", "p", ".", "153", ")", "argued", ":",
        "syntax-sensitive", "hulth's", "rules", "."]
    assert tokenize("") == [] and tokenize("  ") == []
    assert tokenize("a - b") == ["a", "-", "b"]


def test_longest_phrases_are_tagged_first_without_overlaps():
    words = tokenize("Recurrent neural networks beat neural networks; neural networks learn")
    tags = keyphrase_tags(words, ["neural networks", "Recurrent Neural Networks", "absent phrase"])
    assert tags == ["B-KP", "I-KP", "I-KP", "O", "B-KP", "I-KP", "O", "B-KP", "I-KP", "O"]
    assert phrases_in_tags(words, tags) == ["recurrent neural networks", "neural networks", "neural networks"]
    # a shorter phrase inside a longer one, and nowhere else, leaves no trace
    assert phrases_in_tags(words[:3], keyphrase_tags(words[:3], ["neural", "recurrent neural networks"])) == [
        "recurrent neural networks"]


def test_tags_of_the_present_phrases_read_back_as_those_phrases(inspec):
    sentences = keyphrase_sentences(inspec["valid"][:100])
    assert all(isinstance(s, TaggedSentence) for s in sentences)
    assert set(tagset_of(sentences)) == set(KEYPHRASE_TAGS)
    for document, sentence in zip(inspec["valid"][:100], sentences):
        assert list(sentence.words) == tokenize(document.text)
        found = set(phrases_in_tags(sentence.words, sentence.tags))
        present = {" ".join(tokenize(p)) for p in present_keyphrases(document)}
        assert found <= present
        # only phrases nested in a longer one everywhere they occur can be lost
        for lost in present - found:
            assert any(lost in longer and lost != longer for longer in present), (document.id, lost)


def test_phrases_in_tags_reads_an_inside_tag_after_outside_as_a_start():
    words = ["a", "b", "c", "d", "e"]
    assert phrases_in_tags(words, ["I-KP", "I-KP", "O", "B-KP", "B-KP"]) == ["a b", "d", "e"]
    assert phrases_in_tags(words, ["O"] * 5) == []


@pytest.mark.parametrize("call, message", [
    (lambda: tokenize(["a"]), "text: expected a string"),
    (lambda: keyphrase_tags("a b", ["a"]), "words: expected a list of words"),
    (lambda: keyphrase_tags(["a", "b"], "a"), "phrases: expected a list of phrases"),
    (lambda: keyphrase_tags(["a", "b"], ["a", 3]), r"phrases\[1\]: expected a phrase"),
    (lambda: keyphrase_tags(["a", "b"], ["a", "  "]), r"phrases\[1\]: expected a phrase with at least one token"),
    (lambda: phrases_in_tags(["a", "b"], ["O"]), "tags: expected one tag per word"),
    (lambda: phrases_in_tags(["a"], ["X"]), r"tags\[0\]: expected a BIO tag"),
    (lambda: present_keyphrases("text"), "document: expected a KeyphraseDocument"),
    (lambda: keyphrase_sentences([]), "documents: expected a non-empty list"),
    (lambda: keyphrase_sentences([KeyphraseDocument(1, "t", "t x", ("x",)), "doc"]), r"documents\[1\]"),
    (lambda: load_inspec("training"), "split: expected one of 'train', 'valid', 'test'"),
])
def test_bad_input_is_rejected_with_its_name(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# ---- malformed archives ----------------------------------------------------------------------

GOOD_ABSTRACT = b"A title that is\r\n\tlong\r\nThe abstract, wrapped\r\n\tover two lines\r\n"


def _archive(tmp_path, files: dict[str, bytes], member: str = "Hulth2003/Validation.zip") -> Path:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    path = tmp_path / "Hulth2003.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        info = tarfile.TarInfo(member)
        info.size = len(inner.getvalue())
        archive.addfile(info, io.BytesIO(inner.getvalue()))
    return path


def test_a_small_archive_is_read_with_its_wraps_undone(tmp_path):
    path = _archive(tmp_path, {"12.abstr": GOOD_ABSTRACT, "12.uncontr": b"first phrase;\r\n\tsecond\r\n",
                               "12.contr": b"ignored\r\n", "3.abstr": GOOD_ABSTRACT, "3.uncontr": b"x"})
    first, second = read_inspec(path, "valid")
    assert (first.id, second.id) == (3, 12)
    assert second.title == "A title that is long"
    assert second.text == "A title that is long The abstract, wrapped over two lines"
    assert second.keyphrases == ("first phrase", "second")


@pytest.mark.parametrize("files, message", [
    ({"12.abstr": GOOD_ABSTRACT, "12.uncontr": b"a", "notes.txt": b"x"}, r"Validation.zip/notes.txt: expected files named"),
    ({"12.abstr": GOOD_ABSTRACT}, r"expected 12.uncontr"),
    ({"12.uncontr": b"a"}, r"expected 12.abstr"),
    ({"12.abstr": b"only a title\r\n", "12.uncontr": b"a"}, r"12.abstr: expected a title line and an abstract"),
    ({"12.abstr": GOOD_ABSTRACT, "12.uncontr": b" ; ;"}, r"12.uncontr: expected key phrases"),
    ({"12.abstr": b"caf\xe9\r\nabstract", "12.uncontr": b"a"}, r"12.abstr: line 1 is not UTF-8"),
    ({}, "expected documents, got none"),
])
def test_malformed_members_are_named(tmp_path, files, message):
    with pytest.raises(ValueError, match=message):
        read_inspec(_archive(tmp_path, files), "valid")


def test_an_archive_without_the_split_or_not_an_archive_is_refused(tmp_path):
    path = _archive(tmp_path, {"12.abstr": GOOD_ABSTRACT, "12.uncontr": b"a"})
    with pytest.raises(ValueError, match="expected the member Hulth2003/Test.zip"):
        read_inspec(path, "test")
    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(b"not an archive")
    with pytest.raises(ValueError, match="expected a gzip-compressed tar archive"):
        read_inspec(broken, "train")


def test_a_corrupt_copy_in_the_mirror_is_refused_and_kept(tmp_path, monkeypatch):
    mirror = tmp_path / "mirror"
    damaged = INSPEC_FILE.under(mirror)
    damaged.parent.mkdir(parents=True)
    damaged.write_bytes(b"\x1f\x8b not the pinned bytes")
    monkeypatch.setenv(download.MIRROR_VARIABLE, str(mirror))
    with pytest.raises(ValueError, match="expected sha256 0cca8dbc"):
        load_inspec("train")
    assert damaged.is_file()
