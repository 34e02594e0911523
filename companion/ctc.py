r"""Connectionist temporal classification in NumPy: the collapse, the forward-backward algorithm, the loss and its gradient (chapter 6).

CTC (Graves et al. 2006; Graves 2012, chapter 7) lets a network that emits one distribution per
frame be trained on a label sequence shorter than its input, without knowing where each label
is said. The network has one extra class, the *blank*; a frame-level path π of length T is read
by the many-to-one map B, which merges repeats and then drops blanks, and

.. math::  p(\mathbf{l} \mid \mathbf{x}) = \sum_{\pi \in B^{-1}(\mathbf{l})} \prod_{t=1}^{T} y^t_{\pi_t}.

Conventions of the whole module (and of :mod:`companion.decoding`): ``log_probs`` is a ``(T, C)``
float array of per-frame log-probabilities (``log_softmax`` outputs), computed in float64;
class ``blank`` (0 by default, as in ``torch.nn.CTCLoss``) is the blank; ``labels`` is a
sequence of ``U`` integer ids in ``0..C-1`` other than the blank. Everything is computed in
log space (``np.logaddexp``), so nothing underflows however long the input. Time is counted
from 1 in the equations and from 0 in the arrays.

When ``T`` is too short for the labels (fewer than ``U`` plus the number of adjacent repeated
labels, each of which needs a blank between its two copies) no alignment fits:
:func:`ctc_log_likelihood` is ``-inf``, :func:`ctc_loss` is ``+inf`` (as torch's with
``zero_infinity=False``), :func:`count_alignments` is 0, and :func:`ctc_posteriors`,
:func:`ctc_logit_gradient` and :func:`best_alignment` raise ``ValueError``. This module imports
no torch; the tests compare it with ``torch.nn.CTCLoss`` in float64.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from ._checks import is_integer, require_choice

ROW_TOLERANCE = 1e-6  # how far from 0 the logsumexp of a row of log-probabilities may be


# --- argument checks --------------------------------------------------------------------------


def _describe(value) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}, dtype {value.dtype}"
    return f"a {type(value).__name__}"


def _require_log_probs(name: str, log_probs, layout: str = "(time, classes)") -> np.ndarray:
    """``log_probs`` as float64 if it is a float array of the layout's rank with at least one frame and class."""
    rank = layout.count(",") + 1
    if not isinstance(log_probs, np.ndarray) or log_probs.dtype.kind != "f" or log_probs.ndim != rank:
        raise ValueError(f"{name}: expected a {rank}-D float array {layout} of log-probabilities, got {_describe(log_probs)}")
    if 0 in log_probs.shape:
        raise ValueError(f"{name}: expected at least one frame and one class {layout}, got shape {log_probs.shape}")
    return log_probs.astype(np.float64, copy=False)


def _require_rows(name: str, log_probs: np.ndarray, where: str = "") -> None:
    """Raises unless every row is a distribution in log space: no NaN, logsumexp 0 within ``ROW_TOLERANCE``."""
    nan = np.argwhere(np.isnan(log_probs))
    if len(nan):
        raise ValueError(f"{name}: expected log-probabilities, got NaN at frame {int(nan[0][0])}{where}")
    peak = log_probs.max(axis=-1, keepdims=True)
    shift = np.where(np.isfinite(peak), peak, 0.0)  # a row of -inf sums to 0, log 0 = -inf: reported below
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        totals = (np.log(np.exp(log_probs - shift).sum(axis=-1, keepdims=True)) + shift)[..., 0]
    off = np.argwhere(~(np.abs(totals) <= ROW_TOLERANCE))
    if len(off):
        t = int(off[0][0])
        raise ValueError(f"{name}: expected each row to be log-probabilities (logsumexp of a row 0 within "
                         f"{ROW_TOLERANCE:g}), got logsumexp {float(totals[t]):.6g} at frame {t}{where}; pass "
                         "log_softmax(logits), not logits or probabilities")


def _require_blank(blank, num_classes: int | None = None) -> int:
    top = "a non-negative integer class id" if num_classes is None else f"an integer class id in 0..{num_classes - 1}"
    if not is_integer(blank) or blank < 0 or (num_classes is not None and blank >= num_classes):
        raise ValueError(f"blank: expected {top}, got {blank!r}")
    return int(blank)


