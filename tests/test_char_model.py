"""The torch character model of chapter 4: built from the NumPy parameters of companion.bptt, it
computes the same loss and gradients (also as torch_gradients), and its trainer follows the NumPy
trainer step for step."""
import numpy as np
import pytest
import torch

from companion.bptt import (
    backward,
    forward,
    init_lstm,
    init_rnn,
    lstm_backward,
    lstm_forward,
    relative_error,
    train_char_rnn,
)
from companion.models.char_rnn import (
    CharModelTraining,
    CharRNN,
    char_rnn_from_parameters,
    parameters_from_char_rnn,
    sequence_loss,
    torch_gradients,
    train_char_model,
)

TEXT = np.array([0, 1, 2, 3, 4, 2] * 50)  # a periodic "text" over 5 characters


def problem(seed: int, dense: bool):
    rng = np.random.default_rng(seed)
    features, hidden, outputs, steps, batch = (int(n) for n in rng.integers(2, 7, size=5))
    if dense:
        inputs = rng.normal(size=(steps, batch, features))
    else:
        inputs = rng.integers(0, features, size=(steps, batch))
    targets = rng.integers(0, outputs, size=(steps, batch))
    h0, c0 = rng.normal(size=(2, batch, hidden))
    return (features, hidden, outputs), inputs, targets, h0, c0


@pytest.mark.parametrize("dense", [False, True], ids=["ids", "dense"])
@pytest.mark.parametrize("seed", [0, 1])
def test_elman_model_has_the_loss_and_gradients_of_the_numpy_rnn(seed, dense):
    sizes, inputs, targets, h0, _ = problem(seed, dense)
    params = init_rnn(*sizes, seed=seed)
    loss, cache = forward(params, inputs, h0, targets)
    ours = backward(params, cache)
    model = char_rnn_from_parameters(params)
    assert model.cell == "elman" and model.readout.weight.dtype == torch.float64
    state = torch.tensor(h0, requires_grad=True)
    scores, final = model(torch.from_numpy(inputs), state)
    torch_loss = sequence_loss(scores, torch.from_numpy(targets))
    torch_loss.backward()
    assert float(torch_loss.detach()) == pytest.approx(loss, rel=1e-12)
    np.testing.assert_allclose(final.detach().numpy(), cache.final_hidden, rtol=0, atol=1e-12)
    for name, tensor in model.bptt_parameters().items():
        assert relative_error(ours[name], tensor.grad.numpy()) < 1e-10, name
    assert relative_error(ours["h0"], state.grad.numpy()) < 1e-10


@pytest.mark.parametrize("dense", [False, True], ids=["ids", "dense"])
def test_lstm_model_has_the_loss_and_gradients_of_the_numpy_lstm(dense):
    sizes, inputs, targets, h0, c0 = problem(2, dense)
    params = init_lstm(*sizes, seed=2)
    loss, cache = lstm_forward(params, inputs, h0, c0, targets)
    ours = lstm_backward(params, cache)
    model = char_rnn_from_parameters(params)
    assert model.cell == "lstm"
    states = (torch.tensor(h0, requires_grad=True), torch.tensor(c0, requires_grad=True))
    scores, (h_n, c_n) = model(torch.from_numpy(inputs), states)
    torch_loss = sequence_loss(scores, torch.from_numpy(targets))
    torch_loss.backward()
    assert float(torch_loss.detach()) == pytest.approx(loss, rel=1e-12)
    np.testing.assert_allclose(c_n.detach().numpy(), cache.final_cell, rtol=0, atol=1e-12)
    for name, tensor in model.bptt_parameters().items():
        assert relative_error(ours[name], tensor.grad.numpy()) < 1e-10, name
    assert relative_error(ours["h0"], states[0].grad.numpy()) < 1e-10
    assert relative_error(ours["c0"], states[1].grad.numpy()) < 1e-10


