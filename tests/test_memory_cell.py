"""The lecture's single LSTM memory cell, a neuron with four inputs (chapter 3)."""
import math

import pandas as pd
import pytest
import torch

from companion.cells import LSTMCell
from companion.memory_cell import (
    LECTURE_EXAMPLE_INPUTS,
    LinearInput,
    MemoryCell,
    MemoryCellStep,
    lecture_example_cell,
)


def test_lecture_example_with_hard_gates_gives_the_lecture_numbers_exactly():
    steps = lecture_example_cell(gate_activation="step").run(LECTURE_EXAMPLE_INPUTS)
    assert [s.cell for s in steps] == [3, 7, 7, 7, 0]
    assert [s.output for s in steps] == [0, 0, 0, 7, 0]
    assert [s.input_gate for s in steps] == [1, 1, 0, 0, 0]
    assert [s.forget_gate for s in steps] == [1, 1, 1, 1, 0]
    assert [s.output_gate for s in steps] == [0, 0, 0, 1, 0]


def test_lecture_example_with_sigmoid_gates():
    steps = lecture_example_cell().run(LECTURE_EXAMPLE_INPUTS)
    assert [s.z for s in steps] == [3, 4, 2, 1, 3]
    assert [s.z_input for s in steps] == [90, 90, -10, -10, -110]
    assert [s.z_forget for s in steps] == [110, 110, 10, 10, -90]
    assert [s.z_output for s in steps] == [-10, -10, -10, 90, -10]
    assert [s.previous_cell for s in steps] == [0] + [s.cell for s in steps[:-1]]

    # σ(10) = 0.9999546…, not 1; σ(90) and σ(110) round to exactly 1.0 in float64.
    assert steps[0].forget_gate == 1.0 and steps[0].input_gate == 1.0
    assert steps[2].forget_gate == pytest.approx(0.9999546021312976, rel=1e-15)
    assert steps[0].output_gate == pytest.approx(4.5397868702434395e-05, rel=1e-13)
    assert [s.cell for s in steps] == pytest.approx(
        [3.0, 7.0, 6.999773010656488, 6.999500633749107, 5.735399660523715e-39], rel=1e-13
    )
    assert [s.output for s in steps] == pytest.approx(
        [0.00013619360610730318, 0.00031778508091704076, 0.00031777477608462717, 6.999500633749107,
         2.6037492074444242e-43],
        rel=1e-13,
    )

    # The same numbers from the lecture's equations, written out step by step.
    def sigma(z):
        return 1 / (1 + math.exp(-z))

    c1 = 3 * sigma(90)
    c2 = 4 * sigma(90) + c1 * sigma(110)
    c3 = 2 * sigma(-10) + c2 * sigma(10)
    c4 = 1 * sigma(-10) + c3 * sigma(10)
    c5 = 3 * sigma(-110) + c4 * sigma(-90)
    outputs = [c1 * sigma(-10), c2 * sigma(-10), c3 * sigma(-10), c4 * sigma(90), c5 * sigma(-10)]
    assert [s.cell for s in steps] == pytest.approx([c1, c2, c3, c4, c5], rel=1e-14)
    assert [s.output for s in steps] == pytest.approx(outputs, rel=1e-14)
    # What the lecture's slide shows: the numbers to two decimals.
    assert [round(s.cell, 2) for s in steps] == [3, 7, 7, 7, 0]
    assert [round(s.output, 2) for s in steps] == [0, 0, 0, 7, 0]


def test_steps_lay_out_as_a_table():
    table = pd.DataFrame(lecture_example_cell("step").run(LECTURE_EXAMPLE_INPUTS))
    assert list(table.columns)[:5] == ["x", "z", "z_input", "z_forget", "z_output"]
    assert table["cell"].tolist() == [3, 7, 7, 7, 0]
    assert isinstance(lecture_example_cell().step((3, 1, 0)), MemoryCellStep)


