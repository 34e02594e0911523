"""Chapter 6's CTC in NumPy (companion.ctc) against torch.nn.CTCLoss in float64, torch's autograd,
and brute-force enumeration of every frame-level path on tiny cases; and its bad input."""
import itertools
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from companion.ctc import (
    best_alignment,
    count_alignments,
    ctc_backward,
    ctc_collapse,
    ctc_forward,
    ctc_log_likelihood,
    ctc_logit_gradient,
    ctc_loss,
    ctc_loss_batch,
    ctc_posteriors,
    extended_labels,
)

torch.set_num_threads(1)
REPO_ROOT = Path(__file__).resolve().parents[1]


def random_log_probs(steps, classes, seed=0, scale=2.0):
    logits = np.random.default_rng(seed).normal(size=(steps, classes)) * scale
    return logits - np.log(np.exp(logits - logits.max(1, keepdims=True)).sum(1, keepdims=True)) - logits.max(1, keepdims=True)


def torch_loss(log_probs, labels):
    """torch's CTC loss of one sequence, float64, reduction 'sum', zero_infinity=False."""
    return F.ctc_loss(torch.tensor(log_probs)[:, None], torch.tensor([list(labels)], dtype=torch.long).reshape(1, -1),
                      torch.tensor([len(log_probs)]), torch.tensor([len(labels)]), reduction="sum").item()


def brute_force(log_probs, labels, blank=0):
    """Every path of T frames that collapses to ``labels``, with its log-probability."""
    steps, classes = log_probs.shape
    paths = [p for p in itertools.product(range(classes), repeat=steps) if ctc_collapse(p, blank) == list(labels)]
    return [(list(p), float(log_probs[np.arange(steps), list(p)].sum())) for p in paths]


# (labels, T): repeated labels ("a a" needs a blank between), the empty labelling (blank-only
# paths), T exactly the minimum, T too short.
CASES = [
    ([1, 2], 6), ([1, 1], 6), ([1, 1], 3), ([1, 1], 2), ([], 1), ([], 5), ([2], 1), ([1, 2, 1], 3),
    ([1, 1, 1], 5), ([1, 1, 1], 4), ([3, 1, 3, 3, 2], 9), ([1, 2, 3], 2), ([2, 2, 2, 2], 12),
]


# --- the loss against torch ---------------------------------------------------------------------


@pytest.mark.parametrize("labels, steps", CASES)
def test_the_loss_of_one_sequence_matches_torch(labels, steps):
    log_probs = random_log_probs(steps, 4, seed=steps + len(labels))
    mine, theirs = ctc_loss(log_probs, labels), torch_loss(log_probs, labels)
    if math.isinf(theirs):
        assert mine == math.inf and ctc_log_likelihood(log_probs, labels) == -math.inf
    else:
        assert abs(mine - theirs) <= 1e-10 * max(1.0, abs(theirs))
    assert isinstance(mine, float)


def test_t_exactly_the_minimum_is_finite_and_one_frame_less_is_inf():
    labels = [1, 1, 2, 2, 1]  # 5 labels and 2 adjacent repeats: 7 frames at least
    assert math.isfinite(ctc_loss(random_log_probs(7, 3), labels))
    assert ctc_loss(random_log_probs(6, 3), labels) == math.inf
    assert count_alignments(7, labels) == 1 and count_alignments(6, labels) == 0


def make_batch(seed=0):
    rng = np.random.default_rng(seed)
    steps, batch, classes = 12, 6, 5
    logits = rng.normal(size=(steps, batch, classes)) * 2
    log_probs = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    targets = [[1, 2, 3], [4, 4], [], [2, 2, 2, 2], [3, 1, 3, 1, 3, 1, 4, 2, 1], [1]]
    # [4, 4] needs 3 frames and gets 2 (inf); [2, 2, 2, 2] needs 7; the 9 labels get exactly 9 frames
    input_lengths = [12, 2, 1, 12, 9, 7]
    log_probs[9:, 4] = np.nan  # frames past an input length are ignored, whatever they hold
    return log_probs, targets, input_lengths


