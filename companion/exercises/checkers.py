"""The checkers of chapter 1's coding exercises: letter trigrams and one Elman step.

Each checker returns a :class:`~companion.exercises.harness.Feedback` whose text says what
passed, or which case failed, what was expected and a hint at the likely mistake. The student's
function runs through :func:`~companion.exercises.harness.run_student` and its result is read by
``answers.py``, so a checker never raises because of the student's code, and gives up with a
clear message after ``timeout`` seconds.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Callable

import numpy as np
import torch

from .._checks import require_non_negative_int
from ..cells import elman_step
from ..encoding import letter_trigrams
from .answers import describe_mismatch, float_tolerance, read_numbers, same_values
from .harness import DEFAULT_TIMEOUT, Feedback, describe_type, require_timeout, run_student

TRIGRAM_WORDS = ("apple", "Taipei", "a", "to", "banana")
ELMAN_SIZES = ((3, 2), (2, 4), (5, 5))  # (input size F, hidden size H) of each random case
ELMAN_SHAPES_HINT = "Shapes: W_ih is (H, F), so W_ih @ x is (H,); W_hh is (H, H), so W_hh @ h is (H,)."


def check_letter_trigrams(trigrams: Callable[[str], list], *, timeout: float = DEFAULT_TIMEOUT) -> Feedback:
    """Chapter 1: ``trigrams(word)`` must return the letter trigrams of ``#word#``, in order, repeats kept.

    A list, a tuple or a 1-D NumPy array of strings is accepted. Each call may take ``timeout``
    seconds. Raises ``ValueError`` for a bad ``timeout`` only; the student's mistakes are reported.
    """
    timeout = require_timeout(timeout)
    for word in TRIGRAM_WORDS:
        expected = letter_trigrams(word)
        outcome = run_student(trigrams, word, timeout=timeout)
        if not outcome.returned:
            return outcome.feedback(f"for {word!r}")
        given = outcome.value
        if isinstance(given, (set, frozenset)):
            return Feedback(
                False,
                f"for {word!r} you returned a set; a set loses the order and the repeats "
                f"({expected} has {len(expected)} trigrams). Return a list.",
            )
        given, problem = _read_strings(given)
        if problem:
            return Feedback(False, f"for {word!r} {problem}")
        if given == expected:
            continue
        hint = ""
        if given == [word[i : i + 3] for i in range(len(word) - 2)]:
            hint = " You left out the word boundaries: pad the word as '#' + word + '#' first."
        elif len(given) == len(expected) + 2:
            hint = " You have two trigrams too many: stop when fewer than 3 letters remain."
        return Feedback(False, f"for {word!r} expected {expected}, got {given!r}.{hint}")
    return Feedback(True, f"letter trigrams correct on {len(TRIGRAM_WORDS)} words, including 'a' → ['#a#'].")


def _read_strings(value) -> tuple[list[str] | None, str]:
    """A list of plain ``str`` from a list, tuple or 1-D string array, or why not (a phrase)."""
    if isinstance(value, str):
        return None, f"you returned one string, {value!r}; return a list of the trigrams instead."
    if isinstance(value, Iterator):  # a generator, map, zip...: its items would be used up
        return None, f"you returned {describe_type(value)}, which can be read only once: wrap it in list(...)."
    if isinstance(value, np.ndarray) and value.ndim == 1 and value.dtype.kind == "U":
        value = value.tolist()
    if not isinstance(value, (list, tuple)):
        return None, f"expected a list of strings (the trigrams), got {describe_type(value)}."
    for position, item in enumerate(value):
        if not isinstance(item, str):
            return None, (
                f"expected a list of strings (the trigrams), but the item at position {position} "
                f"is {describe_type(item)}."
            )
    return [str.__str__(item) for item in value], ""


def check_elman_step(step: Callable, seed: int = 0, *, timeout: float = DEFAULT_TIMEOUT) -> Feedback:
    r"""Chapter 1: ``step(x, h, W_ih, W_hh, b)`` must return :math:`\tanh(W_{ih} x + W_{hh} h + b)`.

    ``x`` is ``(F,)``, ``h`` and ``b`` are ``(H,)``, ``W_ih`` is ``(H, F)``, ``W_hh`` is ``(H, H)``,
    on three random cases drawn from ``seed``. The inputs have torch's default dtype (float32
    unless changed), so that a result built with ``torch.zeros(H)`` and filled in a loop works;
    the answer is compared in float64 with a tolerance sized to the coarsest dtype involved, and
    may be a tensor of any real dtype, a NumPy array or a list. Each call may take ``timeout``
    seconds. Raises ``ValueError`` for a bad ``seed`` or ``timeout`` only.
    """
    generator = torch.Generator().manual_seed(require_non_negative_int("seed", seed))
    timeout = require_timeout(timeout)
    dtype = torch.get_default_dtype()
    input_eps = torch.finfo(dtype).eps
    for input_size, hidden_size in ELMAN_SIZES:
        # Drawn in float64 and then rounded, so that a seed gives the same cases in any dtype.
        x, h, b = (
            torch.randn(n, generator=generator, dtype=torch.float64).to(dtype)
            for n in (input_size, hidden_size, hidden_size)
        )
        w_ih, w_hh = (
            torch.randn(hidden_size, n, generator=generator, dtype=torch.float64).to(dtype)
            for n in (input_size, hidden_size)
        )
        x64, h64, w_ih64, w_hh64, b64 = (t.double() for t in (x, h, w_ih, w_hh, b))
        expected = elman_step(x64[None], h64[None], w_ih64, w_hh64, b64, torch.zeros_like(b64))[0]
        where = f"with input size {input_size} and hidden size {hidden_size}"
        # Copies: a student's step that changes its inputs in place must not change the checker's.
        outcome = run_student(step, *(t.clone() for t in (x, h, w_ih, w_hh, b)), timeout=timeout)
        if not outcome.returned:
            return outcome.feedback(where, hint_if_raised=ELMAN_SHAPES_HINT)
        given = read_numbers(outcome.value, (hidden_size,), "the new memory")
        if given.values is None:
            return Feedback(False, f"{where}: {given.problem}")
        scale = w_ih64.abs() @ x64.abs() + w_hh64.abs() @ h64.abs() + b64.abs()
        # Sized to the coarser of the inputs' dtype and the result's: float32 answers pass at
        # float32 precision, float64 ones at float64 precision.
        tolerance = float_tolerance(max(input_eps, given.eps), input_size + hidden_size + 1, scale)
        if same_values(given.values, expected, tolerance):
            continue
        for wrong, hint in (
            (w_ih64 @ x64 + w_hh64 @ h64 + b64, "you return the pre-activation: apply tanh to W_ih x + W_hh h + b."),
            (torch.tanh(w_ih64 @ x64 + b64), "your step ignores the memory h: add W_hh @ h inside the tanh."),
            (torch.tanh(w_ih64 @ x64 + w_hh64 @ h64), "you left out the bias b."),
        ):
            if same_values(given.values, wrong, tolerance):
                return Feedback(False, hint)
        return Feedback(False, f"{where}: {describe_mismatch(given, expected, tolerance)}")
    return Feedback(True, "your Elman step matches the companion's on 3 random cases.")
