r"""Decoding: the most probable output of a network, by best path, by CTC prefix beam search, and by beam search over a decoder's tokens (chapter 6).

A network trained with CTC (:mod:`companion.ctc`) gives a distribution over the ``C`` classes
(the blank among them) at each of ``T`` frames; decoding looks for the most probable labelling

.. math::  \mathbf{l}^* = \operatorname*{arg\,max}_{\mathbf{l}} p(\mathbf{l} \mid \mathbf{x})
           = \operatorname*{arg\,max}_{\mathbf{l}} \sum_{\pi \in B^{-1}(\mathbf{l})} \prod_t y^t_{\pi_t},

which in general cannot be found exactly in reasonable time (Graves et al. 2006, section 3.2).
:func:`ctc_greedy_decode` takes the most probable *path* instead; :func:`ctc_prefix_beam_search`
keeps the ``beam_width`` most probable *prefixes* frame by frame, summing the paths of each.
``log_probs`` is a ``(T, C)`` float array of log-probabilities, ``blank`` the blank's class id
(0 by default).

A sequence-to-sequence decoder (:class:`~companion.seq2seq.Seq2Seq`) instead gives the
distribution of the next token given the tokens before it, and the search is over whole
sequences that end in EOS: :func:`beam_search`, of which greedy decoding is the width-1 case.
It sees the decoder only through a ``step`` function, so it works as well on a table of
probabilities written by hand as on a network. NumPy only: this module imports no torch.
"""
from __future__ import annotations

import math
from typing import Any, Callable, NamedTuple, Sequence

import numpy as np

from ._checks import is_real, require_non_negative_int, require_positive_int
from .ctc import _require_blank, _require_log_probs, _require_rows, ctc_collapse


def _checked(log_probs, blank) -> tuple[np.ndarray, int]:
    log_probs = _require_log_probs("log_probs", log_probs)
    blank = _require_blank(blank, log_probs.shape[1])
    _require_rows("log_probs", log_probs)
    return log_probs, blank


def ctc_greedy_decode(log_probs: np.ndarray, blank: int = 0) -> list[int]:
    r"""Best-path decoding of CTC outputs: the most probable class at each frame, then the collapse (Graves et al. 2006, section 3.2; chapter 6).

    .. math::  \mathbf{l} \approx B(\pi^*), \qquad \pi^*_t = \operatorname*{arg\,max}_k y^t_k

    The most probable path need not belong to the most probable labelling, whose probability
    is spread over many paths: with two frames of :math:`y = (0.6, 0.4)` (blank, ``a``) the best
    path is two blanks (0.36), so this returns the empty labelling, although
    :math:`p(a) = 0.64`; :func:`ctc_prefix_beam_search` finds ``a``. ``log_probs`` ``(T, C)``;
    returns the labels as a list of ``int`` (ties go to the lower class id). Raises
    ``ValueError`` if ``log_probs`` is not a 2-D float array of log-probabilities (NaN, or a
    row whose logsumexp is off 0 by more than 1e-6), or ``blank`` is not a class id.
    """
    log_probs, blank = _checked(log_probs, blank)
    return ctc_collapse(log_probs.argmax(axis=1), blank)


