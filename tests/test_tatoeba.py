"""Tatoeba Chinese–English pairs (chapter 6): the real file, the tokenisers, the grouped seeded split, lengths, references, vocabularies, malformed and corrupt files."""
from pathlib import Path

import pytest

from companion.data import download
from companion.data.tatoeba import (
    TATOEBA_COMMIT,
    TATOEBA_FILE,
    TranslationPair,
    chinese_tokens,
    english_tokens,
    filter_by_length,
    group_references,
    load_tatoeba,
    read_tatoeba,
    split_tatoeba,
    tatoeba_vocabulary,
)

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="module")
def pairs():
    """Every pair, read from the shared data folder next to the repository, never from the network."""
    if not (SHARED_DATA / "cmn-eng").is_dir():
        pytest.skip(f"no data mirror with cmn-eng/ at {SHARED_DATA}")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(download.MIRROR_VARIABLE, str(SHARED_DATA))
        return load_tatoeba()


@pytest.fixture(scope="module")
def split(pairs):
    return split_tatoeba(pairs)


def _pair(english, chinese):
    return TranslationPair(english, chinese, "CC-BY 2.0 (France) Attribution: tatoeba.org #1 (a) & #2 (b)")


# ---- the real data ---------------------------------------------------------------------------


def test_the_file_is_pinned_to_one_commit():
    assert len(TATOEBA_COMMIT) == 40 and TATOEBA_COMMIT in TATOEBA_FILE.url
    assert TATOEBA_FILE.path == "cmn-eng/cmn.txt" and TATOEBA_FILE.url.endswith("/data/cmn.txt")


def test_24026_pairs_with_repeated_sentences(pairs):
    assert len(pairs) == 24026
    assert len({p.chinese for p in pairs}) == 22054
    assert len({p.english for p in pairs}) == 23147
    assert pairs[0] == TranslationPair(
        "Hi.", "嗨。", "CC-BY 2.0 (France) Attribution: tatoeba.org #538123 (CM) & #891077 (Martha)")
    assert pairs[1].english == "Hi." and pairs[1].chinese == "你好。"
    assert all(p.attribution.startswith("CC-BY 2.0 (France) Attribution: tatoeba.org #") for p in pairs)


def test_the_vocabularies_and_lengths_of_the_corpus(pairs):
    assert len({c for p in pairs for c in chinese_tokens(p.chinese)}) == 3513
    assert len({w for p in pairs for w in english_tokens(p.english)}) == 6793
    assert len(filter_by_length(pairs, 10, 10)) == 15523
    assert max(len(chinese_tokens(p.chinese)) for p in pairs) == 44
    assert max(len(english_tokens(p.english)) for p in pairs) == 34


def test_the_default_split_sizes_and_that_no_sentence_crosses_parts(pairs, split):
    assert [len(part) for part in split] == [19220, 2403, 2403]
    assert [len({p.chinese for p in part}) for part in split] == [17651, 2209, 2194]
    for side in ("chinese", "english"):
        sets = [{getattr(p, side) for p in part} for part in split]
        assert not (sets[0] & sets[1] or sets[0] & sets[2] or sets[1] & sets[2]), side
    ids = [{id(p) for p in part} for part in split]
    assert set().union(*ids) == {id(p) for p in pairs} and sum(map(len, ids)) == len(pairs)
    position = {id(p): i for i, p in enumerate(pairs)}
    for part in split:  # each part keeps the order of the file
        assert [position[id(p)] for p in part] == sorted(position[id(p)] for p in part)


def test_both_translations_of_one_source_share_a_part(split):
    for part in split:
        chinese = {p.chinese for p in part}
        if "你好。" in chinese:
            assert {p.english for p in part if p.chinese == "你好。"} == {"Hi.", "Hello!"}
            assert "嗨。" in chinese  # through the shared "Hi."


def test_the_split_repeats_with_its_seed_and_changes_with_another(pairs, split):
    assert split_tatoeba(pairs, seed=0) == split
    assert split_tatoeba(pairs, seed=1).test != split.test
    sizes = [len(part) for part in split_tatoeba(pairs, valid_fraction=0.05, test_fraction=0.2, seed=4)]
    assert sum(sizes) == 24026 and 1201 <= sizes[1] < 1201 + 11 and 4805 <= sizes[2] < 4805 + 11


def test_the_sentence_the_page_translates_is_in_no_part(pairs, split):
    for text in ("我爱中国", "我爱中国。", "我愛中國", "我愛中國。"):
        assert all(p.chinese != text for p in pairs)
    vocabulary = tatoeba_vocabulary(split.train, "chinese")
    assert all(c in vocabulary for c in chinese_tokens("我爱中国。"))


