"""The checkers of chapter 6's CTC exercises against tables of student answers: correct solutions,
each hinted mistake, a stub, a wrong type, an endless loop. Each row is a student's answer, the
verdict it must get and a phrase of the message; a checker never raises because of the student."""
import itertools
import math
import sys
import time

import numpy as np
import pytest
import torch

from companion.ctc import count_alignments, ctc_collapse
from companion.exercises.checkers_ctc import (
    COLLAPSE_CASES,
    COUNT_CASES,
    check_count_alignments,
    check_ctc_collapse,
)
from companion.exercises.harness import Feedback

TIMEOUT = 0.5  # seconds: the endless loops of the tables end in this time


def stub(*args):
    raise NotImplementedError  # your code here


def loops_for_ever(*args):
    while True:
        pass


def exits(*args):
    sys.exit()


# ------------------------------------------------------------------------------------------
# the collapse


def my_collapse(path, blank=0):
    """The exercise's solution: merge repeated neighbours, then drop the blanks."""
    merged = [p for i, p in enumerate(path) if i == 0 or p != path[i - 1]]
    return [p for p in merged if p != blank]


def one_pass(path, blank=0):
    """The same in one loop, remembering the previous frame."""
    labels, previous = [], None
    for p in path:
        if p != previous and p != blank:
            labels.append(p)
        previous = p
    return labels


def drop_then_merge(path, blank=0):
    kept = [p for p in path if p != blank]
    return [p for i, p in enumerate(kept) if i == 0 or p != kept[i - 1]]


def compares_with_the_last_kept(path, blank=0):
    """Merges a label with the last label *kept*, across blanks: drop-then-merge in disguise."""
    labels = []
    for p in path:
        if p != blank and (not labels or labels[-1] != p):
            labels.append(p)
    return labels


def changes_the_path(path, blank=0):
    result = my_collapse(path, blank)
    path.clear()
    return result


COLLAPSE_TABLE = [
    ("correct", my_collapse, True, "your collapse agrees with ctc_collapse on 7 paths"),
    ("one pass", one_pass, True, "agrees"),
    ("the companion's", ctc_collapse, True, "agrees"),
    ("a tuple", lambda path, blank=0: tuple(my_collapse(path, blank)), True, "agrees"),
    ("a NumPy array", lambda path, blank=0: np.array(my_collapse(path, blank), dtype=np.int64), True, "agrees"),
    ("a tensor", lambda path, blank=0: torch.tensor(my_collapse(path, blank), dtype=torch.long), True, "agrees"),
    ("NumPy ints", lambda path, blank=0: [np.int64(p) for p in my_collapse(path, blank)], True, "agrees"),
    ("changes its argument", changes_the_path, True, "agrees"),
    ("stub", stub, False, "the function is still a stub"),
    ("loops for ever", loops_for_ever, False, "did not finish within 0.5 seconds"),
    ("exits", exits, False, "called exit (SystemExit)"),
    ("raises on the empty path", lambda path, blank=0: my_collapse(path, blank) if path else path[0], False, "for the path [] with blank = 0: your function raised IndexError"),
    ("not a function", [1, 2], False, "the checker needs your function itself"),
    ("no blank parameter", lambda path: my_collapse(path), False, "give your function both parameters"),
    ("None", lambda path, blank=0: None, False, "forget to `return`"),
    ("a string", lambda path, blank=0: "ab", False, "got a str 'ab': return the ids, not text"),
    ("an iterator", lambda path, blank=0: filter(lambda p: p != blank, path), False, "wrap it in list(...)"),
    ("a number", lambda path, blank=0: len(path), False, "expected a list of class ids such as [1, 2], got a int"),
    ("a 2-D array", lambda path, blank=0: np.array([my_collapse(path, blank)]), False, "of shape (1, 2)"),
    ("halves", lambda path, blank=0: [p / 2 for p in my_collapse(path, blank)], False, "whole numbers, got 0.5"),
    ("drops blanks before merging", drop_then_merge, False,
     "for the path [1, 0, 1] with blank = 0: expected [1, 1], got [1]; you dropped the blanks before merging"),
    ("merges with the last kept label", compares_with_the_last_kept, False, "Merge repeated neighbours first"),
    ("no merge", lambda path, blank=0: [p for p in path if p != blank], False,
     "expected [1, 2], got [1, 1, 2, 2]; you dropped the blanks but did not merge repeated neighbours"),
    ("blanks kept", lambda path, blank=0: [p for i, p in enumerate(path) if i == 0 or p != path[i - 1]], False,
     "you merged the repeats but kept the blanks"),
    ("blank taken as 0", lambda path, blank=0: my_collapse(path, 0), False, "you took 0 as the blank"),
    ("each label once", lambda path, blank=0: list(dict.fromkeys(p for p in path if p != blank)), False,
     "you kept each label once"),
    ("first frame lost", lambda path, blank=0: my_collapse(path[1:], blank), False,
     "for the path [1, 0, 1] with blank = 0: expected [1, 1], got [1]."),
]


