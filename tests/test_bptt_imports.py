"""Chapter 4's NumPy code runs without torch on every path (training with a progress bar,
gradient checks, sampling, the cost table), and the plain argument checks it shares with the rest
of the package live in the torch-free ``companion._checks``."""
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import companion._checks as checks
import companion._validate as validate
import companion.bptt as bptt

REPO_ROOT = Path(__file__).resolve().parents[1]

PLAIN_CHECKS = ("require_positive_int", "require_non_negative_int", "require_positive_float", "require_choice")


def test_every_path_of_bptt_runs_without_importing_torch():
    code = textwrap.dedent(
        """
        import sys
        import numpy as np
        import companion.bptt as bptt

        text = np.array([0, 1, 2, 3] * 30)
        run = bptt.train_char_rnn(text, 4, hidden_size=5, sequence_length=8, steps=3, lr=0.1, progress=True)
        sizes = (4, 5, 4)
        ids = np.zeros((3, 2), dtype=np.int64)
        assert max(bptt.gradient_check(bptt.init_rnn(*sizes), ids, ids).values()) < 1e-6
        assert max(bptt.gradient_check(bptt.init_lstm(*sizes), ids, ids).values()) < 1e-6
        assert bptt.sample(run.params, None, 0, 5, 0).shape == (5,)
        assert len(bptt.bptt_cost(run.params, [4, 8], repeats=1)) == 2
        loaded = sorted(name for name in sys.modules if name == "torch" or name.startswith("torch."))
        assert not loaded, f"torch was imported: {loaded[:5]}"
        """
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "training" in result.stderr  # the progress bar was drawn


def test_the_package_keeps_every_public_name():
    assert sorted(bptt.__all__) == [
        "CharRNNTraining", "LSTMCache", "LSTMParameters", "RNNCache", "RNNParameters", "backward",
        "backward_jacobian_products", "bptt_cost", "cache_nbytes", "clip_by_global_norm", "clip_by_value", "forward",
        "global_norm", "gradient_check", "init_lstm", "init_rnn", "lstm_backward", "lstm_forward",
        "numerical_gradient", "relative_error", "sample", "train_char_rnn",
    ]
    assert all(hasattr(bptt, name) for name in bptt.__all__)


@pytest.mark.parametrize("name", PLAIN_CHECKS)
def test_plain_checks_have_one_home(name):
    assert hasattr(checks, name)
    assert not hasattr(validate, name)  # neither defined nor re-exported next to the torch checks


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: checks.require_positive_int("size", 0), r"size: expected a positive integer, got 0"),
        (lambda: checks.require_positive_int("size", True), r"size: expected a positive integer, got True"),
        (lambda: checks.require_positive_int("size", 2.0), r"size: expected a positive integer, got 2\.0"),
        (lambda: checks.require_non_negative_int("seed", -1), r"seed: expected a non-negative integer, got -1"),
        (lambda: checks.require_non_negative_int("total", -1, "an empty loop"), r"total: expected a non-negative integer \(0: an empty loop\), got -1"),
        (lambda: checks.require_positive_float("lr", float("inf")), r"lr: expected a positive finite number, got inf"),
        (lambda: checks.require_positive_float("lr", float("nan")), r"lr: expected a positive finite number, got nan"),
        (lambda: checks.require_positive_float("lr", "0.1"), r"lr: expected a positive finite number, got '0\.1'"),
        (lambda: checks.require_positive_float("lr", False), r"lr: expected a positive finite number, got False"),
        (lambda: checks.require_choice("optimizer", "adam", ("sgd", "adagrad")), r"optimizer: expected one of 'sgd', 'adagrad', got 'adam'"),
        (lambda: checks.require_finite_loss_value(float("nan"), "at step 3"), r"loss: expected a finite value, got nan at step 3; lower the learning rate"),
        (lambda: checks.require_finite_parameters(["W", "b"], "after the update of step 2"), r"params: expected finite values after the update of step 2, got NaN or inf in W, b;"),
    ],
)
def test_plain_checks_name_the_argument_the_expectation_and_the_value(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_plain_checks_accept_numpy_numbers_and_return_python_ones():
    assert type(checks.require_positive_int("size", np.int64(3))) is int
    assert type(checks.require_non_negative_int("seed", np.int32(0))) is int
    assert type(checks.require_positive_float("lr", np.float32(0.5))) is float
    assert checks.require_positive_float("lr", 2) == 2.0
    checks.require_finite_parameters([], "before training")  # nothing to report
