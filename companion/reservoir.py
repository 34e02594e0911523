r"""Echo state networks: a fixed random reservoir and a read-out fitted in closed form (chapter 5).

Jaeger (2001) and Jaeger & Haas (2004) leave the recurrent weights untrained: a large sparse
random network, the reservoir, rescaled to a chosen spectral radius, is driven by the input,
and only a linear read-out of its states is learnt, by linear regression (here ridge
regression, as Lukoševičius 2012, "A practical guide to applying echo state networks",
recommends), with no gradient through time at all. The update with leaky-integrator units, in
Lukoševičius's notation, is

.. math::
    x_t &= (1 - a)\, x_{t-1} + a \tanh(W_{in} u_t + W x_{t-1} + W_{fb}\, y_{t-1} + b),

    y_t &= W_{out} [1; u_t; x_t].

A reservoir has the *echo state property* when its state is, after a while, a function of the
input history alone, whatever state it started from. A largest singular value of :math:`W`
below 1 is sufficient for it (Jaeger 2001, proposition 3a, for :math:`a = 1`); a spectral radius
above 1 destroys it where the drive, bias included, can be zero, since the zero state is then
an unstable fixed point (proposition 3b). :math:`\rho(W) < 1` is the usual rule of thumb, neither
necessary (a strong input can tame a larger radius) nor sufficient in general.
"""
from __future__ import annotations

import math

import numpy as np

import torch
from torch import nn

from ._checks import is_integer, is_real, require_non_negative_int, require_positive_int
from ._validate import describe_shape, require_floating, require_floating_dtype, require_tensor


def spectral_radius(matrix) -> float:
    r"""The spectral radius of a square matrix: its largest eigenvalue in absolute value (chapter 5).

    .. math::  \rho(W) = \max_i \lvert \lambda_i(W) \rvert

    For a linear RNN :math:`h_t = W h_{t-1} + U x_t`, :math:`\partial h_T / \partial h_k =
    W^{T-k}`, which goes to zero as the lag grows when :math:`\rho(W) < 1` (after some growth,
    possibly, when :math:`W` is not normal) and grows along some direction when
    :math:`\rho(W) > 1`. Pascanu, Mikolov & Bengio (2013) state the nonlinear case with the
    largest *singular* value :math:`\lambda_1 = \lVert W \rVert_2 \ge \rho(W)`: with
    :math:`\lvert\phi'\rvert \le \gamma` (1 for tanh, 1/4 for the sigmoid),
    :math:`\lambda_1 < 1/\gamma` is sufficient for the gradient to vanish and
    :math:`\lambda_1 > 1/\gamma` necessary for it to explode. So :math:`\rho(W) > 1/\gamma`
    meets the necessary condition, but :math:`\rho(W) < 1/\gamma` meets the sufficient one only
    when :math:`\rho(W) = \lambda_1`, as for a normal matrix (a symmetric one, say).

    ``matrix`` is a floating-point ``(n, n)`` torch tensor (on any device) or NumPy array; the
    eigenvalues are computed in float64. Returns a Python float. Raises ``ValueError`` if it is
    neither, not square and 2-D, empty, or holds NaN or inf.
    """
    if isinstance(matrix, np.ndarray):
        matrix = torch.from_numpy(matrix)
    if not isinstance(matrix, torch.Tensor) or not matrix.is_floating_point():
        given = f"dtype {matrix.dtype}" if isinstance(matrix, torch.Tensor) else type(matrix).__name__
        raise ValueError(f"matrix: expected a floating-point torch tensor or NumPy array, got {given}")
    if matrix.dim() != 2 or matrix.shape[0] != matrix.shape[1] or matrix.shape[0] == 0:
        raise ValueError(f"matrix: expected a square 2-D matrix (n, n) with n >= 1, got shape {describe_shape(matrix)}")
    matrix = matrix.detach().to(torch.float64)
    if not bool(torch.isfinite(matrix).all()):
        raise ValueError("matrix: expected finite entries, got NaN or inf")
    return float(torch.linalg.eigvals(matrix).abs().max())


