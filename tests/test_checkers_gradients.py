"""The checkers of chapter 5 against tables of student answers: correct solutions, each hinted
mistake, a stub, a wrong type, an endless loop. Each row is a student's answer, the verdict it
must get and a phrase of the message; a checker never raises because of the student."""
import math
import sys
import time

import numpy as np
import pytest
import torch

from companion.cells import clockwork_schedule
from companion.exercises import Feedback, check_clip_grad_norm, check_clockwork_schedule, check_echo_test
from companion.exercises import checkers_gradients, checkers_memory
from companion.training import clip_grad_norm

TIMEOUT = 0.5  # seconds: the endless loops of the tables end in this time


def stub(*args):
    raise NotImplementedError  # your code here


def loops_for_ever(*args):
    while True:
        pass


def exits(*args):
    sys.exit()


# ------------------------------------------------------------------------------------------
# clipping torch gradients by their global norm


def my_clip_grad_norm(parameters, max_norm):
    """The exercise's solution."""
    grads = [p.grad for p in parameters if p.grad is not None]
    norm = torch.sqrt(sum(g.square().sum() for g in grads))
    if norm > max_norm:
        for g in grads:
            g.mul_(max_norm / norm)
    return norm


def clip_with(rescale, returns=lambda norm, max_norm, grads: norm, skip_none=True):
    """A student's clipping: ``rescale(g, norm, max_norm)`` gives each new gradient, set in place."""
    def clip(parameters, max_norm):
        grads = [p.grad for p in parameters if p.grad is not None or not skip_none]
        norm = math.sqrt(sum(float(g.square().sum()) for g in grads))
        new = [rescale(g, norm, max_norm) for g in grads]
        for g, value in zip(grads, new):
            g.copy_(value)
        return returns(norm, max_norm, grads)
    return clip


def reassigns(parameters, max_norm):
    norm = torch.sqrt(sum(p.grad.square().sum() for p in parameters if p.grad is not None))
    for p in parameters:
        if p.grad is not None:
            p.grad = p.grad * torch.clamp(max_norm / norm, max=1.0)
    return norm.item()


def returns_new_tensors(parameters, max_norm):
    grads = [p.grad for p in parameters if p.grad is not None]
    norm = torch.sqrt(sum(g.square().sum() for g in grads))
    return [g * min(1.0, float(max_norm / norm)) for g in grads]


def scales_the_parameters(parameters, max_norm):
    norm = my_clip_grad_norm(parameters, max_norm)
    for p in parameters:
        p.data.mul_(0.5)
    return norm


def parameter_in_place(parameters, max_norm):
    for p in parameters:
        p.mul_(0.5)


def fills_none(parameters, max_norm):
    for p in parameters:
        if p.grad is None:
            p.grad = torch.zeros_like(p)
    return my_clip_grad_norm(parameters, max_norm)


def python_division(parameters, max_norm):
    grads = [p.grad for p in parameters if p.grad is not None]
    norm = math.sqrt(sum(float(g.square().sum()) for g in grads))
    for g in grads:
        g.mul_(min(1.0, max_norm / norm))
    return norm


def by_parameter_norm(parameters, max_norm):
    norm = math.sqrt(sum(float(p.detach().square().sum()) for p in parameters if p.grad is not None))
    for p in parameters:
        if p.grad is not None:
            p.grad.mul_(min(1.0, max_norm / norm))
    return norm


def own_norm(g, norm, max_norm):
    return g * min(1.0, max_norm / float(g.norm())) if float(g.norm()) > 0 else g


def below_too(g, norm, max_norm):
    return g * max_norm / norm if norm > 0 else g


def no_square_root(g, norm, max_norm):
    return g * min(1.0, max_norm / norm ** 2) if norm > 0 else g


def right(g, norm, max_norm):
    return g * min(1.0, max_norm / norm) if norm > 0 else g


