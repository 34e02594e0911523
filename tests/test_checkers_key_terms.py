"""The checker of chapter 6's key-term exercise against a table of student answers: correct solutions,
each hinted mistake, a stub, a wrong type, an endless loop. A checker never raises because of the student."""
import pytest

from companion.data.inspec import phrases_in_tags
from companion.exercises import check_bio_phrases
from companion.exercises.checkers_key_terms import CASES, _MISTAKES

TIMEOUT = 0.5  # seconds: the endless loop of the table ends in this time


def stub(words, tags):
    raise NotImplementedError  # your code here


def loops_for_ever(words, tags):
    while True:
        pass


def by_hand(words, tags):
    phrases = []
    for i, (word, tag) in enumerate(zip(words, tags)):
        if tag.startswith("B-") or (tag.startswith("I-") and (i == 0 or tags[i - 1] == "O")):
            phrases.append(word)
        elif tag.startswith("I-"):
            phrases[-1] += " " + word
    return phrases


ANSWERS = [
    (phrases_in_tags, True, "agree with phrases_in_tags"),
    (by_hand, True, "agree"),
    (lambda words, tags: tuple(phrases_in_tags(words, tags)), True, "agree"),
    (_MISTAKES[0][0], False, "the last phrase is missing"),
    (_MISTAKES[1][0], False, "two phrases side by side became one"),
    (_MISTAKES[2][0], False, "an I- tag that follows an O starts a phrase"),
    (_MISTAKES[3][0], False, "should appear twice"),
    (_MISTAKES[4][0], False, "as one string"),
    (lambda words, tags: [], False, "expected ['recurrent neural networks', 'language models'], got []"),
    (lambda words, tags: None, False, "expected a list of phrases"),
    (lambda words, tags: " ".join(words), False, "expected a list of phrases"),
    (lambda words: [], False, "raised TypeError"),
    (stub, False, "still a stub"),
    (loops_for_ever, False, "did not finish within 0.5 seconds"),
    ("my_phrases", False, "the checker needs your function itself"),
]


@pytest.mark.parametrize("answer, passes, phrase", ANSWERS)
def test_verdicts(answer, passes, phrase):
    feedback = check_bio_phrases(answer, timeout=TIMEOUT)
    assert feedback.passed is passes, feedback
    assert phrase in feedback.message, feedback.message


def test_each_mistake_fails_some_case_and_the_cases_cover_what_they_claim():
    for wrong, _ in _MISTAKES:
        assert any(wrong(w, t) != phrases_in_tags(w, t) for w, t in CASES)
    assert any(t[-1] != "O" for _, t in CASES) and any(t[0] == "I-KP" or "O I-KP" in " ".join(t) for _, t in CASES)


def test_a_bad_timeout_is_the_only_error():
    with pytest.raises(ValueError, match="timeout"):
        check_bio_phrases(phrases_in_tags, timeout=0)
