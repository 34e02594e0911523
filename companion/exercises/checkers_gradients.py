"""The checker of chapter 5's coding exercise on gradients: clipping torch gradients by their global norm.

Each checker returns a :class:`~companion.exercises.harness.Feedback`, runs the student's code
through :func:`~companion.exercises.harness.run_student` (a time limit, every exception
reported) and compares in float64 with the companion's own functions:
:func:`~companion.training.clip_grad_norm`. The exercises on memory are checked in
:mod:`~companion.exercises.checkers_memory`.
"""
from __future__ import annotations

import math
from typing import Callable

import torch
from torch import nn

from .answers import read_numbers
from .harness import DEFAULT_TIMEOUT, Feedback, require_timeout, run_student

# Relative: torch.nn.utils.clip_grad_norm_, which divides by the norm + 1e-6, passes too.
CLIP_LIMIT = 1e-6


# --- clipping by the global norm --------------------------------------------------------------


def _clip_cases() -> list[tuple[str, list[torch.Tensor | None], float]]:
    """(what the case tests, each parameter's gradient or ``None``, max_norm): chapter 4's example first."""
    generator = torch.Generator().manual_seed(0)
    drawn = [3 * torch.randn(*shape, generator=generator, dtype=torch.float64)
             for shape in ((4, 3), (4, 4), (4,), (3, 4), (3,), (2, 3), (2,))]
    example = [torch.full((3, 3), 2.0, dtype=torch.float64), torch.ones(3, dtype=torch.float64)]
    return [
        ("above the threshold", example, 1.0),
        ("below the threshold", example, 10.0),
        ("five parameters of several shapes", drawn[:5], 2.5),
        ("a parameter whose .grad is None", [drawn[5], None, drawn[6]], 1.0),
        ("all zeros", [torch.zeros(2, 3, dtype=torch.float64), torch.zeros(2, dtype=torch.float64)], 1.0),
    ]


def _parameters(grads: list[torch.Tensor | None], seed: int) -> list[nn.Parameter]:
    """Parameters drawn from ``seed`` with copies of these ``.grad``; one without a gradient is ``(3,)``."""
    generator = torch.Generator().manual_seed(seed)
    parameters = [nn.Parameter(torch.randn(*(g.shape if g is not None else (3,)), generator=generator,
                                           dtype=torch.float64)) for g in grads]
    for parameter, grad in zip(parameters, grads):
        parameter.grad = None if grad is None else grad.clone()
    return parameters


def _norm(tensors) -> float:
    return math.sqrt(sum(float(t.detach().square().sum()) for t in tensors))


def _clip_mistakes(grads: list, values: list[torch.Tensor], max_norm: float) -> list[tuple[list, str]]:
    """(the gradients a classic mistake gives, the hint that names it)."""
    norm = _norm(g for g in grads if g is not None)
    weights = _norm(v for v, g in zip(values, grads) if g is not None)

    def each(change) -> list:
        return [None if g is None else change(g) for g in grads]

    return [
        (each(lambda g: g * min(1.0, max_norm / _norm([g])) if _norm([g]) > 0 else g),
         "you rescaled each parameter's gradient by its own norm; the rule uses one global norm over all "
         "of them together, so that the whole gradient keeps its direction."),
        (each(lambda g: g.clamp(-max_norm, max_norm)),
         "you clipped each entry to [-max_norm, max_norm] (clipping by value, clip_grad_value_); the rule "
         "rescales all gradients by one factor, min(1, max_norm / ‖g‖)."),
        (each(lambda g: g * (max_norm / norm if norm > 0 else 1.0)),
         "you rescaled to max_norm even though the norm was below it: gradients below the threshold stay "
         "as they are."),
        (each(lambda g: g * (min(1.0, max_norm / norm ** 2) if norm > 0 else 1.0)),
         "you divided by the sum of squares; the norm is its square root, ‖g‖ = sqrt(Σ g²)."),
        (each(lambda g: g * min(1.0, max_norm / weights)),
         "you took the norm of the parameters themselves; the rule takes the norm of their gradients, p.grad."),
    ]


