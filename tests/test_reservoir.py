"""The echo state network of chapter 5: its reservoir, its update against a literal loop, its ridge
read-out against scikit-learn's and a literal solve, free-running generation, and the echo-state
property."""
import math

import numpy as np
import pytest
import torch

from companion.data import mackey_glass
from companion.reservoir import EchoStateNetwork, nrmse, scale_to_spectral_radius, spectral_radius

DOUBLE = torch.float64


def _signal(steps: int, batch: int | None = None, features: int = 1, seed: int = 0) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    shape = (steps, features) if batch is None else (steps, batch, features)
    return torch.rand(*shape, generator=generator, dtype=DOUBLE) * 2 - 1


# --- the reservoir ----------------------------------------------------------------------------


@pytest.mark.parametrize("radius, size, connectivity", [(0.9, 100, 0.1), (1.25, 300, 0.05), (0.3, 40, 1.0)])
def test_the_reservoir_has_exactly_the_requested_spectral_radius(radius, size, connectivity):
    esn = EchoStateNetwork(2, size, 1, spectral_radius=radius, connectivity=connectivity, seed=3)
    eigenvalues = np.linalg.eigvals(esn.weight_hh.numpy())
    assert abs(np.abs(eigenvalues).max() - radius) < 1e-9
    assert spectral_radius(esn.weight_hh) == pytest.approx(radius, abs=1e-9)
    fraction = float((esn.weight_hh != 0).double().mean())
    assert fraction == pytest.approx(connectivity, abs=0.02)
    assert esn.weight_ih.shape == (size, 2) and esn.bias_ih.shape == (size,) and esn.weight_yh is None
    assert esn.weight_out is None and list(esn.parameters()) == []  # nothing is trained by gradients


def test_weights_are_scaled_uniform_draws_fixed_by_the_seed():
    esn = EchoStateNetwork(3, 50, 2, input_scaling=0.5, bias_scaling=0.1, output_feedback=True,
                           feedback_scaling=2.0, seed=7)
    assert float(esn.weight_ih.abs().max()) <= 0.5 and float(esn.bias_ih.abs().max()) <= 0.1
    assert esn.weight_yh.shape == (50, 2) and 1.0 < float(esn.weight_yh.abs().max()) <= 2.0
    again = EchoStateNetwork(3, 50, 2, input_scaling=0.5, bias_scaling=0.1, output_feedback=True,
                             feedback_scaling=2.0, seed=7)
    assert all(torch.equal(a, b) for a, b in zip(esn.buffers(), again.buffers()))
    other = EchoStateNetwork(3, 50, 2, seed=8)
    assert not torch.equal(esn.weight_hh, other.weight_hh)
    # feedback weights are drawn last: switching them on changes no other weight
    plain = EchoStateNetwork(3, 50, 2, input_scaling=0.5, bias_scaling=0.1, seed=7)
    assert torch.equal(plain.weight_hh, esn.weight_hh) and torch.equal(plain.weight_ih, esn.weight_ih)
    assert EchoStateNetwork(1, 10, 1, dtype=torch.float32).weight_hh.dtype == torch.float32


def test_spectral_radius_helpers():
    matrix = torch.tensor([[0.0, 2.0], [-2.0, 0.0]], dtype=DOUBLE)  # eigenvalues +-2i
    assert spectral_radius(matrix) == pytest.approx(2.0)
    scaled = scale_to_spectral_radius(matrix, 0.5)
    assert spectral_radius(scaled) == pytest.approx(0.5) and torch.equal(matrix, torch.tensor([[0.0, 2.0], [-2.0, 0.0]], dtype=DOUBLE))
    with pytest.raises(ValueError, match="matrix: expected a non-zero spectral radius to rescale"):
        scale_to_spectral_radius(torch.triu(torch.ones(4, 4, dtype=DOUBLE), diagonal=1), 0.9)


# --- the update and the read-out --------------------------------------------------------------


def _literal_states(esn, u, teacher=None, x=None):
    """The state equation written out step by step in NumPy."""
    a = esn.leak_rate
    W, W_in, b = esn.weight_hh.numpy(), esn.weight_ih.numpy(), esn.bias_ih.numpy()
    x = np.zeros(esn.reservoir_size) if x is None else x.numpy().copy()
    fed_back = np.zeros(esn.output_size)
    states = []
    for t in range(u.shape[0]):
        pre = W_in @ u[t].numpy() + W @ x + b
        if esn.output_feedback:
            pre = pre + esn.weight_yh.numpy() @ fed_back
            fed_back = teacher[t].numpy()
        x = (1 - a) * x + a * np.tanh(pre)
        states.append(x)
    return np.stack(states)


