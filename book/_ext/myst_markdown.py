"""The book's MyST Markdown rewritten as plain Jupyter Markdown, one notebook at a time.

A chapter's Markdown cells are written for the book's build: roles such as
``{cite:t}`elman1990finding``` and ``{eq}`eq-elman```, and directives such as
``{exercise}``, ``{solution-start}`` and ``{bibliography}``, mean something only to Sphinx.
Colab and a plain Jupyter show them raw. :func:`convert_notebook` rewrites every Markdown cell
into Markdown that any notebook renderer shows as the book does:

* citations as the book prints them (``[Elman, 1990]``, ``Elman [1990]``), and the chapter's
  reference list written out where its ``{bibliography}`` stands;
* equation references as their numbers (``(1.3)``), each labelled equation with its number as
  a ``\\tag``; exercise and section references as the book's text (``Exercise 1.2``); links to
  other pages as absolute links to the published book;
* each exercise as a heading, ``Exercise 1.2 (Title)``, with its text below;
* each solution in a collapsed ``<details>`` block, in cells of its own tagged ``solution``
  (a solution's code cells keep their source and outputs and are tagged too), so that a
  student edition can drop them (:func:`companion.exercises.strip_solutions`);
* admonitions as quoted blocks under their title, figures as an image (a relative path made a
  URL that works where the notebook is opened on its own) and its caption.

Code cells are copied unchanged. Whatever the converter does not know, a role, a directive or
a directive nested in a list, stops it with :class:`ConversionError` naming the file and the
cell: nothing is dropped silently. What numbers and texts the book gives a label comes from a
:class:`Resolver`; ``notebook_editions.py`` implements it on Sphinx's own tables, so the
numbers are those of the built pages.
"""

from __future__ import annotations

import copy
import re
from typing import Protocol

from markdown_it.renderer import RendererHTML
from myst_parser.config.main import MdParserConfig
from myst_parser.parsers.mdit import create_md_parser

SOLUTION_TAG = "solution"
ADMONITIONS = {"admonition", "attention", "caution", "danger", "error", "hint", "important",
               "note", "seealso", "tip", "warning"}
# The directives that reference lists, exercises and solutions use, with the admonitions,
# figures and images; anything else is a ConversionError.
_DIRECTIVE = re.compile(r"^\{([A-Za-z0-9_:-]+)\}\s*(.*)$")
_OPTION = re.compile(r"^:([A-Za-z0-9_-]+):\s*(.*)$")


class ConversionError(ValueError):
    """MyST that the converter cannot write as plain Markdown; the message names file and cell."""


class Resolver(Protocol):
    """What the book shows for a label, as Markdown; implemented on Sphinx's tables."""

    def role(self, name: str, content: str) -> str:
        """The Markdown of a role, e.g. ``("cite:t", "elman1990finding")`` -> ``Elman [1990]``."""

    def equation_number(self, label: str) -> str:
        """The number the book prints beside a labelled equation, e.g. ``1.3``."""

    def exercise_name(self, label: str) -> str:
        """The book's name of an exercise, e.g. ``Exercise 1.2``."""

    def bibliography(self, options: dict[str, str]) -> str:
        """The chapter's reference list as Markdown, for a ``{bibliography}`` with ``options``."""

    def file_url(self, path: str) -> str:
        """Where a notebook opened on its own finds a file the chapter names by a relative path."""


def markdown_parser():
    """A parser with the book's MyST extensions (``parse.myst_enable_extensions`` in _config.yml)."""
    config = MdParserConfig(enable_extensions={
        "amsmath", "attrs_inline", "colon_fence", "deflist", "dollarmath", "html_image",
        "linkify", "substitution", "tasklist"})
    return create_md_parser(config, RendererHTML)