@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
@pytest.mark.parametrize("layout", ["padded", "concatenated"])
def test_the_batch_loss_matches_torch(reduction, layout):
    log_probs, targets, input_lengths = make_batch()
    lengths = [len(t) for t in targets]
    if layout == "padded":
        padded = np.zeros((len(targets), max(lengths)), dtype=np.int64)
        for b, t in enumerate(targets):
            padded[b, :len(t)] = t
        flat = padded
    else:
        flat = np.array([x for t in targets for x in t], dtype=np.int64)
    mine = ctc_loss_batch(log_probs, flat, input_lengths, lengths, reduction=reduction)
    clean = np.where(np.isnan(log_probs), 0.0, log_probs)
    theirs = F.ctc_loss(torch.tensor(clean), torch.tensor(flat), torch.tensor(input_lengths), torch.tensor(lengths),
                        reduction=reduction).numpy()
    np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=1e-10)
    if reduction == "none":
        assert mine.shape == (6,) and math.isinf(mine[1])  # [4, 4] in 2 frames: too short
        assert np.isfinite(np.delete(mine, 1)).all()
    else:
        assert isinstance(mine, float) and math.isinf(mine)  # one inf loss makes the sum and the mean inf


def test_mean_divides_each_loss_by_its_target_length_clamped_to_one():
    log_probs, targets, input_lengths = make_batch()
    keep = [0, 2, 3]  # finite losses, one with an empty target
    lengths = [len(targets[b]) for b in keep]
    flat = np.array([x for b in keep for x in targets[b]], dtype=np.int64)
    sub = np.ascontiguousarray(log_probs[:, keep])
    losses = ctc_loss_batch(sub, flat, [input_lengths[b] for b in keep], lengths, reduction="none")
    mean = ctc_loss_batch(sub, flat, [input_lengths[b] for b in keep], lengths)
    assert mean == pytest.approx(np.mean(losses / np.maximum(lengths, 1)), rel=1e-14)
    theirs = F.ctc_loss(torch.tensor(sub), torch.tensor(flat), torch.tensor([input_lengths[b] for b in keep]),
                        torch.tensor(lengths)).item()
    assert abs(mean - theirs) <= 1e-10


def test_a_long_input_does_not_underflow():
    steps = 3000  # p(l|x) is far below the smallest float64; its log is not
    log_probs = random_log_probs(steps, 6, seed=3, scale=4.0)
    labels = list(np.random.default_rng(4).integers(1, 6, size=200))
    mine, theirs = ctc_loss(log_probs, labels), torch_loss(log_probs, labels)
    assert mine > 800 and abs(mine - theirs) <= 1e-10 * theirs


def test_float32_log_probs_are_computed_in_float64():
    log_probs = random_log_probs(7, 4).astype(np.float32)
    assert ctc_loss(log_probs, [1, 2, 2]) == pytest.approx(torch_loss(log_probs.astype(np.float64), [1, 2, 2]), abs=1e-10)


# --- forward, backward, posteriors, gradient ------------------------------------------------------


@pytest.mark.parametrize("labels, steps", [c for c in CASES if count_alignments(c[1], c[0])])
def test_alpha_beta_over_y_sums_to_p_at_every_frame(labels, steps):
    log_probs = random_log_probs(steps, 4, seed=1)
    alpha, beta = ctc_forward(log_probs, labels), ctc_backward(log_probs, labels)
    assert alpha.shape == beta.shape == (steps, 2 * len(labels) + 1)
    log_y = log_probs[:, extended_labels(labels)]
    per_frame = np.logaddexp.reduce(alpha + beta - log_y, axis=1)
    np.testing.assert_allclose(per_frame, ctc_log_likelihood(log_probs, labels), rtol=0, atol=1e-12)


@pytest.mark.parametrize("labels, steps", [([1, 2], 4), ([1, 1], 4), ([], 3), ([2, 1, 2], 5)])
def test_posteriors_match_brute_force_and_rows_sum_to_one(labels, steps):
    log_probs = random_log_probs(steps, 3, seed=2)
    paths = brute_force(log_probs, labels)
    p = sum(math.exp(lp) for _, lp in paths)
    expected = np.zeros(log_probs.shape)
    for path, lp in paths:
        expected[np.arange(steps), path] += math.exp(lp) / p
    gamma = ctc_posteriors(log_probs, labels)
    np.testing.assert_allclose(gamma, expected, rtol=0, atol=1e-13)
    np.testing.assert_allclose(gamma.sum(axis=1), 1.0, rtol=0, atol=1e-13)


