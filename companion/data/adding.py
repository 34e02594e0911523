r"""The adding problem, a generated task with two values to carry over a long delay (chapter 5).

Every step of a sequence is a pair (value, marker). Two pairs are marked; the target, asked for
after the last step, is computed from the two marked values, so a network must notice each
marked value when it passes and carry it to the end. Two variants are in use:

* ``"original"`` (Hochreiter & Schmidhuber 1997, experiment 4 of "Long short-term memory"):
  values uniform in :math:`[-1, 1]`, markers in :math:`\{-1, 0, 1\}`, lengths drawn between
  :math:`T` and :math:`T + T/10`, target :math:`0.5 + (X_1 + X_2)/4` in :math:`[0, 1]`; a
  sequence counts as solved when the absolute error at its end is below 0.04.
* ``"modern"`` (the variant of Le, Jaitly & Hinton 2015 and Arjovsky, Shah & Bengio 2016 that
  later papers use): values uniform in :math:`[0, 1]`, markers in :math:`\{0, 1\}`, length
  exactly :math:`T`, target :math:`X_1 + X_2`, scored by the mean squared error against the
  baseline of always answering 1, whose expected MSE is
  :math:`\operatorname{Var}(X_1 + X_2) = 2 \cdot \tfrac{1}{12} = \tfrac16`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .._checks import require_choice, require_non_negative_int, require_positive_int
from .._validate import describe_shape, require_floating, require_floating_dtype, require_tensor

#: The two variants :func:`generate_adding` draws.
ADDING_VARIANTS = ("original", "modern")
#: Hochreiter & Schmidhuber (1997): "a sequence was processed correctly if the absolute error at
#: the sequence end is below 0.04" (chapter 5).
ADDING_TOLERANCE = 0.04
#: The expected squared error of always answering 1 on the modern variant,
#: Var(X1 + X2) = 2 · 1/12 = 1/6 (chapter 5).
ADDING_BASELINE_MSE = 1.0 / 6.0
# The original variant's first mark falls among the first ten pairs, so its sequences need at
# least eleven pairs for the final pair (marker -1) to lie beyond them.
MIN_ORIGINAL_LENGTH = 11


@dataclass(frozen=True)
class AddingData:
    """A batch of adding-problem sequences, time-major (chapter 5).

    ``inputs`` ``(T_max, N, 2)`` hold the pairs (value, marker) of ``N`` sequences, zero-padded
    after each sequence's end; ``targets`` ``(N,)`` the answer wanted after the last step;
    ``lengths`` ``(N,)`` the number of steps of each sequence (all ``T`` in the modern variant,
    ``T`` to ``T + T // 10`` in the original one); ``variant`` is ``"original"`` or ``"modern"``.
    """

    inputs: torch.Tensor
    targets: torch.Tensor
    lengths: torch.Tensor
    variant: str

    input_size = 2

    def __len__(self) -> int:
        return self.inputs.shape[1]

    def batch(self, index: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``(inputs, targets, lengths)`` of the sequences at ``index`` (a 1-D tensor of positions)."""
        return self.inputs[:, index], self.targets[index], self.lengths[index]


def generate_adding(
    size: int,
    length: int,
    variant: str = "modern",
    seed: int = 0,
    dtype: torch.dtype = torch.float32,
    device=None,
) -> AddingData:
    r"""``size`` sequences of the adding problem with about ``length`` steps (chapter 5).

    With :math:`T` = ``length``, :math:`v_t` the value and :math:`m_t` the marker of step
    :math:`t` (counted from 0), and :math:`p_1, p_2` the two marked steps:

    .. math::
        \text{modern:}\quad & v_t \sim U[0, 1],\ \ y = v_{p_1} + v_{p_2},

        & p_1 \sim U\{0, \dots, \lfloor T/2 \rfloor - 1\},\ \ p_2 \sim U\{\lfloor T/2 \rfloor, \dots, T - 1\};

        \text{original:}\quad & v_t \sim U[-1, 1],\ \ y = 0.5 + \frac{X_1 + X_2}{4},

        & L \sim U\{T, \dots, T + \lfloor T/10 \rfloor\},\ \ p_1 \sim U\{0, \dots, 9\}

    In the modern variant (as the code of Arjovsky et al. 2016 draws it) one marker lies in each
    half of the sequence, :math:`m_t = 1` at the two marks and 0 elsewhere. In the original
    variant each sequence has its own length :math:`L`, :math:`p_2` is drawn uniformly among
    the first :math:`\lfloor T/2 \rfloor - 1` pairs that are still unmarked, :math:`m_t = 1` at
    the two marks, :math:`-1` at the first and last pair when they are not marked, 0 elsewhere;
    :math:`X_i = v_{p_i}`, except that a mark on the first pair gets the value 0 ("X1 is set to
    zero in the rare case where the first pair of the sequence got marked"; the paper's rule
    for :math:`X_1`, applied here to :math:`X_2` as well), so that in both variants the target
    is computed from the values the network sees at the two steps with :math:`m_t = 1`.

    Returns :class:`AddingData` with inputs ``(T_max, size, 2)`` of ``dtype`` on ``device``,
    zero after each sequence's end. The same ``seed`` gives the same data on every platform
    (NumPy's PCG64 generator). Raises ``ValueError`` if ``size`` is not a positive integer,
    ``length`` not an integer of at least 2 (modern) or 11 (original: the first ten pairs and
    the last must differ), ``variant`` not one of ``"original"``, ``"modern"``, ``seed`` not a
    non-negative integer, or ``dtype`` not a floating-point dtype.
    """
    require_positive_int("size", size)
    require_choice("variant", variant, ADDING_VARIANTS)
    shortest = MIN_ORIGINAL_LENGTH if variant == "original" else 2
    if require_positive_int("length", length) < shortest:
        raise ValueError(
            f"length: expected an integer of at least {shortest} for the {variant} variant, got {length!r}"
        )
    require_non_negative_int("seed", seed)
    require_floating_dtype("dtype", dtype)
    rng = np.random.default_rng(seed)
    make = _original if variant == "original" else _modern
    inputs, targets, lengths = make(rng, size, length)
    return AddingData(
        inputs=torch.from_numpy(inputs).to(device=device, dtype=dtype),
        targets=torch.from_numpy(targets).to(device=device, dtype=dtype),
        lengths=torch.from_numpy(lengths).to(device=device),
        variant=variant,
    )


def _modern(rng: np.random.Generator, size: int, length: int):
    half = length // 2
    inputs = np.zeros((length, size, 2))
    inputs[:, :, 0] = rng.uniform(0.0, 1.0, (length, size))
    columns = np.arange(size)
    first = rng.integers(0, half, size)
    second = rng.integers(half, length, size)
    inputs[first, columns, 1] = 1.0
    inputs[second, columns, 1] = 1.0
    targets = inputs[first, columns, 0] + inputs[second, columns, 0]
    return inputs, targets, np.full(size, length, dtype=np.int64)


def _original(rng: np.random.Generator, size: int, length: int):
    lengths = rng.integers(length, length + length // 10 + 1, size)
    longest = int(lengths.max())
    steps = np.arange(longest)[:, None]
    inside = steps < lengths[None, :]  # (T_max, N)
    inputs = np.zeros((longest, size, 2))
    inputs[:, :, 0] = np.where(inside, rng.uniform(-1.0, 1.0, (longest, size)), 0.0)
    columns = np.arange(size)
    first = rng.integers(0, 10, size)
    # The k-th unmarked pair is pair k before the first mark and pair k + 1 from it on.
    k = rng.integers(0, length // 2 - 1, size)
    second = k + (k >= first)
    markers = np.zeros((longest, size))
    markers[0] = -1.0
    markers[lengths - 1, columns] = -1.0
    markers[first, columns] = 1.0
    markers[second, columns] = 1.0
    inputs[:, :, 1] = markers
    inputs[0, (first == 0) | (second == 0), 0] = 0.0
    targets = 0.5 + (inputs[first, columns, 0] + inputs[second, columns, 0]) / 4.0
    return inputs, targets, lengths.astype(np.int64)



def adding_solved_fraction(
    predictions: torch.Tensor, targets: torch.Tensor, tolerance: float = ADDING_TOLERANCE
) -> float:
    r"""The fraction of sequences answered within ``tolerance``: Hochreiter & Schmidhuber's criterion (chapter 5).

    .. math::  \frac{1}{N} \sum_{i=1}^{N} \bigl[\, |\hat y_i - y_i| < \varepsilon \,\bigr],
        \qquad \varepsilon = 0.04

    ``predictions`` and ``targets`` are floating-point tensors of the same shape (``(N,)``, one
    answer per sequence). Raises ``ValueError`` if either is not a floating-point tensor, if
    their shapes differ or are empty, or if ``tolerance`` is not a positive number.
    """
    require_tensor("predictions", predictions)
    require_tensor("targets", targets)
    require_floating("predictions", predictions)
    require_floating("targets", targets)
    if predictions.shape != targets.shape or predictions.numel() == 0:
        raise ValueError(
            "predictions: expected the (non-empty) shape of targets "
            f"{describe_shape(targets)}, got {describe_shape(predictions)}"
        )
    if isinstance(tolerance, bool) or not isinstance(tolerance, (int, float)) or not tolerance > 0:
        raise ValueError(f"tolerance: expected a positive number, got {tolerance!r}")
    errors = (predictions.detach() - targets.detach()).abs()
    return float((errors < tolerance).double().mean())
