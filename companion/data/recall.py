r"""A generated task with a long-term dependency: recall the first symbol after a delay (chapter 3).

Each sequence starts with one of ``num_symbols`` symbols, marked by a flag that says "remember
this", and continues with ``delay`` steps of noise. The target, asked for after the last step,
is the first symbol. Every input vector has ``num_symbols + 1`` entries:

.. math::
    x_1 &= [\mathrm{onehot}(s);\ 1],

    x_t &= [\varepsilon_t;\ 0], \quad \varepsilon_t \sim \mathcal N(0, \sigma^2 I) \quad (t = 2, \dots, k+1),

    y &= s

with :math:`s` drawn uniformly from :math:`\{0, \dots, K-1\}`, :math:`K` = ``num_symbols``,
:math:`k` = ``delay`` and :math:`\sigma` = ``noise_scale``. The noise arrives on the same input
lines as the symbol, so a network cannot simply learn to ignore those lines; it says nothing
about the target, so a network does better than chance, :math:`1/K`, only by carrying what it
read at step 1 through the :math:`k` steps that follow: the information needed lies :math:`k`
steps back. It is the lecture's memory cell turned into a learning task: the flag plays the
part of the "write" input, and the read-out comes at the end.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from .._checks import require_non_negative_int, require_positive_int


@dataclass(frozen=True)
class RecallData:
    """A batch of recall sequences, time-major (chapter 3).

    ``inputs`` ``(T, N, num_symbols + 1)`` are the input vectors (``T = delay + 1`` steps,
    ``N`` sequences; the last entry is the flag), ``targets`` ``(N,)`` the first symbol of each
    sequence.
    """

    inputs: torch.Tensor
    targets: torch.Tensor
    num_symbols: int

    @property
    def input_size(self) -> int:
        """Entries per input vector: the ``num_symbols`` symbol lines and the flag."""
        return self.num_symbols + 1

    @property
    def delay(self) -> int:
        """The number of noise steps after the flagged symbol (``T - 1``)."""
        return self.inputs.shape[0] - 1

    def __len__(self) -> int:
        return self.inputs.shape[1]

    def batch(self, index: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(inputs, targets)`` of the sequences at ``index`` (a 1-D tensor of positions)."""
        return self.inputs[:, index], self.targets[index]


def generate_recall(
    size: int, delay: int, num_symbols: int = 4, noise_scale: float = 1.0, seed: int = 0
) -> RecallData:
    r"""``size`` sequences of the recall task: a flagged symbol, then ``delay`` steps of noise (chapter 3).

    .. math::
        x_1 &= [\mathrm{onehot}(s);\ 1], \qquad y = s,

        x_t &= [\varepsilon_t;\ 0], \quad \varepsilon_t \sim \mathcal N(0, \sigma^2 I) \quad (t = 2, \dots, k+1)

    with :math:`s` uniform over the ``num_symbols`` symbols, :math:`k` = ``delay`` (0 gives
    sequences of one step) and :math:`\sigma` = ``noise_scale``. The same ``seed`` gives the
    same data on every platform (NumPy's PCG64 generator). Raises ``ValueError`` if ``size`` is
    not a positive integer, ``delay`` or ``seed`` not a non-negative integer, ``num_symbols``
    not an integer of at least 2, or ``noise_scale`` not a finite non-negative number.
    """
    require_positive_int("size", size)
    require_non_negative_int("delay", delay)
    if isinstance(num_symbols, bool) or not isinstance(num_symbols, int) or num_symbols < 2:
        raise ValueError(f"num_symbols: expected an integer of at least 2 (a choice to recall), got {num_symbols!r}")
    if (
        isinstance(noise_scale, bool)
        or not isinstance(noise_scale, (int, float))
        or not math.isfinite(noise_scale)
        or noise_scale < 0
    ):
        raise ValueError(f"noise_scale: expected a non-negative number, got {noise_scale!r}")
    require_non_negative_int("seed", seed)
    rng = np.random.default_rng(seed)
    symbols = rng.integers(0, num_symbols, size=size)
    inputs = np.zeros((delay + 1, size, num_symbols + 1), dtype=np.float32)
    inputs[0, np.arange(size), symbols] = 1.0
    inputs[0, :, num_symbols] = 1.0
    inputs[1:, :, :num_symbols] = noise_scale * rng.standard_normal((delay, size, num_symbols))
    return RecallData(
        inputs=torch.from_numpy(inputs),
        targets=torch.from_numpy(symbols.astype(np.int64)),
        num_symbols=num_symbols,
    )
