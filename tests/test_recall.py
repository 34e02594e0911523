"""The recall task of chapter 3, the many-to-one classifiers with LSTM and GRU bodies that learn it,
and the chapter's trainer, train_recall, which draws the numbers of the chapter's own loop."""
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from companion.data.recall import RecallData, generate_recall
from companion.models import SequenceToVector

DOUBLE = torch.float64


# --- the data ---------------------------------------------------------------------------------


def test_recall_sequences_start_with_the_flagged_target_then_only_noise():
    data = generate_recall(500, delay=7, num_symbols=3, noise_scale=2.0, seed=1)
    assert isinstance(data, RecallData)
    assert data.inputs.shape == (8, 500, 4) and data.inputs.dtype == torch.float32
    assert data.targets.shape == (500,) and data.targets.dtype == torch.int64
    assert len(data) == 500 and data.delay == 7 and data.input_size == 4
    first = data.inputs[0]
    assert torch.equal(first[:, :3].argmax(1), data.targets)
    assert torch.equal(first.sum(1), torch.full((500,), 2.0))  # one-hot symbol and the flag
    assert torch.equal(data.inputs[1:, :, 3], torch.zeros(7, 500))  # the flag is only at step 1
    noise = data.inputs[1:, :, :3]
    assert abs(float(noise.mean())) < 0.05 and abs(float(noise.std()) - 2.0) < 0.05
    assert set(data.targets.tolist()) == {0, 1, 2}


def test_recall_targets_are_balanced_and_the_noise_says_nothing_about_them():
    data = generate_recall(8000, delay=3, seed=0)
    counts = torch.bincount(data.targets, minlength=4).float() / 8000
    assert torch.allclose(counts, torch.full((4,), 0.25), atol=0.02)
    last = data.inputs[-1, :, :4]
    for symbol in range(4):
        assert torch.allclose(last[data.targets == symbol].mean(0), torch.zeros(4), atol=0.06)


def test_recall_is_seeded():
    a, b, c = generate_recall(50, 4, seed=3), generate_recall(50, 4, seed=3), generate_recall(50, 4, seed=4)
    assert torch.equal(a.inputs, b.inputs) and not torch.equal(a.inputs, c.inputs)
    # fixed numbers: the same on every platform
    assert generate_recall(6, 2, seed=0).targets.tolist() == [3, 2, 2, 1, 1, 0]
    assert round(float(generate_recall(6, 2, seed=0).inputs[1, 0, 0]), 4) == 0.1049


def test_recall_batches_select_sequences_and_delay_zero_is_one_step():
    data = generate_recall(10, delay=2, seed=0)
    inputs, targets = data.batch(torch.tensor([4, 1]))
    assert torch.equal(inputs, data.inputs[:, [4, 1]]) and torch.equal(targets, data.targets[[4, 1]])
    assert generate_recall(3, delay=0).inputs.shape == (1, 3, 5)
    silent = generate_recall(4, delay=3, noise_scale=0.0)
    assert torch.equal(silent.inputs[1:], torch.zeros(3, 4, 5))


@pytest.mark.parametrize(
    "arguments, message",
    [
        (dict(size=0, delay=3), "size: expected a positive integer, got 0"),
        (dict(size=5, delay=-1), "delay: expected a non-negative integer, got -1"),
        (dict(size=5, delay=2.5), "delay: expected a non-negative integer, got 2.5"),
        (dict(size=5, delay=3, num_symbols=1), "num_symbols: expected an integer of at least 2"),
        (dict(size=5, delay=3, noise_scale=-1.0), "noise_scale: expected a non-negative number, got -1.0"),
        (dict(size=5, delay=3, noise_scale=float("nan")), "noise_scale: expected a non-negative number, got nan"),
        (dict(size=5, delay=3, seed=-2), "seed: expected a non-negative integer, got -2"),
    ],
)
def test_recall_rejects_bad_arguments(arguments, message):
    with pytest.raises(ValueError, match=message):
        generate_recall(**arguments)


# --- the classifiers --------------------------------------------------------------------------


