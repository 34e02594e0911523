"""Chapter 6's CTC decoding (companion.decoding): best path against argmax and collapse, prefix beam
search against exhaustive search over every labelling on tiny cases, and its bad input."""
import collections
import itertools
import math

import numpy as np
import pytest

from companion.ctc import ctc_collapse, ctc_log_likelihood
from companion.decoding import ctc_greedy_decode, ctc_prefix_beam_search


def random_log_probs(steps, classes, seed=0, scale=2.0):
    logits = np.random.default_rng(seed).normal(size=(steps, classes)) * scale
    shifted = logits - logits.max(1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(1, keepdims=True))


def labelling_probabilities(log_probs, blank=0):
    """p(l|x) of every labelling, by summing every path of T frames: exhaustive search."""
    steps, classes = log_probs.shape
    totals = collections.defaultdict(float)
    for path in itertools.product(range(classes), repeat=steps):
        totals[tuple(ctc_collapse(path, blank))] += math.exp(log_probs[np.arange(steps), list(path)].sum())
    return totals


# The page's example: two frames of (blank, a) = (0.6, 0.4).
DISAGREE = np.log(np.array([[0.6, 0.4], [0.6, 0.4]]))


def test_greedy_and_beam_search_disagree_on_the_pages_example():
    assert ctc_greedy_decode(DISAGREE) == []  # the best path is two blanks, 0.36
    (best, log_p), (second, log_q) = ctc_prefix_beam_search(DISAGREE)
    assert best == (1,) and log_p == pytest.approx(math.log(0.64), abs=1e-15)  # a a, a -, - a
    assert second == () and log_q == pytest.approx(math.log(0.36), abs=1e-15)
    # A beam of one keeps the empty prefix after the first frame (0.6 > 0.4); made again at the
    # second, "a" gets back the paths it had ("a a", "a -"), and wins.
    assert ctc_prefix_beam_search(DISAGREE, beam_width=1) == [((1,), pytest.approx(math.log(0.64), abs=1e-15))]


@pytest.mark.parametrize("seed", range(5))
def test_greedy_is_the_collapse_of_the_framewise_argmax(seed):
    log_probs = random_log_probs(30, 5, seed=seed)
    assert ctc_greedy_decode(log_probs) == ctc_collapse(log_probs.argmax(axis=1))
    assert ctc_greedy_decode(log_probs, blank=4) == ctc_collapse(log_probs.argmax(axis=1), blank=4)


@pytest.mark.parametrize("steps, classes, blank", [(1, 2, 0), (3, 3, 0), (4, 3, 0), (5, 3, 2), (4, 4, 0), (6, 2, 1)])
def test_a_wide_beam_is_exhaustive_search(steps, classes, blank):
    log_probs = random_log_probs(steps, classes, seed=steps * classes)
    exhaustive = labelling_probabilities(log_probs, blank)
    found = ctc_prefix_beam_search(log_probs, beam_width=10_000, blank=blank)
    assert len(found) == len(exhaustive)  # every reachable labelling, none other
    for labels, log_p in found:
        assert math.exp(log_p) == pytest.approx(exhaustive[labels], rel=1e-12, abs=1e-15)
        assert log_p == pytest.approx(ctc_log_likelihood(log_probs, list(labels), blank), abs=1e-12)
    scores = [log_p for _, log_p in found]
    assert scores == sorted(scores, reverse=True)
    assert found[0][0] == max(exhaustive, key=exhaustive.get)  # the most probable labelling


def reference_prefix_beam_search(probs, beam_width, blank=0):
    """Hannun et al.'s algorithm 1 as written, in probabilities (not logs): a literal loop for tiny inputs."""
    classes = probs.shape[1]
    p_b, p_nb = {(): 1.0}, {(): 0.0}  # of the previous frame, for every candidate (kept or pruned)
    kept = [()]
    for y in probs:
        next_b, next_nb = collections.defaultdict(float), collections.defaultdict(float)
        for prefix in kept:
            next_b[prefix] += y[blank] * (p_b[prefix] + p_nb[prefix])
            for c in range(classes):
                if c == blank:
                    continue
                longer = prefix + (c,)
                if prefix and c == prefix[-1]:
                    next_nb[longer] += y[c] * p_b[prefix]
                    next_nb[prefix] += y[c] * p_nb[prefix]
                else:
                    next_nb[longer] += y[c] * (p_b[prefix] + p_nb[prefix])
                if longer not in kept:
                    next_b[longer] += y[blank] * (p_b.get(longer, 0.0) + p_nb.get(longer, 0.0))
                    next_nb[longer] += y[c] * p_nb.get(longer, 0.0)
        candidates = set(next_b) | set(next_nb)
        total = {prefix: next_b[prefix] + next_nb[prefix] for prefix in candidates}
        kept = sorted((prefix for prefix in candidates if total[prefix] > 0), key=lambda q: (-total[q], q))[:beam_width]
        p_b, p_nb = dict(next_b), dict(next_nb)
    return [(prefix, math.log(p_b[prefix] + p_nb[prefix])) for prefix in kept]


