"""The diagrams of chapter 5 drawn by companion.diagrams (the linear chain, the leaky unit, the SCRN, the
Clockwork RNN, its schedule and weight mask, the echo state network): what they draw, counted in boxes,
circles and arrows, the arguments they refuse, and the Axes they draw on."""
import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from drawn import arrows, boxes, circles, close_figures, texts  # noqa: E402, F401 (close_figures: autouse)
from matplotlib.colors import to_rgba  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402
from matplotlib.path import Path  # noqa: E402

import companion.diagrams as diagrams  # noqa: E402
from companion.diagrams import (  # noqa: E402
    CARRIED_COLOUR,
    FIXED_COLOUR,
    GATE_COLOUR,
    MEMORY_COLOUR,
    TRAINED_COLOUR,
    draw_block_mask,
    draw_clockwork,
    draw_clockwork_schedule,
    draw_echo_state_network,
    draw_leaky_unit,
    draw_linear_chain,
    draw_scrn,
)

GREY = "0.3"


def shaft(arrow):
    """The first and the last point of an arrow's shaft in data coordinates (the head follows)."""
    path = arrow.get_path()
    head = next(k for k in range(1, len(path.codes)) if path.codes[k] == Path.MOVETO)
    return path.vertices[0], path.vertices[head - 1]


def module_centres(ax):
    """The x of each module box of draw_clockwork, left to right (the two wide bars left out)."""
    return sorted(b.get_x() + b.get_width() / 2 for b in boxes(ax) if b.get_facecolor() == to_rgba(MEMORY_COLOUR))


def nearest(x, centres):
    return min(range(len(centres)), key=lambda k: abs(centres[k] - x))


def block_upper_mask(sizes):
    """The Clockwork RNN's rule written out: unit k (row) hears unit l (column) if l's module >= k's."""
    module = np.repeat(np.arange(len(sizes)), sizes)
    return module[None, :] >= module[:, None]


# --- the names -------------------------------------------------------------------------------------


def test_the_package_exports_the_chapter_5_diagrams():
    for name in ("draw_linear_chain", "draw_leaky_unit", "draw_scrn", "draw_clockwork", "draw_clockwork_schedule",
                 "draw_block_mask", "draw_echo_state_network", "TRAINED_COLOUR", "FIXED_COLOUR"):
        assert hasattr(diagrams, name) and name in diagrams.__all__, name
    assert TRAINED_COLOUR == diagrams.GRADIENT_COLOUR  # the blue the other diagrams give to what training reaches


# --- the lecture's linear chain --------------------------------------------------------------------


@pytest.mark.parametrize("steps", [1, 2, 4, 6])
def test_linear_chain_multiplies_by_w_on_every_step(steps):
    ax = draw_linear_chain(steps)
    assert len(boxes(ax)) == 2 * steps + 1  # an input and a memory per step, one output
    carried = arrows(ax, CARRIED_COLOUR)
    assert len(carried) == steps - 1
    for arrow in carried:
        (x0, y0), (x1, y1) = shaft(arrow)
        assert x1 > x0 and abs(y1 - y0) < 1e-9
    written = [t.get_text() for t in ax.texts]
    weights = [t.get_text() for t in ax.texts if to_rgba(t.get_color()) == to_rgba(CARRIED_COLOUR)]
    assert weights == ["$w$"] * (steps - 1)  # the weight on every red arrow
    power = {1: "1", 2: "w"}.get(steps, f"w^{{{steps - 1}}}")
    assert f"$y = {power}$" in written
    inputs = [t.get_text() for t in ax.texts if t.get_text() in ("$1$", "$0$") and t.get_fontsize() == 13]
    assert inputs.count("$0$") == steps - 1  # the one 1 at the first step, then zeros
    assert "$T = 1000$: $y = w^{999}$" in written


# --- the leaky unit ----------------------------------------------------------------------------------


