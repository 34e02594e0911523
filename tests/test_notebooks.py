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


# What Binder adds to the companion's dependencies: JupyterLab and its MyST renderer.
BINDER_ONLY = {"jupyterlab", "jupyterlab-myst"}


def test_binder_environment_lists_the_companion_dependencies():
    pyproject = (ROOT / "pyproject.toml").read_text()
    dependencies = re.search(r"dependencies = \[(.*?)\]", pyproject, re.S).group(1)
    names = {re.match(r'\s*"([A-Za-z0-9_-]+)', line).group(1) for line in dependencies.splitlines() if '"' in line}
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_lines = next(d["pip"] for d in environment["dependencies"] if isinstance(d, dict))
    binder = {re.match(r"[A-Za-z0-9_-]+", line).group(0) for line in pip_lines if not line.startswith("-")}
    assert names == binder - BINDER_ONLY
    assert "torch==2.13.0+cpu" in pip_lines and any("download.pytorch.org/whl/cpu" in line for line in pip_lines)


# --- links between chapters --------------------------------------------------------------

ROLE_OR_LINK = re.compile(r"\{[a-z:-]+\}`[^`]*`|\[[^\]]*\]\([^)]*\)")
SPACE = r"(?:[ \t]+|[ \t]*\n[ \t]*)"  # a space or a line break inside one paragraph
PLAIN_MENTION = re.compile(rf"\b[Cc]hapters?{SPACE}(\d+(?:[ \t]*(?:,|and|or|to|–|-){SPACE}\d+)*)")
SAID_UNPUBLISHED = re.compile(r"^\W{0,3}\(?\*?(coming|later|to come|forthcoming)\b", re.I)


def published_chapters() -> dict[int, str]:
    """Chapter number -> notebook stem, in the order of the table of contents."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    chapters = next(part["chapters"] for part in toc["parts"] if part.get("numbered"))
    return {n: Path(entry["file"]).name for n, entry in enumerate(chapters, start=1)}


def prose(path: Path) -> list[tuple[str, str]]:
    """(where, text) of every Markdown cell of a notebook, or of a Markdown page."""
    if path.suffix == ".md":
        return [(path.name, path.read_text())]
    cells = json.loads(path.read_text())["cells"]
    return [(f"{path.name} cell {i}", "".join(c["source"])) for i, c in enumerate(cells) if c["cell_type"] == "markdown"]


def chapter_mention_problems(where: str, text: str, published: dict[int, str]) -> list[str]:
    problems = []
    plain = ROLE_OR_LINK.sub(" ", text)
    for match in PLAIN_MENTION.finditer(plain):
        numbers = {int(n) for n in re.findall(r"\d+", match.group(1))} & set(published)
        if numbers:
            problems.append(f"{where}: '{match.group(0)}' is plain text: link it ({{doc}}`chapter N <file>`)")
    for number, stem in published.items():
        targets = rf"\{{doc\}}`[^`]*<{stem}>`|\[[^\]]*\]\({stem}(\.ipynb)?\)|\b[Cc]hapters? {number}\b"
        for match in re.finditer(targets, text):
            if SAID_UNPUBLISHED.search(text[match.end():match.end() + 20]):
                problems.append(f"{where}: chapter {number} ({stem}) is published but called "
                                f"'{text[match.end():match.end() + 20].strip()}'")
    return problems


def test_chapters_link_each_other_and_call_no_published_chapter_coming():
    published = published_chapters()
    pages = [*toc_notebooks(), ROOT / "book" / "intro.md"]
    problems = [p for page in pages for where, text in prose(page)
                for p in chapter_mention_problems(where, text, published)]
    assert not problems, "\n".join(problems)


def test_the_chapter_mention_check_catches_plain_and_coming_mentions():
    published = {1: "slot_filling", 2: "rnn_variants"}
    assert chapter_mention_problems("x", "as {doc}`chapter 2 <rnn_variants>` shows; chapter 5 (coming)", published) == []
    assert len(chapter_mention_problems("x", "as chapter 2 shows", published)) == 1
    assert len(chapter_mention_problems("x", "chapters 1 and 5", published)) == 1
    assert len(chapter_mention_problems("x", "{doc}`chapter 2 <rnn_variants>` (coming) will", published)) == 1
    assert len(chapter_mention_problems("x", "[Variants](rnn_variants.ipynb) (*coming soon*)", published)) == 1
