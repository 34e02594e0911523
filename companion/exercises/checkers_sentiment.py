"""The checker of chapter 6's coding exercise on sentiment: the n-grams of a sentence, what a bag of n-grams counts.

The checker returns a :class:`~companion.exercises.harness.Feedback`, runs the student's code
through :func:`~companion.exercises.harness.run_student` (a time limit, every exception
reported) and compares with the companion's own :func:`~companion.models.baselines.ngrams`.
"""
from __future__ import annotations

from typing import Callable

from ..models.baselines import ngrams
from .harness import DEFAULT_TIMEOUT, Feedback, compare_lists, require_timeout

# (words, n): bigrams of the page's pair; unigrams; a bigram twice; trigrams; a sentence shorter
# than n; exactly n words.
CASES = (
    ("not good , quite bad".split(), 2),
    ("not bad , quite good".split(), 1),
    ("a good film , a good cast".split(), 2),
    ("i expected a good film and got a bad one".split(), 3),
    (["fine"], 2),
    ("a fine film".split(), 3),
)

_MISTAKES = (
    (lambda words, n: [" ".join(words[t : t + n]) for t in range(len(words) - n)],
     "the last n-gram is missing: a sentence of T words has T - n + 1 of them, so t runs over "
     "range(len(words) - n + 1)."),
    (lambda words, n: [" ".join(words[t : t + n]) for t in range(len(words))],
     "the n-grams at the end are cut short: every n-gram has exactly n words, so the last one "
     "starts at t = T - n."),
    (lambda words, n: [tuple(words[t : t + n]) for t in range(len(words) - n + 1)],
     "return each n-gram as one string, its words joined by single spaces (' '.join), not as a tuple."),
    (lambda words, n: [list(words[t : t + n]) for t in range(len(words) - n + 1)],
     "return each n-gram as one string, its words joined by single spaces (' '.join), not as a list."),
    (lambda words, n: ["".join(words[t : t + n]) for t in range(len(words) - n + 1)],
     "join the words of an n-gram with one space: 'not good', not 'notgood'."),
    (lambda words, n: sorted(ngrams(words, n)),
     "keep the n-grams in reading order; you sorted them."),
    (lambda words, n: list(dict.fromkeys(ngrams(words, n))),
     "an n-gram that occurs twice is listed twice; you kept it once."),
)


def check_ngrams(my_ngrams: Callable, *, timeout: float = DEFAULT_TIMEOUT) -> Feedback:
    r"""Chapter 6, exercise "A bag of bigrams": ``my_ngrams(words, n)`` must return the sentence's n-grams in reading order.

    .. math::  \mathrm{ngrams}(w_1 \dots w_T, n) = [\, w_t \cdots w_{t+n-1} \,]_{t = 1}^{T - n + 1}

    Each n-gram is its ``n`` words joined by single spaces; a sentence shorter than ``n`` has
    none; an n-gram that occurs twice is listed twice; what
    :func:`~companion.models.baselines.ngrams` returns (a list; a tuple is accepted). Six
    cases: the page's pair in bigrams and in unigrams, a bigram that occurs twice, trigrams of
    a longer sentence, a sentence shorter than ``n``, one exactly ``n`` words long. Hints name the last n-gram missing,
    n-grams cut short at the end, tuples or lists of words instead of strings, words joined
    without a space, sorted n-grams and repeats dropped. Each call may take ``timeout``
    seconds. Raises ``ValueError`` for a bad ``timeout`` only.
    """
    timeout = require_timeout(timeout)
    failed = compare_lists(
        my_ngrams, CASES, ngrams,
        lambda words, n: f"for the words {' '.join(words)!r} with n = {n}:",
        "n-grams (str)", _MISTAKES, timeout,
    )
    if failed is not None:
        return failed
    return Feedback(True, f"your n-grams agree with ngrams on {len(CASES)} sentences: T - n + 1 of them, "
                          "each n words joined by a space, in reading order.")