@pytest.mark.parametrize("beam_width", [1, 2, 3, 5, 100])
@pytest.mark.parametrize("seed", range(3))
def test_prefix_beam_search_matches_a_literal_loop_of_hannun_et_al(beam_width, seed):
    log_probs = random_log_probs(7, 4, seed=seed, scale=3.0)
    found = ctc_prefix_beam_search(log_probs, beam_width=beam_width)
    expected = reference_prefix_beam_search(np.exp(log_probs), beam_width)
    assert [labels for labels, _ in found] == [labels for labels, _ in expected]
    np.testing.assert_allclose([s for _, s in found], [s for _, s in expected], rtol=0, atol=1e-12)


@pytest.mark.parametrize("seed", range(3))
def test_narrow_beams_lose_mass_on_a_longer_input_but_never_invent_it(seed):
    rng = np.random.default_rng(seed)
    chosen = np.where(rng.random(40) < 0.6, 0, rng.integers(1, 5, 40))  # a model that is fairly sure
    logits = rng.normal(size=(40, 5))
    logits[np.arange(40), chosen] += 4
    log_probs = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    for labels, log_p in ctc_prefix_beam_search(log_probs, beam_width=8):
        assert log_p <= ctc_log_likelihood(log_probs, list(labels)) + 1e-12


@pytest.mark.parametrize("beam_width", [1, 2, 3])
def test_narrow_beams_return_lower_bounds_best_first(beam_width):
    log_probs = random_log_probs(12, 4, seed=9)
    found = ctc_prefix_beam_search(log_probs, beam_width=beam_width)
    assert 1 <= len(found) <= beam_width
    for labels, log_p in found:
        assert all(isinstance(k, int) and 1 <= k < 4 for k in labels)
        assert log_p <= ctc_log_likelihood(log_probs, list(labels)) + 1e-12
    assert [s for _, s in found] == sorted((s for _, s in found), reverse=True)


def test_a_long_input_does_not_underflow():
    log_probs = random_log_probs(2000, 4, seed=1, scale=1.0)
    (labels, log_p), *_ = ctc_prefix_beam_search(log_probs, beam_width=4)
    assert math.isfinite(log_p) and log_p < -800 and len(labels) > 100  # exp(-800) is 0.0 in float64


def test_a_class_of_probability_zero_is_never_emitted():
    log_probs = random_log_probs(6, 4, seed=2)
    log_probs[:, 2] = -np.inf
    log_probs = log_probs - np.logaddexp.reduce(log_probs, axis=1, keepdims=True)
    found = ctc_prefix_beam_search(log_probs, beam_width=100)
    assert found and all(2 not in labels for labels, _ in found)
    assert all(math.isfinite(log_p) for _, log_p in found)


def test_ties_are_broken_by_the_labels():
    uniform = np.log(np.full((2, 3), 1 / 3))
    found = ctc_prefix_beam_search(uniform, beam_width=100)
    # (1,) and (2,) are equally likely (3/9 each); the lower ids come first
    assert [labels for labels, _ in found[:2]] == [(1,), (2,)]
    assert ctc_greedy_decode(uniform) == []  # argmax ties go to the lower id, the blank


GOOD = random_log_probs(3, 3)
BAD_INPUT = [
    (lambda: ctc_greedy_decode(GOOD.tolist()), r"log_probs: expected a 2-D float array \(time, classes\) of log-probabilities, got a list"),
    (lambda: ctc_greedy_decode(np.exp(GOOD)), r"log_probs: expected each row to be log-probabilities"),
    (lambda: ctc_greedy_decode(GOOD, blank=3), r"blank: expected an integer class id in 0\.\.2, got 3"),
    (lambda: ctc_prefix_beam_search(GOOD[None]), r"log_probs: expected a 2-D float array"),
    (lambda: ctc_prefix_beam_search(np.full((2, 3), np.nan)), r"log_probs: expected log-probabilities, got NaN at frame 0"),
    (lambda: ctc_prefix_beam_search(GOOD, beam_width=0), r"beam_width: expected a positive integer, got 0"),
    (lambda: ctc_prefix_beam_search(GOOD, beam_width=2.0), r"beam_width: expected a positive integer, got 2\.0"),
    (lambda: ctc_prefix_beam_search(GOOD, beam_width=True), r"beam_width: expected a positive integer, got True"),
    (lambda: ctc_prefix_beam_search(GOOD, blank=-1), r"blank: expected an integer class id in 0\.\.2, got -1"),
]


@pytest.mark.parametrize("call, message", BAD_INPUT)
def test_bad_input_names_the_argument_the_expected_and_the_given(call, message):
    with pytest.raises(ValueError, match=message):
        call()