def test_leaky_unit_carries_one_minus_alpha_across_and_adds_alpha_of_the_new():
    ax = draw_leaky_unit()
    # h_{t-1}, h_t, x_t and the tanh layer; the two products and the sum
    assert len(boxes(ax)) == 4 and len(circles(ax)) == 3
    assert len([b for b in boxes(ax) if b.get_facecolor() == to_rgba(GATE_COLOUR)]) == 1
    carried = arrows(ax, CARRIED_COLOUR)
    assert len(carried) == 3  # h_{t-1} to the product, to the sum, to h_t
    heights = {round(float(y), 6) for arrow in carried for (_, y) in shaft(arrow)}
    assert len(heights) == 1
    top = heights.pop()
    assert all(shaft(a)[1][0] > shaft(a)[0][0] for a in carried)
    # the new path comes up from below into the sum, through its own product
    rising = [a for a in arrows(ax, GREY) if shaft(a)[1][1] > shaft(a)[0][1] + 0.1]
    assert len(rising) == 2 and max(shaft(a)[1][1] for a in rising) < top
    assert {r"$1 - \alpha$", r"$\alpha$", r"$\tilde h_t$", "kept", "new"} <= texts(ax)


def test_leaky_unit_writes_the_leak_it_is_given():
    ax = draw_leaky_unit(leak=0.1)
    assert {r"$1 - \alpha = 0.9$", r"$\alpha = 0.1$"} <= texts(ax)
    assert {r"$1 - \alpha = 0$", r"$\alpha = 1$"} <= texts(draw_leaky_unit(leak=1))


@pytest.mark.parametrize("leak", [0, -0.1, 1.5, math.nan, "0.5", True])
def test_leaky_unit_rejects_a_leak_outside_0_to_1(leak):
    with pytest.raises(ValueError) as caught:
        draw_leaky_unit(leak=leak)
    assert str(caught.value) == f"leak: expected None or a number in (0, 1], got {leak!r}"


# --- the SCRN ----------------------------------------------------------------------------------------


def test_scrn_names_the_papers_matrices_and_both_loops():
    ax = draw_scrn()
    assert len(boxes(ax)) == 4  # x_t, h_t, s_t, y_t
    assert {"$A$", "$B$", "$P$", "$R$", "$U$", "$V$", r"$\alpha$"} <= texts(ax)
    assert {r"$s_t = (1 - \alpha)\, B x_t + \alpha\, s_{t-1}$", r"$h_t = \sigma(P s_t + A x_t + R h_{t-1})$",
            r"$y_t = f(U h_t + V s_t)$"} <= texts(ax)
    centre = {b.get_x() + b.get_width() / 2: b for b in boxes(ax)}
    h_x, s_x = min(centre), max(centre)
    loops = arrows(ax, CARRIED_COLOUR)
    assert len(loops) == 2  # R on the hidden layer, alpha on the context
    for arrow in loops:
        (x0, _), (x1, _) = shaft(arrow)
        assert abs(x0 - x1) < 0.05  # out of a box's side and back into it
    assert sorted(round(float(shaft(a)[0][0]), 6) < 0 for a in loops) == [False, True]  # one on each box
    # A, B, U, V go up; P goes from the context to the hidden layer
    grey = [shaft(a) for a in arrows(ax, GREY)]
    assert len(grey) == 5
    level = [k for k, (start, end) in enumerate(grey) if abs(start[1] - end[1]) < 1e-9]
    assert len(level) == 1
    start, end = grey[level[0]]
    assert start[0] > end[0] and abs(start[0] - s_x) < 0.5 and abs(end[0] - h_x) < 0.5
    assert all(end[1] > start[1] for k, (start, end) in enumerate(grey) if k not in level)


# --- the Clockwork RNN -------------------------------------------------------------------------------


