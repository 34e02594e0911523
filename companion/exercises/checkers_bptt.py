"""The checkers of chapter 4's coding exercises: BPTT for the Jordan network, and clipping the gradient by its global norm.

The student writes NumPy, as chapter 4 does; the checkers compute their references with torch in
float64 (autograd for the Jordan network's gradients, ``torch.nn.utils.clip_grad_norm_`` for the
clipping), which :mod:`companion.bptt` itself never imports. Each checker returns a
:class:`~companion.exercises.harness.Feedback` and runs the student's code through
:func:`~companion.exercises.harness.run_student`.
"""
from __future__ import annotations

import copy
import warnings
from collections.abc import Mapping
from typing import Callable

import numpy as np
import torch

from .._checks import require_non_negative_int
from ..bptt import relative_error
from .answers import read_numbers
from .harness import DEFAULT_TIMEOUT, Feedback, describe_type, require_timeout, run_student

JORDAN_CASES = ((3, 4, 1), (6, 5, 12), (4, 3, 7))  # (hidden H, characters O, steps T): one step first
JORDAN_NAMES = ("U", "W", "b", "V", "c")
JORDAN_LIMIT = 1e-7  # the largest relative error (4.13) of a float64 gradient that counts as right


def _jordan_shapes(hidden: int, outputs: int) -> dict[str, tuple[int, ...]]:
    return {"U": (hidden, outputs), "W": (hidden, outputs), "b": (hidden,), "V": (outputs, hidden), "c": (outputs,)}


def _autograd_jordan(params: dict, inputs, targets, cut_feedback: bool = False) -> dict[str, np.ndarray]:
    """The Jordan network's gradients by torch's autograd in float64; ``cut_feedback`` stops them at ŷ_{t-1}."""
    tensors = {name: torch.tensor(array, dtype=torch.float64, requires_grad=True) for name, array in params.items()}
    U, W, b, V, c = (tensors[name] for name in JORDAN_NAMES)
    fed_back = torch.zeros(len(c), dtype=torch.float64)  # ŷ_0 = 0
    loss = torch.zeros((), dtype=torch.float64)
    for x, y in zip(inputs, targets):
        h = torch.tanh(U[:, int(x)] + W @ fed_back + b)
        scores = V @ h + c
        loss = loss - torch.log_softmax(scores, dim=0)[int(y)]
        fed_back = torch.softmax(scores, dim=0)
        if cut_feedback:
            fed_back = fed_back.detach()
    loss.backward()
    return {name: tensor.grad.numpy() for name, tensor in tensors.items()}


def _numpy_jordan_mistake(params: dict, inputs, targets, mistake: str) -> dict[str, np.ndarray]:
    """The gradients of chapter 4's solution with one classic ``mistake``: ``"no softmax jacobian"``
    (what comes back from step t+1 is added to ∂L/∂o_t as it is) or ``"w uses the output"`` (∂L/∂W
    sums e_t ŷ_t^T instead of e_t ŷ_{t-1}^T)."""
    U, W, b, V, c = (params[name] for name in JORDAN_NAMES)
    hidden, fed_back = [], [np.zeros(len(c))]
    for x in inputs:
        hidden.append(np.tanh(U[:, x] + W @ fed_back[-1] + b))
        scores = V @ hidden[-1] + c
        exp = np.exp(scores - scores.max())
        fed_back.append(exp / exp.sum())
    grads = {name: np.zeros_like(array) for name, array in params.items()}
    from_next = np.zeros(len(c))
    for t in range(len(inputs) - 1, -1, -1):
        y_hat = fed_back[t + 1]
        dL_do = y_hat - np.eye(len(c))[targets[t]]
        if mistake == "no softmax jacobian":
            dL_do = dL_do + from_next
        else:
            dL_do = dL_do + y_hat * (from_next - y_hat @ from_next)
        e = (1.0 - hidden[t] ** 2) * (V.T @ dL_do)
        grads["V"] += np.outer(dL_do, hidden[t])
        grads["c"] += dL_do
        grads["W"] += np.outer(e, fed_back[t + 1] if mistake == "w uses the output" else fed_back[t])
        grads["U"][:, inputs[t]] += e
        grads["b"] += e
        from_next = W.T @ e
    return grads


