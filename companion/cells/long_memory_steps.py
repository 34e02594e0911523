"""One time step of the cells built against vanishing gradients: leaky units, the SCRN and the Clockwork RNN (chapter 5).

``leaky_step``, ``scrn_step`` and ``clockwork_step`` are the single homes of their equations, as
:mod:`~companion.cells.steps` is for chapters 1 to 3; ``clockwork_schedule`` and ``clockwork_mask``
say which modules of a Clockwork RNN run at each step and which recurrent weights exist. The
IRNN needs no step of its own: it is :func:`~companion.cells.elman_step` with ``relu``, started
from the identity (:func:`~companion.layers.identity_init_`).
"""
from __future__ import annotations

import math
from typing import Sequence

import torch

from .._checks import is_real, require_periods, require_positive_int
from .steps import elman_step


def leaky_step(
    x: torch.Tensor,
    h: torch.Tensor,
    weight_ih: torch.Tensor,
    weight_hh: torch.Tensor,
    bias_ih: torch.Tensor | None,
    bias_hh: torch.Tensor | None,
    leak: torch.Tensor | float,
    nonlinearity: str = "tanh",
) -> torch.Tensor:
    r"""One step of a layer of leaky-integrator units (chapter 5).

    .. math::  h_t = (1 - \alpha) \odot h_{t-1} + \alpha \odot \phi(W_{ih}\, x_t + b_{ih} + W_{hh}\, h_{t-1} + b_{hh})

    ``x`` is ``(B, F)``, ``h`` ``(B, H)``; ``leak`` (:math:`\alpha`) is a number or an ``(H,)``
    tensor, one rate per unit, each in :math:`(0, 1]`; returns :math:`h_t` ``(B, H)``. A unit
    with rate :math:`\alpha` forgets with time constant about :math:`1/\alpha` steps, and its
    Jacobian :math:`\partial h_t / \partial h_{t-1}` keeps :math:`(1 - \alpha)` on the diagonal
    however saturated :math:`\phi` is, so gradients through it fade no faster than
    :math:`(1-\alpha)^k`. With :math:`\alpha = 1` this is :func:`~companion.cells.elman_step`.
    :math:`\phi` is any of ``ACTIVATIONS``. The layer
    :class:`~companion.layers.LeakyRNN` checks its arguments; this function checks none.

    The form is that of leaky-integrator echo state networks (Jaeger et al. 2007), whose leaking
    rate :math:`a` plays the role of :math:`\alpha`; Bengio, Boulanger-Lewandowski & Pascanu
    (2013) train such units with a rate per unit, writing the weight of the old state,
    :math:`1 - \alpha`, as their :math:`\alpha`.
    """
    candidate = elman_step(x, h, weight_ih, weight_hh, bias_ih, bias_hh, nonlinearity)
    return (1 - leak) * h + leak * candidate


def scrn_step(
    x: torch.Tensor,
    state: tuple[torch.Tensor, torch.Tensor],
    weight_ih: torch.Tensor,
    weight_hh: torch.Tensor,
    bias_ih: torch.Tensor | None,
    bias_hh: torch.Tensor | None,
    weight_ic: torch.Tensor,
    weight_ch: torch.Tensor,
    context_leak: float = 0.95,
) -> tuple[torch.Tensor, torch.Tensor]:
    r"""One step of the structurally constrained recurrent network, SCRN (Mikolov et al. 2015; chapter 5).

    .. math::
        s_t &= (1 - \alpha)\, B\, x_t + \alpha\, s_{t-1} \\
        h_t &= \sigma(P\, s_t + A\, x_t + b_{ih} + R\, h_{t-1} + b_{hh})

    ``x`` is ``(B, F)`` and ``state`` the pair ``(h, s)``: the hidden units ``(B, H)`` and the
    context units ``(B, S)``; returns the new pair :math:`(h_t, s_t)`. ``weight_ih`` is
    :math:`A` ``(H, F)``, ``weight_hh`` :math:`R` ``(H, H)``, ``weight_ic`` :math:`B` ``(S, F)``
    (input to context; the paper's matrix :math:`B`, not the batch size), ``weight_ch`` :math:`P`
    ``(H, S)`` (context to hidden); ``context_leak`` is :math:`\alpha`, the weight of the old
    context. The context units are linear and their recurrent matrix is :math:`\alpha I`,
    fixed: :math:`\partial s_t / \partial s_{t-1} = \alpha I`, so a gradient along the context
    shrinks by exactly :math:`\alpha^k` over :math:`k` steps (0.95 keeps about a third after
    20 steps). The paper's output
    :math:`y_t = f(U h_t + V s_t)` is a read-out of :math:`[h_t ; s_t]`, left to the layer's user.
    The paper has no biases; ``bias_ih`` and ``bias_hh`` ``(H,)`` may be ``None``.
    """
    h, s = state
    s_new = (1 - context_leak) * (x @ weight_ic.T) + context_leak * s
    pre_activation = s_new @ weight_ch.T + x @ weight_ih.T + h @ weight_hh.T
    if bias_ih is not None:
        pre_activation = pre_activation + bias_ih + bias_hh
    return torch.sigmoid(pre_activation), s_new


