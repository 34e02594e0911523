r"""Decoding: from per-frame distributions to a label sequence, by best path and by CTC prefix beam search (chapter 6).

A network trained with CTC (:mod:`companion.ctc`) gives a distribution over the ``C`` classes
(the blank among them) at each of ``T`` frames; decoding looks for the most probable labelling

.. math::  \mathbf{l}^* = \operatorname*{arg\,max}_{\mathbf{l}} p(\mathbf{l} \mid \mathbf{x})
           = \operatorname*{arg\,max}_{\mathbf{l}} \sum_{\pi \in B^{-1}(\mathbf{l})} \prod_t y^t_{\pi_t},

which in general cannot be found exactly in reasonable time (Graves et al. 2006, section 3.2).
:func:`ctc_greedy_decode` takes the most probable *path* instead; :func:`ctc_prefix_beam_search`
keeps the ``beam_width`` most probable *prefixes* frame by frame, summing the paths of each.
The CTC functions are named ``ctc_*``; the greedy and beam search of sequence-to-sequence
decoders will live here too. NumPy only: this module imports no torch. ``log_probs`` is a
``(T, C)`` float array of log-probabilities, ``blank`` the blank's class id (0 by default).
"""
from __future__ import annotations

import math

import numpy as np

from ._checks import require_positive_int
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
