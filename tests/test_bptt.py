"""Backpropagation through time in NumPy (chapter 4): gradients against finite differences and
torch autograd, truncation, the Jacobian-product form, clipping, training, sampling, bad input.
That the package runs without torch is tested in test_bptt_imports.py."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from companion.bptt import (
    LSTMParameters,
    RNNParameters,
    backward,
    backward_jacobian_products,
    bptt_cost,
    cache_nbytes,
    clip_by_global_norm,
    forward,
    global_norm,
    gradient_check,
    init_lstm,
    init_rnn,
    lstm_backward,
    lstm_forward,
    numerical_gradient,
    relative_error,
    sample,
    train_char_rnn,
)

RNN_NAMES = ("U", "W", "b", "V", "c", "h0")
LSTM_NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_out", "bias_out", "h0", "c0")


def problem(seed: int, dense: bool = False):
    """Random small sizes and data: (sizes, inputs, targets, h0, c0)."""
    rng = np.random.default_rng(seed)
    features, hidden, outputs, steps, batch = (int(n) for n in rng.integers(2, 7, size=5))
    if dense:
        inputs = rng.normal(size=(steps, batch, features))
    else:
        inputs = rng.integers(0, features, size=(steps, batch))
    targets = rng.integers(0, outputs, size=(steps, batch))
    h0, c0 = rng.normal(size=(2, batch, hidden))
    return (features, hidden, outputs), inputs, targets, h0, c0


def max_error(a: dict, b: dict, names) -> float:
    return max(relative_error(a[name], b[name]) for name in names)


# ---- finite differences ------------------------------------------------------------------------

# eps = 1e-5: with losses of order 10, rounding in the loss, about 1e-16 * |L| / eps, stays far
# below the 1e-7 tolerance; the O(eps²) error of central differences does too.


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("dense", [False, True], ids=["ids", "dense"])
def test_rnn_gradients_match_central_differences(seed, dense):
    sizes, inputs, targets, h0, _ = problem(seed, dense)
    errors = gradient_check(init_rnn(*sizes, seed=seed), inputs, targets, h0, eps=1e-5)
    assert set(errors) == set(RNN_NAMES)
    assert max(errors.values()) < 1e-7, errors


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("dense", [False, True], ids=["ids", "dense"])
def test_lstm_gradients_match_central_differences(seed, dense):
    sizes, inputs, targets, h0, c0 = problem(seed, dense)
    errors = gradient_check(init_lstm(*sizes, seed=seed), inputs, targets, h0, c0, eps=1e-5)
    assert set(errors) == set(LSTM_NAMES)
    assert max(errors.values()) < 1e-7, errors


def test_a_wrong_gradient_is_caught():
    sizes, inputs, targets, h0, _ = problem(0)
    params = init_rnn(*sizes, seed=0)
    analytic = backward(params, forward(params, inputs, h0, targets)[1])
    numeric = numerical_gradient(lambda: forward(params, inputs, h0, targets)[0], params.W)
    assert relative_error(analytic["W"], numeric) < 1e-6
    assert relative_error(analytic["W"].T, numeric) > 1e-3


def test_numerical_gradient_restores_the_array_and_is_exact_for_a_quadratic():
    array = np.array([[1.0, -2.0], [0.5, 3.0]])
    before = array.copy()
    gradient = numerical_gradient(lambda: float(np.sum(array**2)), array)
    assert np.array_equal(array, before)
    np.testing.assert_allclose(gradient, 2 * before, rtol=1e-9)


def test_relative_error_is_scaled_by_the_largest_entry():
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error(np.array([1.0, 1e-12]), np.array([1.0, 2e-12])) == pytest.approx(1e-12)
    assert relative_error(np.array([2.0]), np.array([1.0])) == 0.5


# ---- torch autograd on the same weights --------------------------------------------------------


def torch_inputs(inputs: np.ndarray, features: int) -> torch.Tensor:
    if inputs.ndim == 2:
        return F.one_hot(torch.from_numpy(inputs), features).double()
    return torch.from_numpy(inputs)


def torch_loss(logits: torch.Tensor, targets: np.ndarray) -> torch.Tensor:
    """(4.3): summed over time, averaged over the batch."""
    batch = targets.shape[1]
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), torch.from_numpy(targets).reshape(-1), reduction="sum") / batch


def torch_rnn(params: RNNParameters):
    rnn = torch.nn.RNN(params.input_size, params.hidden_size, nonlinearity="tanh").double()
    readout = torch.nn.Linear(params.hidden_size, params.output_size).double()
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.from_numpy(params.U))
        rnn.weight_hh_l0.copy_(torch.from_numpy(params.W))
        rnn.bias_ih_l0.copy_(torch.from_numpy(params.b))
        rnn.bias_hh_l0.zero_()  # the notes' RNN has a single bias b
        readout.weight.copy_(torch.from_numpy(params.V))
        readout.bias.copy_(torch.from_numpy(params.c))
    return rnn, readout


def torch_lstm(params: LSTMParameters):
    lstm = torch.nn.LSTM(params.input_size, params.hidden_size).double()
    readout = torch.nn.Linear(params.hidden_size, params.output_size).double()
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(lstm, f"{name}_l0").copy_(torch.from_numpy(getattr(params, name)))
        readout.weight.copy_(torch.from_numpy(params.weight_out))
        readout.bias.copy_(torch.from_numpy(params.bias_out))
    return lstm, readout


def rnn_torch_gradients(rnn, readout, x, states, targets):
    loss = torch_loss(readout(rnn(x, states[0][None])[0]), targets)
    loss.backward()
    return float(loss.detach()), {
        "U": rnn.weight_ih_l0.grad, "W": rnn.weight_hh_l0.grad, "b": rnn.bias_ih_l0.grad,
        "V": readout.weight.grad, "c": readout.bias.grad, "h0": states[0].grad,
    }


def lstm_torch_gradients(lstm, readout, x, states, targets):
    output, _ = lstm(x, (states[0][None], states[1][None]))
    loss = torch_loss(readout(output), targets)
    loss.backward()
    grads = {name: getattr(lstm, f"{name}_l0").grad for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}
    grads.update(weight_out=readout.weight.grad, bias_out=readout.bias.grad, h0=states[0].grad, c0=states[1].grad)
    return float(loss.detach()), grads


@pytest.mark.parametrize("dense", [False, True], ids=["ids", "dense"])
@pytest.mark.parametrize("seed", [3, 4])
def test_rnn_matches_torch_autograd(seed, dense):
    sizes, inputs, targets, h0, _ = problem(seed, dense)
    params = init_rnn(*sizes, seed=seed)
    loss, cache = forward(params, inputs, h0, targets)
    ours = backward(params, cache)
    states = [torch.tensor(h0, requires_grad=True)]
    torch_value, theirs = rnn_torch_gradients(*torch_rnn(params), torch_inputs(inputs, sizes[0]), states, targets)
    assert loss == pytest.approx(torch_value, rel=1e-12)
    for name in RNN_NAMES:
        assert relative_error(ours[name], theirs[name].numpy()) < 1e-10, name


@pytest.mark.parametrize("dense", [False, True], ids=["ids", "dense"])
@pytest.mark.parametrize("seed", [3, 4])
def test_lstm_matches_torch_autograd(seed, dense):
    sizes, inputs, targets, h0, c0 = problem(seed, dense)
    params = init_lstm(*sizes, seed=seed)
    loss, cache = lstm_forward(params, inputs, h0, c0, targets)
    ours = lstm_backward(params, cache)
    states = [torch.tensor(h0, requires_grad=True), torch.tensor(c0, requires_grad=True)]
    torch_value, theirs = lstm_torch_gradients(*torch_lstm(params), torch_inputs(inputs, sizes[0]), states, targets)
    assert loss == pytest.approx(torch_value, rel=1e-12)
    for name in LSTM_NAMES:
        assert relative_error(ours[name], theirs[name].numpy()) < 1e-10, name


# ---- truncation --------------------------------------------------------------------------------


def test_truncation_to_at_least_T_steps_is_full_bptt():
    sizes, inputs, targets, h0, c0 = problem(5)
    steps = inputs.shape[0]
    rnn = init_rnn(*sizes, seed=5)
    cache = forward(rnn, inputs, h0, targets)[1]
    lstm = init_lstm(*sizes, seed=5)
    lstm_cache = lstm_forward(lstm, inputs, h0, c0, targets)[1]
    for k in (steps, steps + 3):
        assert max_error(backward(rnn, cache), backward(rnn, cache, truncation=k), RNN_NAMES) < 1e-13
        assert max_error(lstm_backward(lstm, lstm_cache), lstm_backward(lstm, lstm_cache, truncation=k), LSTM_NAMES) < 1e-13
    assert max_error(backward(rnn, cache), backward(rnn, cache, truncation=steps - 1), ("W",)) > 1e-6


def truncated_reference(cell, readout, x, states, targets, k, full_states):
    """(4.14) one loss term at a time in torch: L_t is computed from the state k steps back, detached.

    Loss terms with t ≤ k start from the initial states, which then receive their gradient.
    """
    batch = targets.shape[1]
    for t in range(1, len(targets) + 1):
        start = max(0, t - k)
        if start == 0:
            state = tuple(s[None] for s in states)
        else:
            state = tuple(torch.from_numpy(s[start])[None] for s in full_states)
        output, _ = cell(x[start:t], state[0] if len(state) == 1 else state)
        term = F.cross_entropy(readout(output[-1]), torch.from_numpy(targets[t - 1]), reduction="sum") / batch
        term.backward()


def test_truncated_rnn_gradient_is_each_loss_term_backpropagated_k_steps():
    sizes, inputs, targets, h0, _ = problem(6)
    params = init_rnn(*sizes, seed=6)
    cache = forward(params, inputs, h0, targets)[1]
    for k in range(1, inputs.shape[0] + 1):
        rnn, readout = torch_rnn(params)
        states = [torch.tensor(h0, requires_grad=True)]
        truncated_reference(rnn, readout, torch_inputs(inputs, sizes[0]), states, targets, k, [cache.hidden])
        theirs = {
            "U": rnn.weight_ih_l0.grad, "W": rnn.weight_hh_l0.grad, "b": rnn.bias_ih_l0.grad,
            "V": readout.weight.grad, "c": readout.bias.grad, "h0": states[0].grad,
        }
        ours = backward(params, cache, truncation=k)
        for name in RNN_NAMES:
            assert relative_error(ours[name], theirs[name].numpy()) < 1e-10, (k, name)


def test_truncated_lstm_gradient_is_each_loss_term_backpropagated_k_steps():
    sizes, inputs, targets, h0, c0 = problem(7, dense=True)
    params = init_lstm(*sizes, seed=7)
    cache = lstm_forward(params, inputs, h0, c0, targets)[1]
    for k in range(1, inputs.shape[0] + 1):
        lstm, readout = torch_lstm(params)
        states = [torch.tensor(h0, requires_grad=True), torch.tensor(c0, requires_grad=True)]
        truncated_reference(lstm, readout, torch_inputs(inputs, sizes[0]), states, targets, k, [cache.hidden, cache.cells])
        theirs = {name: getattr(lstm, f"{name}_l0").grad for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}
        theirs.update(weight_out=readout.weight.grad, bias_out=readout.bias.grad, h0=states[0].grad, c0=states[1].grad)
        ours = lstm_backward(params, cache, truncation=k)
        for name in LSTM_NAMES:
            assert relative_error(ours[name], theirs[name].numpy()) < 1e-10, (k, name)


@pytest.mark.parametrize("dense", [False, True], ids=["ids", "dense"])
def test_jacobian_products_equal_the_recursion_full_and_truncated(dense):
    sizes, inputs, targets, h0, _ = problem(8, dense)
    params = init_rnn(*sizes, seed=8)
    cache = forward(params, inputs, h0, targets)[1]
    for k in [None, *range(1, inputs.shape[0] + 2)]:
        recursive = backward(params, cache, truncation=k)
        literal = backward_jacobian_products(params, cache, truncation=k)
        assert max_error(recursive, literal, RNN_NAMES) < 1e-12, k


# ---- clipping, training, sampling --------------------------------------------------------------


def test_clipping_bounds_the_global_norm_and_keeps_the_direction():
    rng = np.random.default_rng(0)
    grads = {"W": rng.normal(size=(4, 4)), "b": rng.normal(size=4)}
    norm = global_norm(grads)
    assert norm == pytest.approx(np.sqrt(np.sum(grads["W"] ** 2) + np.sum(grads["b"] ** 2)))
    clipped, before = clip_by_global_norm(grads, norm / 10)
    assert before == norm
    assert global_norm(clipped) == pytest.approx(norm / 10)
    np.testing.assert_allclose(clipped["W"] * 10, grads["W"])
    untouched, _ = clip_by_global_norm(grads, norm * 2)
    assert all(np.array_equal(untouched[name], grads[name]) for name in grads)


TEXT = np.array([0, 1, 2, 3] * 60)  # "abcd" repeated: the next character is always determined


def test_clipping_bounds_every_sgd_step():
    params = init_rnn(4, 8, 4, seed=0)
    steps = []
    result = train_char_rnn(
        TEXT, 4, params=params, sequence_length=10, steps=5, optimizer="sgd", lr=0.1,
        clip_norm=0.05, callback=lambda step, loss, current: steps.append(current.copy()),
    )
    assert min(result.gradient_norms) > 0.05  # so clipping did act
    before = [params, *steps[:-1]]
    for old, new in zip(before, steps):
        change = {name: new.arrays()[name] - old.arrays()[name] for name in old.arrays()}
        assert global_norm(change) <= 0.1 * 0.05 * (1 + 1e-12)
    assert np.array_equal(params.W, init_rnn(4, 8, 4, seed=0).W)  # the caller's parameters are left alone


def test_training_learns_a_periodic_text_and_sampling_continues_it(capsys):
    seen = []
    result = train_char_rnn(
        TEXT, 4, hidden_size=16, sequence_length=12, steps=150, lr=0.1, clip_norm=5.0,
        batch_size=2, seed=0, callback=lambda step, loss, params: seen.append(step), progress=True,
    )
    assert seen == list(range(150)) and len(result.losses) == len(result.gradient_norms) == 150
    assert result.losses[0] > 1.0  # about ln 4 = 1.39 nats per character at first
    assert np.mean(result.losses[-10:]) < 0.05
    assert result.hidden.shape == (2, 16)
    assert "training" in capsys.readouterr().err
    drawn = sample(result.params, None, 0, 12, np.random.default_rng(0), temperature=0.5)
    assert drawn.tolist() == [1, 2, 3, 0] * 3
    again = sample(result.params, np.zeros(16), 0, 12, 1)
    assert np.array_equal(again, sample(result.params, np.zeros(16), 0, 12, 1))
    assert again.dtype == np.int64 and again.min() >= 0 and again.max() < 4


def test_adagrad_and_sgd_are_both_deterministic_for_a_seed():
    for optimizer in ("sgd", "adagrad"):
        first = train_char_rnn(TEXT, 4, hidden_size=6, sequence_length=8, steps=4, optimizer=optimizer, seed=3)
        second = train_char_rnn(TEXT, 4, hidden_size=6, sequence_length=8, steps=4, optimizer=optimizer, seed=3)
        assert first.losses == second.losses


def test_training_stops_at_the_first_update_that_makes_a_parameter_infinite():
    seen = []
    with np.errstate(over="ignore", invalid="ignore"), pytest.raises(
        ValueError,
        match=r"params: expected finite values after the update of step 1, got NaN or inf in .*; lower the learning rate",
    ):
        # One character repeated: ∂L/∂c of that class is about -(3/4)·10, so lr · g overflows.
        train_char_rnn(np.zeros(50, dtype=np.int64), 4, hidden_size=8, sequence_length=10, steps=5,
                       optimizer="sgd", lr=1e308, callback=lambda step, loss, params: seen.append(step))
    assert seen == []  # the callback never saw the infinite weights


def test_training_stops_at_the_first_step_whose_loss_is_not_finite():
    params = init_rnn(4, 8, 4, seed=0)
    params.c[:] = [1e308, -1e308, -1e308, -1e308]  # finite, but log ŷ of classes 1..3 overflows to -inf
    with np.errstate(over="ignore", invalid="ignore"), pytest.raises(
        ValueError, match=r"loss: expected a finite value, got inf at step 1; lower the learning rate"
    ):
        train_char_rnn(TEXT, 4, params=params, sequence_length=10, steps=5)


def test_training_rejects_parameters_that_are_not_finite_before_the_first_step():
    params = init_rnn(4, 8, 4, seed=0)
    params.W[0, 0] = np.nan
    with pytest.raises(ValueError, match=r"params: expected finite values before training, got NaN or inf in W;"):
        train_char_rnn(TEXT, 4, params=params, sequence_length=10, steps=5)


def test_numpy_integers_are_accepted_as_counts():
    run = train_char_rnn(TEXT, np.int64(4), hidden_size=np.int64(6), sequence_length=np.int32(8), steps=np.int64(2))
    assert len(run.losses) == 2
    assert sample(run.params, None, np.int64(0), np.int64(3), 0).shape == (3,)


# ---- cost --------------------------------------------------------------------------------------


def test_stored_activations_grow_linearly_with_the_sequence_length():
    params = init_rnn(5, 7, 5, seed=0)
    rows = bptt_cost(params, [10, 20, 30], batch_size=2, repeats=1)
    assert [row["sequence_length"] for row in rows] == [10, 20, 30]
    sizes = [row["stored_bytes"] for row in rows]
    assert sizes[2] - sizes[1] == sizes[1] - sizes[0] > 0
    assert all(row["forward_seconds"] > 0 and row["backward_seconds"] > 0 for row in rows)
    ids = np.zeros((10, 2), dtype=np.int64)
    assert cache_nbytes(forward(params, ids, None, ids)[1]) == sizes[0]
    naive = bptt_cost(params, [4], method="jacobian_products", truncation=2, repeats=1)
    assert naive[0]["stored_bytes"] > 0
    lstm_rows = bptt_cost(init_lstm(5, 7, 5), [10, 20], repeats=1)
    assert lstm_rows[1]["stored_bytes"] > rows[1]["stored_bytes"] / 2


# ---- bad input ---------------------------------------------------------------------------------

RNN = init_rnn(4, 3, 5, seed=0)
LSTM = init_lstm(4, 3, 5, seed=0)
IDS = np.zeros((6, 2), dtype=np.int64)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: forward(RNN, np.full((6, 2), 4), None, IDS), r"inputs: expected ids in 0\.\.3 \(input_size = 4\), got min 4, max 4"),
        (lambda: forward(RNN, IDS, None, np.full((6, 2), -1)), r"targets: expected ids in 0\.\.4 \(output_size = 5\), got min -1, max -1"),
        (lambda: forward(RNN, np.zeros((0, 2), dtype=np.int64), None, np.zeros((0, 2), dtype=np.int64)), r"inputs: expected at least one time step, got an empty sequence \(shape \(0, 2\)\)"),
        (lambda: forward(RNN, IDS, None, IDS[:5]), r"targets: expected an integer array of shape \(6, 2\) \(time, batch\), like inputs, got shape \(5, 2\), dtype int64"),
        (lambda: forward(RNN, np.zeros(6, dtype=np.int64), None, IDS), r"inputs: expected \(time, batch\) integer ids .* got shape \(6,\), dtype int64"),
        (lambda: forward(RNN, np.zeros((6, 2, 3)), None, IDS), r"inputs: expected 4 features \(input_size\) .* got shape \(6, 2, 3\)"),
        (lambda: forward(RNN, np.zeros((6, 2, 4), dtype=np.float32), None, IDS), r"inputs: expected .* float64 vectors, got shape \(6, 2, 4\), dtype float32"),
        (lambda: forward(RNN, IDS, np.zeros(3), IDS), r"h0: expected a float64 array of shape \(2, 3\) \(batch, hidden_size\), or None for zeros, got shape \(3,\), dtype float64"),
        (lambda: lstm_forward(LSTM, IDS, None, np.zeros((2, 4)), IDS), r"c0: expected a float64 array of shape \(2, 3\) .* got shape \(2, 4\)"),
        (lambda: forward(LSTM, IDS, None, IDS), r"params: expected RNNParameters, got LSTMParameters"),
        (lambda: backward(RNN, lstm_forward(LSTM, IDS, None, None, IDS)[1]), r"cache: expected the RNNCache returned by the forward pass, got LSTMCache"),
        (lambda: backward(RNN, forward(RNN, IDS, None, IDS)[1], truncation=0), r"truncation: expected None \(full BPTT\) or a positive number of steps, got 0"),
        (lambda: RNNParameters(RNN.U, np.zeros((3, 2)), RNN.b, RNN.V, RNN.c), r"W: expected a float64 array of shape \(3, 3\) \(hidden_size, hidden_size\), hidden_size from U, got shape \(3, 2\)"),
        (lambda: LSTMParameters(LSTM.weight_ih[:8], LSTM.weight_hh, LSTM.bias_ih, LSTM.bias_hh, LSTM.weight_out, LSTM.bias_out), r"weight_ih: expected a float64 array of shape \(12, 4\)"),
        (lambda: init_rnn(4, 0, 5), r"hidden_size: expected a positive integer, got 0"),
        (lambda: init_lstm(4, 3, 5, seed=-1), r"seed: expected a numpy\.random\.Generator or a non-negative integer seed, got -1"),
        (lambda: sample(RNN, None, 0, 3, 0), r"params: expected input_size == output_size .* got input_size 4 and output_size 5"),
        (lambda: sample(init_rnn(4, 3, 4), None, 4, 3, 0), r"seed_id: expected an id in 0\.\.3, got 4"),
        (lambda: train_char_rnn(TEXT[:10], 4, sequence_length=10), r"ids: expected at least batch_size \* \(sequence_length \+ 1\) = 11 characters, got 10"),
        (lambda: train_char_rnn(TEXT, 3), r"ids: expected ids in 0\.\.2 \(vocabulary_size = 3\), got min 0, max 3"),
        (lambda: train_char_rnn(TEXT, 4, optimizer="adam"), r"optimizer: expected one of 'sgd', 'adagrad', got 'adam'"),
        (lambda: train_char_rnn(TEXT, 4, clip_norm=0), r"clip_norm: expected a positive finite number, got 0"),
        (lambda: train_char_rnn(TEXT, 4, lr=float("inf")), r"lr: expected a positive finite number, got inf"),
        (lambda: train_char_rnn(TEXT, 4, lr=float("nan")), r"lr: expected a positive finite number, got nan"),
        (lambda: train_char_rnn(TEXT, 4, lr=0), r"lr: expected a positive finite number, got 0"),
        (lambda: train_char_rnn(TEXT, 4, lr=True), r"lr: expected a positive finite number, got True"),
        (lambda: train_char_rnn(TEXT, 4, clip_norm=float("inf")), r"clip_norm: expected a positive finite number, got inf"),
        (lambda: train_char_rnn(TEXT, 4, steps=2.0), r"steps: expected a positive integer, got 2\.0"),
        (lambda: train_char_rnn(TEXT, 4, sequence_length=True), r"sequence_length: expected a positive integer, got True"),
        (lambda: clip_by_global_norm({"W": np.ones(2)}, float("nan")), r"max_norm: expected a positive finite number, got nan"),
        (lambda: numerical_gradient(lambda: 0.0, np.zeros(2), eps=float("inf")), r"eps: expected a positive finite number, got inf"),
        (lambda: gradient_check(RNN, IDS, IDS % 4, eps=float("nan")), r"eps: expected a positive finite number, got nan"),
        (lambda: sample(init_rnn(4, 3, 4), None, 0, 3, 0, temperature=float("inf")), r"temperature: expected a positive finite number, got inf"),
        (lambda: sample(init_rnn(4, 3, 4), None, 0, -1, 0), r"n: expected a non-negative integer, got -1"),
        (lambda: sample(init_rnn(4, 3, 4), None, 0, 2.0, 0), r"n: expected a non-negative integer, got 2\.0"),
        (lambda: bptt_cost(RNN, [5], repeats=0), r"repeats: expected a positive integer, got 0"),
        (lambda: bptt_cost(RNN, [5, 0]), r"sequence_lengths: expected a positive integer, got 0"),
        (lambda: clip_by_global_norm({"W": np.ones(2)}, -1.0), r"max_norm: expected a positive finite number, got -1\.0"),
        (lambda: numerical_gradient(lambda: 0.0, np.zeros(2, dtype=np.int64)), r"array: expected a writeable float64 array .* got shape \(2,\), dtype int64"),
        (lambda: relative_error(np.zeros(2), np.zeros(3)), r"b: expected the shape of a, \(2,\), got \(3,\)"),
        (lambda: bptt_cost(LSTM, [5], method="jacobian_products"), r"method: expected one of 'recursive', got 'jacobian_products'"),
        (lambda: gradient_check(RNN, IDS, IDS, c0=np.zeros((2, 3))), r"c0: expected None for an Elman RNN"),
        (lambda: gradient_check({"U": 1}, IDS, IDS), r"params: expected RNNParameters or LSTMParameters, got dict"),
        (lambda: gradient_check(RNN, IDS, IDS, h0=0), r"h0: expected a float64 NumPy array \(batch, hidden_size\) or None, got int"),
    ],
)
def test_bad_input_names_the_argument_the_expectation_and_the_value(call, message):
    with pytest.raises(ValueError, match=message):
        call()
