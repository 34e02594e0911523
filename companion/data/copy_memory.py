r"""The copy-memory task: read ten symbols, wait, then write them out again (chapter 5).

Arjovsky, Shah & Bengio (2016, "Unitary evolution recurrent neural networks") define it over
ten categories: eight symbols, a blank and a delimiter. With :math:`T` = ``delay`` a sequence
has :math:`T + 20` steps:

.. math::
    \text{input:}\quad & s_1 \dots s_{10}\ \underbrace{\_\ \dots\ \_}_{T-1}\ \ :\ \
    \underbrace{\_\ \dots\ \_}_{10}

    \text{target:}\quad & \underbrace{\_\ \dots\ \_}_{T+10}\ s_1 \dots s_{10}

with :math:`s_i` drawn uniformly and independently from the eight symbols, ``_`` the blank and
``:`` the delimiter. The network must output blanks until it has read the delimiter, then the
ten symbols in their order: it has to carry them for :math:`T + 10` steps. The ids are those of
the authors' code: 0 is the blank, 1 to 8 the symbols, 9 the delimiter (the paper names the
categories :math:`a_0, \dots, a_9` and may number them otherwise, a draft of it putting the
blank at :math:`a_8`; only the roles matter).

A network that remembers nothing does best by answering blank with certainty for the first
:math:`T + 10` steps and a uniform guess over the eight symbols for the last ten; its mean
cross-entropy per step is the baseline :math:`10 \ln 8 / (T + 20)`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from .._checks import require_non_negative_int, require_positive_int
from .._validate import describe_shape, require_floating_dtype, require_tensor

#: The id of the blank.
BLANK = 0
#: The id of the delimiter that asks for the symbols back.
DELIMITER = 9
#: The ids of the eight symbols to copy.
SYMBOLS = tuple(range(1, 9))
#: The number of categories: blank, eight symbols, delimiter.
NUM_CATEGORIES = 10
#: How many symbols are shown, and asked back.
COPY_LENGTH = 10


@dataclass(frozen=True)
class CopyMemoryData:
    """A batch of copy-memory sequences, time-major (chapter 5).

    ``inputs`` and ``targets`` are ``(T + 20, N)`` integer ids (``torch.int64``): 0 the blank,
    1 to 8 the symbols, 9 the delimiter. Use :func:`copy_memory_one_hot` for one-hot inputs, or
    let the model embed the ids.
    """

    inputs: torch.Tensor
    targets: torch.Tensor
    copy_length: int = COPY_LENGTH

    num_categories = NUM_CATEGORIES

    @property
    def delay(self) -> int:
        """:math:`T`: the sequences have :math:`T + 2K` steps, :math:`K` = ``copy_length`` (10 in the paper)."""
        return self.inputs.shape[0] - 2 * self.copy_length

    def __len__(self) -> int:
        return self.inputs.shape[1]

    def batch(self, index: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(inputs, targets)`` of the sequences at ``index`` (a 1-D tensor of positions)."""
        return self.inputs[:, index], self.targets[:, index]


def generate_copy_memory(
    size: int, delay: int, seed: int = 0, device=None, copy_length: int = COPY_LENGTH
) -> CopyMemoryData:
    r"""``size`` sequences of the copy-memory task of Arjovsky et al. (2016) with :math:`T` = ``delay`` (chapter 5).

    .. math::
        x &= (s_1, \dots, s_{10}, \underbrace{0, \dots, 0}_{T-1}, 9, \underbrace{0, \dots, 0}_{10}),

        y &= (\underbrace{0, \dots, 0}_{T+10}, s_1, \dots, s_{10}),
        \qquad s_i \sim U\{1, \dots, 8\}

    Returns :class:`CopyMemoryData` with ``(T + 20, size)`` int64 ids on ``device``. The same
    ``seed`` gives the same data on every platform (NumPy's PCG64 generator). ``copy_length``
    :math:`K` shows and asks back :math:`K` symbols instead of the paper's 10 (the sequences
    then have :math:`T + 2K` steps): a shorter task, for a small budget. Raises ``ValueError``
    if ``size``, ``delay`` or ``copy_length`` is not a positive integer or ``seed`` not a
    non-negative integer.
    """
    require_positive_int("size", size)
    require_positive_int("delay", delay)
    require_non_negative_int("seed", seed)
    require_positive_int("copy_length", copy_length)
    rng = np.random.default_rng(seed)
    symbols = rng.integers(SYMBOLS[0], SYMBOLS[-1] + 1, (copy_length, size))
    steps = delay + 2 * copy_length
    inputs = np.full((steps, size), BLANK, dtype=np.int64)
    inputs[:copy_length] = symbols
    inputs[copy_length + delay - 1] = DELIMITER
    targets = np.full((steps, size), BLANK, dtype=np.int64)
    targets[-copy_length:] = symbols
    return CopyMemoryData(
        inputs=torch.from_numpy(inputs).to(device), targets=torch.from_numpy(targets).to(device), copy_length=copy_length
    )


