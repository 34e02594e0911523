r"""The checkers of chapter 6's coding exercises on translation: masked dot-product attention, and one step of beam search (chapter 6).

Each checker returns a :class:`~companion.exercises.harness.Feedback`, runs the student's code
through :func:`~companion.exercises.harness.run_student` (a time limit, every exception
reported) and compares with the companion's own code: attention with
:func:`~companion.attention.dot_product_attention`, the beam step with the rule of
:func:`~companion.decoding.beam_search`;
:data:`~companion.exercises.checkers_seq2seq.BEAM_BY_HAND_EXAMPLE` is the table of next-word
probabilities that the page works through by hand.
"""
from __future__ import annotations

import math
from types import MappingProxyType
from typing import Callable, Mapping, NamedTuple

import torch

from .._checks import is_integer, is_real
from ..attention import dot_product_attention
from .harness import DEFAULT_TIMEOUT, Feedback, describe_type, require_timeout, run_student

# --- masked dot-product attention -------------------------------------------------------------

# (what the case is, T, B, D, lengths, dtype, what the padded keys hold); T differs from B, so that
# weights returned (B, T) are told from (T, B).
ATTENTION_CASES = (
    ("with no padding", 4, 3, 5, [4, 4, 4], torch.float32, "random"),
    ("with padding in one sequence", 5, 2, 4, [5, 3], torch.float32, "random"),
    ("with a sequence of length 1", 4, 3, 3, [2, 1, 4], torch.float32, "random"),
    ("with padded keys holding 1e30 and NaN", 5, 3, 4, [3, 5, 2], torch.float32, "huge and NaN"),
    ("in float64", 6, 4, 3, [6, 2, 5, 1], torch.float64, "random"),
)


def _attention_inputs(case: int):
    """The query, keys and lengths of case ``case``, drawn from a fixed seed in float64, then cast."""
    _, steps, batch, size, lengths, dtype, padding = ATTENTION_CASES[case]
    generator = torch.Generator().manual_seed(6 + case)
    query = 1.5 * torch.randn(batch, size, generator=generator, dtype=torch.float64)
    keys = torch.randn(steps, batch, size, generator=generator, dtype=torch.float64)
    if padding == "huge and NaN":
        keys[lengths[0]:, 0] = 1e30
        keys[lengths[2]:, 2] = math.nan
    return query.to(dtype), keys.to(dtype), list(lengths)


def _attention_models(query, keys, real):
    """(weights (T, B) of a mistake, its hint) in float64, for the mistakes the checker names."""
    scores = (keys * query).sum(dim=-1)  # (T, B), unscaled
    masked = scores.masked_fill(~real, -math.inf)
    return [
        (dot_product_attention(query, keys, real, scale=True)[1],
         "you divided the scores by sqrt(d), the scaled dot product of Vaswani et al.; this exercise is the "
         "unscaled \"dot\" score of Luong et al., e_t = q . k_t."),
        (torch.softmax(masked, dim=1),
         "your weights sum to one over the batch: the softmax runs over time, dim=0 of the (T, B) scores."),
        (torch.softmax(scores, dim=0) * real,
         "you zeroed the padded steps after the softmax, so the weights of the real steps no longer sum to one; "
         "set the padded scores to -inf before the softmax."),
        (torch.softmax(scores.masked_fill(~real, 0.0), dim=0),
         "you set the padded scores to 0, and exp(0) = 1 still gives them weight: set them to -inf, "
         "scores.masked_fill(~mask, float('-inf')), before the softmax."),
        (torch.softmax(scores, dim=0),
         "the padded steps got weight: steps lengths[b] and later of sequence b are padding; mask them, e.g. "
         "mask = torch.arange(T)[:, None] < torch.tensor(lengths), and set their scores to -inf."),
    ]


def _tolerance(query, keys, real, dtype) -> float:
    """How far a correct answer computed in ``dtype`` may be from the float64 reference."""
    real_keys = torch.where(real.unsqueeze(-1), keys, 0.0).abs()
    score_bound = float((real_keys * query.abs()).sum(dim=-1).max())
    steps, _, size = keys.shape
    return 8 * torch.finfo(dtype).eps * size * steps * (1 + score_bound) * (1 + float(real_keys.max()))