@pytest.mark.parametrize("leak_rate, feedback", [(1.0, False), (0.3, False), (0.5, True)])
def test_states_follow_the_leaky_update_literally(leak_rate, feedback):
    esn = EchoStateNetwork(2, 30, 3, leak_rate=leak_rate, output_feedback=feedback, seed=1)
    u, teacher = _signal(25, features=2, seed=1), _signal(25, features=3, seed=2)
    hx = _signal(30, features=1, seed=3)[:, 0]
    states, h_n = esn.run(u, hx=hx, teacher=teacher if feedback else None)
    expected = _literal_states(esn, u, teacher, hx)
    np.testing.assert_allclose(states.numpy(), expected, rtol=0, atol=1e-12)
    assert torch.equal(h_n, states[-1]) and states.shape == (25, 30)


def _design_and_fit(ridge):
    esn = EchoStateNetwork(2, 40, 2, spectral_radius=0.8, ridge=ridge, seed=2)
    u, y = _signal(300, features=2, seed=4), _signal(300, features=2, seed=5)
    esn.fit(u, y, washout=50)
    states, _ = esn.run(u)
    design = esn.features(u, states)[50:]
    outputs, _ = esn(u)
    # the forward pass reads out with the fitted weights: y_t = W_out [1; u_t; x_t]
    torch.testing.assert_close(outputs[50:], design @ esn.weight_out.T, rtol=0, atol=1e-12)
    return esn, design.numpy(), y[50:].numpy()


def test_the_read_out_is_the_closed_form_ridge_solution():
    esn, X, Y = _design_and_fit(ridge=1e-3)
    assert esn.weight_out.shape == (2, 1 + 2 + 40)
    assert np.array_equal(X[:, 0], np.ones(len(X)))  # columns in the order [1; u; x]
    literal = np.linalg.solve(X.T @ X + 1e-3 * np.eye(X.shape[1]), X.T @ Y)
    np.testing.assert_allclose(esn.weight_out.numpy(), literal.T, rtol=0, atol=1e-10)


def test_the_read_out_equals_scikit_learns_ridge():
    linear_model = pytest.importorskip("sklearn.linear_model")
    esn, X, Y = _design_and_fit(ridge=1e-3)
    # the design matrix holds the column of ones, so the intercept is its weight: no separate
    # (unpenalised) intercept, and every weight penalised alike, as in (X^T X + ridge I) W = X^T Y
    reference = linear_model.Ridge(alpha=1e-3, fit_intercept=False, solver="cholesky").fit(X, Y)
    np.testing.assert_allclose(esn.weight_out.numpy(), reference.coef_, rtol=0, atol=1e-8)


def test_a_batch_is_fitted_as_all_its_sequences_rows_together():
    esn = EchoStateNetwork(1, 20, 1, ridge=1e-2, seed=0)
    u, y = _signal(60, batch=3, seed=6), _signal(60, batch=3, seed=7)
    esn.fit(u, y, washout=10)
    batched = esn.weight_out.clone()
    rows = [esn.features(u[:, b], esn.run(u[:, b])[0])[10:] for b in range(3)]
    X, Y = torch.cat(rows).numpy(), y[10:].transpose(0, 1).reshape(-1, 1).numpy()
    literal = np.linalg.solve(X.T @ X + 1e-2 * np.eye(X.shape[1]), X.T @ Y)
    np.testing.assert_allclose(batched.numpy(), literal.T, rtol=0, atol=1e-9)
    outputs, h_n = esn(u)
    single, h_single = esn(u[:, 1])
    torch.testing.assert_close(outputs[:, 1], single, rtol=0, atol=1e-13)
    assert outputs.shape == (60, 3, 1) and h_n.shape == (3, 20) and h_single.shape == (20,)


# --- free-running generation ------------------------------------------------------------------


def _sine(steps: int) -> torch.Tensor:
    return torch.sin(2 * math.pi * torch.arange(steps, dtype=DOUBLE) / 25).unsqueeze(1)


def test_a_sine_is_generated_free_running_from_its_own_predictions():
    sine = _sine(1200)
    esn = EchoStateNetwork(1, 100, 1, ridge=1e-8, seed=0).fit(sine[:999], sine[1:1000], washout=100)
    generated, h_n = esn.generate(200, sine[:1000])
    assert generated.shape == (200, 1) and h_n.shape == (100,)
    assert nrmse(generated, sine[1000:1200]) < 1e-4


def test_a_sine_is_generated_through_output_feedback():
    sine, constant = _sine(1200), torch.ones(1200, 1, dtype=DOUBLE)
    esn = EchoStateNetwork(1, 100, 1, spectral_radius=0.8, output_feedback=True, input_scaling=0.0,
                           ridge=1e-8, seed=0)
    esn.fit(constant[:1000], sine[:1000], washout=100)
    generated, _ = esn.generate(200, constant[:1000], prefix_target=sine[:1000], input=constant[1000:])
    assert nrmse(generated, sine[1000:1200]) < 1e-4
    teacher_forced, _ = esn(constant[:1000], teacher=sine[:1000])
    assert nrmse(teacher_forced[100:], sine[100:1000]) < 1e-5


