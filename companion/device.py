"""Where computations run, and how to make them repeatable (the training runs of chapters 1 to 3)."""
from __future__ import annotations

import os
import random

import numpy as np
import torch

from ._checks import require_choice, require_non_negative_int


def pick_device(prefer: str | None = None) -> torch.device:
    """The fastest device this machine has: CUDA, then Apple's MPS, then the CPU (chapters 1 to 3).

    ``prefer`` (``"cuda"``, ``"mps"`` or ``"cpu"``) asks for one device. Raises ``ValueError`` for
    another ``prefer``, or for one that is absent, instead of falling back silently.
    """
    available = {
        "cuda": torch.cuda.is_available(),
        "mps": getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available(),
        "cpu": True,
    }
    if prefer is not None:
        require_choice("prefer", prefer, tuple(available))
        if not available[prefer]:
            present = ", ".join(name for name, ok in available.items() if ok)
            raise ValueError(f"prefer: device {prefer!r} is not available here (available: {present})")
        return torch.device(prefer)
    for name, ok in available.items():
        if ok:
            return torch.device(name)
    raise AssertionError("unreachable: the CPU is always available")


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python's, NumPy's and torch's generators (CPU and CUDA); returns a seeded torch generator (chapters 1 to 3).

    Results repeat exactly on one platform and release; across platforms floating-point sums
    may differ in the last bits, which is why the chapters check trained scores by ranges.
    Raises ``ValueError`` if ``seed`` is not a non-negative integer.
    """
    require_non_negative_int("seed", seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)
