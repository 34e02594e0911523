"""The checkers of chapter 6's translation exercises against tables of student answers: correct
solutions written two ways, each hinted mistake, a stub, wrong types, an endless loop. Each row is
a student's answer, the verdict it must get and a phrase of the message; a checker never raises
because of the student. The beam step's reference is also run step by step against beam_search,
so that the two rules cannot drift apart."""
import heapq
import math
import sys
import time

import numpy as np
import pytest
import torch

from companion.attention import dot_product_attention
from companion.decoding import beam_search, length_normalised
from companion.exercises.checkers_seq2seq import (
    ATTENTION_CASES,
    BEAM_BY_HAND_EXAMPLE,
    BEAM_CASES,
    BeamExample,
    _beam_step,
    check_beam_step,
    check_masked_dot_attention,
)
from companion.exercises.harness import Feedback

TIMEOUT = 0.5  # seconds: the endless loops of the tables end in this time


def stub(*args):
    raise NotImplementedError  # your code here


def loops_for_ever(*args):
    while True:
        pass


def exits(*args):
    sys.exit()


# ------------------------------------------------------------------------------------------
# masked dot-product attention


def real_mask(keys, lengths):
    return torch.arange(keys.shape[0]).unsqueeze(1) < torch.tensor(lengths).unsqueeze(0)  # (T, B)


def my_attention(query, keys, lengths):
    """The exercise's solution: scores, masked with -inf, softmax over time; padded keys never read."""
    mask = real_mask(keys, lengths)
    scores = (keys * query.unsqueeze(0)).sum(dim=-1)  # (T, B)
    weights = torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=0)
    real_keys = torch.where(mask.unsqueeze(-1), keys, torch.zeros((), dtype=keys.dtype))
    return (weights.unsqueeze(-1) * real_keys).sum(dim=0), weights


def one_sequence_at_a_time(query, keys, lengths):
    """The same, a loop over the batch that only ever touches the real steps."""
    steps, batch, size = keys.shape
    weights = torch.zeros(steps, batch, dtype=keys.dtype)
    context = torch.zeros(batch, size, dtype=keys.dtype)
    for b, length in enumerate(lengths):
        real = keys[:length, b]  # (L, D)
        alpha = torch.softmax(real @ query[b], dim=0)
        weights[:length, b] = alpha
        context[b] = alpha @ real
    return context, weights


def with_mistake(scale=False, dim=0, mask_after=False, fill=float("-inf"), no_mask=False, keys_unmasked=False,
                 subtract=None, nan_safe=False):
    def attention(query, keys, lengths):
        mask = real_mask(keys, lengths)
        scores = (keys * query.unsqueeze(0)).sum(dim=-1)
        if scale:
            scores = scores / math.sqrt(keys.shape[-1])
        if subtract is not None:
            scores = scores - subtract * (~mask)
            if nan_safe:
                scores = torch.nan_to_num(scores, nan=-subtract)
        if mask_after:
            weights = torch.softmax(scores, dim=0) * mask
        elif no_mask or subtract is not None:
            weights = torch.softmax(scores, dim=dim)
        else:
            weights = torch.softmax(scores.masked_fill(~mask, fill), dim=dim)
        values = keys if keys_unmasked else torch.where(mask.unsqueeze(-1), keys, torch.zeros((), dtype=keys.dtype))
        return (weights.unsqueeze(-1) * values).sum(dim=0), weights

    return attention


def in_float32(query, keys, lengths):
    context, weights = one_sequence_at_a_time(query.float(), keys.float(), lengths)
    return context, weights


def mean_context(query, keys, lengths):
    context, weights = my_attention(query, keys, lengths)
    mask = real_mask(keys, lengths).unsqueeze(-1)
    return torch.where(mask, keys, torch.zeros((), dtype=keys.dtype)).sum(dim=0) / mask.sum(dim=0), weights


