"""Metrics and tables check the structure of their input: lists of BIO tag sequences, aligned, of strings (chapters 1-3)."""
from pathlib import Path

import pytest
import torch

from companion.data import (
    BOOKING_TAGS,
    PAD_TAG_ID,
    TaggedSentence,
    TagSet,
    load_atis,
    make_batch,
    make_batches,
    tagset_of,
    window_conflict,
    word_vocabulary,
)
from companion.data.atis import intent_vocabulary
from companion.data.tagging import is_bio_tag
from companion.encoding import OneOfN
from companion.memory_cell import lecture_example_cell
from companion.metrics import (
    confusion_table,
    slot_differences,
    slot_spans,
    span_f1,
    span_report,
    write_conll,
)
from companion.models import ElmanNetwork
from companion.tables import memory_cell_table, memory_table, tag_table

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"

WORDS = ("to", "new", "york", "round", "trip")
GOLD = [
    ["O", "B-toloc.city_name", "I-toloc.city_name", "B-round_trip", "I-round_trip"],
    ["O", "B-toloc.city_name"],
]
SENTENCES = [
    TaggedSentence(WORDS, tuple(GOLD[0])),
    TaggedSentence(("to", "boston"), tuple(GOLD[1])),
]
LABELS = ["O", "B-toloc.city_name", "I-toloc.city_name", "B-round_trip", "I-round_trip"]


# ---- the inputs of the issue ------------------------------------------------------------------


def test_one_sentence_not_wrapped_in_a_list_is_rejected_not_scored_zero():
    with pytest.raises(
        ValueError,
        match=r"gold: expected a list of tag sequences \(one per sentence\), got a list of str: "
        r"\['B-toloc', 'I-toloc', 'O'\]; wrap the tags of a single sentence in a list",
    ):
        span_f1(["B-toloc", "I-toloc", "O"], ["B-toloc", "I-toloc", "O"])
    assert span_f1([["B-toloc", "I-toloc", "O"]], [["B-toloc", "I-toloc", "O"]]) == 1.0


def test_tags_outside_the_bio_scheme_are_rejected():
    with pytest.raises(ValueError, match=r"predicted\[0\]\[0\]: expected a BIO tag \('O', 'B-<slot>' or 'I-<slot>'\), got 'PER'"):
        span_f1([["B-PER", "I-PER"]], [["PER", "PER"]])


def test_slot_spans_does_not_read_a_slot_type_out_of_a_bare_name():
    with pytest.raises(ValueError, match=r"tags\[0\]: expected a BIO tag .* got 'PER'"):
        slot_spans(["PER", "PER"])


# ---- every public metric and table function, for every kind of bad structure -----------------

# The functions that take one tag sequence per sentence; each call puts `predicted` where a
# tagger's output goes (for slot_differences, once as `first`, once as `second`).
SCORERS = {
    "span_f1": ("predicted", lambda predicted, tmp: span_f1(GOLD, predicted)),
    "span_report": ("predicted", lambda predicted, tmp: span_report(GOLD, predicted)),
    "confusion_table": ("predicted", lambda predicted, tmp: confusion_table(GOLD, predicted, LABELS)),
    "write_conll": ("predicted", lambda predicted, tmp: write_conll(tmp / "out.txt", SENTENCES, predicted)),
    "slot_differences first": ("first", lambda predicted, tmp: slot_differences(SENTENCES, predicted, GOLD)),
    "slot_differences second": ("second", lambda predicted, tmp: slot_differences(SENTENCES, GOLD, predicted)),
}

# The functions that take the tags of one sentence.
ONE_SENTENCE = {
    "slot_spans": ("tags", lambda tags: slot_spans(tags)),
    "tag_table": ("FFN", lambda tags: tag_table(WORDS, gold=GOLD[0], FFN=tags)),
}


def _non_bio(name):
    # confusion_table counts any labels, so a tag outside the scheme is one outside `labels`.
    if name == "confusion_table":
        return r"predicted\[0\]\[1\]: expected one of labels .* got 'toloc'"
    return rf"{SCORERS[name][0]}\[0\]\[1\]: expected a BIO tag \('O', 'B-<slot>' or 'I-<slot>'\), got 'toloc'"