def _read_attention(value, steps: int, batch: int, size: int, dtype) -> str:
    """What is wrong with the student's ``(context, weights)``, in words, or ``""``."""
    wanted = (f"a pair (context, weights) of torch tensors, context (B, D) = ({batch}, {size}) and weights "
              f"(T, B) = ({steps}, {batch})")
    if isinstance(value, torch.Tensor):
        return f"expected {wanted}, got one tensor of shape {tuple(value.shape)}: `return context, weights`."
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        length = f" of length {len(value)}" if isinstance(value, (tuple, list)) else ""
        return f"expected {wanted}, got {describe_type(value)}{length}."
    if not all(isinstance(v, torch.Tensor) for v in value):
        return (f"expected {wanted}, got ({describe_type(value[0])}, {describe_type(value[1])}): compute with "
                "torch operations and return tensors.")
    context, weights = value
    if tuple(context.shape) == (steps, batch) and tuple(weights.shape) == (batch, size):
        return "you returned (weights, context); return them in the order (context, weights)."
    if tuple(weights.shape) == (batch, steps):
        return (f"your weights are (B, T) = ({batch}, {steps}); the exercise asks for (T, B) = ({steps}, {batch}), "
                "time first like the keys: return weights.T.")
    for name, tensor, shape in (("context", context, (batch, size)), ("weights", weights, (steps, batch))):
        if tuple(tensor.shape) != shape:
            verb = "have" if name == "weights" else "has"
            return f"expected {wanted}; your {name} {verb} shape {tuple(tensor.shape)}."
        if tensor.dtype != dtype:
            return (f"the inputs are {dtype}, but your {name} came back as {tensor.dtype}: make new tensors in "
                    "the inputs' dtype (dtype=keys.dtype), so that no precision is lost or added.")
    return ""


def _close(given: torch.Tensor, expected: torch.Tensor, tolerance: float) -> bool:
    return bool(((given - expected).abs() <= tolerance).all())  # NaN is never close


def _columns(tensor: torch.Tensor, b: int) -> str:
    return "[" + ", ".join(f"{v:.4g}" for v in tensor[:, b].tolist()) + "]"