CLIP_TABLE = [
    ("correct", my_clip_grad_norm, True, "your clipping agrees with the companion's clip_grad_norm on 5 cases"),
    ("torch's", torch.nn.utils.clip_grad_norm_, True, "agrees"),
    ("the companion's", clip_grad_norm, True, "agrees"),
    ("reassigns .grad, returns a float", reassigns, True, "agrees"),
    ("NumPy norm", clip_with(right, returns=lambda n, m, g: np.float64(n)), True, "agrees"),
    ("stub", stub, False, "the function is still a stub"),
    ("loops for ever", loops_for_ever, False, "did not finish within 0.5 seconds"),
    ("exits", exits, False, "called exit (SystemExit)"),
    ("not a function", 1.0, False, "the checker needs your function itself"),
    ("its own norm", clip_with(own_norm), False, "by its own norm"),
    ("by value", clip_with(lambda g, n, m: g.clamp(-m, m)), False, "clipping by value"),
    ("always rescaled", clip_with(below_too), False,
     "below the threshold (max_norm = 10): you rescaled to max_norm even though the norm was below it"),
    ("no square root", clip_with(no_square_root), False, "you divided by the sum of squares"),
    ("the parameters' norm", by_parameter_norm, False, "the norm of the parameters themselves"),
    ("untouched", lambda parameters, max_norm: 6.244997998398398, False, "the gradients were left as they were"),
    ("new tensors", returns_new_tensors, False, "your function returned new tensors and left each .grad as it was"),
    ("half", clip_with(lambda g, n, m: right(g, n, m) / 2), False,
     "the global norm is 6.245, so every gradient should be multiplied by 0.1601"),
    ("changes the parameters", scales_the_parameters, False, "your function changed the parameters themselves"),
    ("a parameter in place", parameter_in_place, False, "You changed a parameter itself in place"),
    ("None not skipped", clip_with(right, skip_none=False), False,
     "a parameter whose .grad is None (max_norm = 1): your function raised"),
    ("None filled in", fills_none, False, "the .grad of parameter 2 was None and must stay None"),
    ("zero division", python_division, False, "all zeros (max_norm = 1): your function raised ZeroDivisionError"),
    ("NaN for zeros", clip_with(lambda g, n, m: g * (min(n, m) / n if n > 0 else math.nan)), False,
     "contains NaN at positions (0, 0)"),
    ("no return", clip_with(right, returns=lambda n, m, g: None), False, "your function returned None: return the global norm"),
    ("returns the gradients", clip_with(right, returns=lambda n, m, g: g), False, "but you returned them"),
    ("norm after clipping", clip_with(right, returns=lambda n, m, g: min(n, m)), False, "you returned the norm after clipping"),
    ("sum of squares returned", clip_with(right, returns=lambda n, m, g: n * n), False, "you returned the sum of squares"),
    ("another number", clip_with(right, returns=lambda n, m, g: n + 1), False, "the returned norm is 7.245"),
    ("a string", clip_with(right, returns=lambda n, m, g: "6.2"), False, "got a str"),
]


def test_the_clipping_cases_test_what_they_say():
    cases = {case: (grads, max_norm) for case, grads, max_norm in checkers_gradients._clip_cases()}
    norm = lambda grads: math.sqrt(sum(float(g.square().sum()) for g in grads if g is not None))  # noqa: E731
    assert norm(cases["above the threshold"][0]) > cases["above the threshold"][1]
    assert norm(cases["below the threshold"][0]) < cases["below the threshold"][1]
    assert norm(cases["five parameters of several shapes"][0]) > cases["five parameters of several shapes"][1]
    assert None in cases["a parameter whose .grad is None"][0]
    assert norm(cases["a parameter whose .grad is None"][0]) > 1.0
    assert norm(cases["all zeros"][0]) == 0.0


# ------------------------------------------------------------------------------------------
# the Clockwork RNN's schedule


def my_schedule(periods, steps):
    """The exercise's solution, in lists."""
    return [[t % T == 0 for T in periods] for t in range(steps)]


