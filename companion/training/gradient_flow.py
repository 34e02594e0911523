r"""How far back a gradient reaches: :math:`\lVert \partial L / \partial h_k \rVert` at every step of a sequence, and the spectral radius (chapter 5).

Chapter 4 wrote the gradient that reaches the state :math:`h_k` from a loss at step :math:`T` as
a product of Jacobians,

.. math::  \frac{\partial L}{\partial h_k} = \frac{\partial L}{\partial h_T}
           \prod_{j=k+1}^{T} \frac{\partial h_j}{\partial h_{j-1}},
           \qquad \frac{\partial h_j}{\partial h_{j-1}} = \mathrm{diag}(\phi'(a_j))\, W_{hh}

for a simple RNN, so that its norm shrinks or grows roughly geometrically with the lag
:math:`T - k` (Bengio, Simard & Frasconi 1994; Pascanu, Mikolov & Bengio 2013).
:func:`state_gradient_norms` measures it for any recurrent layer of the package or of torch, and
:func:`spectral_radius` gives the number that the linear case ties it to.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import torch
from torch import nn

from .._checks import is_integer
from .._recurrent_checks import initial_states, time_major_input
from .._validate import describe_shape
from ..layers.unroll import Bidirectional, record_states, run_bidirectional, unroll

#: The seed of the default loss's random projection :math:`r` (chapter 5): the same loss at every call.
PROJECTION_SEED = 0


# --- torch's fused layers, one step at a time ---------------------------------------------------


def _torch_base(layer: nn.RNNBase) -> type[nn.RNNBase]:
    for base in (nn.LSTM, nn.GRU, nn.RNN):
        if isinstance(layer, base):
            return base
    raise ValueError(f"layer: expected a torch.nn.RNN, LSTM or GRU, got {type(layer).__name__}")


def _one_layer_copy(layer: nn.RNNBase, base: type[nn.RNNBase], index: int, suffix: str) -> nn.RNNBase:
    """A one-layer, one-direction module of ``base`` holding a copy of layer ``index``'s weights in direction ``suffix``."""
    weight = layer.weight_ih_l0
    output_width = getattr(layer, "proj_size", 0) or layer.hidden_size  # what a layer passes up
    directions = 2 if layer.bidirectional else 1
    options = {"nonlinearity": layer.nonlinearity} if base is nn.RNN else {}
    if base is nn.LSTM and layer.proj_size:
        options["proj_size"] = layer.proj_size
    copy = base(
        layer.input_size if index == 0 else directions * output_width, layer.hidden_size, 1,
        bias=layer.bias, device=weight.device, dtype=weight.dtype, **options,
    )
    copy.load_state_dict({
        name: getattr(layer, name.replace("_l0", f"_l{index}{suffix}")) for name in copy.state_dict()
    })
    return copy


def _stepper(module: nn.RNNBase, base: type[nn.RNNBase]):
    """``step(x_t (B, F), state) -> new state`` running ``module``'s fused kernel on a sequence of one step."""
    if base is nn.LSTM:
        def step(x_t, state):
            _, (h, c) = base.forward(module, x_t.unsqueeze(0), (state[0].unsqueeze(0), state[1].unsqueeze(0)))
            return h[0], c[0]
    else:
        def step(x_t, state):
            return base.forward(module, x_t.unsqueeze(0), state.unsqueeze(0))[1][0]
    return step


class _StateShapes:
    """What ``initial_states`` reads of a layer, for torch's own modules (which lack ``state_names``)."""

    def __init__(self, layer: nn.RNNBase, base: type[nn.RNNBase]):
        self.num_layers, self.bidirectional, self.hidden_size = layer.num_layers, layer.bidirectional, layer.hidden_size
        lstm = base is nn.LSTM
        self.state_names = ("h_0", "c_0") if lstm else ("h_0",)
        self.state_sizes = ((layer.proj_size or layer.hidden_size), layer.hidden_size) if lstm else (layer.hidden_size,)