def test_the_collapse_cases_cover_what_the_docstring_says():
    paths = [path for path, _ in COLLAPSE_CASES]
    assert [] in paths and [0, 0, 0] in paths
    assert any(path and path[0] == blank and path[-1] == blank and set(path) != {blank} for path, blank in COLLAPSE_CASES)
    assert any(blank != 0 for _, blank in COLLAPSE_CASES)
    # a blank between two equal labels, and repeats merged
    assert any(ctc_collapse(path, blank) != drop_then_merge(path, blank) for path, blank in COLLAPSE_CASES)


# ------------------------------------------------------------------------------------------
# counting the alignments


def count_by_enumeration(num_frames, labels):
    """The exercise's first solution: every path over the blank and the labels, collapsed."""
    symbols = sorted({0, *labels})
    return sum(my_collapse(list(path)) == labels for path in itertools.product(symbols, repeat=num_frames))


def count_by_recursion(num_frames, labels, allow_equal_skip=False, skip=True, last_label_end=True,
                       blank_end=True):
    """The exercise's second solution, the forward recursion with counts; the options are mistakes."""
    extended = [0]
    for label in labels:
        extended += [label, 0]
    counts = [1 if s < 2 else 0 for s in range(len(extended))]
    for _ in range(num_frames - 1):
        new = []
        for s in range(len(extended)):
            n = counts[s] + (counts[s - 1] if s >= 1 else 0)
            if skip and s >= 2 and extended[s] != 0 and (allow_equal_skip or extended[s] != extended[s - 2]):
                n += counts[s - 2]
            new.append(n)
        counts = new
    if len(extended) == 1:
        return counts[0]
    return (counts[-1] if blank_end else 0) + (counts[-2] if last_label_end else 0)


def raises_when_too_short(num_frames, labels):
    needed = len(labels) + sum(a == b for a, b in zip(labels, labels[1:]))
    if num_frames < needed:
        raise ValueError("not enough frames")
    return count_by_recursion(num_frames, labels)


def all_alignments(num_frames, labels):
    symbols = sorted({0, *labels})
    return [path for path in itertools.product(symbols, repeat=num_frames) if my_collapse(list(path)) == labels]


COUNT_TABLE = [
    ("by enumeration", count_by_enumeration, True, "your counts agree with count_alignments on 9 cases"),
    ("by recursion", count_by_recursion, True, "agree"),
    ("the companion's", count_alignments, True, "agree"),
    ("the closed form", lambda t, l: math.comb(t + len(l) - sum(a == b for a, b in zip(l, l[1:])), 2 * len(l)),
     True, "agree"),
    ("a float", lambda t, l: float(count_by_recursion(t, l)), True, "agree"),
    ("a tensor", lambda t, l: torch.tensor(count_by_recursion(t, l)), True, "agree"),
    ("a NumPy int", lambda t, l: np.int64(count_by_recursion(t, l)), True, "agree"),
    ("stub", stub, False, "the function is still a stub"),
    ("loops for ever", loops_for_ever, False, "did not finish within 0.5 seconds"),
    ("exits", exits, False, "called exit (SystemExit)"),
    ("not a function", 15, False, "the checker needs your function itself"),
    ("None", lambda t, l: None, False, "forget to `return`"),
    ("a string", lambda t, l: "15", False, "got a str"),
    ("a fraction", lambda t, l: count_by_recursion(t, l) + 0.5, False, "which is not a whole number"),
    ("NaN", lambda t, l: math.nan, False, "your function returned NaN"),
    ("the alignments themselves", all_alignments, False,
     "with num_frames = 4 and labels = [1, 2]: you returned the 15 alignments themselves"),
    ("raises when too short", raises_when_too_short, False,
     "with num_frames = 2 and labels = [1, 1]: your function raised ValueError: not enough frames"),
    ("raises when too short, no repeats", lambda t, l: raises_when_too_short(t, l) if (t, l) != (2, [1, 1]) else 0, False,
     "with num_frames = 1 and labels = [1, 2]: your function raised ValueError: not enough frames (line"),
    ("skip between equal labels", lambda t, l: count_by_recursion(t, l, allow_equal_skip=True), False,
     "with num_frames = 3 and labels = [1, 1]: expected 1 alignment, got 5; you let a path skip the blank"),
    ("the closed form without repeats", lambda t, l: math.comb(t + len(l), 2 * len(l)), False,
     "C(T + U, 2U) counts the same way"),
    ("no skip", lambda t, l: count_by_recursion(t, l, skip=False), False, "you never skipped a blank"),
    ("ends on the blank only", lambda t, l: count_by_recursion(t, l, last_label_end=False), False,
     "expected 15 alignments, got 5; you counted only the paths that end on the final blank"),
    ("one frame too few", lambda t, l: count_by_recursion(t - 1, l) if t > 1 else 0, False,
     "as many as all the paths of num_frames - 1 frames"),
    ("ends on the label only", lambda t, l: count_by_recursion(t, l, blank_end=False), False,
     "you counted only the paths that end on the last label"),
    ("one frame too many", lambda t, l: count_by_recursion(t + 1, l), False, "this is the count for num_frames + 1"),
    ("enumerates with drop-then-merge",
     lambda t, l: sum(drop_then_merge(list(p)) == l for p in itertools.product(sorted({0, *l}), repeat=t)), False,
     "your collapse drops the blanks before merging repeats"),
    ("enumerates without merging",
     lambda t, l: sum([p for p in path if p != 0] == l for path in itertools.product(sorted({0, *l}), repeat=t)),
     False, "your collapse does not merge repeated neighbours"),
    ("one more", lambda t, l: count_by_recursion(t, l) + 1, False,
     "with num_frames = 4 and labels = [1, 2]: expected 15 alignments, got 16."),
]


