"""The API reference (book/api): every public module is on a page, and every public name has a
docstring that names its chapter and says what it raises.

The pages under ``book/api/`` are the one list of documented modules: each ``.. automodule::``
directive there names one module. A module added to the package but to no page fails
:func:`test_every_public_module_is_on_a_reference_page`.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import pkgutil
import re
import textwrap
from collections import Counter
from pathlib import Path

import pytest

import companion

REPO_ROOT = Path(__file__).resolve().parent.parent
API_FOLDER = REPO_ROOT / "book" / "api"
CHAPTERS = ("slot_filling", "rnn_variants", "lstm", "bptt", "gradient_problems", "long_memory", "sentiment", "key_terms", "ctc", "translation", "autoencoders", "parsing")

# An `.. automodule::` directive and its option lines.
AUTOMODULE = re.compile(r"^\s*\.\. automodule::\s+(\S+)\s*\n((?:[ \t]+:[\w-]+:.*\n)*)", re.MULTILINE)
# "chapter 3", "chapters 2 and 3", "(chapter 1 onwards)", "Chapter 4's"
NAMES_A_CHAPTER = re.compile(r"\bchapters?\s+\d", re.IGNORECASE)
# Internal plumbing that no chapter explains says so instead.
PACKAGE_HELPER = re.compile(r"\bhelper of the (?:``companion``\s+)?package\b", re.IGNORECASE)
SAYS_RAISES = re.compile(r"\b[Rr]aises\b")
# Validators whose call raises ValueError on bad input, as a direct `raise ValueError` does.
VALIDATOR_NAME = re.compile(r"^_?(?:require|check)_")

# The six LSTMs of the package: (name, a pattern that finds it, the chapter that uses it).
SIX_LSTMS = [
    ("MemoryCell", r"\bMemoryCell\b", 3),
    ("lstm_step and LSTMCell", r"\blstm_step\b.*\bLSTMCell\b|\bLSTMCell\b.*\blstm_step\b", 3),
    ("the scratch LSTM layer", r"\b(?:layers|runners)\.LSTM\b", 3),
    ("PackedLSTM", r"\bPackedLSTM\b", 3),
    ("the NumPy LSTM", r"\b(?:lstm_forward|lstm_backward|LSTMParameters|init_lstm)\b", 4),
    ("CharRNN(cell=\"lstm\")", r"\bCharRNN\b", 4),
]


# --- what the pages document ------------------------------------------------------------------


def reference_pages() -> list[Path]:
    return sorted(API_FOLDER.glob("*.md"))


def documented_modules() -> list[tuple[str, Path, bool]]:
    """(module, page, whether its members are documented) for every ``.. automodule::`` of the
    reference pages, in order. A package that re-exports its submodules' names is documented
    with ``:no-members:``; its submodules hold the entries."""
    found = []
    for page in reference_pages():
        for name, options in AUTOMODULE.findall(page.read_text(encoding="utf-8")):
            found.append((name, page, ":members:" in options and ":no-members:" not in options))
    return found


def _is_private(module_name: str) -> bool:
    return any(part.startswith("_") for part in module_name.split(".")[1:])


def _import_error(name: str) -> None:
    raise ImportError(f"companion module {name} cannot be imported")


def public_modules() -> list[str]:
    """Every module of the package whose dotted name has no part starting with ``_``."""
    names = ["companion"] + [
        info.name
        for info in pkgutil.walk_packages(companion.__path__, "companion.", onerror=_import_error)
        if info.name.rsplit(".", 1)[-1] != "__main__"
    ]
    return sorted(name for name in names if not _is_private(name))


DOCUMENTED = [name for name, _, _ in documented_modules()]
WITH_MEMBERS = [name for name, _, members in documented_modules() if members]


def public_names(module) -> list[tuple[str, object]]:
    """What autodoc's ``:members:`` shows: ``__all__``, else the public functions and classes
    defined in the module itself (not imported into it)."""
    if hasattr(module, "__all__"):
        names = list(module.__all__)
    else:
        names = [
            name
            for name, value in vars(module).items()
            if not name.startswith("_")
            and (inspect.isfunction(value) or inspect.isclass(value))
            and value.__module__ == module.__name__
        ]
    values = [(name, getattr(module, name)) for name in names]
    # Constants have no docstring of their own (their __doc__ is their type's).
    return [(name, value) for name, value in values if inspect.isfunction(value) or inspect.isclass(value)]


# --- which functions raise ValueError ---------------------------------------------------------


def _source(function) -> str:
    try:
        return textwrap.dedent(inspect.getsource(function))
    except (OSError, TypeError):  # built in, or generated (a dataclass's __init__)
        return ""


def _called_functions(source: str, namespace: dict) -> dict[str, object]:
    """The functions that `source` calls by a name of `namespace` (``f(...)``, ``module.f(...)``)."""
    called = {}
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        if isinstance(node.func, ast.Name):
            called[node.func.id] = namespace.get(node.func.id)
        elif isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name):
            owner = namespace.get(node.func.value.id)
            if inspect.ismodule(owner):
                called[node.func.attr] = getattr(owner, node.func.attr, None)
    return called


def raises_value_error(function, seen: frozenset = frozenset()) -> bool:
    """Whether `function` raises ``ValueError`` itself, or through one of the package's
    ``require_*``/``check_*`` validators (followed into the validators they call)."""
    source = _source(function)
    if not source:
        return False
    if re.search(r"\braise ValueError\b", source):
        return True
    for name, validator in _called_functions(source, getattr(function, "__globals__", {})).items():
        if (
            VALIDATOR_NAME.match(name)
            and inspect.isfunction(validator)
            and validator.__module__.startswith("companion")
            and validator not in seen
            and raises_value_error(validator, seen | {function})
        ):
            return True
    return False


def _constructors(cls) -> list:
    return [vars(cls)[name] for name in ("__new__", "__init__", "__post_init__") if name in vars(cls)]


def _public_methods(cls) -> list[tuple[str, object]]:
    methods = [(name, getattr(value, "__func__", value)) for name, value in vars(cls).items()]  # class/static
    return [(name, value) for name, value in methods if inspect.isfunction(value) and not name.startswith("_")]


# --- the modules and their pages --------------------------------------------------------------


def test_every_public_module_is_on_a_reference_page():
    missing = sorted(set(public_modules()) - set(DOCUMENTED))
    assert not missing, (
        f"modules on no page of book/api/ (add an `.. automodule::` for each): {missing}"
    )


def test_every_module_on_a_reference_page_is_public_and_imports():
    problems = []
    for name, page, _ in documented_modules():
        if not name.startswith("companion") or _is_private(name):
            problems.append(f"{page.name}: {name} is not a public module of the package")
            continue
        try:
            importlib.import_module(name)
        except ImportError as error:
            problems.append(f"{page.name}: {name} does not import ({error})")
    assert not problems, "\n".join(problems)


def test_each_module_is_on_one_page_once():
    # Twice documented, its names would be described twice (a warning that fails the build).
    repeated = [name for name, count in Counter(DOCUMENTED).items() if count > 1]
    assert not repeated, f"modules documented more than once in book/api/: {repeated}"


def test_every_reference_page_is_in_the_table_of_contents():
    toc = (REPO_ROOT / "_toc.yml").read_text(encoding="utf-8")
    pages = reference_pages()
    assert pages, "no reference page in book/api/"
    absent = [page.name for page in pages if f"book/api/{page.stem}" not in toc]
    assert not absent, f"pages of book/api/ missing from _toc.yml (they would not be built): {absent}"


@pytest.mark.parametrize("page", reference_pages(), ids=lambda page: page.stem)
def test_each_reference_page_opens_with_what_lives_there_and_its_chapter(page):
    text = page.read_text(encoding="utf-8")
    body = text.split("\n# ", 1)[-1] if not text.startswith("# ") else text[2:]
    paragraphs = [p for p in body.split("\n\n")[1:] if p.strip() and not p.lstrip().startswith(("```", "|", "#"))]
    assert paragraphs, f"{page.name} has no opening paragraph"
    assert NAMES_A_CHAPTER.search(paragraphs[0]), (
        f"{page.name}: the opening paragraph names no chapter: {paragraphs[0][:200]!r}"
    )


# --- the docstrings of the documented names ---------------------------------------------------


def _entries(module_name: str) -> list[tuple[str, object]]:
    """The names that the module's automodule directive documents (none with ``:no-members:``)."""
    module = importlib.import_module(module_name)
    return public_names(module) if module_name in WITH_MEMBERS else []


