"""What every torch trainer of the course checks at each step: finite parameters after the update.

A learning rate that is too large, or an input holding NaN or inf, turns the weights into NaN
or inf within a few steps, and from then on every loss, prediction and score is meaningless.
The trainers (:func:`~companion.training.train_tagger`, :func:`~companion.training.train_recall`,
:func:`companion.models.char_rnn.train_char_model`) therefore stop at the first step whose loss
or whose updated parameters are not finite, and say where, rather than train to the end and
report a score of NaN weights. The NumPy trainer of chapter 4 does the same with the same words
(``companion._checks.require_finite_parameters``).
"""
from __future__ import annotations

from typing import Iterable

import torch

from .._checks import require_finite_parameters


def require_finite_tensors(named: Iterable[tuple[str, torch.Tensor]], where: str) -> None:
    """Raises ``ValueError`` naming every tensor of ``named`` that holds NaN or inf (chapters 1 to 4).

    ``named``: ``(name, tensor)`` pairs, e.g. ``model.named_parameters()``; ``where`` says after
    which update (``"after the update of epoch 2, batch 7"``). The message suggests a lower
    learning rate or gradient clipping. One device synchronisation per call: the tensors are
    tested together, and one by one only when one of them is not finite.
    """
    named = list(named)
    if not named:
        return
    with torch.no_grad():
        finite = torch.stack([torch.isfinite(tensor).all() for _, tensor in named])
        if bool(finite.all()):
            return
        require_finite_parameters([name for (name, _), ok in zip(named, finite.tolist()) if not ok], where)
