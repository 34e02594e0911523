"""The Penn Treebank sample (chapter 6): the pinned zip, its 3,914 trees, the split by file, the round trip of every tree through its linearised form, malformed and corrupt files."""
import zipfile
from collections import Counter
from pathlib import Path

import pytest

from companion.data import download
from companion.data.treebank import (
    TREEBANK_COMMIT,
    TREEBANK_FILE,
    TREEBANK_SPLIT_FILES,
    TREEBANK_SPLITS,
    TreebankSentence,
    load_treebank,
    parsing_pairs,
    split_treebank,
)
from companion.tree_scores import bracket_scores, bracket_spans
from companion.trees import Tree, clean_tree, delinearize, linearize, words

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="module")
def sentences():
    """Every sentence, read from the shared data folder next to the repository, never from the network."""
    if not (SHARED_DATA / "nltk-treebank").is_dir():
        pytest.skip(f"no data mirror with nltk-treebank/ at {SHARED_DATA}")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(download.MIRROR_VARIABLE, str(SHARED_DATA))
        return load_treebank()


# ---- the real data ---------------------------------------------------------------------------


def test_the_file_is_pinned_to_one_commit():
    assert len(TREEBANK_COMMIT) == 40 and TREEBANK_COMMIT in TREEBANK_FILE.url
    assert TREEBANK_FILE.url.endswith("/packages/corpora/treebank.zip")
    assert TREEBANK_FILE.path == "nltk-treebank/treebank.zip"


def test_the_sample_has_3914_trees_in_199_files(sentences):
    assert len(sentences) == 3914
    files = Counter(s.file_id for s in sentences)
    assert sorted(files) == [f"wsj_{n:04d}" for n in range(1, 200)]
    assert sentences[0].file_id == "wsj_0001" and [s.index for s in sentences[:3]] == [0, 1, 0]
    assert all(s.tree.label == "" and len(s.tree.children) == 1 for s in sentences)
    assert sum(len(words(s.tree)) for s in sentences) == 100_676  # 6,592 of them empty elements
    first = clean_tree(sentences[0].tree)
    assert " ".join(words(first)) == "Pierre Vinken , 61 years old , will join the board as a nonexecutive director Nov. 29 ."
    assert str(first).startswith("(S (NP (NP (NNP Pierre) (NNP Vinken)) (, ,) (ADJP")


def test_the_split_is_by_file(sentences):
    split = split_treebank(sentences)
    assert [len(part) for part in split] == [3396, 273, 245]
    for name, part in zip(TREEBANK_SPLITS, split):
        assert {int(s.file_id[4:]) for s in part} == set(TREEBANK_SPLIT_FILES[name])
    assert split.train[0] == sentences[0] and split.test[-1] == sentences[-1]


def test_every_cleaned_tree_survives_linearising_and_rebuilding(sentences):
    pairs = parsing_pairs(sentences)
    assert sum(len(p.words) for p in pairs) == 94_084
    for sentence, pair in zip(sentences, pairs):
        cleaned = clean_tree(sentence.tree)
        assert pair.tree == cleaned and pair.words == words(cleaned)
        assert len(pair.target) == len(pair.words) + 2 * len(bracket_spans(cleaned))  # n + 2c tokens
        tagged = delinearize(linearize(cleaned, pos=None), pair.words)
        assert tagged.well_formed and tagged.tree == cleaned
        with_xx = delinearize(pair.target, pair.words)
        assert with_xx.well_formed and bracket_spans(with_xx.tree) == bracket_spans(cleaned)
    gold = [p.tree for p in pairs]
    assert bracket_scores(gold, [delinearize(p.target, p.words).tree for p in pairs]).exact_match == 1.0


def test_the_targets_use_a_small_vocabulary(sentences):
    pairs = parsing_pairs(split_treebank(sentences).train)
    assert pairs[0].target[:4] == ("(S", "(NP", "(NP", "XX")
    assert len({t for p in pairs for t in p.target}) == 51  # the 25 labels opened and closed, and XX
    tagged = parsing_pairs(split_treebank(sentences).train, pos=None)
    assert len({t for p in tagged for t in p.target}) == 95  # the 25 labels opened and closed, and 45 tags


# ---- files built here ----------------------------------------------------------------------