KINDS = {
    "unwrapped sentence": (
        GOLD[0],
        lambda arg: rf"{arg}: expected a list of tag sequences \(one per sentence\), got a list of str",
    ),
    "a string": ("O B-toloc.city_name", lambda arg: rf"{arg}: expected a list of tag sequences .* got str"),
    "fewer sentences": ([GOLD[0]], lambda arg: rf"{arg}: expected one tag sequence per gold sentence \(2\), got 1"),
    "mismatched lengths": ([GOLD[0], ["O"]], lambda arg: rf"{arg}\[1\]: expected 2 tags \(as many as gold\[1\]\), got 1"),
    "non-BIO tag": ([["O", "toloc", "O", "O", "O"], GOLD[1]], None),
    "non-string tag": (
        [[0, 1, 2, 3, 4], GOLD[1]],
        lambda arg: rf"{arg}\[0\]\[0\]: expected a tag \(a str\), got int: 0; decode tag ids with TagSet.decode",
    ),
    "padding id": (
        [GOLD[0], ["O", PAD_TAG_ID]],
        lambda arg: rf"{arg}\[1\]\[1\]: expected a tag \(a str\), got int: -100",
    ),
    "empty sentence": ([GOLD[0], []], lambda arg: rf"{arg}\[1\]: expected a list of .*tags .* got an empty sequence"),
}


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("function", list(SCORERS))
def test_every_scorer_rejects_each_kind_of_bad_predictions(function, kind, tmp_path):
    argument, call = SCORERS[function]
    predicted, message = KINDS[kind]
    with pytest.raises(ValueError, match=_non_bio(function) if message is None else message(argument)):
        call(predicted, tmp_path)


GOLD_KINDS = {
    "unwrapped sentence": (GOLD[0], r"gold: expected a list of tag sequences \(one per sentence\), got a list of str"),
    "empty": ([], r"gold: expected at least one sentence, got an empty sequence"),
    "non-BIO tag": ([["O", "B-"], GOLD[1]], r"gold\[0\]\[1\]: expected a BIO tag .* got 'B-'"),
    "non-string tag": ([GOLD[0], ["O", None]], r"gold\[1\]\[1\]: expected a tag \(a str\), got NoneType"),
    "sentences instead of tags": (SENTENCES, r"gold\[0\]: expected a list of BIO tags, got TaggedSentence.*; pass its \.tags"),
}


@pytest.mark.parametrize("kind", list(GOLD_KINDS))
@pytest.mark.parametrize("function", [span_f1, span_report])
def test_bad_gold_is_named(function, kind):
    gold, message = GOLD_KINDS[kind]
    with pytest.raises(ValueError, match=message):
        function(gold, GOLD)


@pytest.mark.parametrize(
    "kind, gold, message",
    [
        ("unwrapped sentence", GOLD[0], r"gold: expected a list of tag sequences \(one per sentence\), got a list of str"),
        ("non-string tag", [GOLD[0], ["O", 1]], r"gold\[1\]\[1\]: expected a tag \(a str\), got int"),
    ],
)
def test_confusion_table_checks_the_structure_of_any_labels(kind, gold, message):
    with pytest.raises(ValueError, match=message):
        confusion_table(gold, GOLD, LABELS)


@pytest.mark.parametrize(
    "labels, message",
    [
        ("O", r"labels: expected a list of tags, got str: 'O'"),
        ([], r"labels: expected a list of tags .* got an empty sequence"),
        (["O", "O"], r"labels: expected distinct tags, got repeated \['O'\]"),
        (["O", 1], r"labels\[1\]: expected a tag \(a str\), got int"),
        (5, r"labels: expected a list of tags, got int: 5"),
    ],
)
def test_confusion_table_checks_its_labels(labels, message):
    with pytest.raises(ValueError, match=message):
        confusion_table([["O"]], [["O"]], labels)


def test_confusion_table_takes_any_labels_and_a_tag_set():
    assert confusion_table([["cat", "dog"]], [["dog", "dog"]], ["cat", "dog"]).loc["cat", "dog"] == 1
    table = confusion_table([("O", "B-destination")], [("O", "B-departure")], BOOKING_TAGS)
    assert table.loc["B-destination", "B-departure"] == 1 and list(table.index) == list(BOOKING_TAGS)


@pytest.mark.parametrize(
    "sentences, message",
    [
        (SENTENCES[0], r"sentences: expected a list of TaggedSentence, got TaggedSentence"),
        ([GOLD[0], GOLD[1]], r"sentences\[0\]: expected a TaggedSentence, got list"),
        ([TaggedSentence(("to", "york"), ("O", "PER"))], r"sentences\[0\]\.tags\[1\]: expected a BIO tag .* got 'PER'"),
    ],
)
@pytest.mark.parametrize("function", ["write_conll", "slot_differences"])
def test_gold_sentences_are_checked(function, sentences, message, tmp_path):
    with pytest.raises(ValueError, match=message):
        if function == "write_conll":
            write_conll(tmp_path / "out.txt", sentences, GOLD)
        else:
            slot_differences(sentences, GOLD, GOLD)