def scale_to_spectral_radius(matrix: torch.Tensor, radius: float) -> torch.Tensor:
    r"""``matrix`` multiplied by a positive number so that its spectral radius is ``radius`` (chapter 5).

    .. math::  W \leftarrow \frac{\rho^*}{\rho(W)}\, W, \qquad \rho\Bigl(\frac{\rho^*}{\rho(W)} W\Bigr) = \rho^*

    (every eigenvalue scales with the matrix). Returns a new tensor of the same shape, dtype and
    device. Raises ``ValueError`` if ``matrix`` is not a square floating-point tensor, if its
    spectral radius is zero (a nilpotent matrix, such as a reservoir with no cycle), or if
    ``radius`` is not a positive finite number.
    """
    _require_positive("radius", radius)
    current = _radius_if_nonzero(matrix)
    if current == 0:
        raise ValueError(
            f"matrix: expected a non-zero spectral radius to rescale, got {current:.3g} "
            "(every eigenvalue is zero: the matrix has no cycle of connections)"
        )
    return matrix * (radius / current)


def nrmse(prediction: torch.Tensor, target: torch.Tensor, variance: float | None = None) -> float:
    r"""The normalised root-mean-square error: the RMSE divided by the target's standard deviation (chapter 5).

    .. math::  \mathrm{NRMSE} = \sqrt{\frac{\frac1n \sum_i (\hat y_i - y_i)^2}{\sigma^2}}

    over all ``n`` entries of ``prediction`` and ``target`` (same shape), with :math:`\sigma^2`
    the population variance of ``target``, or ``variance`` when given: Jaeger's (2001) NRMSE84
    divides the errors of many 84-step predictions by the variance of the whole series. 0 is a
    perfect prediction, 1 that of always answering the target's mean. Raises ``ValueError`` if
    the tensors are not floating point, differ in shape or are empty, if ``variance`` is not a
    positive finite number, or if it is ``None`` and the target is constant.
    """
    for name, value in (("prediction", prediction), ("target", target)):
        require_tensor(name, value)
        require_floating(name, value)
    if prediction.shape != target.shape or target.numel() == 0:
        raise ValueError(
            f"prediction: expected the (non-empty) shape of target {describe_shape(target)}, "
            f"got {describe_shape(prediction)}"
        )
    if variance is None:
        variance = float(target.detach().double().var(correction=0))
        if variance == 0:
            raise ValueError(
                "target: expected a target that varies (its variance normalises the error), got a constant"
            )
    _require_positive("variance", variance)
    squared = (prediction.detach().double() - target.detach().double()).square().mean()
    return math.sqrt(float(squared) / variance)