def _raised_hint(problem: str, case: str) -> str:
    """What to look at when the student's clipping raised ``problem`` on ``case``."""
    if "leaf Variable" in problem:
        return "You changed a parameter itself in place; clipping changes its gradient, p.grad."
    if case == "all zeros":
        return ("When every gradient is zero the norm is 0: rescale only when the norm is above max_norm, "
                "and nothing divides by zero.")
    if case.startswith("a parameter whose"):
        return ("A parameter whose .grad is None took no part in the loss: skip it, as torch's "
                "clip_grad_norm_ does ([p.grad for p in parameters if p.grad is not None]).")
    return "parameters is a list of tensors; each one's gradient is p.grad, a tensor of its shape."


def _check_clip_case(my_clip_grad_norm: Callable, case: str, grads: list, max_norm: float,
                     seed: int, timeout: float) -> Feedback | None:
    """The verdict on one case, or ``None`` when the student's clipping is right there."""
    where = f"{case} (max_norm = {max_norm:g})"
    # Imported here: the package companion.training loads the metrics' libraries, a second more for every
    # notebook that imports a checker.
    from ..training.clipping import clip_grad_norm

    students, reference = _parameters(grads, seed), _parameters(grads, seed)
    before = [p.detach().clone() for p in students]
    norm = clip_grad_norm(reference, max_norm)
    expected = [p.grad for p in reference]
    outcome = run_student(my_clip_grad_norm, list(students), max_norm, timeout=timeout)
    if not outcome.returned:
        return outcome.feedback(f"{where}:", hint_if_raised=_raised_hint(outcome.problem, case))
    if any(not torch.equal(p.detach(), b) for p, b in zip(students, before)):
        return Feedback(False, f"{where}: your function changed the parameters themselves; clipping rescales "
                               "their gradients, p.grad, and leaves the parameters to the optimizer's step.")
    given = []
    for index, (parameter, want) in enumerate(zip(students, expected), start=1):
        if want is None and parameter.grad is not None:
            return Feedback(False, f"{where}: the .grad of parameter {index} was None and must stay None (torch's "
                                   "clip_grad_norm_ skips such a parameter); your function gave it one.")
        read = None if want is None else read_numbers(parameter.grad, tuple(want.shape), "the gradient")
        if read is not None and read.values is None:
            zero = " " + _raised_hint("", case) if case == "all zeros" and "NaN" in read.problem else ""
            return Feedback(False, f"{where}: parameter {index}'s .grad after your function: {read.problem}{zero}")
        given.append(None if read is None else read.values)
    tolerance = CLIP_LIMIT * max(float(g.abs().max()) for g in expected if g is not None)

    def same(wrong: list) -> bool:
        return all(a is None or float((a - b).abs().max()) <= tolerance for a, b in zip(given, wrong))

    if not same(expected):
        if same(grads):
            if _holds_tensors(outcome.value):
                return Feedback(False, f"{where}: your function returned new tensors and left each .grad as it "
                                       "was. The optimizer reads p.grad: rescale it in place (p.grad.mul_(scale)) "
                                       "and return the norm before clipping.")
            return Feedback(False, f"{where}: the gradients were left as they were, but their global norm "
                                   f"{norm:.4g} is above max_norm, so each .grad must be multiplied by "
                                   f"{max_norm / norm:.4g}, in place.")
        for wrong, hint in _clip_mistakes(grads, before, max_norm):
            if same(wrong):
                return Feedback(False, f"{where}: {hint}")
        factor = min(1.0, max_norm / norm) if norm > 0 else 1.0
        return Feedback(False, f"{where}: the global norm is {norm:.4g}, so every gradient should be multiplied by "
                               f"{factor:.4g}; yours were not.")
    return _check_returned_norm(outcome.value, norm, max_norm, where)


def _holds_tensors(value) -> bool:
    return isinstance(value, (list, tuple)) and any(isinstance(v, torch.Tensor) for v in value)