_JORDAN_MISTAKES = (
    ("cut", "These are the gradients with no path back through the fed-back ŷ_{t-1}: ∂L/∂o_t must also "
            "receive what step t+1 sends back, W^T e_{t+1}, through the softmax's Jacobian; only then do W, U "
            "and b learn from later steps."),
    ("no softmax jacobian", "These are the gradients with what step t+1 sends back, δ^y_t = W^T e_{t+1}, added "
                            "to ∂L/∂o_t as it is: it reaches ŷ_t, and must pass the softmax's Jacobian to reach "
                            "o_t, ŷ_t ⊙ (δ^y_t - (ŷ_t · δ^y_t) 1)."),
    ("w uses the output", "Your ∂L/∂W sums e_t ŷ_t^T, with the distribution step t outputs; it should sum "
                          "e_t ŷ_{t-1}^T, with the one fed into step t."),
)


def _and(words: list[str]) -> str:
    """``["U", "W", "b"]`` → ``"U, W and b"``."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _read_gradients(value, shapes: dict[str, tuple[int, ...]], what: str):
    """The student's dict of arrays as float64 tensors by name, or the problem in words."""
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], Mapping):
        return None, (f"you returned a pair, as clip_by_global_norm does; {what} returns the dict of "
                      "arrays only."), 0.0
    if not isinstance(value, Mapping):
        return None, (f"expected a dict of arrays by name, {{{', '.join(repr(n) + ': ...' for n in shapes)}}}, "
                      f"got {describe_type(value)}."), 0.0
    missing = [name for name in shapes if name not in value]
    if missing:
        return None, f"your dict has no {', '.join(repr(n) for n in missing)} (its keys: {sorted(map(str, value))}).", 0.0
    read, eps = {}, 0.0
    for name, shape in shapes.items():
        numbers = read_numbers(value[name], shape, f"{what}[{name!r}]")
        if numbers.values is None:
            return None, f"{name!r}: {numbers.problem}", 0.0
        read[name], eps = numbers.values, max(eps, numbers.eps)
    return read, "", eps


def check_jordan_gradients(jordan_gradients: Callable, seed: int = 0, *, timeout: float = DEFAULT_TIMEOUT) -> Feedback:
    r"""Chapter 4, exercise "BPTT for the Jordan network": ``jordan_gradients(params, inputs, targets)`` must return every gradient of the loss.

    .. math::
        h_t &= \tanh(U x_t + W \hat y_{t-1} + b), \quad o_t = V h_t + c,

        \hat y_t &= \mathrm{softmax}(o_t), \quad \hat y_0 = 0, \quad
        L = -\textstyle\sum_t \log \hat y_{t, y_t}

    ``params`` is a dict of NumPy float64 arrays ``U`` ``(H, O)``, ``W`` ``(H, O)``, ``b``
    ``(H,)``, ``V`` ``(O, H)``, ``c`` ``(O,)``, drawn from ``seed``; ``inputs`` and ``targets``
    are NumPy arrays of character ids (so :math:`U x_t` is column ``x_t`` of ``U``). The
    answer, a dict of arrays by the same names, is compared with torch's autograd in float64 on
    three sequences, of 1, 12 and 7 characters, by the relative error (4.13); more than
    :math:`10^{-7}` (float64 answers) is wrong. Feedback names each wrong gradient with its
    relative error, and hints when the path through the fed-back :math:`\hat y_{t-1}` is
    missing (right for one step only), when it skips the softmax's Jacobian, or when
    :math:`\partial L / \partial W` uses :math:`\hat y_t`. Each call may take ``timeout``
    seconds. Raises ``ValueError`` for a bad ``seed`` or ``timeout`` only.
    """
    rng = np.random.default_rng(require_non_negative_int("seed", seed))
    timeout = require_timeout(timeout)
    one_step_right = False
    for hidden, outputs, steps in JORDAN_CASES:
        shapes = _jordan_shapes(hidden, outputs)
        params = {name: rng.normal(size=shape) for name, shape in shapes.items()}
        inputs, targets = rng.integers(0, outputs, size=(2, steps))
        expected = _autograd_jordan(params, inputs, targets)
        where = f"with H = {hidden}, O = {outputs} and a sequence of {steps} character{'s' * (steps > 1)}"
        # Copies: a student's function that changes the arrays in place must not change the checker's.
        outcome = run_student(jordan_gradients, copy.deepcopy(params), inputs.copy(), targets.copy(), timeout=timeout)
        if not outcome.returned:
            return outcome.feedback(where)
        given, problem, eps = _read_gradients(outcome.value, shapes, "jordan_gradients")
        if problem:
            return Feedback(False, f"{where}: {problem}")
        if eps > torch.finfo(torch.float32).eps:
            return Feedback(False, f"{where}: your gradients are in half precision; compute them in float64, "
                                   "NumPy's default.")
        limit = max(JORDAN_LIMIT, 1e3 * eps)  # float32 answers are judged at float32's precision
        errors = {name: relative_error(given[name].numpy(), expected[name]) for name in JORDAN_NAMES}
        wrong = [name for name in JORDAN_NAMES if errors[name] > limit]
        if not wrong:
            one_step_right = one_step_right or steps == 1
            continue
        right = [name for name in JORDAN_NAMES if name not in wrong]
        several = len(wrong) > 1
        text = (f"{where}, the gradient{'s' * several} of {_and(wrong)} {'are' if several else 'is'} wrong "
                f"(relative error{'s' * several} {_and([f'{errors[name]:.2g}' for name in wrong])})"
                + (f"; {'those' if len(right) > 1 else 'that'} of {_and(right)} {'are' if len(right) > 1 else 'is'} right."
                   if right else "."))
        if all(relative_error(given[n].numpy(), -expected[n]) <= limit for n in JORDAN_NAMES):
            return Feedback(False, f"{text} Your gradients have the opposite sign: the derivative of the loss, "
                                   "not of the log-probability.")
        for mistake, hint in _JORDAN_MISTAKES:
            if mistake == "cut":
                variant = _autograd_jordan(params, inputs, targets, cut_feedback=True)
            else:
                variant = _numpy_jordan_mistake(params, inputs, targets, mistake)
            if all(relative_error(given[n].numpy(), variant[n]) <= limit for n in JORDAN_NAMES):
                return Feedback(False, f"{text} {hint}")
        if one_step_right and steps > 1:
            return Feedback(False, f"{text} They were right for a sequence of one character, so look at the path "
                                   "through time: from step t+1 back through ŷ_t and the softmax to o_t.")
        return Feedback(False, text)
    return Feedback(True, f"all five gradients agree with torch's autograd on {len(JORDAN_CASES)} sequences "
                          f"(of {', '.join(str(case[2]) for case in JORDAN_CASES)} characters), to a relative "
                          f"error below {JORDAN_LIMIT:g}.")


