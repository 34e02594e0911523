"""The chapters' exercises: checkers for the coding exercises, and student copies of the chapters.

Each checker returns a :class:`Feedback` whose text says what passed, or which case failed, what
was expected and a hint at the likely mistake. A checker never raises because of the student's
code; it reports the exception instead. ``bool(feedback)`` is ``feedback.passed``, so a grading
script can collect results with ``[bool(check(f)) for check, f in ...]``.

``strip_solutions`` writes a chapter without its solutions, for instructors who hand out the
notebooks: ``python -m companion.exercises book/slot_filling.ipynb student/slot_filling.ipynb``.
"""
from __future__ import annotations

import json
import re
import sys
import textwrap
import traceback
from pathlib import Path
from dataclasses import dataclass
from typing import Callable

import torch

from .cells import elman_step
from .encoding import letter_trigrams


@dataclass(frozen=True)
class Feedback:
    """The verdict of a checker: ``passed``, and a ``message`` written for the student."""

    passed: bool
    message: str

    def __repr__(self) -> str:
        text = ("Correct: " if self.passed else "Not yet: ") + self.message
        return textwrap.fill(text, width=72, subsequent_indent="  ", break_long_words=False)

    def __bool__(self) -> bool:
        return self.passed


def _raised(exc: BaseException) -> str:
    last = traceback.extract_tb(exc.__traceback__)[-1]
    return f"{type(exc).__name__}: {exc} (line {last.lineno}: `{(last.line or '').strip()}`)"


def check_letter_trigrams(trigrams: Callable[[str], list]) -> Feedback:
    """Chapter 1: ``trigrams(word)`` must return the letter trigrams of ``#word#``, in order, repeats kept."""
    cases = ["apple", "Taipei", "a", "to", "banana"]
    for word in cases:
        expected = letter_trigrams(word)
        try:
            given = trigrams(word)
        except NotImplementedError:
            return Feedback(False, "the function is still a stub: replace `raise NotImplementedError` with your code.")
        except Exception as exc:  # the student's code may fail in any way; report it
            return Feedback(False, f"for {word!r} your function raised {_raised(exc)}")
        if isinstance(given, (set, frozenset)):
            return Feedback(
                False,
                f"for {word!r} you returned a set; a set loses the order and the repeats "
                f"({expected} has {len(expected)} trigrams). Return a list.",
            )
        given = list(given) if isinstance(given, tuple) else given
        if given == expected:
            continue
        hint = ""
        if isinstance(given, list) and given == [word[i : i + 3] for i in range(len(word) - 2)]:
            hint = " You left out the word boundaries: pad the word as '#' + word + '#' first."
        elif isinstance(given, list) and len(given) == len(expected) + 2:
            hint = " You have two trigrams too many: stop when fewer than 3 letters remain."
        return Feedback(False, f"for {word!r} expected {expected}, got {given!r}.{hint}")
    return Feedback(True, f"letter trigrams correct on {len(cases)} words, including 'a' → ['#a#'].")


def check_elman_step(step: Callable, seed: int = 0) -> Feedback:
    r"""Chapter 1: ``step(x, h, W_ih, W_hh, b)`` must return :math:`\tanh(W_{ih} x + W_{hh} h + b)`.

    ``x`` is ``(F,)``, ``h`` and ``b`` are ``(H,)``, ``W_ih`` is ``(H, F)``, ``W_hh`` is ``(H, H)``.
    """
    generator = torch.Generator().manual_seed(seed)
    for input_size, hidden_size in ((3, 2), (2, 4), (5, 5)):
        x, h, b = (torch.randn(n, generator=generator, dtype=torch.float64) for n in (input_size, hidden_size, hidden_size))
        w_ih = torch.randn(hidden_size, input_size, generator=generator, dtype=torch.float64)
        w_hh = torch.randn(hidden_size, hidden_size, generator=generator, dtype=torch.float64)
        expected = elman_step(x[None], h[None], w_ih, w_hh, b, torch.zeros_like(b))[0]
        try:
            given = step(x, h, w_ih, w_hh, b)
        except NotImplementedError:
            return Feedback(False, "the function is still a stub: replace `raise NotImplementedError` with your code.")
        except Exception as exc:
            return Feedback(
                False,
                f"with input size {input_size} and hidden size {hidden_size} your function raised "
                f"{_raised(exc)}. Shapes: W_ih is (H, F), so W_ih @ x is (H,); W_hh is (H, H), so W_hh @ h is (H,).",
            )
        if not isinstance(given, torch.Tensor) or given.shape != expected.shape:
            shape = tuple(given.shape) if isinstance(given, torch.Tensor) else type(given).__name__
            return Feedback(False, f"expected a tensor of shape ({hidden_size},) — the new memory — got {shape}.")
        if torch.allclose(given, expected, atol=1e-10):
            continue
        linear = w_ih @ x + w_hh @ h + b
        if torch.allclose(given, linear, atol=1e-10):
            return Feedback(False, "you return the pre-activation: apply tanh to W_ih x + W_hh h + b.")
        if torch.allclose(given, torch.tanh(w_ih @ x + b), atol=1e-10):
            return Feedback(False, "your step ignores the memory h: add W_hh @ h inside the tanh.")
        if torch.allclose(given, torch.tanh(w_ih @ x + w_hh @ h), atol=1e-10):
            return Feedback(False, "you left out the bias b.")
        return Feedback(False, f"for input size {input_size}, hidden size {hidden_size}: expected {expected.tolist()}, got {given.tolist()}.")
    return Feedback(True, "your Elman step matches the companion's on 3 random cases.")


_SOLUTION_START = re.compile(r"^\s*`{3,}\s*\{solution-start\}", re.M)
_SOLUTION_END = re.compile(r"^\s*`{3,}\s*\{solution-end\}", re.M)
_SOLUTION_BLOCK = re.compile(r"^(`{3,})\s*\{solution\}.*?^\1\s*$\n?", re.M | re.S)


def strip_solutions(notebook: str | Path, student_copy: str | Path) -> int:
    """Write ``notebook`` without its solutions to ``student_copy``; returns how many were removed.

    Removes every ``{solution}`` block and every gated solution: the cells from a
    ``{solution-start}`` to its ``{solution-end}``, code cells included. Outputs are cleared,
    so that the student copy gives nothing away.
    """
    cells = json.loads(Path(notebook).read_text())
    kept, inside, removed = [], False, 0
    for cell in cells["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown" and _SOLUTION_START.search(source):
            if inside:
                raise ValueError(f"notebook: a solution-start inside another solution in {notebook}")
            inside, removed = True, removed + 1
            continue
        if cell["cell_type"] == "markdown" and _SOLUTION_END.search(source):
            if not inside:
                raise ValueError(f"notebook: a solution-end without its solution-start in {notebook}")
            inside = False
            continue
        if inside:
            continue
        if cell["cell_type"] == "markdown":
            source, count = _SOLUTION_BLOCK.subn("", source)
            removed += count
            cell["source"] = source
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
        kept.append(cell)
    if inside:
        raise ValueError(f"notebook: a solution-start without its solution-end in {notebook}")
    cells["cells"] = kept
    Path(student_copy).parent.mkdir(parents=True, exist_ok=True)
    Path(student_copy).write_text(json.dumps(cells, indent=1, ensure_ascii=False) + "\n")
    return removed


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python -m companion.exercises CHAPTER.ipynb STUDENT_COPY.ipynb")
    count = strip_solutions(sys.argv[1], sys.argv[2])
    print(f"{sys.argv[2]}: written without its {count} solutions")