@pytest.mark.parametrize("cell", ["elman", "lstm", "gru"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_torch_and_scratch_implementations_compute_the_same(cell, batch_first):
    torch.manual_seed(0)
    fast = SequenceToVector(5, 6, 3, batch_first=batch_first, cell=cell, implementation="torch").double()
    scratch = SequenceToVector(5, 6, 3, batch_first=batch_first, cell=cell).double()
    scratch.load_state_dict(fast.state_dict())
    x = torch.randn(4, 7, 5, dtype=DOUBLE)
    torch.testing.assert_close(scratch(x), fast(x), rtol=0, atol=1e-12)
    lengths = torch.tensor([7, 2, 5, 1] if batch_first else [4, 1, 3, 2, 4, 4, 2])
    torch.testing.assert_close(scratch(x, lengths), fast(x, lengths), rtol=0, atol=1e-12)


@pytest.mark.parametrize("implementation", ["scratch", "torch"])
def test_lstm_classifier_reads_out_the_final_h_not_c(implementation):
    torch.manual_seed(0)
    model = SequenceToVector(3, 4, 2, cell="lstm", implementation=implementation).double()
    x = torch.randn(5, 2, 3, dtype=DOUBLE)
    _, (h_n, _) = model.rnn(x)
    torch.testing.assert_close(model(x), model.readout(h_n[-1]), rtol=0, atol=0)


def test_lstm_options_reach_the_layer():
    model = SequenceToVector(3, 4, 2, cell="lstm", peephole=True, coupled=True)
    assert model.rnn.peephole and model.rnn.coupled and model.rnn.weight_peephole_l0.shape == (3, 4)
    assert not SequenceToVector(3, 4, 2, cell="lstm", forget_gate=False).rnn.forget_gate
    torch.manual_seed(0)
    plain = SequenceToVector(3, 4, 2, cell="lstm", implementation="torch")
    torch.manual_seed(0)
    shifted = SequenceToVector(3, 4, 2, cell="lstm", implementation="torch", forget_bias=1.0)
    difference = shifted.rnn.bias_ih_l0 - plain.rnn.bias_ih_l0
    assert torch.allclose(difference, torch.tensor([0.0] * 4 + [1.0] * 4 + [0.0] * 8))
    assert repr(shifted).startswith("SequenceToVector(\n  cell='lstm', implementation='torch'")
    assert isinstance(shifted.rnn, nn.LSTM)


@pytest.mark.parametrize(
    "options, message",
    [
        (dict(cell="rnn"), "cell: expected one of 'elman', 'lstm', 'gru', 'irnn', 'leaky', 'scrn', 'clockwork', got 'rnn'"),
        (dict(cell="gru", forget_bias=1.0), "forget_bias: an LSTM option, expected cell='lstm', got cell='gru'"),
        (dict(cell="lstm", implementation="torch", peephole=True), "peephole: torch.nn.LSTM has no such variant"),
        (dict(cell="lstm", dropout=0.5), "dropout: not an option of a recurrent layer"),
        (dict(cell="lstm", implementation=1), "implementation: expected one of 'scratch', 'torch', got 1"),
        (dict(cell="lstm", implementation="torch", forget_bias="1"), "forget_bias: expected a finite number, got '1'"),
    ],
)
def test_classifier_rejects_bad_options(options, message):
    with pytest.raises(ValueError, match=message):
        SequenceToVector(3, 4, 2, **options)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_gated_classifier_learns_to_recall_over_a_short_delay(cell):
    torch.manual_seed(0)
    train, valid = generate_recall(1024, delay=5, seed=1), generate_recall(256, delay=5, seed=2)
    model = SequenceToVector(train.input_size, 16, train.num_symbols, cell=cell, implementation="torch")
    optimizer = torch.optim.Adam(model.parameters(), lr=0.02)
    generator = torch.Generator().manual_seed(0)
    for _ in range(150):
        inputs, targets = train.batch(torch.randint(0, len(train), (64,), generator=generator))
        loss = F.cross_entropy(model(inputs), targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        accuracy = (model(valid.inputs).argmax(1) == valid.targets).float().mean()
    assert accuracy > 0.95


# --- the chapter's trainer -------------------------------------------------------------------


def chapters_train_recall(layer_options, train, valid, test, hidden_size, max_steps, lr, batch_size,
                          check_every, seed=0):
    """Chapter 3's loop as the chapter wrote it in a cell: the package's must draw the same numbers."""

    def accuracy(model, data):
        with torch.no_grad():
            predictions = model(data.inputs).argmax(dim=1)
        return (predictions == data.targets).float().mean().item()

    torch.manual_seed(seed)
    model = SequenceToVector(train.input_size, hidden_size, train.num_symbols, **layer_options)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    batches = torch.Generator().manual_seed(seed)
    for step in range(1, max_steps + 1):
        index = torch.randint(0, len(train), (batch_size,), generator=batches)
        inputs, targets = train.batch(index)
        loss = F.cross_entropy(model(inputs), targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % check_every == 0 and accuracy(model, valid) == 1.0:
            break
    return {"test accuracy": accuracy(model, test), "steps": step}


@pytest.mark.parametrize("options, seed", [(dict(cell="lstm", forget_bias=3.0, implementation="torch"), 0),
                                           (dict(cell="gru"), 1)])
def test_train_recall_draws_the_numbers_of_the_chapters_loop(options, seed):
    from companion.training import train_recall

    splits = [generate_recall(n, 2, seed=s) for n, s in ((256, 1), (64, 2), (64, 3))]
    settings = dict(hidden_size=8, max_steps=60, lr=0.05, batch_size=16, check_every=5, seed=seed)
    ours = train_recall(options, *splits, **settings)
    assert ours == chapters_train_recall(options, *splits, **settings)
    assert set(ours) == {"test accuracy", "steps"} and 1 <= ours["steps"] <= 60


def test_train_recall_stops_once_valid_is_perfect():
    from companion.training import train_recall

    splits = [generate_recall(n, 1, noise_scale=0.0, seed=s) for n, s in ((256, 1), (64, 2), (64, 3))]
    run = train_recall(dict(cell="lstm", implementation="torch"), *splits, hidden_size=8, max_steps=200,
                       lr=0.05, batch_size=32, check_every=10)
    assert run["steps"] < 200 and run["steps"] % 10 == 0 and run["test accuracy"] == 1.0


def test_accuracy_scores_in_evaluation_mode_and_restores_the_mode():
    from companion.training import accuracy

    class Oracle(nn.Module):
        """Reads the symbol off the first step; counts the calls made in training mode."""

        def __init__(self):
            super().__init__()
            self.calls_in_training = 0

        def forward(self, inputs):
            self.calls_in_training += self.training
            return inputs[0, :, :-1]

    data = generate_recall(40, 3, seed=0)
    oracle = Oracle()
    assert accuracy(oracle, data) == 1.0 and oracle.training and oracle.calls_in_training == 0
    oracle.eval()
    assert accuracy(oracle, data) == 1.0 and not oracle.training


def _splits():
    return [generate_recall(16, 2, seed=s) for s in (1, 2, 3)]


BAD_RECALL_TRAINING = {
    "options not a dict": (lambda: _train(["lstm"]), r"layer_options: expected a dict of SequenceToVector options, got list"),
    "train not recall data": (lambda: _train({}, train=torch.zeros(3)), r"train: expected RecallData \(from generate_recall\), got Tensor"),
    "other symbols": (lambda: _train({}, test=generate_recall(8, 2, num_symbols=3)), r"test: expected 4 symbols \(as train\), got 3"),
    "zero steps": (lambda: _train({}, max_steps=0), r"max_steps: expected a positive integer, got 0"),
    "float hidden": (lambda: _train({}, hidden_size=8.0), r"hidden_size: expected a positive integer, got 8.0"),
    "zero check_every": (lambda: _train({}, check_every=0), r"check_every: expected a positive integer, got 0"),
    "negative seed": (lambda: _train({}, seed=-1), r"seed: expected a non-negative integer, got -1"),
    "lr a string": (lambda: _train({}, lr="0.01"), r"lr: expected a positive finite number, got '0.01'"),
    "accuracy of a function": (lambda: __import__("companion.training").training.accuracy(len, _splits()[0]), r"model: expected a torch.nn.Module, got builtin_function_or_method"),
}


def _train(options, **changes):
    from companion.training import train_recall

    train, valid, test = _splits()
    splits = dict(train=train, valid=valid, test=test)
    settings = dict(hidden_size=4, max_steps=2, batch_size=4, check_every=1)
    for name, value in changes.items():
        (splits if name in splits else settings)[name] = value
    return train_recall(options, splits["train"], splits["valid"], splits["test"], **settings)


@pytest.mark.parametrize("call, message", BAD_RECALL_TRAINING.values(), ids=BAD_RECALL_TRAINING.keys())
def test_train_recall_rejects_bad_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call()
