"""The built book in a real browser: headless Chromium, driven by Playwright, on a local
server. Checks what a student sees: typeset math, the rendered widgets, the launch menu, a
clean console, and no request leaving the machine.

Needs a Chromium executable (`apt-get install chromium`; `CHROMIUM_PATH` to point at another
one) and the `playwright` Python package; without them the tests are skipped, unless the
environment variable CI is set, where they fail. Screenshots go to _build/screenshots/ of the
repository and, if TEST_ARTIFACTS is set, to that folder too.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parent.parent
CHAPTER = "book/slot_filling"
BINDER_URL = "https://mybinder.org/v2/gh/rnn-course/rnn-course/main?urlpath=lab/tree/book/slot_filling.ipynb"
COLAB_URL = "https://colab.research.google.com/github/rnn-course/rnn-course/blob/main/book/slot_filling.ipynb"

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 30_000


def find_chromium() -> str | None:
    candidates = [os.environ.get("CHROMIUM_PATH"), "/usr/bin/chromium"]
    candidates += [shutil.which(name) for name in ("chromium", "chromium-browser")]
    return next((c for c in candidates if c and Path(c).is_file()), None)


def skip_or_fail(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set: the browser tests must run)")
    pytest.skip(reason)


# For full-page screenshots only: the theme's sidebars and article header are sticky and
# 100vh tall; a capture taller than Chromium's 16384-pixel limit leaves them out.
UNSTICK_CSS = """
.bd-sidebar-primary, .bd-sidebar-secondary, .bd-header-article {
  position: static !important; height: auto !important; max-height: none !important;
}
"""


def save_screenshot(page, name: str) -> Path:
    """A full-page screenshot in _build/screenshots/ (and in $TEST_ARTIFACTS if set)."""
    path = REPO_ROOT / "_build" / "screenshots" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    page.add_style_tag(content=UNSTICK_CSS)
    page.screenshot(path=str(path), full_page=True)
    if os.environ.get("TEST_ARTIFACTS"):
        artifacts = Path(os.environ["TEST_ARTIFACTS"])
        artifacts.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, artifacts / name)
    return path


# --- fixtures --------------------------------------------------------------------------


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


class _QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # a browser that cancels a download (e.g. when a page redirects) is not an error
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@pytest.fixture(scope="session")
def site_url(built_book):
    """The built site, served on 127.0.0.1 at a free port, in a thread."""
    handler = functools.partial(_QuietHandler, directory=str(built_book.html))
    server = _QuietServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    executable = find_chromium()
    if executable is None:
        skip_or_fail("no Chromium executable found (apt-get install chromium, or set CHROMIUM_PATH)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("the playwright package is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class PageLog:
    """What went wrong while a page loaded: console errors, page errors, failed requests,
    HTTP errors, and requests to hosts other than the local server (those are blocked)."""

    def __init__(self, page, site_url: str) -> None:
        self.problems: list[str] = []
        self.external: list[str] = []
        origin = urlsplit(site_url).netloc

        def route(route):
            url = route.request.url
            parts = urlsplit(url)
            if parts.scheme in ("http", "https", "ws", "wss") and parts.netloc != origin:
                self.external.append(url)
                route.abort()
            else:
                route.continue_()

        page.route("**/*", route)
        page.on("console", lambda m: m.type == "error" and self.problems.append(f"console error: {m.text} ({m.location.get('url')})"))
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        page.on("requestfailed", lambda r: r.url not in self.external and self.problems.append(f"request failed: {r.url} ({r.failure})"))
        page.on("response", lambda r: r.status >= 400 and self.problems.append(f"HTTP {r.status}: {r.url}"))

    def assert_clean(self) -> None:
        assert not self.external, f"requests leaving 127.0.0.1: {self.external}"
        assert not self.problems, "\n".join(self.problems)


@pytest.fixture
def open_page(browser, site_url):
    """open_page(path, lands_on=None) -> (page, log): the page loaded (after redirects to
    `lands_on`, a URL glob), its network idle, MathJax done."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})

    def _open(path: str, lands_on: str | None = None):
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        log = PageLog(page, site_url)
        page.goto(f"{site_url}/{path}", wait_until="load")
        if lands_on:
            page.wait_for_url(lands_on, wait_until="load")
        page.wait_for_load_state("networkidle")
        # MathJax 3 typesets asynchronously after loading: wait for it where it is used.
        page.evaluate(
            "() => window.MathJax && window.MathJax.startup && window.MathJax.startup.promise"
            " ? window.MathJax.startup.promise.then(() => true) : false"
        )
        page.wait_for_load_state("networkidle")  # fonts requested by the typesetting
        return page, log

    yield _open
    context.close()


