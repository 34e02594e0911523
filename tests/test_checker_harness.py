"""The exercise harness against a table of bad student functions, for every checker.

Each row is a student function (raises, exits, loops for ever, wrong dtype, wrong shape, NaN,
wrong container, correct), the verdict it must get and a phrase of the message. A checker never
raises and gives up on an endless loop after its ``timeout``.
"""
import logging
import math
import signal
import sys
import threading
import time

import numpy as np
import pytest
import torch

from companion.exercises import Feedback, check_elman_step, check_letter_trigrams, read_numbers, run_student
from companion.exercises import harness

TIMEOUT = 0.5  # seconds: the endless loops of the table end in this time


class Odd(BaseException):
    """An exception outside the Exception family, as a student might define one."""


class Unprintable(Exception):
    def __str__(self):
        raise RuntimeError("no text")


def loops_for_ever(*args):
    while True:
        pass


def swallows_the_interruption(*args):
    try:
        while True:
            pass
    except BaseException:  # a bare except that catches the checker's interruption too
        pass
    while True:
        pass


def exits(*args):
    sys.exit()


def exits_with_a_code(*args):
    sys.exit(3)


def raises_value_error(*args):
    raise ValueError("bad step")


def raises_generator_exit(*args):
    raise GeneratorExit


def raises_odd(*args):
    raise Odd("not an Exception")


def raises_unprintable(*args):
    raise Unprintable()


def raises_from_a_library(*args):
    logging.Handler().emit(None)  # NotImplementedError inside the standard library: not a stub


def stub(*args):
    raise NotImplementedError  # your code here


# ------------------------------------------------------------------------------------------
# check_elman_step


def beginner(x, h, W_ih, W_hh, b):
    out = torch.zeros(W_ih.shape[0])
    for i in range(W_ih.shape[0]):
        out[i] = torch.tanh(W_ih[i] @ x + W_hh[i] @ h + b[i])
    return out


def correct(x, h, W_ih, W_hh, b):
    return torch.tanh(W_ih @ x + W_hh @ h + b)


def changes_its_inputs(x, h, W_ih, W_hh, b):
    new = torch.tanh(W_ih @ x + W_hh @ h + b)
    h.copy_(new)  # in place: the checker's own copy of h must not change
    b.zero_()
    return new


def with_memory_of(result):
    return lambda x, h, W_ih, W_hh, b: result(correct(x, h, W_ih, W_hh, b))


ELMAN_TABLE = [
    # (name, student function, passed, phrase of the message)
    ("raises ValueError", raises_value_error, False, f'raised ValueError: bad step (line {raises_value_error.__code__.co_firstlineno + 1}: `raise ValueError("bad step")`)'),
    ("raises into torch", lambda x, h, W_ih, W_hh, b: torch.tanh(W_ih @ h), False, "Shapes: W_ih is (H, F)"),
    ("raises GeneratorExit", raises_generator_exit, False, "raised GeneratorExit"),
    ("raises a BaseException", raises_odd, False, "raised Odd: not an Exception"),
    ("raises with no printable text", raises_unprintable, False, "Unprintable: (its message could not be printed)"),
    ("NotImplementedError from a library", raises_from_a_library, False, "raised NotImplementedError: emit must be"),
    ("stub", stub, False, "the function is still a stub"),
    ("calls sys.exit()", exits, False, "called exit (SystemExit)"),
    ("calls sys.exit(3)", exits_with_a_code, False, f"line {exits_with_a_code.__code__.co_firstlineno + 1}: `sys.exit(3)`"),
    ("loops for ever", loops_for_ever, False, "did not finish within 0.5 seconds"),
    ("swallows the interruption", swallows_the_interruption, False, "did not finish within 0.5 seconds"),
    ("not a function", torch.zeros(2), False, "write its name without parentheses after it (my_step, not my_step(...)); got a tensor"),
    ("the beginner's float32 loop", beginner, True, "matches the companion's on 3 random cases"),
    ("correct in the default dtype", correct, True, "matches"),
    ("changes its inputs in place", changes_its_inputs, True, "matches"),
    ("float64 result", with_memory_of(lambda r: r.double()), True, "matches"),
    ("float16 result", with_memory_of(lambda r: r.half()), True, "matches"),
    ("bfloat16 result", with_memory_of(lambda r: r.bfloat16()), True, "matches"),
    ("needs grad", with_memory_of(lambda r: r.clone().requires_grad_()), True, "matches"),
    ("NumPy float32", with_memory_of(lambda r: r.numpy()), True, "matches"),
    ("NumPy float64", with_memory_of(lambda r: r.numpy().astype(np.float64)), True, "matches"),
    ("list of floats", with_memory_of(lambda r: r.tolist()), True, "matches"),
    ("tuple of floats", with_memory_of(lambda r: tuple(r.tolist())), True, "matches"),
    ("list of 0-d tensors", with_memory_of(lambda r: list(r)), True, "matches"),
    ("list of NumPy numbers", with_memory_of(lambda r: list(r.numpy())), True, "matches"),
    ("int tensor", with_memory_of(lambda r: torch.tensor([0] * len(r))), False, "holds whole numbers"),
    ("int64 NumPy", with_memory_of(lambda r: np.zeros(len(r), dtype=np.int64)), False, "holds whole numbers"),
    ("off by 1e-3", with_memory_of(lambda r: r + 1e-3), False, "largest difference 0.001 at position 0"),
    ("wrong values", with_memory_of(lambda r: -r), False, "with input size 3 and hidden size 2: expected ["),
    ("column instead of vector", with_memory_of(lambda r: r[:, None]), False,
     "expected a vector of 2 numbers — the new memory — got shape (2, 1)."),
    ("row instead of vector", with_memory_of(lambda r: r[None]), False, "got shape (1, 2)"),
    ("one number", with_memory_of(lambda r: r[0]), False, "got a single number"),
    ("too short", with_memory_of(lambda r: r[:1]), False, "got shape (1,)"),
    ("NaN", with_memory_of(lambda r: r * torch.tensor([1.0, math.nan])), False, "your result contains NaN at position 1."),
    ("all NaN", with_memory_of(lambda r: r * math.nan), False, "contains NaN at positions 0, 1."),
    ("inf", with_memory_of(lambda r: r / torch.tensor([0.0, 1.0])), False, "contains inf at position 0"),
    ("returns None", lambda *args: None, False, "got None (did your function forget to `return` its result?)"),
    ("dict", with_memory_of(lambda r: {"h": r}), False, "in a torch tensor, a NumPy array or a list, got a dict"),
    ("str", with_memory_of(lambda r: str(r.tolist())), False, "got a str"),
    ("bool tensor", with_memory_of(lambda r: r > 0), False, "got a tensor of dtype torch.bool"),
    ("complex tensor", with_memory_of(lambda r: r.to(torch.complex64)), False, "torch.complex64"),
    ("ragged list", with_memory_of(lambda r: [r[0].item(), [r[1].item()]]), False, "items have different shapes"),
    ("list containing itself", lambda *args: (lambda a: (a.append(a), a)[1])([]), False, "nested more than 16 deep"),
    ("pre-activation", lambda x, h, W_ih, W_hh, b: W_ih @ x + W_hh @ h + b, False, "pre-activation"),
    ("ignores the memory", lambda x, h, W_ih, W_hh, b: torch.tanh(W_ih @ x + b), False, "ignores the memory h"),
    ("no bias", lambda x, h, W_ih, W_hh, b: torch.tanh(W_ih @ x + W_hh @ h), False, "you left out the bias b."),
]


