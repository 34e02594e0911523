"""Interactive widgets of the chapters: edit the inputs, watch the network respond.

A widget only responds where a Python kernel runs it (Binder, Colab, Jupyter on your own
computer). So that a static page still shows something meaningful, every widget here computes
its result when it is created and keeps it in its ``Output`` area, whose contents are saved
with the notebook and shown by the book.
"""
from __future__ import annotations

import base64
import io
from typing import Sequence

import ipywidgets as widgets
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ._checks import require_non_negative_int, require_positive_int
from .memory_cell import LECTURE_EXAMPLE_INPUTS, MemoryCell, MemoryCellStep, lecture_example_cell
from .plots import plot_memory_cell_steps
from .tables import memory_cell_table


def figure_png(steps: Sequence[MemoryCellStep], dpi: int = 80) -> bytes:
    """The figure of :func:`~companion.plots.plot_memory_cell_steps` as PNG bytes, drawn without pyplot (chapter 3).

    ``dpi`` is dots per inch of the 10 × 3.4 inch figure. Raises ``ValueError`` if ``dpi`` is not a
    positive integer or ``steps`` holds no step.
    """
    require_positive_int("dpi", dpi)
    figure = Figure(figsize=(10, 3.4))
    FigureCanvasAgg(figure)
    axes = figure.subplots(1, 2)
    figure.subplots_adjust(wspace=0.3)
    plot_memory_cell_steps(steps, axes=axes)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    return buffer.getvalue()


class MemoryCellStepper(widgets.VBox):
    r"""An editable run of the lecture's memory cell (chapter 3, equation (3.1)).

    One row of number fields per step holds the input vector :math:`x_t`. Whenever a field
    changes, the cell is run again from :math:`c = 0` over all the steps,

    .. math::  c' = g(z)\, f(z_i) + c\, f(z_f), \qquad a = h(c')\, f(z_o),

    and the ``output`` area shows the table of :func:`~companion.tables.memory_cell_table` and
    the figure of :func:`~companion.plots.plot_memory_cell_steps`. ``fields[t][j]`` is the
    field of component ``j`` of the input at step ``t + 1``; ``steps`` holds the records of the
    last run and ``table`` the table shown. Raises ``ValueError`` if ``cell`` is not a
    :class:`~companion.memory_cell.MemoryCell`, ``inputs`` is not a non-empty list of input
    vectors of the cell's ``input_size`` finite numbers, or ``decimals`` is not a non-negative
    integer.
    """

    def __init__(self, cell: MemoryCell, inputs: Sequence[Sequence[float]], decimals: int = 4):
        super().__init__()
        if not isinstance(cell, MemoryCell):
            raise ValueError(f"cell: expected a MemoryCell, got {type(cell).__name__}")
        steps = cell.run(inputs)  # checks the inputs, naming the bad one
        self.cell = cell
        self.decimals = decimals
        require_non_negative_int("decimals", decimals)
        layout = widgets.Layout(width="5.5em")
        self.fields = [
            [widgets.FloatText(value=value, layout=layout) for value in step.x] for step in steps
        ]
        header = widgets.HBox(
            [widgets.Label("", layout=widgets.Layout(width="3.5em"))]
            + [widgets.Label(f"x{j + 1}", layout=layout) for j in range(cell.input_size)]
        )
        rows = [
            widgets.HBox([widgets.Label(f"t = {t + 1}", layout=widgets.Layout(width="3.5em")), *row])
            for t, row in enumerate(self.fields)
        ]
        self.output = widgets.Output()
        explanation = widgets.HTML(
            "<b>Edit the inputs</b> (one row per step): the table and the figure below are "
            "recomputed, the cell starting from c = 0."
        )
        self.children = [explanation, header, *rows, self.output]
        for row in self.fields:
            for field in row:
                field.observe(self._changed, names="value")
        self.update()

    @property
    def inputs(self) -> tuple[tuple[float, ...], ...]:
        """The input vectors as the fields hold them now."""
        return tuple(tuple(field.value for field in row) for row in self.fields)

    def _changed(self, change) -> None:
        self.update()

    def update(self) -> None:
        """Run the cell on the current inputs and show the result in ``output``."""
        self.steps = self.cell.run(self.inputs)
        self.table = table = memory_cell_table(self.steps, self.decimals)
        png = base64.b64encode(figure_png(self.steps)).decode("ascii")
        self.output.outputs = (
            {
                "output_type": "display_data",
                "data": {"text/html": table.to_html(), "text/plain": table.to_string()},
                "metadata": {},
            },
            {
                "output_type": "display_data",
                "data": {"image/png": png, "text/plain": "<Figure: gates, stored value and output>"},
                "metadata": {},
            },
        )

    def __repr__(self) -> str:
        return f"MemoryCellStepper({len(self.fields)} steps of {self.cell.input_size} inputs)"


def memory_cell_stepper(
    cell: MemoryCell | None = None,
    inputs: Sequence[Sequence[float]] = LECTURE_EXAMPLE_INPUTS,
    decimals: int = 4,
) -> MemoryCellStepper:
    """A :class:`MemoryCellStepper` for ``cell`` (the lecture's, :func:`lecture_example_cell`, by default)
    starting from ``inputs`` (the lecture's five input vectors by default) (chapter 3)."""
    return MemoryCellStepper(lecture_example_cell() if cell is None else cell, inputs, decimals)
