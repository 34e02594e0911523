"""Chapter 5's one-unit error surface, gradient descent on it, and the adding-problem trainer."""
import matplotlib
import numpy as np
import pytest
import torch

from companion.data import generate_adding
from companion.models import SequenceToVector
from companion.plots import plot_error_surface, plot_gradient_norms
from companion.data import generate_copy_memory
from companion.training import ADDING_SOLVED_MSE, adding_mse, copy_accuracy, descend, one_unit_loss, train_adding, train_copy

matplotlib.use("Agg")


def test_one_unit_loss_is_the_literal_recurrence():
    w, b = np.array([[0.5, 2.0], [3.0, -1.0]]), np.array([[0.1, -0.5], [0.0, 0.3]])
    expected = np.empty_like(w)
    for index in np.ndindex(w.shape):
        h = 0.5
        for _ in range(25):
            h = np.tanh(w[index] * h + b[index])
        expected[index] = (h - 0.7) ** 2
    np.testing.assert_allclose(one_unit_loss(w, b), expected, rtol=1e-14)


def test_descent_follows_the_autograd_gradient_and_clipping_bounds_every_step():
    plain = descend((2.5, 0.0), 0.3, 60)
    clipped = descend((2.5, 0.0), 0.3, 60, max_norm=1.0)
    # the first step is the gradient of the loss, by central differences
    eps = 1e-6
    grad = np.array([(one_unit_loss(2.5 + eps, 0.0) - one_unit_loss(2.5 - eps, 0.0)) / (2 * eps),
                     (one_unit_loss(2.5, eps) - one_unit_loss(2.5, -eps)) / (2 * eps)])
    np.testing.assert_allclose(plain.points[1], plain.points[0] - 0.3 * grad, rtol=1e-6)
    steps = np.linalg.norm(np.diff(clipped.points, axis=0), axis=1)
    assert steps.max() <= 0.3 + 1e-12
    np.testing.assert_array_equal(clipped.clipped, clipped.gradient_norms > 1.0)
    assert plain.losses.shape == (61,) and plain.gradient_norms.shape == (60,)


@pytest.mark.parametrize("call, message", [
    (lambda: one_unit_loss(1.0, 0.0, steps=0), "steps: expected a positive integer"),
    (lambda: one_unit_loss(np.nan, 0.0), "w: expected finite numbers"),
    (lambda: one_unit_loss(1.0, 0.0, h0="a"), "h0: expected a finite real number"),
    (lambda: descend((1.0,), 0.1, 5), r"start: expected a pair \(w, b\)"),
    (lambda: descend((1.0, 0.0), -0.1, 5), "lr: expected a positive"),
    (lambda: descend((1.0, 0.0), 0.1, 5, max_norm=0), "max_norm: expected a positive"),
])
def test_bad_arguments_are_refused_by_name(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.fixture(scope="module")
def short_adding():
    return tuple(generate_adding(n, 5, seed=s) for n, s in ((2000, 1), (200, 2), (200, 3)))


@pytest.mark.parametrize("clipping", ["none", "norm", "value"])
def test_train_adding_learns_a_short_problem_and_reports_its_run(short_adding, clipping):
    train, valid, test = short_adding
    run = train_adding(dict(cell="gru", implementation="torch"), train, valid, test, max_steps=400,
                       clipping=clipping, threshold=1.0, check_every=50, seed=0)
    assert len(run.losses) == len(run.gradient_norms) == run.steps
    assert run.test_score == pytest.approx(adding_mse(run.model, test))
    assert run.test_score < 0.1     # well below the 1/6 of always answering 1
    if run.valid_scores[-1][1] < ADDING_SOLVED_MSE:
        assert run.steps % 50 == 0 and run.steps < 400


def test_train_adding_repeats_for_a_seed(short_adding):
    runs = [train_adding(dict(cell="elman", implementation="torch"), *short_adding, max_steps=30, seed=3)
            for _ in range(2)]
    assert runs[0].losses == runs[1].losses


@pytest.mark.parametrize("kwargs, message", [
    (dict(optimizer="rmsprop"), "optimizer: expected one of 'adam', 'sgd'"),
    (dict(clipping="both"), "clipping: expected one of 'none', 'norm', 'value'"),
    (dict(threshold=0.0), "threshold: expected a positive"),
    (dict(max_steps=0), "max_steps: expected a positive integer"),
])
def test_train_adding_refuses_bad_settings(short_adding, kwargs, message):
    with pytest.raises(ValueError, match=message):
        train_adding(dict(cell="elman"), *short_adding, **kwargs)


def test_train_adding_refuses_other_data(short_adding):
    with pytest.raises(ValueError, match="valid: expected AddingData"):
        train_adding(dict(cell="elman"), short_adding[0], [1, 2], short_adding[2])


def test_sequence_to_vector_reads_an_scrn_context_beside_its_hidden_units():
    torch.manual_seed(0)
    model = SequenceToVector(2, 6, 1, cell="scrn", context_size=3)
    assert model.readout.in_features == 9
    x = torch.randn(7, 4, 2)
    lengths = torch.tensor([7, 3, 5, 1])
    output, _ = model.rnn(x, lengths=lengths)
    expected = torch.stack([output[n - 1, b] for b, n in enumerate(lengths.tolist())])
    torch.testing.assert_close(model.final_memory(x, lengths), expected)


def test_the_figures_draw_and_refuse_bad_input():
    w, b = np.meshgrid(np.linspace(0, 3, 5), np.linspace(-1, 1, 4))
    ax = plot_error_surface(w, b, one_unit_loss(w, b), paths={"path": descend((2.5, 0.0), 0.3, 3).points})
    assert len(ax.get_lines()) == 2
    with pytest.raises(ValueError, match="w, b, loss: expected three 2-D grids"):
        plot_error_surface(w, b, np.zeros(3))
    with pytest.raises(ValueError, match=r"paths\['p'\]: expected \(n, 2\) points"):
        plot_error_surface(w, b, one_unit_loss(w, b), paths={"p": np.zeros((3, 3))})
    ax = plot_gradient_norms({"tanh": [1e-3, 1e-1, 1.0]})
    assert list(ax.get_lines()[0].get_xdata()) == [2, 1, 0]
    with pytest.raises(ValueError, match="norms: expected at least one curve"):
        plot_gradient_norms({})
    matplotlib.pyplot.close("all")


def test_train_copy_learns_a_short_copy_task():
    splits = [generate_copy_memory(n, 3, seed=s, copy_length=2) for n, s in ((2000, 1), (200, 2), (200, 3))]
    run = train_copy(dict(cell="gru", implementation="torch"), *splits, max_steps=600, check_every=50, seed=0)
    assert run.test_score == pytest.approx(copy_accuracy(run.model, splits[2]))
    assert run.test_score > 0.5      # chance is 1/8
    with pytest.raises(ValueError, match="valid: expected copy_length 2"):
        train_copy(dict(cell="gru"), splits[0], generate_copy_memory(10, 3), splits[2])


def test_train_adding_stops_at_the_error_it_is_given(short_adding):
    run = train_adding(dict(cell="gru", implementation="torch"), *short_adding, max_steps=300, check_every=50,
                       seed=0, solved_mse=1.0)
    assert run.steps == 50 and run.solved == (run.test_score < 1.0)
    with pytest.raises(ValueError, match="solved_mse: expected a positive"):
        train_adding(dict(cell="elman"), *short_adding, solved_mse=0.0)
