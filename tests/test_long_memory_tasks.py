"""The generated long-memory tasks of chapter 5: the adding problem (both variants), the copy-memory
task and the Mackey-Glass series, each against its paper's definition and a literal reference."""
import math

import pytest
import torch
import torch.nn.functional as F

from companion.data import (
    ADDING_BASELINE_MSE,
    ADDING_TOLERANCE,
    AddingData,
    CopyMemoryData,
    adding_solved_fraction,
    copy_memory_accuracy,
    copy_memory_baseline,
    copy_memory_one_hot,
    generate_adding,
    generate_copy_memory,
    mackey_glass,
)

# --- the adding problem, modern variant (Le et al. 2015, Arjovsky et al. 2016) ----------------


def test_modern_adding_has_two_markers_one_in_each_half_and_their_sum_as_target():
    data = generate_adding(3000, 21, seed=1)
    assert isinstance(data, AddingData) and data.variant == "modern" and len(data) == 3000
    assert data.inputs.shape == (21, 3000, 2) and data.inputs.dtype == torch.float32
    assert data.targets.shape == (3000,) and torch.equal(data.lengths, torch.full((3000,), 21))
    values, markers = data.inputs[..., 0].double(), data.inputs[..., 1]
    assert 0 <= float(values.min()) and float(values.max()) <= 1
    assert set(markers.unique().tolist()) == {0.0, 1.0}
    assert torch.equal(markers[:10].sum(0), torch.ones(3000)) and torch.equal(markers[10:].sum(0), torch.ones(3000))
    torch.testing.assert_close(data.targets.double(), (values * markers).sum(0), rtol=0, atol=1e-6)
    # every position of each half is drawn
    assert set(markers[:10].argmax(0).tolist()) == set(range(10))
    assert set((markers[10:].argmax(0) + 10).tolist()) == set(range(10, 21))


def test_always_answering_one_scores_the_baseline_mse_of_one_sixth():
    targets = generate_adding(100_000, 4, seed=0, dtype=torch.float64).targets
    assert ADDING_BASELINE_MSE == pytest.approx(1 / 6)
    assert float(F.mse_loss(torch.ones_like(targets), targets)) == pytest.approx(1 / 6, abs=0.003)


def test_adding_is_seeded_and_takes_dtype_and_device():
    a, b = generate_adding(20, 9, seed=3), generate_adding(20, 9, seed=3)
    assert torch.equal(a.inputs, b.inputs) and not torch.equal(a.inputs, generate_adding(20, 9, seed=4).inputs)
    double = generate_adding(5, 11, variant="original", dtype=torch.float64, device="cpu")
    assert double.inputs.dtype == double.targets.dtype == torch.float64 and double.lengths.dtype == torch.int64
    inputs, targets, lengths = a.batch(torch.tensor([3, 0]))
    assert torch.equal(inputs, a.inputs[:, [3, 0]]) and torch.equal(targets, a.targets[[3, 0]])
    assert torch.equal(lengths, a.lengths[[3, 0]])
    # fixed numbers: the same on every platform (NumPy's PCG64)
    assert [round(v, 4) for v in generate_adding(2, 4, seed=0).targets.tolist()] == [0.6476, 0.746]
    original = generate_adding(2, 11, variant="original", seed=0)
    assert [round(v, 4) for v in original.targets.tolist()] == [0.0961, 0.6797] and original.lengths.tolist() == [12, 12]


# --- the adding problem, original variant (Hochreiter & Schmidhuber 1997, experiment 4) -------


