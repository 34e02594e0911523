"""The chapters as plain notebooks for Colab and for students, written by the book's build.

Colab opens a chapter's ``.ipynb`` as it is, and the chapters are written in MyST for the
book: a student there would read ``{cite:t}`elman1990finding``` and fenced ``{exercise}``
blocks. At the end of an HTML build this Sphinx extension writes two editions of every
chapter (every notebook in the table of contents), beside the HTML:

``_build/notebooks/book/<chapter>.ipynb``
    the **Colab edition**: the chapter with its Markdown rewritten by
    :func:`myst_markdown.convert_notebook` (citations, equation and exercise numbers as the
    built pages print them, the reference list written out, solutions collapsed), its code
    cells and outputs unchanged;
``_build/notebooks/student/<chapter>.ipynb``
    the **student edition**: the Colab edition without its solutions and outputs, written by
    :func:`companion.exercises.strip_solutions`, the function behind
    ``python -m companion.exercises``.

The book's workflow publishes the repository with the Colab editions in place of the chapters,
and the student editions in ``student/``, as the branch ``notebook_editions_branch``
(``colab``); this extension points every page's Colab and Binder launch buttons there, at the
same path as the chapter in the repository. Links to other pages become absolute links under
``html_baseurl``, the published book. A chapter the converter cannot write (an unknown
directive, say) fails the build with its file and cell named.
"""

from __future__ import annotations

import json
import posixpath
import re
import sys
from pathlib import Path

import pybtex.plugin
from docutils import nodes
from sphinx.addnodes import pending_xref
from sphinx.errors import ExtensionError
from sphinx.util import docname_join, logging

sys.path.insert(0, str(Path(__file__).resolve().parent))
from myst_markdown import ConversionError, convert_notebook  # noqa: E402

LOGGER = logging.getLogger(__name__)
OUTPUT = "notebooks"  # beside the HTML output: _build/notebooks
STUDENT = "student"


class SphinxResolver:
    """The texts and numbers of one page's labels, from the environment of a finished build."""

    def __init__(self, app, docname: str):
        self.app, self.env, self.docname = app, app.env, docname
        self.baseurl = app.config.html_baseurl.rstrip("/") + "/"

    def _resolve(self, domain: str, kind: str, target: str):
        node = pending_xref("", refdomain=domain, reftype=kind, reftarget=target,
                            refdoc=self.docname, refexplicit=False)
        node.source, node.line = self.env.doc2path(self.docname), 0
        if domain not in self.env.domains:
            raise KeyError(f"the book has no {domain!r} domain (a Sphinx extension not loaded)")
        resolved = self.env.get_domain(domain).resolve_xref(
            self.env, self.docname, self.app.builder, kind, target, node, nodes.inline("", ""))
        if resolved is None or not resolved.astext():
            raise KeyError(f"no {kind} target {target!r}")
        return resolved

    def _url(self, refuri: str) -> str:
        """An absolute URL in the published book for a link of this page's HTML."""
        return self.baseurl + posixpath.normpath(posixpath.join(posixpath.dirname(self.docname), refuri))

    def _link(self, text: str, resolved) -> str:
        refuri = resolved.get("refuri")
        return f"[{text}]({self._url(refuri)})" if refuri else text

    def role(self, name: str, content: str) -> str:
        if name in ("cite", "cite:p", "cite:t"):
            kind = "t" if name == "cite:t" else "p"
            text = self._resolve("cite", kind, content).astext()
            return text.replace("[", r"\[").replace("]", r"\]")
        if name == "eq":
            resolved = self._resolve("math", "eq", content)
            return self._link(resolved.astext(), resolved)
        if name in ("ref", "numref"):
            title, target = _explicit(content)
            kind = "numref" if name == "numref" or (
                title is None and target in getattr(self.env, "sphinx_exercise_registry", {})) else "ref"
            resolved = self._resolve("std", kind, target)
            return self._link(title or resolved.astext(), resolved)
        if name == "doc":
            title, target = _explicit(content)
            docname = docname_join(self.docname, target)
            if docname not in self.env.titles:
                raise KeyError(f"no page {target!r}")
            return f"[{title or self.env.titles[docname].astext()}]({self.baseurl}{docname}.html)"
        if name == "math":
            return f"${content}$"
        raise KeyError(f"the converter does not know the role {{{name}}}")

    def equation_number(self, label: str) -> str:
        return self._resolve("math", "eq", label).astext().strip("()")

    def exercise_name(self, label: str) -> str:
        return self._resolve("std", "numref", label).astext()

    def bibliography(self, options: dict[str, str]) -> str:
        # Sphinx has applied the directive's options (filter, key and label prefixes) already:
        # the page's citations are its list, in its order, with its labels
        # HTML inside Markdown: pybtex's Markdown backend escapes every dot of a URL's text,
        # and some renderers show the backslashes
        html = pybtex.plugin.find_plugin("pybtex.backends", "html")()
        if "cite" not in self.env.domains:
            raise KeyError("the book does not load sphinxcontrib.bibtex")
        entries = [citation for citation in self.env.get_domain("cite").citations
                   if citation.bibliography_key.docname == self.docname]
        if not entries:
            raise KeyError("a bibliography with no entries")
        return "\n\n".join(
            rf"\[{citation.formatted_entry.label}\] {_plain_html(citation.formatted_entry.text.render(html))}"
            for citation in entries)

    def file_url(self, path: str) -> str:
        # the editions' branch holds the repository's files at the same paths
        options = self.app.config.html_theme_options
        repository = options["repository_url"].replace("https://github.com/", "https://raw.githubusercontent.com/")
        return (f"{repository}/{self.app.config.notebook_editions_branch}/"
                + posixpath.normpath(posixpath.join(posixpath.dirname(self.docname), path)))