@pytest.mark.parametrize("labels, steps", [([1, 2, 2, 3], 9), ([1, 1], 3), ([], 4), ([4], 1), ([2, 3, 2], 30)])
def test_the_logit_gradient_matches_autograd_through_log_softmax(labels, steps):
    logits = torch.tensor(np.random.default_rng(5).normal(size=(steps, 5)) * 2, requires_grad=True)
    log_probs = torch.log_softmax(logits, dim=1)
    loss = F.ctc_loss(log_probs[:, None], torch.tensor([labels], dtype=torch.long).reshape(1, -1),
                      torch.tensor([steps]), torch.tensor([len(labels)]), reduction="sum")
    loss.backward()
    mine = ctc_logit_gradient(log_probs.detach().numpy(), labels)
    np.testing.assert_allclose(mine, logits.grad.numpy(), rtol=0, atol=1e-10)
    np.testing.assert_allclose(mine.sum(axis=1), 0.0, atol=1e-12)


def test_a_class_of_probability_zero_gives_no_nan():
    log_probs = random_log_probs(5, 4, seed=6)
    log_probs[:, 3] = -np.inf  # a class the model never emits
    log_probs = log_probs - np.logaddexp.reduce(log_probs, axis=1, keepdims=True)
    gamma = ctc_posteriors(log_probs, [1, 2])
    assert np.isfinite(gamma).all() and (gamma[:, 3] == 0).all()
    assert math.isfinite(ctc_loss(log_probs, [1, 2]))
    assert ctc_loss(log_probs, [3]) == math.inf


# --- counting and the best alignment ------------------------------------------------------------


COUNT_CASES = [(t, labels) for labels in ([], [1], [1, 2], [1, 1], [1, 2, 1], [1, 1, 2], [2, 2, 2]) for t in range(1, 7)]


@pytest.mark.parametrize("steps, labels", COUNT_CASES)
def test_count_alignments_matches_enumeration_and_the_closed_form(steps, labels):
    classes = 3
    enumerated = sum(ctc_collapse(p) == labels for p in itertools.product(range(classes), repeat=steps))
    count = count_alignments(steps, labels)
    assert count == enumerated and type(count) is int
    units, repeats = len(labels), sum(a == b for a, b in zip(labels, labels[1:]))
    assert count == (math.comb(steps + units - repeats, 2 * units) if steps >= units + repeats else 0)
    # C(T + U, 2U), right without repeats, overcounts as soon as two neighbours are equal
    if repeats and steps >= units:
        assert math.comb(steps + units, 2 * units) != count
    # under uniform outputs every path has probability C^-T
    uniform = np.full((steps, classes), -math.log(classes))
    expected = math.log(count) - steps * math.log(classes) if count else -math.inf
    assert ctc_log_likelihood(uniform, labels) == pytest.approx(expected, abs=1e-12)


def test_count_alignments_is_exact_for_huge_counts():
    labels = [1, 2, 2, 3] * 25  # 100 labels, 25 repeats
    count = count_alignments(1000, labels)
    assert count == math.comb(1000 + 100 - 25, 200) and count > 10**200


def test_the_chapters_example_four_frames_two_labels():
    alignments = sorted(p for p in itertools.product((0, 1, 2), repeat=4) if ctc_collapse(p) == [1, 2])
    assert count_alignments(4, [1, 2]) == len(alignments) == 15
    assert (0, 1, 2, 0) in alignments and (1, 0, 0, 2) in alignments and (1, 2, 1, 2) not in alignments


@pytest.mark.parametrize("labels, steps", [([1, 2], 4), ([1, 1], 4), ([], 3), ([2, 1, 2], 5), ([1], 1), ([1, 1], 3)])
def test_best_alignment_matches_brute_force(labels, steps):
    log_probs = random_log_probs(steps, 3, seed=7)
    best_path, best_lp = max(brute_force(log_probs, labels), key=lambda item: item[1])
    path, lp = best_alignment(log_probs, labels)
    assert path == best_path and abs(lp - best_lp) <= 1e-12
    assert ctc_collapse(path) == labels and len(path) == steps


def test_best_alignment_is_the_models_choice_on_a_peaked_output():
    chosen = [0, 1, 1, 0, 0, 2, 0, 2]  # the model's own path for "a b b"
    log_probs = np.log(np.full((8, 3), 0.05))
    log_probs[np.arange(8), chosen] = np.log(0.9)
    assert best_alignment(log_probs, [1, 2, 2])[0] == chosen


def test_collapse_and_extended_labels():
    assert ctc_collapse([1, 1, 0, 2, 2]) == [1, 2]
    assert ctc_collapse([1, 0, 1]) == [1, 1]
    assert ctc_collapse([0, 0]) == [] and ctc_collapse([]) == []
    assert ctc_collapse(np.array([5, 5, 2, 5]), blank=5) == [2]
    assert extended_labels([3, 1]).tolist() == [0, 3, 0, 1, 0]
    assert extended_labels([], blank=4).tolist() == [4]


