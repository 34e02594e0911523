"""The chapter notebooks: listed in the table of contents, executed, and installable in Colab.

nbval (configured in pyproject.toml) re-runs each notebook and compares outputs; it passes a
notebook without stored outputs without comparing anything, so this module checks that every
chapter carries its outputs.
"""
import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def _toc_files(node) -> list[str]:
    files = []
    if isinstance(node, dict):
        if "file" in node:
            files.append(node["file"])
        for value in node.values():
            files += _toc_files(value)
    elif isinstance(node, list):
        for item in node:
            files += _toc_files(item)
    return files


def toc_notebooks() -> list[Path]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    entries = [toc["root"], *_toc_files(toc)]
    return [ROOT / f"{entry}.ipynb" for entry in entries if (ROOT / f"{entry}.ipynb").exists()]


def code_cells(path: Path) -> list[dict]:
    return [cell for cell in json.loads(path.read_text())["cells"] if cell["cell_type"] == "code"]


def test_every_notebook_is_in_the_book_and_every_chapter_is_a_notebook():
    on_disk = {p for p in (ROOT / "book").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts}
    assert on_disk == set(toc_notebooks())
    assert (ROOT / "book/slot_filling.ipynb") in on_disk


@pytest.mark.parametrize("notebook", toc_notebooks(), ids=lambda p: p.name)
def test_notebook_is_executed_with_outputs(notebook):
    cells = code_cells(notebook)
    unexecuted = [i for i, cell in enumerate(cells) if cell.get("execution_count") is None]
    assert not unexecuted, f"{notebook.name}: code cells {unexecuted} were never executed"
    counts = [cell["execution_count"] for cell in cells]
    assert counts == list(range(1, len(cells) + 1)), f"{notebook.name}: not executed top to bottom in one run"
    assert sum(1 for cell in cells if cell["outputs"]) >= len(cells) // 2
    errors = [o for cell in cells for o in cell["outputs"] if o["output_type"] == "error"]
    assert not errors, f"{notebook.name}: stored error output {errors[0]['ename']}"


@pytest.mark.parametrize("notebook", toc_notebooks(), ids=lambda p: p.name)
def test_first_code_cell_installs_the_companion_in_colab_only(notebook):
    repository = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]
    first = code_cells(notebook)[0]
    source = "".join(first["source"])
    assert "remove-cell" in first["metadata"].get("tags", []), "the install cell must be hidden on the page"
    assert '"google.colab" in sys.modules' in source
    assert f"git+{repository}@main" in source
    assert not re.search(r"\b(torch|numpy)\s*[=<>~!]=", source), "Colab brings its own torch and numpy: no pins"


def test_binder_environment_lists_the_companion_dependencies():
    pyproject = (ROOT / "pyproject.toml").read_text()
    dependencies = re.search(r"dependencies = \[(.*?)\]", pyproject, re.S).group(1)
    names = {re.match(r'\s*"([A-Za-z0-9_-]+)', line).group(1) for line in dependencies.splitlines() if '"' in line}
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_lines = next(d["pip"] for d in environment["dependencies"] if isinstance(d, dict))
    binder = {re.match(r"[A-Za-z0-9_-]+", line).group(0) for line in pip_lines if not line.startswith("-")}
    assert names == binder
    assert "torch==2.13.0+cpu" in pip_lines and any("download.pytorch.org/whl/cpu" in line for line in pip_lines)
