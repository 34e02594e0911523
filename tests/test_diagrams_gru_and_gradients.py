"""The GRU cell (chapter 3) and the gradient's paths (chapter 4) drawn by companion.diagrams:
what they draw, counted in boxes, circles and arrows, and the names they keep importable."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from drawn import arrows, boxes, circles, close_figures, ends, texts  # noqa: E402, F401 (close_figures: autouse)
from matplotlib.colors import to_rgba  # noqa: E402

import companion.diagrams as diagrams  # noqa: E402
from companion.diagrams import (  # noqa: E402
    CARRIED_COLOUR,
    GATE_COLOUR,
    GRADIENT_COLOUR,
    MEMORY_COLOUR,
    draw_gradient_paths,
    draw_gru_cell,
)


def test_the_package_keeps_every_name_the_chapters_import():
    for name in ("draw_unrolled", "draw_variant", "draw_shapes", "draw_memory_cell", "draw_lstm_cell",
                 "draw_gru_cell", "draw_gradient_paths", "CARRIED_COLOUR", "INPUT_COLOUR", "MEMORY_COLOUR",
                 "OUTPUT_COLOUR", "GATE_COLOUR", "OPERATION_COLOUR", "GRADIENT_COLOUR", "VARIANTS"):
        assert hasattr(diagrams, name) and name in diagrams.__all__, name


# --- chapter 3: the GRU cell -------------------------------------------------------------------


def test_gru_cell_draws_two_gates_a_candidate_and_the_mix():
    ax = draw_gru_cell()
    assert isinstance(ax, plt.Axes)
    # h_{t-1}, h_t, x_t, the two gates, the candidate's tanh and the W_hn box
    assert len(boxes(ax)) == 7
    # the update gate's and the mix's products, the reset product, the sum, 1 - z
    assert len(circles(ax)) == 5
    gates = [b for b in boxes(ax) if b.get_facecolor() == to_rgba(GATE_COLOUR)]
    assert len(gates) == 3
    assert len([b for b in boxes(ax) if b.get_facecolor() == to_rgba(MEMORY_COLOUR)]) == 2
    assert [t.get_text() for t in ax.texts].count(r"$\sigma$") == 2
    assert {"$h_{t-1}$", "$h_t$", "$x_t$", "$z_t$", "$r_t$", "$n_t$", "$1 - z_t$", r"$\tanh$",
            "$W_{hn}, b_{hn}$", "$W_{in}, b_{in}$"} <= texts(ax)
    assert {"update", "reset", "candidate"} <= texts(ax)


def test_gru_cell_memory_runs_left_to_right_along_the_top():
    ax = draw_gru_cell()
    carried = arrows(ax, CARRIED_COLOUR)
    assert len(carried) == 3  # h_{t-1} to the product, to the sum, to h_t
    heights = set()
    for arrow in carried:
        (x0, y0), (x1, y1) = ends(arrow)
        assert x1 > x0
        heights |= {round(y0, 6), round(y1, 6)}
    assert len(heights) == 1
    top = heights.pop()
    others = [ends(a) for a in arrows(ax) if a not in carried]
    assert all(max(y0, y1) <= top for (_, y0), (_, y1) in others)  # everything else lies below


def test_gru_cell_draws_on_the_axes_given():
    _, ax = plt.subplots()
    assert draw_gru_cell(ax=ax, title="mine") is ax
    assert ax.get_title() == "mine"


def test_gru_cell_text_is_large_enough_for_a_phone():
    ax = draw_gru_cell()
    width_inches = ax.figure.get_figwidth()
    assert 7 <= width_inches <= 9
    assert min(t.get_fontsize() for t in ax.texts) >= 10


# --- chapter 4: the gradient's paths -----------------------------------------------------------


@pytest.mark.parametrize("steps", [1, 2, 4, 6])
def test_gradient_paths_draws_every_node_and_both_kinds_of_arrow(steps):
    ax = draw_gradient_paths(steps)
    assert isinstance(ax, plt.Axes)
    assert len(boxes(ax)) == 4 * steps + 1  # x_t, h_t, o_t, L_t at every step, and h_0
    # forward: x -> h, h -> o, o -> L and h_{t-1} -> h_t at every step
    assert len(arrows(ax, "0.55")) == 4 * steps
    # backward: L_t -> o_t -> h_t at every step, h_t -> h_{t-1} between steps
    assert len(arrows(ax, GRADIENT_COLOUR)) == 3 * steps - 1
    assert {f"$L_{{{t}}}$" for t in range(1, steps + 1)} <= texts(ax)
    assert [t.get_text() for t in ax.texts].count("$W$") == steps  # the one shared matrix, marked
    assert {f"$\\delta_{{{t}}}$" for t in range(1, steps + 1)} <= texts(ax)


def test_gradient_paths_go_down_each_column_and_back_in_time():
    ax = draw_gradient_paths(3)
    down = back = 0
    for arrow in arrows(ax, GRADIENT_COLOUR):
        (x0, y0), (x1, y1) = ends(arrow)
        if abs(x0 - x1) < 1e-9:
            assert y1 < y0
            down += 1
        else:
            assert x1 < x0 and abs(y1 - y0) < 1e-9
            back += 1
    assert (down, back) == (6, 2)


def test_gradient_paths_highlights_the_paths_of_one_loss_term():
    ax = draw_gradient_paths(4, highlight=3)
    gradient = arrows(ax, GRADIENT_COLOUR)
    bold = [a for a in gradient if a.get_linewidth() > 2]
    # L_3 -> o_3 -> h_3, then h_3 -> h_2 -> h_1
    assert len(bold) == 4
    assert all(a.get_alpha() in (None, 1.0) for a in bold)
    assert all(a.get_alpha() < 1 for a in gradient if a not in bold)
    assert "gradient of $L_{3}$" in [t.get_text() for t in ax.get_legend().get_texts()]


def test_gradient_paths_draws_on_the_axes_given_with_its_equation():
    _, ax = plt.subplots()
    assert draw_gradient_paths(ax=ax, title="mine") is ax
    assert ax.get_title() == "mine"
    assert any(r"\delta_t = V^\top" in text for text in texts(ax))
    assert ax.figure.get_figwidth() < 7  # the figure given, not a new one


@pytest.mark.parametrize(
    "arguments, message",
    [
        ({"steps": 0}, "steps: expected a positive integer, got 0"),
        ({"steps": 2.0}, "steps: expected a positive integer, got 2.0"),
        ({"steps": 3, "highlight": 4}, "highlight: expected None or a step from 1 to 3, got 4"),
        ({"steps": 3, "highlight": 0}, "highlight: expected None or a step from 1 to 3, got 0"),
        ({"steps": 3, "highlight": True}, "highlight: expected None or a step from 1 to 3, got True"),
        ({"steps": 3, "highlight": "2"}, "highlight: expected None or a step from 1 to 3, got '2'"),
    ],
)
def test_gradient_paths_rejects_bad_arguments(arguments, message):
    with pytest.raises(ValueError) as caught:
        draw_gradient_paths(**arguments)
    assert str(caught.value) == message