def display_math(body: str, number: str | None) -> str:
    """A display equation as the book's MathJax receives it (Sphinx wraps each blank-line
    separated part holding ``\\\\`` in ``split``), tagged with its number if it has one."""
    parts = [part.strip() for part in body.split("\n\n") if part.strip()]
    parts = [rf"\begin{{split}}{part}\end{{split}}" if r"\\" in part else part for part in parts]
    text = parts[0] if len(parts) == 1 else (
        r"\begin{align}\begin{aligned}" + r"\\".join(parts) + r"\end{aligned}\end{align}")
    if number is not None:
        text += rf" \tag{{{number}}}"
    return f"$$\n{text}\n$$"


def _scan_roles(text: str, replace) -> tuple[str, int]:
    """``text`` with each ``{name}`content``` replaced by ``replace(name, content)``, skipping
    code spans; returns the text and how many roles it replaced."""
    out, i, count = [], 0, 0
    role = re.compile(r"\{([A-Za-z0-9_:+-]+)\}(`+)")
    while i < len(text):
        if text[i] == "`":
            run = re.match(r"`+", text[i:]).group(0)
            end = text.find(run, i + len(run))
            stop = len(text) if end < 0 else end + len(run)
            out.append(text[i:stop])
            i = stop
            continue
        match = role.match(text, i)
        if match:
            ticks = match.group(2)
            end = text.find(ticks, match.end())
            if end >= 0:
                out.append(replace(match.group(1), text[match.end():end]))
                i, count = end + len(ticks), count + 1
                continue
        out.append(text[i])
        i += 1
    return "".join(out), count


class _Cell:
    """The cells written for one source cell: Markdown pieces, each in or out of a solution."""

    def __init__(self):
        self.pieces: list[tuple[str, bool]] = []  # (markdown, in a solution)

    def add(self, text: str, solution: bool) -> None:
        if not text.strip():
            return
        if self.pieces and self.pieces[-1][1] == solution:
            self.pieces[-1] = (self.pieces[-1][0] + "\n\n" + text, solution)
        else:
            self.pieces.append((text, solution))