# --- tests -----------------------------------------------------------------------------

UNTYPESET_MATH = """() => {
  // every math element of the page holds typeset math (no raw TeX left)
  const math = Array.from(document.querySelectorAll("main .math"));
  return math.filter(el => !el.querySelector("mjx-container")).map(el => el.textContent.slice(0, 80));
}"""

VISIBLE_TEX = """() => {
  // the page's visible text outside code: no TeX delimiters
  const main = document.querySelector("main").cloneNode(true);
  main.querySelectorAll("pre, code, script, style, mjx-container, .highlight").forEach(el => el.remove());
  const text = main.textContent;
  return ["$$", "\\\\(", "\\\\)", "\\\\[", "\\\\]"].filter(d => text.includes(d));
}"""


def test_chapter_in_the_browser(open_page):
    page, log = open_page(f"{CHAPTER}.html")

    # math: typeset by MathJax, display and inline, nothing left raw
    assert page.locator("mjx-container").count() >= 2
    assert page.locator('mjx-container[display="true"]').count() >= 1
    assert page.evaluate(UNTYPESET_MATH) == []
    assert page.evaluate(VISIBLE_TEX) == []

    # the tqdm.auto progress bar, rendered from the stored widget state
    assert page.locator('script[type="application/vnd.jupyter.widget-view+json"]').count() >= 1, (
        f"{CHAPTER}.ipynb has no stored widget views: commit it executed"
    )
    bar = page.locator(".cell_output .widget-hprogress .progress-bar").first
    bar.wait_for(state="visible")
    # the MathJax 2 call that ipywidgets 8 makes is mapped onto MathJax 3
    assert page.evaluate("() => typeof window.MathJax.Hub.Queue") == "function"
    assert page.get_by_text("Error displaying widget").count() == 0

    # exercises: solutions are collapsed dropdowns that open on a click; a gated solution
    # (solution-start / solution-end) holds executed code cells
    solutions = page.locator("main div.solution.dropdown")
    assert solutions.count() >= 1, "no solution dropdown on the chapter"
    assert page.locator("main div.solution.dropdown .cell .cell_output").count() >= 1
    solution = solutions.first
    body = solution.locator("section").first
    toggle = solution.locator("button.toggle-button")  # sphinx-togglebutton's button
    assert not body.is_visible()
    toggle.click()
    body.wait_for(state="visible")
    toggle.click()  # collapse it again for the screenshot
    body.wait_for(state="hidden")

    # the launch menu (rocket button): Binder and Colab
    page.locator(".dropdown-launch-buttons").hover()
    binder = page.locator(".dropdown-launch-buttons a", has_text="Binder")
    colab = page.locator(".dropdown-launch-buttons a", has_text="Colab")
    binder.wait_for(state="visible")
    assert binder.get_attribute("href") == BINDER_URL
    assert colab.get_attribute("href") == COLAB_URL

    save_screenshot(page, "slot_filling.png")
    log.assert_clean()


def test_landing_page_in_the_browser(open_page):
    # the site's root redirects to the landing page
    page, log = open_page("index.html", lands_on="**/book/intro.html")
    assert page.locator("main h1").first.inner_text().startswith("Recurrent Neural Networks")
    assert page.locator("main a", has_text="Slot filling and memory").count() == 1
    assert page.evaluate(UNTYPESET_MATH) == []
    save_screenshot(page, "intro.png")
    log.assert_clean()


def test_references_page_in_the_browser(open_page):
    page, log = open_page("book/references.html")
    assert page.locator("main .citation, main dl.citation > dt").count() >= 10
    save_screenshot(page, "references.png")
    log.assert_clean()
