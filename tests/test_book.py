"""The Jupyter Book: it builds without warnings, its launch links are right, and it is
self-contained (MathJax, require.js and the ipywidgets HTML manager are served by the site).

The build itself is the session fixture `built_book` (tests/conftest.py).
"""

from __future__ import annotations

import importlib.util
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
CHAPTER = "book/slot_filling"
BINDER_URL = "https://mybinder.org/v2/gh/rnn-course/rnn-course/colab?urlpath=lab/tree/book/slot_filling.ipynb"
COLAB_URL = "https://colab.research.google.com/github/rnn-course/rnn-course/blob/colab/book/slot_filling.ipynb"
CDN_HOSTS = ("cdn.jsdelivr", "unpkg", "cdnjs")
PAGES = ("index.html", "book/intro.html", f"{CHAPTER}.html", "book/references.html")


class _Links(HTMLParser):
    """Collects <script src>, <link href> and <a href> of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.links: list[tuple[str, str]] = []  # (rel, href)
        self.anchors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "script" and a.get("src"):
            self.scripts.append(a["src"])
        elif tag == "link" and a.get("href"):
            self.links.append((a.get("rel", ""), a["href"]))
        elif tag == "a" and a.get("href"):
            self.anchors.append(a["href"])


def parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def local_file(page: Path, url: str) -> Path:
    """The file a relative URL of `page` points to (without ?query and #fragment)."""
    return (page.parent / re.split(r"[?#]", url)[0]).resolve()


# --- the build -------------------------------------------------------------------------


@pytest.mark.slow
def test_book_builds_without_warnings(built_book):
    # The fixture already failed on a non-zero exit or any WARNING; check the pages.
    for page in PAGES:
        assert (built_book.html / page).is_file(), f"{page} was not built"
    assert "build succeeded" in built_book.log


def test_readme_links_to_the_editions_the_launch_buttons_open():
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert f"({BINDER_URL})" in readme and f"({COLAB_URL})" in readme


@pytest.mark.slow
def test_chapter_launch_links(built_book):
    anchors = parse(built_book.html / f"{CHAPTER}.html").anchors
    assert BINDER_URL in anchors, [a for a in anchors if "mybinder" in a]
    assert COLAB_URL in anchors, [a for a in anchors if "colab" in a]
    assert not [a for a in anchors if "/./" in a]
    # the repository, issues and download buttons
    assert "https://github.com/rnn-course/rnn-course" in anchors
    assert any(a.startswith("https://github.com/rnn-course/rnn-course/issues/new") for a in anchors)
    assert any(a.endswith("slot_filling.ipynb") and "://" not in a for a in anchors), "no download link"


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES)
def test_pages_load_no_cdn_script(built_book, page):
    path = built_book.html / page
    text = path.read_text(encoding="utf-8")
    for host in CDN_HOSTS:
        for match in re.finditer(re.escape(host) + r"[^\"'\s<>]*", text):
            url = match.group(0).lower()
            assert not any(name in url for name in ("mathjax", "require", "html-manager")), url
    links = parse(path)
    # the canonical link names the published page (html.baseurl); nothing loads it
    loaded = links.scripts + [h for rel, h in links.links if rel != "canonical"]
    remote = [u for u in loaded if "://" in u]
    assert not remote, f"{page} loads remote resources: {remote}"
    for url in loaded:
        if not url.startswith("data:"):
            assert local_file(path, url).is_file(), f"{page} refers to a missing file: {url}"


@pytest.mark.slow
def test_chapter_uses_the_local_mathjax_and_widget_scripts(built_book):
    path = built_book.html / f"{CHAPTER}.html"
    has_widget_state = "application/vnd.jupyter.widget-state+json" in path.read_text(encoding="utf-8")
    assert has_widget_state, (
        f"{CHAPTER}.ipynb stores no widget state (myst-nb adds the widget scripts only then): "
        "commit it executed, e.g. with `jupyter execute --inplace`"
    )
    scripts = [re.split(r"[?#]", s)[0] for s in parse(path).scripts]
    for name in (
        "offline/mathjax/tex-mml-chtml.js",
        "offline/requirejs/require.js",
        "offline/widgets-setup.js",
        "offline/html-manager/embed-amd.js",
    ):
        assert f"../_static/{name}" in scripts, f"{name} not loaded by the chapter"
    # require.js, then the set-up, then the bundle
    order = [s for s in scripts if "offline/" in s and "mathjax" not in s]
    assert [Path(s).name for s in order] == ["require.js", "widgets-setup.js", "embed-amd.js"]
    static = built_book.html / "_static" / "offline"
    assert len(list((static / "mathjax/output/chtml/fonts/woff-v2").glob("*.woff"))) > 20
    assert list((static / "mathjax/input/tex/extensions").glob("*.js")), "TeX extensions missing"
    assert len(list((static / "html-manager").glob("*.woff2"))) == 3
    # each inline script once (no redeclared `const`)
    text = path.read_text(encoding="utf-8")
    assert text.count("const THEBE_JS_URL") <= 1


# --- the offline-assets extension, without building ----------------------------------


def _load_extension():
    path = REPO_ROOT / "book" / "_ext" / "offline_assets.py"
    spec = importlib.util.spec_from_file_location("offline_assets_under_test", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses need the module registered
    spec.loader.exec_module(module)
    return module


def test_offline_assets_rejects_a_tarball_with_the_wrong_hash(tmp_path, monkeypatch):
    ext = _load_extension()
    monkeypatch.setenv("RNN_COURSE_CACHE", str(tmp_path))
    monkeypatch.setattr(ext, "_download", lambda url, label: b"not the real tarball")
    package = ext.PACKAGES[0]
    with pytest.raises(ext.ExtensionError) as info:
        ext.fetch(package)
    message = str(info.value)
    assert package.label in message
    assert package.integrity in message
    assert ext.integrity_of(b"not the real tarball") in message
    assert not (tmp_path / "npm" / package.tarball_name).exists(), "a bad tarball was cached"


def test_offline_assets_reports_a_failed_download(tmp_path, monkeypatch):
    ext = _load_extension()
    monkeypatch.setenv("RNN_COURSE_CACHE", str(tmp_path))
    monkeypatch.setenv("npm_config_registry", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setattr(ext.time, "sleep", lambda s: None)
    package = ext.PACKAGES[-1]
    with pytest.raises(ext.ExtensionError, match=re.escape(package.label)):
        ext.fetch(package)


def test_offline_assets_pins_are_well_formed():
    ext = _load_extension()
    for package in ext.PACKAGES:
        assert re.fullmatch(r"\d+\.\d+\.\d+", package.version), package.label
        assert re.fullmatch(r"sha512-[A-Za-z0-9+/]{86}==", package.integrity), package.label
        assert package.url("https://registry.npmjs.org").endswith(f"-{package.version}.tgz")
    assert ext.PACKAGES[1].url("https://registry.npmjs.org/") == (
        "https://registry.npmjs.org/@jupyter-widgets/html-manager/-/html-manager-1.0.15.tgz"
    )
