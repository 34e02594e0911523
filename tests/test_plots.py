"""The diagrams of companion.diagrams and the figures of companion.plots: what they draw, counted in boxes and arrows."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from drawn import arrows, boxes, circles, close_figures, ends, texts  # noqa: E402, F401 (close_figures: autouse)
from matplotlib.colors import to_rgba  # noqa: E402
from companion.diagrams import CARRIED_COLOUR, draw_shapes, draw_unrolled, draw_variant  # noqa: E402


def carried(ax):
    """The red arrows, what is carried from one step to the next."""
    return arrows(ax, CARRIED_COLOUR)


# kind: (boxes, arrows, red arrows) for `steps` steps, the starting states included
EXPECTED = {
    "elman": lambda s: (3 * s + 1, 3 * s, s),
    "jordan": lambda s: (3 * s + 1, 3 * s, s),
    "bidirectional": lambda s: (4 * s + 2, 6 * s, 2 * s),
    "deep": lambda s: (4 * s + 2, 5 * s, 2 * s),
}


@pytest.mark.parametrize("steps", [1, 3])
@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_each_variant_draws_its_boxes_and_arrows(kind, steps):
    ax = draw_variant(kind, steps=steps)
    assert isinstance(ax, plt.Axes)
    n_boxes, n_arrows, n_red = EXPECTED[kind](steps)
    assert (len(boxes(ax)), len(arrows(ax)), len(carried(ax))) == (n_boxes, n_arrows, n_red)
    assert {f"$x_{{{t}}}$" for t in range(1, steps + 1)} <= texts(ax)
    assert ax.get_title().lower().startswith(kind)


def test_deep_stacks_the_layers_asked_for():
    ax = draw_variant("deep", steps=2, layers=3)
    assert (len(boxes(ax)), len(arrows(ax)), len(carried(ax))) == (5 * 2 + 3, 4 * 2 + 3 * 2, 3 * 2)
    assert "$h^{(3)}_{2}$" in texts(ax)


def test_jordan_feeds_the_output_back_to_the_next_hidden_layer():
    ax = draw_variant("jordan", steps=3)
    for arrow in carried(ax):
        (x0, y0), (x1, y1) = ends(arrow)
        assert x1 > x0 and y0 > 1.5 > y1 > 0.5  # from the output row down to the next hidden box


def test_bidirectional_rows_run_in_opposite_directions():
    ax = draw_variant("bidirectional", steps=3)
    directions = {}
    for arrow in carried(ax):
        (x0, y0), (x1, y1) = ends(arrow)
        assert y0 == pytest.approx(y1)
        directions.setdefault(round(y0), set()).add(np.sign(x1 - x0))
    assert directions == {1: {1.0}, 2: {-1.0}}


def test_draw_variant_draws_on_the_axes_given():
    _, ax = plt.subplots()
    assert draw_variant("elman", steps=2, ax=ax) is ax


@pytest.mark.parametrize(
    "arguments, message",
    [
        (dict(kind="lstm"), "kind: expected one of 'elman', 'jordan', 'bidirectional', 'deep', got 'lstm'"),
        (dict(kind="elman", steps=0), "steps: expected a positive integer, got 0"),
        (dict(kind="elman", steps=2.5), "steps: expected a positive integer, got 2.5"),
        (dict(kind="deep", layers=0), "layers: expected a positive integer, got 0"),
        (dict(kind="elman", layers=2), "layers: expected None for kind 'elman'"),
    ],
)
def test_draw_variant_rejects_bad_arguments(arguments, message):
    with pytest.raises(ValueError) as caught:
        draw_variant(**arguments)
    assert str(caught.value).startswith(message)


def test_draw_shapes_draws_the_four_shapes():
    ax = draw_shapes()
    assert isinstance(ax, plt.Axes)
    # boxes: 7 + 7 + 9 + 10; arrows: 6 + 6 + 8 + 9, of which 2 + 2 + 2 + 4 red
    assert (len(boxes(ax)), len(arrows(ax)), len(carried(ax))) == (33, 29, 10)
    for task in ("image captioning", "sentiment analysis", "slot filling", "translation"):
        assert f"e.g. {task}" in texts(ax)
    assert {"encoder", "decoder"} <= texts(ax)


def test_draw_unrolled_still_writes_the_vectors():
    ax = draw_unrolled(np.eye(2), np.array([[0.5, 0], [1, 1]]), np.array([[2], [3]]))
    assert (len(boxes(ax)), len(arrows(ax))) == (7, 6)
    assert {"[1, 0]", "[0.5, 0]", "[3]", "t = 2"} <= texts(ax)


def test_score_comparison_pairs_each_model_with_its_published_number():
    from companion.plots import plot_score_comparison

    ax = plot_score_comparison({"Elman": 94.1, "Jordan": 93.5}, {"Elman": 94.98, "Jordan": 94.29}, tolerance=1.0)
    heights = sorted(round(bar.get_height(), 2) for bar in ax.patches)
    assert heights == [93.5, 94.1, 94.29, 94.98]
    assert {"94.10", "94.98"} <= {text.get_text() for text in ax.texts}
    assert [label.get_text() for label in ax.get_xticklabels()] == ["Elman", "Jordan"]
    assert len(ax.collections) == 1  # the tolerance ticks
    plt.close("all")


def test_score_comparison_sets_models_without_a_counterpart_apart():
    from companion.plots import plot_score_comparison

    ours = {"Elman": 94.0, "bidirectional Elman": 94.5}
    published = {"Elman (paper)": 94.98, "hybrid (paper)": 95.06}
    ax = plot_score_comparison(ours, published, tolerance=1.0)
    labels = [label.get_text() for label in ax.get_xticklabels()]
    assert labels == ["Elman", "bidirectional Elman", "Elman (paper)", "hybrid (paper)"]
    bars = sorted(ax.patches, key=lambda bar: bar.get_x())
    assert [round(bar.get_height(), 2) for bar in bars] == [94.0, 94.5, 94.98, 95.06]
    # ours first, then the published group after a gap wider than the one between bars
    lefts = [bar.get_x() for bar in bars]
    assert lefts[2] - lefts[1] > lefts[1] - lefts[0]
    ticks = ax.collections[0].get_segments()
    assert [round(segment[0][1], 2) for segment in ticks] == [93.98, 94.06]
    plt.close("all")


@pytest.mark.parametrize("ours, published, name", [({}, {"Elman": 94.98}, "ours"), ({"Elman": 94.0}, {}, "published")])
def test_score_comparison_needs_models_on_both_sides(ours, published, name):
    from companion.plots import plot_score_comparison

    with pytest.raises(ValueError, match=rf"{name}: expected at least one model, got none"):
        plot_score_comparison(ours, published)


# --- chapter 3: the LSTM memory cell ----------------------------------------------------------


def test_memory_cell_has_four_inputs_three_gates_and_one_output():
    from companion.diagrams import INPUT_COLOUR, OUTPUT_COLOUR, draw_memory_cell

    ax = draw_memory_cell()
    assert isinstance(ax, plt.Axes)
    # 4 inputs, g and h, 3 gates, the cell, the output; 3 products and 1 sum
    assert (len(boxes(ax)), len(circles(ax))) == (11, 4)
    assert (len(arrows(ax)), len(carried(ax))) == (15, 1)
    inputs = [b for b in boxes(ax) if b.get_facecolor() == to_rgba(INPUT_COLOUR)]
    assert len(inputs) == 4
    assert len([b for b in boxes(ax) if b.get_facecolor() == to_rgba(OUTPUT_COLOUR)]) == 1
    assert {"$z$", "$z_i$", "$z_f$", "$z_o$", "$f(z_i)$", "$f(z_f)$", "$f(z_o)$", "$g(z)$", "$h(c')$", "$a$"} <= texts(ax)
    assert {"input gate", "forget gate", "output gate"} <= texts(ax)
    assert [t.get_text() for t in ax.texts].count(r"$\times$") == 3


def test_memory_cell_loop_goes_from_the_cell_down_to_the_forget_product():
    from companion.diagrams import draw_memory_cell

    ax = draw_memory_cell()
    (loop,) = carried(ax)
    (x0, y0), (x1, y1) = ends(loop)
    assert y0 > y1 and x1 > x0  # from the cell, down and right to the forget gate's product


def test_lstm_cell_draws_the_cell_state_line_and_four_layers():
    from companion.diagrams import GATE_COLOUR, draw_lstm_cell

    ax = draw_lstm_cell()
    assert isinstance(ax, plt.Axes)
    gates = [b for b in boxes(ax) if b.get_facecolor() == to_rgba(GATE_COLOUR)]
    assert len(gates) == 4
    assert (len(boxes(ax)), len(circles(ax))) == (10, 4)
    # 3 along the cell state, 8 through the gates and the output, x_t to the bus, the bus to 4 layers
    assert (len(arrows(ax)), len(carried(ax))) == (16, 3)
    # the cell state runs left to right along one line, above everything else
    heights = set()
    for arrow in carried(ax):
        (x0, y0), (x1, y1) = ends(arrow)
        assert x1 > x0
        heights.add(round(y0, 6))
        heights.add(round(y1, 6))
    assert len(heights) == 1
    assert {"$c_{t-1}$", "$c_t$", "$h_{t-1}$", "$x_t$", "$h_t$", "$f_t$", "$i_t$", "$g_t$", "$o_t$"} <= texts(ax)
    assert [t.get_text() for t in ax.texts].count(r"$\sigma$") == 3


@pytest.mark.parametrize("draw", ["draw_memory_cell", "draw_lstm_cell"])
def test_cell_drawings_draw_on_the_axes_given(draw):
    import companion.diagrams as diagrams

    _, ax = plt.subplots()
    assert getattr(diagrams, draw)(ax=ax, title="mine") is ax
    assert ax.get_title() == "mine"


def test_memory_cell_steps_plots_gates_and_values():
    from companion.memory_cell import LECTURE_EXAMPLE_INPUTS, lecture_example_cell
    from companion.plots import plot_memory_cell_steps

    steps = lecture_example_cell("step").run(LECTURE_EXAMPLE_INPUTS)
    gates_ax, values_ax = plot_memory_cell_steps(steps)
    heights = [bar.get_height() for bar in gates_ax.patches]
    # input gates, then forget gates, then output gates, one bar per step
    assert heights == [1, 1, 0, 0, 0] + [1, 1, 1, 1, 0] + [0, 0, 0, 1, 0]
    cell_line, output_line = values_ax.get_lines()[:2]
    assert list(cell_line.get_ydata()) == [3, 7, 7, 7, 0]
    assert list(output_line.get_ydata()) == [0, 0, 0, 7, 0]
    assert gates_ax.get_xlabel() == values_ax.get_xlabel() == "step $t$"
    assert gates_ax.get_title() and values_ax.get_title()


def test_memory_cell_steps_rejects_no_steps():
    from companion.plots import plot_memory_cell_steps

    with pytest.raises(ValueError, match="steps: expected at least one MemoryCellStep, got none"):
        plot_memory_cell_steps([])


# --- every figure and diagram: the Axes it draws on ----------------------------------------------


def _every_drawing():
    from companion.diagrams import draw_gradient_paths, draw_gru_cell, draw_lstm_cell, draw_memory_cell
    from companion.plots import plot_confusion, plot_losses, plot_score_comparison, plot_tag_probabilities
    import pandas as pd

    return [
        lambda ax: draw_unrolled([[1, 0]], [[0.5, 0]], [[3]], ax=ax),
        lambda ax: draw_variant("elman", ax=ax),
        lambda ax: draw_shapes(ax=ax),
        lambda ax: draw_memory_cell(ax=ax),
        lambda ax: draw_lstm_cell(ax=ax),
        lambda ax: draw_gru_cell(ax=ax),
        lambda ax: draw_gradient_paths(ax=ax),
        lambda ax: plot_losses({"a": [1.0, 0.5]}, ax=ax),
        lambda ax: plot_confusion(pd.DataFrame([[1, 0], [0, 1]], index=["O", "B-x"], columns=["O", "B-x"]), ax=ax),
        lambda ax: plot_tag_probabilities(pd.DataFrame({"O": [0.5]}, index=["s"]), ax=ax),
        lambda ax: plot_score_comparison({"Elman": 94.0}, {"Elman": 94.98}, ax=ax),
    ]


@pytest.mark.parametrize("drawing", range(11))
@pytest.mark.parametrize("bad", ["ax", 3, [None]])
def test_every_drawing_names_an_ax_that_is_not_an_axes(drawing, bad):
    with pytest.raises(ValueError, match=r"ax: expected a matplotlib Axes or None, got "):
        _every_drawing()[drawing](bad)


@pytest.mark.parametrize("drawing", range(11))
def test_every_drawing_draws_on_a_new_figure_or_the_axes_given(drawing):
    draw = _every_drawing()[drawing]
    assert isinstance(draw(None), plt.Axes)
    _, ax = plt.subplots()
    assert draw(ax) is ax