def ctc_prefix_beam_search(
    log_probs: np.ndarray, beam_width: int = 8, blank: int = 0
) -> list[tuple[tuple[int, ...], float]]:
    r"""CTC prefix beam search without a language model (Hannun et al. 2014; chapter 6).

    Each prefix :math:`\mathbf{l}` keeps two probabilities of the first ``t`` frames: of the
    paths that collapse to it and end in a blank, :math:`p_b`, or in its last label,
    :math:`p_{nb}`. At frame ``t``, with :math:`y = y^t`:

    .. math::
        p_b(\mathbf{l}) &\mathrel{+}= y_\epsilon \, (p_b(\mathbf{l}) + p_{nb}(\mathbf{l}))

        p_{nb}(\mathbf{l}) &\mathrel{+}= y_{l_U} \, p_{nb}(\mathbf{l})
        \quad \text{(the last label repeated: merged)}

        p_{nb}(\mathbf{l} + k) &\mathrel{+}= y_k \, (p_b(\mathbf{l}) + p_{nb}(\mathbf{l}))
        \quad \text{for } k \ne l_U

        p_{nb}(\mathbf{l} + l_U) &\mathrel{+}= y_{l_U} \, p_b(\mathbf{l})

    (a repeated label needs a blank between its copies), on the previous frame's values; then
    only the ``beam_width`` prefixes of highest :math:`p_b + p_{nb}` are kept. As in Hannun et
    al.'s algorithm, a prefix pruned at frame ``t - 1`` and made again at frame ``t`` gets back
    the paths it had, extended by a blank or its last label; pruned longer, its mass is lost.
    The probabilities are exact, :math:`\log p(\mathbf{l} \mid \mathbf{x})` as
    :func:`~companion.ctc.ctc_log_likelihood` gives it, when the beam holds every prefix, and
    lower bounds otherwise. Everything is in log space. (Graves' prefix search decoding, Graves et
    al. 2006, section 3.2, and Graves 2012, section 7.5, expands the most probable prefix first
    instead of every kept prefix at every frame.)

    ``log_probs`` ``(T, C)``; returns at most ``beam_width`` pairs ``(labels, log_prob)``, a
    tuple of class ids and :math:`\log(p_b + p_{nb})` at the last frame, best first (ties by
    the labels). ``beam_width`` 1 is a valid, greedy search over prefixes. Raises
    ``ValueError`` for a bad ``log_probs`` (as :func:`ctc_greedy_decode`), a ``beam_width`` that
    is not a positive integer, or a ``blank`` that is not a class id.
    """
    log_probs, blank = _checked(log_probs, blank)
    beam_width = require_positive_int("beam_width", beam_width)
    labels = [k for k in range(log_probs.shape[1]) if k != blank]
    beams: dict[tuple[int, ...], tuple[float, float]] = {(): (0.0, -math.inf)}  # prefix: (log p_b, log p_nb)
    pruned: dict[tuple[int, ...], tuple[float, float]] = {}  # the candidates of the last frame left out
    for frame in log_probs.tolist():  # Python floats: scalar arithmetic on NumPy values is far slower
        following: dict[tuple[int, ...], list[float]] = {}  # prefix: [log p_b, log p_nb]

        def add(prefix, end, log_p):  # end 0: the paths end in a blank, 1: in the last label
            entry = following.setdefault(prefix, [-math.inf, -math.inf])
            entry[end] = _log_add(entry[end], log_p)

        for prefix, (p_b, p_nb) in beams.items():
            total = _log_add(p_b, p_nb)
            last = prefix[-1] if prefix else None
            add(prefix, 0, total + frame[blank])
            if prefix:
                add(prefix, 1, p_nb + frame[last])
            for k in labels:
                if frame[k] == -math.inf:  # a label of probability 0 makes no prefix
                    continue
                longer = prefix + (k,)
                add(longer, 1, (p_b if k == last else total) + frame[k])
                if longer in pruned:  # its own paths, which no prefix in the beam carried
                    old_b, old_nb = pruned[longer]
                    add(longer, 0, _log_add(old_b, old_nb) + frame[blank])
                    add(longer, 1, old_nb + frame[k])
        # A prefix no path can reach yet (a repeat with no blank before it) is no candidate.
        ranked = sorted((-_log_add(p_b, p_nb), prefix, p_b, p_nb) for prefix, (p_b, p_nb) in following.items())
        ranked = [item for item in ranked if item[0] < math.inf]
        beams = {prefix: (p_b, p_nb) for _, prefix, p_b, p_nb in ranked[:beam_width]}
        pruned = {prefix: (p_b, p_nb) for _, prefix, p_b, p_nb in ranked[beam_width:]}
    result = [(prefix, _log_add(p_b, p_nb)) for prefix, (p_b, p_nb) in beams.items()]
    return sorted(result, key=lambda item: (-item[1], item[0]))


def _log_add(a: float, b: float) -> float:
    """log(exp(a) + exp(b)) of two Python floats, without overflow or underflow."""
    if a < b:
        a, b = b, a
    if b == -math.inf:
        return a
    return a + math.log1p(math.exp(b - a))