# ------------------------------------------------------------------------------------------
# check_letter_trigrams


def trigrams(word):
    padded = "#" + word + "#"
    return [padded[i : i + 3] for i in range(len(padded) - 2)]


TRIGRAM_TABLE = [
    ("raises ValueError", raises_value_error, False, "for 'apple' your function raised ValueError: bad step (line"),
    ("raises IndexError", lambda word: word[100], False, "raised IndexError: string index out of range"),
    ("raises GeneratorExit", raises_generator_exit, False, "raised GeneratorExit"),
    ("raises a BaseException", raises_odd, False, "raised Odd"),
    ("stub", stub, False, "the function is still a stub"),
    ("calls sys.exit()", exits, False, "called exit (SystemExit)"),
    ("loops for ever", loops_for_ever, False, "did not finish within 0.5 seconds"),
    ("swallows the interruption", swallows_the_interruption, False, "did not finish within 0.5 seconds"),
    ("not a function", ["#ap"], False, "got a list"),
    ("correct list", trigrams, True, "letter trigrams correct on 5 words"),
    ("tuple", lambda word: tuple(trigrams(word)), True, "correct"),
    ("NumPy array of str", lambda word: np.array(trigrams(word)), True, "correct"),
    ("set", lambda word: set(trigrams(word)), False, "you returned a set; a set loses the order"),
    ("generator", lambda word: (t for t in trigrams(word)), False, "wrap it in list(...)"),
    ("one string", lambda word: "".join(trigrams(word)), False, "you returned one string"),
    ("None", lambda word: None, False, "forget to `return`"),
    ("dict", lambda word: dict.fromkeys(trigrams(word)), False, "expected a list of strings (the trigrams), got a dict"),
    ("bytes", lambda word: [t.encode() for t in trigrams(word)], False, "the item at position 0 is a bytes"),
    ("lists of letters", lambda word: [list(t) for t in trigrams(word)], False, "the item at position 0 is a list"),
    ("NaN", lambda word: [math.nan] * len(word), False, "the item at position 0 is a float"),
    ("no boundaries", lambda word: [word[i : i + 3] for i in range(len(word) - 2)], False, "word boundaries"),
    ("two too many", lambda word: trigrams(word) + ["le", "e#"], False, "two trigrams too many"),
    ("too few", lambda word: trigrams(word)[:-1], False, "expected ['#ap', 'app', 'ppl', 'ple', 'le#'], got"),
]


