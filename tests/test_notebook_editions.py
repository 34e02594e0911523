"""The chapters' Colab and student editions (book/_ext/myst_markdown.py, notebook_editions.py):
plain Jupyter Markdown with the book's numbers, code cells as the book's, no solutions in the
student edition, and a clear failure on what the converter does not know.

The converter is tested here on small notebooks and on every chapter with a stand-in for
Sphinx's tables; the editions of the real build, with the numbers of the built pages, are
tested on the session's book build (``built_book``, tests/conftest.py).
"""

from __future__ import annotations

import html as html_module
import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import pytest
from test_notebooks import toc_notebooks

from companion.exercises import strip_solutions

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT / "book" / "_ext"))
from myst_markdown import ConversionError, convert_notebook  # noqa: E402

# A role (`{cite:t}`x``) or a directive's fence (```{exercise}), the book's syntax.
MYST = re.compile(r"^\s*(`{3,}|:{3,})\s*\{[A-Za-z0-9_:-]+\}|\{[A-Za-z0-9_:+-]+\}`", re.M)


class StandIn:
    """Sphinx's answers, made up: every label resolves to a recognisable text."""

    def role(self, name, content):
        if name not in ("cite", "cite:t", "eq", "ref", "doc", "numref"):
            raise KeyError(f"the converter does not know the role {{{name}}}")
        return f"«{name}:{content}»"

    def equation_number(self, label):
        return f"N-{label}"

    def exercise_name(self, label):
        return f"Exercise X-{label}"

    def bibliography(self, options):
        return "\\[1\\] A. Author. A title. 2000."

    def file_url(self, path):
        return f"https://example.org/{path}"


