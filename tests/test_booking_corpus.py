from collections import defaultdict

from companion.data import BOOKING_TAGS, CITIES, generate_booking_corpus


def test_same_seed_same_corpus_other_seed_other_corpus():
    assert generate_booking_corpus(200, seed=3) == generate_booking_corpus(200, seed=3)
    assert generate_booking_corpus(200, seed=3) != generate_booking_corpus(200, seed=4)


def test_the_lecture_sentences_are_tagged_as_in_the_lecture():
    corpus = generate_booking_corpus(3000, seed=0)
    by_text = {" ".join(s.words): s.tags for s in corpus}
    arrive = [t for text, t in by_text.items() if text.startswith("arrive Taipei on")]
    leave = [t for text, t in by_text.items() if text.startswith("leave Taipei on")]
    assert arrive and leave
    assert all(t[:3] == ("O", "B-destination", "O") for t in arrive)
    assert all(t[:3] == ("O", "B-departure", "O") for t in leave)
    assert any(" ".join(s.words).startswith("I would like to arrive in") for s in corpus)


def test_every_city_word_takes_both_roles_so_one_word_is_not_enough():
    roles = defaultdict(set)
    for sentence in generate_booking_corpus(2000, seed=1):
        BOOKING_TAGS.encode(sentence.tags)  # every tag is in the tag set
        for word, tag in zip(sentence.words, sentence.tags):
            if tag != "O":
                roles[word].add(tag.split("-", 1)[1])
    for city in CITIES:
        for word in city.split():
            assert {"destination", "departure"} <= roles[word], city
    assert {"arrival_time", "departure_time"} <= roles["November"]


def test_window_conflict_finds_what_a_window_tagger_cannot_separate():
    from companion.data import TaggedSentence, window_conflict

    sentences = [
        TaggedSentence(("arrive", "Taipei"), ("O", "B-destination")),
        TaggedSentence(("leave", "Taipei"), ("O", "B-departure")),
    ]
    assert window_conflict(sentences, 0) == (("Taipei",), "B-destination", "B-departure")
    assert window_conflict(sentences, 1) is None
    assert window_conflict(generate_booking_corpus(1000, seed=1), 5) is None


def test_batches_by_length_hold_sentences_of_similar_lengths():
    from companion.data import make_batches
    from companion.encoding import OneOfN

    corpus = generate_booking_corpus(300, seed=5)
    encoder = OneOfN.from_sentences(s.words for s in corpus)
    batches = make_batches(corpus, encoder, BOOKING_TAGS, 32, shuffle_seed=0, by_length=True)
    assert sum(len(b.sentences) for b in batches) == 300
    maxima = [int(b.lengths.max()) for b in batches]
    assert maxima == sorted(maxima)
    padding = sum(int(b.lengths.max()) * len(b.sentences) - int(b.lengths.sum()) for b in batches)
    shuffled = make_batches(corpus, encoder, BOOKING_TAGS, 32, shuffle_seed=0)
    assert padding < sum(int(b.lengths.max()) * len(b.sentences) - int(b.lengths.sum()) for b in shuffled) / 3