def _clip_cases() -> list[tuple[str, dict, float]]:
    """(what the case tests, the gradients, max_norm): the chapter's example first."""
    rng = np.random.default_rng(0)
    sizes = {"U": (4, 3), "W": (4, 4), "b": (4,), "V": (3, 4), "c": (3,)}
    return [
        ("above the threshold", {"W": np.full((3, 3), 2.0), "b": np.ones(3)}, 1.0),
        ("below the threshold", {"W": np.full((3, 3), 2.0), "b": np.ones(3)}, 10.0),
        ("all zeros", {"W": np.zeros((2, 3)), "b": np.zeros(2)}, 1.0),
        ("five arrays of several shapes", {name: 3 * rng.normal(size=shape) for name, shape in sizes.items()}, 2.5),
    ]


def _torch_clip(grads: dict, max_norm: float) -> dict[str, torch.Tensor]:
    """``grads`` clipped by ``torch.nn.utils.clip_grad_norm_`` in float64 (which adds 1e-6 to the norm)."""
    tensors = {name: torch.zeros(array.shape, dtype=torch.float64, requires_grad=True) for name, array in grads.items()}
    for name, tensor in tensors.items():
        tensor.grad = torch.tensor(grads[name], dtype=torch.float64)
    torch.nn.utils.clip_grad_norm_(list(tensors.values()), max_norm)
    return {name: tensor.grad for name, tensor in tensors.items()}


def _clip_mistakes(grads: dict, max_norm: float) -> list[tuple[dict, str]]:
    norm = np.sqrt(sum(np.sum(g ** 2) for g in grads.values()))

    def own(g):
        g_norm = np.sqrt(np.sum(g ** 2))
        return g * min(1.0, max_norm / g_norm) if g_norm > 0 else g

    return [
        ({n: own(g) for n, g in grads.items()}, "you rescaled each array by its own norm; the rule uses one global "
                                                "norm over all arrays together, so that the whole gradient keeps "
                                                "its direction."),
        ({n: np.clip(g, -max_norm, max_norm) for n, g in grads.items()},
         "you clipped each entry to [-max_norm, max_norm] (clipping by value, as min-char-rnn does); the rule "
         "rescales all arrays by one factor, min(1, max_norm / ‖g‖)."),
        ({n: g * (max_norm / norm if norm > 0 else 1.0) for n, g in grads.items()},
         "you rescaled to max_norm even though the norm was below it: the factor is min(1, max_norm / ‖g‖), "
         "so gradients below the threshold stay as they are."),
        ({n: g * (min(1.0, max_norm / norm ** 2) if norm > 0 else 1.0) for n, g in grads.items()},
         "you divided by the sum of squares; the norm is its square root, ‖g‖ = sqrt(Σ g²)."),
    ]