def schedule_with(rule, steps_from=0, container=np.array):
    return lambda periods, steps: container([[rule(t, T) for T in periods] for t in range(steps_from, steps)])


def flips_the_last_entry(periods, steps):
    schedule = np.array(my_schedule(periods, steps))
    if len(periods) == 2:
        schedule[-1, -1] = not schedule[-1, -1]
    return schedule


SCHEDULE_TABLE = [
    ("correct", my_schedule, True, "your schedule matches clockwork_schedule on 3 cases"),
    ("the companion's", clockwork_schedule, True, "matches"),
    ("NumPy bools", schedule_with(lambda t, T: t % T == 0), True, "matches"),
    ("0/1 ints", schedule_with(lambda t, T: int(t % T == 0)), True, "matches"),
    ("0/1 floats", schedule_with(lambda t, T: float(t % T == 0)), True, "matches"),
    ("torch ints", lambda periods, steps: (torch.arange(steps)[:, None] % torch.tensor(periods) == 0).long(),
     True, "matches"),
    ("stub", stub, False, "the function is still a stub"),
    ("loops for ever", loops_for_ever, False, "did not finish within 0.5 seconds"),
    ("exits", exits, False, "called exit (SystemExit)"),
    ("None", lambda periods, steps: None, False, "forget to `return`"),
    ("not a function", my_schedule([1, 2], 3), False, "the checker needs your function itself"),
    ("counted from 1", lambda periods, steps: [[(t + 1) % T == 0 for T in periods] for t in range(steps)], False,
     "you counted the steps from 1"),
    ("transposed", lambda periods, steps: np.array(my_schedule(periods, steps)).T, False,
     "your schedule is transposed, (4, 12)"),
    ("one row too few", schedule_with(lambda t, T: t % T == 0, steps_from=1), False, "One row too few"),
    ("T mod t in Python", lambda periods, steps: [[T % t == 0 for T in periods] for t in range(steps)], False,
     "raised ZeroDivisionError"),
    ("T mod t in torch", lambda periods, steps: torch.tensor(periods) % torch.arange(steps)[:, None] == 0, False,
     "never by t"),
    ("T mod t in NumPy", lambda periods, steps: np.array(periods) % np.arange(steps)[:, None] == 0, False,
     "you took T_i mod t"),
    ("where it rests", schedule_with(lambda t, T: t % T != 0), False, "True where a module rests"),
    ("t mod T", schedule_with(lambda t, T: t % T), False, "you returned t mod T_i itself"),
    ("the position as period",
     lambda periods, steps: [[t % (i + 1) == 0 for i in range(len(periods))] for t in range(steps)], False,
     "the module's position i + 1 as its period"),
    ("another shape", lambda periods, steps: np.zeros((steps, len(periods) + 1), dtype=bool), False,
     "got shape (12, 5)"),
    ("ragged", lambda periods, steps: [[True] * (t + 1) for t in range(steps)], False, "different lengths"),
    ("strings", lambda periods, steps: np.full((steps, len(periods)), "yes"), False, "of True/False or 0/1, got a NumPy"),
    ("a 2", schedule_with(lambda t, T: 2 if t == 3 else int(t % T == 0)), False, "got 2 at step 3, module 0"),
    ("NaN", schedule_with(lambda t, T: math.nan if t == 3 else float(t % T == 0)), False, "contains NaN"),
    ("one wrong entry", flips_the_last_entry, False,
     "with periods [3, 7] and 2 steps: at step t = 1, module 1 (period 7): 1 mod 7 = 1, so it rests (False)"),
]


# ------------------------------------------------------------------------------------------
# the echo test


def my_echo_gap(esn, inputs, start):
    """The exercise's solution."""
    _, from_zero = esn.run(inputs)
    _, from_start = esn.run(inputs, hx=start)
    return torch.linalg.vector_norm(from_zero - from_start)


