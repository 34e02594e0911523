r"""The checkers of chapter 6's coding exercises on CTC: the collapse of a path, and counting the alignments of a label sequence.

Each checker returns a :class:`~companion.exercises.harness.Feedback`, runs the student's code
through :func:`~companion.exercises.harness.run_student` (a time limit, every exception
reported) and compares with the companion's own functions, :func:`~companion.ctc.ctc_collapse`
and :func:`~companion.ctc.count_alignments`. Class ids are integers and the blank is 0 unless a
case says otherwise; a path ``[1, 1, 0, 2, 2]`` is "a a - b b".
"""
from __future__ import annotations

import itertools
from typing import Callable

import numpy as np
import torch

from .._checks import is_integer
from ..ctc import count_alignments, ctc_collapse
from .answers import read_count
from .harness import DEFAULT_TIMEOUT, Feedback, describe_type, require_timeout, run_student

# (path, blank): repeats, a blank between equal labels, leading and trailing blanks, all blanks,
# the empty path, another blank id, and everything at once.
COLLAPSE_CASES = (
    ([1, 1, 0, 2, 2], 0),
    ([1, 0, 1], 0),
    ([0, 0, 1, 1, 0, 0], 0),
    ([0, 0, 0], 0),
    ([], 0),
    ([3, 3, 1, 1, 3, 2, 2, 3, 2], 3),
    ([2, 2, 2, 1, 0, 1, 1, 0, 0, 2], 0),
)
# (num_frames, labels): the chapter's example first; repeated labels; too few frames (0).
COUNT_CASES = (
    (4, [1, 2]),
    (3, [1]),
    (3, []),
    (3, [1, 1]),
    (5, [1, 1]),
    (6, [1, 2, 1]),
    (6, [2, 2, 1]),
    (2, [1, 1]),
    (1, [1, 2]),
)


# --- the collapse -----------------------------------------------------------------------------


def _drop_then_merge(path, blank):
    kept = [p for p in path if p != blank]
    return [p for i, p in enumerate(kept) if i == 0 or p != kept[i - 1]]


_COLLAPSE_MISTAKES = (
    (_drop_then_merge,
     "you dropped the blanks before merging repeats, so the two a's of \"a - a\" became one. Merge repeated "
     "neighbours first, then drop the blanks: a blank between two equal labels keeps both."),
    (lambda path, blank: [p for p in path if p != blank],
     "you dropped the blanks but did not merge repeated neighbours: \"a a\" on two frames is one a."),
    (lambda path, blank: [p for i, p in enumerate(path) if i == 0 or p != path[i - 1]],
     "you merged the repeats but kept the blanks: drop them after merging."),
    (lambda path, blank: ctc_collapse(path, 0),
     "you took 0 as the blank; use the blank argument, here not 0."),
    (lambda path, blank: list(dict.fromkeys(p for p in path if p != blank)),
     "you kept each label once; only repeated neighbours are merged, so a label may come back later."),
)


def _read_labels(value) -> tuple[list[int] | None, str]:
    """The student's labels as a list of ints, or the problem in words."""
    wanted = "a list of class ids such as [1, 2]"
    if isinstance(value, str):
        return None, f"expected {wanted}, got a str {value!r}: return the ids, not text."
    if isinstance(value, (torch.Tensor, np.ndarray)):
        if value.ndim != 1 or value.dtype in (torch.bool, np.bool_):
            return None, f"expected {wanted}, got {describe_type(value)} of shape {tuple(value.shape)}."
        value = value.tolist()
    if hasattr(value, "__next__") and not isinstance(value, (list, tuple)):
        return None, f"expected {wanted}, got {describe_type(value)}: an iterator; wrap it in list(...)."
    if not isinstance(value, (list, tuple)):
        return None, f"expected {wanted}, got {describe_type(value)}."
    items = [v.item() if isinstance(v, (np.generic, torch.Tensor)) and np.size(v) == 1 else v for v in value]
    bad = [v for v in items if not (is_integer(v) or (isinstance(v, float) and v.is_integer()))]
    if bad:
        return None, f"expected {wanted}, whole numbers, got {bad[0]!r} ({describe_type(bad[0])}) among them."
    return [int(v) for v in items], ""


