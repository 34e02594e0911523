"""The harness every exercise checker runs the student's function through, and its verdicts.

A checker runs code the student wrote, which may do anything: raise, call ``sys.exit()``, loop
for ever, return ``None``. :func:`run_student` calls the function under a time limit and turns
whatever happens into an :class:`Outcome`; only ``KeyboardInterrupt`` (the student pressed stop)
goes through. ``answers.py`` reads what the function returned; the checkers are in
``checkers.py`` (chapter 1) and ``checkers_variants.py``, ``checkers_gated.py``, ``checkers_bptt.py``
(chapters 2 to 4).
"""
from __future__ import annotations

import ctypes
import os
import signal
import sysconfig
import textwrap
import threading
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import torch

from .._checks import require_positive_float

DEFAULT_TIMEOUT = 5.0  # seconds for one call of the student's function; a keyword of every checker

STUB = "the function is still a stub: replace `raise NotImplementedError` with your code."

# After the first alarm, the alarm repeats at this period, so that a student's bare `except:`
# that swallows one interruption does not escape the time limit.
_REPEAT_S = 0.05
# Where library code lives: a traceback line there means less to the student than their own.
_LIBRARY_DIRS = tuple(
    str(Path(p).resolve())
    for p in {sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib", "purelib", "platlib")}
    | {str(Path(__file__).resolve().parents[1])}
)


@dataclass(frozen=True)
class Feedback:
    """The verdict of a checker (chapters 1 to 4): ``passed``, and a ``message`` written for the student.

    ``bool(feedback)`` is ``feedback.passed``, so a grading script can count passes; ``repr``
    prints "Correct: ..." or "Not yet: ..." wrapped at 72 characters, as the chapters show it.
    """

    passed: bool
    message: str

    def __repr__(self) -> str:
        text = ("Correct: " if self.passed else "Not yet: ") + self.message
        return textwrap.fill(text, width=72, subsequent_indent="  ", break_long_words=False)

    def __bool__(self) -> bool:
        return self.passed


@dataclass(frozen=True)
class Outcome:
    """What happened when the student's function ran under :func:`run_student` (chapters 1 to 4).

    ``kind`` is ``"returned"`` (then ``value`` holds the result), ``"stub"``, ``"raised"``,
    ``"exited"``, ``"timed out"`` or ``"not callable"``; ``problem`` completes the sentence
    "your function ..." for the kinds that did not return.
    """

    kind: str
    value: object = None
    problem: str = ""

    @property
    def returned(self) -> bool:
        return self.kind == "returned"

    def feedback(self, where: str, hint_if_raised: str = "") -> Feedback:
        """The failing verdict for an outcome that did not return; ``where`` names the case."""
        if self.kind in ("stub", "not callable"):
            return Feedback(False, self.problem)
        hint = f" {hint_if_raised}" if hint_if_raised and self.kind == "raised" else ""
        return Feedback(False, f"{where} your function {self.problem}.{hint}")


class _TimeLimit(BaseException):
    """Raised into the student's code when its time is up; a BaseException, so that the
    student's own ``except Exception`` does not swallow it."""


def require_timeout(timeout) -> float:
    """``timeout`` in seconds as a float, for every checker of chapters 1 to 4.

    Raises ``ValueError`` unless it is a positive, finite number.
    """
    return require_positive_float("timeout", timeout)


def run_student(function: Callable, *args, timeout: float = DEFAULT_TIMEOUT) -> Outcome:
    """Call ``function(*args)`` at most ``timeout`` seconds and report what happened (chapters 1 to 4).

    On Linux's main thread (where notebook cells run) a ``SIGALRM`` timer interrupts even
    ``while True: pass``; the previous handler and timer are restored afterwards. Elsewhere the
    function runs in a daemon thread that is stopped by an asynchronous exception when its time
    is up. The interruption repeats, so that a bare ``except:`` that swallows it once does not
    escape; only code that catches it in a loop without end cannot be stopped, on the main
    thread. Every exception, ``SystemExit`` and ``GeneratorExit`` included, becomes an
    :class:`Outcome`; ``KeyboardInterrupt`` propagates. Raises ``ValueError`` for a bad
    ``timeout``; a ``function`` that is not callable is reported, not raised.
    """
    timeout = require_timeout(timeout)
    if not callable(function):
        return Outcome(
            "not callable",
            problem="the checker needs your function itself: write its name without parentheses "
            f"after it (my_step, not my_step(...)); got {describe_type(function)}.",
        )
    if _alarm_available():
        return _run_with_alarm(function, args, timeout)
    return _run_in_thread(function, args, timeout)


def _alarm_available() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


def _timed_out(timeout: float, still_running: bool = False) -> Outcome:
    problem = (
        f"did not finish within {timeout:g} seconds: look for a loop that never ends, such as "
        "a `while` whose condition stays true"
    )
    if still_running:
        problem += " (it is still running in the background; restart the kernel to stop it)"
    return Outcome("timed out", problem=problem)


def _call(function: Callable, args: tuple) -> Outcome:
    try:
        return Outcome("returned", function(*args))
    except (KeyboardInterrupt, _TimeLimit):
        raise
    except NotImplementedError as exc:
        raised_at = traceback.extract_tb(exc.__traceback__)[-1]
        if not _is_library(raised_at.filename):  # the student's own `raise`, not a library's
            return Outcome("stub", problem=STUB)
        return Outcome("raised", problem=f"raised {_describe_exception(exc)}")
    except SystemExit as exc:
        return Outcome(
            "exited",
            problem="called exit (SystemExit), which would stop the whole notebook or grading "
            f"script; return the result instead{_where(exc)}",
        )
    except BaseException as exc:  # the student's code may fail in any way; report it
        return Outcome("raised", problem=f"raised {_describe_exception(exc)}")


def _run_with_alarm(function: Callable, args: tuple, timeout: float) -> Outcome:
    fired = []

    def on_alarm(signum, frame):
        fired.append(True)
        # Interrupt the student's code only: never the harness between the call and disarming.
        if frame is None or frame.f_code not in _HARNESS_CODES:
            raise _TimeLimit

    start = time.monotonic()
    previous_handler = signal.signal(signal.SIGALRM, on_alarm)
    previous_delay, previous_interval = signal.setitimer(signal.ITIMER_REAL, timeout, _REPEAT_S)
    try:
        try:
            outcome = _call(function, args)
        except _TimeLimit:
            outcome = None
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    finally:
        signal.signal(signal.SIGALRM, previous_handler if previous_handler is not None else signal.SIG_DFL)
        if previous_delay > 0:  # someone else's timer (a test runner's, say) keeps counting
            left = previous_delay - (time.monotonic() - start)
            signal.setitimer(signal.ITIMER_REAL, max(left, 1e-6), previous_interval)
    if fired or outcome is None:
        return _timed_out(timeout)
    return outcome


def _run_in_thread(function: Callable, args: tuple, timeout: float) -> Outcome:
    box, caught, finished = [], [], threading.Event()

    def target():
        try:
            box.append(_call(function, args))
        except _TimeLimit:
            pass
        except KeyboardInterrupt as exc:
            caught.append(exc)
        finally:
            finished.set()

    worker = threading.Thread(target=target, name="student function", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        # CPython raises an exception inside another thread at its next bytecode; repeated, like
        # the alarm, for a bare `except:` that swallows one.
        give_up = time.monotonic() + 1.0
        while not finished.is_set() and time.monotonic() < give_up:
            _interrupt(worker)
            worker.join(_REPEAT_S)
        return _timed_out(timeout, still_running=worker.is_alive())
    if caught:
        raise caught[0]
    return box[0] if box else _timed_out(timeout)


def _interrupt(worker: threading.Thread) -> None:
    try:
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(worker.ident), ctypes.py_object(_TimeLimit))
    except AttributeError:  # not CPython: the thread cannot be stopped, only abandoned
        pass


_HARNESS_CODES = frozenset({_call.__code__, _run_with_alarm.__code__})


def _is_library(filename: str) -> bool:
    try:
        path = str(Path(filename).resolve())
    except (OSError, ValueError):
        return False
    return any(path == d or path.startswith(d + os.sep) for d in _LIBRARY_DIRS)


def _student_frame(exc: BaseException) -> traceback.FrameSummary | None:
    """The innermost line of the student's own code in the traceback, else the innermost line."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename != __file__]
    own = [f for f in frames if not _is_library(f.filename)]
    return (own or frames or [None])[-1]


def _where(exc: BaseException) -> str:
    frame = _student_frame(exc)
    if frame is None:
        return ""
    return f" (line {frame.lineno}: `{(frame.line or '').strip()}`)"


def _describe_exception(exc: BaseException) -> str:
    try:  # an exception's text is the student's code too
        text = str(exc)
    except BaseException:
        text = "(its message could not be printed)"
    if len(text) > 300:
        text = text[:300] + " … (message shortened)"
    return f"{type(exc).__name__}: {text}{_where(exc)}"


def describe_type(value) -> str:
    """A student's value in a few words, for the checkers' messages (chapters 1 to 4): ``None`` with a
    hint at a forgotten ``return``, a tensor or array with its dtype, else its type's name."""
    if value is None:
        return "None (did your function forget to `return` its result?)"
    if isinstance(value, torch.Tensor):
        return f"a tensor of dtype {value.dtype}"
    if isinstance(value, np.ndarray):
        return f"a NumPy array of dtype {value.dtype}"
    return f"a {type(value).__name__}"


def compare_lists(
    function: Callable,
    cases: Sequence[tuple],
    reference: Callable,
    where: Callable[..., str],
    kind: str,
    mistakes: Sequence[tuple[Callable, str]],
    timeout: float,
) -> Feedback | None:
    """Run ``function`` on every case and compare the list it returns with ``reference``'s; a helper of the package.

    Each case is the tuple of arguments; lists in it are passed as copies, since the student's
    function may change them. A tuple returned is read as a list. On the first case that
    raises or returns no list, the feedback says so; every case is run otherwise, and for the
    first wrong answer the feedback gives the first hint of ``mistakes`` (``(wrong function,
    hint)`` pairs) whose function gives every answer the student gave. Returns ``None`` when every
    answer is right, so the checker says what was checked. ``where(*case)`` describes a case,
    ``kind`` what the list holds ("n-grams (str)"). Raises nothing of its own.
    """
    answers, failed = [], None  # every case is run, so that a hint is given only if it fits all the answers
    for case in cases:
        expected = reference(*case)
        place = where(*case)
        copies = [list(a) if isinstance(a, (list, tuple)) else a for a in case]
        outcome = run_student(function, *copies, timeout=timeout)
        if not outcome.returned:
            if failed is None:
                return outcome.feedback(place)
            break
        given = outcome.value
        if isinstance(given, tuple):
            given = list(given)
        if not isinstance(given, list):
            if failed is None:
                return Feedback(False, f"{place} expected a list of {kind}, got {describe_type(outcome.value)}.")
            break
        answers.append((case, given))
        if failed is None and given != expected:
            failed = (place, expected, given)
    if failed is None:
        return None
    place, expected, given = failed
    hint = next((h for wrong, h in mistakes if all(wrong(*case) == a for case, a in answers)), "")
    return Feedback(False, f"{place} expected {expected}, got {given}{'; ' + hint if hint else '.'}")
