"""The chapters' exercises: checkers for the coding exercises, and student copies of the chapters.

Each checker returns a :class:`Feedback` whose text says what passed, or which case failed, what
was expected and a hint at the likely mistake. ``bool(feedback)`` is ``feedback.passed``, so a
grading script can collect results with ``[bool(check(f)) for check, f in ...]``.

Student code may do anything, so every checker calls it through one harness, :func:`run_student`
(``harness.py``): a time limit (``timeout`` seconds, a keyword of every checker), every exception
and ``SystemExit`` reported rather than raised, any real dtype or container of the right numbers
accepted (``answers.py``), and wrong types, shapes, NaN and values explained in words. The
checkers of chapter 1 are in ``checkers.py``; ``strip_solutions`` (``student_copies.py``) writes
a chapter without its solutions:
``python -m companion.exercises book/slot_filling.ipynb student/slot_filling.ipynb``.
"""
from .answers import read_numbers
from .checkers import check_elman_step, check_letter_trigrams
from .harness import DEFAULT_TIMEOUT, Feedback, Outcome, run_student
from .student_copies import strip_solutions

__all__ = [
    "DEFAULT_TIMEOUT",
    "Feedback",
    "Outcome",
    "check_elman_step",
    "check_letter_trigrams",
    "read_numbers",
    "run_student",
    "strip_solutions",
]