def _require_ids(name: str, ids, what: str) -> np.ndarray:
    """A sequence (list, tuple or 1-D integer array) of non-negative integers as an int64 array."""
    if isinstance(ids, np.ndarray):
        valid = ids.ndim == 1 and (ids.dtype.kind in "iu" or ids.size == 0)
    else:
        valid = isinstance(ids, (list, tuple)) and all(is_integer(i) for i in ids)
    if not valid:
        raise ValueError(f"{name}: expected {what} (a list, tuple or 1-D integer array), got {_describe(ids)}: {ids!r}")
    array = np.asarray(ids, dtype=np.int64).reshape(-1)
    if array.size and array.min() < 0:
        raise ValueError(f"{name}: expected non-negative integers, got {int(array.min())}")
    return array


def _require_labels(name: str, labels, blank: int, num_classes: int | None = None) -> np.ndarray:
    top = "" if num_classes is None else f" below C = {num_classes}"
    array = _require_ids(name, labels, f"a sequence of integer class ids{top} other than the blank {blank}")
    if num_classes is not None and array.size and array.max() >= num_classes:
        raise ValueError(f"{name}: expected class ids in 0..{num_classes - 1} (C = {num_classes}), got {int(array.max())}")
    if (array == blank).any():
        raise ValueError(f"{name}: expected labels without the blank {blank} (CTC's own symbol, never a label), "
                         f"got {array.tolist()}")
    return array


def _checked(log_probs, labels, blank) -> tuple[np.ndarray, np.ndarray, int]:
    log_probs = _require_log_probs("log_probs", log_probs)
    blank = _require_blank(blank, log_probs.shape[1])
    labels = _require_labels("labels", labels, blank, log_probs.shape[1])
    _require_rows("log_probs", log_probs)
    return log_probs, labels, blank


def _require_alignable(labels: np.ndarray, num_frames: int, what: str) -> None:
    needed = len(labels) + int(np.count_nonzero(labels[1:] == labels[:-1]))  # a blank between equal neighbours
    if num_frames < needed:
        raise ValueError(f"labels: {len(labels)} labels with {needed - len(labels)} adjacent repeats need at least "
                         f"{needed} frames, got T = {num_frames}: no alignment fits, so {what} is undefined")


# --- the collapse and the extended labels -----------------------------------------------------


def ctc_collapse(path: Sequence[int], blank: int = 0) -> list[int]:
    r"""The many-to-one map :math:`B` of CTC (Graves et al. 2006; chapter 6): merge repeated
    neighbours, then drop the blanks.

    .. math::
        B(\pi) = \text{drop blanks}(\text{merge repeats}(\pi))

        B(a\,a\,\epsilon\,b\,b) = ab, \qquad B(a\,\epsilon\,a) = aa

    ``path``: ``T ≥ 0`` class ids (a list, tuple or 1-D integer array); returns the labels as a
    list of ``int``. The order matters: a blank between two equal labels keeps both. Raises
    ``ValueError`` if ``path`` or ``blank`` holds anything but non-negative integers.
    """
    blank = _require_blank(blank)
    path = _require_ids("path", path, "a sequence of integer class ids").tolist()
    merged = [p for i, p in enumerate(path) if i == 0 or p != path[i - 1]]
    return [p for p in merged if p != blank]


def extended_labels(labels: Sequence[int], blank: int = 0) -> np.ndarray:
    r"""The label sequence with a blank before, between and after its labels (Graves et al. 2006; chapter 6).

    .. math::  \mathbf{l}' = (\epsilon, l_1, \epsilon, l_2, \dots, \epsilon, l_U, \epsilon),
               \qquad |\mathbf{l}'| = 2U + 1

    Returns an int64 array of shape ``(2U + 1,)``; the states of the CTC lattice. Raises
    ``ValueError`` if ``labels`` is not a sequence of non-negative integer ids or holds the blank.
    """
    blank = _require_blank(blank)
    return _lattice(_require_labels("labels", labels, blank), blank)[0]


