"""The checker of chapter 6's sentiment exercise against a table of student answers: correct solutions,
each hinted mistake, a stub, a wrong type, an endless loop. A checker never raises because of the student."""
import pytest

from companion.exercises import check_ngrams
from companion.exercises.checkers_sentiment import _MISTAKES, CASES
from companion.models import ngrams

TIMEOUT = 0.5  # seconds: the endless loop of the table ends in this time


def stub(words, n):
    raise NotImplementedError  # your code here


def loops_for_ever(words, n):
    while True:
        pass


def with_zip(words, n):
    return [" ".join(gram) for gram in zip(*(words[i:] for i in range(n)))]


ANSWERS = [
    (ngrams, True, "agree with ngrams"),
    (with_zip, True, "agree"),
    (lambda words, n: tuple(ngrams(words, n)), True, "agree"),
    *[(wrong, False, hint[:30]) for wrong, hint in _MISTAKES],
    (lambda words, n: [], False, "expected ['not good', 'good ,', ', quite', 'quite bad'], got []"),
    (lambda words, n: None, False, "expected a list of n-grams"),
    (lambda words, n: set(ngrams(words, n)), False, "expected a list of n-grams"),
    (lambda words: [], False, "raised TypeError"),
    (stub, False, "still a stub"),
    (loops_for_ever, False, "did not finish within 0.5 seconds"),
    ("my_ngrams", False, "the checker needs your function itself"),
]


@pytest.mark.parametrize("answer, passes, phrase", ANSWERS)
def test_verdicts(answer, passes, phrase):
    feedback = check_ngrams(answer, timeout=TIMEOUT)
    assert feedback.passed is passes, feedback
    assert phrase in feedback.message, feedback.message


def test_each_mistake_fails_some_case_and_gets_its_own_hint():
    for index, (wrong, hint) in enumerate(_MISTAKES):
        assert any(wrong(w, n) != ngrams(w, n) for w, n in CASES)
        assert check_ngrams(wrong, timeout=TIMEOUT).message.endswith(hint), index


def test_a_bad_timeout_is_the_only_error():
    with pytest.raises(ValueError, match="timeout"):
        check_ngrams(ngrams, timeout=0)