ATTENTION_TABLE = [
    ("correct", my_attention, True, "your attention agrees with dot_product_attention(..., scale=False) in 5 cases"),
    ("one sequence at a time", one_sequence_at_a_time, True, "agrees"),
    ("the companion's", lambda q, k, l: dot_product_attention(q, k, lengths=l, scale=False), True, "agrees"),
    ("keys padded with 0 and a zero-weighted mask",
     lambda q, k, l: my_attention(q, k.masked_fill(~real_mask(k, l).unsqueeze(-1), 0.0), l), True, "agrees"),
    ("a list pair", lambda q, k, l: list(my_attention(q, k, l)), True, "agrees"),
    ("changes its inputs", lambda q, k, l: (my_attention(q, k, l), k.zero_(), l.clear())[0], True, "agrees"),
    ("stub", stub, False, "the function is still a stub"),
    ("loops for ever", loops_for_ever, False, "did not finish within 0.5 seconds"),
    ("exits", exits, False, "called exit (SystemExit)"),
    ("not a function", my_attention(torch.ones(1, 1), torch.ones(1, 1, 1), [1]), False,
     "the checker needs your function itself"),
    ("two parameters", lambda q, k: my_attention(q, k, [k.shape[0]] * k.shape[1]), False,
     "The checker calls my_attention(query, keys, lengths)."),
    ("raises", lambda q, k, l: my_attention(q, k, l) if len(set(l)) > 1 else l[5], False,
     "with no padding (T = 4, B = 3, D = 5, lengths = [4, 4, 4]): your function raised IndexError"),
    ("None", lambda q, k, l: None, False, "forget to `return`"),
    ("the context only", lambda q, k, l: my_attention(q, k, l)[0], False,
     "got one tensor of shape (3, 5): `return context, weights`"),
    ("three things", lambda q, k, l: (*my_attention(q, k, l), l), False, "got a tuple of length 3"),
    ("NumPy arrays", lambda q, k, l: tuple(t.numpy() for t in my_attention(q, k, l)), False,
     "got (a NumPy array of dtype float32, a NumPy array of dtype float32): compute with torch operations"),
    ("nested lists", lambda q, k, l: tuple(t.tolist() for t in my_attention(q, k, l)), False, "got (a list, a list)"),
    ("weights first", lambda q, k, l: my_attention(q, k, l)[::-1], False, "in the order (context, weights)"),
    ("weights (B, T)", lambda q, k, l: (my_attention(q, k, l)[0], my_attention(q, k, l)[1].T), False,
     "your weights are (B, T) = (3, 4); the exercise asks for (T, B) = (4, 3)"),
    ("weights (T, B, 1)", lambda q, k, l: (my_attention(q, k, l)[0], my_attention(q, k, l)[1].unsqueeze(-1)), False,
     "your weights have shape (4, 3, 1)"),
    ("float32 for float64", in_float32, False,
     "in float64 (T = 6, B = 4, D = 3, lengths = [6, 2, 5, 1]): the inputs are torch.float64, but your context "
     "came back as torch.float32"),
    ("scaled", with_mistake(scale=True), False, "you divided the scores by sqrt(d)"),
    ("softmax over the batch", with_mistake(dim=1), False, "your weights sum to one over the batch"),
    ("masked after the softmax", with_mistake(mask_after=True), False,
     "with padding in one sequence (T = 5, B = 2, D = 4, lengths = [5, 3]): you zeroed the padded steps after"),
    ("padded scores 0", with_mistake(fill=0.0), False, "you set the padded scores to 0, and exp(0) = 1"),
    ("no mask", with_mistake(no_mask=True), False, "the padded steps got weight"),
    ("NaN leaks from the keys", with_mistake(keys_unmasked=True), False,
     "with padded keys holding 1e30 and NaN (T = 5, B = 3, D = 4, lengths = [3, 5, 2]): your context holds NaN"),
    ("a large negative subtracted", with_mistake(subtract=1e9), False, "your weights hold NaN"),
    ("a large negative subtracted where finite", with_mistake(subtract=1e9, nan_safe=True), False,
     "for sequence 0 (length 3) expected the weights [0."),
    ("the mean of the keys", mean_context, False, "your weights are right but the context of sequence"),
]


