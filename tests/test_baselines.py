"""The bag-of-words baseline of chapter 6: n-grams, C chosen on validation, word order ignored, bad input refused."""
import numpy as np
import pytest

from companion.models import BagOfWordsClassifier, ngrams

GOOD = ["good", "great", "fine", "fun", "moving"]
BAD = ["bad", "dull", "boring", "awful", "flat"]


def _toy(count=60, seed=0):
    """Sentences of two to five words: positive ones hold a word of GOOD, negative ones a word of BAD."""
    rng = np.random.default_rng(seed)
    filler = ["the", "film", "a", "story", "is", "very", "and", "plot"]
    words, labels = [], []
    for i in range(count):
        label = i % 2
        sentence = list(rng.choice(filler, size=int(rng.integers(1, 5))))
        sentence.insert(int(rng.integers(0, len(sentence) + 1)), str(rng.choice(GOOD if label else BAD)))
        words.append(tuple(str(w) for w in sentence))
        labels.append(label)
    return words, labels


def test_ngrams_in_reading_order():
    assert ngrams(["not", "bad", "at", "all"], 2) == ["not bad", "bad at", "at all"]
    assert ngrams(("a", "b", "c"), 1) == ["a", "b", "c"]
    assert ngrams(["a", "b", "c"], 3) == ["a b c"]
    assert ngrams(["a", "b"], 3) == []


def test_fit_chooses_c_on_validation_and_learns_the_toy_task():
    (train_words, train_labels), (valid_words, valid_labels) = _toy(80, 0), _toy(40, 1)
    model = BagOfWordsClassifier(Cs=(0.001, 1.0, 10.0)).fit(train_words, train_labels, valid_words, valid_labels)
    assert set(model.valid_accuracies_) == {0.001, 1.0, 10.0}
    assert model.valid_accuracy_ == max(model.valid_accuracies_.values()) == model.valid_accuracies_[model.C_]
    assert model.valid_accuracy_ == 1.0
    assert model.accuracy(valid_words, valid_labels) == 1.0
    probabilities = model.predict_proba([("great",), ("dull",)])
    assert probabilities.shape == (2, 2) and probabilities.dtype == np.float64
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0)
    assert probabilities[0, 1] > 0.5 > probabilities[1, 1]


def test_the_same_bag_in_another_order_gets_exactly_the_same_probability():
    (train_words, train_labels), (valid_words, valid_labels) = _toy(80, 0), _toy(40, 1)
    unigrams = BagOfWordsClassifier().fit(train_words, train_labels, valid_words, valid_labels)
    pair = [("not", "good", ",", "quite", "bad"), ("not", "bad", ",", "quite", "good")]
    p = unigrams.predict_proba(pair)
    assert np.array_equal(p[0], p[1])
    bigrams = BagOfWordsClassifier(ngram_range=(1, 2)).fit(train_words, train_labels, valid_words, valid_labels)
    assert bigrams.vocabulary_size > unigrams.vocabulary_size
    swapped = bigrams.predict_proba([("the", "film", "is", "good"), ("the", "is", "film", "good")])
    assert not np.array_equal(swapped[0], swapped[1])  # "the film" and "film is" are bigrams of training


def test_counts_differ_from_indicators_only_for_repeated_words():
    (train_words, train_labels), (valid_words, valid_labels) = _toy(80, 0), _toy(40, 1)
    binary = BagOfWordsClassifier(Cs=(1.0,)).fit(train_words, train_labels, valid_words, valid_labels)
    counts = BagOfWordsClassifier(binary=False, Cs=(1.0,)).fit(train_words, train_labels, valid_words, valid_labels)
    once, twice = [("great", "film")], [("great", "great", "film")]
    assert np.array_equal(binary.predict_proba(once), binary.predict_proba(twice))
    assert counts.predict_proba(twice)[0, 1] > counts.predict_proba(once)[0, 1]


@pytest.mark.parametrize("call, message", [
    (lambda: ngrams("not bad", 2), "words: expected a sequence of words .str., got str; split the sentence"),
    (lambda: ngrams(["not", ""], 2), r"words\[1\]: expected a word"),
    (lambda: ngrams(["not bad"], 1), r"words\[0\]: expected a word .a non-empty str without spaces."),
    (lambda: ngrams(["a"], 0), "n: expected a positive integer"),
    (lambda: BagOfWordsClassifier(ngram_range=(2, 1)), "ngram_range: expected a pair"),
    (lambda: BagOfWordsClassifier(ngram_range=[1, 2]), "ngram_range: expected a pair"),
    (lambda: BagOfWordsClassifier(binary=1), "binary: expected True or False"),
    (lambda: BagOfWordsClassifier(Cs=()), "Cs: expected a non-empty sequence"),
    (lambda: BagOfWordsClassifier(Cs=(1.0, -1.0)), r"Cs\[1\]: expected a positive finite number"),
    (lambda: BagOfWordsClassifier(Cs=(float("nan"),)), r"Cs\[0\]: expected a positive finite number"),
    (lambda: BagOfWordsClassifier().predict_proba([("a",)]), "expected a fitted classifier"),
    (lambda: BagOfWordsClassifier().fit([], [], [("a",)], [0]), "train_words: expected at least one sentence"),
    (lambda: BagOfWordsClassifier().fit([("a",)], [0, 1], [("a",)], [0]), r"train_labels: expected one label per sentence \(1\), got 2"),
    (lambda: BagOfWordsClassifier().fit([("a",), ("b",)], [0, 2], [("a",)], [0]), r"train_labels\[1\]: expected 0"),
    (lambda: BagOfWordsClassifier().fit([("a",), ("b",)], [1, 1], [("a",)], [0]), "expected both labels"),
    (lambda: BagOfWordsClassifier().fit(["a film", ("b",)], [0, 1], [("a",)], [0]), r"train_words\[0\]: expected a sequence of words"),
    (lambda: BagOfWordsClassifier().fit([("a",), ("b",)], [0, 1], [("a",)], ["0"]), r"valid_labels\[0\]: expected 0"),
])
def test_bad_input_is_rejected_with_its_name(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_bad_input_to_a_fitted_classifier():
    model = BagOfWordsClassifier(Cs=(1.0,)).fit(*_toy(20, 0), *_toy(10, 1))
    with pytest.raises(ValueError, match=r"words_list\[0\]: expected a sequence of words"):
        model.predict_proba(["a film"])
    with pytest.raises(ValueError, match=r"labels: expected one label per sentence \(1\), got 2"):
        model.accuracy([("film",)], [0, 1])
