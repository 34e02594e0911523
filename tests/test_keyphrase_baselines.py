"""The TF-IDF key-phrase baseline (chapter 6): candidates, scores against scikit-learn's idf, the choice of k, bad input."""
import math

import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from companion.models import TfidfKeyphraseExtractor

TRAIN = [
    "Recurrent neural networks read a document.",
    "The attention of the network picks key phrases.",
    "Key phrases summarise a document; tf-idf ranks them.",
]


def test_candidates_cross_no_punctuation_and_no_stop_word_at_either_end():
    extractor = TfidfKeyphraseExtractor(max_words=3)
    assert extractor.candidates("The rate of convergence, of neural nets.") == [
        "rate", "rate of convergence", "convergence", "neural", "neural nets", "nets"]
    assert TfidfKeyphraseExtractor(max_words=1).candidates("Speech recognition (CTC)") == ["speech", "recognition", "ctc"]


def test_scores_are_term_frequency_times_scikit_learns_smoothed_idf():
    extractor = TfidfKeyphraseExtractor().fit(TRAIN)
    vectorizer = TfidfVectorizer(analyzer=extractor.candidates).fit(TRAIN)
    idf = dict(zip(vectorizer.get_feature_names_out(), vectorizer.idf_))
    text = "Key phrases of a document: key phrases and a novel phrase."
    scores = dict(extractor.scores(text))
    assert scores["key phrases"] == pytest.approx(2 * idf["key phrases"])
    assert scores["document"] == pytest.approx(idf["document"])
    assert scores["novel phrase"] == pytest.approx(math.log(4) + 1)  # never seen in training: df = 0
    ranked = [c for c, _ in extractor.scores(text)]
    # tf 2 beats everything seen once; the three with tf 2 share one idf, so reading order decides
    assert ranked[:3] == ["key", "key phrases", "phrases"]
    assert extractor.extract(text, k=2) == ranked[:2]
    assert len(extractor.extract("zebra", k=5)) == 1


def test_ties_go_to_the_candidate_that_occurs_first():
    extractor = TfidfKeyphraseExtractor().fit(["nothing in common"])
    assert extractor.extract("zeta alpha beta", k=3) == ["zeta", "zeta alpha", "zeta alpha beta"]


def test_choose_k_keeps_the_best_and_smallest_k_on_validation():
    extractor = TfidfKeyphraseExtractor().fit(TRAIN)
    texts = ["Gradient clipping helps; gradient clipping rescales.", "Echo state networks."]
    gold = [["gradient clipping"], ["echo state networks"]]
    f1 = extractor.choose_k(texts, gold, ks=[1, 2, 10])
    assert set(f1) == {1, 2, 10}
    best = max(f1.values())
    assert extractor.top_k == min(k for k, v in f1.items() if v == best)


@pytest.mark.parametrize("call, message", [
    (lambda: TfidfKeyphraseExtractor(top_k=0), "top_k: expected a positive integer"),
    (lambda: TfidfKeyphraseExtractor(max_words=1.5), "max_words: expected a positive integer"),
    (lambda: TfidfKeyphraseExtractor().fit("one text"), "texts: expected a non-empty list of texts"),
    (lambda: TfidfKeyphraseExtractor().fit(["a", 2]), r"texts\[1\]: expected a text"),
    (lambda: TfidfKeyphraseExtractor().scores("text"), "expected a fitted extractor"),
    (lambda: TfidfKeyphraseExtractor().fit(TRAIN).extract("text", k=0), "k: expected a positive integer"),
    (lambda: TfidfKeyphraseExtractor().fit(TRAIN).choose_k(["a"], [["a"]], ks=[]), "ks: expected a non-empty list"),
    (lambda: TfidfKeyphraseExtractor().fit(TRAIN).choose_k(["a"], [["a"], ["b"]]), "predicted: expected one phrase list"),
])
def test_bad_input_is_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()
