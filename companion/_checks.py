"""Plain argument checks shared by the whole package: numbers, choices, finite training values.

Every public function of the companion rejects bad input with a ``ValueError`` that names the
argument, says what was expected and shows what was given. Nothing is silently truncated,
padded, cast or reshaped. This module imports neither torch nor NumPy, so that the NumPy code of
chapter 4 (:mod:`companion.bptt`) and the progress bars can use it without loading torch; the
checks of torch tensors live in ``companion._validate``.

Integers are ``numbers.Integral`` and real numbers ``numbers.Real``, so NumPy scalars such as
``np.int64(3)`` are accepted like Python numbers; ``bool`` is rejected although Python counts it
as an integer.
"""
from __future__ import annotations

import math
import numbers
from typing import Iterable, Sequence

# What to try when training produces NaN or inf: the words of every trainer's error.
DIVERGENCE_ADVICE = "lower the learning rate, clip gradients, or look for NaN/inf in the inputs"


def is_integer(value) -> bool:
    """Whether ``value`` is an integer (a NumPy one too) and not a ``bool``."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def is_real(value) -> bool:
    """Whether ``value`` is a real number (a NumPy one too) and not a ``bool``."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def require_positive_int(name: str, value) -> int:
    """``value`` as an ``int`` if it is an integer ≥ 1.

    Raises ``ValueError`` naming ``name`` otherwise.
    """
    if not is_integer(value) or value < 1:
        raise ValueError(f"{name}: expected a positive integer, got {value!r}")
    return int(value)


def require_non_negative_int(name: str, value, meaning_of_zero: str = "") -> int:
    """``value`` as an ``int`` if it is an integer ≥ 0; ``meaning_of_zero`` goes into the message.

    Raises ``ValueError`` naming ``name`` otherwise.
    """
    if not is_integer(value) or value < 0:
        zero = f" (0: {meaning_of_zero})" if meaning_of_zero else ""
        raise ValueError(f"{name}: expected a non-negative integer{zero}, got {value!r}")
    return int(value)


def require_positive_float(name: str, value) -> float:
    """``value`` as a ``float`` if it is a real number, finite and > 0 (a learning rate, a norm).

    Raises ``ValueError`` naming ``name`` otherwise, for NaN and inf too.
    """
    if not is_real(value) or not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name}: expected a positive finite number, got {value!r}")
    return float(value)


def require_choice(name: str, value, choices: Sequence) -> None:
    """Raises ``ValueError`` naming ``name`` and listing ``choices`` if ``value`` is not one of them."""
    if value not in choices:
        raise ValueError(
            f"{name}: expected one of {', '.join(repr(c) for c in choices)}, got {value!r}"
        )


def require_str_list(name: str, value, what: str) -> list[str]:
    """``value`` as a list, if it is a non-empty sequence of strings (each a ``what``: word, token, text...)."""
    if isinstance(value, str) or not isinstance(value, Sequence) or not value:
        raise ValueError(f"{name}: expected a non-empty list of {what}s (str), got {type(value).__name__}: {value!r:.60}")
    for i, item in enumerate(value):
        if not isinstance(item, str):
            raise ValueError(f"{name}[{i}]: expected a {what} (a str), got {type(item).__name__}: {item!r:.40}")
    return list(value)


def require_finite_loss_value(value: float, where: str) -> float:
    """``value``, the loss of a training step, if it is finite; ``where`` says which step.

    Raises ``ValueError`` saying where the loss became NaN or inf and what to try.
    """
    if not math.isfinite(value):
        raise ValueError(f"loss: expected a finite value, got {value} {where}; {DIVERGENCE_ADVICE}")
    return value


def require_finite_parameters(not_finite: Iterable[str], where: str) -> None:
    """Raises ``ValueError`` if ``not_finite``, the names of parameters holding NaN or inf, is not
    empty; ``where`` says after which update."""
    names = list(not_finite)
    if names:
        raise ValueError(
            f"params: expected finite values {where}, got NaN or inf in {', '.join(names)}; "
            f"{DIVERGENCE_ADVICE}"
        )


def require_periods(periods) -> tuple[int, ...]:
    """``periods`` as a tuple if it is a non-empty sequence of strictly increasing positive integers: a Clockwork RNN's clock periods, for the layer and its diagrams (chapter 5).

    Raises ``ValueError`` naming ``periods`` otherwise.
    """
    valid = (
        isinstance(periods, (tuple, list))
        and len(periods) > 0
        and all(is_integer(period) and period >= 1 for period in periods)
        and all(a < b for a, b in zip(periods, periods[1:]))
    )
    if not valid:
        raise ValueError(
            f"periods: expected a non-empty sequence of strictly increasing positive integers "
            f"(one clock period per module, fastest first), got {periods!r}"
        )
    return tuple(int(period) for period in periods)
