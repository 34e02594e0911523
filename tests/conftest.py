"""Shared pytest fixtures."""

from __future__ import annotations

# =======================================================================================
# The built book: one Jupyter Book build per test session, shared by test_book.py,
# test_browser.py and the notebook editions' tests. Self-contained: uses only the names
# defined in this section.
# =======================================================================================

import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass(frozen=True)
class BuiltBook:
    """The result of `jupyter-book build`: where the HTML is, the build's log and duration."""

    html: Path
    log: str
    seconds: float


def book_build_command(output: Path) -> list[str]:
    """The build command of the book (the same as the README's, with a separate output)."""
    return [
        sys.executable,
        "-c",  # the `jupyter-book` command of this interpreter's environment
        "import sys; from jupyter_book.cli.main import main; sys.exit(main())",
        "build",
        str(REPO_ROOT),
        "--all",
        "-W",
        "-n",
        "--keep-going",
        "--path-output",
        str(output),
    ]


@pytest.fixture(scope="session")
def built_book(tmp_path_factory: pytest.TempPathFactory) -> BuiltBook:
    """Build the book once, from scratch, into a temporary folder; fail on any warning."""
    output = tmp_path_factory.mktemp("book")
    start = time.perf_counter()
    proc = subprocess.run(
        book_build_command(output),
        cwd=REPO_ROOT,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=900,
    )
    seconds = time.perf_counter() - start
    log = _ANSI.sub("", proc.stdout)
    warnings = [line for line in log.splitlines() if "WARNING" in line]
    assert proc.returncode == 0 and not warnings, (
        f"`jupyter-book build` exited with {proc.returncode} and {len(warnings)} warning(s):\n"
        + "\n".join(warnings[:50])
        + "\n--- end of the build log ---\n"
        + log[-4000:]
    )
    html = output / "_build" / "html"
    assert (html / "index.html").is_file(), f"no index.html in {html}"
    return BuiltBook(html=html, log=log, seconds=seconds)


# =======================================================================================
# Headless Chromium driven by Playwright: one browser per test session, shared by every
# browser test (Playwright's sync API cannot run twice at once in one thread).
# =======================================================================================

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


def find_chromium() -> str | None:
    candidates = [os.environ.get("CHROMIUM_PATH"), "/usr/bin/chromium"]
    candidates += [shutil.which(name) for name in ("chromium", "chromium-browser")]
    return next((c for c in candidates if c and Path(c).is_file()), None)


def skip_or_fail(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set: the browser tests must run)")
    pytest.skip(reason)


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


# =======================================================================================