class Hypothesis(NamedTuple):
    """One output sequence of :func:`beam_search` (chapter 6).

    ``tokens``: the ids written, without BOS and EOS; ``log_prob``: the sum of their
    log-probabilities (with EOS's when ``finished``); ``score``: ``log_prob`` normalised for
    length, which ranks the hypotheses; ``finished``: whether the sequence ended in EOS (False:
    cut off at ``max_length``); ``state``: the decoder state after its last token, as ``step``
    returned it.
    """

    tokens: tuple[int, ...]
    log_prob: float
    score: float
    finished: bool
    state: Any


def length_normalised(log_prob: float, length: int, length_penalty: float) -> float:
    r"""A hypothesis's log-probability divided by its length to the power ``length_penalty`` (chapter 6).

    .. math::  \mathrm{score}(Y) = \frac{\log p(Y \mid X)}{|Y|^{\alpha}}

    with :math:`|Y|` counting EOS. Every token multiplies the probability by a number below
    one, so without normalisation (:math:`\alpha = 0`) beam search prefers short outputs;
    :math:`\alpha = 1` ranks by the mean log-probability per token. Wu et al. (2016) divide by
    :math:`((5 + |Y|)/6)^{\alpha}` instead, a gentler penalty for short outputs; the plain
    power is the one Cho et al. (2014) and Koehn and Knowles (2017) discuss. Raises
    ``ValueError`` for a ``length`` that is not a positive integer or a ``length_penalty`` that
    is not a non-negative number.
    """
    require_positive_int("length", length)
    if not is_real(length_penalty) or not length_penalty >= 0:
        raise ValueError(f"length_penalty: expected a non-negative number (0: no normalisation), got {length_penalty!r}")
    return float(log_prob) / length**length_penalty


StepFunction = Callable[[Sequence[int], Sequence[Any]], tuple[np.ndarray, Sequence[Any]]]


def _step_output(step: StepFunction, previous: list[int], states: list, vocab: int | None):
    log_probs, new_states = step(previous, states)
    log_probs = np.asarray(log_probs, dtype=np.float64)
    if log_probs.ndim != 2 or log_probs.shape[0] != len(previous) or (vocab is not None and log_probs.shape[1] != vocab):
        wanted = f"({len(previous)}, {vocab if vocab is not None else 'V'})"
        raise ValueError(f"step: expected log-probabilities of shape {wanted}, one row per hypothesis, got {log_probs.shape}")
    if np.isnan(log_probs).any() or (log_probs > 1e-6).any():
        raise ValueError("step: expected log-probabilities (no NaN, none above 0), got values outside that")
    if len(new_states) != len(previous):
        raise ValueError(f"step: expected {len(previous)} new states, one per hypothesis, got {len(new_states)}")
    return log_probs, list(new_states)