def _defined_names(module_name: str) -> list[tuple[str, object]]:
    module = importlib.import_module(module_name)
    return [
        (f"{module_name}.{name}", value)
        for name, value in vars(module).items()
        if not name.startswith("_")
        and (inspect.isfunction(value) or inspect.isclass(value))
        and value.__module__ == module_name
    ]


def test_every_public_function_and_class_has_an_entry():
    # By identity: a package's re-export is documented where the object is defined.
    documented = {id(value) for module_name in WITH_MEMBERS for _, value in _entries(module_name)}
    missing = {}
    for module_name in public_modules():
        module = importlib.import_module(module_name)
        exported = [(f"{module_name}.{name} (in __all__)", value) for name, value in public_names(module)]
        for name, value in _defined_names(module_name) + exported:
            if id(value) not in documented:
                missing.setdefault(id(value), name)
    assert not missing, (
        "public functions and classes with no entry in the reference (document their module "
        f"with :members:, or add them to its __all__): {sorted(missing.values())}"
    )


@pytest.mark.parametrize("module_name", DOCUMENTED)
def test_every_documented_name_has_a_docstring(module_name):
    module = importlib.import_module(module_name)
    missing = [] if (module.__doc__ or "").strip() else ["(the module itself)"]
    missing += [name for name, value in _entries(module_name) if not (value.__doc__ or "").strip()]
    assert not missing, f"{module_name}: no docstring: {missing}"