def test_original_adding_follows_the_papers_marking_rules():
    T, N = 40, 4000
    data = generate_adding(N, T, variant="original", seed=2, dtype=torch.float64)
    lengths = data.lengths
    assert int(lengths.min()) == T and int(lengths.max()) == T + T // 10
    assert data.inputs.shape == (T + T // 10, N, 2)
    steps = torch.arange(data.inputs.shape[0])[:, None]
    outside = steps >= lengths[None, :]
    assert torch.equal(data.inputs[outside], torch.zeros(int(outside.sum()), 2))  # zero padding
    values, markers = data.inputs[..., 0], data.inputs[..., 1]
    assert float(values.abs().max()) <= 1
    marked = markers == 1
    assert torch.equal(marked.sum(0), torch.full((N,), 2))  # exactly two marked pairs
    positions = marked.double().argsort(dim=0, descending=True, stable=True)[:2].sort(0).values  # (2, N)
    first_mark_in_first_ten = (positions < 10).any(0)
    assert bool(first_mark_in_first_ten.all())
    assert int(positions.max()) <= T // 2 - 1  # among the first T/2 - 1 unmarked pairs
    last = markers[lengths - 1, torch.arange(N)]
    assert torch.equal(last, torch.full((N,), -1.0))
    first_unmarked = ~marked[0]
    assert torch.equal(markers[0, first_unmarked], torch.full((int(first_unmarked.sum()),), -1.0))
    inner = ~marked & (steps > 0) & (steps < lengths[None, :] - 1)
    assert torch.equal(markers[inner], torch.zeros(int(inner.sum())))
    # "X1 is set to zero in the rare case where the first pair of the sequence got marked"
    assert bool(marked[0].any()) and torch.equal(values[0, marked[0]], torch.zeros(int(marked[0].sum())))
    expected = 0.5 + (values * marked).sum(0) / 4
    torch.testing.assert_close(data.targets, expected, rtol=0, atol=1e-12)
    assert 0 <= float(data.targets.min()) and float(data.targets.max()) <= 1


def test_the_marks_are_uniform_over_the_first_ten_pairs():
    # T = 20: the first mark is one of pairs 0..9, the second one of the first T/2 - 1 = 9 pairs
    # still unmarked, which again makes it uniform over pairs 0..9: each pair is marked 2/10 of the time.
    data = generate_adding(20_000, 20, variant="original", seed=5)
    marked = data.inputs[..., 1] == 1
    counts = marked.sum(1).double()
    assert torch.allclose(counts[:10], torch.full((10,), 4000.0, dtype=torch.float64), rtol=0.05)
    assert int(counts[10:].sum()) == 0


def test_solved_fraction_is_hochreiter_and_schmidhubers_criterion():
    targets = torch.tensor([0.5, 0.5, 0.5, 0.5, 0.5], dtype=torch.float64)
    predictions = targets + torch.tensor([0.0, 0.039, -0.0399, 0.041, -0.2], dtype=torch.float64)
    assert ADDING_TOLERANCE == 0.04
    assert adding_solved_fraction(predictions, targets) == pytest.approx(3 / 5)
    assert adding_solved_fraction(predictions, targets, tolerance=0.5) == 1.0
    # answering 0.5 always solves |X1 + X2| < 0.16: 0.16 - 0.16**2 / 4 of the sequences with two
    # values, 0.16 of those with one zeroed, here (T = 20) a fifth of them
    data = generate_adding(40_000, 20, variant="original", seed=7, dtype=torch.float64)
    fraction = adding_solved_fraction(torch.full_like(data.targets, 0.5), data.targets)
    assert fraction == pytest.approx(0.8 * (0.16 - 0.16**2 / 4) + 0.2 * 0.16, abs=0.01)


@pytest.mark.parametrize(
    "arguments, message",
    [
        (dict(size=0, length=10), "size: expected a positive integer, got 0"),
        (dict(size=3, length=1), "length: expected an integer of at least 2 for the modern variant, got 1"),
        (dict(size=3, length=10, variant="original"), "length: expected an integer of at least 11 for the original variant, got 10"),
        (dict(size=3, length=20.0), "length: expected a positive integer, got 20.0"),
        (dict(size=3, length=20, variant="le2015"), "variant: expected one of 'original', 'modern', got 'le2015'"),
        (dict(size=3, length=20, seed=-1), "seed: expected a non-negative integer, got -1"),
        (dict(size=3, length=20, dtype=torch.int64), "dtype: expected a floating-point torch.dtype"),
    ],
)
def test_generate_adding_rejects_bad_arguments(arguments, message):
    with pytest.raises(ValueError, match=message):
        generate_adding(**arguments)


@pytest.mark.parametrize(
    "predictions, targets, tolerance, message",
    [
        ([0.5, 0.5], torch.zeros(3), 0.04, "predictions: expected a torch.Tensor, got list"),
        (torch.zeros(2), torch.zeros(3), 0.04, r"predictions: expected the \(non-empty\) shape of targets \(3\), got \(2\)"),
        (torch.zeros(3, 1), torch.zeros(3), 0.04, r"got \(3, 1\)"),
        (torch.zeros(0), torch.zeros(0), 0.04, "non-empty"),
        (torch.zeros(3, dtype=torch.long), torch.zeros(3), 0.04, "predictions: expected a floating-point tensor"),
        (torch.zeros(3), torch.zeros(3), 0.0, "tolerance: expected a positive number, got 0.0"),
        (torch.zeros(3), torch.zeros(3), float("nan"), "tolerance: expected a positive number, got nan"),
    ],
)
def test_solved_fraction_rejects_bad_input(predictions, targets, tolerance, message):
    with pytest.raises(ValueError, match=message):
        adding_solved_fraction(predictions, targets, tolerance)


# --- the copy-memory task (Arjovsky, Shah & Bengio 2016) ---------------------------------------


def test_copy_memory_sequences_follow_the_papers_layout():
    T, N = 15, 2000
    data = generate_copy_memory(N, T, seed=1)
    assert isinstance(data, CopyMemoryData) and data.delay == T and len(data) == N
    assert data.inputs.shape == data.targets.shape == (T + 20, N) and data.inputs.dtype == torch.int64
    symbols = data.inputs[:10]
    assert set(symbols.unique().tolist()) == set(range(1, 9))  # 8 symbols, blank 0, delimiter 9
    assert torch.equal(data.inputs[10 : 10 + T - 1], torch.zeros(T - 1, N, dtype=torch.long))
    assert torch.equal(data.inputs[10 + T - 1], torch.full((N,), 9))
    assert torch.equal(data.inputs[T + 10 :], torch.zeros(10, N, dtype=torch.long))
    assert torch.equal(data.targets[: T + 10], torch.zeros(T + 10, N, dtype=torch.long))
    assert torch.equal(data.targets[T + 10 :], symbols)
    counts = torch.bincount(symbols.flatten(), minlength=9)[1:].double() / symbols.numel()
    assert torch.allclose(counts, torch.full((8,), 1 / 8, dtype=torch.float64), atol=0.01)
    a, b = generate_copy_memory(4, 3, seed=2), generate_copy_memory(4, 3, seed=2)
    assert torch.equal(a.inputs, b.inputs) and not torch.equal(a.inputs, generate_copy_memory(4, 3, seed=3).inputs)
    inputs, targets = a.batch(torch.tensor([2]))
    assert torch.equal(inputs, a.inputs[:, [2]]) and torch.equal(targets, a.targets[:, [2]])


def test_the_memoryless_model_scores_exactly_the_baseline_cross_entropy():
    T = 30
    data = generate_copy_memory(64, T, seed=0)
    log_probs = torch.full((T + 20, 64, 10), -math.inf, dtype=torch.float64)
    log_probs[: T + 10, :, 0] = 0.0  # certain of a blank
    log_probs[T + 10 :, :, 1:9] = math.log(1 / 8)  # a uniform guess over the eight symbols
    loss = F.cross_entropy(log_probs.reshape(-1, 10), data.targets.reshape(-1))
    assert float(loss) == pytest.approx(copy_memory_baseline(T), rel=1e-12)
    assert copy_memory_baseline(100) == pytest.approx(10 * math.log(8) / 120)


def test_copy_memory_accuracy_counts_only_the_recalled_symbols():
    data = generate_copy_memory(8, 5, seed=4)
    scores = copy_memory_one_hot(data.targets, torch.float64)
    assert copy_memory_accuracy(scores, data.targets) == 1.0
    assert copy_memory_accuracy(data.targets, data.targets) == 1.0
    blanks = torch.zeros_like(data.targets)
    assert copy_memory_accuracy(blanks, data.targets) == 0.0  # right on T + 10 steps, but not scored
    half = data.targets.clone()
    half[-10:, :4] = 0
    assert copy_memory_accuracy(half, data.targets) == 0.5


def test_one_hot_inputs():
    ids = generate_copy_memory(3, 4, seed=0).inputs
    one_hot = copy_memory_one_hot(ids)
    assert one_hot.shape == (24, 3, 10) and one_hot.dtype == torch.float32
    assert torch.equal(one_hot.argmax(-1), ids) and torch.equal(one_hot.sum(-1), torch.ones(24, 3))
    assert copy_memory_one_hot(ids.int(), torch.float64).dtype == torch.float64


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: generate_copy_memory(0, 5), "size: expected a positive integer, got 0"),
        (lambda: generate_copy_memory(3, 0), "delay: expected a positive integer, got 0"),
        (lambda: generate_copy_memory(3, 5, seed=1.5), "seed: expected a non-negative integer, got 1.5"),
        (lambda: copy_memory_baseline(-3), "delay: expected a positive integer, got -3"),
        (lambda: copy_memory_one_hot(torch.zeros(3)), "ids: expected an integer tensor of category ids, got dtype torch.float32"),
        (lambda: copy_memory_one_hot(torch.tensor([10])), r"ids: expected ids in 0..9, got min 10, max 10"),
        (lambda: copy_memory_one_hot(torch.tensor([1]), torch.int64), "dtype: expected a floating-point torch.dtype"),
        (lambda: copy_memory_accuracy(torch.zeros(25, 2, 10), torch.zeros(24, 2, dtype=torch.long)),
         r"outputs: expected scores \(24, 2, categories\) of a floating dtype or ids \(24, 2\)"),
        (lambda: copy_memory_accuracy(torch.zeros(24, 2), torch.zeros(24, 2, dtype=torch.long)),
         r"got shape \(24, 2\) of dtype torch.float32"),
        (lambda: copy_memory_accuracy(torch.zeros(5, 2, dtype=torch.long), torch.zeros(5, 2, dtype=torch.long)),
         r"targets: expected a 2-D tensor \(time, batch\) of at least 10 steps, got shape \(5, 2\)"),
        (lambda: copy_memory_accuracy(torch.zeros(24, 2, dtype=torch.long), torch.zeros(24, 2)),
         "targets: expected an integer tensor of category ids"),
    ],
)
def test_copy_memory_rejects_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# --- the Mackey-Glass series (Mackey & Glass 1977; Jaeger 2001's recipe) -----------------------