CHECKERS = {"check_elman_step": (check_elman_step, ELMAN_TABLE), "check_letter_trigrams": (check_letter_trigrams, TRIGRAM_TABLE)}
ROWS = [
    pytest.param(checker, function, passed, phrase, id=f"{name}: {case}")
    for name, (checker, table) in CHECKERS.items()
    for case, function, passed, phrase in table
]


@pytest.mark.parametrize("checker, function, passed, phrase", ROWS)
def test_every_checker_judges_every_kind_of_student_function(checker, function, passed, phrase):
    start = time.monotonic()
    verdict = checker(function, timeout=TIMEOUT)  # never raises
    assert isinstance(verdict, Feedback) and verdict.passed is passed, verdict.message
    assert phrase in verdict.message
    assert time.monotonic() - start < 20 * TIMEOUT  # the loops were stopped, not waited out


@pytest.mark.parametrize("checker", [check_elman_step, check_letter_trigrams])
def test_a_student_pressing_stop_is_not_caught(checker):
    def pressed_stop(*args):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        checker(pressed_stop, timeout=TIMEOUT)


@pytest.mark.parametrize("checker", [check_elman_step, check_letter_trigrams])
@pytest.mark.parametrize("timeout", [0, -1, math.nan, math.inf, "2", True, None])
def test_a_bad_timeout_is_a_value_error(checker, timeout):
    with pytest.raises(ValueError, match="timeout: expected a positive finite number, got"):
        checker(trigrams, timeout=timeout)


@pytest.mark.parametrize("seed", [-1, 1.5, "0", None])
def test_a_bad_seed_is_a_value_error(seed):
    with pytest.raises(ValueError, match="seed: expected a non-negative integer, got"):
        check_elman_step(correct, seed)


def test_the_alarm_restores_the_previous_handler_and_timer():
    rang = []

    def previous(signum, frame):
        rang.append(signum)

    old_handler = signal.signal(signal.SIGALRM, previous)
    signal.setitimer(signal.ITIMER_REAL, 30.0)
    try:
        assert not check_elman_step(loops_for_ever, timeout=0.2)
        assert signal.getsignal(signal.SIGALRM) is previous
        left, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 25.0 < left < 30.0  # still counting, less the time the checker took
        assert rang == []
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old_handler)


def test_no_alarm_is_left_behind_when_none_was_set():
    assert check_letter_trigrams(trigrams, timeout=TIMEOUT)
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def _student_threads():
    return [t for t in threading.enumerate() if t.name == "student function" and t.is_alive()]


def test_off_the_main_thread_an_endless_loop_is_stopped_too():
    verdicts = []
    caller = threading.Thread(
        target=lambda: verdicts.extend(
            [check_elman_step(loops_for_ever, timeout=TIMEOUT), check_elman_step(beginner), check_elman_step(exits)]
        )
    )
    caller.start()
    caller.join(30)
    assert not caller.is_alive()
    loop, right, exit_ = verdicts
    assert not loop and "did not finish within 0.5 seconds" in loop.message
    assert "still running" not in loop.message
    assert right and "called exit (SystemExit)" in exit_.message
    assert not _student_threads()  # the loop was stopped, not left spinning


def test_where_there_is_no_alarm_the_thread_fallback_judges_the_same(monkeypatch):
    monkeypatch.setattr(harness, "_alarm_available", lambda: False)
    for case, function, passed, phrase in TRIGRAM_TABLE:
        verdict = check_letter_trigrams(function, timeout=TIMEOUT)
        assert verdict.passed is passed and phrase in verdict.message, (case, verdict.message)
    assert not _student_threads()
    with pytest.raises(KeyboardInterrupt):
        run_student(lambda: (_ for _ in ()).throw(KeyboardInterrupt), timeout=TIMEOUT)


def test_a_thread_stuck_outside_python_is_reported_as_still_running(monkeypatch):
    monkeypatch.setattr(harness, "_alarm_available", lambda: False)
    outcome = run_student(time.sleep, 1.5, timeout=0.1)
    assert outcome.kind == "timed out" and "still running in the background" in outcome.problem


def test_run_student_reports_what_happened():
    assert run_student(lambda a, b: a + b, 2, 3).value == 5
    assert run_student(stub).kind == "stub"
    assert run_student(raises_from_a_library).kind == "raised"
    assert run_student(exits).kind == "exited"
    assert run_student(loops_for_ever, timeout=0.1).kind == "timed out"
    assert run_student(None).kind == "not callable"


def test_read_numbers_reads_any_real_container_as_float64():
    read = read_numbers([np.float32(0.5), torch.tensor(0.25, dtype=torch.float16)], (2,))
    assert read.values.dtype == torch.float64 and read.values.tolist() == [0.5, 0.25]
    assert read.eps == torch.finfo(torch.float16).eps and not read.integer
    assert read_numbers([[1, 2], [3, 4]], (2, 2)).integer
    assert read_numbers(torch.zeros(3), (2,)).problem == "expected a vector of 2 numbers, got shape (3,)."
    assert read_numbers([], (0,)).values.shape == (0,)
    assert "could not read your result as numbers: OverflowError" in read_numbers([10**400], (1,)).problem