def _call_quietly(function, *args):
    """Call the student's clipping without NumPy's warnings for 0 / 0 (the checker reports the NaN)."""
    with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return function(*args)


ZERO_NORM_HINT = ("When every gradient is zero the norm is 0 and max_norm / norm divides by zero: leave the "
                  "gradients as they are when the norm is 0.")


def check_clip(my_clip: Callable, *, timeout: float = DEFAULT_TIMEOUT) -> Feedback:
    r"""Chapter 4, exercise "Clipping the gradient": ``my_clip(grads, max_norm)`` must rescale a dict of arrays by their global norm.

    .. math::  g \leftarrow g \cdot \min\Big(1, \frac{\tau}{\|g\|}\Big), \qquad
               \|g\| = \sqrt{\textstyle\sum_{\text{arrays}} \sum g^2}

    (equation (4.16)). Four cases, each a dict of NumPy float64 arrays: the chapter's example,
    above the threshold; the same below it (unchanged); all zeros (unchanged, no NaN); five
    arrays of several shapes. The answer, a new dict of arrays by the same names, is compared
    with ``torch.nn.utils.clip_grad_norm_`` in float64 (to a relative 1e-6, the 1e-6 torch adds
    to the norm). Feedback names a change made in place (the exercise asks for a new dict),
    clipping each array by its own norm, clipping by value, rescaling below the threshold, a
    missing square root and the NaN of a zero norm. Each call may take ``timeout`` seconds.
    Raises ``ValueError`` for a bad ``timeout`` only.
    """
    timeout = require_timeout(timeout)
    if not callable(my_clip):
        return run_student(my_clip, timeout=timeout).feedback("")  # the harness's words for it
    cases = _clip_cases()
    for case, grads, max_norm in cases:
        where = f"{case} (max_norm = {max_norm:g})"
        students = copy.deepcopy(grads)
        outcome = run_student(_call_quietly, my_clip, students, max_norm, timeout=timeout)
        if not outcome.returned:
            feedback = outcome.feedback(f"{where}:")
            zero = case == "all zeros" and outcome.kind == "raised"
            return Feedback(False, f"{feedback.message} {ZERO_NORM_HINT}") if zero else feedback
        changed = [name for name in grads if not np.array_equal(np.asarray(students.get(name)), grads[name])]
        if changed or set(students) != set(grads):
            return Feedback(False, f"{where}: your function changed the dict it was given in place"
                                   f"{' (' + ', '.join(repr(n) for n in changed) + ')' if changed else ''}. Return a "
                                   "new dict of new arrays, e.g. {name: g * scale for name, g in grads.items()}: the "
                                   "caller may still need the gradients as they were.")
        shapes = {name: array.shape for name, array in grads.items()}
        given, problem, eps = _read_gradients(outcome.value, shapes, "my_clip")
        if problem:
            zero = case == "all zeros" and "NaN" in problem
            return Feedback(False, f"{where}: {problem}{' ' + ZERO_NORM_HINT if zero else ''}")
        expected = _torch_clip(grads, max_norm)
        largest = max(float(t.abs().max()) for t in expected.values())
        tolerance = (1e-6 + 16 * eps) * largest
        if all(float((given[n] - expected[n]).abs().max()) <= tolerance for n in grads):
            continue
        for wrong, hint in _clip_mistakes(grads, max_norm):
            if all(float((given[n] - torch.from_numpy(np.asarray(wrong[n], dtype=np.float64))).abs().max())
                   <= tolerance for n in grads):
                return Feedback(False, f"{where}: {hint}")
        worst = max(grads, key=lambda n: float((given[n] - expected[n]).abs().max()))
        norm = float(np.sqrt(sum(np.sum(g ** 2) for g in grads.values())))
        return Feedback(False, f"{where}: the global norm is {norm:.4g}, so every array should be multiplied by "
                               f"{min(1.0, max_norm / norm) if norm else 1.0:.4g}; {worst!r} is off by up to "
                               f"{float((given[worst] - expected[worst]).abs().max()):.2g}.")
    return Feedback(True, f"your clipping agrees with torch.nn.utils.clip_grad_norm_ on {len(cases)} cases: above the "
                          "threshold, below it (unchanged), all zeros (no NaN) and five arrays of several shapes, "
                          "and it leaves its input as it was.")
