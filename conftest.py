"""What each chapter costs when the test suite executes it, and its budget.

nbval's run of a chapter (``--nbval-lax``, see pyproject.toml) is the only time the test suite
executes it. This file times every cell of each notebook that nbval runs and reads the kernel's
peak resident memory (``VmHWM`` in ``/proc/<pid>/status``) after each cell. After a notebook's
last cell it adds one more test, ``book/<chapter>.ipynb::budget``, which

* fails if the kernel's peak memory reached ``MEMORY_BUDGET_MB`` (Binder gives a session 2 GB);
* fails only on a runaway chapter, one that took more than ``RUNAWAY_FACTOR`` times its time
  budget. Wall time on a shared 2-core machine is no measurement to fail a test on: the same
  chapter has taken 315 s on one run and 500 s on another an hour later. The budget is a
  benchmark, reported in a table at the end of the run and written to
  ``_build/chapter-costs.json``.

Time is the sum of the notebook's cell times as the kernel runs them (what a student waits for
when running every cell); the kernel's start-up is not counted.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

MEMORY_BUDGET_MB = 1500
SECONDS_BUDGET = {"slot_filling": 120, "rnn_variants": 360, "lstm": 360, "bptt": 300, "gradient_problems": 360,
                  "long_memory": 360,
                  "sentiment": 360, "key_terms": 360, "ctc": 360,
                  "translation": 360, "autoencoders": 360, "parsing": 360}
DEFAULT_SECONDS_BUDGET = 360
RUNAWAY_FACTOR = 2.0
REPORT = Path(__file__).resolve().parent / "_build" / "chapter-costs.json"

# chapter (notebook stem) -> {"seconds", "peak_mb", "cells", "budget_s"}
_costs: dict[str, dict] = {}


def _is_notebook_cell(item) -> bool:
    return type(item).__name__ == "IPyNbCell"


def _peak_resident_mb(pid: int) -> float | None:
    """The peak resident memory of process ``pid`` in MB (Linux ``VmHWM``), or None elsewhere."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024  # kB
    return None


def _kernel_pid(notebook) -> int | None:
    kernel = getattr(notebook, "kernel", None)
    process = getattr(getattr(getattr(kernel, "km", None), "provisioner", None), "process", None)
    return getattr(process, "pid", None)


def _chapter(notebook) -> dict:
    stem = Path(str(notebook.fspath)).stem
    return _costs.setdefault(
        stem,
        {"seconds": 0.0, "peak_mb": None, "cells": 0,
         "budget_s": SECONDS_BUDGET.get(stem, DEFAULT_SECONDS_BUDGET)},
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    if not _is_notebook_cell(item):
        yield
        return
    start = time.perf_counter()
    yield
    cost = _chapter(item.parent)
    cost["seconds"] += time.perf_counter() - start
    cost["cells"] += 1
    pid = _kernel_pid(item.parent)
    peak = _peak_resident_mb(pid) if pid else None
    if peak is not None:
        cost["peak_mb"] = max(cost["peak_mb"] or 0.0, peak)


class ChapterBudget(pytest.Item):
    """The chapter's memory and (runaway) time budget, judged after its last cell has run."""

    def runtest(self):
        cost = _costs.get(Path(str(self.parent.fspath)).stem)
        if cost is None or not cost["cells"]:
            pytest.skip("no cell of this chapter ran")
        if cost["peak_mb"] is not None:
            assert cost["peak_mb"] < MEMORY_BUDGET_MB, (
                f"the kernel peaked at {cost['peak_mb']:.0f} MB (budget {MEMORY_BUDGET_MB} MB)"
            )
        limit = RUNAWAY_FACTOR * cost["budget_s"]
        assert cost["seconds"] < limit, (
            f"the cells took {cost['seconds']:.0f} s, more than {RUNAWAY_FACTOR:g} x the budget of "
            f"{cost['budget_s']} s: a runaway chapter (see the cost table at the end of the run)"
        )

    def reportinfo(self):
        return self.path, None, f"{self.name}: memory and runaway-time budget"


def pytest_collection_modifyitems(session, config, items):
    """Put a ``budget`` test right after the last collected cell of each notebook."""
    last_cell_of = {}
    for index, item in enumerate(items):
        if _is_notebook_cell(item):
            last_cell_of[item.parent] = index
    for notebook, index in sorted(last_cell_of.items(), key=lambda pair: -pair[1]):
        items.insert(index + 1, ChapterBudget.from_parent(notebook, name="budget"))


def pytest_terminal_summary(terminalreporter):
    if not _costs:
        return
    rows = [
        (stem, cost["seconds"], cost["budget_s"], cost["peak_mb"], cost["cells"])
        for stem, cost in _costs.items()
    ]
    terminalreporter.section("chapter costs (one execution each, under nbval)")
    terminalreporter.write_line(
        f"{'chapter':<16}{'time s':>9}{'budget s':>10}{'of budget':>11}{'peak MB':>9}"
        f"{'budget MB':>11}{'cells':>7}"
    )
    for stem, seconds, budget, peak, cells in rows:
        peak_text = f"{peak:.0f}" if peak is not None else "n/a"
        terminalreporter.write_line(
            f"{stem:<16}{seconds:>9.1f}{budget:>10}{seconds / budget:>10.0%} {peak_text:>8}"
            f"{MEMORY_BUDGET_MB:>11}{cells:>7}"
        )
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps(
        {"memory_budget_mb": MEMORY_BUDGET_MB, "runaway_factor": RUNAWAY_FACTOR, "chapters": _costs},
        indent=2,
    ) + "\n")
    terminalreporter.write_line(f"written to {REPORT.relative_to(REPORT.parent.parent)}")
