"""Checks of torch tensors shared by the whole package: type, dtype, shape, lengths, finite loss.

Every public function of the companion rejects bad input with a ``ValueError`` that names the
argument, says what was expected and shows what was given. Nothing is silently truncated,
padded, cast or reshaped. Checks of plain numbers and choices, which need no torch, are in
``companion._checks``.
"""
from __future__ import annotations

from typing import Sequence

import torch

from ._checks import require_finite_loss_value


def describe_shape(tensor: torch.Tensor) -> str:
    return "(" + ", ".join(str(n) for n in tensor.shape) + ")"


def require_tensor(name: str, value) -> torch.Tensor:
    if not isinstance(value, torch.Tensor):
        raise ValueError(f"{name}: expected a torch.Tensor, got {type(value).__name__}")
    return value


def require_floating(name: str, tensor: torch.Tensor, dtype: torch.dtype | None = None) -> None:
    if not tensor.is_floating_point():
        raise ValueError(
            f"{name}: expected a floating-point tensor"
            + (f" of dtype {dtype}" if dtype is not None else "")
            + f", got dtype {tensor.dtype}"
        )
    if dtype is not None and tensor.dtype != dtype:
        raise ValueError(
            f"{name}: expected dtype {dtype} (the dtype of the module's parameters), "
            f"got dtype {tensor.dtype}; convert one of them explicitly"
        )


def require_sequence_batch(
    name: str, tensor: torch.Tensor, feature_size: int, batch_first: bool
) -> None:
    """A batch of sequences: ``(T, B, F)``, or ``(B, T, F)`` when ``batch_first``."""
    layout = "(batch, time, features)" if batch_first else "(time, batch, features)"
    if tensor.dim() != 3:
        raise ValueError(
            f"{name}: expected a 3-D tensor {layout} with features={feature_size}, "
            f"got shape {describe_shape(tensor)}"
        )
    time_axis = 1 if batch_first else 0
    if tensor.shape[time_axis] == 0:
        raise ValueError(
            f"{name}: expected at least one time step, got an empty sequence "
            f"(shape {describe_shape(tensor)}, layout {layout})"
        )
    if tensor.shape[2] != feature_size:
        raise ValueError(
            f"{name}: expected {feature_size} features in the last dimension {layout}, "
            f"got shape {describe_shape(tensor)}"
        )


def require_lengths(name: str, lengths, batch_size: int, max_time: int) -> torch.Tensor:
    """Valid lengths of each sequence of a padded batch: integers in ``1..T``, one per sequence."""
    lengths = torch.as_tensor(lengths)
    if lengths.dim() != 1 or lengths.shape[0] != batch_size:
        raise ValueError(
            f"{name}: expected a 1-D sequence of {batch_size} lengths (one per sequence), "
            f"got shape {describe_shape(lengths)}"
        )
    if lengths.is_floating_point() or lengths.dtype == torch.bool:
        raise ValueError(f"{name}: expected integer lengths, got dtype {lengths.dtype}")
    if batch_size and (int(lengths.min()) < 1 or int(lengths.max()) > max_time):
        raise ValueError(
            f"{name}: expected every length in 1..{max_time} (the padded time dimension), "
            f"got min {int(lengths.min())}, max {int(lengths.max())}"
        )
    return lengths.to(torch.long)


def require_state(name: str, state: torch.Tensor, shape: Sequence[int], dtype: torch.dtype) -> None:
    require_tensor(name, state)
    if tuple(state.shape) != tuple(shape):
        expected = "(" + ", ".join(str(n) for n in shape) + ")"
        raise ValueError(
            f"{name}: expected shape {expected} (layers, batch, hidden), "
            f"got shape {describe_shape(state)}"
        )
    require_floating(name, state, dtype)


def require_finite_loss(loss: torch.Tensor, where: str) -> None:
    """Raises ``ValueError`` if the loss tensor of a training step is NaN or inf; ``where`` says which."""
    require_finite_loss_value(float(loss.detach()), where)


def require_floating_dtype(name: str, dtype) -> torch.dtype:
    """``dtype`` if it is a floating-point ``torch.dtype``; raises ``ValueError`` naming ``name`` otherwise."""
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise ValueError(f"{name}: expected a floating-point torch.dtype such as torch.float32, got {dtype!r}")
    return dtype