def _lattice(labels: np.ndarray, blank: int) -> tuple[np.ndarray, np.ndarray]:
    """The extended labels and where the skip s-2 → s is allowed: into a label that differs from the one before."""
    extended = np.full(2 * len(labels) + 1, blank, dtype=np.int64)
    extended[1::2] = labels
    skip = np.zeros(len(extended), dtype=bool)
    skip[2:] = (extended[2:] != blank) & (extended[2:] != extended[:-2])
    return extended, skip


# --- forward, backward, likelihood ------------------------------------------------------------


def _forward(log_probs: np.ndarray, extended: np.ndarray, skip: np.ndarray) -> np.ndarray:
    log_y = log_probs[:, extended]  # (T, S)
    alpha = np.full(log_y.shape, -np.inf)
    alpha[0, :2] = log_y[0, :2]
    for t in range(1, len(log_y)):
        previous = alpha[t - 1]
        into = previous.copy()
        into[1:] = np.logaddexp(into[1:], previous[:-1])
        into[2:] = np.where(skip[2:], np.logaddexp(into[2:], previous[:-2]), into[2:])
        alpha[t] = into + log_y[t]
    return alpha


def _backward(log_probs: np.ndarray, extended: np.ndarray, skip: np.ndarray) -> np.ndarray:
    log_y = log_probs[:, extended]  # (T, S)
    beta = np.full(log_y.shape, -np.inf)
    beta[-1, -2:] = log_y[-1, -2:]
    for t in range(len(log_y) - 2, -1, -1):
        following = beta[t + 1]
        out = following.copy()
        out[:-1] = np.logaddexp(out[:-1], following[1:])
        out[:-2] = np.where(skip[2:], np.logaddexp(out[:-2], following[2:]), out[:-2])
        beta[t] = out + log_y[t]
    return beta


def ctc_forward(log_probs: np.ndarray, labels: Sequence[int], blank: int = 0) -> np.ndarray:
    r"""The CTC forward variables in log space, :math:`\log \alpha_t(s)` (Graves et al. 2006, section 4.1; chapter 6).

    .. math::
        \alpha_1(1) &= y^1_\epsilon, \quad \alpha_1(2) = y^1_{l_1}, \quad \alpha_1(s) = 0 \ (s > 2),

        \alpha_t(s) &= y^t_{l'_s} \Big(\alpha_{t-1}(s) + \alpha_{t-1}(s-1)
                       + [\,l'_s \ne \epsilon,\ l'_s \ne l'_{s-2}\,]\ \alpha_{t-1}(s-2)\Big)

    :math:`\alpha_t(s)`, the probability of the first ``t`` frames of the paths in state
    :math:`s` of :math:`\mathbf{l}'` at frame ``t``, *includes* :math:`y^t_{l'_s}`. No skip into
    a blank, nor between two equal labels (they need a blank between them). ``log_probs``
    ``(T, C)``; returns ``(T, 2U + 1)``, ``-inf`` where no path reaches. Raises ``ValueError`` if
    ``log_probs`` is not a 2-D float array of log-probabilities (NaN, or a row's logsumexp off 0
    by more than 1e-6), or ``labels`` holds the blank, negative, non-integer or too large ids.
    """
    log_probs, labels, blank = _checked(log_probs, labels, blank)
    return _forward(log_probs, *_lattice(labels, blank))


def ctc_backward(log_probs: np.ndarray, labels: Sequence[int], blank: int = 0) -> np.ndarray:
    r"""The CTC backward variables in log space, :math:`\log \beta_t(s)` (Graves et al. 2006, section 4.1; chapter 6).

    .. math::
        \beta_T(|\mathbf{l}'|) &= y^T_\epsilon, \quad \beta_T(|\mathbf{l}'| - 1) = y^T_{l_U},

        \beta_t(s) &= y^t_{l'_s} \Big(\beta_{t+1}(s) + \beta_{t+1}(s+1)
                      + [\,l'_s \ne \epsilon,\ l'_{s+2} \ne l'_s\,]\ \beta_{t+1}(s+2)\Big)

    Graves' convention: :math:`\beta_t(s)` includes :math:`y^t_{l'_s}` as :math:`\alpha_t(s)`
    does, so that for every ``t``

    .. math::  p(\mathbf{l} \mid \mathbf{x}) = \sum_s \frac{\alpha_t(s)\,\beta_t(s)}{y^t_{l'_s}}.

    Shapes and Raises as :func:`ctc_forward`.
    """
    log_probs, labels, blank = _checked(log_probs, labels, blank)
    return _backward(log_probs, *_lattice(labels, blank))