def _euler_reference(samples, tau=17, h=0.1, subsample=10, start=1.2):
    """Jaeger's (2001) equation (23) written out, with the flat history x(t) = 1.2 for t <= 0."""
    lag = int(round(tau / h))
    x = [start] * (lag + 1)
    while len(x) < lag + 1 + (samples - 1) * subsample:
        delayed = x[-1 - lag]
        x.append(x[-1] + h * (0.2 * delayed / (1 + delayed**10) - 0.1 * x[-1]))
    return torch.tensor(x[lag::subsample], dtype=torch.float64)


def test_mackey_glass_is_jaegers_euler_recipe_and_stays_in_its_range():
    series = mackey_glass(60, discard=0)
    assert series.shape == (60,) and series.dtype == torch.float64
    torch.testing.assert_close(series, _euler_reference(60), rtol=0, atol=1e-14)
    long = mackey_glass(3000)
    assert 0.2 < float(long.min()) < 0.5 and 1.2 < float(long.max()) < 1.4
    # one sample per unit of time: subsample 5 of the same grid holds every sample twice as often
    torch.testing.assert_close(mackey_glass(50, discard=100), mackey_glass(100, subsample=5, discard=200)[::2],
                               rtol=0, atol=0)
    assert mackey_glass(10, dtype=torch.float32).dtype == torch.float32