def step_by_step(layer: nn.RNNBase, input: torch.Tensor, hx=None, lengths=None):
    """Run a ``torch.nn.RNN``/``LSTM``/``GRU`` (or its ``Packed`` twin) one time step at a time, through :func:`~companion.layers.unroll` (chapter 5).

    Returns what ``layer(input, hx)`` returns, ``(output, h_n)`` (``(output, (h_n, c_n))`` for
    an LSTM), computed by torch's fused kernel called on one step of one layer and direction at
    a time, each on a copy of that layer's weights. With ``lengths`` each sequence stops at its
    last real step, as :class:`~companion.layers.PackedRNN` does. Because every step passes
    through :func:`~companion.layers.unroll`, :func:`~companion.layers.unroll.record_states`
    sees the states of torch's layers too. Dropout between layers is not applied (the network
    is measured as in eval mode). Raises ``ValueError`` for a layer that is not one of the three,
    and for an ``input``, ``hx`` or ``lengths`` that the package's layers refuse, with the same
    words.
    """
    base = _torch_base(layer)
    x, lengths = time_major_input(layer, input, lengths)
    initial = initial_states(_StateShapes(layer, base), hx, x)
    lstm, finals = base is nn.LSTM, []
    directions = ("", "_reverse") if layer.bidirectional else ("",)
    for index in range(layer.num_layers):
        runners = []
        for direction, suffix in enumerate(directions):
            position = index * len(directions) + direction
            state = tuple(part[position] for part in initial) if lstm else initial[0][position]
            step = _stepper(_one_layer_copy(layer, base, index, suffix), base)
            emit = (lambda s: s[0]) if lstm else None
            runners.append(
                lambda inputs, n, step=step, state=state, emit=emit: unroll(step, inputs, state, n, emit=emit)
            )
        if layer.bidirectional:
            x, pair = run_bidirectional(*runners, x, lengths)
            finals += pair
        else:
            x, final = runners[0](x, lengths)
            finals.append(final)
    output = x.transpose(0, 1) if layer.batch_first else x
    if lstm:
        return output, (torch.stack([f[0] for f in finals]), torch.stack([f[1] for f in finals]))
    return output, torch.stack(finals)


# --- the measurement ----------------------------------------------------------------------------


def _runs_and_index(layer: nn.Module, layer_index) -> tuple[int, int, int]:
    """``(expected runs of unroll, the run measured, the number of layers)`` for ``layer``."""
    if isinstance(layer, Bidirectional):
        # Its forward layer runs first, then its backward layer, each layer by layer.
        layers = getattr(layer.forward_layer, "num_layers", 1)
        inner = 2 if getattr(layer.forward_layer, "bidirectional", False) else 1
        directions, runs = inner, 2 * layers * inner
    else:
        layers = getattr(layer, "num_layers", 1)
        directions = 2 if getattr(layer, "bidirectional", False) else 1
        runs = layers * directions
    if not is_integer(layer_index) or not -layers <= layer_index < layers:
        raise ValueError(
            f"layer_index: expected an integer in {-layers}..{layers - 1} (the layer has {layers} "
            f"layer{'s' if layers > 1 else ''}), got {layer_index!r}"
        )
    return runs, (layer_index % layers) * directions, layers


def _default_loss(output: torch.Tensor, lengths, batch_first: bool) -> torch.Tensor:
    """:math:`L = \\sum_b r^\\top y^{(b)}_{T_b}`: a fixed unit-length random projection of each sequence's last output."""
    y = output.transpose(0, 1) if batch_first else output  # (T, B, O)
    generator = torch.Generator().manual_seed(PROJECTION_SEED)
    r = torch.randn(y.shape[-1], generator=generator, dtype=torch.float64)
    r = (r / r.norm()).to(device=y.device, dtype=y.dtype)
    last = torch.full((y.shape[1],), y.shape[0] - 1, device=y.device) if lengths is None else lengths.to(y.device) - 1
    final_outputs = y.gather(0, last.view(1, -1, 1).expand(1, y.shape[1], y.shape[2]))[0]  # (B, O)
    return (final_outputs @ r).sum()


