"""The checkers of chapter 5's coding exercises on memory: a Clockwork RNN's schedule, and the echo test of a reservoir.

Each checker returns a :class:`~companion.exercises.harness.Feedback`, runs the student's code
through :func:`~companion.exercises.harness.run_student` (a time limit, every exception
reported) and compares with the companion's own functions:
:func:`~companion.cells.clockwork_schedule` and
:meth:`EchoStateNetwork.run <companion.reservoir.EchoStateNetwork.run>`.
"""
from __future__ import annotations

import copy
import warnings
from typing import Callable

import numpy as np
import torch

from ..cells.long_memory_steps import clockwork_schedule
from ..reservoir import EchoStateNetwork
from .answers import read_numbers
from .harness import DEFAULT_TIMEOUT, Feedback, describe_type, require_timeout, run_student

SCHEDULE_CASES = (((1, 2, 4, 8), 12), ((2, 3, 5), 16), ((3, 7), 2))  # (periods, steps): the chapter's first
ECHO_RADII = (0.5, 0.9, 1.5, 3.0)
ECHO_UNITS, ECHO_STEPS = 30, 100
# A gap within 1e-9 + 1e-6 · gap of the reference is right. At radius 3 the reservoir is chaotic:
# float64 rounding, grown over 100 steps, moves the gap by about 1e-11, far inside this.
ECHO_FLOOR, ECHO_LIMIT = 1e-9, 1e-6
ECHOES = 1e-6  # a gap below this has died out: the reservoir echoes
ECHO_CLOSE = 1e-3  # a wrong gap this close to the reference is most likely rounding: float32 somewhere



def _call_quietly(function: Callable, *args):
    """Call the student's schedule without NumPy's warnings for a division by zero (the checker reports it)."""
    with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return function(*args)


# --- the Clockwork RNN's schedule -------------------------------------------------------------


def _read_schedule(value, steps: int, periods: tuple[int, ...], expected: np.ndarray):
    """The student's schedule as a boolean ``(steps, g)`` array, or the problem in words."""
    g = len(periods)
    wanted = f"a boolean array of shape (steps, g) = ({steps}, {g}), one row per step and one column per module"
    if not isinstance(value, (torch.Tensor, np.ndarray, list, tuple)):
        return None, f"expected {wanted} (a tensor, an array or a list of lists), got {describe_type(value)}."
    try:
        array = value.detach().cpu().numpy() if isinstance(value, torch.Tensor) else np.array(value)
    except ValueError:
        return None, f"expected {wanted}; your rows have different lengths."
    if array.dtype.kind not in "biuf":
        return None, f"expected {wanted}, of True/False or 0/1, got {describe_type(array)}."
    if array.shape == (g, steps) and (steps != g or np.array_equal(array.astype(bool), expected.T)):
        return None, (f"your schedule is transposed, ({g}, {steps}): one row per module. Return one row per "
                      f"step, shape (steps, g) = ({steps}, {g}); .T turns it round.")
    if array.shape != (steps, g):
        hint = (" One row too few: t runs over 0, 1, …, steps - 1, which is steps rows."
                if array.shape == (steps - 1, g) else "")
        return None, f"expected {wanted}, got shape {array.shape}.{hint}"
    if array.dtype.kind == "f" and np.isnan(array).any():
        return None, "your schedule contains NaN."
    if not np.isin(array, (0, 1)).all():
        remainders = np.arange(steps)[:, None] % np.array(periods)
        if np.array_equal(array, remainders):
            return None, ("you returned t mod T_i itself; a module runs where it is 0: "
                          "schedule[t, i] = (t % T_i == 0).")
        t, i = (int(n) for n in np.argwhere(~np.isin(array, (0, 1)))[0])
        return None, f"expected True/False or 0/1, got {array[t, i].item()!r} at step {t}, module {i}."
    return array.astype(bool), ""