def check_masked_dot_attention(my_attention: Callable, *, timeout: float = DEFAULT_TIMEOUT) -> Feedback:
    r"""Chapter 6, exercise "Attention with padding": ``my_attention(query, keys, lengths)`` must return the context and the weights.

    .. math::
        e_t = q^\top k_t, \qquad
        \alpha_t = \frac{[t < L_b]\,\exp e_t}{\sum_{s < L_b} \exp e_s}, \qquad c = \sum_{t < L_b} \alpha_t k_t

    The exercise: write ``my_attention(query, keys, lengths)``, dot-product attention of one
    query per sequence over time-major keys, with padding masked: ``query`` ``(B, D)``, ``keys``
    ``(T, B, D)``, ``lengths`` a list of ``B`` ints (the first ``lengths[b]`` steps of sequence
    ``b`` are real, the rest padding that may hold anything); return ``(context (B, D), weights
    (T, B))``, tensors in the inputs' dtype, the weights zero at padded steps and summing to one
    over the real steps. The score is unscaled, Luong et al.'s (2015) "dot"; the reference is
    :func:`~companion.attention.dot_product_attention` with ``scale=False``, computed in float64.
    Five cases: no padding, padding in one sequence, a sequence of length 1, padded keys holding
    1e30 and NaN (which must reach neither the weights nor the context), and float64 inputs.
    Hints name scores scaled by :math:`\sqrt d`, a softmax over the batch, padding zeroed after
    the softmax, padded scores set to 0 instead of :math:`-\infty`, no mask, weights ``(B, T)``,
    NaN leaking from padded keys (mask the keys too, with ``torch.where``), and results that are
    not tensors or not in the inputs' dtype. Each call may take ``timeout`` seconds. Raises
    ``ValueError`` for a bad ``timeout`` only.
    """
    timeout = require_timeout(timeout)
    for case, (where, steps, batch, size, lengths, dtype, _) in enumerate(ATTENTION_CASES):
        where = f"{where} (T = {steps}, B = {batch}, D = {size}, lengths = {lengths}):"
        query, keys, lengths = _attention_inputs(case)
        outcome = run_student(my_attention, query.clone(), keys.clone(), list(lengths), timeout=timeout)
        if not outcome.returned:
            calls = "The checker calls my_attention(query, keys, lengths)."
            return outcome.feedback(where, hint_if_raised=calls if "positional argument" in outcome.problem else "")
        problem = _read_attention(outcome.value, steps, batch, size, dtype)
        if problem:
            return Feedback(False, f"{where} {problem}")
        context, weights = (v.detach().to("cpu", torch.float64) for v in outcome.value)
        query64, keys64 = query.double(), keys.double()
        real = torch.arange(steps).unsqueeze(1) < torch.tensor(lengths).unsqueeze(0)  # (T, B)
        expected_context, expected_weights = dot_product_attention(query64, keys64, real, scale=False)
        tolerance = _tolerance(query64, keys64, real, dtype)
        right_weights = _close(weights, expected_weights, tolerance)
        if right_weights and _close(context, expected_context, tolerance):
            continue
        models = [] if right_weights else _attention_models(query64, keys64, real)
        hint = next((h for model, h in models if _close(weights, model, tolerance)), "")
        if hint:
            return Feedback(False, f"{where} {hint}")
        if torch.isnan(weights).any():
            return Feedback(False, f"{where} your weights hold NaN. The padded keys hold NaN here, and so do their "
                                   "scores, whatever is added to them or multiplied with them: replace the padded "
                                   "scores with scores.masked_fill(~mask, float('-inf')) or torch.where.")
        if torch.isnan(context).any():
            return Feedback(False, f"{where} your context holds NaN. The padded keys hold NaN here, and a zero "
                                   "weight times NaN is still NaN: mask the keys too, torch.where(mask[..., None], "
                                   "keys, 0), before the weighted sum.")
        if not right_weights:
            b = int((weights - expected_weights).abs().amax(dim=0).argmax())
            return Feedback(False, f"{where} for sequence {b} (length {lengths[b]}) expected the weights "
                                   f"{_columns(expected_weights, b)}, got {_columns(weights, b)}; padded steps get "
                                   "exactly 0 and the real ones sum to one.")
        b = int((context - expected_context).abs().amax(dim=1).argmax())
        return Feedback(False, f"{where} your weights are right but the context of sequence {b} is not: expected "
                               f"{_columns(expected_context.T, b)}, got {_columns(context.T, b)}; "
                               "c = sum over t of weights[t, b] * keys[t, b].")
    return Feedback(True, f"your attention agrees with dot_product_attention(..., scale=False) in "
                          f"{len(ATTENTION_CASES)} cases: padded steps get weight 0, even when their keys hold NaN.")


# --- one step of beam search ------------------------------------------------------------------


def _log(p: float) -> float:
    return math.log(p) if p > 0 else -math.inf


class BeamExample(NamedTuple):
    """A table of next-word probabilities to run beam search by hand (chapter 6).

    ``words[i]`` is the word of id ``i``; ``eos`` the id of the end of the sentence; ``width``
    the beam's width; ``probabilities[prefix]`` the probabilities of the next word, one per id,
    after the words ``prefix`` (a tuple of ids, ``()`` at the start).
    """

    words: tuple[str, ...]
    eos: int
    width: int
    probabilities: Mapping[tuple[int, ...], tuple[float, ...]]

    def log_probs(self, prefix: tuple[int, ...]) -> list[float]:
        """The natural logarithms of ``probabilities[prefix]``, a row for ``my_beam_step`` (chapter 6).

        Raises ``ValueError`` for a prefix that is not in the table.
        """
        if tuple(prefix) not in self.probabilities:
            raise ValueError(f"prefix: expected one of {sorted(self.probabilities)}, got {prefix!r}")
        return [_log(p) for p in self.probabilities[tuple(prefix)]]


BEAM_BY_HAND_EXAMPLE = BeamExample(
    words=("</s>", "I", "love", "China"),
    eos=0,
    width=2,
    probabilities=MappingProxyType({
        (): (0.05, 0.40, 0.45, 0.10),
        (2,): (0.20, 0.30, 0.10, 0.40),  # after "love"
        (1,): (0.06, 0.04, 0.80, 0.10),  # after "I"
    }),
)
"""Two steps of next-word probabilities over {0: "</s>", 1: "I", 2: "love", 3: "China"} (chapter 6).

Greedy decoding takes "love" (0.45) and then "China": "love China", 0.45 × 0.40 = 0.18. A beam
of width 2 also keeps "I" (0.40), and at the second step "I love", 0.40 × 0.80 = 0.32, ranks
first, with "love China" second; "love </s>" (0.09) ranks below the last one kept and does not
finish.
"""

