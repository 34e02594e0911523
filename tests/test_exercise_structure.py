"""Every chapter's exercises are assignable as they are: a coding exercise has a stub and a
checker, the saved page shows the stub's verdict and the solution's, and a student copy keeps
the stubs and checkers while it loses the solutions."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from companion.exercises import strip_solutions

BOOK = Path(__file__).resolve().parents[1] / "book"
CHAPTERS = ["slot_filling", "rnn_variants", "lstm", "bptt", "gradient_problems", "long_memory", "sentiment", "key_terms", "ctc", "translation", "autoencoders", "parsing"]

_EXERCISE = re.compile(r"^(`{3,})\{exercise\}[^\n]*\n:label: (\S+)\n(.*?)^\1\s*$", re.M | re.S)
_SOLUTION_START = re.compile(r"\{solution-start\}\s+(\S+)")
_SOLUTION_END = re.compile(r"\{solution-end\}")
# "Write `my_step(x, ...)`": the exercise asks for a function the student writes.
_WRITE_A_FUNCTION = re.compile(r"\b[Ww]rite\s+`(\w+)\(")
_CHECKER_CALL = re.compile(r"^\s*check_\w+\(", re.M)


@dataclass
class Exercise:
    label: str
    text: str
    before_solution: list = field(default_factory=list)   # cells between the exercise and its solution
    solution: list = field(default_factory=list)


def _source(cell) -> str:
    return "".join(cell["source"])


def _printed(cell) -> str:
    parts = []
    for output in cell.get("outputs", []):
        text = output.get("text") or output.get("data", {}).get("text/plain", "")
        parts.append("".join(text))
    return "".join(parts)


def exercises(chapter: str) -> list[Exercise]:
    cells = json.loads((BOOK / f"{chapter}.ipynb").read_text(encoding="utf-8"))["cells"]
    found, current, in_solution = [], None, False
    for cell in cells:
        source = _source(cell)
        if cell["cell_type"] == "markdown":
            exercise = _EXERCISE.search(source)
            start = _SOLUTION_START.search(source)
            if exercise:
                current, in_solution = Exercise(exercise.group(2), exercise.group(3)), False
                found.append(current)
            if start and current is not None:
                assert start.group(1) == current.label, f"{chapter}: solution of {start.group(1)} after {current.label}"
                in_solution = True
            if exercise or start:
                continue
            if _SOLUTION_END.search(source):
                current, in_solution = None, False
                continue
        if current is not None:
            (current.solution if in_solution else current.before_solution).append(cell)
    return found


CODING = [
    pytest.param(chapter, exercise, id=f"{chapter}-{exercise.label}")
    for chapter in CHAPTERS
    for exercise in exercises(chapter)
    if _WRITE_A_FUNCTION.search(exercise.text)
]


def test_the_chapters_have_coding_exercises_to_check():
    chapters = {chapter for chapter, *_ in (param.values for param in CODING)}
    assert chapters == set(CHAPTERS), chapters


@pytest.mark.parametrize("chapter, exercise", CODING)
def test_a_coding_exercise_has_a_stub_and_a_checker_before_its_solution(chapter, exercise):
    code = [cell for cell in exercise.before_solution if cell["cell_type"] == "code"]
    stubs = [cell for cell in code if "raise NotImplementedError" in _source(cell)]
    checks = [cell for cell in code if _CHECKER_CALL.search(_source(cell))]
    assert stubs, f"{chapter} {exercise.label}: no stub cell (raise NotImplementedError) before the solution"
    assert checks, f"{chapter} {exercise.label}: no checker call before the solution"
    for name in _WRITE_A_FUNCTION.findall(exercise.text):
        assert any(re.search(rf"\bdef {name}\(", _source(cell)) for cell in stubs + exercise.solution), (
            f"{chapter} {exercise.label}: {name} is neither stubbed nor solved")
    # The saved page shows what a student sees before writing anything: the stub's verdict.
    assert "still a stub" in _printed(checks[0]), (chapter, exercise.label, _printed(checks[0]))


@pytest.mark.parametrize("chapter, exercise", CODING)
def test_a_coding_exercises_solution_passes_its_checker(chapter, exercise):
    checks = [cell for cell in exercise.solution if cell["cell_type"] == "code" and _CHECKER_CALL.search(_source(cell))]
    assert checks, f"{chapter} {exercise.label}: the solution does not run the checker"
    assert _printed(checks[-1]).startswith("Correct"), (chapter, exercise.label, _printed(checks[-1]))


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_checker_verdict_is_compared_by_nbval(chapter):
    cells = json.loads((BOOK / f"{chapter}.ipynb").read_text(encoding="utf-8"))["cells"]
    unchecked = [
        _source(cell)[:60] for cell in cells
        if cell["cell_type"] == "code" and _CHECKER_CALL.search(_source(cell))
        and "nbval-check-output" not in cell["metadata"].get("tags", [])
    ]
    assert not unchecked, f"{chapter}: checker cells whose verdict nbval does not compare: {unchecked}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_a_student_copy_keeps_stubs_and_checkers_and_no_solution(chapter, tmp_path):
    copy = tmp_path / f"{chapter}.ipynb"
    removed = strip_solutions(BOOK / f"{chapter}.ipynb", copy)
    assert removed == len(exercises(chapter))
    cells = json.loads(copy.read_text(encoding="utf-8"))["cells"]
    text = "".join(_source(cell) for cell in cells)
    assert "{solution" not in text
    for exercise in exercises(chapter):
        for cell in exercise.solution:
            if cell["cell_type"] == "code" and _source(cell).strip():
                assert _source(cell) not in [_source(kept) for kept in cells], (chapter, exercise.label)
    stubs = sum("raise NotImplementedError" in _source(cell) for cell in cells)
    assert stubs >= sum(1 for param in CODING if param.values[0] == chapter)