def check_ctc_collapse(my_collapse: Callable, *, timeout: float = DEFAULT_TIMEOUT) -> Feedback:
    r"""Chapter 6, exercise "The collapse": ``my_collapse(path, blank=0)`` must return :math:`B(\pi)`.

    .. math::
        B(\pi) = \text{drop blanks}(\text{merge repeats}(\pi))

        B(a\,a\,\epsilon\,b\,b) = ab, \qquad B(a\,\epsilon\,a) = aa

    (Graves et al. 2006). The exercise: write ``my_collapse(path, blank=0)``, where ``path`` is a
    list of class ids, one per frame; return the label sequence as a list of ids. A list,
    tuple, 1-D integer array or tensor is accepted. Seven paths: repeats, a blank between equal
    labels, leading and trailing blanks, all blanks, the empty path, blank 3 instead of 0, and
    all at once. Hints name blanks dropped before merging, repeats not merged, blanks kept, the
    blank taken as 0, and labels kept once. Each call may take ``timeout`` seconds. Raises
    ``ValueError`` for a bad ``timeout`` only.
    """
    timeout = require_timeout(timeout)
    answers, failed = [], None  # every case is run, so that a hint is given only if it fits all the answers
    for path, blank in COLLAPSE_CASES:
        where = f"for the path {path} with blank = {blank}:"
        outcome = run_student(my_collapse, list(path), blank, timeout=timeout)  # a copy: the student may change it
        if not outcome.returned:
            if failed is None:
                both = ("The checker calls my_collapse(path, blank): give your function both parameters, "
                        "def my_collapse(path, blank=0)." if "positional argument" in outcome.problem else "")
                return outcome.feedback(where, hint_if_raised=both)
            break
        given, problem = _read_labels(outcome.value)
        if problem:
            if failed is None:
                return Feedback(False, f"{where} {problem}")
            break
        answers.append(((path, blank), given))
        if failed is None and given != ctc_collapse(path, blank):
            failed = (where, ctc_collapse(path, blank), given)
    if failed is not None:
        where, expected, given = failed
        hint = next((h for wrong, h in _COLLAPSE_MISTAKES if all(wrong(*case) == a for case, a in answers)), "")
        return Feedback(False, f"{where} expected {expected}, got {given}{'; ' + hint if hint else '.'}")
    return Feedback(True, f"your collapse agrees with ctc_collapse on {len(COLLAPSE_CASES)} paths: \"a a - b b\" is "
                          "ab, \"a - a\" is aa, and a path of blanks is the empty labelling.")


# --- counting the alignments ------------------------------------------------------------------


def _lattice_count(num_frames: int, labels: list[int], skip_equal=False, skip=True, ends=(True, True)) -> int:
    """The forward recursion with counts; the options are the mistakes the checker names."""
    extended = [0] + [x for label in labels for x in (label, 0)]
    counts = [int(s < 2) for s in range(len(extended))]
    for _ in range(num_frames - 1):
        counts = [counts[s] + (counts[s - 1] if s >= 1 else 0)
                  + (counts[s - 2] if s >= 2 and skip and extended[s] != 0
                     and (skip_equal or extended[s] != extended[s - 2]) else 0)
                  for s in range(len(extended))]
    if len(extended) == 1:
        return counts[0]
    return (counts[-1] if ends[0] else 0) + (counts[-2] if ends[1] else 0)


def _enumerated(num_frames: int, labels: list[int], collapse) -> int:
    """Paths over the blank and the labels that ``collapse`` maps to ``labels``: a student's enumeration."""
    symbols = sorted({0, *labels})
    return sum(collapse(list(path), 0) == labels for path in itertools.product(symbols, repeat=num_frames))


