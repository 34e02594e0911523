"""Phrase-level precision, recall and F1 of key phrases (chapter 6): counted by hand, normalised, bad input."""
import pytest

from companion.metrics import KeyphraseScores, keyphrase_scores


def test_counts_by_hand_over_two_documents():
    gold = [["neural networks", "speech"], ["key phrase", "attention", "tf-idf"]]
    predicted = [["Neural  Networks", "speech recognition", "neural networks"], ["attention", "TF-IDF"]]
    scores = keyphrase_scores(gold, predicted)
    assert isinstance(scores, KeyphraseScores)
    # document 1: 1 of 2 distinct predictions right; document 2: 2 of 2 -> 3 correct of 4 predicted, 5 gold
    assert (scores.correct, scores.predicted, scores.gold) == (3, 4, 5)
    assert scores.precision == pytest.approx(3 / 4)
    assert scores.recall == pytest.approx(3 / 5)
    assert scores.f1 == pytest.approx(2 * 0.75 * 0.6 / 1.35)


def test_matching_is_exact_after_tokenizing_so_plurals_and_parts_are_wrong():
    scores = keyphrase_scores([["neural networks"]], [["neural network", "neural", "neural networks ."]])
    assert scores.correct == 0 and scores.f1 == 0.0


def test_duplicate_gold_phrases_count_once_and_nothing_predicted_scores_zero():
    scores = keyphrase_scores([["a b", "A  B"], ["c"]], [[], []])
    assert scores == KeyphraseScores(0.0, 0.0, 0.0, 0, 0, 2)


def test_perfect_predictions_score_one():
    gold = [("x y", "z"), ["w"]]
    assert keyphrase_scores(gold, gold)[:3] == (1.0, 1.0, 1.0)


@pytest.mark.parametrize("gold, predicted, message", [
    ("a", [["a"]], "gold: expected a list of phrase lists"),
    (["a"], [["a"]], r"gold\[0\]: expected the phrases of one document"),
    ([["a"]], [["a"], ["b"]], r"predicted: expected one phrase list per gold document \(1\), got 2"),
    ([["a"]], [[3]], r"predicted\[0\]\[0\]: expected a phrase \(a str\)"),
    ([["a", " "]], [["a"]], r"gold\[0\]\[1\]: expected a phrase with at least one token"),
    ([[], []], [[], []], "gold: expected at least one phrase"),
])
def test_bad_input_is_named(gold, predicted, message):
    with pytest.raises(ValueError, match=message):
        keyphrase_scores(gold, predicted)
