"""Student copies of the chapters: a chapter notebook without its solutions and outputs.

For instructors who hand out the notebooks:
``python -m companion.exercises book/slot_filling.ipynb student/slot_filling.ipynb``.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from ..data.text import read_text

_SOLUTION_START = re.compile(r"^\s*`{3,}\s*\{solution-start\}", re.M)
_SOLUTION_END = re.compile(r"^\s*`{3,}\s*\{solution-end\}", re.M)
_SOLUTION_BLOCK = re.compile(r"^(`{3,})\s*\{solution\}.*?^\1\s*$\n?", re.M | re.S)


def strip_solutions(notebook: str | Path, student_copy: str | Path) -> int:
    """Write ``notebook`` without its solutions to ``student_copy``; returns how many were removed.

    Removes every ``{solution}`` block and every gated solution: the cells from a
    ``{solution-start}`` to its ``{solution-end}``, code cells included. Outputs are cleared,
    so that the student copy gives nothing away. The copy is UTF-8 with LF line ends, whatever
    the platform (every chapter has exercises; chapter 1 has five).

    Raises ``ValueError`` naming the file if ``notebook`` cannot be read or is not UTF-8 text
    (:func:`~companion.data.text.read_text`), if it is not a notebook's JSON, and if a gated
    solution is not closed, or closed without being opened.
    """
    text = read_text(notebook)
    try:
        cells = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"notebook: expected a Jupyter notebook (JSON), got {notebook}, {error}") from None
    if not isinstance(cells, dict) or not isinstance(cells.get("cells"), list):
        raise ValueError(f"notebook: expected a Jupyter notebook with a list of cells, got {notebook}")
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
    Path(student_copy).write_text(json.dumps(cells, indent=1, ensure_ascii=False) + "\n", encoding="utf-8", newline="\n")
    return removed