def _zip(tmp_path, members: dict[str, bytes]) -> Path:
    path = tmp_path / "treebank.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_a_small_zip_is_read_member_by_member(tmp_path):
    path = _zip(tmp_path, {
        "treebank/combined/README": b"not a tree",
        "treebank/combined/wsj_0002.mrg": b"( (S (NP-SBJ (NNP Ann)) (VP (VBD ran)) (. .)) )\r\n",
        "treebank/combined/wsj_0001.mrg": b"\xef\xbb\xbf( (NP (NN Yes)) )\n( (S (NP (-NONE- *)) (VP (VB go))) )\n",
        "treebank/raw/wsj_0001": b"Yes",
    })
    loaded = load_treebank(path)
    assert [(s.file_id, s.index) for s in loaded] == [("wsj_0001", 0), ("wsj_0001", 1), ("wsj_0002", 0)]
    assert [p.target for p in parsing_pairs(loaded)] == [
        ("(NP", "XX", ")NP"), ("(S", "(VP", "XX", ")VP", ")S"), ("(S", "(NP", "XX", ")NP", "(VP", "XX", ")VP", "XX", ")S")]
    split = split_treebank(loaded)
    assert [len(part) for part in split] == [3, 0, 0]


@pytest.mark.parametrize("members, message", [
    ({"treebank/combined/wsj_0001.mrg": b"( (S (NP (NN x)) )"}, r"wsj_0001.mrg: text: unbalanced brackets: the '\(' at line 1, column 1"),
    ({"treebank/combined/wsj_0001.mrg": b"\n\n( (S (NN x) y) )"}, r"wsj_0001.mrg: text: the bracket at line 3, column 3"),
    ({"treebank/combined/wsj_0001.mrg": b"( (S (NN caf\xe9)) )"}, r"wsj_0001.mrg: line 1 is not UTF-8"),
    ({"treebank/combined/README": b"x"}, r"expected members treebank/combined/wsj_NNNN.mrg, found none"),
])
def test_malformed_files_are_named_with_their_member(tmp_path, members, message):
    with pytest.raises(ValueError, match=message):
        load_treebank(_zip(tmp_path, members))


def test_a_file_that_is_not_a_zip_is_refused(tmp_path):
    path = tmp_path / "treebank.zip"
    path.write_bytes(b"( (S (NN x)) )")
    with pytest.raises(ValueError, match="expected a readable zip file"):
        load_treebank(path)
    with pytest.raises(ValueError, match="expected a readable zip file"):
        load_treebank(tmp_path / "missing.zip")


def _sentence(file_id):
    return TreebankSentence(file_id, 0, Tree("NP", (Tree("NN", ("x",)),)))


@pytest.mark.parametrize("call, message", [
    (lambda: load_treebank(3), "path: expected a path to treebank.zip or None"),
    (lambda: split_treebank("wsj_0001"), "sentences: expected a list of TreebankSentence"),
    (lambda: split_treebank([("wsj_0001", 0, None)]), r"sentences\[0\]: expected a TreebankSentence"),
    (lambda: split_treebank([_sentence("wsj_0001"), _sentence("wsj_0200")]), r"sentences\[1\].file_id: expected 'wsj_0001' to 'wsj_0199'"),
    (lambda: split_treebank([_sentence("wsj_0000")]), r"sentences\[0\].file_id"),
    (lambda: split_treebank([_sentence(1)]), r"sentences\[0\].file_id"),
    (lambda: parsing_pairs([_sentence("wsj_0001")], pos=""), "pos: expected a non-empty symbol"),
])
def test_bad_arguments_are_rejected_with_their_name(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_a_corrupt_copy_in_the_mirror_is_refused_and_kept(tmp_path, monkeypatch):
    mirror = tmp_path / "mirror"
    damaged = TREEBANK_FILE.under(mirror)
    damaged.parent.mkdir(parents=True)
    damaged.write_bytes(b"PK\x05\x06" + bytes(18))
    monkeypatch.setenv(download.MIRROR_VARIABLE, str(mirror))
    with pytest.raises(ValueError, match="expected sha256 9da92d76"):
        load_treebank()
    assert damaged.is_file()


def test_a_file_missing_from_the_mirror_is_named(tmp_path, monkeypatch):
    (tmp_path / "mirror").mkdir()
    monkeypatch.setenv(download.MIRROR_VARIABLE, str(tmp_path / "mirror"))
    with pytest.raises(FileNotFoundError, match="nltk-treebank/treebank.zip"):
        load_treebank()
