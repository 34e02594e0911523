r"""One LSTM memory cell, as the lecture draws it: a neuron with four inputs (chapter 3).

The cell holds one number, :math:`c`. At each step the input vector :math:`x` reaches it four
times, through four weighted sums: the cell input :math:`z`, and the pre-activations
:math:`z_i, z_f, z_o` of the input, forget and output gates. Then

.. math::
    c' = g(z)\, f(z_i) + c\, f(z_f), \qquad a = h(c')\, f(z_o)

with :math:`f` the gates' activation (a sigmoid, so each gate is a number between 0, shut, and 1,
open), :math:`g` the cell input's and :math:`h` the output's. Everything here is a plain Python
float, so each step of the lecture's worked example can be read and checked by hand;
:func:`~companion.cells.lstm_step` is the same computation for a whole layer of cells at once.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence

from ._checks import require_choice


def _sigmoid(z: float) -> float:
    # Written so that exp never overflows, whatever the sign of z.
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


MEMORY_CELL_ACTIVATIONS: dict[str, Callable[[float], float]] = {
    "sigmoid": _sigmoid,
    "tanh": math.tanh,
    "identity": lambda z: z,
    # The limit of a sigmoid that has become infinitely steep: a gate exactly shut (0) or open (1).
    "step": lambda z: 1.0 if z > 0 else 0.0,
}


def _require_numbers(name: str, values) -> tuple[float, ...]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise ValueError(f"{name}: expected a sequence of numbers, got {type(values).__name__}")
    numbers = []
    for index, value in enumerate(values):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ValueError(f"{name}[{index}]: expected a finite number, got {value!r}")
        numbers.append(float(value))
    return tuple(numbers)


@dataclass(frozen=True)
class LinearInput:
    r"""One of the cell's four inputs, a weighted sum of the input vector: :math:`w \cdot x + b` (chapter 3).

    Raises ``ValueError`` if ``weights`` is empty or not a sequence of finite numbers, or if
    ``bias`` is not a finite number.
    """

    weights: tuple[float, ...]
    bias: float = 0.0

    def __post_init__(self):
        object.__setattr__(self, "weights", _require_numbers("weights", self.weights))
        if not self.weights:
            raise ValueError("weights: expected at least one weight, got an empty sequence")
        (bias,) = _require_numbers("bias", (self.bias,))
        object.__setattr__(self, "bias", bias)

    def of(self, x: tuple[float, ...]) -> float:
        r"""The weighted sum :math:`w \cdot x + b` for ``x``, as many numbers as there are weights."""
        return sum(w * v for w, v in zip(self.weights, x)) + self.bias


@dataclass(frozen=True)
class MemoryCellStep:
    """Everything one step of a :class:`MemoryCell` computes, named as in the lecture (chapter 3)."""

    x: tuple[float, ...]
    z: float  # the cell input's pre-activation
    z_input: float  # the input gate's pre-activation, z_i
    z_forget: float  # z_f
    z_output: float  # z_o
    cell_input: float  # g(z)
    input_gate: float  # f(z_i)
    forget_gate: float  # f(z_f)
    output_gate: float  # f(z_o)
    previous_cell: float  # c
    cell: float  # c' = g(z) f(z_i) + c f(z_f)
    output: float  # a = h(c') f(z_o)


@dataclass(frozen=True)
class MemoryCell:
    r"""A single LSTM memory cell with explicit weights, as in the lecture (chapter 3, equation (3.1)).

    .. math::
        z = w \cdot x + b, \quad z_i = w_i \cdot x + b_i, \quad z_f = w_f \cdot x + b_f, \quad
        z_o = w_o \cdot x + b_o \\
        c' = g(z)\, f(z_i) + c\, f(z_f), \qquad a = h(c')\, f(z_o)

    ``cell_input``, ``input_gate``, ``forget_gate`` and ``output_gate`` are :class:`LinearInput`
    (or ``(weights, bias)`` pairs), all with one weight per input. The activations are
    ``"sigmoid"``, ``"tanh"``, ``"identity"`` or ``"step"`` (0 or 1, the limit of an infinitely
    steep sigmoid): ``cell_input_activation`` is :math:`g`, ``gate_activation`` is :math:`f`,
    ``output_activation`` is :math:`h`. The defaults (tanh, sigmoid, tanh) make the cell one unit
    of ``torch.nn.LSTM`` whose gates read only :math:`x`; the lecture's example uses linear
    :math:`g` and :math:`h` (see :func:`lecture_example_cell`).

    Raises ``ValueError`` for an input that is neither a :class:`LinearInput` nor a
    ``(weights, bias)`` pair, for inputs with different numbers of weights, or for an unknown
    activation; :meth:`step` and :meth:`run` raise it for inputs that are not finite numbers, or
    not ``input_size`` of them.
    """

    cell_input: LinearInput
    input_gate: LinearInput
    forget_gate: LinearInput
    output_gate: LinearInput
    cell_input_activation: str = "tanh"
    gate_activation: str = "sigmoid"
    output_activation: str = "tanh"

    def __post_init__(self):
        for name in ("cell_input", "input_gate", "forget_gate", "output_gate"):
            value = getattr(self, name)
            if isinstance(value, (tuple, list)) and len(value) == 2:
                value = LinearInput(*value)
                object.__setattr__(self, name, value)
            if not isinstance(value, LinearInput):
                raise ValueError(
                    f"{name}: expected a LinearInput or a (weights, bias) pair, got {type(value).__name__}"
                )
            if len(value.weights) != len(self.cell_input.weights):
                raise ValueError(
                    f"{name}: expected {len(self.cell_input.weights)} weights (as many as cell_input has), "
                    f"got {len(value.weights)}"
                )
        for name in ("cell_input_activation", "gate_activation", "output_activation"):
            require_choice(name, getattr(self, name), tuple(MEMORY_CELL_ACTIVATIONS))

    @property
    def input_size(self) -> int:
        return len(self.cell_input.weights)

    def step(self, x: Sequence[float], cell: float = 0.0, name: str = "x") -> MemoryCellStep:
        """One step from the stored value ``cell`` and the input ``x`` (``input_size`` numbers).

        ``name`` is the argument named in errors. Raises ``ValueError`` if ``x`` is not
        ``input_size`` finite numbers or ``cell`` is not a finite number.
        """
        x = _require_numbers(name, x)
        if len(x) != self.input_size:
            raise ValueError(
                f"{name}: expected {self.input_size} numbers (the cell's input size), got {len(x)}"
            )
        (cell,) = _require_numbers("cell", (cell,))
        g = MEMORY_CELL_ACTIVATIONS[self.cell_input_activation]
        f = MEMORY_CELL_ACTIVATIONS[self.gate_activation]
        h = MEMORY_CELL_ACTIVATIONS[self.output_activation]
        z, z_input, z_forget, z_output = (
            weights.of(x) for weights in (self.cell_input, self.input_gate, self.forget_gate, self.output_gate)
        )
        cell_input, input_gate, forget_gate, output_gate = g(z), f(z_input), f(z_forget), f(z_output)
        new_cell = cell_input * input_gate + cell * forget_gate
        return MemoryCellStep(
            x=x,
            z=z,
            z_input=z_input,
            z_forget=z_forget,
            z_output=z_output,
            cell_input=cell_input,
            input_gate=input_gate,
            forget_gate=forget_gate,
            output_gate=output_gate,
            previous_cell=cell,
            cell=new_cell,
            output=h(new_cell) * output_gate,
        )

    def run(self, inputs: Sequence[Sequence[float]], initial_cell: float = 0.0) -> list[MemoryCellStep]:
        """Every step over the sequence ``inputs``, the cell starting at ``initial_cell`` (0, as in the lecture).

        ``pandas.DataFrame(cell.run(inputs))`` lays the steps out as a table, one row per step.
        Raises ``ValueError`` if ``inputs`` is empty or not a sequence, or if a step's input is not
        ``input_size`` finite numbers.
        """
        if isinstance(inputs, (str, bytes)) or not isinstance(inputs, Sequence) or not inputs:
            raise ValueError(
                f"inputs: expected a non-empty sequence of input vectors, got {inputs!r:.60}"
            )
        steps = []
        cell = initial_cell
        for t, x in enumerate(inputs):
            steps.append(self.step(x, cell, name=f"inputs[{t}]"))
            cell = steps[-1].cell
        return steps


LECTURE_EXAMPLE_INPUTS: tuple[tuple[float, float, float], ...] = (
    (3, 1, 0),
    (4, 1, 0),
    (2, 0, 0),
    (1, 0, 1),
    (3, -1, 0),
)
"""The lecture's input sequence: ``x1`` is the value to store, ``x2 = 1`` writes it, ``x2 = −1``
erases the cell, ``x3 = 1`` reads it out."""


def lecture_example_cell(gate_activation: str = "sigmoid") -> MemoryCell:
    r"""The lecture's worked example: a cell that stores :math:`x_1` on command (chapter 3, equation (3.2)).

    .. math::
        z = x_1, \quad z_i = 100\, x_2 - 10, \quad z_f = 100\, x_2 + 10, \quad z_o = 100\, x_3 - 10

    with linear :math:`g` and :math:`h`. With sigmoid gates, :math:`\sigma(\pm 10)` is nearly 1
    or 0 (:math:`\sigma(10) = 0.9999546\ldots`): over :data:`LECTURE_EXAMPLE_INPUTS` the cell
    holds about 3, 7, 7, 7, 0 and outputs about 0, 0, 0, 7, 0. ``gate_activation="step"`` makes
    the gates exactly 0 or 1 and those numbers exact.
    """
    return MemoryCell(
        cell_input=LinearInput((1, 0, 0), 0),
        input_gate=LinearInput((0, 100, 0), -10),
        forget_gate=LinearInput((0, 100, 0), 10),
        output_gate=LinearInput((0, 0, 100), -10),
        cell_input_activation="identity",
        gate_activation=gate_activation,
        output_activation="identity",
    )
