"""What every recurrent cell and layer checks of its call: ``input``, ``hx`` and ``lengths``.

One home for these checks, so that a scratch module and its torch-backed twin refuse the same
inputs with the same words (a ``ValueError`` naming the argument, the expected and the given)
instead of one of them failing deep inside torch.
"""
from __future__ import annotations

import torch
from torch import nn

from ._validate import (
    describe_shape,
    require_floating,
    require_lengths,
    require_sequence_batch,
    require_state,
    require_tensor,
)


def parameter_dtype(module: nn.Module) -> torch.dtype:
    """The dtype of a recurrent module's input weights (``weight_ih`` of a cell, ``weight_ih_l0`` of a layer)."""
    weight = getattr(module, "weight_ih", None)
    return (weight if weight is not None else module.weight_ih_l0).dtype


def time_major_input(module: nn.Module, input, lengths) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Check a recurrent layer's ``input`` and ``lengths``; return the input time-major ``(T, B, F)``.

    ``module`` provides ``input_size``, ``batch_first`` and, through its input weights, the dtype
    the input must have. Raises ``ValueError`` for a non-tensor, a wrong rank or feature size, no
    time step, another dtype than the weights', or lengths that are not one integer in ``1..T``
    per sequence.
    """
    require_tensor("input", input)
    require_sequence_batch("input", input, module.input_size, module.batch_first)
    require_floating("input", input, parameter_dtype(module))
    x = input.transpose(0, 1) if module.batch_first else input
    if lengths is not None:
        lengths = require_lengths("lengths", lengths, x.shape[1], x.shape[0])
    return x, lengths


def require_pair(name: str, value, part_names: tuple[str, str]):
    """An LSTM's memory is a pair of tensors, ``(h, c)``; refuse anything else before looking at shapes."""
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        given = type(value).__name__ + (f" of length {len(value)}" if isinstance(value, (tuple, list)) else "")
        raise ValueError(f"{name}: expected a pair ({', '.join(part_names)}) of tensors, got {given}")
    return value


def initial_states(module: nn.Module, hx, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """A layer's ``hx`` checked, as a tuple of ``(D·num_layers, B, size)`` tensors, one per entry of ``module.state_names``.

    ``None`` gives zeros. ``module`` provides ``num_layers``, ``bidirectional``, ``hidden_size``
    and ``state_names`` (``("h_0",)``, ``("h_0", "c_0")`` for an LSTM, ``("h_0", "s_0")`` for an
    SCRN), and may provide ``state_sizes``, the width of each part (``hidden_size`` for every
    part if it does not; an SCRN's context ``s_0`` is ``context_size`` wide). Raises
    ``ValueError`` for a state of another shape or dtype than the input's, or a two-part state
    that is not a pair.
    """
    directions = 2 if module.bidirectional else 1
    sizes = getattr(module, "state_sizes", None) or (module.hidden_size,) * len(module.state_names)
    shapes = [(module.num_layers * directions, x.shape[1], size) for size in sizes]
    if hx is None:
        return tuple(x.new_zeros(shape) for shape in shapes)
    if len(module.state_names) == 1:
        require_state("hx", hx, shapes[0], x.dtype)
        return (hx,)
    parts = require_pair("hx", hx, module.state_names)
    for index, (name, part, shape) in enumerate(zip(module.state_names, parts, shapes)):
        require_state(f"hx[{index}] ({name})", part, shape, x.dtype)
    return tuple(parts)


def cell_input(cell: nn.Module, input) -> tuple[torch.Tensor, bool]:
    """Check a cell's input, ``(B, F)`` or ``(F,)`` for one example; return it as ``(B, F)`` and whether it was ``(F,)``."""
    require_tensor("input", input)
    require_floating("input", input, cell.weight_ih.dtype)
    if input.dim() not in (1, 2) or input.shape[-1] != cell.input_size:
        raise ValueError(
            f"input: expected shape (batch, {cell.input_size}) or ({cell.input_size},), "
            f"got shape {describe_shape(input)}"
        )
    unbatched = input.dim() == 1
    return (input.unsqueeze(0) if unbatched else input), unbatched


def cell_input_and_memory(cell: nn.Module, input, hx) -> tuple[torch.Tensor, torch.Tensor, bool]:
    """A one-tensor cell's ``input`` and memory ``hx`` checked: ``(x (B, F), h (B, H), unbatched)``; zeros for ``hx=None``."""
    x, unbatched = cell_input(cell, input)
    if hx is None:
        return x, x.new_zeros(x.shape[0], cell.hidden_size), unbatched
    return x, cell_state("hx", hx, x.shape[0], cell.hidden_size, unbatched, cell.weight_ih.dtype), unbatched


def cell_state(name: str, state, batch: int, hidden_size: int, unbatched: bool, dtype: torch.dtype) -> torch.Tensor:
    """Check one memory tensor given to a cell: ``(B, H)``, or ``(H,)`` beside an unbatched input; return it ``(B, H)``."""
    require_tensor(name, state)
    expected, layout = ((hidden_size,), "hidden") if unbatched else ((batch, hidden_size), "batch, hidden")
    if tuple(state.shape) != expected:
        shown = "(" + ", ".join(str(n) for n in expected) + ("," if unbatched else "") + ")"
        raise ValueError(f"{name}: expected shape {shown} ({layout}), got shape {describe_shape(state)}")
    require_floating(name, state, dtype)
    return state.unsqueeze(0) if unbatched else state


def require_twin(name: str, module, twin: type) -> None:
    """Raises ``ValueError`` unless ``module`` is an instance of ``twin``, the torch class a scratch copy is made from."""
    if not isinstance(module, twin):
        raise ValueError(f"{name}: expected a {twin.__module__}.{twin.__name__}, got {type(module).__name__}")