def test_short_pairs_and_vocabularies_of_the_training_part(split):
    assert [len(filter_by_length(part, 10, 10)) for part in split] == [12396, 1570, 1557]
    assert len(tatoeba_vocabulary(split.train, "chinese", min_count=1)) == 3370 + 2
    assert len(tatoeba_vocabulary(split.train, "chinese")) == 2718 + 2
    assert len(tatoeba_vocabulary(split.train, "english", min_count=1)) == 6134 + 2
    english = tatoeba_vocabulary(split.train, "english", specials=("<s>", "</s>"))
    assert len(english) == 3647 + 4
    assert english.entries[:4] == ("<pad>", "<unk>", "<s>", "</s>") and english.pad_id == 0
    assert english.index("don't") != english.unknown_id


def test_test_references_group_the_translations_of_each_source(split):
    references = group_references(split.test)
    assert len(references) == 2194 and sum(len(r) for r in references.values()) == 2403
    assert sum(len(r) > 1 for r in references.values()) == 161


# ---- tokenisers --------------------------------------------------------------------------------


@pytest.mark.parametrize("text, tokens", [
    ("我爱中国。", ("我", "爱", "中", "国", "。")),
    ("你好吗？", ("你", "好", "吗", "?")),  # full-width ？ is the plain ? after NFKC
    ("很大, 不是嗎?", ("很", "大", ",", "不", "是", "嗎", "?")),
    ("很大，不是嗎？", ("很", "大", ",", "不", "是", "嗎", "?")),
    ("他是一个 DJ 。", ("他", "是", "一", "个", "D", "J", "。")),
    ("我\u200b叫Tom。", ("我", "叫", "T", "o", "m", "。")),
    ("", ()),
])
def test_chinese_tokens_are_normalised_characters(text, tokens):
    assert chinese_tokens(text) == tokens


@pytest.mark.parametrize("text, tokens", [
    ("I don't know.", ("i", "don't", "know", ".")),
    ("I'm fine, thanks!", ("i'm", "fine", ",", "thanks", "!")),
    ("Tom's car costs $3.50.", ("tom's", "car", "costs", "$", "3.50", ".")),
    ('"Hello," he said.', ('"', "hello", ",", '"', "he", "said", ".")),
    ("It's 5 p.m.", ("it's", "5", "p", ".", "m", ".")),
])
def test_english_tokens_are_13a_words_lower_cased(text, tokens):
    assert english_tokens(text) == tokens
    assert english_tokens(" ".join(tokens)) == tokens  # the tokens joined come back unchanged


# ---- small files and bad input ---------------------------------------------------------------


def test_a_small_file_with_crlf_and_a_bom_is_read(tmp_path):
    path = tmp_path / "small.txt"
    path.write_bytes("\ufeffHi.\t嗨。\tCC-BY #1\r\nWait!\t等等！\tCC-BY #2\r\n".encode("utf-8"))
    assert read_tatoeba(path) == [TranslationPair("Hi.", "嗨。", "CC-BY #1"), TranslationPair("Wait!", "等等！", "CC-BY #2")]
    assert load_tatoeba(path) == read_tatoeba(path)


@pytest.mark.parametrize("data, message", [
    ("Hi.\t嗨。\tCC\nWait!\t等等！\n", r"line 2: expected 3 tab-separated fields .* got 2"),
    ("Hi.\t嗨。\tCC\tmore\n", r"line 1: expected 3 tab-separated fields .* got 4"),
    ("Hi.\t嗨。\tCC\n\n", r"line 2: expected 3 tab-separated fields .* got 1"),
    ("Hi.\t嗨。\tCC\n \t嗨。\tCC\n", r"line 2: expected a non-empty English sentence"),
    ("Hi.\t\tCC\n", r"line 1: expected a non-empty Chinese sentence"),
    ("", "got an empty file"),
])
def test_malformed_files_are_named_with_their_line(tmp_path, data, message):
    path = tmp_path / "bad.txt"
    path.write_text(data, encoding="utf-8")
    with pytest.raises(ValueError, match=message) as raised:
        read_tatoeba(path)
    assert "bad.txt" in str(raised.value)


def test_bytes_that_are_not_utf8_are_named_with_their_line(tmp_path):
    path = tmp_path / "latin.txt"
    path.write_bytes(b"Hi.\t\xe5\x97\xa8\tCC\nCaf\xe9.\tx\tCC\n")
    with pytest.raises(ValueError, match=r"latin.txt: line 2 is not UTF-8"):
        read_tatoeba(path)