def test_default_cell_is_one_unit_of_an_lstm_reading_only_its_input():
    weights = {
        "input_gate": LinearInput((0.3, -0.2), 0.1),
        "forget_gate": LinearInput((-0.5, 0.4), 0.2),
        "cell_input": LinearInput((0.7, 0.1), -0.3),
        "output_gate": LinearInput((0.2, 0.6), 0.05),
    }
    cell = MemoryCell(**weights)
    inputs = [(1.0, -2.0), (0.5, 0.5), (-1.5, 2.0)]
    steps = cell.run(inputs, initial_cell=0.25)

    lstm = LSTMCell(2, 1, dtype=torch.float64)
    with torch.no_grad():
        order = ("input_gate", "forget_gate", "cell_input", "output_gate")  # torch's i, f, g, o
        lstm.weight_ih.copy_(torch.tensor([weights[name].weights for name in order], dtype=torch.float64))
        lstm.bias_ih.copy_(torch.tensor([weights[name].bias for name in order], dtype=torch.float64))
        lstm.weight_hh.zero_()
        lstm.bias_hh.zero_()
    h, c = torch.zeros(1, 1, dtype=torch.float64), torch.full((1, 1), 0.25, dtype=torch.float64)
    for x, step in zip(inputs, steps):
        h, c = lstm(torch.tensor([x], dtype=torch.float64), (h, c))
        assert step.cell == pytest.approx(c.item(), rel=1e-14, abs=1e-15)
        assert step.output == pytest.approx(h.item(), rel=1e-14, abs=1e-15)


def test_cell_accepts_weight_pairs_and_every_activation():
    pairs = {name: ((1.0,), 0.0) for name in ("cell_input", "input_gate", "forget_gate", "output_gate")}
    for activation in ("sigmoid", "tanh", "identity", "step"):
        cell = MemoryCell(**pairs, cell_input_activation=activation, gate_activation=activation, output_activation=activation)
        assert math.isfinite(cell.run([(2.0,), (-1.0,)])[-1].output)
    assert MemoryCell(**pairs).input_size == 1


BAD_INPUT = {
    "unknown activation": (lambda: MemoryCell(**{n: ((1,), 0) for n in ("cell_input", "input_gate", "forget_gate", "output_gate")}, gate_activation="relu"), r"gate_activation: expected one of 'sigmoid', 'tanh', 'identity', 'step', got 'relu'"),
    "weights of different lengths": (lambda: MemoryCell(((1, 0), 0), ((1,), 0), ((1, 0), 0), ((1, 0), 0)), r"input_gate: expected 2 weights \(as many as cell_input has\), got 1"),
    "weights not a pair": (lambda: MemoryCell("w", ((1,), 0), ((1,), 0), ((1,), 0)), r"cell_input: expected a LinearInput or a \(weights, bias\) pair, got str"),
    "weight not a number": (lambda: LinearInput((1, "2"), 0), r"weights\[1\]: expected a finite number, got '2'"),
    "infinite bias": (lambda: LinearInput((1,), math.inf), r"bias\[0\]: expected a finite number, got inf"),
    "input of the wrong size": (lambda: lecture_example_cell().run([(3, 1, 0), (4, 1)]), r"inputs\[1\]: expected 3 numbers \(the cell's input size\), got 2"),
    "no inputs": (lambda: lecture_example_cell().run([]), r"inputs: expected a non-empty sequence of input vectors"),
    "step input not numbers": (lambda: lecture_example_cell().step("310"), r"x: expected a sequence of numbers, got str"),
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_is_rejected_clearly(case):
    call, message = BAD_INPUT[case]
    with pytest.raises(ValueError, match=message):
        call()


def test_memory_cell_table_rounds_each_step():
    from companion.tables import memory_cell_table

    table = memory_cell_table(lecture_example_cell().run(LECTURE_EXAMPLE_INPUTS))
    assert list(table.columns) == ["x", "g(z)", "input gate", "forget gate", "output gate", "c", "c'", "a"]
    assert table.index.name == "t" and table.index.tolist() == [1, 2, 3, 4, 5]
    assert table["x"].tolist() == ["[3, 1, 0]", "[4, 1, 0]", "[2, 0, 0]", "[1, 0, 1]", "[3, -1, 0]"]
    assert table["c'"].tolist() == [3.0, 7.0, 6.9998, 6.9995, 0.0]
    assert table["c"].tolist() == [0.0, 3.0, 7.0, 6.9998, 6.9995]
    assert table["a"].tolist() == [0.0001, 0.0003, 0.0003, 6.9995, 0.0]
    # rounding never shows a negative zero
    negative = lecture_example_cell().run([(-1e-9, 1, 1)])
    assert str(memory_cell_table(negative, decimals=2).loc[1, "a"]) == "0.0"
    with pytest.raises(ValueError, match="decimals: expected a non-negative integer, got 1.5"):
        memory_cell_table(negative, decimals=1.5)
    with pytest.raises(ValueError, match="steps: expected at least one MemoryCellStep, got none"):
        memory_cell_table([])
