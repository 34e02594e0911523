"""Reading a student's answer: any numeric result as float64, or what is wrong with it, in words.

A student's function may return a tensor of any real dtype, a NumPy array, a list or tuple
(nested, of numbers, 0-d tensors or NumPy scalars). :func:`read_numbers` reads all of them as
one float64 tensor, or names the wrong type, the wrong shape, or the NaN and where; the checkers
of chapters 1 to 4 then compare it with :func:`same_values` at a tolerance from
:func:`float_tolerance`, and explain a mismatch with :func:`describe_mismatch`. :func:`read_count`
reads a count (a number of weights, chapters 2 and 3).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .harness import describe_type


@dataclass(frozen=True)
class Numbers:
    """A student's numeric result read as float64 (chapter 1): ``values``, or the ``problem`` in words.

    ``eps`` is the machine epsilon of the coarsest floating type the student's numbers came in
    (0 for integers and Python floats, which carry no dtype of their own), and ``integer``
    whether all of them were integers.
    """

    values: torch.Tensor | None
    problem: str = ""
    eps: float = 0.0
    integer: bool = False


class _Unreadable(Exception):
    pass


_MAX_DEPTH = 16  # nested lists deeper than any exercise's answer (and no self-containing list)
_MAX_POSITIONS = 6  # positions of NaN or inf named in a message; the rest are counted


def describe_expected(shape: tuple[int, ...]) -> str:
    """The expected ``shape`` in words for the checkers of chapter 1: ``()`` → "a single number",
    ``(2,)`` → "a vector of 2 numbers", else "an array of shape (2, 3)"."""
    if len(shape) == 0:
        return "a single number"
    if len(shape) == 1:
        return f"a vector of {shape[0]} number{'s' if shape[0] != 1 else ''}"
    return f"an array of shape {tuple(shape)}"


def read_numbers(value, shape: tuple[int, ...], meaning: str = "") -> Numbers:
    """Read a student's numeric ``value`` (a tensor of any real dtype, a NumPy array, a number,
    a list or tuple, nested) as a float64 tensor of ``shape``.

    ``meaning`` says what the numbers are ("the new memory"). The ``problem`` of the returned
    :class:`Numbers` names a wrong type, a wrong shape, or NaN or inf and where (chapter 1). It
    never raises: whatever the student returned, the problem is described instead.
    """
    what = describe_expected(shape) + (f" — {meaning} —" if meaning else ",")
    try:
        values, eps, integer = _to_float64(value, 0)
    except _Unreadable as reason:
        return Numbers(
            None,
            f"expected {describe_expected(shape)}{f' ({meaning})' if meaning else ''} in a torch "
            f"tensor, a NumPy array or a list, got {reason}.",
        )
    except Exception as exc:  # a tensor subclass or a huge integer of the student's making
        return Numbers(None, f"the checker could not read your result as numbers: {type(exc).__name__}: {exc}.")
    if tuple(values.shape) != tuple(shape):
        given = "a single number" if values.dim() == 0 else f"shape {tuple(values.shape)}"
        return Numbers(None, f"expected {what} got {given}.", eps, integer)
    for bad, test in (("NaN", torch.isnan), ("inf", torch.isinf)):
        where = test(values).nonzero().tolist()
        if where:
            positions = ", ".join(str(p[0] if len(p) == 1 else tuple(p)) for p in where[:_MAX_POSITIONS])
            if len(where) > _MAX_POSITIONS:
                positions += f" … ({len(where)} in all)"
            plural = "s" if len(where) > 1 else ""
            return Numbers(None, f"your result contains {bad} at position{plural} {positions}.", eps, integer)
    return Numbers(values, "", eps, integer)


def _to_float64(value, depth: int) -> tuple[torch.Tensor, float, bool]:
    """``value`` as float64, with the epsilon of its coarsest float type and whether all were ints."""
    if depth > _MAX_DEPTH:
        raise _Unreadable(f"lists nested more than {_MAX_DEPTH} deep")
    if isinstance(value, torch.Tensor):
        if value.is_complex() or value.dtype == torch.bool:
            raise _Unreadable(describe_type(value))
        floating = value.is_floating_point()
        eps = torch.finfo(value.dtype).eps if floating else 0.0
        return value.detach().to("cpu", torch.float64), eps, not floating
    if isinstance(value, (np.ndarray, np.generic)):
        array = np.asarray(value)
        if array.dtype.kind not in "fiu":
            raise _Unreadable(describe_type(array) if isinstance(value, np.ndarray) else describe_type(value))
        floating = array.dtype.kind == "f"
        eps = float(np.finfo(array.dtype).eps) if floating else 0.0
        return torch.from_numpy(array.astype(np.float64)), eps, not floating
    if isinstance(value, bool) or not isinstance(value, (int, float, list, tuple)):
        raise _Unreadable(describe_type(value))
    if isinstance(value, int):
        return torch.tensor(float(value), dtype=torch.float64), 0.0, True
    if isinstance(value, float):
        return torch.tensor(value, dtype=torch.float64), 0.0, False
    parts = [_to_float64(item, depth + 1) for item in value]
    shapes = {tuple(p[0].shape) for p in parts}
    if len(shapes) > 1:
        raise _Unreadable(f"a {type(value).__name__} whose items have different shapes {sorted(shapes)}")
    if not parts:
        return torch.zeros(0, dtype=torch.float64), 0.0, False
    stacked = torch.stack([p[0] for p in parts])
    return stacked, max(p[1] for p in parts), all(p[2] for p in parts)


def same_values(given: torch.Tensor, expected: torch.Tensor, tolerance: torch.Tensor | float) -> bool:
    """Whether every ``|given - expected| <= tolerance``, for float64 tensors of the same shape
    and a tolerance that broadcasts to it (chapter 1)."""
    return bool(((given - expected).abs() <= tolerance).all())


def describe_mismatch(given: Numbers, expected: torch.Tensor, tolerance: torch.Tensor | float) -> str:
    """A wrong answer in words (chapter 1): both vectors, the largest difference with its position
    and tolerance, and a hint when the student's numbers were integers."""
    difference = (given.values - expected).abs()
    worst = int(difference.argmax()) if difference.numel() else 0
    tol = torch.as_tensor(tolerance, dtype=torch.float64).expand_as(expected).flatten()
    text = (
        f"expected {_numbers(expected)}, got {_numbers(given.values)} (largest difference "
        f"{float(difference.flatten()[worst]):.2g} at position {worst}, tolerance "
        f"{float(tol[worst]):.2g})."
    )
    if given.integer:
        text += (
            " Your result holds whole numbers, so the fractions were lost: make it a "
            "floating-point tensor, e.g. with torch.zeros(n), not torch.tensor([0, 0])."
        )
    return text


