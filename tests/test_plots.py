"""The diagrams of companion.plots: what they draw, counted in boxes and arrows."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch  # noqa: E402

from companion.plots import CARRIED_COLOUR, draw_shapes, draw_unrolled, draw_variant  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def boxes(ax):
    return [p for p in ax.patches if isinstance(p, FancyBboxPatch)]


def arrows(ax):
    return [p for p in ax.patches if isinstance(p, FancyArrowPatch)]


def carried(ax):
    """The red arrows, what is carried from one step to the next."""
    return [a for a in arrows(ax) if a.get_edgecolor() == to_rgba(CARRIED_COLOUR)]


def ends(arrow):
    """The start and the tip of an arrow in data coordinates."""
    path = arrow.get_path()  # the shaft (a quadratic curve), then the head, in data coordinates
    return path.vertices[0], path.vertices[4]


def texts(ax):
    return {t.get_text() for t in ax.texts}


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


def test_score_comparison_needs_the_same_models():
    from companion.plots import plot_score_comparison

    with pytest.raises(ValueError, match=r"published: expected the models of ours \['Elman'\], got \['Jordan'\]"):
        plot_score_comparison({"Elman": 94.0}, {"Jordan": 94.29})