def _log_likelihood(alpha: np.ndarray) -> float:
    return float(np.logaddexp.reduce(alpha[-1, -2:]))


def ctc_log_likelihood(log_probs: np.ndarray, labels: Sequence[int], blank: int = 0) -> float:
    r""":math:`\log p(\mathbf{l} \mid \mathbf{x})` by the forward algorithm (Graves et al. 2006, section 4.1; chapter 6).

    .. math::  p(\mathbf{l} \mid \mathbf{x}) = \alpha_T(|\mathbf{l}'|) + \alpha_T(|\mathbf{l}'| - 1)

    (a path ends on the last label or on the blank after it). ``-inf`` when ``T`` is too short
    for the labels. Raises ``ValueError`` as :func:`ctc_forward`.
    """
    return _log_likelihood(ctc_forward(log_probs, labels, blank))


def ctc_loss(log_probs: np.ndarray, labels: Sequence[int], blank: int = 0) -> float:
    r"""The CTC loss of one sequence, :math:`-\log p(\mathbf{l} \mid \mathbf{x})` (Graves et al. 2006, section 4.2; chapter 6).

    A float; ``+inf`` when no alignment fits, as ``torch.nn.CTCLoss(reduction="sum")`` of one
    sequence with ``zero_infinity=False``. Raises ``ValueError`` as :func:`ctc_forward`.
    """
    return -ctc_log_likelihood(log_probs, labels, blank)


def _require_lengths(name: str, lengths, batch: int, low: int, high: int | None) -> np.ndarray:
    array = _require_ids(name, lengths, f"{batch} integer lengths, one per sequence")
    if len(array) != batch:
        raise ValueError(f"{name}: expected {batch} lengths (one per sequence of the batch), got {len(array)}")
    if array.min() < low or (high is not None and array.max() > high):
        span = f"{low} or more" if high is None else f"{low}..{high}"
        raise ValueError(f"{name}: expected every length in {span}, got min {int(array.min())}, max {int(array.max())}")
    return array


def ctc_loss_batch(log_probs: np.ndarray, targets: np.ndarray, input_lengths, target_lengths,
                   blank: int = 0, reduction: str = "mean"):
    r"""The CTC loss of a padded batch with ``torch.nn.CTCLoss``'s semantics (chapter 6).

    .. math::  L_b = -\log p(\mathbf{l}_b \mid \mathbf{x}_b), \qquad
               \text{mean} = \frac{1}{B} \sum_b \frac{L_b}{\max(U_b, 1)}

    ``log_probs`` ``(T, B, C)``; ``targets`` ``(B, S)`` padded (the first ``target_lengths[b]``
    of row ``b``) or 1-D, the label sequences concatenated; ``input_lengths`` in ``1..T`` (later
    frames are ignored). ``reduction``: ``"none"`` returns the ``(B,)`` losses, ``"sum"`` their
    sum, ``"mean"`` each divided by its target length clamped to ≥ 1, then averaged over the
    batch. A loss is ``+inf`` where no alignment fits (``zero_infinity=False``). Raises
    ``ValueError`` for a bad ``log_probs`` (as :func:`ctc_forward`, on the frames within the
    input lengths), targets of neither layout or with bad ids, lengths that do not fit, a bad
    ``blank`` or ``reduction``.
    """
    log_probs = _require_log_probs("log_probs", log_probs, "(time, batch, classes)")
    require_choice("reduction", reduction, ("none", "mean", "sum"))
    steps, batch, classes = log_probs.shape
    blank = _require_blank(blank, classes)
    input_lengths = _require_lengths("input_lengths", input_lengths, batch, 1, steps)
    target_lengths = _require_lengths("target_lengths", target_lengths, batch, 0, None)
    if not isinstance(targets, np.ndarray) or targets.dtype.kind not in "iu" or targets.ndim not in (1, 2):
        raise ValueError(f"targets: expected an integer array (batch, S) padded or 1-D concatenated, got {_describe(targets)}")
    if targets.ndim == 2 and (targets.shape[0] != batch or target_lengths.max() > targets.shape[1]):
        raise ValueError(f"targets: expected shape ({batch}, S) with S ≥ the longest target length "
                         f"{int(target_lengths.max())}, got shape {targets.shape}")
    if targets.ndim == 1 and len(targets) != target_lengths.sum():
        raise ValueError(f"targets: expected the {int(target_lengths.sum())} labels of the batch concatenated "
                         f"(the sum of target_lengths), got {len(targets)}")
    starts = np.concatenate([[0], np.cumsum(target_lengths)[:-1]])
    losses = np.empty(batch)
    for b in range(batch):
        where = f" of sequence {b}"
        labels = targets[b, :target_lengths[b]] if targets.ndim == 2 else targets[starts[b]:starts[b] + target_lengths[b]]
        try:
            labels = _require_labels("targets", labels, blank, classes)
        except ValueError as error:
            raise ValueError(f"{error}{where}") from None
        frames = log_probs[:input_lengths[b], b]
        _require_rows("log_probs", frames, where)
        losses[b] = -_log_likelihood(_forward(frames, *_lattice(labels, blank)))
    if reduction == "none":
        return losses
    if reduction == "sum":
        return float(losses.sum())
    return float((losses / np.maximum(target_lengths, 1)).mean())