@pytest.mark.parametrize("module_name", DOCUMENTED)
def test_every_documented_docstring_names_its_chapter(module_name):
    silent = [
        name
        for name, value in _entries(module_name)
        if (value.__doc__ or "").strip()
        and not (NAMES_A_CHAPTER.search(value.__doc__) or PACKAGE_HELPER.search(value.__doc__))
    ]
    assert not silent, (
        f"{module_name}: docstrings that name no chapter ('chapter N', 'chapters N and M') "
        f"and do not say they are a helper of the package: {silent}"
    )


@pytest.mark.parametrize("module_name", DOCUMENTED)
def test_every_documented_name_that_raises_says_so(module_name):
    silent = []
    for name, value in _entries(module_name):
        doc = value.__doc__ or ""
        if inspect.isfunction(value):
            if raises_value_error(value) and not SAYS_RAISES.search(doc):
                silent.append(name)
            continue
        if any(raises_value_error(c) for c in _constructors(value)) and not SAYS_RAISES.search(doc):
            silent.append(f"{name} (its constructor)")
        for method_name, method in _public_methods(value):
            # A method may say it in its own docstring or in its class's (forward, as torch's are).
            if raises_value_error(method) and not (
                SAYS_RAISES.search(method.__doc__ or "") or SAYS_RAISES.search(doc)
            ):
                silent.append(f"{name}.{method_name}")
    assert not silent, (
        f"{module_name}: raise ValueError (directly or through a require_*/check_* validator) "
        f"but the docstring says no 'Raises ...': {silent}"
    )


def test_the_raise_detector_sees_direct_and_validated_raises():
    def direct(x):
        if x:
            raise ValueError("x")

    def quiet(x):
        return x

    assert raises_value_error(direct)
    assert not raises_value_error(quiet)
    from companion.data.tagging import make_batch

    assert raises_value_error(make_batch)


# --- the six LSTMs and the chapters' links ----------------------------------------------------


def test_the_reference_has_a_table_of_the_six_lstms():
    pages = {page: page.read_text(encoding="utf-8") for page in reference_pages()}
    holding = [page for page, text in pages.items() if re.search(r"the six LSTMs", text, re.IGNORECASE)]
    assert holding, "no reference page has a table 'The six LSTMs'"
    after_title = re.split(r"the six LSTMs", pages[holding[0]], maxsplit=1, flags=re.IGNORECASE)[1]
    rows = [line for line in after_title.splitlines() if line.startswith("|")]
    for name, pattern, chapter in SIX_LSTMS:
        row = next((row for row in rows if re.search(pattern, row)), None)
        assert row, f"{holding[0].name}: the six LSTMs' table has no row for {name}"
        assert re.search(rf"\b{chapter}\b", row), f"{name}: its row names not chapter {chapter}: {row}"


def test_the_package_docstring_says_which_chapter_uses_which_lstm():
    doc = companion.__doc__ or ""
    assert re.search(r"six LSTMs", doc, re.IGNORECASE), "the package docstring does not say there are six LSTMs"
    missing = [name for name, pattern, _ in SIX_LSTMS if not re.search(pattern, doc, re.DOTALL)]
    assert not missing, f"the package docstring does not name these LSTMs: {missing}"
    for chapter in (3, 4):
        assert re.search(rf"\bchapters?\s+(?:\d+\s*(?:,|and)\s*)*{chapter}\b", doc), f"no chapter {chapter} named"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_each_chapter_links_to_the_reference(chapter):
    cells = json.loads((REPO_ROOT / "book" / f"{chapter}.ipynb").read_text(encoding="utf-8"))["cells"]
    markdown = "\n".join("".join(cell["source"]) for cell in cells if cell["cell_type"] == "markdown")
    assert re.search(r"\]\(api/[a-z_]+\.md(#[^)]*)?\)|\{doc\}`[^`]*api/", markdown), (
        f"{chapter}.ipynb links to no page of the API reference (e.g. [the reference](api/cells_and_layers.md))"
    )


# --- the built pages --------------------------------------------------------------------------


@pytest.mark.slow
def test_reference_pages_are_built_with_their_entries(built_book):
    for page in reference_pages():
        html = built_book.html / "book" / "api" / f"{page.stem}.html"
        assert html.is_file(), f"{page.name} was not built"
        text = html.read_text(encoding="utf-8")
        if 'class="math' in text:  # the equations of the docstrings, typeset by the site's MathJax
            assert "_static/offline/mathjax/tex-mml-chtml.js" in text, f"{page.stem}.html: no local MathJax"
    for module_name, page, _ in documented_modules():
        text = (built_book.html / "book" / "api" / f"{page.stem}.html").read_text(encoding="utf-8")
        assert f'id="module-{module_name}"' in text, f"{module_name} has no entry on {page.stem}.html"
        for name, value in _entries(module_name):
            anchor = f"{value.__module__}.{value.__qualname__}"
            assert f'id="{anchor}"' in text, f"{anchor} is not on {page.stem}.html"