def test_the_count_cases_cover_repeats_and_too_few_frames():
    assert COUNT_CASES[0] == (4, [1, 2]) and count_alignments(4, [1, 2]) == 15  # the chapter's example
    counts = [count_alignments(t, labels) for t, labels in COUNT_CASES]
    assert 0 in counts and any(a == b for _, labels in COUNT_CASES for a, b in zip(labels, labels[1:]))
    assert all(count_by_enumeration(t, labels) == c for (t, labels), c in zip(COUNT_CASES, counts))


# ------------------------------------------------------------------------------------------
# every checker, every row


TABLES = {
    "check_ctc_collapse": (check_ctc_collapse, COLLAPSE_TABLE),
    "check_count_alignments": (check_count_alignments, COUNT_TABLE),
}
ROWS = [
    pytest.param(checker, answer, passed, phrase, id=f"{name}: {case}")
    for name, (checker, table) in TABLES.items()
    for case, answer, passed, phrase in table
]
CHECKERS = [pytest.param(checker, id=name) for name, (checker, _) in TABLES.items()]


@pytest.mark.parametrize("checker, answer, passed, phrase", ROWS)
def test_every_checker_judges_every_kind_of_answer(checker, answer, passed, phrase):
    start = time.monotonic()
    verdict = checker(answer, timeout=TIMEOUT)  # never raises
    assert isinstance(verdict, Feedback) and verdict.passed is passed, verdict.message
    assert phrase in verdict.message, verdict.message
    assert time.monotonic() - start < 20 * TIMEOUT  # the loops were stopped, not waited out


@pytest.mark.parametrize("name, table", [(name, table) for name, (_, table) in TABLES.items()])
def test_each_hinted_mistake_has_its_own_phrase(name, table):
    phrases = [phrase for _, _, passed, phrase in table if not passed]
    assert len(phrases) == len(set(phrases)), name


@pytest.mark.parametrize("checker, solution", [
    pytest.param(check_ctc_collapse, my_collapse, id="check_ctc_collapse"),
    pytest.param(check_count_alignments, count_by_enumeration, id="check_count_alignments"),
])
def test_each_checker_takes_well_under_a_second(checker, solution):
    checker(solution)  # the first call warms up
    start = time.perf_counter()
    assert checker(solution)
    assert time.perf_counter() - start < 1.0


@pytest.mark.parametrize("checker", CHECKERS)
def test_a_student_pressing_stop_is_not_caught(checker):
    def pressed_stop(*args):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        checker(pressed_stop, timeout=TIMEOUT)


@pytest.mark.parametrize("checker", CHECKERS)
@pytest.mark.parametrize("timeout", [0, -1, math.nan, math.inf, "2", None])
def test_a_bad_timeout_is_a_value_error(checker, timeout):
    with pytest.raises(ValueError, match="timeout: expected a positive finite number, got"):
        checker(stub, timeout=timeout)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_answers_computed_on_cuda_pass():
    assert check_ctc_collapse(lambda path, blank=0: torch.tensor(my_collapse(path, blank), device="cuda"))
    assert check_count_alignments(lambda t, l: torch.tensor(count_by_recursion(t, l), device="cuda"))