def test_the_attention_cases_cover_what_the_docstring_says():
    lengths = [(steps, lengths) for _, steps, _, _, lengths, _, _ in ATTENTION_CASES]
    assert all(length == lengths[0][0] for length in lengths[0][1])  # no padding
    assert any(1 in ls for _, ls in lengths) and any(padding != "random" for *_, padding in ATTENTION_CASES)
    assert torch.float64 in [dtype for *_, dtype, _ in ATTENTION_CASES]
    assert all(steps != batch for _, steps, batch, *_ in ATTENTION_CASES)  # (B, T) is told from (T, B)


# ------------------------------------------------------------------------------------------
# one step of beam search


def my_beam_step(beams, log_probs, width, eos):
    """The exercise's solution: every extension, best first, walked until width are kept."""
    candidates = []
    for (tokens, log_prob), row in zip(beams, log_probs):
        for token, lp in enumerate(row):
            candidates.append((log_prob + lp, tokens + (token,)))
    candidates.sort(key=lambda c: (-c[0], c[1]))
    kept, finished = [], []
    for log_prob, tokens in candidates:
        if len(kept) == width or log_prob == -math.inf:
            break
        if tokens[-1] == eos:
            finished.append((tokens[:-1], log_prob))
        else:
            kept.append((tokens, log_prob))
    return kept, finished


def by_sets(beams, log_probs, width, eos):
    """The same written as sets: the width best live extensions, then the eos ones ranked above the last."""
    rank = lambda c: (-c[0], c[1])
    extensions = [(lp + float(x), tokens + (t,)) for (tokens, lp), row in zip(beams, np.asarray(log_probs))
                  for t, x in enumerate(row) if x > -np.inf]
    kept = heapq.nsmallest(width, [c for c in extensions if c[1][-1] != eos], key=rank)
    ends = sorted((c for c in extensions if c[1][-1] == eos), key=rank)
    if len(kept) == width:
        ends = [c for c in ends if rank(c) < rank(kept[-1])]
    return tuple((t, lp) for lp, t in kept), tuple((t[:-1], np.float64(lp)) for lp, t in ends)


def with_beam_mistake(score=lambda a, b: a + b, drop=True, eos_slots=False, by_score_only=False, eos_kept=False,
                      fixed_eos=None, eos_in_finished=False, literal=False, reverse=False):
    def step(beams, log_probs, width, eos):
        eos = eos if fixed_eos is None else fixed_eos
        pool = [(score(lp, x), tokens + (t,)) for (tokens, lp), row in zip(beams, log_probs) for t, x in enumerate(row)]
        pool.sort(key=(lambda c: -c[0]) if by_score_only else (lambda c: (-c[0], c[1])))
        kept, finished = [], []
        for value, tokens in pool:
            if len(kept) + (len(finished) if eos_slots else 0) == width or (drop and value == -math.inf):
                break
            if tokens[-1] == eos and not eos_kept:
                finished.append((tokens if eos_in_finished else tokens[:-1], value))
            else:
                kept.append((tokens, value))
        if literal and kept:
            finished = [f for f in finished if f[1] > kept[-1][1]]
        return kept[::-1] if reverse else kept, finished

    return step


def all_candidates(beams, log_probs, width, eos):
    kept = [(tokens + (t,), lp + x) for (tokens, lp), row in zip(beams, log_probs) for t, x in enumerate(row)]
    return [k for k in kept if k[0][-1] != eos], [(k[0][:-1], k[1]) for k in kept if k[0][-1] == eos]


def top_of_each_beam(beams, log_probs, width, eos):
    kept = []
    for tokens, lp in beams:
        row = log_probs[beams.index((tokens, lp))]
        best = sorted((t for t in range(len(row)) if t != eos), key=lambda t: -row[t])[:width]
        kept += [(tokens + (t,), lp + row[t]) for t in best]
    return sorted(kept, key=lambda k: -k[1]), []