def own_loop(esn, inputs, start, dtype=torch.float64, zero_input=False, both_from=None):
    """The same test written out by hand, with the classic mistakes as options."""
    W, W_in, b = (t.to(dtype) for t in (esn.weight_hh, esn.weight_ih, esn.bias_ih))
    u = torch.zeros_like(inputs) if zero_input else inputs
    states = []
    for x in (torch.zeros(len(start), dtype=dtype) if both_from is None else both_from, start.to(dtype)):
        for t in range(len(u)):
            x = torch.tanh(W @ x + W_in @ u[t].to(dtype) + b)
        states.append(x)
    return float(torch.linalg.vector_norm(states[0] - states[1]))


def final_states(esn, inputs, start):
    return esn.run(inputs)[1], esn.run(inputs, hx=start)[1]


def differences(esn, inputs, start):
    return esn.run(inputs)[0] - esn.run(inputs, hx=start)[0]


ECHO_TABLE = [
    ("correct", my_echo_gap, True, "your gaps agree with esn.run on 4 reservoirs"),
    ("by hand, a float", own_loop, True, "The gap dies out at radii 0.5 and 0.9 only"),
    ("NumPy", lambda esn, u, s: np.float64(my_echo_gap(esn, u, s)), True, "agree"),
    ("stub", stub, False, "the function is still a stub"),
    ("loops for ever", loops_for_ever, False, "did not finish within 0.5 seconds"),
    ("exits", exits, False, "called exit (SystemExit)"),
    ("None", lambda esn, u, s: None, False, "forget to `return`"),
    ("not a function", 0.0, False, "the checker needs your function itself"),
    ("a string", lambda esn, u, s: "small", False, "got a str"),
    ("calls forward", lambda esn, u, s: esn(u), False, "The read-out is not fitted, so esn(inputs) cannot be used"),
    ("the same start twice", lambda esn, u, s: own_loop(esn, u, s, both_from=s), False,
     "with spectral radius 1.5: the gap is 3.874, yours 0: a gap of 0 where the reservoir does not echo"),
    ("driven by zeros", lambda esn, u, s: own_loop(esn, u, s, zero_input=True), False,
     "with spectral radius 0.9: the gap is 1.616e-10, yours 7.498e-06; this is the gap of the reservoir driven by zeros"),
    ("the first step", lambda esn, u, s: differences(esn, u, s)[0].norm(), False, "this is the gap after the first step"),
    ("squared", lambda esn, u, s: my_echo_gap(esn, u, s) ** 2, False, "this is the squared distance"),
    ("largest", lambda esn, u, s: differences(esn, u, s)[-1].abs().max(), False, "the largest difference of one unit"),
    ("summed", lambda esn, u, s: differences(esn, u, s)[-1].abs().sum(), False, "the sum of absolute differences"),
    ("float32", lambda esn, u, s: own_loop(esn, u, s, dtype=torch.float32), False,
     "close, but not within the tolerance: was the gap computed in lower precision than float64"),
    ("two states", final_states, False, "you returned two tensors"),
    ("the difference", lambda esn, u, s: differences(esn, u, s)[-1], False, "the difference itself"),
    ("one gap per step", lambda esn, u, s: differences(esn, u, s).norm(dim=1), False, "one gap per step"),
    ("all differences", differences, False, "the differences of all the states"),
    ("a pair of numbers", lambda esn, u, s: [1.0, 2.0], False, "expected a single number"),
]


def test_the_reservoirs_echo_below_radius_one_and_not_above():
    gaps = {}
    for radius in checkers_memory.ECHO_RADII:
        gaps[radius] = checkers_memory._echo_gaps(*checkers_memory._echo_case(radius))
    assert all(gaps[r]["right"] < checkers_memory.ECHOES for r in (0.5, 0.9))
    assert all(gaps[r]["right"] > 0.1 for r in (1.5, 3.0))
    # Each hinted mistake gives a gap that differs from the right one on some reservoir.
    for mistake in checkers_memory._ECHO_HINTS:
        assert any(abs(g[mistake] - g["right"]) > 1e-3 * g["right"] + 1e-6 for g in gaps.values()), mistake