# --- posteriors and the gradient --------------------------------------------------------------


def ctc_posteriors(log_probs: np.ndarray, labels: Sequence[int], blank: int = 0) -> np.ndarray:
    r"""The posterior of each class at each frame given the labels, :math:`\gamma_t(k)` (Graves et al. 2006, section 4.2; chapter 6).

    .. math::  \gamma_t(k) = \frac{1}{p(\mathbf{l} \mid \mathbf{x})} \sum_{s:\, l'_s = k}
               \frac{\alpha_t(s)\,\beta_t(s)}{y^t_k}

    the probability that a path of the labels emits ``k`` at frame ``t``: the "spikes" plotted in
    the chapter. Returns probabilities ``(T, C)``, each row summing to 1. Raises ``ValueError``
    as :func:`ctc_forward`, and when no alignment has a non-zero probability (``T`` too short).
    """
    log_probs, labels, blank = _checked(log_probs, labels, blank)
    _require_alignable(labels, len(log_probs), "the posterior")
    extended, skip = _lattice(labels, blank)
    alpha, beta = _forward(log_probs, extended, skip), _backward(log_probs, extended, skip)
    log_p = _log_likelihood(alpha)
    if log_p == -np.inf:
        raise ValueError("log_probs: no alignment of the labels has a non-zero probability (p(l|x) = 0), "
                         "so the posterior is undefined")
    log_y = log_probs[:, extended]
    # Where y = 0 no path passes, so the term is 0; -inf - -inf would be NaN.
    terms = np.where(np.isfinite(log_y), alpha + beta - np.where(np.isfinite(log_y), log_y, 0.0), -np.inf) - log_p
    log_gamma = np.full(log_probs.shape, -np.inf)
    steps = np.arange(len(log_probs))[:, None]
    np.logaddexp.at(log_gamma, (np.broadcast_to(steps, terms.shape), np.broadcast_to(extended, terms.shape)), terms)
    return np.exp(log_gamma)


def ctc_logit_gradient(log_probs: np.ndarray, labels: Sequence[int], blank: int = 0) -> np.ndarray:
    r"""The gradient of the CTC loss with respect to the logits, :math:`y^t_k - \gamma_t(k)` (Graves et al. 2006, section 4.2; chapter 6).

    .. math::  \frac{\partial (-\log p(\mathbf{l} \mid \mathbf{x}))}{\partial u^t_k}
               = y^t_k - \frac{1}{p(\mathbf{l} \mid \mathbf{x})} \sum_{s:\, l'_s = k}
               \frac{\alpha_t(s)\,\beta_t(s)}{y^t_k}

    for ``log_probs = log_softmax(u)``: the softmax minus the posterior of
    :func:`ctc_posteriors`. Returns ``(T, C)``; each row sums to 0. Raises ``ValueError`` as
    :func:`ctc_posteriors`.
    """
    gamma = ctc_posteriors(log_probs, labels, blank)
    return np.exp(np.asarray(log_probs, dtype=np.float64)) - gamma