# --- bad input ------------------------------------------------------------------------------------


GOOD = random_log_probs(4, 3)


def rows_off():
    bad = GOOD.copy()
    bad[2] += 0.01
    return bad


def with_row(value, frame=3):
    bad = GOOD.copy()
    bad[frame] = value
    return bad


def with_nan():
    bad = GOOD.copy()
    bad[1, 1] = np.nan
    return bad


BAD_INPUT = [
    (lambda: ctc_loss(GOOD.tolist(), [1]), r"log_probs: expected a 2-D float array \(time, classes\) of log-probabilities, got a list"),
    (lambda: ctc_loss(GOOD[None], [1]), r"log_probs: expected a 2-D float array .* got an array of shape \(1, 4, 3\)"),
    (lambda: ctc_loss(np.zeros((4, 3), dtype=np.int64), [1]), r"log_probs: expected a 2-D float array .* dtype int64"),
    (lambda: ctc_loss(np.zeros((0, 3)), [1]), r"log_probs: expected at least one frame and one class"),
    (lambda: ctc_loss(with_nan(), [1]), r"log_probs: expected log-probabilities, got NaN at frame 1"),
    (lambda: ctc_loss(rows_off(), [1]), r"logsumexp of a row 0 within 1e-06\), got logsumexp 0\.01 at frame 2"),
    (lambda: ctc_loss(np.exp(GOOD), [1]), r"not logits or probabilities"),
    (lambda: ctc_loss(with_row(-np.inf), [1]), r"got logsumexp -inf at frame 3"),
    (lambda: ctc_loss(with_row([np.inf, 0.0, -np.inf]), [1]), r"got logsumexp inf at frame 3"),
    (lambda: ctc_loss(GOOD, [0, 1]), r"labels: expected labels without the blank 0"),
    (lambda: ctc_loss(GOOD, [1, 3]), r"labels: expected class ids in 0\.\.2 \(C = 3\), got 3"),
    (lambda: ctc_loss(GOOD, [1, -1]), r"labels: expected non-negative integers, got -1"),
    (lambda: ctc_loss(GOOD, [1.0]), r"labels: expected a sequence of integer class ids below C = 3 other than the blank 0"),
    (lambda: ctc_loss(GOOD, "ab"), r"labels: expected a sequence of integer class ids .* got a str"),
    (lambda: ctc_loss(GOOD, [True]), r"labels: expected a sequence of integer class ids"),
    (lambda: ctc_loss(GOOD, np.array([[1]])), r"labels: expected .* got an array of shape \(1, 1\)"),
    (lambda: ctc_loss(GOOD, [1], blank=3), r"blank: expected an integer class id in 0\.\.2, got 3"),
    (lambda: ctc_forward(GOOD, [1], blank=-1), r"blank: expected an integer class id in 0\.\.2, got -1"),
    (lambda: ctc_backward(GOOD, [1], blank=1.0), r"blank: expected an integer class id in 0\.\.2, got 1\.0"),
    (lambda: ctc_collapse([1, "a"]), r"path: expected a sequence of integer class ids"),
    (lambda: ctc_collapse([1, -2]), r"path: expected non-negative integers, got -2"),
    (lambda: ctc_collapse([1], blank=None), r"blank: expected a non-negative integer class id, got None"),
    (lambda: extended_labels([1, 0]), r"labels: expected labels without the blank 0"),
    (lambda: count_alignments(0, [1]), r"num_frames: expected a positive integer \(the number of frames T\), got 0"),
    (lambda: count_alignments(2.0, [1]), r"num_frames: expected a positive integer .* got 2\.0"),
    (lambda: count_alignments(3, [1, 0]), r"labels: expected labels without the blank 0"),
    (lambda: ctc_posteriors(GOOD, [1, 1, 1]), r"labels: 3 labels with 2 adjacent repeats need at least 5 frames, got T = 4"),
    (lambda: ctc_logit_gradient(GOOD, [1, 2, 1, 2, 1]), r"need at least 5 frames, got T = 4: no alignment fits"),
    (lambda: best_alignment(GOOD, [2, 2, 2]), r"need at least 5 frames, got T = 4: no alignment fits, so the best"),
]