def test_mackey_glass_is_predicted_84_steps_ahead():
    series = torch.tanh(mackey_glass(1585) - 1).unsqueeze(1)  # Jaeger's squashing into [-1, 1]
    esn = EchoStateNetwork(1, 200, 1, spectral_radius=0.95, ridge=1e-8, seed=1)
    esn.fit(series[:1499], series[1:1500], washout=100)
    generated, _ = esn.generate(84, series[:1501])
    assert nrmse(generated, series[1501:1585]) < 0.05


# --- the echo-state property ------------------------------------------------------------------


@pytest.mark.parametrize("radius, input_scaling, echoes", [(0.8, 0.5, True), (3.0, 0.1, False)])
def test_two_starting_states_converge_only_below_radius_one(radius, input_scaling, echoes):
    esn = EchoStateNetwork(1, 200, 1, spectral_radius=radius, input_scaling=input_scaling, seed=0)
    drive = _signal(300, seed=100).unsqueeze(1).expand(300, 2, 1).contiguous()  # the same input twice
    starts = _signal(200, batch=2, seed=101)[:, :, 0].T.contiguous()  # (2, 200), different states
    states, _ = esn.run(drive, hx=starts)
    gap = float((states[-1, 0] - states[-1, 1]).norm())
    assert (gap < 1e-8) if echoes else (gap > 1.0)


# --- NRMSE ------------------------------------------------------------------------------------


def test_nrmse_divides_the_rmse_by_the_targets_standard_deviation():
    target = torch.tensor([1.0, 2.0, 3.0, 4.0], dtype=DOUBLE)
    assert nrmse(target, target) == 0.0
    assert nrmse(torch.full_like(target, 2.5), target) == pytest.approx(1.0)
    assert nrmse(target + 0.5, target) == pytest.approx(0.5 / math.sqrt(1.25))
    assert nrmse(target + 0.5, target, variance=0.25) == pytest.approx(1.0)


# --- bad input --------------------------------------------------------------------------------


def _fitted(**options):
    esn = EchoStateNetwork(1, 10, 1, seed=0, **options)
    u = _signal(30)
    return esn.fit(u, u, washout=5) if not options.get("output_feedback") else esn


BAD_CONSTRUCTION = {
    "radius zero": (dict(spectral_radius=0.0), "spectral_radius: expected a positive finite number, got 0.0"),
    "radius negative": (dict(spectral_radius=-0.9), "spectral_radius: expected a positive finite number, got -0.9"),
    "connectivity zero": (dict(connectivity=0.0), r"connectivity: expected a number in \(0, 1\], got 0.0"),
    "connectivity above one": (dict(connectivity=1.5), r"connectivity: expected a number in \(0, 1\], got 1.5"),
    "leak zero": (dict(leak_rate=0.0), r"leak_rate: expected a number in \(0, 1\], got 0.0"),
    "leak above one": (dict(leak_rate=1.2), r"leak_rate: expected a number in \(0, 1\], got 1.2"),
    "ridge negative": (dict(ridge=-1e-6), "ridge: expected a non-negative finite number, got -1e-06"),
    "input scaling nan": (dict(input_scaling=float("nan")), "input_scaling: expected a non-negative finite number, got nan"),
    "seed negative": (dict(seed=-1), "seed: expected a non-negative integer, got -1"),
    "integer dtype": (dict(dtype=torch.int64), "dtype: expected a floating-point torch.dtype"),
    "size zero": (dict(reservoir_size=0), "reservoir_size: expected a positive integer, got 0"),
    "no cycle": (dict(reservoir_size=2, connectivity=0.01), r"connectivity: the reservoir drawn \(2 units, connectivity 0.01\) has spectral radius 0"),
}


@pytest.mark.parametrize("options, message", BAD_CONSTRUCTION.values(), ids=BAD_CONSTRUCTION.keys())
def test_construction_rejects_bad_arguments(options, message):
    arguments = dict(input_size=1, reservoir_size=10, output_size=1) | options
    with pytest.raises(ValueError, match=message):
        EchoStateNetwork(**arguments)


