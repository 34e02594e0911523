"""BLEU (chapter 6): corpus BLEU through sacreBLEU with one or several references, BLEU by source length, bad input."""
import math

import numpy as np
import pytest
import sacrebleu

from companion.data.tatoeba import english_tokens
from companion.metrics import bleu_by_length, corpus_bleu

REFERENCES = ["The cat is on the mat.", "There is a dog in the garden.", "I don't know what to do."]
HYPOTHESES = ["The cat sat on the mat.", "A dog is in the garden.", "I do not know what to do."]


def test_a_perfect_translation_scores_100():
    assert corpus_bleu(REFERENCES, REFERENCES) == pytest.approx(100.0)
    assert corpus_bleu([[r] for r in REFERENCES], list(REFERENCES)) == pytest.approx(100.0)


def test_a_small_example_equals_sacrebleu_called_directly():
    expected = sacrebleu.corpus_bleu(HYPOTHESES, [REFERENCES]).score
    assert corpus_bleu(REFERENCES, HYPOTHESES) == pytest.approx(expected, abs=1e-12)
    assert 0.0 < corpus_bleu(REFERENCES, HYPOTHESES) < 100.0
    # the 13a tokenizer splits punctuation, so "mat." and "mat ." are the same words
    assert corpus_bleu(["The cat is on the mat."], ["The cat is on the mat ."]) == pytest.approx(100.0)


def test_nothing_in_common_scores_0_and_case_counts_unless_lowercase():
    assert corpus_bleu(["The cat is on the mat."], ["Xyz uvw rst opq lmn ijk"]) == 0.0
    upper = ["THE CAT IS ON THE MAT."]
    assert corpus_bleu(["The cat is on the mat."], upper) < 100.0
    assert corpus_bleu(["The cat is on the mat."], upper, lowercase=True) == pytest.approx(100.0)


def test_a_hypothesis_matching_its_second_reference_scores_100():
    references = [["Hello!", "Hi."], ["What's that?", "What is that?", "What is over there?"], "I am fine."]
    hypotheses = ["Hi.", "What is that?", "I am fine."]
    assert corpus_bleu(references, hypotheses) == pytest.approx(100.0)
    assert corpus_bleu([r[:1] if isinstance(r, list) else r for r in references], hypotheses) < 100.0


def test_several_references_are_the_transposed_streams_of_sacrebleu():
    references = [["The cat is on the mat.", "There is a cat on the mat."], ["A dog is in the garden."], ["I don't know."]]
    hypotheses = ["The cat is on a mat.", "A dog sits in the garden.", "I do not know."]
    streams = [
        ["The cat is on the mat.", "A dog is in the garden.", "I don't know."],
        ["There is a cat on the mat.", None, None],
    ]
    expected = sacrebleu.corpus_bleu(hypotheses, streams).score
    assert corpus_bleu(references, hypotheses) == pytest.approx(expected, abs=1e-12)


def test_lower_cased_tokens_joined_by_spaces_score_as_the_sentences():
    hypotheses = [" ".join(english_tokens(h)) for h in HYPOTHESES]
    assert corpus_bleu(REFERENCES, hypotheses, lowercase=True) == pytest.approx(
        corpus_bleu(REFERENCES, HYPOTHESES, lowercase=True), abs=1e-12)
    perfect = [" ".join(english_tokens(r)) for r in REFERENCES]
    assert corpus_bleu(REFERENCES, perfect, lowercase=True) == pytest.approx(100.0)


def test_bleu_by_length_scores_each_band_as_a_corpus():
    references = REFERENCES * 2
    hypotheses = list(REFERENCES) + HYPOTHESES
    lengths = [3, 12, 4, 15, 5, 20]
    table = bleu_by_length(references, hypotheses, lengths, bins=(0, 5, 10, 20))
    assert list(table.columns) == ["band", "low", "high", "sentences", "bleu"]
    assert table["band"].tolist() == ["1–5", "6–10", "11–20"]
    assert table[["low", "high", "sentences"]].values.tolist() == [[1, 5, 3], [6, 10, 0], [11, 20, 3]]
    first = [0, 2, 4]
    assert table["bleu"][0] == pytest.approx(corpus_bleu([references[i] for i in first], [hypotheses[i] for i in first]))
    assert math.isnan(table["bleu"][1])
    # lengths from NumPy, and bins as an array, are accepted
    again = bleu_by_length(references, hypotheses, np.array(lengths), np.array([0, 5, 10, 20]))
    assert again["sentences"].tolist() == [3, 0, 3]


@pytest.mark.parametrize("call, message", [
    (lambda: corpus_bleu("The cat.", ["The cat."]), "references: expected a list"),
    (lambda: corpus_bleu(["The cat."], "The cat."), "hypotheses: expected a list"),
    (lambda: corpus_bleu([], []), "references: expected at least one sentence"),
    (lambda: corpus_bleu(["a b", "c d"], ["a b"]), r"hypotheses: expected one per reference entry \(2\), got 1"),
    (lambda: corpus_bleu(["The cat."], [["the", "cat", "."]]), r"hypotheses\[0\]: expected a translation as one str"),
    (lambda: corpus_bleu(["The cat.", 3], ["a", "b"]), r"references\[1\]: expected a str or a non-empty list"),
    (lambda: corpus_bleu(["The cat.", []], ["a", "b"]), r"references\[1\]: expected a str or a non-empty list"),
    (lambda: corpus_bleu(["The cat.", ["x", ""]], ["a", "b"]), r"references\[1\]\[1\]: expected a non-empty sentence"),
    (lambda: corpus_bleu(["  "], ["a"]), r"references\[0\]: expected a non-empty sentence"),
    (lambda: corpus_bleu(["The cat."], ["a"], lowercase="yes"), "lowercase: expected True or False"),
    (lambda: corpus_bleu(["The cat."], ["a"], tokenize="words"), "tokenize: expected one of"),
    (lambda: bleu_by_length(["a b"], ["a b"], 3, (0, 5)), "source_lengths: expected one integer per hypothesis"),
    (lambda: bleu_by_length(["a b"], ["a b"], [3, 4], (0, 5)), r"source_lengths: expected one non-negative integer per hypothesis \(1\)"),
    (lambda: bleu_by_length(["a b"], ["a b"], [2.5], (0, 5)), r"source_lengths: expected one non-negative integer per hypothesis \(1\)"),
    (lambda: bleu_by_length(["a b"], ["a b"], [3], (5,)), "bins: expected at least two strictly increasing"),
    (lambda: bleu_by_length(["a b"], ["a b"], [3], (0, 5, 5)), "bins: expected at least two strictly increasing"),
    (lambda: bleu_by_length(["a b"], ["a b"], [3], (0, 2.5)), "bins: expected at least two strictly increasing"),
    (lambda: bleu_by_length(["a b"], ["a b"], [3], "05"), "bins: expected at least two strictly increasing"),
    (lambda: bleu_by_length(["a b", "c"], ["a b", "c"], [3, 9], (0, 5)), r"source_lengths\[1\]: expected a length in 1..5"),
    (lambda: bleu_by_length(["a b"], ["a b"], [0], (0, 5)), r"source_lengths\[0\]: expected a length in 1..5"),
])
def test_bad_inputs_are_rejected_with_the_argument_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_tokenized_hypotheses_are_scored_without_sacrebleu_s_detokenize_message(caplog, capsys):
    hypotheses = ["tom is here ."] * 120
    assert corpus_bleu(["Tom is here."] * 120, hypotheses, lowercase=True) == pytest.approx(100.0)
    captured = capsys.readouterr()
    assert "detokenize" not in captured.err + captured.out + caplog.text