def _schedule_mistakes(periods: tuple[int, ...], steps: int, expected: np.ndarray):
    """(a wrong schedule, the rows it is compared on, the hint) for each classic mistake."""
    t, T = np.arange(steps)[:, None], np.array(periods)
    reversed_rule = np.zeros((steps, len(periods)), dtype=bool)
    reversed_rule[1:] = T % t[1:] == 0  # row 0 would divide by zero: it is not compared
    return [
        ((t + 1) % T == 0, slice(None), "you counted the steps from 1; they count from 0, so that every module "
                                        "runs at the first step: schedule[t, i] = (t % T_i == 0), t = 0 … steps - 1."),
        (~expected, slice(None), "your schedule is True where a module rests; it must be True where it runs, "
                                 "where t mod T_i = 0."),
        (reversed_rule, slice(1, None), "you took T_i mod t; the rule is t mod T_i = 0 (t % T_i): the step "
                                        "divided by the period."),
        (t % (np.arange(len(periods)) + 1) == 0, slice(None),
         "you used the module's position i + 1 as its period; module i's period is periods[i]."),
    ]


def check_clockwork_schedule(my_schedule: Callable, *, timeout: float = DEFAULT_TIMEOUT) -> Feedback:
    r"""Chapter 5, exercise "The Clockwork RNN's clock": ``my_schedule(periods, steps)`` must say which modules run at each step.

    .. math::  \mathrm{schedule}[t, i] = (t \bmod T_i = 0), \qquad t = 0, 1, \dots, \mathrm{steps} - 1

    (Koutník et al. 2014: module :math:`i` is updated at step :math:`t` only when :math:`t \bmod
    T_i = 0`). The exercise: write ``my_schedule(periods, steps)``, where ``periods`` is a list of
    the :math:`g` modules' clock periods :math:`T_1 < \dots < T_g` and ``steps`` a positive
    integer; return a ``(steps, g)`` array, True where module :math:`i` runs at step :math:`t`,
    steps counted from 0, as :func:`~companion.cells.clockwork_schedule` returns it. A torch
    tensor, a NumPy array or nested lists of bools or 0/1 numbers are accepted.

    Cases: the chapter's periods 1, 2, 4, 8 over 12 steps, then 2, 3, 5 over 16 and 3, 7 over 2.
    Hints name steps counted from 1, the schedule transposed, one row too few, :math:`T_i \bmod t`
    (a division by zero at :math:`t = 0`), True where a module rests, :math:`t \bmod T_i` itself,
    the module's position taken as its period, or the first wrong entry. Each call may take
    ``timeout`` seconds. Raises ``ValueError`` for a bad ``timeout`` only.
    """
    timeout = require_timeout(timeout)
    if not callable(my_schedule):
        return run_student(my_schedule, timeout=timeout).feedback("")  # the harness's words for it
    for periods, steps in SCHEDULE_CASES:
        expected = clockwork_schedule(periods, steps).numpy()
        where = f"with periods {list(periods)} and {steps} steps"
        outcome = run_student(_call_quietly, my_schedule, list(periods), steps, timeout=timeout)
        if not outcome.returned:
            divides = any(text in outcome.problem for text in ("ZeroDivision", "by zero"))
            return outcome.feedback(where, hint_if_raised="Steps count from 0 and the rule is t % T_i: the step "
                                                          "divided by the period, never by t." if divides else "")
        given, problem = _read_schedule(outcome.value, steps, periods, expected)
        if problem:
            return Feedback(False, f"{where}: {problem}")
        if np.array_equal(given, expected):
            continue
        for wrong, rows, hint in _schedule_mistakes(periods, steps, expected):
            if np.array_equal(given[rows], wrong[rows]):
                return Feedback(False, f"{where}: {hint}")
        t, i = (int(n) for n in np.argwhere(given != expected)[0])
        runs = "runs (True)" if expected[t, i] else "rests (False)"
        return Feedback(False, f"{where}: at step t = {t}, module {i} (period {periods[i]}): {t} mod {periods[i]} = "
                               f"{t % periods[i]}, so it {runs}; your schedule says {bool(given[t, i])}.")
    return Feedback(True, f"your schedule matches clockwork_schedule on {len(SCHEDULE_CASES)} cases; with periods "
                          "1, 2, 4, 8 all four modules run at t = 0 and t = 8, only the first at odd steps.")