def test_mackey_glass_converges_as_the_step_shrinks():
    reference = mackey_glass(150, step=0.0025, subsample=400, discard=0, method="heun")
    errors = {}
    for method in ("euler", "heun"):
        errors[method] = [
            float((mackey_glass(150, step=h, subsample=round(1 / h), discard=0, method=method) - reference).abs().max())
            for h in (0.1, 0.05, 0.025)
        ]
    euler, heun = errors["euler"], errors["heun"]
    assert all(1.7 < a / b < 2.3 for a, b in zip(euler, euler[1:]))  # first order
    assert all(3.2 < a / b < 4.8 for a, b in zip(heun, heun[1:]))  # second order
    assert heun[-1] < 1e-4 < euler[-1]


def test_mackey_glass_is_deterministic_for_a_seed():
    assert torch.equal(mackey_glass(200, seed=3), mackey_glass(200, seed=3))
    assert not torch.equal(mackey_glass(200, seed=3), mackey_glass(200, seed=4))
    assert torch.equal(mackey_glass(200), mackey_glass(200, seed=None))
    assert not torch.equal(mackey_glass(200), mackey_glass(200, seed=0))


def test_tau_17_is_chaotic_where_tau_5_settles_on_a_periodic_orbit():
    growth = {}
    for tau in (5.0, 17.0):
        a = mackey_glass(1500, tau=tau, discard=500)
        b = mackey_glass(1500, tau=tau, discard=500, initial=1.2 + 1e-8)
        growth[tau] = float((a - b).abs()[-500:].max()) / 1e-8
    assert growth[17.0] > 1e4  # a tiny difference in the history grows: chaos
    assert growth[5.0] < 10  # and stays tiny on the periodic orbit