# (what the case is, beams, rows of probabilities, width, eos); each row is given to the student in logs.
_EXAMPLE_ROWS = BEAM_BY_HAND_EXAMPLE.probabilities
BEAM_CASES = (
    ("at the first step of the worked example", [((), 0.0)], [_EXAMPLE_ROWS[()]], 2, 0),
    ("at the second step of the worked example", [((2,), _log(0.45)), ((1,), _log(0.40))],
     [_EXAMPLE_ROWS[(2,)], _EXAMPLE_ROWS[(1,)]], 2, 0),
    ("where </s> ranks first", [((1,), _log(0.6)), ((3,), _log(0.4))],
     [(0.5, 0.1, 0.3, 0.1), (0.1, 0.2, 0.6, 0.1)], 2, 0),
    ("with equal log-probabilities", [((3,), _log(0.5)), ((1,), _log(0.5))],
     [(0.1, 0.2, 0.3, 0.4), (0.1, 0.2, 0.3, 0.4)], 3, 0),
    ("with a width larger than the candidates and eos = 2", [((1,), _log(0.3))], [(0.6, 0.3, 0.1)], 5, 2),
    ("with probabilities of 0, log-probability -inf", [((1,), _log(0.6)), ((2,), _log(0.4))],
     [(0.0, 0.7, 0.3, 0.0), (0.0, 0.0, 0.0, 1.0)], 4, 0),
)


def _beam_step(beams, rows, width, eos, *, score=lambda a, b: a + b, order=lambda c: (-c[0], c[1]),
               drop_zero=True, slots_for_eos=False):
    """The reference, :func:`~companion.decoding.beam_search`'s rule for one step; the options are mistakes.

    All extensions, best first (ties by their tokens); walking down them, one ending in ``eos``
    finishes (without the eos), any other is kept, until ``width`` are kept; -inf ends the walk.
    """
    pool = [(score(log_prob, float(lp)), tokens + (token,)) for (tokens, log_prob), row in zip(beams, rows)
            for token, lp in enumerate(row)]
    pool.sort(key=order)
    kept, finished = [], []
    for value, tokens in pool:
        if len(kept) + (len(finished) if slots_for_eos else 0) == width or (drop_zero and value == -math.inf):
            break
        if tokens[-1] == eos:
            finished.append((tokens[:-1], value))
        else:
            kept.append((tokens, value))
    return kept, finished


def _beam_models(beams, rows, width, eos):
    """(what a mistake returns, its hint) for the mistakes the checker recognises by their output."""
    kept, finished = _beam_step(beams, rows, width, eos)
    return [
        (_beam_step(beams, rows, width, eos, score=lambda a, b: b),
         "you ranked the extensions by the new token's log-probability alone: add the beam's own, "
         "log p(y_1..y_i) = log p(y_1..y_{i-1}) + log p(y_i | y_<i)."),
        (([(t, math.exp(v)) for t, v in kept], [(t, math.exp(v)) for t, v in finished]),
         "you returned probabilities p * p'; work with log-probabilities and add them, log p + log p' (a product "
         "of many probabilities underflows to 0)."),
        (_beam_step(beams, rows, width, eos, score=lambda a, b: math.exp(a) + math.exp(b), drop_zero=False),
         "you added probabilities; the probability of a sequence is a product, and in logs a sum: log p + log p'."),
        (_beam_step(beams, rows, width, eos, score=lambda a, b: a * b, drop_zero=False),
         "you multiplied log-probabilities; a product of probabilities is a sum of their logs: log p + log p'."),
        (_beam_step(beams, rows, width, eos, slots_for_eos=True),
         "extensions ending in eos took slots of the beam. A finished hypothesis leaves the beam: walk down the "
         "extensions best first, putting those that end in eos into finished and the others into kept, until "
         "width are kept."),
        (_beam_step(beams, rows, width, 0), "you took 0 as eos; use the eos argument."),
        (_beam_step(beams, rows, width, eos, order=lambda c: -c[0]),
         "equal log-probabilities are ranked by their tokens, the smaller tuple first: sort by (-log_prob, tokens)."),
        (_beam_step(beams, rows, width, eos, drop_zero=False),
         "an extension of log-probability -inf has probability 0 and is no hypothesis: drop it, even when fewer "
         "than width remain."),
        ((kept, [h for h in finished if not kept or (-h[1], h[0] + (eos,)) < (-kept[-1][1], kept[-1][0])]),
         "while the beam is not full, every extension ending in eos finishes, even below the last one kept: "
         "walk down all the extensions until width are kept."),
    ]