# --- the echo test of a reservoir -------------------------------------------------------------


def _echo_case(radius: float) -> tuple[EchoStateNetwork, torch.Tensor, torch.Tensor]:
    """A small reservoir of this spectral radius, the input ``(T, 1)`` and the second start ``(H,)``; the
    same reservoir pattern, input and start for every radius."""
    esn = EchoStateNetwork(1, ECHO_UNITS, 1, spectral_radius=radius, connectivity=0.2, seed=1)
    generator = torch.Generator().manual_seed(2)
    inputs = torch.rand(ECHO_STEPS, 1, generator=generator, dtype=torch.float64) * 2 - 1
    start = torch.rand(ECHO_UNITS, generator=generator, dtype=torch.float64) * 2 - 1
    return esn, inputs, start


def _echo_gaps(esn: EchoStateNetwork, inputs: torch.Tensor, start: torch.Tensor) -> dict[str, float]:
    """The reference gap ``"right"`` and the gaps the classic mistakes give."""
    (from_zero, _), (from_start, _) = esn.run(inputs), esn.run(inputs, hx=start)
    difference = from_zero[-1] - from_start[-1]
    undriven = esn.run(torch.zeros_like(inputs))[1] - esn.run(torch.zeros_like(inputs), hx=start)[1]
    return {
        "right": float(difference.norm()),
        "no input": float(undriven.norm()),
        "first step": float((from_zero[0] - from_start[0]).norm()),
        "squared": float(difference.square().sum()),
        "max": float(difference.abs().max()),
        "sum": float(difference.abs().sum()),
    }


_EUCLIDEAN = "; the gap is the Euclidean distance, torch.linalg.vector_norm(a - b)."
_ECHO_HINTS = {
    "no input": "this is the gap of the reservoir driven by zeros: drive both runs with inputs, since the echo "
                "state property is about the state becoming a function of the input.",
    "first step": "this is the gap after the first step; the test compares the final states, after all the "
                  "input has been read (esn.run returns them as its second result).",
    "squared": "this is the squared distance" + _EUCLIDEAN,
    "max": "this is the largest difference of one unit" + _EUCLIDEAN,
    "sum": "this is the sum of absolute differences" + _EUCLIDEAN,
}
ECHO_RAISED_HINT = ("esn.run(inputs, hx=start) drives the reservoir and returns (states (T, H), final state (H,)); "
                    "hx=None starts from zeros. The read-out is not fitted, so esn(inputs) cannot be used.")


def _echo_shape_problem(value) -> str:
    """A hint for a result of the wrong form (two states, a vector of gaps, a difference), else ``""``."""
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(isinstance(v, torch.Tensor) for v in value):
        return "you returned two tensors; return one number, the distance between the two final states."
    shape = tuple(getattr(value, "shape", ()))
    return {
        (ECHO_UNITS,): "you returned a vector of H numbers, the difference itself; return its Euclidean norm.",
        (ECHO_STEPS,): "you returned one gap per step; return the last one, between the final states.",
        (ECHO_STEPS, ECHO_UNITS): "you returned the differences of all the states; return the Euclidean norm of "
                                  "the last one.",
    }.get(shape, "")