def test_the_single_bias_goes_to_bias_ih_and_bias_hh_stays_a_frozen_zero():
    params = init_rnn(4, 3, 4, seed=0)
    model = char_rnn_from_parameters(params)
    assert torch.equal(model.rnn.bias_hh_l0, torch.zeros(3, dtype=torch.float64))
    assert not model.rnn.bias_hh_l0.requires_grad
    assert list(model.bptt_parameters()) == ["U", "W", "b", "V", "c"]
    assert sum(p.requires_grad for p in model.parameters()) == 5
    assert CharRNN(4, 3, 4).rnn.bias_hh_l0.abs().sum() == 0  # a fresh model too
    back = parameters_from_char_rnn(model)
    for name, array in params.arrays().items():
        assert np.array_equal(back.arrays()[name], array), name
    lstm = init_lstm(4, 3, 5, seed=1)
    lstm_back = parameters_from_char_rnn(char_rnn_from_parameters(lstm))
    assert all(np.array_equal(lstm_back.arrays()[name], array) for name, array in lstm.arrays().items())


def test_no_initial_state_means_zeros():
    model = char_rnn_from_parameters(init_rnn(5, 4, 5, seed=3))
    ids = torch.tensor([[0, 1], [2, 3], [4, 0]])
    with torch.no_grad():
        a, _ = model(ids)
        b, _ = model(ids, torch.zeros(2, 4, dtype=torch.float64))
    assert torch.equal(a, b)


@pytest.mark.parametrize("optimizer", ["sgd", "adagrad"])
@pytest.mark.parametrize("batch_size, clip_norm", [(1, None), (3, 0.5)])
def test_torch_training_follows_the_numpy_trainer(optimizer, batch_size, clip_norm):
    params = init_rnn(5, 8, 5, seed=4)
    settings = dict(sequence_length=7, steps=30, lr=0.05, optimizer=optimizer,
                    clip_norm=clip_norm, batch_size=batch_size)
    numpy_run = train_char_rnn(TEXT, 5, params=params, **settings)  # 30 steps wrap around the streams
    model = char_rnn_from_parameters(params)
    torch_run = train_char_model(model, TEXT, **settings)
    assert isinstance(torch_run, CharModelTraining)
    assert np.max(np.abs(np.array(numpy_run.losses) - torch_run.losses)) < 1e-10
    assert np.max(np.abs(np.array(numpy_run.gradient_norms) - torch_run.gradient_norms)) < 1e-10
    trained = parameters_from_char_rnn(model)
    for name, array in numpy_run.params.arrays().items():
        assert relative_error(trained.arrays()[name], array) < 1e-10, name
    np.testing.assert_allclose(torch_run.state.numpy(), numpy_run.hidden, rtol=0, atol=1e-10)
    assert not model.training


def test_torch_training_of_an_lstm_lowers_the_loss():
    torch.manual_seed(0)
    model = CharRNN(5, 8, 5, cell="lstm").double()
    run = train_char_model(model, torch.from_numpy(TEXT), sequence_length=12, steps=60, lr=0.1)
    assert np.mean(run.losses[-5:]) < 0.5 * run.losses[0]
    assert isinstance(run.state, tuple) and run.state[0].shape == (1, 8)


@pytest.mark.parametrize("dense", [False, True], ids=["ids", "dense"])
def test_torch_gradients_are_the_gradients_of_the_numpy_backward_passes(dense):
    sizes, inputs, targets, h0, c0 = problem(5, dense)
    rnn, lstm = init_rnn(*sizes, seed=5), init_lstm(*sizes, seed=5)
    before = {name: array.copy() for name, array in rnn.arrays().items()}
    ours = backward(rnn, forward(rnn, inputs, h0, targets)[1])
    theirs = torch_gradients(rnn, inputs, targets, h0)
    assert set(theirs) == set(ours) and "c0" not in theirs
    assert all(relative_error(ours[name], theirs[name]) < 1e-10 for name in ours)
    assert all(np.array_equal(rnn.arrays()[name], array) for name, array in before.items())
    ours = lstm_backward(lstm, lstm_forward(lstm, inputs, h0, c0, targets)[1])
    theirs = torch_gradients(lstm, inputs, targets, h0, c0)
    assert set(theirs) == set(ours)
    assert all(relative_error(ours[name], theirs[name]) < 1e-10 for name in ours)