@pytest.mark.parametrize("periods", [(1, 2, 4, 8), (1,), (2, 3, 5), (1, 2, 4, 8, 16, 32)])
def test_clockwork_connects_only_slower_modules_to_faster_ones(periods):
    ax = draw_clockwork(periods)
    g = len(periods)
    assert len(boxes(ax)) == g + 2  # the modules, the input and the output
    assert [t.get_text() for t in ax.texts if t.get_text().startswith("$T = ")] == [f"$T = {p}$" for p in periods]
    centres = module_centres(ax)
    loops, pairs = 0, []
    for arrow in arrows(ax, CARRIED_COLOUR):
        (x0, _), (x1, _) = shaft(arrow)
        source, target = nearest(x0, centres), nearest(x1, centres)
        if source == target:
            loops += 1
        else:
            pairs.append((source, target))
    assert loops == g  # every module is connected within
    assert all(source > target for source, target in pairs)  # periods grow to the right: slower to faster
    assert sorted(pairs) == sorted((j, i) for i in range(g) for j in range(i + 1, g))  # every such pair once
    # the input into every module, every module to the output
    grey = [shaft(a) for a in arrows(ax, GREY)]
    assert len(grey) == 2 * g
    assert sorted(nearest(start[0], centres) for start, _ in grey) == sorted(list(range(g)) * 2)


@pytest.mark.parametrize("periods, steps", [((1, 2, 4, 8), 16), ((1, 3), 7), ((2, 5, 7), 30), ((4,), 1)])
def test_clockwork_schedule_fills_the_cells_where_t_mod_T_is_zero(periods, steps):
    ax = draw_clockwork_schedule(periods, steps)
    cells = [p for p in ax.patches if isinstance(p, Rectangle) and type(p) is Rectangle]
    assert len(cells) == len(periods) * steps
    filled = {(round(p.get_x() + 0.45), round(-(p.get_y() + 0.45))) for p in cells
              if p.get_facecolor() == to_rgba(CARRIED_COLOUR)}
    assert filled == {(t, i) for i, period in enumerate(periods) for t in range(steps) if t % period == 0}
    assert {f"$T = {p}$" for p in periods} <= texts(ax)
    assert "0" in texts(ax)


def test_clockwork_schedule_numbers_at_most_eight_steps():
    ax = draw_clockwork_schedule(steps=64)
    numbers = [t.get_text() for t in ax.texts if t.get_text().isdigit()]
    assert numbers == [str(t) for t in range(0, 64, 8)]


def test_block_mask_draws_the_mask_with_the_module_boundaries():
    periods = (1, 2, 4, 8)
    mask = block_upper_mask([3] * 4)
    ax = draw_block_mask(mask, periods=periods)
    assert np.array_equal(np.asarray(ax.images[0].get_array()), mask)
    assert len(ax.lines) == 2 * 3  # three boundaries across, three down
    assert sorted(float(line.get_xdata()[0]) for line in ax.lines if line.get_xdata()[0] == line.get_xdata()[1]) \
        == [3.0, 6.0, 9.0]
    written = [t.get_text() for t in ax.texts]
    assert all(written.count(f"$T = {p}$") == 2 for p in periods)  # over the columns and beside the rows
    assert {"from $h_{t-1}$ (columns)", "to $h_t$ (rows)"} <= texts(ax)


def test_block_mask_takes_unequal_modules_and_a_tensor():
    sizes = (1, 2, 5)
    mask = torch.from_numpy(block_upper_mask(sizes))
    ax = draw_block_mask(mask, module_sizes=sizes)
    assert np.array_equal(np.asarray(ax.images[0].get_array()), mask.numpy())
    assert {"1", "2", "3"} <= texts(ax)
    ax = draw_block_mask(mask, module_sizes=sizes, periods=(1, 4, 16))
    assert "$T = 16$" in texts(ax)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_block_mask_reads_a_cuda_tensor():
    mask = torch.from_numpy(block_upper_mask((2, 2))).cuda()
    ax = draw_block_mask(mask, periods=(1, 2))
    assert np.array_equal(np.asarray(ax.images[0].get_array()), mask.cpu().numpy())
    assert mask.is_cuda  # read, not moved