def _numbers(values: torch.Tensor) -> str:
    flat = ", ".join(f"{v:.6g}" for v in values.flatten().tolist())
    return f"[{flat}]"


def float_tolerance(eps: float, terms: int, scale: torch.Tensor | float) -> torch.Tensor | float:
    """How far a correct answer may be from the exact one when computed at machine epsilon ``eps``.

    ``terms · eps · (1 + scale)``, with ``scale`` the sum of the terms' sizes: twice the classical
    bound ``terms · eps/2 · scale`` of a sum of products, leaving room for the rounding of a final
    nonlinearity and of the result itself (chapter 1).
    """
    return terms * eps * (1 + scale)


def read_count(value, meaning: str) -> tuple[int | None, str]:
    """A student's count (chapters 2 and 3: a number of weights) as an ``int``, or what is wrong.

    Any whole number is accepted: a Python or NumPy integer, a float such as ``1234.0``, a 0-d
    tensor or array. Returns ``(count, "")``, or ``(None, problem)``, the problem a sentence
    about the student's result (a wrong type, several numbers, NaN, a fraction). Never raises.
    """
    read = read_numbers(value, (), meaning)
    if read.values is None:
        if read.problem.startswith("your result contains"):  # NaN or inf: said of the count
            bad = "NaN" if "NaN" in read.problem else "inf"
            return None, f"your function returned {bad}, not {meaning}."
        return None, read.problem
    number = float(read.values)
    if number != round(number):
        return None, f"your function returned {number:g}, which is not a whole number: {meaning} is a count."
    return int(round(number)), ""