def check_echo_test(my_echo_gap: Callable, *, timeout: float = DEFAULT_TIMEOUT) -> Feedback:
    r"""Chapter 5, exercise "Does the reservoir echo?": ``my_echo_gap(esn, inputs, start)`` must return the gap between two runs' final states.

    .. math::  \mathrm{gap} = \lVert x_T - x'_T \rVert_2, \qquad x_0 = 0, \quad x'_0 = \mathrm{start},

    both driven by the same input :math:`u_1 \dots u_T` through :math:`x_t = \tanh(W_{in} u_t +
    W x_{t-1} + b)`. A reservoir has the echo state property when its state forgets where it
    started and becomes a function of the input alone (Jaeger 2001): the gap then dies out as
    :math:`T` grows. The exercise: write ``my_echo_gap(esn, inputs, start)``, where ``esn`` is an
    :class:`~companion.reservoir.EchoStateNetwork` (its read-out not fitted), ``inputs`` a
    float64 tensor ``(T, 1)`` and ``start`` a reservoir state ``(H,)``; drive the reservoir with
    ``inputs`` once from the zero state and once from ``start`` (``esn.run(inputs, hx=start)``
    returns the states and the final one) and return the Euclidean distance between the two
    final states, one number; then call it for several spectral radii to find where the
    reservoir stops echoing.

    Four reservoirs of 30 units, radii 0.5, 0.9, 1.5 and 3, with the same pattern, input (100
    steps, uniform in [-1, 1]) and start; a number (or a one-number tensor or array) within
    :math:`10^{-9} + 10^{-6}\,\mathrm{gap}` of ``esn.run``'s is right. Hints name a gap of 0
    where the reservoir does not echo (one start used twice), the input replaced by zeros, the
    gap after the first step, a squared, largest or summed difference, two states, the
    difference vector or one gap per step returned, and float32. It takes well under a second.
    Each call may take ``timeout`` seconds. Raises ``ValueError`` for a bad ``timeout`` only.
    """
    timeout = require_timeout(timeout)
    found = []
    for radius in ECHO_RADII:
        esn, inputs, start = _echo_case(radius)
        gaps = _echo_gaps(esn, inputs, start)
        where = f"with spectral radius {radius:g}"
        # Copies: a student's function that changes the reservoir or the start must not change the checker's.
        outcome = run_student(my_echo_gap, copy.deepcopy(esn), inputs.clone(), start.clone(), timeout=timeout)
        if not outcome.returned:
            return outcome.feedback(where, hint_if_raised=ECHO_RAISED_HINT)
        wrong_form = _echo_shape_problem(outcome.value)
        if wrong_form:
            return Feedback(False, f"{where}: {wrong_form}")
        read = read_numbers(outcome.value, (), "the gap between the two final states")
        if read.values is None:
            return Feedback(False, f"{where}: {read.problem}")
        given = float(read.values)

        def near(expected: float) -> bool:
            return abs(given - expected) <= ECHO_FLOOR + ECHO_LIMIT * abs(expected)

        if near(gaps["right"]):
            found.append(gaps["right"])
            continue
        text = f"{where}: the gap is {gaps['right']:.4g}, yours {given:.4g}"
        if near(0.0):
            return Feedback(False, f"{text}: a gap of 0 where the reservoir does not echo. Did both runs start "
                                   "from the same state? One starts from zeros (hx=None), the other from start.")
        hint = next((h for name, h in _ECHO_HINTS.items() if near(gaps[name])), "")
        close = abs(given - gaps["right"]) <= ECHO_CLOSE * (1 + gaps["right"])
        if not hint and (close or read.eps > torch.finfo(torch.float64).eps):
            hint = ("close, but not within the tolerance: was the gap computed in lower precision than float64, "
                    "the reservoir's dtype? At a large radius rounding errors grow from step to step, so keep "
                    "every tensor in float64.")
        return Feedback(False, f"{text}{'; ' + hint if hint else '.'}")
    # Below 1e-12 the gap is rounding, whose last digits depend on the processor: no digits printed.
    listed = ", ".join(f"{r:g}: {'< 1e-12' if g < 1e-12 else f'{g:.2g}'}" for r, g in zip(ECHO_RADII, found))
    echoing = " and ".join(f"{r:g}" for r, g in zip(ECHO_RADII, found) if g < ECHOES)
    return Feedback(True, f"your gaps agree with esn.run on {len(ECHO_RADII)} reservoirs (radius: gap after "
                          f"{ECHO_STEPS} steps) {listed}. The gap dies out at radii {echoing} only: those "
                          "reservoirs echo their input.")
