r"""The Mackey–Glass series, a chaotic signal from a delay differential equation (chapter 5).

Mackey & Glass (1977) modelled the production of blood cells with

.. math::
    \frac{dx}{dt} = \beta\, \frac{x(t - \tau)}{1 + x(t - \tau)^n} - \gamma\, x(t),
    \qquad \beta = 0.2,\ \gamma = 0.1,\ n = 10.

With the delay :math:`\tau = 17` its solution settles on a mildly chaotic attractor (chaos sets
in near :math:`\tau = 16.8`), the benchmark that echo state networks were first shown on
(Jaeger 2001, Jaeger & Haas 2004); with a small delay such as :math:`\tau = 5` it settles on a
periodic orbit instead. The equation is integrated here in code, with Jaeger's (2001) recipe
as the default: Euler steps of :math:`\delta = 1/10`,

.. math::
    x_{k+1} = x_k + \delta \Bigl( \beta\, \frac{x_{k - \tau/\delta}}{1 + x_{k - \tau/\delta}^{\,n}}
    - \gamma\, x_k \Bigr),

kept every tenth step, so that one sample is one unit of time. Jaeger then squashes the series
into :math:`[-1, 1]` with :math:`y \mapsto \tanh(y - 1)`; that is left to the caller.
"""
from __future__ import annotations

import math

import numpy as np
import torch

from .._checks import is_integer, is_real, require_choice, require_non_negative_int, require_positive_int
from .._validate import require_floating_dtype

MACKEY_GLASS_METHODS = ("euler", "heun")


def mackey_glass(
    length: int,
    tau: float = 17.0,
    step: float = 0.1,
    subsample: int = 10,
    discard: int = 1000,
    initial: float = 1.2,
    seed: int | None = None,
    method: str = "euler",
    beta: float = 0.2,
    gamma: float = 0.1,
    exponent: float = 10.0,
    dtype: torch.dtype = torch.float64,
    device=None,
) -> torch.Tensor:
    r"""``length`` samples of the Mackey–Glass series, one every ``step * subsample`` units of time (chapter 5).

    .. math::
        \frac{dx}{dt} = \beta\, \frac{x(t - \tau)}{1 + x(t - \tau)^n} - \gamma\, x(t)

    integrated on a grid of spacing :math:`h` = ``step`` (``tau / step`` must be a whole number
    of steps, so that the delayed value lies on the grid) from the history :math:`x(t)` =
    ``initial`` for :math:`-\tau \le t \le 0`. ``method="euler"`` takes Euler steps, as Jaeger
    (2001) does (:math:`h = 1/10`, every tenth step kept); ``method="heun"`` takes Heun's
    second-order steps with :math:`f_k = f(x_k, x_{k-\tau/h})`,

    .. math::
        \tilde x_{k+1} = x_k + h f_k, \qquad
        x_{k+1} = x_k + \tfrac{h}{2}\bigl(f_k + f(\tilde x_{k+1}, x_{k+1-\tau/h})\bigr),

    which needs only delayed values on the grid (a Runge–Kutta step of order four would need
    them between grid points, and interpolating them would cap its order at two anyway). The
    error shrinks as :math:`h` for Euler and :math:`h^2` for Heun over a fixed span of time.

    The first ``discard`` samples (the transient from the flat history) are dropped; the
    samples returned are :math:`x(t_0 + i\, h\, s)`, :math:`i = 0, \dots,` ``length`` − 1, with
    :math:`s` = ``subsample`` and :math:`t_0` = ``discard`` · :math:`h s`, as a 1-D tensor of
    ``dtype`` (float64 by default) on ``device``. ``seed=None`` gives the flat history; an
    integer ``seed`` adds noise uniform in :math:`\pm 0.1` to each history value (NumPy's PCG64
    generator), so that different seeds give different stretches of the same attractor. The
    series stays within about 0.2 to 1.4. Jaeger (2001) does not say which history or how
    long a transient he used.

    Raises ``ValueError`` if ``length`` or ``subsample`` is not a positive integer, ``discard``
    not a non-negative integer, ``tau``, ``step``, ``initial``, ``beta``, ``gamma`` or
    ``exponent`` not a positive finite number, ``tau`` not a whole number of steps, ``seed``
    neither ``None`` nor a non-negative integer, ``method`` not ``"euler"`` or ``"heun"``, or
    ``dtype`` not a floating-point dtype.
    """
    require_positive_int("length", length)
    require_positive_int("subsample", subsample)
    require_non_negative_int("discard", discard)
    for name, value in (("tau", tau), ("step", step), ("initial", initial), ("beta", beta),
                        ("gamma", gamma), ("exponent", exponent)):
        if not is_real(value) or not (math.isfinite(value) and value > 0):
            raise ValueError(f"{name}: expected a positive finite number, got {value!r}")
    lag = round(tau / step)
    if abs(tau / step - lag) > 1e-9 * max(1.0, tau / step):
        raise ValueError(f"tau: expected a whole number of steps of {step} (tau / step an integer), got {tau!r}")
    if seed is not None and not (is_integer(seed) and seed >= 0):
        raise ValueError(f"seed: expected None (a flat history) or a non-negative integer, got {seed!r}")
    require_choice("method", method, MACKEY_GLASS_METHODS)
    require_floating_dtype("dtype", dtype)

    history = np.full(lag + 1, float(initial))  # x(-tau), ..., x(0)
    if seed is not None:
        history += np.random.default_rng(seed).uniform(-0.1, 0.1, lag + 1)
    total = (discard + length - 1) * subsample
    x = _integrate(history.tolist(), total, lag, float(step), method, float(beta), float(gamma), float(exponent))
    samples = np.asarray(x[lag + discard * subsample :: subsample], dtype=np.float64)
    return torch.from_numpy(samples).to(device=device, dtype=dtype)


def _integrate(x: list[float], steps: int, lag: int, h: float, method: str,
               beta: float, gamma: float, exponent: float) -> list[float]:
    """Extend the grid values ``x`` (its last ``lag + 1`` entries are x(t - tau) .. x(t)) by ``steps`` steps."""

    def slope(now: float, delayed: float) -> float:
        return beta * delayed / (1.0 + delayed**exponent) - gamma * now

    # Plain floats in a list: per-element NumPy indexing would be several times slower.
    for _ in range(steps):
        now, delayed = x[-1], x[-1 - lag]
        first = slope(now, delayed)
        if method == "euler":
            x.append(now + h * first)
        else:
            predicted = now + h * first
            x.append(now + 0.5 * h * (first + slope(predicted, x[-lag])))
    return x