BEAM_TABLE = [
    ("correct", my_beam_step, True, "your beam step agrees with beam_search's rule in 6 cases"),
    ("by sets", by_sets, True, "agrees"),
    ("the reference", _beam_step, True, "agrees"),
    ("lists for tuples", lambda *a: [[[list(t), lp] for t, lp in part] for part in my_beam_step(*a)], True, "agrees"),
    ("tensors for floats", lambda *a: tuple([(t, torch.tensor(lp)) for t, lp in part] for part in my_beam_step(*a)),
     True, "agrees"),
    ("changes its inputs", lambda b, r, w, e: (my_beam_step(b, r, w, e), b.clear(), r.clear())[0], True, "agrees"),
    ("stub", stub, False, "the function is still a stub"),
    ("loops for ever", loops_for_ever, False, "did not finish within 0.5 seconds"),
    ("exits", exits, False, "called exit (SystemExit)"),
    ("not a function", [((), 0.0)], False, "the checker needs your function itself"),
    ("no eos parameter", lambda b, r, w: my_beam_step(b, r, w, 0), False,
     "The checker calls my_beam_step(beams, log_probs, width, eos)."),
    ("raises", lambda b, r, w, e: my_beam_step(b, r, w, e) if len(b) == 1 else b[5], False,
     "at the second step of the worked example (width = 2, eos = 0, beams [((2,), -0.7985), ((1,), -0.9163)]): "
     "your function raised IndexError"),
    ("None", lambda *a: None, False, "forget to `return`"),
    ("kept only", lambda *a: my_beam_step(*a)[0], False, "you returned one list of hypotheses; return both lists"),
    ("one thing", lambda *a: my_beam_step(*a)[0][:1], False, "expected a pair (kept, finished) of lists, got a list of length 1"),
    ("a dict", lambda *a: dict(my_beam_step(*a)[0]), False, "expected a pair (kept, finished) of lists, got a dict"),
    ("an array", lambda *a: (np.zeros(2), []), False, "expected kept: a list of (tokens, log_prob) pairs such as"),
    ("tokens as text", lambda *a: ([(" ".join(map(str, t)), lp) for t, lp in my_beam_step(*a)[0]], []), False,
     "tokens a tuple of ids, got '2'"),
    ("log_prob as text", lambda *a: ([(t, str(lp)) for t, lp in my_beam_step(*a)[0]], []), False,
     "log_prob a number, got a str"),
    ("every candidate unsorted", all_candidates, False, "you kept every extension, all width x V of them"),
    ("the top of each beam", top_of_each_beam, False, "you took the width best extensions of each beam"),
    ("own log_prob forgotten", with_beam_mistake(score=lambda a, b: b), False,
     "at the second step of the worked example (width = 2, eos = 0, beams [((2,), -0.7985), ((1,), -0.9163)]): "
     "expected kept [((1, 2), -1.1394), ((2, 3), -1.7148)] and finished [], got kept [((1, 2), -0.2231), "
     "((2, 3), -0.9163)] and finished []; you ranked the extensions by the new token's log-probability alone"),
    ("probabilities multiplied", with_beam_mistake(score=lambda a, b: math.exp(a) * math.exp(b)), False,
     "you returned probabilities p * p'"),
    ("probabilities added", with_beam_mistake(score=lambda a, b: math.exp(a) + math.exp(b), drop=False), False,
     "you added probabilities"),
    ("logs multiplied", with_beam_mistake(score=lambda a, b: a * b, drop=False), False,
     "you multiplied log-probabilities"),
    ("eos takes a slot", with_beam_mistake(eos_slots=True), False, "extensions ending in eos took slots of the beam"),
    ("eos kept as live", with_beam_mistake(eos_kept=True), False, "an extension ending in eos is finished, not kept"),
    ("eos taken as 0", with_beam_mistake(fixed_eos=0), False, "you took 0 as eos; use the eos argument"),
    ("eos left in the finished tokens", with_beam_mistake(eos_in_finished=True), False,
     "give the finished tokens without the eos"),
    ("ties in the order generated", with_beam_mistake(by_score_only=True), False,
     "equal log-probabilities are ranked by their tokens"),
    ("-inf kept", with_beam_mistake(drop=False), False, "an extension of log-probability -inf has probability 0"),
    ("eos only above the last kept", with_beam_mistake(literal=True), False,
     "while the beam is not full, every extension ending in eos finishes"),
    ("worst first", with_beam_mistake(reverse=True), False, "you kept the right hypotheses in the wrong order"),
    ("rounded", lambda *a: tuple([(t, round(lp, 2)) for t, lp in part] for part in my_beam_step(*a)), False,
     "your tokens are right but not their log-probabilities"),
]