class EchoStateNetwork(nn.Module):
    r"""An echo state network: fixed random reservoir, ridge-regression read-out (chapter 5).

    .. math::
        x_t &= (1 - a)\, x_{t-1} + a \tanh(W_{in} u_t + W x_{t-1} + W_{fb}\, y_{t-1} + b),

        y_t &= W_{out} [1; u_t; x_t],

        W_{out}^\top &= (X^\top X + \lambda I)^{-1} X^\top Y

    (Jaeger 2001; Jaeger & Haas 2004; Lukoševičius 2012). The reservoir ``weight_hh``
    :math:`W` ``(H, H)`` has a fraction ``connectivity`` of non-zero entries, uniform in
    :math:`[-1, 1]`, and is rescaled so that its spectral radius is exactly
    ``spectral_radius``; ``weight_ih`` :math:`W_{in}` ``(H, F)``, ``bias_ih`` :math:`b` ``(H,)``
    and, with ``output_feedback``, ``weight_yh`` :math:`W_{fb}` ``(H, O)`` are uniform in
    :math:`[-1, 1]` times ``input_scaling``, ``bias_scaling`` and ``feedback_scaling``. All are
    buffers drawn once from ``seed`` (a CPU ``torch.Generator``, so the same on every device),
    never trained: the module has no parameters. :math:`a` is ``leak_rate`` (1: no leak) and
    :math:`\lambda` is ``ridge``. ``weight_out`` :math:`W_{out}` ``(O, 1 + F + H)``, columns in
    the order :math:`[1; u; x]`, is ``None`` until :meth:`fit`.

    Sequences are time-major: ``(T, B, F)`` for a batch, or ``(T, F)`` for one series (outputs
    and states then lose the batch dimension too, as in ``torch.nn.RNN``). The state ``hx`` is
    ``(B, H)`` (or ``(H,)``), zeros when ``None``; the fed-back output before the first step is
    zero. With ``output_feedback`` the reservoir is teacher-forced, :math:`y_{t-1}` being the
    target, when a ``teacher`` is given, and fed its own outputs otherwise.

    * :meth:`run` ``(input, hx=None, teacher=None)`` → ``(states (T, B, H), h_n)``;
    * :meth:`fit` ``(input, target, washout, hx=None)`` fits :math:`W_{out}` on the states after
      the first ``washout`` steps of each sequence, which are discarded, and returns the module;
    * ``forward`` ``(input, hx=None, teacher=None)`` → ``(output (T, B, O), h_n)``;
    * :meth:`generate` ``(steps, prefix, prefix_target=None, input=None, hx=None)`` runs free:
      after the prefix, each output is fed back, through the input when there is no output
      feedback (a one-step-ahead predictor, ``input_size == output_size``: the prediction
      becomes the next input), through :math:`W_{fb}` otherwise.

    Raises ``ValueError`` for a size that is not a positive integer, ``spectral_radius`` not
    positive, ``connectivity`` or ``leak_rate`` outside :math:`(0, 1]`, a scaling or ``ridge``
    that is negative, a ``seed`` that is not a non-negative integer, a reservoir drawn with
    spectral radius 0, ``washout`` not in ``0..T-1``, a ridge system that is singular, sequences
    of another shape, dtype or device than the weights', a ``teacher`` or ``input`` given where
    none is used or missing where one is needed, and :meth:`generate` or ``forward`` before
    :meth:`fit`.
    """

    def __init__(self, input_size: int, reservoir_size: int, output_size: int, spectral_radius: float = 0.9,
                 connectivity: float = 0.1, input_scaling: float = 1.0, leak_rate: float = 1.0,
                 output_feedback: bool = False, feedback_scaling: float = 1.0, bias_scaling: float = 0.2,
                 ridge: float = 1e-6, seed: int = 0, device=None, dtype: torch.dtype = torch.float64):
        super().__init__()
        self.input_size = require_positive_int("input_size", input_size)
        self.reservoir_size = hidden = require_positive_int("reservoir_size", reservoir_size)
        self.output_size = require_positive_int("output_size", output_size)
        _require_positive("spectral_radius", spectral_radius)
        for name, value in (("connectivity", connectivity), ("leak_rate", leak_rate)):
            if not is_real(value) or not 0 < value <= 1:
                raise ValueError(f"{name}: expected a number in (0, 1], got {value!r}")
        for name, value in (("input_scaling", input_scaling), ("feedback_scaling", feedback_scaling),
                            ("bias_scaling", bias_scaling), ("ridge", ridge)):
            if not is_real(value) or not (math.isfinite(value) and value >= 0):
                raise ValueError(f"{name}: expected a non-negative finite number, got {value!r}")
        require_non_negative_int("seed", seed)
        require_floating_dtype("dtype", dtype)
        self.spectral_radius, self.connectivity = float(spectral_radius), float(connectivity)
        self.leak_rate = float(leak_rate)
        self.output_feedback, self.ridge, self.seed = bool(output_feedback), float(ridge), int(seed)

        generator = torch.Generator().manual_seed(seed)

        def uniform(*shape: int) -> torch.Tensor:
            return torch.rand(*shape, generator=generator, dtype=torch.float64) * 2 - 1

        mask = torch.rand(hidden, hidden, generator=generator, dtype=torch.float64) < connectivity
        reservoir = uniform(hidden, hidden) * mask
        drawn_radius = _radius_if_nonzero(reservoir)
        if drawn_radius == 0:
            raise ValueError(
                f"connectivity: the reservoir drawn ({hidden} units, connectivity {connectivity}) has spectral "
                "radius 0 (no cycle of connections); raise connectivity or reservoir_size, or change seed"
            )
        reservoir = reservoir * (spectral_radius / drawn_radius)
        factory = {"device": device, "dtype": dtype}
        self.register_buffer("weight_hh", reservoir.to(**factory))
        self.register_buffer("weight_ih", (uniform(hidden, input_size) * input_scaling).to(**factory))
        self.register_buffer("bias_ih", (uniform(hidden) * bias_scaling).to(**factory))
        feedback = (uniform(hidden, output_size) * feedback_scaling).to(**factory) if output_feedback else None
        self.register_buffer("weight_yh", feedback)
        self.register_buffer("weight_out", None)

    # --- the reservoir ---------------------------------------------------------------------------

    def run(self, input: torch.Tensor, hx: torch.Tensor | None = None,
            teacher: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        r"""Drive the reservoir: ``(states, h_n)``, the states :math:`x_1 \dots x_T` ``(T, B, H)`` and the last one."""
        u, unbatched = self._sequence("input", input, self.input_size)
        teacher = self._teacher(teacher, u, unbatched)
        if self.output_feedback and teacher is None and self.weight_out is None:
            raise ValueError("teacher: expected the targets to feed back (the read-out is not fitted yet), got None")
        states, _, h_n = self._drive(u, self._state(hx, u.shape[1], unbatched), teacher)
        return (states.squeeze(1), h_n.squeeze(0)) if unbatched else (states, h_n)

    def features(self, input: torch.Tensor, states: torch.Tensor) -> torch.Tensor:
        r"""The read-out's inputs :math:`[1; u_t; x_t]`: ``(T, B, 1 + F + H)`` from ``input`` and ``states``."""
        ones = torch.ones(*input.shape[:-1], 1, device=input.device, dtype=input.dtype)
        return torch.cat([ones, input, states], dim=-1)

    def fit(self, input: torch.Tensor, target: torch.Tensor, washout: int,
            hx: torch.Tensor | None = None) -> "EchoStateNetwork":
        r"""Fit :math:`W_{out}` by ridge regression on the states after ``washout`` steps; returns the module."""
        u, unbatched = self._sequence("input", input, self.input_size)
        y, _ = self._sequence("target", target, self.output_size, like=(u, unbatched))
        if not (is_integer(washout) and 0 <= washout < u.shape[0]):
            raise ValueError(
                f"washout: expected an integer in 0..{u.shape[0] - 1} (fewer than the {u.shape[0]} steps), "
                f"got {washout!r}"
            )
        states, _, _ = self._drive(u, self._state(hx, u.shape[1], unbatched), y if self.output_feedback else None)
        washout = int(washout)
        design = self.features(u, states)[washout:].reshape(-1, 1 + self.input_size + self.reservoir_size)
        wanted = y[washout:].reshape(-1, self.output_size)
        gram = design.T @ design + self.ridge * torch.eye(design.shape[1], device=u.device, dtype=u.dtype)
        try:
            solution = torch.linalg.solve(gram, design.T @ wanted)  # (1 + F + H, O)
        except RuntimeError as error:  # torch.linalg.LinAlgError: a singular system
            raise ValueError(
                f"ridge: the system (X^T X + ridge I) is singular with ridge={self.ridge}; use ridge > 0"
            ) from error
        self.weight_out = solution.T.contiguous()
        return self

    def forward(self, input: torch.Tensor, hx: torch.Tensor | None = None,
                teacher: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        self._require_fitted("forward")
        u, unbatched = self._sequence("input", input, self.input_size)
        teacher = self._teacher(teacher, u, unbatched)
        _, outputs, h_n = self._drive(u, self._state(hx, u.shape[1], unbatched), teacher)
        return (outputs.squeeze(1), h_n.squeeze(0)) if unbatched else (outputs, h_n)

    def generate(
        self,
        steps: int,
        prefix: torch.Tensor,
        prefix_target: torch.Tensor | None = None,
        input: torch.Tensor | None = None,
        hx: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        r"""Run free for ``steps`` steps after the teacher-forced ``prefix``: ``(output (steps, B, O), h_n)``.

        With a prefix of ``n`` steps, ``output[k]`` predicts the value at step ``n + k``
        (counting from 0), so that ``output[83]`` is the 84-step prediction of Jaeger's (2001)
        NRMSE84. Without output feedback, ``prefix`` is the series itself and ``output[0]``
        predicts its next value; with it, ``prefix_target`` ``(n, B, O)`` is fed back during
        the prefix and ``input`` ``(steps, B, F)`` drives the free run.
        """
        self._require_fitted("generate")
        require_positive_int("steps", steps)
        u, unbatched = self._sequence("prefix", prefix, self.input_size)
        x = self._state(hx, u.shape[1], unbatched)
        if not self.output_feedback:
            if self.input_size != self.output_size:
                raise ValueError(
                    f"output_size: expected input_size ({self.input_size}) to feed outputs back as inputs, "
                    f"got {self.output_size}"
                )
            for name, value in (("prefix_target", prefix_target), ("input", input)):
                if value is not None:
                    raise ValueError(
                        f"{name}: expected None (without output feedback the outputs become the inputs), "
                        f"got a {type(value).__name__}"
                    )
            states, outputs, x = self._drive(u, x, None)
            y, generated = outputs[-1], [outputs[-1]]
            for _ in range(steps - 1):
                x = self._update(y, x, None)
                y = self._read(y, x)
                generated.append(y)
        else:
            if prefix_target is None or input is None:
                raise ValueError("prefix_target, input: expected both (the fed-back targets of the prefix and the "
                                 "inputs of the free run) for a network with output feedback, got None")
            teacher, _ = self._sequence("prefix_target", prefix_target, self.output_size, like=(u, unbatched))
            drive, _ = self._sequence("input", input, self.input_size)
            if drive.shape[:2] != (steps, u.shape[1]):
                raise ValueError(
                    f"input: expected {steps} steps of the prefix's batch of {u.shape[1]}, "
                    f"got shape {describe_shape(input)}"
                )
            _, _, x = self._drive(u, x, teacher)
            y, generated = teacher[-1], []
            for t in range(steps):
                x = self._update(drive[t], x, y)
                y = self._read(drive[t], x)
                generated.append(y)
        output = torch.stack(generated)
        return (output.squeeze(1), x.squeeze(0)) if unbatched else (output, x)

    def extra_repr(self) -> str:
        return (
            f"{self.input_size}, {self.reservoir_size}, {self.output_size}, "
            f"spectral_radius={self.spectral_radius}, connectivity={self.connectivity}, "
            f"leak_rate={self.leak_rate}, output_feedback={self.output_feedback}, ridge={self.ridge}, "
            f"seed={self.seed}, fitted={self.weight_out is not None}"
        )

    # --- the loop and its checks -----------------------------------------------------------------

    def _update(self, u: torch.Tensor, x: torch.Tensor, fed_back: torch.Tensor | None) -> torch.Tensor:
        return self._leak(x, u @ self.weight_ih.T + self.bias_ih, fed_back)

    def _leak(self, x: torch.Tensor, driven: torch.Tensor, fed_back: torch.Tensor | None) -> torch.Tensor:
        pre = driven + x @ self.weight_hh.T
        if fed_back is not None:
            pre = pre + fed_back @ self.weight_yh.T
        return (1 - self.leak_rate) * x + self.leak_rate * torch.tanh(pre)

    def _read(self, u: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        w = self.weight_out
        return w[:, 0] + u @ w[:, 1 : 1 + self.input_size].T + x @ w[:, 1 + self.input_size :].T

    def _drive(self, u: torch.Tensor, x: torch.Tensor, teacher: torch.Tensor | None):
        """States ``(T, B, H)``, outputs ``(T, B, O)`` (``None`` before fit) and the last state."""
        driven = u @ self.weight_ih.T + self.bias_ih  # (T, B, H), all steps at once
        fitted = self.weight_out is not None
        fed_back = None
        if self.output_feedback:
            fed_back = torch.zeros(u.shape[1], self.output_size, device=u.device, dtype=u.dtype)
        states, outputs = [], []
        for t in range(u.shape[0]):
            x = self._leak(x, driven[t], fed_back)
            states.append(x)
            if fitted:
                outputs.append(self._read(u[t], x))
            if self.output_feedback:
                fed_back = teacher[t] if teacher is not None else outputs[-1]
        return torch.stack(states), (torch.stack(outputs) if fitted else None), x

    def _require_fitted(self, method: str) -> None:
        if self.weight_out is None:
            raise ValueError(f"{method}: expected a fitted read-out, got none; call fit(input, target, washout) first")

    def _sequence(self, name: str, value, features: int, like=None) -> tuple[torch.Tensor, bool]:
        """``value`` checked and as ``(T, B, features)``, and whether it was unbatched ``(T, features)``."""
        require_tensor(name, value)
        require_floating(name, value, self.weight_hh.dtype)
        if value.device != self.weight_hh.device:
            raise ValueError(
                f"{name}: expected a tensor on {self.weight_hh.device} (the reservoir's device), got {value.device}"
            )
        if value.dim() not in (2, 3) or value.shape[-1] != features or value.shape[0] == 0:
            raise ValueError(f"{name}: expected shape (time, batch, {features}) or (time, {features}) with time >= 1, "
                             f"got shape {describe_shape(value)}")
        unbatched = value.dim() == 2
        sequence = value.unsqueeze(1) if unbatched else value
        if like is not None and (sequence.shape[:2] != like[0].shape[:2] or unbatched != like[1]):
            steps, batch = like[0].shape[:2]
            expected = f"({steps}, {features})" if like[1] else f"({steps}, {batch}, {features})"
            raise ValueError(
                f"{name}: expected shape {expected} (the steps and batch of the input), "
                f"got shape {describe_shape(value)}"
            )
        return sequence, unbatched

    def _teacher(self, teacher, u: torch.Tensor, unbatched: bool) -> torch.Tensor | None:
        if teacher is None:
            return None
        if not self.output_feedback:
            raise ValueError(
                "teacher: expected None (only a network with output_feedback=True feeds outputs back), "
                f"got a {type(teacher).__name__}"
            )
        return self._sequence("teacher", teacher, self.output_size, like=(u, unbatched))[0]

    def _state(self, hx, batch: int, unbatched: bool) -> torch.Tensor:
        weight = self.weight_hh
        if hx is None:
            return torch.zeros(batch, self.reservoir_size, device=weight.device, dtype=weight.dtype)
        require_tensor("hx", hx)
        require_floating("hx", hx, weight.dtype)
        expected = (self.reservoir_size,) if unbatched else (batch, self.reservoir_size)
        if tuple(hx.shape) != expected or hx.device != weight.device:
            raise ValueError(
                f"hx: expected shape {expected} on {weight.device}, got shape {describe_shape(hx)} on {hx.device}"
            )
        return hx.unsqueeze(0) if unbatched else hx


def _radius_if_nonzero(matrix: torch.Tensor) -> float:
    """The spectral radius, or 0.0 where it is zero up to rounding (a nilpotent matrix, or zeros)."""
    radius = spectral_radius(matrix)
    return radius if radius > 1e-12 * float(matrix.detach().abs().max()) else 0.0


def _require_square(name: str, matrix) -> None:
    require_tensor(name, matrix)
    require_floating(name, matrix)
    if matrix.dim() != 2 or matrix.shape[0] != matrix.shape[1] or matrix.shape[0] == 0:
        raise ValueError(f"{name}: expected a square 2-D tensor (H, H), got shape {describe_shape(matrix)}")


def _require_positive(name: str, value) -> float:
    if not is_real(value) or not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name}: expected a positive finite number, got {value!r}")
    return float(value)