u30 = _signal(30)
BAD_CALLS = {
    "predict before fit": (lambda: EchoStateNetwork(1, 10, 1)(u30), r"forward: expected a fitted read-out, got none; call fit"),
    "generate before fit": (lambda: EchoStateNetwork(1, 10, 1).generate(5, u30), "generate: expected a fitted read-out"),
    "washout too long": (lambda: EchoStateNetwork(1, 10, 1).fit(u30, u30, washout=30), r"washout: expected an integer in 0..29"),
    "washout float": (lambda: EchoStateNetwork(1, 10, 1).fit(u30, u30, washout=5.0), "washout: expected an integer"),
    "wrong features": (lambda: EchoStateNetwork(2, 10, 1).run(u30), r"input: expected shape \(time, batch, 2\) or \(time, 2\)"),
    "no steps": (lambda: EchoStateNetwork(1, 10, 1).run(u30[:0]), "with time >= 1, got shape \\(0, 1\\)"),
    "float32 input": (lambda: EchoStateNetwork(1, 10, 1).run(u30.float()), "input: expected dtype torch.float64"),
    "target of other length": (lambda: EchoStateNetwork(1, 10, 1).fit(u30, u30[:20], washout=5),
                               r"target: expected shape \(30, 1\) \(the steps and batch of the input\), got shape \(20, 1\)"),
    "teacher without feedback": (lambda: EchoStateNetwork(1, 10, 1).run(u30, teacher=u30), "teacher: expected None"),
    "feedback without teacher": (lambda: EchoStateNetwork(1, 10, 1, output_feedback=True).run(u30),
                                 "teacher: expected the targets to feed back"),
    "wrong state": (lambda: EchoStateNetwork(1, 10, 1).run(u30, hx=torch.zeros(1, 10, dtype=DOUBLE)),
                    r"hx: expected shape \(10,\) on cpu, got shape \(1, 10\)"),
    "singular ridge": (lambda: EchoStateNetwork(1, 10, 1, ridge=0.0, input_scaling=0.0, bias_scaling=0.0).fit(u30, u30, 5),
                       r"ridge: the system \(X\^T X \+ ridge I\) is singular"),
    "inputs to a closed loop": (lambda: _fitted().generate(5, u30, input=u30), "input: expected None"),
    "zero steps": (lambda: _fitted().generate(0, u30), "steps: expected a positive integer, got 0"),
    "feedback run needs targets": (lambda: _fitted(output_feedback=True).fit(u30, u30, 5).generate(5, u30),
                                   r"prefix_target, input: expected both"),
    "feedback inputs too short": (lambda: _fitted(output_feedback=True).fit(u30, u30, 5).generate(5, u30, u30, u30[:3]),
                                  r"input: expected 5 steps of the prefix's batch of 1, got shape \(3, 1\)"),
    "outputs cannot be inputs": (lambda: EchoStateNetwork(1, 10, 2).fit(u30, torch.cat([u30, u30], 1), 5).generate(3, u30),
                                 r"output_size: expected input_size \(1\) to feed outputs back as inputs, got 2"),
    "nrmse shapes": (lambda: nrmse(u30, u30[:, 0]), r"prediction: expected the \(non-empty\) shape of target \(30\), got \(30, 1\)"),
    "nrmse constant": (lambda: nrmse(u30, torch.ones_like(u30)), "target: expected a target that varies"),
    "nrmse variance": (lambda: nrmse(u30, u30, variance=0.0), "variance: expected a positive finite number, got 0.0"),
    "radius of a vector": (lambda: spectral_radius(torch.ones(3, dtype=DOUBLE)), r"matrix: expected a square 2-D matrix \(n, n\) with n >= 1, got shape \(3\)"),
    "radius of integers": (lambda: spectral_radius(torch.eye(3, dtype=torch.long)), "matrix: expected a floating-point torch tensor or NumPy array, got dtype torch.int64"),
    "scale to zero": (lambda: scale_to_spectral_radius(torch.eye(3, dtype=DOUBLE), 0), "radius: expected a positive finite number, got 0"),
}


@pytest.mark.parametrize("call, message", BAD_CALLS.values(), ids=BAD_CALLS.keys())
def test_calls_reject_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# --- on a CUDA device -------------------------------------------------------------------------


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_the_network_computes_the_same_on_cuda():
    sine = _sine(600)
    cpu = EchoStateNetwork(1, 100, 1, ridge=1e-8, seed=0).fit(sine[:399], sine[1:400], washout=50)
    cuda = EchoStateNetwork(1, 100, 1, ridge=1e-8, seed=0, device="cuda").fit(sine[:399].cuda(), sine[1:400].cuda(), washout=50)
    assert cuda.weight_hh.device.type == "cuda" and torch.equal(cuda.weight_hh.cpu(), cpu.weight_hh)
    torch.testing.assert_close(cuda.weight_out.cpu(), cpu.weight_out, rtol=0, atol=1e-8)
    generated, h_n = cuda.generate(100, sine[:400].cuda())
    assert generated.device.type == h_n.device.type == "cuda"
    torch.testing.assert_close(generated.cpu(), cpu.generate(100, sine[:400])[0], rtol=0, atol=1e-6)
    with pytest.raises(ValueError, match="input: expected a tensor on cuda:0"):
        cuda.run(sine)