def test_the_echo_checker_leaves_its_reservoirs_as_they_were():
    def spoils(esn, inputs, start):
        esn.weight_hh.zero_()
        start.zero_()
        return my_echo_gap(esn, inputs, start)

    assert not check_echo_test(spoils, timeout=TIMEOUT)
    assert check_echo_test(my_echo_gap, timeout=TIMEOUT)


# ------------------------------------------------------------------------------------------
# every checker, every row


TABLES = {
    "check_clip_grad_norm": (check_clip_grad_norm, CLIP_TABLE),
    "check_clockwork_schedule": (check_clockwork_schedule, SCHEDULE_TABLE),
    "check_echo_test": (check_echo_test, ECHO_TABLE),
}
ROWS = [
    pytest.param(checker, answer, passed, phrase, id=f"{name}: {case}")
    for name, (checker, table) in TABLES.items()
    for case, answer, passed, phrase in table
]
CHECKERS = [pytest.param(checker, id=name) for name, (checker, _) in TABLES.items()]


@pytest.mark.parametrize("checker, answer, passed, phrase", ROWS)
def test_every_checker_judges_every_kind_of_answer(checker, answer, passed, phrase):
    start = time.monotonic()
    verdict = checker(answer, timeout=TIMEOUT)  # never raises
    assert isinstance(verdict, Feedback) and verdict.passed is passed, verdict.message
    assert phrase in verdict.message, verdict.message
    assert time.monotonic() - start < 20 * TIMEOUT  # the loops were stopped, not waited out


@pytest.mark.parametrize("name, table", [(name, table) for name, (_, table) in TABLES.items()])
def test_each_hinted_mistake_has_its_own_phrase(name, table):
    phrases = [phrase for _, _, passed, phrase in table if not passed]
    assert len(phrases) == len(set(phrases)), name


@pytest.mark.parametrize("checker, solution", [
    pytest.param(check_clip_grad_norm, my_clip_grad_norm, id="check_clip_grad_norm"),
    pytest.param(check_clockwork_schedule, my_schedule, id="check_clockwork_schedule"),
    pytest.param(check_echo_test, my_echo_gap, id="check_echo_test"),
])
def test_each_checker_takes_well_under_a_second(checker, solution):
    checker(solution)  # the first call imports and warms up
    start = time.perf_counter()
    assert checker(solution)
    assert time.perf_counter() - start < 1.0


@pytest.mark.parametrize("checker", CHECKERS)
def test_a_student_pressing_stop_is_not_caught(checker):
    def pressed_stop(*args):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        checker(pressed_stop, timeout=TIMEOUT)


@pytest.mark.parametrize("checker", CHECKERS)
@pytest.mark.parametrize("timeout", [0, -1, math.nan, math.inf, "2", None])
def test_a_bad_timeout_is_a_value_error(checker, timeout):
    with pytest.raises(ValueError, match="timeout: expected a positive finite number, got"):
        checker(stub, timeout=timeout)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_answers_computed_on_cuda_pass():
    def echo_on_cuda(esn, inputs, start):
        esn = esn.to("cuda")
        _, a = esn.run(inputs.cuda())
        _, b = esn.run(inputs.cuda(), hx=start.cuda())
        return torch.linalg.vector_norm(a - b)  # a CUDA tensor

    def grads_on_cuda(parameters, max_norm):
        for p in parameters:
            if p.grad is not None:
                p.grad = p.grad.cuda()  # torch refuses a gradient on another device than its parameter
        return 0.0

    assert check_echo_test(echo_on_cuda)
    assert check_clockwork_schedule(lambda periods, steps: clockwork_schedule(periods, steps, device="cuda"))
    assert not check_clip_grad_norm(grads_on_cuda)  # reported, not raised