def test_the_beam_cases_cover_what_the_docstring_says():
    outputs = [(_beam_step(beams, [[math.log(p) if p else -math.inf for p in r] for r in rows], width, eos), rows,
                width, eos) for _, beams, rows, width, eos in BEAM_CASES]
    assert any(kept and finished and finished[0][1] > kept[0][1] for (kept, finished), *_ in outputs)  # eos first
    assert any(width > sum(len(r) for r in rows) - len(rows) for _, rows, width, _ in outputs)
    assert any(0.0 in row for _, rows, _, _ in outputs for row in rows) and any(eos != 0 for *_, eos in outputs)


def test_the_worked_example_separates_greedy_from_a_beam_of_two():
    example = BEAM_BY_HAND_EXAMPLE
    assert isinstance(example, BeamExample) and example.words[example.eos] == "</s>" and example.width == 2
    assert all(sum(row) == pytest.approx(1.0) and len(row) == len(example.words) for row in example.probabilities.values())
    bos = len(example.words)

    def step(previous, states):
        prefixes = [() if p == bos else s + (p,) for p, s in zip(previous, states)]
        return np.array([example.log_probs(p) for p in prefixes]), prefixes

    def best(width):
        top = beam_search(step, [()], bos, example.eos, beam_width=width, max_length=2, length_penalty=0)[0][0]
        return " ".join(example.words[t] for t in top.tokens), math.exp(top.log_prob)

    assert best(1) == ("love China", pytest.approx(0.18)) and best(2) == ("I love", pytest.approx(0.32))
    kept, finished = _beam_step([((), 0.0)], [example.log_probs(())], 2, 0)
    kept, finished = _beam_step(kept, [example.log_probs(t) for t, _ in kept], 2, 0)
    assert [t for t, _ in kept] == [(1, 2), (2, 3)] and finished == []
    with pytest.raises(ValueError, match=r"prefix: expected one of .*, got \(3,\)"):
        example.log_probs((3,))


def random_row(seed, vocab, prefix):
    """Next-token log-probabilities after ``prefix``, fixed by it; about one in six is -inf (probability 0)."""
    rng = np.random.default_rng([seed, len(prefix), *prefix])
    logits = rng.normal(size=vocab) * 2.0
    logits[rng.random(vocab) < 1 / 6] = -np.inf
    logits[rng.integers(vocab)] = max(logits.max(), 0.0)  # at least one token is possible
    return logits - np.logaddexp.reduce(logits)


def beam_search_by_steps(seed, vocab, starts, eos, width, max_length, alpha):
    """beam_search's outer loop written around the checker's reference step."""
    results = []
    for start in starts:
        beams, done = [((), 0.0)], []
        for length in range(1, max_length + 1):
            if not beams:
                break
            beams, finished = _beam_step(beams, [random_row(seed, vocab, (start, *t)) for t, _ in beams], width, eos)
            done += [(t, lp, length_normalised(lp, length, alpha), True) for t, lp in finished]
            if done and beams:  # the same stop as beam_search's
                bound = max(lp for _, lp in beams) / max_length**alpha
                scores = sorted((d[2] for d in done), reverse=True)
                live = max(length_normalised(lp, length, alpha) for _, lp in beams)
                if scores[0] >= bound or (len(scores) >= width and scores[width - 1] >= live):
                    beams = []
        hypotheses = done + [(t, lp, length_normalised(lp, len(t), alpha), False) for t, lp in beams]
        results.append(sorted(hypotheses, key=lambda h: (not h[3], -h[2], h[0]))[:width])
    return results


