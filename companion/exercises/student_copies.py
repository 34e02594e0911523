"""Student copies of the chapters: a chapter notebook without its solutions and outputs.

For instructors who hand out the notebooks: the book's build writes every chapter's student
edition (``_build/notebooks/student/``, published on the ``colab`` branch) from its Colab
edition, in plain Jupyter Markdown; the same copy of one chapter is
``python -m companion.exercises colab/book/slot_filling.ipynb student/slot_filling.ipynb``.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from ..data.text import read_text

# A gated solution's two markers, each a directive block of its own (options included).
_MARKER = re.compile(r"^(`{3,})\s*\{(solution-start|solution-end)\}.*?^\1\s*$\n?", re.M | re.S)
_SOLUTION_BLOCK = re.compile(r"^(`{3,})\s*\{solution\}.*?^\1\s*$\n?", re.M | re.S)
# What only the book's build understands: a directive's fence or a role.
_MYST = re.compile(r"^(`{3,}|:{3,})\s*\{[A-Za-z0-9_:-]+\}|\{[A-Za-z0-9_:+-]+\}`", re.M)
# The Colab edition's cells of a solution (book/_ext/myst_markdown.py tags them).
SOLUTION_TAG = "solution"


def is_book_source(notebook: dict) -> bool:
    """Whether ``notebook``'s Markdown holds MyST roles or directives: a chapter's source as
    the book builds it (chapters 1 to 6), rather than its Colab edition in plain Markdown."""
    return any(cell["cell_type"] == "markdown" and _MYST.search("".join(cell["source"]))
               for cell in notebook["cells"])


def _outside_solutions(source: str, inside: bool, notebook) -> tuple[str, bool, int]:
    """The parts of a Markdown cell that lie outside gated solutions, the state after it, and
    how many solutions open in it: a cell may hold an exercise, its solution's start, the
    solution and its end together."""
    kept, position, opened = [], 0, 0
    for marker in _MARKER.finditer(source):
        if not inside:
            kept.append(source[position : marker.start()])
        if marker.group(2) == "solution-start":
            if inside:
                raise ValueError(f"notebook: a solution-start inside another solution in {notebook}")
            inside, opened = True, opened + 1
        else:
            if not inside:
                raise ValueError(f"notebook: a solution-end without its solution-start in {notebook}")
            inside = False
        position = marker.end()
    if not inside:
        kept.append(source[position:])
    return "".join(kept), inside, opened


def read_notebook(notebook: str | Path) -> dict:
    """A chapter's notebook (chapters 1 to 6, or any notebook) as JSON.

    Raises ``ValueError`` naming the file if it cannot be read, is not UTF-8 text, or is not a
    notebook's JSON with a list of cells."""
    text = read_text(notebook)
    try:
        cells = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"notebook: expected a Jupyter notebook (JSON), got {notebook}, {error}") from None
    if not isinstance(cells, dict) or not isinstance(cells.get("cells"), list):
        raise ValueError(f"notebook: expected a Jupyter notebook with a list of cells, got {notebook}")
    return cells


def _strip_tagged(cells: list[dict]) -> tuple[list[dict], int]:
    """The cells not tagged as a solution, and how many solutions (runs of tagged cells) went."""
    kept, removed, previous = [], 0, False
    for cell in cells:
        tagged = SOLUTION_TAG in cell.get("metadata", {}).get("tags", [])
        removed += tagged and not previous
        previous = tagged
        if not tagged:
            kept.append(cell)
    return kept, removed


def strip_solutions(notebook: str | Path, student_copy: str | Path) -> int:
    """Write ``notebook`` without its solutions to ``student_copy``; returns how many were removed.

    On a chapter's Colab edition (``_build/notebooks/book/``), removes the cells tagged
    ``solution``. On the book's MyST source, removes every ``{solution}`` block and every gated
    solution: everything from a ``{solution-start}`` to its ``{solution-end}``, code cells
    included, whether the markers have cells of their own or share one with the exercise's
    text, which is kept. Outputs are cleared, so that the student copy gives nothing away. The
    copy is UTF-8 with LF line ends, whatever the platform (every chapter has exercises;
    chapter 1 has five).

    Raises ``ValueError`` naming the file if ``notebook`` cannot be read or is not UTF-8 text
    (:func:`~companion.data.text.read_text`), if it is not a notebook's JSON, and if a gated
    solution is not closed, or closed without being opened.
    """
    cells = read_notebook(notebook)
    source_cells, removed = _strip_tagged(cells["cells"])
    kept, inside = [], False
    for cell in source_cells:
        if cell["cell_type"] == "markdown":
            source, inside, opened = _outside_solutions("".join(cell["source"]), inside, notebook)
            source, count = _SOLUTION_BLOCK.subn("", source)
            removed += opened + count
            if not source.strip():
                continue
            cell["source"] = source.strip("\n")
        elif inside:
            continue
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
        kept.append(cell)
    if inside:
        raise ValueError(f"notebook: a solution-start without its solution-end in {notebook}")
    cells["cells"] = kept
    Path(student_copy).parent.mkdir(parents=True, exist_ok=True)
    Path(student_copy).write_text(json.dumps(cells, indent=1, ensure_ascii=False) + "\n", encoding="utf-8", newline="\n")
    return removed
