"""The interactive widgets (chapter 3): built, edited programmatically, and what they show."""
import base64

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from companion.memory_cell import LECTURE_EXAMPLE_INPUTS, LinearInput, MemoryCell, lecture_example_cell  # noqa: E402
from companion.widgets import MemoryCellStepper, figure_png, memory_cell_stepper  # noqa: E402


def shown(stepper):
    """The table (text) and the figure (PNG bytes) in the stepper's output area."""
    table, figure = stepper.output.outputs
    return table["data"]["text/plain"], table["data"]["text/html"], base64.b64decode(figure["data"]["image/png"])


def test_stepper_starts_with_the_lecture_example_computed():
    stepper = memory_cell_stepper()
    assert isinstance(stepper, MemoryCellStepper)
    assert stepper.inputs == tuple(tuple(float(v) for v in x) for x in LECTURE_EXAMPLE_INPUTS)
    assert [round(s.cell, 2) for s in stepper.steps] == [3, 7, 7, 7, 0]
    text, html, png = shown(stepper)
    assert png.startswith(b"\x89PNG")
    assert "<table" in html and "forget gate" in html
    assert stepper.table.loc[4, "a"] == 6.9995  # the output at step 4
    assert "6.9995" in text and "6.9995" in html
    # the field widgets and the output area are all inside the box
    assert stepper.output in stepper.children
    assert len(stepper.fields) == 5 and all(len(row) == 3 for row in stepper.fields)


def test_editing_a_field_recomputes_the_table_and_the_figure():
    stepper = memory_cell_stepper(lecture_example_cell("step"))
    _, html_before, png_before = shown(stepper)
    stepper.fields[3][2].value = 0.0  # no read-out at step 4
    assert [s.output for s in stepper.steps] == [0, 0, 0, 0, 0]
    stepper.fields[0][0].value = 5.0  # store 5 instead of 3 at step 1
    assert [s.cell for s in stepper.steps] == [5, 9, 9, 9, 0]
    text, html_after, png_after = shown(stepper)
    assert html_after != html_before and png_after != png_before
    assert stepper.table.loc[1, "x"] == "[5, 1, 0]" and "[5, 1, 0]" in text
    assert stepper.table["c'"].tolist() == [5, 9, 9, 9, 0]


def test_stepper_takes_any_cell_and_inputs():
    cell = MemoryCell(
        cell_input=LinearInput((1.0, 0.0)), input_gate=LinearInput((0.0, 1.0)),
        forget_gate=LinearInput((0.0, 0.0), 5.0), output_gate=LinearInput((0.0, 0.0), 5.0),
    )
    stepper = memory_cell_stepper(cell, [(0.5, 2.0), (1.0, -2.0)], decimals=2)
    assert stepper.inputs == ((0.5, 2.0), (1.0, -2.0))
    assert len(stepper.fields) == 2 and len(stepper.fields[0]) == 2
    assert repr(stepper) == "MemoryCellStepper(2 steps of 2 inputs)"


def test_figure_png_is_a_png():
    assert figure_png(lecture_example_cell().run(LECTURE_EXAMPLE_INPUTS)).startswith(b"\x89PNG")
    with pytest.raises(ValueError, match="dpi: expected a positive integer, got 0"):
        figure_png(lecture_example_cell().run(LECTURE_EXAMPLE_INPUTS), dpi=0)


@pytest.mark.parametrize(
    "arguments, message",
    [
        (dict(cell="lecture"), "cell: expected a MemoryCell, got str"),
        (dict(inputs=[]), "inputs: expected a non-empty sequence of input vectors"),
        (dict(inputs=[(1, 2, 3), (1, 2)]), r"inputs\[1\]: expected 3 numbers \(the cell's input size\), got 2"),
        (dict(decimals=-1), "decimals: expected a non-negative integer, got -1"),
    ],
)
def test_stepper_rejects_bad_arguments(arguments, message):
    with pytest.raises(ValueError, match=message):
        memory_cell_stepper(**arguments)