@pytest.mark.parametrize("width", [1, 2, 3])
@pytest.mark.parametrize("alpha", [0.0, 1.0])
def test_the_reference_step_reproduces_beam_search(width, alpha):
    vocab, eos, bos, max_length, starts = 5, 0, 5, 5, (0, 1)
    for seed in range(40):
        def step(previous, states):
            # A state is (which input, the tokens before `previous`).
            prefixes = [s if p == bos else (*s, p) for p, s in zip(previous, states)]
            return np.stack([random_row(seed, vocab, p) for p in prefixes]), prefixes

        found = beam_search(step, [(s,) for s in starts], bos, eos, width, max_length, alpha)
        expected = beam_search_by_steps(seed, vocab, starts, eos, width, max_length, alpha)
        for hypotheses, wanted in zip(found, expected):
            assert [(h.tokens, h.finished) for h in hypotheses] == [(t, f) for t, _, _, f in wanted], seed
            assert [h.log_prob for h in hypotheses] == pytest.approx([lp for _, lp, _, _ in wanted]), seed


# ------------------------------------------------------------------------------------------
# every checker, every row


TABLES = {
    "check_masked_dot_attention": (check_masked_dot_attention, ATTENTION_TABLE),
    "check_beam_step": (check_beam_step, BEAM_TABLE),
}
ROWS = [
    pytest.param(checker, answer, passed, phrase, id=f"{name}: {case}")
    for name, (checker, table) in TABLES.items()
    for case, answer, passed, phrase in table
]
CHECKERS = [pytest.param(checker, id=name) for name, (checker, _) in TABLES.items()]


@pytest.mark.parametrize("checker, answer, passed, phrase", ROWS)
def test_every_checker_judges_every_kind_of_answer(checker, answer, passed, phrase):
    start = time.monotonic()
    verdict = checker(answer, timeout=TIMEOUT)  # never raises
    assert isinstance(verdict, Feedback) and verdict.passed is passed, verdict.message
    assert phrase in verdict.message, verdict.message
    assert time.monotonic() - start < 20 * TIMEOUT  # the loops were stopped, not waited out


@pytest.mark.parametrize("name, table", [(name, table) for name, (_, table) in TABLES.items()])
def test_each_hinted_mistake_has_its_own_phrase(name, table):
    phrases = [phrase for _, _, passed, phrase in table if not passed]
    assert len(phrases) == len(set(phrases)), name


@pytest.mark.parametrize("checker, solution", [
    pytest.param(check_masked_dot_attention, my_attention, id="check_masked_dot_attention"),
    pytest.param(check_beam_step, my_beam_step, id="check_beam_step"),
])
def test_each_checker_takes_well_under_a_second(checker, solution):
    checker(solution)  # the first call warms up
    start = time.perf_counter()
    assert checker(solution)
    assert time.perf_counter() - start < 1.0


@pytest.mark.parametrize("checker", CHECKERS)
def test_a_student_pressing_stop_is_not_caught(checker):
    def pressed_stop(*args):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        checker(pressed_stop, timeout=TIMEOUT)


@pytest.mark.parametrize("checker", CHECKERS)
@pytest.mark.parametrize("timeout", [0, -1, math.nan, math.inf, "2", None])
def test_a_bad_timeout_is_a_value_error(checker, timeout):
    with pytest.raises(ValueError, match="timeout: expected a positive finite number, got"):
        checker(stub, timeout=timeout)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_attention_computed_on_cuda_passes():
    assert check_masked_dot_attention(lambda q, k, l: tuple(t.cuda() for t in my_attention(q, k, l)))
