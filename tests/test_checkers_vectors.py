"""The checker of chapter 6's auto-encoder exercise against a table of student answers: correct solutions,
each hinted mistake, a stub, wrong types and shapes, an endless loop. A checker never raises because of the student."""
import numpy as np
import pytest
import torch

from companion.exercises import check_cosine_neighbours
from companion.exercises.checkers_vectors import _MISTAKES, _cases, _cosine_neighbours

TIMEOUT = 0.5  # seconds: the endless loop of the table ends in this time


def stub(vectors, queries, k):
    raise NotImplementedError  # your code here


def loops_for_ever(vectors, queries, k):
    while True:
        pass


def normalised_product(vectors, queries, k):
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    similarity = queries @ unit.T
    return np.argsort(-similarity, axis=1)[:, :k]


def with_a_loop(vectors, queries, k):
    rows = []
    for query in queries:
        distances = [1 - query @ v / (np.linalg.norm(query) * np.linalg.norm(v)) for v in vectors]
        rows.append(sorted(range(len(vectors)), key=distances.__getitem__)[:k])
    return rows


ANSWERS = [
    (normalised_product, True, "match scikit-learn's in every case"),
    (with_a_loop, True, "match"),
    (lambda v, q, k: torch.as_tensor(normalised_product(v, q, k)), True, "match"),
    (lambda v, q, k: normalised_product(v, q, k).astype(float), True, "match"),
    *[(wrong, False, hint[:30]) for wrong, hint in _MISTAKES],
    (lambda v, q, k: normalised_product(v, q, k).T, False, "expected an array of shape (5, 3) (one row per query, k indices)"),
    (lambda v, q, k: normalised_product(v, q, k) + 0.5, False, "expected row indices (integers), got values of dtype float64"),
    (lambda v, q, k: [[0, 1], [2]], False, "expected an integer array of shape (5, 3)"),
    (lambda v, q, k: None, False, "expected an array of shape (5, 3)"),
    (lambda v, q: [], False, "raised TypeError"),
    (stub, False, "still a stub"),
    (loops_for_ever, False, "did not finish within 0.5 seconds"),
    ("my_cosine_neighbours", False, "the checker needs your function itself"),
]


@pytest.mark.parametrize("answer, passes, phrase", ANSWERS)
def test_verdicts(answer, passes, phrase):
    feedback = check_cosine_neighbours(answer, timeout=TIMEOUT)
    assert feedback.passed is passes, feedback
    assert phrase in feedback.message, feedback.message


def test_each_mistake_fails_some_case_and_gets_its_own_hint():
    for index, (wrong, hint) in enumerate(_MISTAKES):
        assert any(not np.array_equal(wrong(*case), _cosine_neighbours(*case)) for case in _cases())
        assert check_cosine_neighbours(wrong, timeout=TIMEOUT).message.endswith(hint), index


def test_the_cases_have_no_ties():
    for vectors, queries, k in _cases():
        unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
        similarity = np.sort(queries @ unit.T, axis=1)
        assert np.diff(similarity, axis=1).min() > 1e-6


def test_a_bad_timeout_is_the_only_error():
    with pytest.raises(ValueError, match="timeout"):
        check_cosine_neighbours(normalised_product, timeout=0)