def _read_hypotheses(value, name: str) -> tuple[list | None, str]:
    """The student's ``kept`` or ``finished`` as a list of (tuple of ints, float), or the problem."""
    wanted = f"{name}: a list of (tokens, log_prob) pairs such as [((1, 2), -1.2)]"
    if not isinstance(value, (list, tuple)):
        return None, f"expected {wanted}, got {describe_type(value)}."
    read = []
    for item in value:
        if not isinstance(item, (list, tuple)) or len(item) != 2:
            return None, f"expected {wanted}, got {describe_type(item)} {item!r:.60} among them."
        tokens, log_prob = item
        if isinstance(log_prob, torch.Tensor) and log_prob.numel() == 1:
            log_prob = log_prob.item()
        if not isinstance(tokens, (list, tuple)) or not all(is_integer(t) for t in tokens):
            return None, f"expected {wanted}, tokens a tuple of ids, got {tokens!r:.60}."
        if not is_real(log_prob):
            return None, f"expected {wanted}, log_prob a number, got {describe_type(log_prob)}."
        read.append((tuple(int(t) for t in tokens), float(log_prob)))
    return read, ""


def _same(given, expected) -> bool:
    # float32 is close enough: a student may add the log-probabilities in torch's default dtype.
    return len(given) == len(expected) and all(
        t == u and (a == b or abs(a - b) <= 1e-6 * (1 + abs(b))) for (t, a), (u, b) in zip(given, expected))


def _shown(hypotheses) -> str:
    return "[" + ", ".join(f"({tokens}, {log_prob:.4f})" for tokens, log_prob in hypotheses) + "]"


def _structure_hint(kept, beams, rows, width, eos) -> str:
    """A hint read from the shape of a wrong ``kept``, when no whole mistake reproduces it."""
    extensions = [tokens + (token,) for tokens, _ in beams for token in range(len(rows[0]))]
    given = [tokens for tokens, _ in kept]
    if len(given) > width and set(given) in ({t for t in extensions if t[-1] != eos}, set(extensions)):
        return ("you kept every extension, all width x V of them: sort them best first and keep the width best "
                "across all the beams.")
    per_beam = {tokens + (token,) for (tokens, log_prob), row in zip(beams, rows)
                for token in sorted((t for t in range(len(row)) if t != eos), key=lambda t: -row[t])[:width]}
    if len(given) > width and set(given) == per_beam:
        return ("you took the width best extensions of each beam; take the width best across all the beams "
                "together, so one beam may supply them all.")
    if any(t and t[-1] == eos for t in given):
        return "an extension ending in eos is finished, not kept: put it (without the eos) into finished."
    expected = [t for t, _ in _beam_step(beams, rows, width, eos)[0]]
    if given == expected:
        return "your tokens are right but not their log-probabilities: the beam's log_prob plus the token's."
    if sorted(given) == sorted(expected):
        return "you kept the right hypotheses in the wrong order: best first."
    return ""


