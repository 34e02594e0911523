"""The checker of chapter 6's coding exercise on key terms: reading the key phrases back from a tagger's BIO tags.

The checker returns a :class:`~companion.exercises.harness.Feedback`, runs the student's code
through :func:`~companion.exercises.harness.run_student` (a time limit, every exception
reported) and compares with the companion's own :func:`~companion.data.inspec.phrases_in_tags`.
"""
from __future__ import annotations

from typing import Callable

from ..data.inspec import phrases_in_tags
from .harness import DEFAULT_TIMEOUT, Feedback, compare_lists, require_timeout

_B, _I, _O = "B-KP", "I-KP", "O"
# (words, tags): two phrases; a phrase at the very end; two phrases side by side; an I- after O;
# no phrase at all; one phrase twice; a one-word document.
CASES = (
    ("recurrent neural networks learn language models".split(), [_B, _I, _I, _O, _B, _I]),
    ("attention over the words".split(), [_B, _O, _O, _B]),
    ("tf-idf baseline ranks candidate phrases".split(), [_B, _B, _O, _B, _I]),
    ("the tagger wrote key phrases".split(), [_O, _O, _O, _I, _I]),
    ("nothing to find here".split(), [_O, _O, _O, _O]),
    ("speech recognition and speech recognition".split(), [_B, _I, _O, _B, _I]),
    (["ctc"], [_B]),
)


def _without_flush(words, tags):
    """Phrases closed only when an O or a B- follows them: the last phrase is lost."""
    phrases, current = [], []
    for word, tag in zip(words, tags):
        if tag == _O or tag.startswith("B-"):
            if current:
                phrases.append(" ".join(current))
            current = [word] if tag.startswith("B-") else []
        elif tag.startswith("I-"):
            current.append(word)
    return phrases


def _runs(words, tags):
    """Every run of tagged words as one phrase: B- does not split two phrases side by side."""
    phrases, current = [], []
    for word, tag in zip(words, tags):
        if tag == _O:
            if current:
                phrases.append(" ".join(current))
            current = []
        else:
            current.append(word)
    return phrases + ([" ".join(current)] if current else [])


def _b_only(words, tags):
    """A phrase only where a B- opens one: an I- after O is dropped."""
    phrases, inside = [], False
    for word, tag in zip(words, tags):
        if tag.startswith("B-"):
            phrases.append([word])
            inside = True
        elif tag.startswith("I-") and inside:
            phrases[-1].append(word)
        else:
            inside = False
    return [" ".join(p) for p in phrases]


_MISTAKES = (
    (_without_flush, "the last phrase is missing when the document ends inside it: after the loop, keep the "
                     "phrase you were still reading."),
    (_runs, "two phrases side by side became one: a B- tag always starts a new phrase, even right after an I- or a B-."),
    (_b_only, "an I- tag that follows an O starts a phrase (as the CoNLL scorer reads it); you dropped it."),
    (lambda words, tags: list(dict.fromkeys(phrases_in_tags(words, tags))),
     "a phrase marked twice should appear twice, in reading order; you kept it once."),
    (lambda words, tags: [p.split() for p in phrases_in_tags(words, tags)],
     "return each phrase as one string, its words joined by single spaces, not as a list of words."),
)


def check_bio_phrases(my_phrases: Callable, *, timeout: float = DEFAULT_TIMEOUT) -> Feedback:
    r"""Chapter 6, exercise "Phrases from tags": ``my_phrases(words, tags)`` must return the phrases the BIO tags mark.

    A phrase starts at a ``B-KP`` tag, or at an ``I-KP`` that follows an ``O``, and goes on over
    the ``I-KP`` tags after it; the answer is the list of phrases in reading order, each its
    words joined by single spaces, a phrase marked twice listed twice — what
    :func:`~companion.data.inspec.phrases_in_tags` returns. Seven cases: two phrases, a phrase
    at the very end, two phrases side by side, an ``I-`` after ``O``, none, one phrase twice, a
    one-word document. Hints name the last phrase lost, phrases side by side merged, an ``I-``
    after ``O`` dropped, repeats dropped, and lists of words returned instead of strings. Each
    call may take ``timeout`` seconds. Raises ``ValueError`` for a bad ``timeout`` only.
    """
    timeout = require_timeout(timeout)
    failed = compare_lists(
        my_phrases, CASES, phrases_in_tags,
        lambda words, tags: f"for the words {' '.join(words)!r} with tags {tags}:",
        "phrases (str)", _MISTAKES, timeout,
    )
    if failed is not None:
        return failed
    return Feedback(True, f"your phrases agree with phrases_in_tags on {len(CASES)} tag sequences: a B- always "
                          "opens a phrase, an I- after O does too, and the last phrase is kept.")
