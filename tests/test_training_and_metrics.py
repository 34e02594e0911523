import pytest
import torch

from companion.data import BOOKING_TAGS, generate_booking_corpus, make_batches
from companion.encoding import OneOfN
from companion.metrics import confusion_table, span_f1, span_report
from companion.models import ElmanNetwork, FeedForwardNetwork, count_parameters
from companion.training import Selection, predict_tags, tag_probabilities, train_and_select, train_tagger


@pytest.fixture(scope="module")
def corpus():
    train = generate_booking_corpus(400, seed=1)
    test = generate_booking_corpus(100, seed=2)
    encoder = OneOfN.from_sentences(s.words for s in train)
    return train, test, encoder, make_batches(train, encoder, BOOKING_TAGS, 32, shuffle_seed=0)


def _trained(model_class, corpus, epochs=8):
    train, test, encoder, batches = corpus
    torch.manual_seed(0)
    model = model_class(encoder.size, 24, len(BOOKING_TAGS))
    history = train_tagger(model, batches, epochs, lr=0.01, seed=0, device="cpu", progress=False)
    return model, history


def test_feed_forward_tagger_cannot_tell_arrive_from_leave(corpus):
    model, history = _trained(FeedForwardNetwork, corpus)
    assert history[-1] < history[0]
    encoder = corpus[2]
    arrive = tag_probabilities(model, "arrive Taipei on November 2nd".split(), encoder)
    leave = tag_probabilities(model, "leave Taipei on November 2nd".split(), encoder)
    assert torch.equal(arrive[1], leave[1])


def test_recurrent_tagger_separates_them_and_scores_well(corpus):
    model, history = _trained(ElmanNetwork, corpus, epochs=10)
    encoder = corpus[2]
    destination, departure = BOOKING_TAGS.index("B-destination"), BOOKING_TAGS.index("B-departure")
    arrive = tag_probabilities(model, "arrive Taipei on November 2nd".split(), encoder)
    leave = tag_probabilities(model, "leave Taipei on November 2nd".split(), encoder)
    assert arrive[1, destination] > 0.9 and leave[1, departure] > 0.9
    test = corpus[1]
    assert span_f1([s.tags for s in test], predict_tags(model, test, encoder, BOOKING_TAGS)) > 0.95


def test_training_is_reproducible(corpus):
    assert _trained(ElmanNetwork, corpus, 2)[1] == _trained(ElmanNetwork, corpus, 2)[1]


def test_selection_keeps_the_epoch_with_the_best_valid_f1_of_the_same_run(corpus):
    train, test, encoder, batches = corpus
    valid = test[:40]
    gold = [s.tags for s in valid]

    def fresh():
        torch.manual_seed(0)
        return ElmanNetwork(encoder.size, 6, len(BOOKING_TAGS))

    scores, states = [], []
    reference = fresh()

    def record(epoch):
        scores.append(span_f1(gold, predict_tags(reference, valid, encoder, BOOKING_TAGS)))
        states.append({k: v.clone() for k, v in reference.state_dict().items()})

    losses = train_tagger(reference, batches, 4, lr=0.003, seed=0, device="cpu", progress=False, after_epoch=record)
    model = fresh()
    selection = train_and_select(model, batches, valid, encoder, BOOKING_TAGS, 4, lr=0.003, seed=0,
                                 device="cpu", progress=False)
    best = max(range(4), key=lambda i: (scores[i], -i))  # the first of equal scores
    assert isinstance(selection, Selection) and selection.losses == losses
    assert (selection.best_epoch, selection.valid_f1) == (best + 1, scores[best])
    assert all(torch.equal(model.state_dict()[k], v) for k, v in states[best].items())


def test_selection_needs_a_validation_split(corpus):
    _, _, encoder, batches = corpus
    with pytest.raises(ValueError, match=r"valid: expected at least one sentence to select the epoch on, got an empty sequence"):
        train_and_select(ElmanNetwork(encoder.size, 4, len(BOOKING_TAGS)), batches, [], encoder, BOOKING_TAGS, 1)


def test_span_f1_counts_whole_spans():
    gold = [["B-destination", "I-destination", "O"]]
    assert span_f1(gold, gold) == 1.0
    assert span_f1(gold, [["B-destination", "O", "O"]]) == 0.0
    report = span_report(gold, [["B-departure", "I-departure", "O"]])
    assert report.loc["destination", "recall"] == 0.0 and report.loc["departure", "support"] == 0


def test_confusion_table_counts_words():
    table = confusion_table([["O", "B-departure"]], [["O", "B-destination"]], ["O", "B-destination", "B-departure"])
    assert table.loc["B-departure", "B-destination"] == 1 and table.to_numpy().sum() == 2


def test_count_parameters():
    assert count_parameters(ElmanNetwork(3, 4, 2)) == (4 * 3 + 4 * 4 + 4 + 4) + (2 * 4 + 2)


def test_slot_spans_read_bio_tags():
    from companion.metrics import slot_spans

    assert slot_spans(["O", "B-city", "I-city", "O", "B-date"]) == {("city", 1, 2), ("date", 4, 4)}
    assert slot_spans(["O", "O"]) == set()


def test_slot_differences_lists_the_slots_one_tagger_finds_and_the_other_misses():
    from companion.data import TaggedSentence
    from companion.metrics import slot_differences

    sentences = [
        TaggedSentence(("from", "boston", "to", "new", "york"),
                       ("O", "B-from", "O", "B-to", "I-to")),
        TaggedSentence(("to", "denver"), ("O", "B-to")),
    ]
    first = [["O", "B-from", "O", "B-to", "O"], ["O", "B-to"]]
    second = [["O", "B-to", "O", "B-to", "I-to"], ["O", "B-to"]]
    table = slot_differences(sentences, first, second)
    assert table[["sentence", "slot", "words", "found_by"]].values.tolist() == [
        [0, "from", "boston", "first"],
        [0, "to", "new york", "second"],
    ]
    assert table.loc[1, "first_tags"] == "B-to O"
    assert table.loc[1, "utterance"] == "from boston to new york"


def test_slot_differences_names_the_misaligned_tagger():
    from companion.data import TaggedSentence
    from companion.metrics import slot_differences

    sentences = [TaggedSentence(("to", "denver"), ("O", "B-to"))]
    with pytest.raises(ValueError, match=r"second\[0\]: expected 2 tags"):
        slot_differences(sentences, [["O", "B-to"]], [["O"]])
