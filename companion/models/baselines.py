"""A bag-of-words sentence classifier (logistic regression through scikit-learn), the baseline of chapter 6's recurrent classifiers, and the n-grams it counts.

A bag of words keeps which words a sentence holds and how often, and forgets their order:
"not good , quite bad" and "not bad , quite good" are the same bag. A bag of n-grams (adjacent
runs of ``n`` words, :func:`ngrams`) keeps order inside each run only. The classifier is
scikit-learn's ``CountVectorizer`` over the companion's :func:`ngrams` and its
``LogisticRegression``, with the regularisation strength chosen on validation data.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression

from .._checks import is_integer, is_real, require_positive_int

DEFAULT_CS = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
"""The inverse regularisation strengths :math:`C` that :class:`BagOfWordsClassifier` tries by default."""


def _require_words(name: str, words) -> tuple[str, ...]:
    if isinstance(words, (str, bytes)) or not isinstance(words, Sequence):
        hint = "; split the sentence into words first" if isinstance(words, str) else ""
        raise ValueError(f"{name}: expected a sequence of words (str), got {type(words).__name__}{hint}")
    for i, word in enumerate(words):
        if not isinstance(word, str) or not word or any(c.isspace() for c in word):
            raise ValueError(f"{name}[{i}]: expected a word (a non-empty str without spaces), got {word!r}")
    return tuple(words)


def ngrams(words: Sequence[str], n: int) -> list[str]:
    r"""The ``n``-grams of a sentence in reading order, each its ``n`` words joined by one space (chapter 6).

    A sentence of :math:`T` words has :math:`\max(T - n + 1, 0)` of them: ``ngrams(["not",
    "bad", "at", "all"], 2)`` is ``["not bad", "bad at", "at all"]``; a sentence shorter than
    ``n`` has none. Raises ``ValueError`` for ``words`` that are not a sequence of non-empty
    strings without spaces, or an ``n`` that is not a positive integer.
    """
    words = _require_words("words", words)
    n = require_positive_int("n", n)
    return [" ".join(words[t : t + n]) for t in range(len(words) - n + 1)]


def _require_ngram_range(ngram_range) -> tuple[int, int]:
    if (
        not isinstance(ngram_range, tuple)
        or len(ngram_range) != 2
        or not all(is_integer(n) and n >= 1 for n in ngram_range)
        or ngram_range[0] > ngram_range[1]
    ):
        raise ValueError(f"ngram_range: expected a pair (smallest n, largest n) of positive integers, got {ngram_range!r}")
    return int(ngram_range[0]), int(ngram_range[1])


def _require_cs(Cs) -> tuple[float, ...]:
    if isinstance(Cs, (str, bytes)) or not isinstance(Cs, Sequence) or not Cs:
        raise ValueError(f"Cs: expected a non-empty sequence of positive numbers, got {Cs!r}")
    for i, C in enumerate(Cs):
        if not is_real(C) or not np.isfinite(C) or C <= 0:
            raise ValueError(f"Cs[{i}]: expected a positive finite number, got {C!r}")
    return tuple(float(C) for C in Cs)


def _require_sentences(name: str, sentences) -> list[tuple[str, ...]]:
    if isinstance(sentences, (str, bytes)) or not isinstance(sentences, Sequence):
        raise ValueError(f"{name}: expected a list of sentences (each a sequence of words), got {type(sentences).__name__}")
    if not sentences:
        raise ValueError(f"{name}: expected at least one sentence, got an empty sequence")
    return [_require_words(f"{name}[{i}]", words) for i, words in enumerate(sentences)]


def _require_labels(name: str, labels, count: int) -> np.ndarray:
    if isinstance(labels, (str, bytes)) or not isinstance(labels, (Sequence, np.ndarray)):
        raise ValueError(f"{name}: expected one label (0 or 1) per sentence, got {type(labels).__name__}")
    values = list(labels.tolist() if isinstance(labels, np.ndarray) else labels)
    if len(values) != count:
        raise ValueError(f"{name}: expected one label per sentence ({count}), got {len(values)}")
    for i, label in enumerate(values):
        if not is_integer(label) or label not in (0, 1):
            raise ValueError(f"{name}[{i}]: expected 0 (negative) or 1 (positive), got {label!r}")
    return np.array(values, dtype=np.int64)


class BagOfWordsClassifier:
    r"""Logistic regression on a sentence's bag of words (or of n-grams), :math:`C` chosen on validation accuracy (chapter 6).

    .. math::  p(y = 1 \mid x) = \sigma(w^\top x + b), \qquad \sigma(z) = \frac{1}{1 + e^{-z}}

    :math:`x` has one entry per n-gram of the training sentences (:func:`ngrams`, for every
    :math:`n` in ``ngram_range``): 1 if the sentence holds it, else 0 (``binary=True``), or how
    many times it does (``binary=False``); n-grams never seen in training are dropped. The
    weights minimise the L2-regularised cross-entropy
    :math:`\frac12 \lVert w \rVert^2 + C \sum_i \mathrm{CE}_i` (scikit-learn's
    ``LogisticRegression``, solver lbfgs). :meth:`fit` trains one model per :math:`C` in ``Cs``
    on the training sentences and keeps the one with the best validation accuracy (the first
    of equal ones): ``C_`` and ``valid_accuracy_``. Nothing depends on word order beyond the
    n-grams, so two sentences with the same bag get exactly the same probability.

    Raises ``ValueError`` for an ``ngram_range`` that is not a pair ``(smallest, largest)`` of
    positive integers, a ``binary`` that is not a bool, or ``Cs`` that are not positive finite
    numbers; from :meth:`fit`, :meth:`predict_proba` and :meth:`accuracy` for sentences that are
    not non-empty lists of words (str without spaces) or labels that are not one 0 or 1 per
    sentence, and before :meth:`fit` for a classifier not fitted yet.
    """

    def __init__(self, ngram_range: tuple[int, int] = (1, 1), binary: bool = True, Cs: Sequence[float] = DEFAULT_CS):
        self.ngram_range = _require_ngram_range(ngram_range)
        if not isinstance(binary, bool):
            raise ValueError(f"binary: expected True or False, got {binary!r}")
        self.binary = binary
        self.Cs = _require_cs(Cs)
        self.C_: float | None = None
        self.valid_accuracy_: float | None = None
        self.valid_accuracies_: dict[float, float] = {}
        self._vectorizer: CountVectorizer | None = None
        self._model: LogisticRegression | None = None

    def _analyze(self, words) -> list[str]:
        smallest, largest = self.ngram_range
        return [gram for n in range(smallest, largest + 1) for gram in ngrams(words, n)]

    def fit(self, train_words, train_labels, valid_words, valid_labels) -> "BagOfWordsClassifier":
        """Fit one model per :math:`C` on the training sentences and keep the best on validation; returns ``self``.

        ``*_words``: lists of sentences, each a sequence of words; ``*_labels``: one 0 or 1 each.
        """
        train_words = _require_sentences("train_words", train_words)
        train_labels = _require_labels("train_labels", train_labels, len(train_words))
        valid_words = _require_sentences("valid_words", valid_words)
        valid_labels = _require_labels("valid_labels", valid_labels, len(valid_words))
        if len(set(train_labels.tolist())) < 2:
            raise ValueError("train_labels: expected both labels, 0 and 1, got only one of them")
        vectorizer = CountVectorizer(analyzer=self._analyze, binary=self.binary)
        x_train = vectorizer.fit_transform(train_words)
        x_valid = vectorizer.transform(valid_words)
        best = None
        self.valid_accuracies_ = {}
        for C in self.Cs:
            model = LogisticRegression(C=C, max_iter=5000).fit(x_train, train_labels)
            accuracy = float((model.predict(x_valid) == valid_labels).mean())
            self.valid_accuracies_[C] = accuracy
            if best is None or accuracy > best[0]:
                best = (accuracy, C, model)
        self.valid_accuracy_, self.C_, self._model = best
        self._vectorizer = vectorizer
        return self

    def _features(self, words_list):
        if self._model is None:
            raise ValueError("BagOfWordsClassifier: expected a fitted classifier, got one not fitted yet; call fit first")
        return self._vectorizer.transform(_require_sentences("words_list", words_list))

    def predict_proba(self, words_list) -> np.ndarray:
        """The probabilities ``(N, 2)`` float64 of label 0 (negative) and label 1 (positive) for each sentence."""
        features = self._features(words_list)
        return self._model.predict_proba(features).astype(np.float64)

    def accuracy(self, words_list, labels) -> float:
        """The fraction of sentences whose more probable label is their label."""
        features = self._features(words_list)
        labels = _require_labels("labels", labels, features.shape[0])
        return float((self._model.predict(features) == labels).mean())

    @property
    def vocabulary_size(self) -> int:
        """How many n-grams of the training sentences the bag has one entry for (after :meth:`fit`)."""
        if self._vectorizer is None:
            raise ValueError("BagOfWordsClassifier: expected a fitted classifier, got one not fitted yet; call fit first")
        return len(self._vectorizer.vocabulary_)