BAD_PERIODS = ("periods: expected a non-empty sequence of strictly increasing positive integers "
               "(one clock period per module, fastest first), got ")


@pytest.mark.parametrize("periods", [(2, 1), (1, 1), (), [], (0, 1), (1.0, 2), (True, 2), "12", 3, None,
                                     np.array([1, 2])])
@pytest.mark.parametrize("drawing", [draw_clockwork, draw_clockwork_schedule])
def test_clockwork_drawings_reject_periods_that_do_not_increase(drawing, periods):
    with pytest.raises(ValueError) as caught:
        drawing(periods)
    assert str(caught.value) == BAD_PERIODS + repr(periods)


@pytest.mark.parametrize("steps", [0, -3, 2.5, True, "16"])
def test_clockwork_schedule_rejects_bad_steps(steps):
    with pytest.raises(ValueError) as caught:
        draw_clockwork_schedule(steps=steps)
    assert str(caught.value) == f"steps: expected a positive integer, got {steps!r}"


@pytest.mark.parametrize(
    "mask, arguments, message",
    [
        (np.ones((3, 4), bool), {"periods": (1,)}, "mask: expected a square (H, H) matrix, got shape (3, 4)"),
        (np.ones(4, bool), {"periods": (1,)}, "mask: expected a square (H, H) matrix, got shape (4,)"),
        (np.ones((2, 2, 2), bool), {"periods": (1,)}, "mask: expected a square (H, H) matrix, got shape (2, 2, 2)"),
        (np.ones((0, 0), bool), {"periods": (1,)}, "mask: expected a square (H, H) matrix, got shape (0, 0)"),
        (np.ones((4, 4), int), {"periods": (1,)}, "mask: expected a boolean matrix (dtype bool), got dtype int64"),
        (torch.ones(4, 4), {"periods": (1,)}, "mask: expected a boolean matrix (dtype bool), got dtype float32"),
        (np.ones((4, 4), bool), {}, "module_sizes, periods: expected at least one of them, got neither"),
        (np.ones((4, 4), bool), {"module_sizes": (1, 2)},
         "module_sizes: expected positive integers that sum to 4 (the mask's size), got (1, 2)"),
        (np.ones((4, 4), bool), {"module_sizes": (0, 4)},
         "module_sizes: expected positive integers that sum to 4 (the mask's size), got (0, 4)"),
        (np.ones((4, 4), bool), {"module_sizes": (2.0, 2)},
         "module_sizes: expected positive integers that sum to 4 (the mask's size), got (2.0, 2)"),
        (np.ones((4, 4), bool), {"module_sizes": 4},
         "module_sizes: expected positive integers that sum to 4 (the mask's size), got 4"),
        (np.ones((4, 4), bool), {"periods": (1, 2, 4)},
         "periods: expected a number of modules that divides the mask's size 4, got 3 periods "
         "(pass module_sizes for unequal modules)"),
        (np.ones((4, 4), bool), {"module_sizes": (2, 2), "periods": (1, 2, 4)},
         "periods: expected one period per module (2), got 3"),
        (np.ones((4, 4), bool), {"periods": (2, 1)}, BAD_PERIODS + "(2, 1)"),
    ],
)
def test_block_mask_rejects_bad_arguments(mask, arguments, message):
    with pytest.raises(ValueError) as caught:
        draw_block_mask(mask, **arguments)
    assert str(caught.value) == message


# --- the echo state network --------------------------------------------------------------------------