ONE_SENTENCE_KINDS = {
    "a list of sentences": (GOLD, lambda arg: rf"{arg}\[0\]: expected a tag \(a str\), got list: .*; {arg} is one sentence's tags, not a list of sentences"),
    "a string": ("O B-toloc.city_name", lambda arg: rf"{arg}: expected a list of BIO tags, got str"),
    "non-BIO tag": (["O", "PER", "O", "O", "O"], lambda arg: rf"{arg}\[1\]: expected a BIO tag .* got 'PER'"),
    "non-string tag": (["O", 1, "O", "O", "O"], lambda arg: rf"{arg}\[1\]: expected a tag \(a str\), got int: 1"),
    "empty": ([], lambda arg: rf"{arg}: expected a list of BIO tags .* got an empty sequence"),
}


@pytest.mark.parametrize("kind", list(ONE_SENTENCE_KINDS))
@pytest.mark.parametrize("function", list(ONE_SENTENCE))
def test_every_one_sentence_function_rejects_each_kind_of_bad_tags(function, kind):
    argument, call = ONE_SENTENCE[function]
    tags, message = ONE_SENTENCE_KINDS[kind]
    with pytest.raises(ValueError, match=message(argument)):
        call(tags)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: tag_table(WORDS, gold=GOLD[0][:2]), r"gold: expected 5 tags \(one per word\), got 2"),
        (lambda: tag_table("to new york", gold=GOLD[0]), r"words: expected a list of words, got str"),
        (lambda: tag_table([], gold=[]), r"words: expected at least one word"),
    ],
)
def test_tag_table_checks_its_words_against_its_tags(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_well_formed_input_still_scores():
    # Tuples (what TaggedSentence.tags holds) are tag sequences too.
    assert span_f1([tuple(t) for t in GOLD], GOLD) == 1.0
    assert span_report(GOLD, GOLD).loc["micro avg", "f1"] == 1.0
    assert slot_spans(tuple(GOLD[0])) == {("toloc.city_name", 1, 2), ("round_trip", 3, 4)}
    assert slot_differences(SENTENCES, GOLD, GOLD).empty
    assert list(tag_table(WORDS, gold=tuple(GOLD[0])).columns) == ["word", "gold"]


def test_write_conll_writes_utf8_with_lf_line_ends(tmp_path):
    sentences = [TaggedSentence(("to", "zürich"), ("O", "B-toloc.city_name"))]
    write_conll(tmp_path / "out.txt", sentences, [["O", "O"]])
    assert (tmp_path / "out.txt").read_bytes() == "to O O\nzürich B-toloc.city_name O\n".encode("utf-8")
    with pytest.raises(ValueError, match=r"path: expected a file path, got int: 3"):
        write_conll(3, sentences, [["O", "O"]])


def test_bio_tags_are_one_definition_shared_by_tag_sets():
    for tag in ("O", "B-fromloc.city_name", "I-round_trip", "B-x"):
        assert is_bio_tag(tag)
    for tag in ("PER", "B-", "I-", "B-a b", "E-city", "o", "", None, 3):
        assert not is_bio_tag(tag)
    with pytest.raises(ValueError, match=r"tags: expected 'O', 'B-<slot>' or 'I-<slot>', got 'B-a b'"):
        TagSet(["O", "B-a b"])


# ---- functions of sentences: a single sentence is not a list of them --------------------------

ENCODER = OneOfN(list(WORDS) + ["boston"])


@pytest.mark.parametrize(
    "call",
    [
        lambda: make_batch(SENTENCES[0], ENCODER, tagset_of(SENTENCES)),
        lambda: make_batches(SENTENCES[0], ENCODER, tagset_of(SENTENCES), 2),
        lambda: tagset_of(SENTENCES[0]),
        lambda: window_conflict(SENTENCES[0], 1),
        lambda: word_vocabulary(SENTENCES[0]),
        lambda: intent_vocabulary(SENTENCES[0]),
    ],
    ids=["make_batch", "make_batches", "tagset_of", "window_conflict", "word_vocabulary", "intent_vocabulary"],
)
def test_functions_of_sentences_reject_a_single_sentence(call):
    with pytest.raises(ValueError, match=r"sentences: expected a list of TaggedSentence, got TaggedSentence"):
        call()


def test_window_conflict_names_an_element_that_is_not_a_sentence():
    with pytest.raises(ValueError, match=r"sentences\[1\]: expected a TaggedSentence, got tuple"):
        window_conflict([SENTENCES[0], ("to", "boston")], 0)


# ---- memory tables: their own input structures ------------------------------------------------


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: memory_table(torch.nn.RNN(2, 3), torch.zeros(4, 2)), r"network: expected an ElmanNetwork, got RNN"),
        (lambda: memory_table(ElmanNetwork(2, 3, 1), [[0.0, 0.0]]), r"inputs: expected a torch.Tensor, got list"),
        (lambda: memory_table(ElmanNetwork(2, 3, 1), torch.zeros(4, 1, 2)), r"inputs: expected one sequence of shape \(T, 2\) with T >= 1 .* got shape \(4, 1, 2\)"),
        (lambda: memory_table(ElmanNetwork(2, 3, 1), torch.zeros(4, 3)), r"inputs: expected one sequence of shape \(T, 2\) .* got shape \(4, 3\)"),
        (lambda: memory_table(ElmanNetwork(2, 3, 1), torch.zeros(0, 2)), r"inputs: expected one sequence .* got shape \(0, 2\)"),
        (lambda: memory_table(ElmanNetwork(2, 3, 1), torch.zeros(4, 2, dtype=torch.long)), r"inputs: expected a floating-point tensor"),
        (lambda: memory_table(ElmanNetwork(2, 3, 1), torch.zeros(4, 2, dtype=torch.float64)), r"inputs: expected dtype torch.float32"),
    ],
    ids=["not a network", "not a tensor", "a batch", "wrong features", "no steps", "integers", "float64"],
)
def test_memory_table_checks_its_network_and_sequence(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_memory_table_reads_one_sequence_whatever_the_network_layout():
    torch.manual_seed(0)
    time_major = ElmanNetwork(2, 3, 1)
    batch_first = ElmanNetwork(2, 3, 1, batch_first=True)
    batch_first.load_state_dict(time_major.state_dict())
    inputs = torch.randn(4, 2)
    table = memory_table(time_major, inputs)
    # Read as a batch of 4 one-step sequences, step 2 would read zeros instead of h(1).
    assert table.loc["t = 2", "memory read h(t-1)"] == table.loc["t = 1", "memory written h(t)"]
    assert memory_table(batch_first, inputs).equals(table)


STEPS = lecture_example_cell().run([(1.0, 0.0, 1.0), (0.0, 1.0, 0.0)])


@pytest.mark.parametrize(
    "steps, message",
    [
        (STEPS[0], r"steps: expected a list of MemoryCellStep records, got MemoryCellStep; wrap a single step in a list"),
        ("steps", r"steps: expected a list of MemoryCellStep records, got str"),
        (3, r"steps: expected a list of MemoryCellStep records, got int"),
        ([STEPS[0], (1.0, 0.0)], r"steps\[1\]: expected a MemoryCellStep, got tuple"),
        ([], r"steps: expected at least one MemoryCellStep, got none"),
    ],
    ids=["one step", "string", "number", "other record", "empty"],
)
def test_memory_cell_table_checks_its_steps(steps, message):
    with pytest.raises(ValueError, match=message):
        memory_cell_table(steps)


# ---- the real corpus passes ---------------------------------------------------------------


@pytest.fixture
def atis_mirror(monkeypatch, tmp_path):
    if not (SHARED_DATA / "atis").is_dir():
        pytest.skip(f"no data mirror with atis/ at {SHARED_DATA}")
    monkeypatch.setenv("COMPANION_DATA_MIRROR", str(SHARED_DATA))
    monkeypatch.setenv("COMPANION_CACHE", str(tmp_path / "cache"))


def test_every_atis_tag_passes_the_checks(atis_mirror, tmp_path):
    test = load_atis("test")
    gold = [s.tags for s in test]
    assert span_f1(gold, gold) == 1.0
    assert sum(len(slot_spans(tags)) for tags in gold) > 0
    write_conll(tmp_path / "atis.txt", test, gold)
    assert slot_differences(test, gold, gold).empty
    assert tag_table(test[0].words, gold=test[0].tags).shape == (len(test[0]), 2)
