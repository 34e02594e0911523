r"""Gradient clipping for torch parameters, by global norm and by value (chapter 5).

Pascanu, Mikolov & Bengio (2013, Algorithm 1) rescale the whole gradient when its norm passes a
threshold :math:`\tau`, keeping its direction:

.. math::  \hat g \leftarrow \frac{\partial L}{\partial \theta}, \qquad
           \text{if } \lVert \hat g \rVert \ge \tau: \quad \hat g \leftarrow \frac{\tau}{\lVert \hat g \rVert}\, \hat g

and advise taking :math:`\tau` from the average norm seen over many updates. Clipping by value
(min-char-rnn's choice) clips each entry to :math:`[-c, c]` instead, which changes the direction.
These are the torch versions of chapter 4's NumPy :func:`~companion.bptt.clip_by_global_norm`
and :func:`~companion.bptt.clip_by_value`; ``torch.nn.utils.clip_grad_norm_`` and
``clip_grad_value_`` are their library twins.
"""
from __future__ import annotations

import math

import torch

from .._checks import DIVERGENCE_ADVICE, require_positive_float


def _gradients(parameters) -> list[torch.Tensor]:
    """The ``.grad`` of ``parameters`` (one tensor or an iterable of them), those without one left out."""
    if isinstance(parameters, torch.Tensor):
        parameters = [parameters]
    try:
        parameters = list(parameters)
    except TypeError:
        raise ValueError(
            f"parameters: expected a tensor or an iterable of tensors (module.parameters()), "
            f"got {type(parameters).__name__}"
        ) from None
    for index, parameter in enumerate(parameters):
        if not isinstance(parameter, torch.Tensor):
            raise ValueError(f"parameters: expected tensors, got {type(parameter).__name__} at position {index}")
    return [parameter.grad for parameter in parameters if parameter.grad is not None]


def _norm(grads: list[torch.Tensor]) -> torch.Tensor | None:
    """The global 2-norm of ``grads`` as a float64 tensor on the first one's device, with no synchronisation."""
    if not grads:
        return None
    device = grads[0].device
    # float64, so that squares of float32 or float16 entries cannot overflow before the root.
    norms = [torch.linalg.vector_norm(g, dtype=torch.float64).to(device) for g in grads]
    return torch.linalg.vector_norm(torch.stack(norms))


def gradient_norm(parameters) -> float:
    r"""The global 2-norm of the gradients of ``parameters``, all of them taken as one vector (chapter 5).

    .. math::  \lVert g \rVert = \sqrt{\sum_{p} \sum_i \bigl(\partial L / \partial p_i\bigr)^2}

    ``parameters`` is one tensor or an iterable of tensors (``module.parameters()``, a list), as
    ``torch.nn.utils.clip_grad_norm_`` takes them; a parameter whose ``.grad`` is ``None`` is
    skipped, and with none at all the norm is 0.0. Computed in float64 on the gradients' device;
    the one float returned is the only transfer to the CPU. A NaN or inf in any gradient gives a
    NaN or inf norm, returned as it is. Raises ``ValueError`` if ``parameters`` is not a tensor or
    an iterable of tensors.
    """
    norm = _norm(_gradients(parameters))
    return 0.0 if norm is None else float(norm)


def clip_grad_norm(parameters, max_norm: float) -> float:
    r"""Rescale the gradients of ``parameters`` in place so that their global norm is at most ``max_norm``; return the norm before (chapter 5).

    .. math::  g \leftarrow g \cdot \frac{\tau}{\lVert g \rVert} \quad \text{if } \lVert g \rVert > \tau

    (Pascanu, Mikolov & Bengio 2013, Algorithm 1, with :math:`\tau` = ``max_norm``; at
    :math:`\lVert g \rVert = \tau` the factor is 1, so their :math:`\ge` and this :math:`>` agree).
    ``parameters`` as for :func:`gradient_norm`. Unlike ``torch.nn.utils.clip_grad_norm_``, which
    divides by :math:`\lVert g \rVert + 10^{-6}`, nothing is added to the norm: a clipped
    gradient has norm ``max_norm`` to rounding, where torch's falls short by a relative
    :math:`10^{-6} / \lVert g \rVert`. A gradient below the threshold is left untouched.

    A non-finite norm is refused: Pascanu et al. do not say what to do with one, and rescaling
    by :math:`\tau / \infty` would turn the finite entries into zeros and the infinite ones into
    NaN; this is torch's ``error_if_nonfinite=True``.

    Raises ``ValueError`` if ``max_norm`` is not a positive finite number, ``parameters`` is not
    a tensor or an iterable of tensors, or the gradients' norm is NaN or inf (then they are left
    as they were).
    """
    max_norm = require_positive_float("max_norm", max_norm)
    grads = _gradients(parameters)
    norm_tensor = _norm(grads)
    norm = 0.0 if norm_tensor is None else float(norm_tensor)
    if not math.isfinite(norm):
        raise ValueError(f"parameters: expected gradients with a finite norm to clip, got {norm}; {DIVERGENCE_ADVICE}")
    if norm > max_norm:
        scale = max_norm / norm
        for g in grads:
            g.mul_(scale)
    return norm


def clip_grad_value(parameters, clip_value: float) -> None:
    r"""Clip every entry of the gradients of ``parameters`` to :math:`[-c, c]`, in place (chapter 5).

    .. math::  g_i \leftarrow \max(-c, \min(c, g_i))

    with :math:`c` = ``clip_value``: what min-char-rnn does (``np.clip(dparam, -5, 5)``) and
    ``torch.nn.utils.clip_grad_value_``. Unlike :func:`clip_grad_norm` it changes the
    gradient's direction. ``parameters`` as for :func:`gradient_norm`. An infinite entry becomes
    :math:`\pm c` and NaN stays NaN, as with ``np.clip`` and torch; no check is made, so nothing
    is copied to the CPU. Raises ``ValueError`` if ``clip_value`` is not a positive finite number
    or ``parameters`` is not a tensor or an iterable of tensors.
    """
    clip_value = require_positive_float("clip_value", clip_value)
    for g in _gradients(parameters):
        g.clamp_(-clip_value, clip_value)