def _plain_html(entry: str) -> str:
    """An entry as pybtex writes it in HTML, without its non-breaking spaces and the spans that
    mark BibTeX's braces (``{\\'e}``), which a notebook renderer would only keep as clutter."""
    entry = entry.replace("&nbsp;", " ")
    protected = re.compile(r'<span class="bibtex-protected">([^<]*)</span>')
    while protected.search(entry):  # innermost first: BibTeX's braces nest
        entry = protected.sub(r"\1", entry)
    return entry


def _explicit(content: str) -> tuple[str | None, str]:
    """``title <target>`` -> (title, target); a bare target -> (None, target)."""
    if content.endswith(">") and "<" in content:
        title, target = content[:-1].rsplit("<", 1)
        return title.strip(), target.strip()
    return None, content.strip()


def chapter_docnames(app) -> list[str]:
    """The notebooks the book builds (only those of the table of contents, see _config.yml)."""
    return [docname for docname in app.env.found_docs
            if str(app.env.doc2path(docname)).endswith(".ipynb")]


def write_editions(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    if not app.config.html_baseurl:
        raise ExtensionError("notebook_editions: set html.baseurl in _config.yml (the published "
                             "book), which the Colab edition's links to other pages start with")
    from companion.exercises import strip_solutions  # the student copies' one definition

    root = Path(app.outdir).parent / OUTPUT
    for docname in sorted(chapter_docnames(app)):
        source = Path(app.env.doc2path(docname))
        relative = source.relative_to(app.srcdir)
        notebook = json.loads(source.read_text(encoding="utf-8"))
        try:
            edition = convert_notebook(notebook, SphinxResolver(app, docname), str(relative))
        except ConversionError as error:
            raise ExtensionError(f"notebook_editions: {error}") from None
        colab = root / relative
        colab.parent.mkdir(parents=True, exist_ok=True)
        colab.write_text(json.dumps(edition, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        strip_solutions(colab, root / STUDENT / relative.name)
    LOGGER.info(f"notebook_editions: {len(chapter_docnames(app))} chapters in {root}")


def launch_buttons(app, pagename, templatename, context, doctree) -> None:
    """Points the page's Colab and Binder launch buttons at the editions' branch, same path."""
    branch = app.config.html_theme_options.get("repository_branch", "main")
    editions = app.config.notebook_editions_branch
    for group in context.get("header_buttons", []):
        for button in group.get("buttons", []):
            if button.get("text") == "Colab":
                button["url"] = button["url"].replace(f"/blob/{branch}/", f"/blob/{editions}/", 1)
            elif button.get("text") == "Binder":
                button["url"] = button["url"].replace(f"/{branch}?urlpath=", f"/{editions}?urlpath=", 1)


def setup(app):
    app.add_config_value("notebook_editions_branch", "colab", "html")
    app.connect("build-finished", write_editions)
    # after sphinx-book-theme's own handler (priority 501) has added the launch buttons
    app.connect("html-page-context", launch_buttons, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
