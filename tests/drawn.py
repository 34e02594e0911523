"""What a diagram drew, counted: the shared helpers of the figure tests (test_plots.py and
test_diagrams_gru_and_gradients.py), and the fixture that closes their figures."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def boxes(ax):
    return [p for p in ax.patches if isinstance(p, FancyBboxPatch)]


def circles(ax):
    return [p for p in ax.patches if isinstance(p, Circle)]


def arrows(ax, colour=None):
    """Every arrow, or those drawn in ``colour``."""
    found = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    if colour is None:
        return found
    return [a for a in found if a.get_edgecolor()[:3] == to_rgba(colour)[:3]]


def ends(arrow):
    """The start and the tip of an arrow in data coordinates."""
    path = arrow.get_path()  # the shaft (a quadratic curve), then the head, in data coordinates
    return path.vertices[0], path.vertices[4]


def texts(ax):
    return {t.get_text() for t in ax.texts}