@pytest.mark.parametrize(
    "arguments, message",
    [
        (dict(length=0), "length: expected a positive integer, got 0"),
        (dict(length=5, tau=17.05), r"tau: expected a whole number of steps of 0.1 \(tau / step an integer\), got 17.05"),
        (dict(length=5, tau=-17.0), "tau: expected a positive finite number, got -17.0"),
        (dict(length=5, step=0.0), "step: expected a positive finite number, got 0.0"),
        (dict(length=5, subsample=0), "subsample: expected a positive integer, got 0"),
        (dict(length=5, discard=-1), "discard: expected a non-negative integer, got -1"),
        (dict(length=5, initial=float("nan")), "initial: expected a positive finite number, got nan"),
        (dict(length=5, seed=-1), r"seed: expected None \(a flat history\) or a non-negative integer, got -1"),
        (dict(length=5, seed=2.0), "seed: expected None"),
        (dict(length=5, method="rk4"), "method: expected one of 'euler', 'heun', got 'rk4'"),
        (dict(length=5, dtype=torch.int32), "dtype: expected a floating-point torch.dtype"),
        (dict(length=5, beta="0.2"), "beta: expected a positive finite number, got '0.2'"),
    ],
)
def test_mackey_glass_rejects_bad_arguments(arguments, message):
    with pytest.raises(ValueError, match=message):
        mackey_glass(**arguments)


def test_a_shorter_copy_task_keeps_the_layout_and_its_baseline():
    data = generate_copy_memory(64, 7, seed=0, copy_length=3)
    assert data.inputs.shape == (7 + 6, 64) and data.delay == 7 and data.copy_length == 3
    assert torch.equal(data.targets[-3:], data.inputs[:3]) and bool((data.inputs[3 + 7 - 1] == 9).all())
    log_probabilities = torch.full((13, 64, 10), -math.inf, dtype=torch.float64)
    log_probabilities[:-3, :, 0] = 0.0
    log_probabilities[-3:, :, 1:9] = -math.log(8)
    loss = -log_probabilities.gather(2, data.targets.unsqueeze(-1)).mean()
    assert float(loss) == pytest.approx(copy_memory_baseline(7, copy_length=3), rel=1e-12)
    assert copy_memory_accuracy(data.targets, data.targets, copy_length=3) == 1.0
    with pytest.raises(ValueError, match="copy_length: expected a positive integer, got 0"):
        generate_copy_memory(4, 5, copy_length=0)
