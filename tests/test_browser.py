"""The built book in a real browser: headless Chromium, driven by Playwright, on a local
server. Checks what a student sees: typeset math, the rendered widgets, the launch menu, a
clean console, and no request leaving the machine; and every chapter's layout on a laptop
(1280 px) and on a phone (390 px): equations, tables, widgets and progress bars whole and
readable (the checks are JavaScript functions in tests/layout_checks.js that return lists of
problems; test_layout_checks_find_what_they_are_for shows them failing a page made to fail).

Needs a Chromium executable (`apt-get install chromium`; `CHROMIUM_PATH` to point at another
one) and the `playwright` Python package; without them the tests are skipped, unless the
environment variable CI is set, where they fail. Screenshots go to _build/screenshots/ of the
repository and, if TEST_ARTIFACTS is set, to that folder too.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from test_notebooks import toc_notebooks

pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parent.parent
CHAPTER = "book/slot_filling"
BINDER_URL = "https://mybinder.org/v2/gh/rnn-course/rnn-course/colab?urlpath=lab/tree/book/slot_filling.ipynb"
COLAB_URL = "https://colab.research.google.com/github/rnn-course/rnn-course/blob/colab/book/slot_filling.ipynb"

TIMEOUT_MS = 30_000
WIDGETS_TIMEOUT_MS = 10_000

# Every saved widget view of the page is drawn: the html-manager puts a div.widget-subarea
# before the view's script and renders the widget into it (or an error message). A page that
# does not load the html-manager draws nothing: nothing to wait for.
WIDGETS_DRAWN = """() => !document.querySelector('script[src*="html-manager/"]') || Array.from(
  document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]')
).every(script => {
  const area = script.previousElementSibling;
  return area && area.classList.contains("widget-subarea")
    && (area.querySelector(".jupyter-widgets") || /Error displaying widget/.test(area.textContent));
})"""


# For full-page screenshots only: the theme's sidebars and article header are sticky and
# 100vh tall; a capture taller than Chromium's 16384-pixel limit leaves them out. Below the
# theme's breakpoints a sidebar is a hidden drawer (position: fixed): left alone, or it would
# join the page's flow and widen it.
UNSTICK_CSS = """
.bd-header-article {
  position: static !important; height: auto !important; max-height: none !important;
}
@media (min-width: 960px) {
  .bd-sidebar-primary { position: static !important; height: auto !important; max-height: none !important; }
}
@media (min-width: 1200px) {
  .bd-sidebar-secondary { position: static !important; height: auto !important; max-height: none !important; }
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

    def problem_list(self) -> list[str]:
        """Everything that went wrong so far, one line each."""
        return [f"request leaving 127.0.0.1: {url}" for url in self.external] + self.problems

    def assert_clean(self) -> None:
        assert not self.external, f"requests leaving 127.0.0.1: {self.external}"
        assert not self.problems, "\n".join(self.problems)


@dataclass(frozen=True)
class Viewport:
    """A browser window: its size in CSS pixels, and whether it is a phone's (touch, a
    mobile browser's handling of the page's viewport meta tag)."""

    width: int
    height: int
    mobile: bool = False

    def context_options(self) -> dict:
        return {
            "viewport": {"width": self.width, "height": self.height},
            "is_mobile": self.mobile,
            "has_touch": self.mobile,
        }


DESKTOP = Viewport(1280, 900)
PHONE = Viewport(390, 844, mobile=True)  # an iPhone 12, 13 or 14 in CSS pixels


@pytest.fixture
def open_page(browser, site_url):
    """open_page(path, lands_on=None, viewport=DESKTOP) -> (page, log): the page loaded (after
    redirects to `lands_on`, a URL glob) in a window of that size, its network idle, MathJax
    done, its saved widgets drawn."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    contexts: dict[Viewport, object] = {}

    def _open(path: str, lands_on: str | None = None, viewport: Viewport = DESKTOP):
        if viewport not in contexts:
            contexts[viewport] = browser.new_context(**viewport.context_options())
        page = contexts[viewport].new_page()
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
        # The html-manager draws the saved widgets asynchronously: wait for them, or give up
        # after a while and let the checks say which one is missing.
        try:
            page.wait_for_function(WIDGETS_DRAWN, timeout=WIDGETS_TIMEOUT_MS)
        except PlaywrightTimeoutError:
            pass
        return page, log

    yield _open
    for context in contexts.values():
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


# --- every chapter, on a laptop and on a phone -------------------------------------------

#: The layout checks (tests/layout_checks.js): functions that return lists of problems.
LAYOUT_CHECKS_JS = (Path(__file__).with_name("layout_checks.js")).read_text(encoding="utf-8")

# A progress bar shows a fraction of 100 %: 100 px give one pixel per per cent, so the bar
# visibly grows as a run advances and a glance tells 30 % from 60 %. Narrower, it is a
# coloured stub; tqdm's bars were squeezed to 0 px on a phone by their own counters.
MIN_PROGRESS_BAR_PX = 100

CHAPTERS = [path.relative_to(REPO_ROOT).with_suffix("").as_posix() for path in toc_notebooks()]

OPEN_DROPDOWNS = """() => {
  // Open every collapsed dropdown (solutions) so that what is inside is checked too, at
  // its final size at once (no transitions).
  const style = document.createElement("style");
  style.textContent = "*, *::before, *::after { transition: none !important; animation: none !important; }";
  document.head.appendChild(style);
  let opened = 0;
  for (const item of document.querySelectorAll("main .toggle-hidden")) {
    const button = item.querySelector("button.toggle-button");
    if (button) { button.click(); opened++; }
  }
  for (const details of document.querySelectorAll("main details:not([open])")) {
    details.open = true;
    opened++;
  }
  return {opened, still_closed: document.querySelectorAll("main .toggle-hidden").length};
}"""


def layout_problems(page, viewport: Viewport, root: str = "main") -> dict[str, list[str]]:
    """What the layout checks find on the page, by kind ("equations", "tables", ...)."""
    page.evaluate(LAYOUT_CHECKS_JS)
    options = {"root": root}
    return {
        # On a laptop an equation must be seen whole; on a phone it may scroll in its box.
        "equations": page.evaluate(
            "o => courseLayoutChecks.equations(o)", {**options, "strict": not viewport.mobile}
        ),
        "tables": page.evaluate("o => courseLayoutChecks.tables(o)", options),
        "widgets": page.evaluate("o => courseLayoutChecks.widgets(o)", options),
        "progress bars": page.evaluate(
            "o => courseLayoutChecks.progressBars(o)", {**options, "minWidth": MIN_PROGRESS_BAR_PX}
        ),
        "page": page.evaluate("() => courseLayoutChecks.pageWidth()"),
    }


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=lambda v: f"{v.width}px")
@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda c: Path(c).name)
def test_chapter_layout(open_page, chapter, viewport):
    """A chapter as a student reads it on a laptop (1280 px) and on a phone (390 px), its
    solutions opened: every display equation is whole (on the laptop without scrolling, on
    the phone at most scrolling sideways in its own box) with its number beside or below it,
    never over it; every table fits or scrolls in its box; every widget is drawn, and every
    progress bar is wide enough to read; the page itself does not scroll sideways, and the
    console stays clean. Every problem is listed at once. The screenshot shows the page with
    its solutions open."""
    page, log = open_page(f"{chapter}.html", viewport=viewport)
    dropdowns = page.evaluate(OPEN_DROPDOWNS)
    assert dropdowns["still_closed"] == 0, f"{dropdowns['still_closed']} dropdown(s) did not open"

    problems = layout_problems(page, viewport)
    problems["console"] = log.problem_list()
    save_screenshot(page, f"{Path(chapter).name}-{viewport.width}.png")

    lines = [f"{kind}: {problem}" for kind, found in problems.items() for problem in found]
    assert not lines, f"{chapter}.html at {viewport.width} px, {len(lines)} problem(s):\n" + "\n".join(lines)


#: The pages of the API reference (book/api/), built from the package's docstrings.
REFERENCE_PAGES = sorted(path.relative_to(REPO_ROOT).with_suffix("").as_posix() for path in (REPO_ROOT / "book" / "api").glob("*.md"))


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=lambda v: f"{v.width}px")
@pytest.mark.parametrize("reference_page", REFERENCE_PAGES, ids=lambda c: Path(c).name)
def test_reference_page_layout(open_page, reference_page, viewport):
    """A page of the API reference on a laptop and on a phone, held to the chapters' checks:
    the docstrings' equations whole, tables (the six LSTMs) fitting or scrolling in their box,
    long signatures never widening the page, a clean console."""
    page, log = open_page(f"{reference_page}.html", viewport=viewport)
    problems = layout_problems(page, viewport)
    problems["console"] = log.problem_list()
    save_screenshot(page, f"api-{Path(reference_page).name}-{viewport.width}.png")

    lines = [f"{kind}: {problem}" for kind, found in problems.items() for problem in found]
    assert not lines, f"{reference_page}.html at {viewport.width} px, {len(lines)} problem(s):\n" + "\n".join(lines)


# --- the checks themselves, on a page made to fail them ------------------------------------

# Typeset by the MathJax the book serves, styled by the book's stylesheets (copied from a
# built page), in a column of 600 px: one equation that fits, one far too wide, one in a box
# that clips it; tables that fit, scroll or do neither; saved widget views drawn, hidden or
# squeezed (the DOM the html-manager leaves, written out: the page loads no widget code).
PROBE_BODY = r"""
<main><article class="bd-article" style="box-sizing: content-box; width: 600px; padding: 0 20px; margin: 0 auto">
<section id="equations">
  <div class="math notranslate nohighlight" id="equation-fits"><span class="eqno">(1)<a class="headerlink" href="#equation-fits">#</a></span>\[a = b + c\]</div>
  <div class="math notranslate nohighlight" id="equation-too-wide"><span class="eqno">(2)<a class="headerlink" href="#equation-too-wide">#</a></span>\[y = @TERMS@\]</div>
</section>
<section id="clipped">
  <div class="output_area" style="overflow: hidden; width: 200px">\[z = @TERMS@\]</div>
</section>
<section id="tables">
  <table id="small-table"><tr><td>fits</td><td>1</td></tr></table>
  <div style="overflow-x: auto"><table><tr>@CELLS@</tr></table></div>
  <table><tr><td>too-wide-table</td>@CELLS@</tr></table>
  <div style="overflow: hidden"><table><tr><td>clipped-table</td>@CELLS@</tr></table></div>
</section>
<section id="widgets">
  <div class="cell"><div class="cell_input"><pre>shown_widget = make_widget()</pre></div><div class="cell_output">
    <div class="widget-subarea"><div class="jupyter-widgets widget-hbox" style="display: flex">
      <div class="widget-html"><div class="widget-html-content">shown</div></div>
      <div class="widget-hprogress" style="width: 300px; height: 20px; background: green"></div>
    </div></div>
    <script type="application/vnd.jupyter.widget-view+json">{"model_id": "a"}</script>
  </div></div>
  <div class="cell"><div class="cell_input"><pre>hidden_widget = make_widget(leave=False)</pre></div><div class="cell_output">
    <div class="widget-subarea"><div class="jupyter-widgets widget-hbox" style="visibility: hidden">hidden</div></div>
    <script type="application/vnd.jupyter.widget-view+json">{"model_id": "b"}</script>
  </div></div>
  <div class="cell"><div class="cell_input"><pre>undisplayed_widget = make_widget()</pre></div><div class="cell_output">
    <div class="widget-subarea"><div class="jupyter-widgets widget-hbox" style="display: none">none</div></div>
    <script type="application/vnd.jupyter.widget-view+json">{"model_id": "c"}</script>
  </div></div>
  <div class="cell"><div class="cell_input"><pre>flat_widget = make_widget()</pre></div><div class="cell_output">
    <div class="widget-subarea"><div class="jupyter-widgets widget-hbox" style="height: 0; overflow: hidden">flat</div></div>
    <script type="application/vnd.jupyter.widget-view+json">{"model_id": "d"}</script>
  </div></div>
  <div class="cell"><div class="cell_input"><pre>broken_widget = make_widget()</pre></div><div class="cell_output">
    <div class="widget-subarea">Error displaying widget: model not found</div>
    <script type="application/vnd.jupyter.widget-view+json">{"model_id": "e"}</script>
  </div></div>
  <div class="cell"><div class="cell_input"><pre>unrendered_widget = make_widget()</pre></div><div class="cell_output">
    <script type="application/vnd.jupyter.widget-view+json">{"model_id": "f"}</script>
  </div></div>
  <div class="cell"><div class="cell_input"><pre>squeezed_bar = make_widget()</pre></div><div class="cell_output">
    <div class="widget-subarea"><div class="jupyter-widgets widget-hbox" style="display: flex">
      <div class="widget-html"><div class="widget-html-content">squeezed</div></div>
      <div class="widget-hprogress" style="flex: 0 0 40px; max-width: 40px; height: 20px; background: green"></div>
      <div class="widget-html" style="width: 100px; overflow: hidden"><div class="widget-html-content" style="white-space: nowrap">counters-cut-off 480/480 [00:12&lt;00:00, 38.49batch/s]</div></div>
    </div></div>
    <script type="application/vnd.jupyter.widget-view+json">{"model_id": "g"}</script>
  </div></div>
</section>
</article></main>
"""

_HEAD_PARTS = (
    r'<link[^>]*rel="stylesheet"[^>]*>',
    r"<script>window\.MathJax = [^<]*</script>",
    r'<script[^>]*src="[^"]*/mathjax/tex-mml-chtml\.js[^"]*"[^>]*></script>',
)


@pytest.fixture
def probe_page(built_book):
    """The made-up page, written into a folder of the served site beside book/ (so that the
    built page's relative links hold) and removed afterwards; yields its path in the site."""
    built = (built_book.html / "book" / "intro.html").read_text(encoding="utf-8")
    head = []
    for pattern in _HEAD_PARTS:
        found = re.findall(pattern, built)
        assert found, f"no {pattern!r} in book/intro.html"
        head += found
    terms = " + ".join(f"w_{{{i}}} x_{{{i}}}" for i in range(1, 41))
    cells = "".join(f"<td>column-{i}</td>" for i in range(1, 41))
    body = PROBE_BODY.replace("@TERMS@", terms).replace("@CELLS@", cells)
    folder = built_book.html / "_layout_probe"
    folder.mkdir()
    (folder / "probe.html").write_text(
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Layout probe</title>\n'
        '<link rel="icon" href="data:,">\n' + "\n".join(head) + "\n</head><body>" + body + "</body></html>\n",
        encoding="utf-8",
    )
    yield "_layout_probe/probe.html"
    shutil.rmtree(folder)


def test_layout_checks_find_what_they_are_for(open_page, probe_page):
    """The layout checks on a page made to fail them, at 1280 px: of two equations only the
    far too wide one is reported (in strict mode: seen whole; on a phone, scrolling in its
    box is allowed), an equation in a box that clips it is reported as cut off, only the wide
    tables without a scroll box are reported, and every widget that is not drawn or whose
    bar is squeezed is reported by the name of its cell."""
    page, log = open_page(probe_page)
    page.evaluate(LAYOUT_CHECKS_JS)

    def check(name: str, root: str, **options):
        return page.evaluate(f"o => courseLayoutChecks.{name}(o)", {"root": root, **options})

    too_wide = check("equations", "#equations", strict=True)
    assert too_wide and all(p.startswith("equation (2) `y = w_{1} x_{1}") for p in too_wide), too_wide
    assert any("hidden behind a scroll bar" in p for p in too_wide), too_wide
    assert check("equations", "#equations", strict=False) == []

    clipped = check("equations", "#clipped")
    assert len(clipped) == 1 and "`z = w_{1} x_{1}" in clipped[0] and "cut off" in clipped[0], clipped

    tables = check("tables", "#tables")
    assert tables and all("too-wide-table" in p or "clipped-table" in p for p in tables), tables
    assert any("too-wide-table" in p and "with no scroll bar" in p for p in tables), tables
    assert any("clipped-table" in p and "cut off" in p for p in tables), tables

    widgets = check("widgets", "#widgets")
    for name, says in [
        ("hidden_widget", "visibility: hidden"),
        ("undisplayed_widget", "display: none"),
        ("flat_widget", "no size"),
        ("broken_widget", "Error displaying widget"),
        ("unrendered_widget", "not rendered"),
        ("squeezed_bar", 'its text "counters-cut-off'),
    ]:
        assert any(f"`{name} = make_widget(" in p and says in p for p in widgets), (name, widgets)
    assert not [p for p in widgets if "shown_widget" in p], widgets
    assert len(widgets) == 6, "\n".join(widgets)

    bars = check("progressBars", "#widgets", minWidth=MIN_PROGRESS_BAR_PX)
    assert len(bars) == 1 and "squeezed" in bars[0] and "40 px wide" in bars[0], bars

    log.assert_clean()
