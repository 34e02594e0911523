"""The checker of chapter 6's coding exercise on auto-encoders' vectors: nearest neighbours by cosine distance.

The checker returns a :class:`~companion.exercises.harness.Feedback`, runs the student's code
through :func:`~companion.exercises.harness.run_student` (a time limit, every exception
reported) and compares with scikit-learn's ``NearestNeighbors(metric="cosine")``, which the
page uses.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
from sklearn.neighbors import NearestNeighbors

from .harness import DEFAULT_TIMEOUT, Feedback, describe_type, require_timeout, run_student


def _cases() -> list[tuple[np.ndarray, np.ndarray, int]]:
    # Random vectors (no ties); the second has rows of very different lengths, so that a plain
    # dot product ranks them otherwise than the cosine; the third asks for every vector.
    rng = np.random.default_rng(1)
    return [
        (rng.normal(size=(50, 8)), rng.normal(size=(5, 8)), 3),
        (rng.normal(size=(30, 3)) * rng.uniform(0.1, 10, size=(30, 1)), rng.normal(size=(4, 3)), 2),
        (rng.normal(size=(6, 4)), rng.normal(size=(1, 4)), 6),
    ]


def _cosine_neighbours(vectors: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    search = NearestNeighbors(n_neighbors=k, metric="cosine", algorithm="brute").fit(vectors)
    return search.kneighbors(queries, return_distance=False)


_MISTAKES = (
    (lambda v, q, k: np.argsort(-(q @ v.T), axis=1, kind="stable")[:, :k],
     "divide every vector by its length before the dot products: a plain dot product favours long vectors."),
    (lambda v, q, k: np.argsort(((q[:, None, :] - v[None]) ** 2).sum(-1), axis=1, kind="stable")[:, :k],
     "that is the Euclidean distance; the cosine distance compares directions only: normalise the rows first."),
    (lambda v, q, k: np.argsort((q / np.linalg.norm(q, axis=1, keepdims=True))
                                @ (v / np.linalg.norm(v, axis=1, keepdims=True)).T, axis=1, kind="stable")[:, :k],
     "these are the farthest vectors: sort by similarity descending (distance ascending), nearest first."),
)


def _read_indices(value, expected: np.ndarray) -> tuple[np.ndarray | None, str]:
    """The student's answer as an integer array of the expected shape, or what is wrong with it."""
    try:
        given = np.asarray(value.detach().cpu() if hasattr(value, "detach") else value)
    except Exception:  # a ragged list or another object that is no array
        return None, f"expected an integer array of shape {expected.shape}, got {describe_type(value)}"
    if given.shape != expected.shape:
        return None, (f"expected an array of shape {expected.shape} (one row per query, k indices), "
                      f"got {describe_type(value)} of shape {given.shape}")
    if not (np.issubdtype(given.dtype, np.integer)
            or (np.issubdtype(given.dtype, np.floating) and np.all(given == np.round(given)))):
        return None, f"expected row indices (integers), got values of dtype {given.dtype}"
    return given.astype(np.int64), ""


def check_cosine_neighbours(my_cosine_neighbours: Callable, *, timeout: float = DEFAULT_TIMEOUT) -> Feedback:
    r"""Chapter 6, exercise "Cosine nearest neighbours": ``my_cosine_neighbours(vectors, queries, k)`` must return each query's ``k`` nearest rows.

    ``vectors`` is ``(N, D)``, ``queries`` ``(M, D)``; the answer is an ``(M, k)`` array of
    row indices of ``vectors``, nearest first, by the cosine distance

    .. math::  d(u, v) = 1 - \frac{u \cdot v}{\lVert u \rVert\, \lVert v \rVert},

    as scikit-learn's ``NearestNeighbors(metric="cosine")`` finds them (a list of lists, a
    NumPy array or a tensor; integer-valued floats are accepted). Three cases of random
    vectors without ties: 50 vectors in 8 dimensions, 30 vectors of very different lengths in
    3, and all 6 vectors of a set as neighbours. Hints name a dot product without
    normalisation, the Euclidean distance, and the farthest vectors instead of the nearest.
    Each call may take ``timeout`` seconds. Raises ``ValueError`` for a bad ``timeout`` only.
    """
    timeout = require_timeout(timeout)
    answers, failed = [], None
    for number, (vectors, queries, k) in enumerate(_cases(), start=1):
        place = f"in case {number} ({vectors.shape[0]} vectors of {vectors.shape[1]} numbers, k={k}),"
        outcome = run_student(my_cosine_neighbours, vectors.copy(), queries.copy(), k, timeout=timeout)
        if not outcome.returned:
            return outcome.feedback(place[0].upper() + place[1:])
        expected = _cosine_neighbours(vectors, queries, k)
        given, problem = _read_indices(outcome.value, expected)
        if given is None:
            return Feedback(False, f"{place} {problem}.")
        answers.append(((vectors, queries, k), given))
        if failed is None and not np.array_equal(given, expected):
            row = int(np.flatnonzero((given != expected).any(axis=1))[0])
            failed = f"{place} query {row}: expected neighbours {expected[row].tolist()}, got {given[row].tolist()}"
    if failed is not None:
        hint = next((h for wrong, h in _MISTAKES if all(np.array_equal(wrong(*case), a) for case, a in answers)), "")
        return Feedback(False, failed + ("; " + hint if hint else "."))
    return Feedback(True, "your neighbours match scikit-learn's in every case, nearest first.")