def beam_search(
    step: StepFunction,
    start_states: Sequence[Any],
    bos_id: int,
    eos_id: int,
    beam_width: int = 4,
    max_length: int = 50,
    length_penalty: float = 1.0,
) -> list[list[Hypothesis]]:
    r"""Beam search over a decoder's tokens, for a batch of inputs at once (chapter 6; Sutskever et al. 2014, Graves 2012).

    For each input, the search keeps the ``beam_width`` partial outputs of highest
    log-probability,

    .. math::  \log p(y_1 \dots y_i \mid X) = \sum_{k \le i} \log p(y_k \mid y_{<k}, X),

    extends each by every token, and keeps the ``beam_width`` best extensions that do not end in
    ``eos_id``; those ending in ``eos_id`` that rank above the last one kept leave the beam as
    finished hypotheses, scored by :func:`length_normalised`. The search of an input stops when
    the best finished score is at least what any live one can still reach (its log-probability
    only falls, so its score is at most that log-probability over ``max_length`` tokens); when
    ``beam_width`` hypotheses have finished and the ``beam_width``-th best of them scores at
    least every live one's score as it stands (the usual heuristic: exact for
    ``length_penalty=0``, a guess otherwise, since a live hypothesis's mean can still rise); or
    after ``max_length`` tokens. Live hypotheses left then are returned unfinished.
    ``beam_width=1`` is greedy decoding: the most probable token at each step.

    ``step(previous, states)`` runs the decoder one step for ``n`` hypotheses at once:
    ``previous`` their last tokens (``bos_id`` at the start), ``states`` their decoder states;
    it returns log-probabilities ``(n, V)`` (rows of ``log softmax``) and the ``n`` new states.
    ``start_states`` holds one state per input; a state is whatever ``step`` understands (it
    must know which input a state belongs to). Returns, for each input, its hypotheses best
    first: ``beam_width`` or fewer, finished ones ahead of unfinished ones, equal scores by
    their tokens.

    Raises ``ValueError`` for no ``start_states``, ids that are not distinct non-negative
    integers, a ``beam_width`` or ``max_length`` that is not a positive integer, a bad
    ``length_penalty``, or a ``step`` whose output is not one row of log-probabilities and one
    state per hypothesis.
    """
    if isinstance(start_states, (str, bytes)) or not isinstance(start_states, Sequence) or not start_states:
        raise ValueError(f"start_states: expected a non-empty list with one decoder state per input, got {start_states!r:.60}")
    require_non_negative_int("bos_id", bos_id)
    require_non_negative_int("eos_id", eos_id)
    if bos_id == eos_id:
        raise ValueError(f"eos_id: expected an id other than bos_id ({bos_id}), got {eos_id}")
    beam_width = require_positive_int("beam_width", beam_width)
    max_length = require_positive_int("max_length", max_length)
    length_normalised(0.0, 1, length_penalty)  # checks length_penalty
    # One beam per input: (log_prob, tokens, state); every beam starts from BOS.
    beams = [[(0.0, (), state)] for state in start_states]
    finished: list[list[Hypothesis]] = [[] for _ in start_states]
    vocab = None
    for length in range(1, max_length + 1):
        live = [(b, hyp) for b, beam in enumerate(beams) for hyp in beam]
        if not live:
            break
        previous = [hyp[1][-1] if hyp[1] else bos_id for _, hyp in live]
        log_probs, states = _step_output(step, previous, [hyp[2] for _, hyp in live], vocab)
        vocab = log_probs.shape[1]
        if not 0 <= eos_id < vocab:
            raise ValueError(f"eos_id: expected a token id below the step's vocabulary size {vocab}, got {eos_id}")
        candidates: list[list[tuple[float, tuple[int, ...], int, Any]]] = [[] for _ in beams]
        for row, ((b, (log_prob, tokens, _)), state) in enumerate(zip(live, states)):
            # Its best `beam_width` tokens other than EOS, and EOS, are all that can be kept or finish.
            best = np.argsort(-log_probs[row], kind="stable")[: beam_width + 1]
            for token in best.tolist():
                candidates[b].append((log_prob + log_probs[row, token], tokens, token, state))
        for b, pool in enumerate(candidates):
            pool.sort(key=lambda c: (-c[0], c[1] + (c[2],)))
            beams[b] = []
            for log_prob, tokens, token, state in pool:
                if len(beams[b]) == beam_width or log_prob == -math.inf:
                    break
                if token == eos_id:
                    score = length_normalised(log_prob, length, length_penalty)
                    finished[b].append(Hypothesis(tokens, float(log_prob), score, True, state))
                else:
                    beams[b].append((log_prob, tokens + (token,), state))
            if finished[b] and beams[b]:
                scores = sorted((h.score for h in finished[b]), reverse=True)
                # A live hypothesis's log-probability can only fall, so its score is at best
                # that log-probability spread over max_length tokens: past this, none can win.
                bound = max(lp for lp, _, _ in beams[b]) / max_length**length_penalty
                # Stopping as soon as `beam_width` outputs have ended would return short early
                # endings ahead of a better output still being extended; wait until the
                # `beam_width`-th best of them also beats every live one scored as it stands.
                settled = len(scores) >= beam_width and scores[beam_width - 1] >= max(
                    length_normalised(lp, length, length_penalty) for lp, _, _ in beams[b]
                )
                if scores[0] >= bound or settled:
                    beams[b] = []
    results = []
    for b, beam in enumerate(beams):
        hypotheses = finished[b] + [
            Hypothesis(tokens, float(lp), length_normalised(lp, len(tokens), length_penalty), False, state)
            for lp, tokens, state in beam
        ]
        hypotheses.sort(key=lambda h: (not h.finished, -h.score, h.tokens))
        results.append(hypotheses[:beam_width])
    return results
