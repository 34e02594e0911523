"""The rough error surface of a recurrent network (chapter 5): a one-unit tanh RNN's loss over its two weights, and gradient descent on it with and without clipping.

The network has no input; it starts from :math:`h_0` and runs

.. math::  h_t = \\tanh(w\\, h_{t-1} + b), \\qquad t = 1, \\dots, T, \\qquad L(w, b) = (h_T - y)^2 .

It is the smallest recurrent network whose loss has the plateaus and cliffs of the lecture's
figure: for :math:`w > 1` the map has two stable fixed points, near +1 and near −1, and which of
them :math:`h_T` approaches switches abruptly as :math:`(w, b)` crosses a curve (a bifurcation),
so the loss jumps there. Pascanu, Mikolov & Bengio (2013) draw such a surface for the one-unit
model :math:`x_t = w\\,\\sigma(x_{t-1}) + b`; this is the same idea with ``tanh`` inside, the
activation chapters 1 to 4 use.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .._checks import is_real, require_positive_float, require_positive_int
from .clipping import clip_grad_norm

#: The chapter's settings: 25 steps from h_0 = 0.5 towards the target 0.7.
ONE_UNIT_SETTINGS = {"steps": 25, "h0": 0.5, "target": 0.7}


def _require_real(name: str, value) -> float:
    if not is_real(value) or not np.isfinite(value):
        raise ValueError(f"{name}: expected a finite real number, got {value!r}")
    return float(value)


def one_unit_loss(w, b, steps: int = 25, h0: float = 0.5, target: float = 0.7) -> np.ndarray:
    """:math:`L(w, b) = (h_T - y)^2` of the one-unit tanh RNN, for arrays of weights at once (chapter 5).

    ``w`` and ``b`` are numbers or arrays that broadcast together (a grid from ``np.meshgrid``);
    ``steps`` is :math:`T`, ``h0`` the initial state and ``target`` :math:`y`. Returns a float64
    array of the broadcast shape. Raises ``ValueError`` if ``steps`` is not a positive integer,
    ``h0`` or ``target`` is not a finite number, or ``w``/``b`` hold non-finite values.
    """
    require_positive_int("steps", steps)
    h0, target = _require_real("h0", h0), _require_real("target", target)
    w, b = np.asarray(w, dtype=np.float64), np.asarray(b, dtype=np.float64)
    for name, value in (("w", w), ("b", b)):
        if not np.all(np.isfinite(value)):
            raise ValueError(f"{name}: expected finite numbers, got {np.count_nonzero(~np.isfinite(value))} NaN or inf")
    h = np.full(np.broadcast_shapes(w.shape, b.shape), h0)
    for _ in range(steps):
        h = np.tanh(w * h + b)
    return (h - target) ** 2


@dataclass(eq=False)
class DescentPath:
    """Where gradient descent went on the one-unit loss (chapter 5).

    ``points`` ``(n + 1, 2)``: :math:`(w, b)` before each step and after the last; ``losses``
    ``(n + 1,)``: the loss at each point; ``gradient_norms`` ``(n,)``: :math:`\\lVert\\nabla L\\rVert`
    at each step before clipping; ``clipped`` ``(n,)``: whether the step was clipped.
    """

    points: np.ndarray
    losses: np.ndarray
    gradient_norms: np.ndarray
    clipped: np.ndarray


def descend(
    start,
    lr: float,
    num_steps: int,
    max_norm: float | None = None,
    steps: int = 25,
    h0: float = 0.5,
    target: float = 0.7,
) -> DescentPath:
    r"""Gradient descent on :func:`one_unit_loss` from ``start = (w, b)``, with or without clipping (chapter 5).

    Each of the ``num_steps`` updates is :math:`\theta \leftarrow \theta - \eta\, g`, with
    :math:`g = \nabla L(\theta)` computed by autograd in float64 and, when ``max_norm`` is given,
    rescaled first by :func:`~companion.training.clipping.clip_grad_norm`
    (Pascanu et al. 2013, Algorithm 1): :math:`g \leftarrow g \cdot \tau / \lVert g\rVert` when
    :math:`\lVert g\rVert > \tau`. Without clipping a step that lands on a cliff, where the
    gradient is huge, throws the weights far away; with it the step is at most
    :math:`\eta\tau` long. Returns a :class:`DescentPath`.

    Raises ``ValueError`` if ``start`` is not two finite numbers, ``lr`` or ``max_norm`` is not a
    positive finite number, ``num_steps`` or ``steps`` is not a positive integer, or the loss
    becomes NaN.
    """
    if not isinstance(start, (tuple, list, np.ndarray)) or len(start) != 2:
        raise ValueError(f"start: expected a pair (w, b), got {start!r}")
    start = [_require_real(f"start[{i}]", value) for i, value in enumerate(start)]
    lr = require_positive_float("lr", lr)
    require_positive_int("num_steps", num_steps)
    if max_norm is not None:
        max_norm = require_positive_float("max_norm", max_norm)
    require_positive_int("steps", steps)
    h0, target = _require_real("h0", h0), _require_real("target", target)

    theta = torch.tensor(start, dtype=torch.float64, requires_grad=True)

    def loss_at(point: torch.Tensor) -> torch.Tensor:
        h = torch.tensor(h0, dtype=torch.float64)
        for _ in range(steps):
            h = torch.tanh(point[0] * h + point[1])
        return (h - target) ** 2

    points, losses, norms, clipped = [theta.detach().clone()], [], [], []
    for step in range(num_steps):
        loss = loss_at(theta)
        if not torch.isfinite(loss):
            raise ValueError(f"the loss became {loss.item()} at step {step} (w, b = {theta.tolist()})")
        losses.append(loss.item())
        theta.grad = None
        loss.backward()
        norm = float(theta.grad.norm())
        if max_norm is not None:
            clip_grad_norm([theta], max_norm)
        norms.append(norm)
        clipped.append(max_norm is not None and norm > max_norm)
        with torch.no_grad():
            theta -= lr * theta.grad
        points.append(theta.detach().clone())
    losses.append(loss_at(theta).item())
    return DescentPath(
        points=torch.stack(points).numpy(),
        losses=np.array(losses),
        gradient_norms=np.array(norms),
        clipped=np.array(clipped),
    )