def notebook(*cells):
    def cell(item):
        if isinstance(item, dict):
            return item
        return {"cell_type": "markdown", "metadata": {}, "source": item}
    return {"cells": [cell(item) for item in cells], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def code(source, outputs=()):
    return {"cell_type": "code", "metadata": {}, "source": source, "outputs": list(outputs), "execution_count": 1}


def text_of(cells):
    return ["".join(cell["source"]) for cell in cells]


# --- the converter ---------------------------------------------------------------------


def test_roles_become_the_books_text_and_code_spans_stay():
    source = ("As {cite:t}`elman1990finding` shows {cite}`a,b`, equation {eq}`eq-1` and "
              "{ref}`ex-1`; see {doc}`chapter 2 <rnn_variants>`. `{eq}` is a role.")
    out = convert_notebook(notebook(source), StandIn(), "book/x.ipynb")
    assert text_of(out["cells"]) == [
        "As «cite:t:elman1990finding» shows «cite:a,b», equation «eq:eq-1» and «ref:ex-1»; "
        "see «doc:chapter 2 <rnn_variants>». `{eq}` is a role."]


def test_paragraphs_and_blank_lines_are_kept():
    source = "# Title\n\nFirst {eq}`e`.\n\n* a\n* b\n\nLast."
    out = convert_notebook(notebook(source), StandIn(), "x")
    assert text_of(out["cells"]) == ["# Title\n\nFirst «eq:e».\n\n* a\n* b\n\nLast."]


def test_a_labelled_equation_gets_its_number_as_a_tag():
    source = "Before\n\n$$\na = b \\\\\nc = d\n$$ (eq-x)\n\nAfter {eq}`eq-x`."
    [cell] = convert_notebook(notebook(source), StandIn(), "x")["cells"]
    assert cell["source"] == ("Before\n\n<a id=\"equation-eq-x\"></a>\n\n$$\n\\begin{split}a = b \\\\\n"
                              "c = d\\end{split} \\tag{N-eq-x}\n$$\n\nAfter «eq:eq-x».")


def test_exercise_solution_and_bibliography():
    exercise = "````{exercise} Count $x$\n:label: ex-a\n\nCount {eq}`e`.\n````\n\n````{solution-start} ex-a\n:class: dropdown\n````\nIt is 42."
    out = convert_notebook(notebook(
        exercise, code("answer = 42", [{"output_type": "stream", "name": "stdout", "text": "42\n"}]),
        "Because.\n\n````{solution-end}\n````\nAfter it.",
        "## References\n\n```{bibliography}\n:filter: docname in docnames\n```"), StandIn(), "x")
    cells = out["cells"]
    assert text_of(cells) == [
        '<a id="ex-a"></a>\n\n#### Exercise X-ex-a (Count $x$)\n\nCount «eq:e».',
        "<details>\n<summary>Solution to Exercise X-ex-a (Count $x$)</summary>\n\nIt is 42.\n\n</details>",
        "answer = 42",
        "<details>\n<summary>Solution to Exercise X-ex-a (Count $x$), continued</summary>\n\nBecause.\n\n</details>",
        "After it.",
        "## References\n\n\\[1\\] A. Author. A title. 2000.",
    ]
    tags = [cell["metadata"].get("tags", []) for cell in cells]
    assert tags == [[], ["solution"], ["solution"], ["solution"], [], []]
    assert cells[2]["outputs"] == [{"output_type": "stream", "name": "stdout", "text": "42\n"}]
    assert cells[2]["metadata"]["jupyter"] == {"source_hidden": True, "outputs_hidden": True}


def test_a_solution_directive_and_an_admonition():
    out = convert_notebook(notebook(
        "````{exercise}\n:label: ex-b\n\nDo it.\n````",
        "```{solution} ex-b\nDone {eq}`e`.\n```\n\n```{note}\nRead {cite}`k`.\n```"), StandIn(), "x")
    assert text_of(out["cells"]) == [
        '<a id="ex-b"></a>\n\n#### Exercise X-ex-b\n\nDo it.',
        "<details>\n<summary>Solution to Exercise X-ex-b</summary>\n\nDone «eq:e».\n\n</details>",
        "> **Note**\n>\n> Read «cite:k».",
    ]


def test_a_figure_keeps_its_caption_and_finds_its_file():
    out = convert_notebook(notebook("```{figure} images/cell.png\n:alt: A cell\n\nThe cell of {cite:t}`k`.\n```"),
                           StandIn(), "x")
    assert text_of(out["cells"]) == ["![A cell](https://example.org/images/cell.png)\n\n*The cell of «cite:t:k».*"]


def test_code_cells_are_copied_unchanged():
    cell = code("x = 1  # {eq}`not a role in code`", [{"output_type": "execute_result", "data": {"text/plain": "1"}}])
    out = convert_notebook(notebook(cell), StandIn(), "x")
    assert out["cells"] == [cell]


@pytest.mark.parametrize("source, message", [
    ("Intro.\n\n```{youtube} abc\n```", r"book/bad.ipynb, cell 1: unknown directive \{youtube\}"),
    ("See {footcite}`k`.", r"book/bad.ipynb, cell 1: cannot resolve \{footcite\}`k`"),
    ("* item\n\n  ```{note}\n  nested\n  ```", r"book/bad.ipynb, cell 1: a directive inside a list"),
    ("````{solution-end}\n````", r"book/bad.ipynb, cell 1: solution-end without its solution-start"),
    ("```{solution} ex-none\nx\n```", r"book/bad.ipynb, cell 1: a solution to 'ex-none'"),
])
def test_what_the_converter_does_not_know_names_the_file_and_the_cell(source, message):
    with pytest.raises(ConversionError, match=message):
        convert_notebook(notebook(code("import x"), source), StandIn(), "book/bad.ipynb")


def test_an_unclosed_solution_is_an_error():
    with pytest.raises(ConversionError, match="x.ipynb: solution-start 'ex-a' without its solution-end"):
        convert_notebook(notebook("````{exercise}\n:label: ex-a\n\nA.\n````\n\n````{solution-start} ex-a\n````"),
                         StandIn(), "x.ipynb")


def test_the_build_fails_on_a_chapter_it_cannot_convert(tmp_path):
    # notebook_editions.write_editions, as Sphinx calls it at the end of an HTML build
    import notebook_editions
    from sphinx.errors import ExtensionError

    chapter = tmp_path / "book" / "bad.ipynb"
    chapter.parent.mkdir()
    chapter.write_text(json.dumps(notebook("Fine.", "```{youtube} abc\n```")))
    env = SimpleNamespace(found_docs={"book/bad"}, doc2path=lambda docname: tmp_path / f"{docname}.ipynb",
                          get_domain=lambda name: None, titles={})
    app = SimpleNamespace(builder=SimpleNamespace(format="html"), env=env, srcdir=str(tmp_path),
                          outdir=str(tmp_path / "_build" / "html"),
                          config=SimpleNamespace(html_baseurl="https://example.org/course/"))
    with pytest.raises(ExtensionError, match=r"book/bad.ipynb, cell 1: unknown directive \{youtube\}"):
        notebook_editions.write_editions(app, None)
    assert not (tmp_path / "_build" / "notebooks").exists()


@pytest.mark.parametrize("chapter", toc_notebooks(), ids=lambda p: p.stem)
def test_every_chapter_converts_to_markdown_without_book_syntax(chapter):
    book = json.loads(chapter.read_text(encoding="utf-8"))
    edition = convert_notebook(book, StandIn(), str(chapter.relative_to(REPO_ROOT)))
    left = [text for cell, text in zip(edition["cells"], text_of(edition["cells"]))
            if cell["cell_type"] == "markdown" and MYST.search(text)]
    assert not left, left[:2]
    def code_cells(cells):
        return [(cell["source"], cell.get("outputs")) for cell in cells if cell["cell_type"] == "code"]
    assert code_cells(edition["cells"]) == code_cells(book["cells"])
    exercises = len(re.findall(r"^`{3,}\{exercise\}", "\n".join(text_of(book["cells"])), re.M))
    assert len(re.findall(r"^#### Exercise X-", "\n".join(text_of(edition["cells"])), re.M)) == exercises > 0


# --- student copies of an edition ------------------------------------------------------


def test_a_student_copy_of_an_edition_drops_the_tagged_cells(tmp_path):
    out = convert_notebook(notebook(
        "````{exercise} A\n:label: ex-a\n\nWrite it.\n````\n\n````{solution-start} ex-a\n````\nHow.",
        code("solution = 1"), "More.\n\n````{solution-end}\n````",
        "````{exercise} B\n:label: ex-b\n\nAgain.\n````", code("stub = None"),
        "````{solution-start} ex-b\n````\nLike A.\n\n````{solution-end}\n````"), StandIn(), "x")
    edition = tmp_path / "edition.ipynb"
    edition.write_text(json.dumps(out))
    assert strip_solutions(edition, tmp_path / "student.ipynb") == 2
    kept = json.loads((tmp_path / "student.ipynb").read_text())["cells"]
    assert text_of(kept) == ['<a id="ex-a"></a>\n\n#### Exercise X-ex-a (A)\n\nWrite it.',
                             '<a id="ex-b"></a>\n\n#### Exercise X-ex-b (B)\n\nAgain.', "stub = None"]


def test_the_student_copy_command_refuses_the_books_source(tmp_path):
    run = subprocess.run([sys.executable, "-m", "companion.exercises", str(REPO_ROOT / "book" / "slot_filling.ipynb"),
                          str(tmp_path / "copy.ipynb")], capture_output=True, text=True)
    assert run.returncode == 1 and not (tmp_path / "copy.ipynb").exists()
    assert "is the book's MyST source" in run.stderr and "_build/notebooks/book/" in run.stderr


# --- the editions of the real build ----------------------------------------------------


@pytest.fixture(scope="module")
def editions(built_book):
    return built_book.html.parent / "notebooks"


# Sphinx curls the quotes of the pages (smartquotes); the notebooks keep those of the source.
_STRAIGHT = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


def _html_texts(page: Path, pattern: str) -> list[str]:
    """The visible texts of the elements ``pattern`` matches in a built page, quotes straight."""
    found = re.findall(pattern, page.read_text(encoding="utf-8"), re.S)
    return [html_module.unescape(re.sub(r"<[^>]+>", "", text)).strip().translate(_STRAIGHT) for text in found]


@pytest.mark.slow
@pytest.mark.parametrize("chapter", toc_notebooks(), ids=lambda p: p.stem)
def test_the_colab_edition_shows_the_books_numbers(chapter, editions, built_book):
    relative = chapter.relative_to(REPO_ROOT)
    edition = json.loads((editions / relative).read_text(encoding="utf-8"))
    book = json.loads(chapter.read_text(encoding="utf-8"))
    markdown = "\n\n".join(text for cell, text in zip(edition["cells"], text_of(edition["cells"]))
                           if cell["cell_type"] == "markdown")
    assert not MYST.search(markdown), MYST.search(markdown).group(0)
    # code cells: the book's source and outputs
    pairs = list(zip([c for c in book["cells"] if c["cell_type"] == "code"],
                     [c for c in edition["cells"] if c["cell_type"] == "code"], strict=True))
    assert all(a["source"] == b["source"] and a.get("outputs") == b.get("outputs") for a, b in pairs)
    page = built_book.html / relative.with_suffix(".html")
    # equation numbers, exercise numbers and titles, citations and references as on the page
    numbers = Counter(_html_texts(page, r'<span class="eqno">(.*?)<a'))
    assert Counter(f"({n})" for n in re.findall(r"\\tag\{([^}]*)\}", markdown)) == numbers
    titles = _html_texts(page, r'<p class="admonition-title"><span class="caption-number">(.*?)</p>')
    headings = re.findall(r"^#### (Exercise .*)$", markdown, re.M)
    assert [re.sub(r"\s+", " ", t) for t in titles] == headings and headings
    unescaped = markdown.replace("\\[", "[").replace("\\]", "]")
    for citation, count in Counter(_html_texts(page, r'<span class="bibtex-citation"[^>]*>(.*?)</span>')).items():
        assert unescaped.count(citation) >= count, citation
    entries = len(re.findall(r'<div class="citation" id=', page.read_text(encoding="utf-8")))
    assert len(re.findall(r"^\\\[[A-Z]*\d+\\\] ", markdown, re.M)) == entries > 0


@pytest.mark.slow
@pytest.mark.parametrize("chapter", toc_notebooks(), ids=lambda p: p.stem)
def test_the_student_edition_is_the_command_lines_copy_of_the_colab_edition(chapter, editions, tmp_path):
    colab = editions / chapter.relative_to(REPO_ROOT)
    copy = tmp_path / "copy.ipynb"
    run = subprocess.run([sys.executable, "-m", "companion.exercises", str(colab), str(copy)],
                         capture_output=True, text=True, env=dict(os.environ))
    assert run.returncode == 0, run.stderr
    student = editions / "student" / chapter.name
    assert student.read_bytes() == copy.read_bytes()
    cells = json.loads(student.read_text(encoding="utf-8"))["cells"]
    text = "\n".join(text_of(cells))
    assert "<details>" not in text and not MYST.search(text)
    assert all(not cell.get("outputs") for cell in cells if cell["cell_type"] == "code")
    assert all("solution" not in cell["metadata"].get("tags", []) for cell in cells)
    # the stubs and checkers stay: every code cell of the Colab edition outside a solution
    colab_cells = json.loads(colab.read_text(encoding="utf-8"))["cells"]
    assert [c["source"] for c in cells if c["cell_type"] == "code"] == [
        c["source"] for c in colab_cells
        if c["cell_type"] == "code" and "solution" not in c["metadata"].get("tags", [])]
    assert re.search(r"^#### Exercise ", text, re.M) and re.search(r"^check_\w+\(", text, re.M)


@pytest.mark.slow
def test_a_book_with_a_chapter_it_cannot_convert_fails_to_build(tmp_path):
    # a book of one page and one chapter, built by Jupyter Book with the course's extension
    (tmp_path / "intro.md").write_text("# A book\n")
    (tmp_path / "bad.ipynb").write_text(json.dumps(notebook("# Bad\n\nFine.", "```{youtube} abc\n```")))
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n  - file: bad\n")
    (tmp_path / "_config.yml").write_text(
        "title: A book\nexecute:\n  execute_notebooks: 'off'\nhtml:\n  baseurl: https://example.org/book/\n"
        f"sphinx:\n  local_extensions:\n    notebook_editions: {REPO_ROOT / 'book' / '_ext'}\n")
    build = subprocess.run(
        [sys.executable, "-c", "import sys; from jupyter_book.cli.main import main; sys.exit(main())",
         "build", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert build.returncode != 0
    assert re.search(r"notebook_editions: bad\.ipynb, cell 1: unknown directive \{youtube\}",
                     build.stdout + build.stderr), (build.stdout + build.stderr)[-3000:]


@pytest.mark.slow
def test_the_student_editions_checkers_run_on_their_stubs(editions, tmp_path):
    # chapter 1's first two coding exercises, as a student runs them before writing anything
    cells = json.loads((editions / "student" / "slot_filling.ipynb").read_text(encoding="utf-8"))["cells"]
    code_sources = ["".join(cell["source"]) for cell in cells if cell["cell_type"] == "code"]
    program = []
    for name in ("my_trigrams", "my_step"):
        stub = next(source for source in code_sources if source.startswith(f"def {name}("))
        checker = next(source for source in code_sources if re.search(rf"^check_\w+\({name}\)", source, re.M))
        *before, verdict = checker.rstrip().splitlines()
        program += [stub, "\n".join([*before, f"print({verdict})"])]
    run = subprocess.run([sys.executable, "-c", "\n\n".join(program)], capture_output=True, text=True,
                         cwd=tmp_path, timeout=300)
    assert run.returncode == 0, run.stderr
    assert run.stdout.count("Not yet: the function is still a stub") == 2, run.stdout