@pytest.mark.parametrize("call, message", BAD_INPUT)
def test_bad_input_names_the_argument_the_expected_and_the_given(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_no_path_of_non_zero_probability_is_reported():
    with np.errstate(divide="ignore"):
        log_probs = np.log(np.array([[1.0, 0.0], [1.0, 0.0]]))  # only blanks possible
    assert ctc_loss(log_probs, [1]) == math.inf
    for function in (ctc_posteriors, best_alignment):
        with pytest.raises(ValueError, match="log_probs: no alignment of the labels has a non-zero probability"):
            function(log_probs, [1])


BATCH = make_batch()[0][:, :2].copy()
BAD_BATCH = [
    (lambda: ctc_loss_batch(BATCH[:, 0], np.array([1]), [3], [1]), r"log_probs: expected a 3-D float array \(time, batch, classes\)"),
    (lambda: ctc_loss_batch(BATCH, np.array([1, 2]), [3, 3], [1, 1], reduction="avg"), r"reduction: expected one of 'none', 'mean', 'sum', got 'avg'"),
    (lambda: ctc_loss_batch(BATCH, np.array([1, 2]), [3, 13], [1, 1]), r"input_lengths: expected every length in 1\.\.12, got min 3, max 13"),
    (lambda: ctc_loss_batch(BATCH, np.array([1, 2]), [0, 3], [1, 1]), r"input_lengths: expected every length in 1\.\.12, got min 0"),
    (lambda: ctc_loss_batch(BATCH, np.array([1, 2]), [3], [1, 1]), r"input_lengths: expected 2 lengths \(one per sequence of the batch\), got 1"),
    (lambda: ctc_loss_batch(BATCH, np.array([1, 2]), [3, 3], [1, -1]), r"target_lengths: expected non-negative integers, got -1"),
    (lambda: ctc_loss_batch(BATCH, np.array([1, 2]), [3, 3], [1.0, 1]), r"target_lengths: expected 2 integer lengths"),
    (lambda: ctc_loss_batch(BATCH, np.array([1, 2, 3]), [3, 3], [1, 1]), r"targets: expected the 2 labels of the batch concatenated .* got 3"),
    (lambda: ctc_loss_batch(BATCH, np.array([[1], [2]]), [3, 3], [1, 2]), r"targets: expected shape \(2, S\) with S ≥ the longest target length 2, got shape \(2, 1\)"),
    (lambda: ctc_loss_batch(BATCH, [1, 2], [3, 3], [1, 1]), r"targets: expected an integer array \(batch, S\) padded or 1-D concatenated, got a list"),
    (lambda: ctc_loss_batch(BATCH, np.array([1.0, 2.0]), [3, 3], [1, 1]), r"targets: expected an integer array .* dtype float64"),
    (lambda: ctc_loss_batch(BATCH, np.array([1, 0]), [3, 3], [1, 1]), r"targets: expected labels without the blank 0 .* of sequence 1"),
    (lambda: ctc_loss_batch(BATCH, np.array([1, 5]), [3, 3], [1, 1]), r"targets: expected class ids in 0\.\.4 \(C = 5\), got 5 of sequence 1"),
    (lambda: ctc_loss_batch(BATCH, np.array([1, 2]), [3, 3], [1, 1], blank=5), r"blank: expected an integer class id in 0\.\.4, got 5"),
]


@pytest.mark.parametrize("call, message", BAD_BATCH)
def test_bad_batch_input_names_the_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_bad_rows_of_a_batch_name_the_sequence():
    bad = BATCH.copy()
    bad[2, 1] += 1.0
    with pytest.raises(ValueError, match=r"got logsumexp 1 at frame 2 of sequence 1"):
        ctc_loss_batch(bad, np.array([1, 2]), [3, 3], [1, 1])
    ctc_loss_batch(bad, np.array([1, 2]), [3, 2], [1, 1])  # frame 2 is past sequence 1's length: ignored


def test_ctc_and_decoding_import_no_torch():
    code = (
        "import sys, numpy as np\n"
        "import companion.ctc as ctc, companion.decoding as decoding\n"
        "y = np.log(np.full((4, 3), 1 / 3))\n"
        "assert ctc.count_alignments(4, [1, 2]) == 15 and np.isfinite(ctc.ctc_loss(y, [1, 2]))\n"
        "ctc.ctc_logit_gradient(y, [1]); ctc.best_alignment(y, [1]); decoding.ctc_prefix_beam_search(y)\n"
        "loaded = [m for m in sys.modules if m == 'torch' or m.startswith('torch.')]\n"
        "assert not loaded, loaded[:5]\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