def _require_scalar_loss(loss) -> torch.Tensor:
    if not isinstance(loss, torch.Tensor) or loss.numel() != 1 or not loss.is_floating_point():
        if isinstance(loss, torch.Tensor):
            given = f"a tensor of shape {describe_shape(loss)}, dtype {loss.dtype}"
        else:
            given = type(loss).__name__
        raise ValueError(f"loss_fn: expected it to return a floating-point scalar tensor, got {given}")
    if not loss.requires_grad:
        raise ValueError(
            "loss_fn: expected a loss computed from the layer's output or h_n (one that autograd can "
            "differentiate), got a tensor that requires no grad"
        )
    return loss.reshape(())


def state_gradient_norms(
    layer: nn.Module,
    input: torch.Tensor,
    loss_fn: Callable | None = None,
    hx=None,
    lengths=None,
    layer_index: int = -1,
    part: int | None = None,
    per_sequence: bool = False,
) -> np.ndarray:
    r""":math:`\lVert \partial L / \partial h_k \rVert` for every step ``k = 0, 1, …, T`` of one layer's state (chapter 5).

    .. math::  n_k = \Bigl\lVert \frac{\partial L}{\partial h_k} \Bigr\rVert_2, \qquad k = 0, \dots, T,

    where :math:`h_k` is the state of layer ``layer_index`` (default the last), forward
    direction, after step ``k`` (:math:`h_0`: the initial state, ``hx`` or zeros), and the
    derivative counts every path from :math:`h_k` to :math:`L`: through the later steps, through
    the layers above, through the output of step ``k``. The default loss is taken at the last
    step only,

    .. math::  L = \sum_b r^\top y^{(b)}_{T_b},

    with :math:`y^{(b)}_{T_b}` the layer's output at sequence ``b``'s last real step (``T``, or
    ``lengths[b]``) and :math:`r` a fixed random unit vector (seed :data:`PROJECTION_SEED`), so
    that :math:`n_k` against the lag :math:`T - k` shows the gradient vanishing or exploding;
    for a last layer whose output is its state, :math:`n_T = 1` per sequence. ``loss_fn(output,
    h_n)`` replaces it: it receives what the layer returns and must return a scalar tensor.

    For a state of several tensors (an LSTM's :math:`(h_k, c_k)`, an SCRN's :math:`(h_k, s_k)`,
    a Jordan network's fed-back distribution and scores) :math:`n_k` is the norm of the gradient
    with respect to all of them concatenated; ``part`` (an index into the state, e.g. 1 for
    :math:`c_k`) measures one. Each part is taken as the step leaves it: the gradient with
    respect to :math:`c_k` does not include the path through :math:`h_k` inside step ``k``
    (:class:`~companion.layers.unroll.StateRecorder`). With a batch, :math:`n_k` is the norm
    over the whole batch, :math:`\sqrt{\sum_b \lVert \partial L / \partial h^{(b)}_k \rVert^2}`;
    ``per_sequence=True`` gives one column per sequence instead.

    ``layer`` is any recurrent layer of :mod:`companion.layers` (all run on
    :func:`~companion.layers.unroll`, whose states :func:`~companion.layers.unroll.record_states`
    records), including :class:`~companion.layers.Bidirectional` (its forward layer is measured),
    or a ``torch.nn.RNN``/``LSTM``/``GRU`` or its ``Packed`` twin, which is run one step at a time
    by :func:`step_by_step` (no dropout). ``input``, ``hx`` and ``lengths`` are what the layer
    takes (``batch_first`` respected). Steps after a sequence's end are NaN (``per_sequence``),
    and NaN in the batch norm where no sequence reaches step ``k``. The layer's parameters get
    no gradient. The gradients are computed in the layer's dtype: in float32 a vanishing one
    reaches 0 near :math:`10^{-45}`, in float64 near :math:`10^{-324}`.

    Returns a float64 NumPy array of shape ``(T + 1,)``, entry ``k`` for :math:`h_k`, or
    ``(T + 1, B)`` with ``per_sequence``. Raises ``ValueError`` if ``layer`` is not an
    ``nn.Module`` that runs its steps through :func:`~companion.layers.unroll` (or one of torch's
    three), ``loss_fn`` is not callable or returns no differentiable scalar, ``layer_index`` or
    ``part`` is out of range, ``per_sequence`` is not a bool, and for an ``input``, ``hx`` or
    ``lengths`` the layer refuses.
    """
    if not isinstance(layer, nn.Module):
        raise ValueError(f"layer: expected a recurrent nn.Module, got {type(layer).__name__}")
    if loss_fn is not None and not callable(loss_fn):
        raise ValueError(f"loss_fn: expected None or a function (output, h_n) -> scalar, got {type(loss_fn).__name__}")
    if not isinstance(per_sequence, bool):
        raise ValueError(f"per_sequence: expected True or False, got {per_sequence!r}")
    runs, measured, _ = _runs_and_index(layer, layer_index)
    run_layer = (lambda *a, **k: step_by_step(layer, *a, **k)) if isinstance(layer, nn.RNNBase) else layer
    with torch.enable_grad(), record_states() as recorder:
        output, h_n = run_layer(input, hx, lengths=lengths)
    if len(recorder.runs) != runs:
        raise ValueError(
            f"layer: expected a layer that runs its steps through companion.layers.unroll ({runs} "
            f"run{'s' if runs > 1 else ''} for its layers and directions), got {type(layer).__name__} "
            f"with {len(recorder.runs)}"
        )
    states = recorder.runs[measured]
    parts = len(states[0])
    if part is not None and (not is_integer(part) or not 0 <= part < parts):
        raise ValueError(f"part: expected None (the whole state) or an index in 0..{parts - 1}, got {part!r}")
    chosen = [i for i in range(parts) if (part is None or i == part) and states[0][i] is not None]
    if not chosen:
        raise ValueError(f"part: expected a part of the state that is a floating-point tensor, got {part!r}")
    batch_first = getattr(layer, "batch_first", False)
    if lengths is not None:
        lengths = torch.as_tensor(lengths).to(torch.long)  # checked by the layer already
    with torch.enable_grad():
        if loss_fn is None:
            loss = _default_loss(output, lengths, batch_first)
        else:
            loss = _require_scalar_loss(loss_fn(output, h_n))
        probes = [states[k][i] for k in range(len(states)) for i in chosen]
        grads = torch.autograd.grad(loss, probes, allow_unused=True)
    squares = []  # (T + 1) entries of (B,)
    for k in range(len(states)):
        # A part the loss never reached has no gradient: it counts as zero.
        total = probes[0].new_zeros(probes[0].shape[0], dtype=torch.float64)
        for j in range(len(chosen)):
            grad = grads[k * len(chosen) + j]
            if grad is not None:
                total = total + grad.to(torch.float64).pow(2).flatten(1).sum(1)
        squares.append(total)
    squares = torch.stack(squares)  # (T + 1, B)
    if lengths is not None:
        steps = torch.arange(len(states), device=squares.device).unsqueeze(1)
        squares = squares.masked_fill(steps > lengths.to(squares.device).unsqueeze(0), float("nan"))
    if per_sequence:
        return squares.sqrt().cpu().numpy()
    reached = ~squares.isnan().all(1)
    batch = torch.where(reached, squares.nan_to_num(0.0).sum(1), torch.full_like(squares[:, 0], float("nan")))
    return batch.sqrt().cpu().numpy()
