"""A key-phrase extractor without learning from tags: candidate n-grams of the document ranked by TF-IDF (chapter 6).

The baseline every key-phrase method is compared with: take the word sequences of the document
that could be phrases, score each by how often it occurs in the document and how rare it is in
a collection of other documents, and keep the best ``k``. Its document frequencies come from
scikit-learn's ``TfidfVectorizer`` fitted on the training documents; the number of phrases ``k``
is chosen on validation data (:meth:`TfidfKeyphraseExtractor.choose_k`).
"""
from __future__ import annotations

import math
from typing import Sequence

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

from .._checks import is_integer, require_positive_int, require_str_list
from ..data.inspec import tokenize
from ..metrics import keyphrase_scores


def _is_word(token: str) -> bool:
    return token[0].isalnum()


class TfidfKeyphraseExtractor:
    r"""The top ``k`` candidate phrases of a document by TF-IDF: a baseline for key-phrase extraction (chapter 6).

    **Candidates.** The document is tokenized by :func:`~companion.data.inspec.tokenize`; every
    run of 1 to ``max_words`` consecutive words that crosses no punctuation token and neither
    starts nor ends with an English stop word (scikit-learn's list: *of*, *the*, *for*, ...) is
    a candidate, so "support vector machines" and "rate of convergence" are candidates and "of
    convergence" is not.

    **Scores.** With :math:`\mathrm{tf}(c, d)` the number of times candidate :math:`c` occurs in
    document :math:`d`, :math:`N` the number of training documents and :math:`\mathrm{df}(c)`
    how many of them hold :math:`c`,

    .. math::  s(c, d) = \mathrm{tf}(c, d) \cdot \Big(\ln \frac{1 + N}{1 + \mathrm{df}(c)} + 1\Big)

    the smoothed idf of scikit-learn's ``TfidfVectorizer``, which :meth:`fit` runs over the
    training documents. A candidate that no training document holds has :math:`\mathrm{df} =
    0`, the largest idf (the vectorizer itself would drop it). The ``top_k`` candidates of
    highest score are the key phrases; ties go to the one that occurs first. Candidates may
    overlap ("neural", "neural network").

    Raises ``ValueError`` if ``top_k`` or ``max_words`` is not a positive integer; the methods
    raise as they say.
    """

    def __init__(self, top_k: int = 10, max_words: int = 3):
        self.top_k = require_positive_int("top_k", top_k)
        self.max_words = require_positive_int("max_words", max_words)
        self.idf: dict[str, float] | None = None
        self.unseen_idf: float | None = None

    def candidates(self, text: str) -> list[str]:
        """Every candidate occurrence of ``text`` in reading order (repeats included), each its tokens joined by spaces.

        Raises ``ValueError`` if ``text`` is not a string.
        """
        tokens = tokenize(text)
        found = []
        for start in range(len(tokens)):
            for n in range(1, self.max_words + 1):
                gram = tokens[start : start + n]
                if len(gram) < n or not _is_word(gram[-1]):
                    break  # a punctuation token ends every longer n-gram from here too
                if gram[0] in ENGLISH_STOP_WORDS:
                    break
                if gram[-1] not in ENGLISH_STOP_WORDS:
                    found.append(" ".join(gram))
        return found

    def fit(self, texts: Sequence[str]) -> "TfidfKeyphraseExtractor":
        """Learn the document frequencies of the candidates of ``texts`` (the training documents); returns ``self``.

        Raises ``ValueError`` if ``texts`` is not a non-empty list of strings.
        """
        texts = require_str_list("texts", texts, "text")
        vectorizer = TfidfVectorizer(analyzer=self.candidates, smooth_idf=True)
        vectorizer.fit(texts)
        self.idf = dict(zip(vectorizer.get_feature_names_out(), vectorizer.idf_.tolist()))
        self.unseen_idf = math.log((1 + len(texts)) / 1) + 1
        return self

    def scores(self, text: str) -> list[tuple[str, float]]:
        """``(candidate, score)`` for each distinct candidate of ``text``, best first (ties: first occurrence first).

        Raises ``ValueError`` if the extractor was not fitted, or ``text`` is not a string.
        """
        if self.idf is None:
            raise ValueError("self: expected a fitted extractor, got one never fitted; call fit(training texts) first")
        counts: dict[str, int] = {}
        for candidate in self.candidates(text):
            counts[candidate] = counts.get(candidate, 0) + 1  # dicts keep the order of first occurrence
        scored = [(c, n * self.idf.get(c, self.unseen_idf)) for c, n in counts.items()]
        return sorted(scored, key=lambda item: -item[1])  # a stable sort keeps ties in reading order

    def extract(self, text: str, k: int | None = None) -> list[str]:
        """The ``k`` (default ``top_k``) best candidates of ``text``, fewer if it has fewer.

        Raises ``ValueError`` for a ``k`` that is not a positive integer, and as :meth:`scores` does.
        """
        k = self.top_k if k is None else require_positive_int("k", k)
        return [candidate for candidate, _ in self.scores(text)[:k]]

    def choose_k(self, texts: Sequence[str], gold: Sequence[Sequence[str]], ks: Sequence[int] = tuple(range(1, 21))) -> dict[int, float]:
        """Set ``top_k`` to the ``k`` of ``ks`` with the best phrase F1 on ``texts`` (validation documents) against ``gold``.

        Scored by :func:`~companion.metrics.keyphrase_scores`; the smallest of equally good ``k``
        is kept. Returns ``{k: F1}`` for every ``k`` tried. Raises ``ValueError`` if ``ks`` is not
        a non-empty list of positive integers, ``gold`` does not hold one phrase list per text,
        and as :meth:`scores` does.
        """
        texts = require_str_list("texts", texts, "text")
        if isinstance(ks, str) or not isinstance(ks, Sequence) or not ks or not all(is_integer(k) and k >= 1 for k in ks):
            raise ValueError(f"ks: expected a non-empty list of positive integers, got {ks!r:.60}")
        ranked = [[c for c, _ in self.scores(text)] for text in texts]
        f1 = {int(k): keyphrase_scores(gold, [r[:k] for r in ranked]).f1 for k in ks}
        self.top_k = max(f1, key=lambda k: (f1[k], -k))
        return f1
