"""Chapter 1 as a student sees it where notebooks run, in headless Chromium (see test_browser.py
for what the browser needs):

* Binder's JupyterLab, with the MyST renderer of the Binder image (environment.yml), started
  by the test on 127.0.0.1: the book's own notebook shows exercise blocks and no raw roles or
  directives; the Colab edition, which the launch buttons open, shows the book's citations,
  exercise and equation numbers;
* a plain notebook renderer with no MyST extension (nbconvert's HTML, as a notebook viewer
  shows it): the Colab edition reads as the book, its solutions collapsed.

Screenshots go to _build/screenshots/ (and $TEST_ARTIFACTS).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_browser import save_screenshot

pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parent.parent
CHAPTER = "slot_filling.ipynb"
TOKEN = "course-test"
TIMEOUT_MS = 90_000
# What only the book's build understands, as it would show if left raw.
RAW = ("{exercise}", "{solution-start}", "{cite", "{eq}", "{ref}", "{doc}", "{bibliography}")
# What chapter 1's Colab edition must show, as the book does.
AS_THE_BOOK = ("Exercise 1.2 (One step of memory)", "[Lee, 2017]", "Elman [1990]",
               "equation (1.3)", "References", "[1] Jeffrey L. Elman.")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def notebooks(built_book, tmp_path_factory) -> Path:
    """A folder with chapter 1 as the book has it (book/) and as its Colab edition (colab/)."""
    root = tmp_path_factory.mktemp("lab")
    (root / "book").mkdir()
    (root / "colab").mkdir()
    shutil.copy(REPO_ROOT / "book" / CHAPTER, root / "book" / CHAPTER)
    shutil.copy(built_book.html.parent / "notebooks" / "book" / CHAPTER, root / "colab" / CHAPTER)
    return root


@pytest.fixture(scope="module")
def jupyterlab(notebooks, tmp_path_factory):
    """JupyterLab serving ``notebooks`` on 127.0.0.1, with its own settings (every cell rendered,
    not only those in view; no news pop-up) and no state from an earlier session."""
    home = tmp_path_factory.mktemp("jupyter")
    settings = home / "settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    (settings / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    notices = home / "settings" / "@jupyterlab" / "apputils-extension"
    notices.mkdir(parents=True)
    (notices / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')  # no pop-up
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(home / "config"), JUPYTER_RUNTIME_DIR=str(home / "runtime"),
               JUPYTERLAB_SETTINGS_DIR=str(home / "settings"), JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"))
    port = _free_port()
    log = open(home / "server.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root", "--ip=127.0.0.1",
         f"--port={port}", f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={notebooks}"],
        env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(120):
            if server.poll() is not None:
                pytest.fail(f"JupyterLab exited: {(home / 'server.log').read_text()[-2000:]}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.5)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


# Every Markdown cell of the notebook is on the page and rendered: no cell shows its editor.
ALL_RENDERED = """expected => {
  const cells = document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-MarkdownCell');
  return cells.length === expected && Array.from(cells).every(cell =>
    cell.classList.contains('jp-mod-rendered') && cell.querySelector('.myst, .jp-RenderedMarkdown'));
}"""


def _lab_page(browser, url: str, notebook: Path):
    """JupyterLab showing ``notebook`` (at ``url``) with every Markdown cell rendered; ``reset``
    opens it in a fresh workspace, with no tab of another test restored."""
    markdown_cells = sum(cell["cell_type"] == "markdown" for cell in json.loads(notebook.read_text())["cells"])
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(url)
    page.wait_for_function(ALL_RENDERED, arg=markdown_cells, timeout=TIMEOUT_MS)
    return page


def _visible_text(page) -> str:
    return page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-NotebookPanel-notebook").inner_text()


def test_binder_renders_the_books_own_notebook(browser, jupyterlab, notebooks):
    page = _lab_page(browser, f"{jupyterlab}/lab/tree/book/{CHAPTER}?reset&token={TOKEN}",
                     notebooks / "book" / CHAPTER)
    # the renderer draws exercises and solutions as blocks under a title (its own numbering)
    titles = page.locator(".jp-MarkdownCell aside.myst-exercise .myst-exercise-title").all_inner_texts()
    exercises = [title for title in titles if title.startswith("Exercise")]
    assert exercises == ["Exercise 1 (Letter trigrams)", "Exercise 2 (One step of memory)",
                         "Exercise 3 (Memory by hand)", "Exercise 4 (A window instead of a memory)",
                         "Exercise 5 (What does training change?)"], titles
    text = _visible_text(page)
    assert not [raw for raw in RAW if raw in text], [raw for raw in RAW if raw in text]
    page.locator("aside.myst-exercise", has_text="One step of memory").first.scroll_into_view_if_needed()
    save_viewport(page, "jupyterlab_myst_slot_filling.png")
    page.close()


def test_binder_shows_the_colab_edition_as_the_book(browser, jupyterlab, notebooks):
    page = _lab_page(browser, f"{jupyterlab}/lab/tree/colab/{CHAPTER}?reset&token={TOKEN}",
                     notebooks / "colab" / CHAPTER)
    text = _visible_text(page)
    assert not [raw for raw in RAW if raw in text]
    assert [shown for shown in AS_THE_BOOK if shown not in text] == []
    page.locator(".jp-MarkdownCell", has_text="Exercise 1.2 (One step of memory)").first.scroll_into_view_if_needed()
    save_viewport(page, "jupyterlab_colab_edition_slot_filling.png")
    page.close()


def test_a_plain_renderer_shows_the_colab_edition_as_the_book(browser, notebooks, tmp_path):
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter(template_name="lab").from_filename(str(notebooks / "colab" / CHAPTER))
    page_file = tmp_path / "slot_filling.html"
    page_file.write_text(body, encoding="utf-8")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    # nbconvert's page loads MathJax from a CDN: refused, so the equations stay TeX; the text is the test
    page.route("http*://**", lambda route: route.abort())
    page.goto(page_file.as_uri(), wait_until="domcontentloaded")
    text = page.locator("body").inner_text()
    assert not [raw for raw in RAW if raw in text]
    assert [shown for shown in AS_THE_BOOK if shown not in text] == []
    details = page.locator("details")
    assert details.count() >= 5
    assert all(details.nth(i).get_attribute("open") is None for i in range(details.count()))
    assert not page.get_by_text("multiplies a matrix by a vector").is_visible()
    assert page.get_by_text("Solution to Exercise 1.2 (One step of memory)").is_visible()
    save_screenshot(page, "plain_renderer_colab_edition_slot_filling.png")
    page.close()


def save_viewport(page, name: str) -> None:
    """A screenshot of the window (JupyterLab's page does not scroll as one) in
    _build/screenshots/, and in $TEST_ARTIFACTS if set."""
    path = REPO_ROOT / "_build" / "screenshots" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path))
    if os.environ.get("TEST_ARTIFACTS"):
        artifacts = Path(os.environ["TEST_ARTIFACTS"])
        artifacts.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, artifacts / name)