def _count_mistakes(num_frames: int, labels: list[int]) -> list[tuple[int, str]]:
    """(the count a mistake gives, its hint) for each classic mistake."""
    return [
        (_lattice_count(num_frames, labels, skip_equal=True),
         "you let a path skip the blank between two equal labels, but \"a a\" collapses to one a: the skip "
         "from l'_{s-2} to l'_s is allowed only into a label that differs from the one before (C(T + U, 2U) "
         "counts the same way; with r pairs of equal neighbours it is C(T + U - r, 2U))."),
        (_lattice_count(num_frames, labels, skip=False),
         "you never skipped a blank: a path may go from one label straight to a different next label."),
        # Paths of T frames that end on the final blank are the paths of T - 1 frames plus that blank.
        (_lattice_count(num_frames, labels, ends=(True, False)),
         "you counted only the paths that end on the final blank (as many as all the paths of num_frames - 1 "
         "frames); they may also end on the last label."),
        (_lattice_count(num_frames, labels, ends=(False, True)),
         "you counted only the paths that end on the last label; they may also end on the final blank."),
        (_enumerated(num_frames, labels, _drop_then_merge),
         "your collapse drops the blanks before merging repeats, so it merges the two a's of \"a - a\": merge "
         "first, then drop."),
        (_enumerated(num_frames, labels, lambda path, blank: [p for p in path if p != blank]),
         "your collapse does not merge repeated neighbours."),
        (count_alignments(num_frames + 1, labels),
         "this is the count for num_frames + 1 frames: count paths of exactly num_frames frames."),
    ]


def check_count_alignments(my_count: Callable, *, timeout: float = DEFAULT_TIMEOUT) -> Feedback:
    r"""Chapter 6, exercise "How many alignments?": ``my_count(num_frames, labels)`` must return :math:`|B^{-1}(\mathbf{l})|`.

    .. math::  |B^{-1}(\mathbf{l})| = \#\{\pi \in \{\epsilon, 1, \dots\}^T : B(\pi) = \mathbf{l}\}
               = \binom{T + U - r}{2U}

    (:math:`r` the adjacent repeated labels). The exercise: write ``my_count(num_frames,
    labels)``, where ``labels`` is a list of class ids (0 is the blank, never a label), by
    enumerating the paths or by the forward recursion with counts; return the number of paths
    of ``num_frames`` frames that collapse to ``labels``, 0 when there are too few frames.
    Nine cases, from 15 alignments of ``[1, 2]`` in 4 frames to repeated labels and too few
    frames; a whole number of any numeric type is accepted. Hints name the skip allowed between
    equal labels (the closed form without repeats), no skip, one ending only (or a frame too
    few), a frame too many, a wrong collapse in an enumeration, an exception where the count is
    0, and the alignments returned instead of their number. Each call may take ``timeout`` seconds.
    Raises ``ValueError`` for a bad ``timeout`` only.
    """
    timeout = require_timeout(timeout)
    answers, failed = [], None  # every case is run, so that a hint is given only if it fits all the answers
    for num_frames, labels in COUNT_CASES:
        expected = count_alignments(num_frames, labels)
        where = f"with num_frames = {num_frames} and labels = {labels}:"
        outcome = run_student(my_count, num_frames, list(labels), timeout=timeout)
        problem = ""
        if not outcome.returned:
            zero = ("Here no path fits (too few frames for the labels and a blank between each pair of equal "
                    "neighbours): return 0." if not expected else "")
            problem = outcome.feedback(where, hint_if_raised=zero).message
        elif _is_list_of_paths(outcome.value, expected):
            problem = f"{where} you returned the {expected} alignments themselves; return how many there are, len(...)."
        else:
            given, read_problem = read_count(outcome.value, "the number of alignments")
            problem = f"{where} {read_problem}" if read_problem else ""
        if problem:
            if failed is None:
                return Feedback(False, problem)
            break
        answers.append(((num_frames, labels), given))
        if failed is None and given != expected:
            failed = (where, expected, given)
    if failed is not None:
        where, expected, given = failed
        mistakes = [_count_mistakes(*case) for case, _ in answers]
        hint = next((hint for i, (_, hint) in enumerate(mistakes[0])
                     if all(m[i][0] == a for m, (_, a) in zip(mistakes, answers))), "")
        return Feedback(False, f"{where} expected {expected} alignment{'s' if expected != 1 else ''}, got {given}{'; ' + hint if hint else '.'}")
    return Feedback(True, f"your counts agree with count_alignments on {len(COUNT_CASES)} cases: 15 alignments of "
                          "[1, 2] in 4 frames, and none of [1, 1] in 2 frames, since equal neighbours need a blank.")


def _is_list_of_paths(value, expected: int) -> bool:
    return (isinstance(value, (list, tuple)) and len(value) == expected > 0
            and all(isinstance(v, (list, tuple, str)) for v in value))