def test_echo_state_network_draws_a_fixed_reservoir_and_a_trained_read_out():
    ax = draw_echo_state_network()
    nodes = circles(ax)
    assert len(nodes) == 12
    assert len(boxes(ax)) == 2  # x_t and y_t
    read_out = arrows(ax, TRAINED_COLOUR)
    assert len(read_out) == 12  # from every unit
    assert all(a.get_linestyle() in ("-", "solid") for a in read_out)
    tips = {tuple(np.round(shaft(a)[1], 1)) for a in read_out}
    assert len(tips) == 1  # all into the output
    fixed = arrows(ax, FIXED_COLOUR)
    assert all(a.get_linestyle() not in ("-", "solid") for a in fixed)  # dashed: the input, the reservoir, the feedback
    assert len(fixed) > 12 + 12  # into every unit, and a sparse graph among them
    assert len(arrows(draw_echo_state_network(feedback=False), FIXED_COLOUR)) == len(fixed) - 1
    written = " ".join(texts(ax))
    assert "fixed, random" in written and "trained: ridge regression" in written and "$W_{fb}$" in written


def test_echo_state_network_is_seeded():
    def wiring(seed):
        ax = draw_echo_state_network(seed=seed)
        return sorted(tuple(np.round(np.concatenate(shaft(a)), 6)) for a in arrows(ax, FIXED_COLOUR))

    assert wiring(0) == wiring(0)
    assert wiring(0) != wiring(1)


@pytest.mark.parametrize(
    "arguments, message",
    [
        ({"seed": -1}, "seed: expected a non-negative integer, got -1"),
        ({"seed": 1.5}, "seed: expected a non-negative integer, got 1.5"),
        ({"seed": "0"}, "seed: expected a non-negative integer, got '0'"),
        ({"feedback": 1}, "feedback: expected True or False, got 1"),
        ({"feedback": "yes"}, "feedback: expected True or False, got 'yes'"),
    ],
)
def test_echo_state_network_rejects_bad_arguments(arguments, message):
    with pytest.raises(ValueError) as caught:
        draw_echo_state_network(**arguments)
    assert str(caught.value) == message


# --- every drawing of chapter 5: the Axes, the size of the text ------------------------------------------

DRAWINGS = {
    "linear_chain": lambda ax: draw_linear_chain(ax=ax),
    "leaky_unit": lambda ax: draw_leaky_unit(0.25, ax=ax),
    "scrn": lambda ax: draw_scrn(ax=ax),
    "clockwork": lambda ax: draw_clockwork(ax=ax),
    "clockwork_schedule": lambda ax: draw_clockwork_schedule(ax=ax),
    "block_mask": lambda ax: draw_block_mask(block_upper_mask([64] * 4), periods=(1, 2, 4, 8), ax=ax),
    "echo_state_network": lambda ax: draw_echo_state_network(ax=ax),
}


@pytest.mark.parametrize("name", DRAWINGS)
@pytest.mark.parametrize("bad", ["ax", 3, [None]])
def test_every_drawing_names_an_ax_that_is_not_an_axes(name, bad):
    with pytest.raises(ValueError, match=r"ax: expected a matplotlib Axes or None, got "):
        DRAWINGS[name](bad)


@pytest.mark.parametrize("name", DRAWINGS)
def test_every_drawing_draws_on_the_axes_given(name):
    _, ax = plt.subplots()
    drawn = DRAWINGS[name](ax)
    assert drawn is ax and len(ax.figure.axes) == 1
    assert ax.get_title()


@pytest.mark.parametrize("name", DRAWINGS)
def test_every_drawing_is_readable_at_a_phones_width_with_no_text_outside_its_axes(name):
    ax = DRAWINGS[name](None)
    figure = ax.figure
    assert figure.get_figwidth() <= 7.5  # shrunk to a 390 px column, 11 pt is still about 7 px high
    assert min(t.get_fontsize() for t in ax.texts) >= 11
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    for text in ax.texts:
        box = text.get_window_extent(renderer)
        assert (box.x0 >= frame.x0 - 1 and box.x1 <= frame.x1 + 1 and box.y0 >= frame.y0 - 1
                and box.y1 <= frame.y1 + 1), f"{text.get_text()!r} passes the edge of the axes"
    title = ax.title.get_window_extent(renderer)
    assert title.x0 >= 0 and title.x1 <= figure.bbox.x1, "the title is wider than the figure"