_TOY = [_pair(f"Sentence {i}.", f"句子{i}。") for i in range(20)]


@pytest.mark.parametrize("call, message", [
    (lambda: chinese_tokens(["我"]), "text: expected a sentence"),
    (lambda: english_tokens(b"Hi."), "text: expected a sentence"),
    (lambda: split_tatoeba("abc"), "pairs: expected a list of TranslationPair"),
    (lambda: split_tatoeba([("Hi.", "嗨。", "CC")]), r"pairs\[0\]: expected a TranslationPair"),
    (lambda: split_tatoeba([TranslationPair("Hi.", 3, "CC")]), r"pairs\[0\].chinese: expected a str"),
    (lambda: split_tatoeba(_TOY, valid_fraction=0), "valid_fraction: expected a fraction"),
    (lambda: split_tatoeba(_TOY, test_fraction=1.5), "test_fraction: expected a fraction"),
    (lambda: split_tatoeba(_TOY, valid_fraction=True), "valid_fraction: expected a fraction"),
    (lambda: split_tatoeba(_TOY, valid_fraction=0.5, test_fraction=0.5), "sum to less than 1"),
    (lambda: split_tatoeba(_TOY, seed=-1), "seed: expected a non-negative integer"),
    (lambda: split_tatoeba(_TOY[:3], valid_fraction=0.1), "pairs: expected enough pairs"),
    (lambda: filter_by_length(_TOY, 0, 10), "max_chinese: expected a positive integer"),
    (lambda: filter_by_length(_TOY, 10, 2.5), "max_english: expected a positive integer"),
    (lambda: group_references([_pair("Hi.", "嗨。"), "x"]), r"pairs\[1\]: expected a TranslationPair"),
    (lambda: tatoeba_vocabulary(_TOY, "french"), "side: expected one of 'chinese', 'english'"),
    (lambda: tatoeba_vocabulary(_TOY, "chinese", min_count=0), "min_count: expected a positive integer"),
    (lambda: tatoeba_vocabulary(_TOY, "chinese", min_count=99), "min_count: expected a count that some word"),
    (lambda: tatoeba_vocabulary(_TOY, "english", specials="<s>"), "specials: expected a list of words"),
    (lambda: tatoeba_vocabulary(_TOY, "english", specials=("<s>", "<s>")), "specials: expected distinct entries other than"),
    (lambda: tatoeba_vocabulary(_TOY, "english", specials=("<unk>",)), "specials: expected distinct entries other than"),
    (lambda: tatoeba_vocabulary(_TOY, "chinese", specials=("句",)), "specials: expected entries that are not tokens"),
])
def test_bad_arguments_are_rejected_with_their_name(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_a_toy_split_groups_shared_sentences():
    toy = [_pair("Hi.", "嗨。"), _pair("Hi.", "你好。"), _pair("Hello!", "你好。")] + _TOY
    for seed in range(10):
        split = split_tatoeba(toy, valid_fraction=0.2, test_fraction=0.2, seed=seed)
        holding = [i for i, part in enumerate(split) if any(p.chinese in ("嗨。", "你好。") for p in part)]
        assert len(holding) == 1 and sum(len(part) for part in split) == 23
        assert [len(part) >= 1 for part in split] == [True] * 3


def test_references_keep_order_and_drop_repeats():
    toy = [_pair("Hi.", "你好。"), _pair("Hi.", "嗨。"), _pair("Hello!", "你好。"), _pair("Hi.", "你好。")]
    assert group_references(toy) == {"你好。": ("Hi.", "Hello!"), "嗨。": ("Hi.",)}


def test_a_corrupt_copy_in_the_mirror_is_refused_and_kept(tmp_path, monkeypatch):
    mirror = tmp_path / "mirror"
    damaged = TATOEBA_FILE.under(mirror)
    damaged.parent.mkdir(parents=True)
    damaged.write_text("Hi.\t嗨。\tCC\n", encoding="utf-8")
    monkeypatch.setenv(download.MIRROR_VARIABLE, str(mirror))
    with pytest.raises(ValueError, match="expected sha256 c0c85994"):
        load_tatoeba()
    assert damaged.is_file()


def test_a_file_missing_from_the_mirror_is_named(tmp_path, monkeypatch):
    (tmp_path / "mirror").mkdir()
    monkeypatch.setenv(download.MIRROR_VARIABLE, str(tmp_path / "mirror"))
    with pytest.raises(FileNotFoundError, match="cmn-eng/cmn.txt"):
        load_tatoeba()