# --- counting alignments and the best one -----------------------------------------------------


def count_alignments(num_frames: int, labels: Sequence[int], blank: int = 0) -> int:
    r"""The number of frame-level paths of length ``T`` that collapse to the labels, :math:`|B^{-1}(\mathbf{l})|` (chapter 6).

    The forward recursion of :func:`ctc_forward` with every :math:`y^t_k = 1`, in Python
    integers (exact, no overflow):

    .. math::
        N_t(s) = N_{t-1}(s) + N_{t-1}(s-1) + [\,l'_s \ne \epsilon,\ l'_s \ne l'_{s-2}\,]\ N_{t-1}(s-2)

        |B^{-1}(\mathbf{l})| = N_T(2U+1) + N_T(2U)

    In closed form, with :math:`r` adjacent repeated labels, :math:`\binom{T + U - r}{2U}`: a path
    is U label runs of ≥ 1 frame and U + 1 blank runs, the r between equal labels of ≥ 1 frame.
    0 when ``T`` is too short. Only which neighbouring labels are equal matters. Raises
    ``ValueError`` if ``num_frames`` is not a positive integer or ``labels`` not a sequence of
    non-negative integer ids without the blank.
    """
    if not is_integer(num_frames) or num_frames < 1:
        raise ValueError(f"num_frames: expected a positive integer (the number of frames T), got {num_frames!r}")
    blank = _require_blank(blank)
    labels = _require_labels("labels", labels, blank)
    extended, skip = _lattice(labels, blank)
    counts = [int(s < 2) for s in range(len(extended))]  # N_1: a path starts on the blank or the first label
    for _ in range(int(num_frames) - 1):
        counts = [counts[s] + (counts[s - 1] if s >= 1 else 0) + (counts[s - 2] if skip[s] else 0)
                  for s in range(len(extended))]
    return sum(counts[-2:])


def best_alignment(log_probs: np.ndarray, labels: Sequence[int], blank: int = 0) -> tuple[list[int], float]:
    r"""The single most probable path that collapses to the labels, by Viterbi over the CTC lattice (chapter 6).

    .. math::
        \pi^* = \operatorname*{arg\,max}_{\pi \in B^{-1}(\mathbf{l})} \prod_t y^t_{\pi_t}

        \delta_t(s) = y^t_{l'_s} \max\big(\delta_{t-1}(s), \delta_{t-1}(s-1),
        [\text{skip}]\ \delta_{t-1}(s-2)\big)

    the recursion of :func:`ctc_forward` with the sum replaced by a maximum: the alignment the
    trained model chose. Returns ``(path, log_prob)``: ``T`` class ids and :math:`\log \prod_t y^t_{\pi^*_t}`;
    ties go to staying in a state, then to ending on the blank. Raises ``ValueError`` as
    :func:`ctc_posteriors` (``T`` too short, or no path of non-zero probability).
    """
    log_probs, labels, blank = _checked(log_probs, labels, blank)
    _require_alignable(labels, len(log_probs), "the best alignment")
    extended, skip = _lattice(labels, blank)
    log_y = log_probs[:, extended]
    steps, states = log_y.shape
    delta = np.full(states, -np.inf)
    delta[:2] = log_y[0, :2]
    back = np.zeros((steps, states), dtype=np.int64)  # how many states back each state came from
    for t in range(1, steps):
        candidates = np.full((3, states), -np.inf)
        candidates[0] = delta
        candidates[1, 1:] = delta[:-1]
        candidates[2, 2:] = np.where(skip[2:], delta[:-2], -np.inf)
        back[t] = candidates.argmax(axis=0)
        delta = candidates.max(axis=0) + log_y[t]
    state = states - 1 if states == 1 or delta[-1] >= delta[-2] else states - 2
    log_prob = float(delta[state])
    if log_prob == -np.inf:
        raise ValueError("log_probs: no alignment of the labels has a non-zero probability, so none is best")
    path = [0] * steps
    for t in range(steps - 1, -1, -1):
        path[t] = int(extended[state])
        state -= int(back[t, state])
    return path, log_prob