def copy_memory_one_hot(ids: torch.Tensor, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    r"""The one-hot vectors of copy-memory ids: ``(..., 10)`` of ``dtype`` for ids ``(...)`` (chapter 5).

    .. math::  \mathrm{onehot}(k)_j = [\, j = k \,], \qquad j = 0, \dots, 9

    Raises ``ValueError`` if ``ids`` is not an integer tensor with values in 0..9, or ``dtype``
    is not a floating-point dtype.
    """
    _require_ids("ids", ids)
    require_floating_dtype("dtype", dtype)
    return F.one_hot(ids.long(), NUM_CATEGORIES).to(dtype)


def copy_memory_baseline(delay: int, copy_length: int = COPY_LENGTH) -> float:
    r"""The mean cross-entropy per step of the memoryless strategy, :math:`10 \ln 8 / (T + 20)` (chapter 5).

    .. math::
        -\frac{1}{T + 20} \sum_{t=1}^{T+20} \ln p_t(y_t)
        = -\frac{1}{T + 20} \sum_{t=T+11}^{T+20} \ln \tfrac18 = \frac{10 \ln 8}{T + 20}

    (Arjovsky et al. 2016): certainty of a blank for the first :math:`T + 10` steps costs
    nothing, a uniform guess over the eight symbols costs :math:`\ln 8` at each of the last ten.
    A model learns something only below this line. With ``copy_length`` :math:`K` it is
    :math:`K \ln 8 / (T + 2K)`. Raises ``ValueError`` if ``delay`` or ``copy_length`` is not a
    positive integer.
    """
    require_positive_int("delay", delay)
    require_positive_int("copy_length", copy_length)
    return copy_length * math.log(len(SYMBOLS)) / (delay + 2 * copy_length)


def copy_memory_accuracy(outputs: torch.Tensor, targets: torch.Tensor, copy_length: int = COPY_LENGTH) -> float:
    r"""The fraction of the ten recalled symbols that are right, over the last ten steps (chapter 5).

    .. math::  \frac{1}{10 N} \sum_{i=1}^{N} \sum_{t=T+11}^{T+20} [\, \hat y_{t,i} = y_{t,i} \,]

    ``targets`` are ``(T + 20, N)`` ids; ``outputs`` are either the model's scores ``(T + 20, N,
    C)`` (floating point; the prediction is the arg-max over the ``C`` categories) or predicted
    ids ``(T + 20, N)`` (integers). The blank steps are left out: a model answering blank
    everywhere would otherwise score :math:`(T + 10)/(T + 20)`. ``copy_length`` :math:`K`
    scores the last :math:`K` steps instead of 10. Raises ``ValueError`` for targets that are
    not ids, for outputs of another shape, for fewer than :math:`K` steps, or a ``copy_length``
    that is not a positive integer.
    """
    _require_ids("targets", targets)
    require_tensor("outputs", outputs)
    require_positive_int("copy_length", copy_length)
    if targets.dim() != 2 or targets.shape[0] < copy_length:
        raise ValueError(
            f"targets: expected a 2-D tensor (time, batch) of at least {copy_length} steps, "
            f"got shape {describe_shape(targets)}"
        )
    if outputs.is_floating_point() and outputs.dim() == 3 and outputs.shape[:2] == targets.shape:
        predictions = outputs.detach().argmax(dim=-1)
    elif not outputs.is_floating_point() and outputs.dtype != torch.bool and outputs.shape == targets.shape:
        predictions = outputs
    else:
        shape = describe_shape(targets)[1:-1]
        raise ValueError(
            f"outputs: expected scores ({shape}, categories) of a floating dtype or ids ({shape}) "
            f"of an integer dtype, got shape {describe_shape(outputs)} of dtype {outputs.dtype}"
        )
    hits = predictions[-copy_length:] == targets[-copy_length:]
    return float(hits.double().mean())


def _require_ids(name: str, ids) -> None:
    require_tensor(name, ids)
    if ids.is_floating_point() or ids.is_complex() or ids.dtype == torch.bool:
        raise ValueError(f"{name}: expected an integer tensor of category ids, got dtype {ids.dtype}")
    if ids.numel() and (int(ids.min()) < 0 or int(ids.max()) >= NUM_CATEGORIES):
        raise ValueError(
            f"{name}: expected ids in 0..{NUM_CATEGORIES - 1}, got min {int(ids.min())}, max {int(ids.max())}"
        )