def clockwork_step(
    x: torch.Tensor,
    h: torch.Tensor,
    weight_ih: torch.Tensor,
    weight_hh: torch.Tensor,
    bias_ih: torch.Tensor | None,
    bias_hh: torch.Tensor | None,
    active: torch.Tensor,
) -> torch.Tensor:
    r"""One step of the Clockwork RNN (Koutník et al. 2014; chapter 5): only the modules whose clock ticks are updated.

    .. math::
        h_t^{(i)} = \begin{cases}
            \tanh\big(W_{ih}^{(i)}\, x_t + b_{ih}^{(i)} + (M \odot W_{hh})^{(i)}\, h_{t-1} + b_{hh}^{(i)}\big)
                & \text{if } t \bmod T_i = 0, \\
            h_{t-1}^{(i)} & \text{otherwise,}
        \end{cases}

    where :math:`(i)` selects the rows of module :math:`i` and :math:`M` is the block mask of
    :func:`clockwork_mask`. ``x`` is ``(B, F)``, ``h`` ``(B, H)``; ``weight_hh`` ``(H, H)`` is
    the recurrent matrix *already masked* (the layer multiplies it by :math:`M` once per
    sequence); ``active`` is a boolean ``(H,)`` tensor, true for the units of the modules that
    run at this step (a row of :func:`clockwork_schedule`, repeated over each module's units).
    Returns :math:`h_t` ``(B, H)``; the units of resting modules are copied exactly, and no
    gradient reaches any weight through them at this step.
    """
    candidate = elman_step(x, h, weight_ih, weight_hh, bias_ih, bias_hh, "tanh")
    return torch.where(active, candidate, h)



def clockwork_schedule(periods: Sequence[int], steps: int, device=None) -> torch.Tensor:
    r"""Which modules of a Clockwork RNN run at each step: a boolean ``(steps, g)`` tensor (chapter 5).

    .. math::  \mathrm{schedule}[t, i] = (t \bmod T_i = 0), \qquad t = 0, 1, \dots, \mathrm{steps} - 1

    Steps are counted from 0 at the first step of the sequence, so every module reads the first
    input. Koutník et al. (2014) state the rule for a step counter :math:`t` without fixing
    where it starts; counting from 1 instead, only modules whose period divides 1 would run at
    the first step. ``periods`` (strictly increasing positive integers, :math:`T_1 < \dots <
    T_g`) gives one column per module; ``device`` is where the tensor is made. Raises
    ``ValueError`` for periods that are not strictly increasing positive integers, or a number
    of steps that is not a positive integer.
    """
    periods = require_periods(periods)
    steps = require_positive_int("steps", steps)
    t = torch.arange(steps, device=device).unsqueeze(1)  # (steps, 1)
    return t % torch.tensor(periods, device=device) == 0  # (steps, g)


def clockwork_mask(periods: Sequence[int], hidden_size: int, device=None, dtype=None) -> torch.Tensor:
    r"""The ``(H, H)`` mask of a Clockwork RNN's recurrent weights: 1 where a connection exists (chapter 5).

    .. math::  M_{jk} = 1 \iff \mathrm{module}(k) \ge \mathrm{module}(j)

    The ``H`` units are split into ``g = len(periods)`` modules of ``H/g`` units, in order of
    increasing period; row block ``i`` (the units of module ``i``, which receive) has ones in
    the columns of modules ``j >= i``: a module hears itself and the slower modules, never a
    faster one (Koutník et al. 2014), so :math:`M` is block-upper-triangular. Raises
    ``ValueError`` for bad ``periods`` (see :func:`clockwork_schedule`) or a ``hidden_size``
    that is not a positive multiple of ``g``.
    """
    module_size = _require_module_size(require_periods(periods), hidden_size)
    module = torch.arange(hidden_size, device=device) // module_size  # (H,) module of each unit
    return (module.unsqueeze(0) >= module.unsqueeze(1)).to(dtype or torch.get_default_dtype())


def _require_module_size(periods: tuple[int, ...], hidden_size: int) -> int:
    """The number of units per Clockwork module, ``H / g`` (chapter 5).

    Raises ``ValueError`` unless ``hidden_size`` is a positive integer divisible by ``g = len(periods)``.
    """
    hidden_size = require_positive_int("hidden_size", hidden_size)
    if hidden_size % len(periods):
        raise ValueError(
            f"hidden_size: expected a multiple of {len(periods)} (one module of equal size per period "
            f"in {periods}), got {hidden_size}"
        )
    return hidden_size // len(periods)


def _require_leak(leak, hidden_size: int) -> list[float]:
    """One leak rate per unit, each in (0, 1], from a number or a sequence of ``hidden_size`` numbers; raises ``ValueError``."""
    expected = f"a number in (0, 1] or a sequence of {hidden_size} such numbers (one rate per hidden unit)"
    if isinstance(leak, torch.Tensor) and leak.dim() == 1 and leak.is_floating_point():
        leak = leak.tolist()
    if is_real(leak):
        rates = [leak] * hidden_size
    elif isinstance(leak, (tuple, list)):
        if len(leak) != hidden_size:
            raise ValueError(f"leak: expected {expected}, got a sequence of {len(leak)}")
        rates = list(leak)
    else:
        raise ValueError(f"leak: expected {expected}, got {leak!r}")
    for rate in rates:
        if not (is_real(rate) and math.isfinite(rate) and 0 < rate <= 1):
            raise ValueError(f"leak: expected every rate in (0, 1] (1 is the plain RNN), got {rate!r}")
    return [float(rate) for rate in rates]


def _require_context_leak(context_leak) -> float:
    """The SCRN's weight of the old context, a number in [0, 1); raises ``ValueError`` otherwise."""
    if not (is_real(context_leak) and math.isfinite(context_leak) and 0 <= context_leak < 1):
        raise ValueError(
            f"context_leak: expected a number in [0, 1) (the weight of the old context, 0.95 in the paper), "
            f"got {context_leak!r}"
        )
    return float(context_leak)