def test_forward_takes_torch_names_input_and_hx():
    model = char_rnn_from_parameters(init_rnn(5, 4, 5, seed=3))
    ids = torch.tensor([[0, 1], [2, 3]])
    with torch.no_grad():
        by_name, _ = model(input=ids, hx=torch.zeros(2, 4, dtype=torch.float64))
        by_position, _ = model(ids)
    assert torch.equal(by_name, by_position)
    with pytest.raises(TypeError):
        model(inputs=ids)


def test_train_char_model_takes_lr_and_no_longer_learning_rate():
    with pytest.raises(TypeError, match="learning_rate"):
        train_char_model(CharRNN(5, 4, 5), TEXT, learning_rate=0.1)


def test_sequence_loss_sums_over_time_and_averages_over_the_batch():
    scores = torch.zeros(4, 2, 3, dtype=torch.float64)  # uniform: ln 3 per character
    loss = sequence_loss(scores, torch.zeros(4, 2, dtype=torch.long))
    assert float(loss) == pytest.approx(4 * np.log(3))


BAD = {
    "unknown cell": (lambda: CharRNN(3, 4, 3, cell="gru"), r"cell: expected one of 'elman', 'lstm', got 'gru'"),
    "zero hidden": (lambda: CharRNN(3, 0, 3), r"hidden_size: expected a positive integer, got 0"),
    "id too large": (lambda: CharRNN(3, 4, 3)(torch.tensor([[3]])), r"input: expected ids in 0..2 \(input_size = 3\), got min 3, max 3"),
    "ids of rank 1": (lambda: CharRNN(3, 4, 3)(torch.tensor([0, 1])), r"input: expected \(time, batch\) integer ids .* got shape \(2\)"),
    "empty ids": (lambda: CharRNN(3, 4, 3)(torch.zeros(0, 2, dtype=torch.long)), r"input: expected at least one time step and one sequence, got shape \(0, 2\)"),
    "float64 into float32": (lambda: CharRNN(3, 4, 3)(torch.zeros(2, 1, 3, dtype=torch.float64)), r"input: expected dtype torch.float32"),
    "wrong features": (lambda: CharRNN(3, 4, 3)(torch.zeros(2, 1, 5)), r"input: expected 3 features"),
    "state shape": (lambda: CharRNN(3, 4, 3)(torch.tensor([[0]]), torch.zeros(1, 1, 4)), r"hx: expected shape \(1, 4\) \(batch, hidden\), got shape \(1, 1, 4\)"),
    "lstm state": (lambda: CharRNN(3, 4, 3, cell="lstm")(torch.tensor([[0]]), torch.zeros(1, 4)), r"hx: expected None or a pair \(h_0, c_0\) for an LSTM, got Tensor"),
    "not numpy parameters": (lambda: char_rnn_from_parameters({"U": 1}), r"params: expected RNNParameters or LSTMParameters, got dict"),
    "not a char model": (lambda: parameters_from_char_rnn(torch.nn.RNN(3, 4)), r"model: expected a CharRNN, got RNN"),
    "train a plain module": (lambda: train_char_model(torch.nn.Linear(2, 2), TEXT), r"model: expected a CharRNN, got Linear"),
    "float text": (lambda: train_char_model(CharRNN(5, 4, 5), TEXT.astype(float)), r"ids: expected a 1-D integer array of character ids, got shape \(300\) and dtype torch.float64"),
    "id outside": (lambda: train_char_model(CharRNN(3, 4, 3), TEXT), r"ids: expected ids in 0..2 \(below input_size and output_size\), got min 0, max 4"),
    "text too short": (lambda: train_char_model(CharRNN(5, 4, 5), TEXT[:10], sequence_length=10), r"ids: expected at least batch_size \* \(sequence_length \+ 1\) = 11 characters, got 10"),
    "optimizer": (lambda: train_char_model(CharRNN(5, 4, 5), TEXT, optimizer="adam"), r"optimizer: expected one of 'sgd', 'adagrad', got 'adam'"),
    "learning rate": (lambda: train_char_model(CharRNN(5, 4, 5), TEXT, lr=0), r"lr: expected a positive finite number, got 0"),
    "clip norm": (lambda: train_char_model(CharRNN(5, 4, 5), TEXT, clip_norm=-1.0), r"clip_norm: expected a positive finite number, got -1.0"),
    "infinite clip norm": (lambda: train_char_model(CharRNN(5, 4, 5), TEXT, clip_norm=float("inf")), r"clip_norm: expected a positive finite number, got inf"),
    "loss shapes": (lambda: sequence_loss(torch.zeros(3, 2, 4), torch.zeros(3, 3, dtype=torch.long)), r"targets: expected shape \(T, B\) matching scores \(T, B, C\) = \(3, 2, 4\), got \(3, 3\)"),
    "float targets": (lambda: sequence_loss(torch.zeros(3, 2, 4), torch.zeros(3, 2)), r"targets: expected integer class ids, got dtype torch.float32"),
    "c0 for an RNN": (lambda: torch_gradients(init_rnn(3, 4, 3), np.zeros((2, 1), int), np.zeros((2, 1), int), np.zeros((1, 4)), np.zeros((1, 4))), r"c0: expected None for RNNParameters \(an Elman RNN has no cell state\), got ndarray"),
    "float32 h0": (lambda: torch_gradients(init_rnn(3, 4, 3), np.zeros((2, 1), int), np.zeros((2, 1), int), np.zeros((1, 4), np.float32)), r"h0: expected a float64 NumPy array of shape \(1, 4\) \(batch, hidden\), got ndarray of shape \(1, 4\) and dtype float32"),
    "h0 of another batch": (lambda: torch_gradients(init_rnn(3, 4, 3), np.zeros((2, 1), int), np.zeros((2, 1), int), np.zeros((2, 4))), r"h0: expected a float64 NumPy array of shape \(1, 4\)"),
    "inputs a list": (lambda: torch_gradients(init_rnn(3, 4, 3), [[0]], np.zeros((1, 1), int), np.zeros((1, 4))), r"inputs: expected a NumPy array, got list"),
    "inputs of rank 1": (lambda: torch_gradients(init_rnn(3, 4, 3), np.zeros(2, int), np.zeros(2, int), np.zeros((1, 4))), r"inputs: expected \(T, B\) integer ids or \(T, B, F\) floats, got shape \(2,\)"),
}


@pytest.mark.parametrize("call, message", BAD.values(), ids=BAD.keys())
def test_bad_input_names_the_argument_the_expectation_and_the_value(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize("cell", ["elman", "lstm"])
def test_torch_gradients_take_none_for_zero_states_as_the_numpy_functions_do(cell):
    from companion.bptt import backward, forward, lstm_backward, lstm_forward

    rng = np.random.default_rng(0)
    inputs, targets = rng.integers(0, 3, (4, 2)), rng.integers(0, 3, (4, 2))
    if cell == "elman":
        params = init_rnn(3, 5, 3, seed=1)
        ours = backward(params, forward(params, inputs, None, targets)[1])
    else:
        params = init_lstm(3, 5, 3, seed=1)
        ours = lstm_backward(params, lstm_forward(params, inputs, None, None, targets)[1])
    theirs = torch_gradients(params, inputs, targets, None)
    assert set(theirs) == set(ours)
    for name in ours:
        np.testing.assert_allclose(theirs[name], ours[name], atol=1e-10, rtol=1e-8)