class NotebookConverter:
    """Rewrites one notebook's Markdown; ``where`` (the file) goes into every error."""

    def __init__(self, resolver: Resolver, where: str):
        self.resolver, self.where = resolver, where
        self.parser = markdown_parser()
        self.cell_index = 0
        self.titles: dict[str, tuple[str, str]] = {}  # exercise label -> (name, title)
        self.solution: str | None = None  # the exercise label of an open gated solution
        self.continued = False  # whether the open solution already had a <details> block
        self.block_open = False  # whether this cell's <details> block is open

    def fail(self, message: str) -> ConversionError:
        return ConversionError(f"{self.where}, cell {self.cell_index}: {message}")

    def lookup(self, what: str, answer, *arguments) -> str:
        """The resolver's ``answer(*arguments)``; a label it does not know is a ConversionError."""
        try:
            return answer(*arguments)
        except KeyError as error:
            raise self.fail(f"cannot resolve {what}: {error.args[0]}") from None

    # --- roles ---------------------------------------------------------------------
    def _role(self, name: str, content: str) -> str:
        return self.lookup(f"{{{name}}}`{content}`", self.resolver.role, name, content)

    def inline(self, text: str, expected: int | None = None) -> str:
        converted, count = _scan_roles(text, self._role)
        if expected is not None and count != expected:
            raise self.fail(f"found {count} roles where the parser sees {expected}, in: {text[:120]!r}")
        return converted

    # --- blocks --------------------------------------------------------------------
    def emit(self, cell: _Cell, text: str, in_solution: bool = False) -> None:
        """Adds ``text`` to ``cell``; inside a gated solution, in a collapsed block, which a
        solution spread over several cells opens anew in each (after the first, "continued")."""
        if self.solution is not None and not self.block_open:
            cell.add(self._summary(self.solution, self.continued), True)
            self.continued, self.block_open = True, True
        cell.add(text, in_solution or self.solution is not None)

    def close_block(self, cell: _Cell) -> None:
        if self.block_open:
            cell.add("</details>", True)
            self.block_open = False

    def markdown(self, source: str, cell: _Cell, in_solution: bool) -> None:
        """Converts ``source`` (a cell or a directive's body) into ``cell``'s pieces."""
        lines = source.split("\n")
        tokens = self.parser.parse(source)
        prose: list[int] = []  # the first and last line of a run of ordinary blocks
        roles = 0

        def flush():
            nonlocal roles
            if prose:
                text = "\n".join(lines[prose[0]:prose[-1]])  # blank lines between blocks kept
                self.emit(cell, self.inline(text, roles), in_solution)
            prose.clear()
            roles = 0

        for token in tokens:
            if token.type in ("fence", "colon_fence") and token.info.startswith("{") and token.level > 0:
                raise self.fail(f"a directive inside a list or quote is not supported: {token.info!r}")
            if token.type == "inline":
                roles += sum(1 for child in token.children or [] if child.type == "myst_role")
            if token.type.startswith("substitution"):
                raise self.fail(f"substitutions are not supported: {token.content!r}")
            if token.level != 0 or token.map is None:
                continue
            block = "\n".join(lines[token.map[0]:token.map[1]])
            if token.type in ("fence", "colon_fence") and _DIRECTIVE.match(token.info):
                flush()
                self.directive(token.info, token.content, cell, in_solution)
            elif token.type == "math_block_label":
                flush()
                number = self.lookup(f"equation {token.info!r}", self.resolver.equation_number, token.info)
                self.emit(cell, f'<a id="equation-{token.info}"></a>\n\n' + display_math(token.content, number),
                          in_solution)
            elif token.type == "math_block":
                flush()
                self.emit(cell, display_math(token.content, None), in_solution)
            elif token.type == "myst_target":
                flush()
                self.emit(cell, f'<a id="{token.content}"></a>', in_solution)
            elif token.type in ("myst_line_comment", "myst_block_break", "front_matter"):
                flush()
            elif token.type in ("fence", "code_block", "html_block", "amsmath"):
                flush()
                self.emit(cell, block, in_solution)
            else:
                prose[:] = [prose[0] if prose else token.map[0], token.map[1]]
        flush()

    def directive(self, info: str, content: str, cell: _Cell, in_solution: bool) -> None:
        name, argument = _DIRECTIVE.match(info).groups()
        options, body = _options(content)
        argument = self.inline(argument)
        if name == "exercise":
            self._exercise(argument, options, body, cell)
        elif name == "solution":
            self._solution_block(argument, body, cell)
        elif name == "solution-start":
            if self.solution is not None:
                raise self.fail(f"solution-start {argument!r} inside the solution of {self.solution!r}")
            self.solution, self.continued = argument, False
        elif name == "solution-end":
            if self.solution is None:
                raise self.fail("solution-end without its solution-start")
            self.close_block(cell)
            self.solution = None
        elif name == "bibliography":
            self.emit(cell, self.lookup("the bibliography", self.resolver.bibliography, options), in_solution)
        elif name == "math":
            label = options.get("label")
            number = self.lookup(f"equation {label!r}", self.resolver.equation_number, label) if label else None
            anchor = f'<a id="equation-{label}"></a>\n\n' if label else ""
            self.emit(cell, anchor + display_math(body, number), in_solution)
        elif name in ADMONITIONS:
            self._admonition(name, argument, body, cell, in_solution)
        elif name in ("figure", "image"):
            alt = options.get("alt", "")
            url = argument if re.match(r"[a-z]+://", argument) else self.resolver.file_url(argument)
            figure = f"![{alt}]({url})"
            if body.strip():
                figure += "\n\n*" + self.inline(body.strip()) + "*"
            self.emit(cell, figure, in_solution)
        else:
            raise self.fail(f"unknown directive {{{name}}}: the converter writes exercise, solution, "
                            f"solution-start, solution-end, bibliography, math, figure, image and the "
                            f"admonitions ({', '.join(sorted(ADMONITIONS))})")

    def _exercise(self, title: str, options: dict[str, str], body: str, cell: _Cell) -> None:
        label = options.get("label")
        name = self.lookup(f"exercise {label!r}", self.resolver.exercise_name, label) if label else "Exercise"
        heading = f"#### {name}" + (f" ({title})" if title else "")
        anchor = f'<a id="{label}"></a>\n\n' if label else ""
        self.emit(cell, anchor + heading)
        self.markdown(body, cell, False)
        self.titles[label] = (name, title)

    def _summary(self, label: str, continued: bool) -> str:
        if label not in self.titles:
            raise self.fail(f"a solution to {label!r}, which is not an exercise of this notebook")
        name, title = self.titles[label]
        text = f"Solution to {name}" + (f" ({title})" if title else "")
        return f"<details>\n<summary>{text}{', continued' if continued else ''}</summary>"

    def _solution_block(self, label: str, body: str, cell: _Cell) -> None:
        inner = _Cell()
        self.markdown(body, inner, True)
        text = "\n\n".join(piece for piece, _ in inner.pieces)
        cell.add(f"{self._summary(label, False)}\n\n{text}\n\n</details>", True)

    def _admonition(self, name: str, title: str, body: str, cell: _Cell, in_solution: bool) -> None:
        inner = _Cell()
        self.markdown(body, inner, in_solution)
        heading = title if name == "admonition" else name.capitalize() + (f": {title}" if title else "")
        text = f"**{heading}**\n\n" + "\n\n".join(piece for piece, _ in inner.pieces)
        self.emit(cell, "\n".join("> " + line if line else ">" for line in text.split("\n")), in_solution)

    # --- cells ---------------------------------------------------------------------
    def convert(self, notebook: dict) -> dict:
        result = copy.deepcopy(notebook)
        cells = []
        for self.cell_index, source_cell in enumerate(notebook["cells"]):
            if source_cell["cell_type"] != "markdown":
                cell = copy.deepcopy(source_cell)
                if self.solution is not None and cell["cell_type"] == "code":
                    _tag_solution(cell)
                    metadata = cell["metadata"].setdefault("jupyter", {})
                    metadata.update(source_hidden=True, outputs_hidden=True)
                cells.append(cell)
                continue
            converted = _Cell()
            self.markdown("".join(source_cell["source"]), converted, False)
            self.close_block(converted)
            for number, (text, solution) in enumerate(converted.pieces):
                cell = {"cell_type": "markdown", "metadata": copy.deepcopy(source_cell.get("metadata", {})),
                        "source": text}
                if "id" in source_cell:
                    cell["id"] = source_cell["id"] if number == 0 else f"{source_cell['id']}-{number}"
                if solution:
                    _tag_solution(cell)
                cells.append(cell)
        if self.solution is not None:
            raise ConversionError(f"{self.where}: solution-start {self.solution!r} without its solution-end")
        result["cells"] = cells
        return result


def _tag_solution(cell: dict) -> None:
    tags = cell["metadata"].setdefault("tags", [])
    if SOLUTION_TAG not in tags:
        tags.append(SOLUTION_TAG)


def _options(content: str) -> tuple[dict[str, str], str]:
    """A directive's ``:name: value`` options and the body after them."""
    lines = content.split("\n")
    options = {}
    while lines and _OPTION.match(lines[0]):
        key, value = _OPTION.match(lines.pop(0)).groups()
        options[key] = value.strip()
    return options, "\n".join(lines).strip("\n")


def convert_notebook(notebook: dict, resolver: Resolver, where: str) -> dict:
    """``notebook`` (nbformat 4 JSON) with every Markdown cell in plain Jupyter Markdown.

    Raises :class:`ConversionError` naming ``where`` and the cell for an unknown role or
    directive, an unresolvable label, a directive nested in a list, or unbalanced solutions.
    """
    return NotebookConverter(resolver, where).convert(notebook)