def _check_returned_norm(value, norm: float, max_norm: float, where: str) -> Feedback | None:
    """The verdict on the number returned with right gradients, or ``None`` when it is the norm before clipping."""
    right = f"{where}: the gradients are right, but "
    if value is None:
        return Feedback(False, f"{right}your function returned None: return the global norm before clipping, as "
                               "torch.nn.utils.clip_grad_norm_ does (its average over training is how Pascanu et "
                               "al. choose the threshold).")
    if _holds_tensors(value):
        return Feedback(False, f"{right}you returned them; return one number, the global norm before clipping.")
    read = read_numbers(value, (), "the norm before clipping")
    if read.values is None:
        return Feedback(False, f"{right}the returned value: {read.problem}")
    given = float(read.values)
    for wrong, text in ((norm, ""),
                        (min(norm, max_norm), f"you returned the norm after clipping, {given:.4g}; return the norm "
                                              f"before, {norm:.4g}: it says how far above the threshold it was."),
                        (norm ** 2, f"you returned the sum of squares, {given:.4g}; the norm is its square root, "
                                    f"{norm:.4g}.")):
        if abs(given - wrong) <= CLIP_LIMIT * abs(wrong):
            return Feedback(False, f"{where}: {text}") if text else None
    return Feedback(False, f"{right}the returned norm is {given:.4g}; the global norm before clipping is {norm:.4g}.")


def check_clip_grad_norm(my_clip_grad_norm: Callable, *, timeout: float = DEFAULT_TIMEOUT) -> Feedback:
    r"""Chapter 5, exercise "Clipping torch gradients": ``my_clip_grad_norm(parameters, max_norm)`` must rescale the gradients in place and return their norm.

    .. math::  \lVert g \rVert = \sqrt{\textstyle\sum_p \sum_i (\partial L / \partial p_i)^2},
               \qquad \text{if } \lVert g \rVert > \tau: \quad
               g \leftarrow \frac{\tau}{\lVert g \rVert}\, g

    (Pascanu, Mikolov & Bengio 2013, Algorithm 1, with :math:`\tau` = ``max_norm``). The
    exercise: write ``my_clip_grad_norm(parameters, max_norm)``, where ``parameters`` is a list
    of tensors (``list(model.parameters())``) whose gradients are in ``p.grad``; skip a
    parameter whose ``.grad`` is ``None``; multiply every gradient by the same factor, in place,
    when their global norm is above ``max_norm``, leave them as they are otherwise; and return
    the global norm *before* clipping, one number, as ``torch.nn.utils.clip_grad_norm_`` does.

    Five cases of float64 parameters: chapter 4's example above the threshold, then below it,
    five shapes, a ``.grad`` that is ``None``, all zeros. Every ``p.grad`` (``p.grad = p.grad *
    scale`` counts too) and the number returned are compared with
    :func:`~companion.training.clip_grad_norm` to a relative :math:`10^{-6}` (so torch's
    function, which adds :math:`10^{-6}` to the norm, passes). Hints name each gradient clipped
    by its own norm, clipping by value, rescaling below the threshold, no square root, the
    parameters' norm, the parameters changed, ``None`` not skipped or filled in, new tensors
    returned with ``.grad`` untouched, and the norm after clipping, its square or nothing
    returned. Each call may take ``timeout`` seconds. Raises ``ValueError`` for a bad
    ``timeout`` only.
    """
    timeout = require_timeout(timeout)
    cases = _clip_cases()
    for seed, (case, grads, max_norm) in enumerate(cases):
        verdict = _check_clip_case(my_clip_grad_norm, case, grads, max_norm, seed, timeout)
        if verdict is not None:
            return verdict
    return Feedback(True, f"your clipping agrees with the companion's clip_grad_norm on {len(cases)} cases: above "
                          "the threshold, below it (unchanged), five parameters of several shapes, one whose "
                          ".grad is None (skipped) and all zeros; it rescales each .grad and returns the norm "
                          "before clipping.")