def check_beam_step(my_beam_step: Callable, *, timeout: float = DEFAULT_TIMEOUT) -> Feedback:
    r"""Chapter 6, exercise "One step of beam search": ``my_beam_step(beams, log_probs, width, eos)`` must return ``(kept, finished)``.

    .. math::  \log p(y_1 \dots y_i \mid X) = \log p(y_1 \dots y_{i-1} \mid X) + \log p(y_i \mid y_{<i}, X)

    The exercise: write ``my_beam_step(beams, log_probs, width, eos)``. ``beams`` is a list of
    ``(tokens, log_prob)``, a tuple of ids and a float, the live hypotheses; ``log_probs`` a list of
    rows, one per beam, each a list of the next token's log-probabilities over the vocabulary.
    Extend every beam by every token (``tokens + (token,)``, ``log_prob + lp``) and walk down the
    extensions best first, ties broken by their tokens (the smaller tuple first): one ending in
    ``eos`` goes to ``finished`` as ``(tokens without eos, log_prob)``, any other to ``kept``, until
    ``kept`` holds ``width``; an extension of log-probability :math:`-\infty` (probability 0) ends
    the walk. Return ``(kept, finished)``, both best first. This is the rule of
    :func:`~companion.decoding.beam_search` (Sutskever et al. 2014): finished hypotheses take no
    slot of the beam. Six cases: the two steps of
    :data:`~companion.exercises.checkers_seq2seq.BEAM_BY_HAND_EXAMPLE`, eos ranking first, equal
    log-probabilities, a width larger than the candidates (with eos not 0), and probabilities 0.
    Tuples or lists and any real number type are accepted. Hints name every extension kept unsorted,
    the top ``width`` of each beam instead of across beams, the beam's own log-probability
    forgotten, probabilities multiplied or added instead of logs added, log-probabilities
    multiplied, eos extensions taking beam slots or kept as live, eos taken as 0, ties not broken by
    tokens, -inf kept, and eos extensions dropped while the beam is not full. Each call may take
    ``timeout`` seconds. Raises ``ValueError`` for a bad ``timeout`` only.
    """
    timeout = require_timeout(timeout)
    answers = []  # the cases so far: a hint is given only if its mistake reproduces all of them
    for where, beams, probabilities, width, eos in BEAM_CASES:
        rows = [[_log(p) for p in row] for row in probabilities]
        where = f"{where} (width = {width}, eos = {eos}, beams {_shown(beams)}):"
        outcome = run_student(my_beam_step, [(t, lp) for t, lp in beams], [list(r) for r in rows], width, eos,
                              timeout=timeout)
        if not outcome.returned:
            calls = "The checker calls my_beam_step(beams, log_probs, width, eos)."
            return outcome.feedback(where, hint_if_raised=calls if "positional argument" in outcome.problem else "")
        value = outcome.value
        if not isinstance(value, (tuple, list)) or len(value) != 2:
            return Feedback(False, f"{where} expected a pair (kept, finished) of lists, got {describe_type(value)}"
                                   f"{f' of length {len(value)}' if isinstance(value, (tuple, list)) else ''}.")
        if all(isinstance(item, (list, tuple)) and len(item) == 2 and isinstance(item[0], (list, tuple))
               and (is_real(item[1]) or isinstance(item[1], torch.Tensor)) for item in value):  # (tokens, lp) pairs
            return Feedback(False, f"{where} you returned one list of hypotheses; return both lists, `return kept, "
                                   "finished` (finished may be empty).")
        (kept, problem), (finished, other) = (_read_hypotheses(v, name) for v, name in zip(value, ("kept", "finished")))
        if problem or other:
            return Feedback(False, f"{where} {problem or other}")
        answers.append(((beams, rows, width, eos), (kept, finished)))
        expected = _beam_step(beams, rows, width, eos)
        if _same(kept, expected[0]) and _same(finished, expected[1]):
            continue
        models = [_beam_models(*case) for case, _ in answers]
        hint = next((h for i, (_, h) in enumerate(models[0]) if all(
            _same(k, m[i][0][0]) and _same(f, m[i][0][1]) for m, (_, (k, f)) in zip(models, answers))), "")
        if not hint and any(t and t[-1] == eos for t, _ in finished):
            hint = "give the finished tokens without the eos: (tokens, log_prob) of the beam it ended."
        hint = hint or _structure_hint(kept, beams, rows, width, eos)
        return Feedback(False, f"{where} expected kept {_shown(expected[0])} and finished {_shown(expected[1])}, got "
                               f"kept {_shown(kept)} and finished {_shown(finished)}{'; ' + hint if hint else '.'}")
    return Feedback(True, f"your beam step agrees with beam_search's rule in {len(BEAM_CASES)} cases: on the worked "
                          "example, width 2 keeps \"I love\" (0.32), which greedy decoding (0.18) never sees.")
