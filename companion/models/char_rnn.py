"""Chapter 4's PyTorch twin of the NumPy character model: ``CharRNN``, its bridges to
:mod:`companion.bptt`, its loss, its gradients by autograd and its trainer.

This module imports :mod:`companion.bptt`, so :mod:`companion.models` does not import it:
``from companion.models.char_rnn import CharRNN``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .._checks import require_choice, require_positive_float, require_positive_int
from .._validate import (
    describe_shape, require_finite_loss, require_floating, require_sequence_batch, require_tensor)
from ..bptt import LSTMParameters, RNNParameters
from ..progress import progress_bar
from ..training.checks import require_finite_tensors


CHAR_RNN_CELLS = ("elman", "lstm")


class CharRNN(nn.Module):
    r"""A character-level language model in torch: a recurrent layer and a linear read-out (chapter 4).

    With ``cell="elman"`` it is the RNN of chapter 4's derivation, equations (4.1)-(4.2):

    .. math::  h_t = \tanh(U x_t + W h_{t-1} + b), \qquad o_t = V h_t + c,

    built from ``torch.nn.RNN`` (U = ``rnn.weight_ih_l0``, W = ``rnn.weight_hh_l0``,
    b = ``rnn.bias_ih_l0``) and ``torch.nn.Linear`` (V = ``readout.weight``,
    c = ``readout.bias``). ``torch.nn.RNN`` adds two biases, ``bias_ih_l0 + bias_hh_l0``, where
    the equations have one: b is ``bias_ih_l0``, and ``bias_hh_l0`` is kept at zero and frozen
    (``requires_grad=False``), so that the trainable parameters are exactly U, W, b, V and c and
    a gradient step changes b as :mod:`companion.bptt` does. With ``cell="lstm"`` the layer is
    ``torch.nn.LSTM``, equation (4.10), with both of its biases trainable, as in
    :class:`companion.bptt.LSTMParameters`.

    ``forward(input, hx=None)`` takes ``input`` as ``(T, B)`` integer ids (each id is
    one-hot encoded, so that U x_t is a column of U) or ``(T, B, input_size)`` floats, and the
    initial state ``hx`` as h_0 ``(B, H)`` (for the LSTM a pair ``(h_0, c_0)``), ``None`` for
    zeros. It returns the scores o_t ``(T, B, output_size)`` and the final state, shaped like
    ``hx``. Raises ``ValueError`` for bad sizes or cell, ids out of range, and inputs or states
    of the wrong shape or dtype.
    """

    def __init__(self, input_size: int, hidden_size: int, output_size: int, cell: str = "elman"):
        super().__init__()
        self.input_size = require_positive_int("input_size", input_size)
        self.hidden_size = require_positive_int("hidden_size", hidden_size)
        self.output_size = require_positive_int("output_size", output_size)
        require_choice("cell", cell, CHAR_RNN_CELLS)
        self.cell = cell
        if cell == "elman":
            self.rnn = nn.RNN(input_size, hidden_size, nonlinearity="tanh")
            with torch.no_grad():
                self.rnn.bias_hh_l0.zero_()
            self.rnn.bias_hh_l0.requires_grad_(False)
        else:
            self.rnn = nn.LSTM(input_size, hidden_size)
        self.readout = nn.Linear(hidden_size, output_size)

    def bptt_parameters(self) -> dict[str, nn.Parameter]:
        """The trainable tensors under the names of :mod:`companion.bptt` (``"U"``, ``"W"``, … or
        ``"weight_ih"``, …), in the order of :class:`~companion.bptt.RNNParameters` or
        :class:`~companion.bptt.LSTMParameters`."""
        if self.cell == "elman":
            tensors = {"U": self.rnn.weight_ih_l0, "W": self.rnn.weight_hh_l0, "b": self.rnn.bias_ih_l0}
            return {**tensors, "V": self.readout.weight, "c": self.readout.bias}
        tensors = {name: getattr(self.rnn, f"{name}_l0") for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}
        return {**tensors, "weight_out": self.readout.weight, "bias_out": self.readout.bias}

    def _encode(self, input: torch.Tensor) -> torch.Tensor:
        dtype = self.readout.weight.dtype
        if input.is_floating_point():
            require_sequence_batch("input", input, self.input_size, batch_first=False)
            require_floating("input", input, dtype)
            return input
        if input.dim() != 2 or input.dtype == torch.bool or input.is_complex():
            raise ValueError(
                f"input: expected (time, batch) integer ids below input_size = {self.input_size}, "
                f"or (time, batch, {self.input_size}) floats, got shape {describe_shape(input)} "
                f"and dtype {input.dtype}"
            )
        if input.shape[0] == 0 or input.shape[1] == 0:
            raise ValueError(
                f"input: expected at least one time step and one sequence, got shape {describe_shape(input)}"
            )
        if int(input.min()) < 0 or int(input.max()) >= self.input_size:
            raise ValueError(
                f"input: expected ids in 0..{self.input_size - 1} (input_size = {self.input_size}), "
                f"got min {int(input.min())}, max {int(input.max())}"
            )
        return F.one_hot(input.long(), self.input_size).to(dtype)

    def _initial_state(self, name: str, state, batch: int):
        dtype = self.readout.weight.dtype
        if state is None:
            return None
        require_tensor(name, state)
        if tuple(state.shape) != (batch, self.hidden_size):
            raise ValueError(
                f"{name}: expected shape ({batch}, {self.hidden_size}) (batch, hidden), "
                f"got shape {describe_shape(state)}"
            )
        require_floating(name, state, dtype)
        return state.unsqueeze(0)

    def forward(self, input: torch.Tensor, hx=None):
        require_tensor("input", input)
        x = self._encode(input)
        batch = x.shape[1]
        if self.cell == "elman":
            h0 = self._initial_state("hx", hx, batch)
            outputs, h_n = self.rnn(x, h0)
            final = h_n[0]
        else:
            if hx is None:
                pair = None
            elif not isinstance(hx, tuple) or len(hx) != 2:
                raise ValueError(f"hx: expected None or a pair (h_0, c_0) for an LSTM, got {type(hx).__name__}")
            else:
                pair = (self._initial_state("hx[0]", hx[0], batch), self._initial_state("hx[1]", hx[1], batch))
            outputs, (h_n, c_n) = self.rnn(x, pair)
            final = (h_n[0], c_n[0])
        return self.readout(outputs), final


def char_rnn_from_parameters(params) -> CharRNN:
    """A float64 :class:`CharRNN` holding copies of NumPy parameters from :mod:`companion.bptt` (chapter 4).

    ``params`` is :class:`~companion.bptt.RNNParameters` (a ``cell="elman"`` model: U, W and b go
    to ``weight_ih_l0``, ``weight_hh_l0`` and ``bias_ih_l0``, ``bias_hh_l0`` stays a frozen zero)
    or :class:`~companion.bptt.LSTMParameters` (a ``cell="lstm"`` model). The two models then
    compute the same function, the same loss (4.3) and the same gradients.

    Raises ``ValueError`` if ``params`` is neither.
    """
    if isinstance(params, RNNParameters):
        cell = "elman"
    elif isinstance(params, LSTMParameters):
        cell = "lstm"
    else:
        raise ValueError(f"params: expected RNNParameters or LSTMParameters, got {type(params).__name__}")
    model = CharRNN(params.input_size, params.hidden_size, params.output_size, cell=cell).double()
    with torch.no_grad():
        for name, tensor in model.bptt_parameters().items():
            tensor.copy_(torch.from_numpy(getattr(params, name)))
    return model


def parameters_from_char_rnn(model: CharRNN):
    """The NumPy parameters of :mod:`companion.bptt` holding copies of a :class:`CharRNN`'s weights (chapter 4).

    The inverse of :func:`char_rnn_from_parameters`: :class:`~companion.bptt.RNNParameters` for
    a ``cell="elman"`` model, whose b is ``bias_ih_l0 + bias_hh_l0`` (the latter is zero unless it
    was changed by hand), :class:`~companion.bptt.LSTMParameters` for a ``cell="lstm"`` one.

    Raises ``ValueError`` if ``model`` is not a :class:`CharRNN`.
    """
    if not isinstance(model, CharRNN):
        raise ValueError(f"model: expected a CharRNN, got {type(model).__name__}")
    arrays = {name: tensor.detach().cpu().double().numpy().copy() for name, tensor in model.bptt_parameters().items()}
    if model.cell == "elman":
        arrays["b"] = arrays["b"] + model.rnn.bias_hh_l0.detach().cpu().double().numpy()
        return RNNParameters(**arrays)
    return LSTMParameters(**arrays)


def sequence_loss(scores: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    r"""Cross-entropy summed over time and averaged over the batch, equation (4.3) of chapter 4.

    .. math::  L = \frac{1}{B} \sum_{b=1}^{B} \sum_{t=1}^{T} -\log \mathrm{softmax}(o_{t,b})_{\,y_{t,b}}

    ``scores`` is ``(T, B, C)``, ``targets`` ``(T, B)`` integer ids; the same normalisation as
    :func:`companion.bptt.forward`, in nats per sequence. Raises ``ValueError`` if either is not a
    tensor, if the shapes do not match or if ``targets`` are not integers.
    """
    require_tensor("scores", scores)
    require_tensor("targets", targets)
    if scores.dim() != 3 or tuple(targets.shape) != tuple(scores.shape[:2]):
        raise ValueError(
            f"targets: expected shape (T, B) matching scores (T, B, C) = {describe_shape(scores)}, "
            f"got {describe_shape(targets)}"
        )
    if targets.is_floating_point() or targets.dtype == torch.bool:
        raise ValueError(f"targets: expected integer class ids, got dtype {targets.dtype}")
    total = F.cross_entropy(scores.reshape(-1, scores.shape[-1]), targets.reshape(-1).long(), reduction="sum")
    return total / scores.shape[1]


def _require_float64_state(name: str, array, batch: int, hidden: int) -> None:
    if not isinstance(array, np.ndarray) or array.dtype != np.float64 or array.shape != (batch, hidden):
        got = f"{type(array).__name__}" + (f" of shape {array.shape} and dtype {array.dtype}" if isinstance(array, np.ndarray) else "")
        raise ValueError(f"{name}: expected a float64 NumPy array of shape ({batch}, {hidden}) (batch, hidden), got {got}")


def torch_gradients(params, inputs, targets, h0, c0=None) -> dict[str, np.ndarray]:
    r"""The gradients of the loss (4.3) by PyTorch's autograd, on a float64 copy of ``params`` (chapter 4).

    The check of the hand-written backward passes: for the same arguments it returns what
    :func:`companion.bptt.backward` (for :class:`~companion.bptt.RNNParameters`) or
    :func:`companion.bptt.lstm_backward` (for :class:`~companion.bptt.LSTMParameters`) return,
    :math:`\partial L / \partial \theta` for every parameter under its NumPy name (``"U"``,
    ``"W"``, … or ``"weight_ih"``, …) and :math:`\partial L / \partial h_0` as ``"h0"`` (for the
    LSTM :math:`\partial L / \partial c_0` as ``"c0"`` too), each shaped like its array.
    ``params`` is not changed.

    ``inputs``: ``(T, B)`` integer ids or ``(T, B, F)`` float64 vectors; ``targets``: ``(T, B)``
    integer ids; ``h0`` (and, for the LSTM only, ``c0``): float64 arrays ``(B, H)``, all NumPy,
    or ``None`` for zeros, as in :mod:`companion.bptt`.

    Raises ``ValueError`` if ``params`` is neither kind, if ``c0`` is given for the RNN, if a
    state is not a float64 array ``(B, H)``, and for inputs or
    targets :class:`CharRNN` and :func:`sequence_loss` reject.
    """
    model = char_rnn_from_parameters(params)
    if model.cell == "elman" and c0 is not None:
        raise ValueError(f"c0: expected None for RNNParameters (an Elman RNN has no cell state), got {type(c0).__name__}")
    for name, array in (("inputs", inputs), ("targets", targets)):
        if not isinstance(array, np.ndarray):
            raise ValueError(f"{name}: expected a NumPy array, got {type(array).__name__}")
    if inputs.ndim not in (2, 3):
        raise ValueError(f"inputs: expected (T, B) integer ids or (T, B, F) floats, got shape {inputs.shape}")
    batch = inputs.shape[1]
    states = {}
    named = {"h0": h0} if model.cell == "elman" else {"h0": h0, "c0": c0}
    for name, array in named.items():
        if array is None:  # zeros, as every function of companion.bptt takes None
            array = np.zeros((batch, model.hidden_size))
        _require_float64_state(name, array, batch, model.hidden_size)
        states[name] = torch.tensor(array, requires_grad=True)
    hx = states["h0"] if model.cell == "elman" else (states["h0"], states["c0"])
    scores, _ = model(torch.from_numpy(inputs), hx)
    sequence_loss(scores, torch.from_numpy(targets)).backward()
    grads = {name: p.grad.numpy() for name, p in model.bptt_parameters().items()}
    grads.update({name: state.grad.numpy() for name, state in states.items()})
    return grads


@dataclass(eq=False)
class CharModelTraining:
    """The result of :func:`train_char_model`, like :class:`companion.bptt.CharRNNTraining` (chapter 4).

    ``losses[s]``: the loss (4.3) of step ``s`` divided by the chunk length (nats per character);
    ``gradient_norms[s]``: the global norm of step ``s``'s gradients before clipping; ``state``:
    the recurrent state after the last chunk. The model itself is trained in place.
    """

    losses: list[float]
    gradient_norms: list[float]
    state: object


def _detach_state(state):
    return tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()


def train_char_model(
    model: CharRNN,
    ids,
    *,
    sequence_length: int = 25,
    steps: int = 1000,
    lr: float = 0.1,
    optimizer: str = "adagrad",
    clip_norm: float | None = None,
    batch_size: int = 1,
    progress: bool = False,
) -> CharModelTraining:
    r"""Train a :class:`CharRNN` exactly as :func:`companion.bptt.train_char_rnn` does (chapter 4).

    The same reading of the text (``batch_size`` contiguous streams, chunks of
    ``sequence_length`` characters, the state carried from chunk to chunk and reset to zero when
    the streams start again), the same loss (4.3), the same global-norm clipping (4.16) and the
    same updates with learning rate ``lr`` (η), written out rather than taken from ``torch.optim``:

    * ``"sgd"``: :math:`\theta \leftarrow \theta - \eta g`;
    * ``"adagrad"``: :math:`m \leftarrow m + g^2,\ \theta \leftarrow \theta - \eta g / \sqrt{m + 10^{-8}}`
      (4.15). (``torch.optim.Adagrad`` adds its ε outside the square root, which is not the
      same number.)

    Only the parameters with ``requires_grad`` are trained (for an Elman model: U, W, b, V, c).
    From the same initial weights, in float64, the losses agree with the NumPy trainer's to
    rounding error. ``ids``: a 1-D integer array or tensor of character ids.

    Raises ``ValueError`` for bad arguments before training (``model`` not a :class:`CharRNN`,
    ids not 1-D integers below the model's sizes or too few for one chunk, counts not positive
    integers, ``lr`` or ``clip_norm`` not positive finite numbers, an unknown ``optimizer``),
    and during training, naming the step, as soon as the loss or an updated weight is NaN or inf.
    """
    if not isinstance(model, CharRNN):
        raise ValueError(f"model: expected a CharRNN, got {type(model).__name__}")
    ids = torch.as_tensor(ids) if not isinstance(ids, torch.Tensor) else ids
    if ids.dim() != 1 or ids.is_floating_point() or ids.dtype == torch.bool or ids.is_complex():
        raise ValueError(f"ids: expected a 1-D integer array of character ids, got shape {describe_shape(ids)} and dtype {ids.dtype}")
    limit = min(model.input_size, model.output_size)
    if ids.numel() and (int(ids.min()) < 0 or int(ids.max()) >= limit):
        raise ValueError(
            f"ids: expected ids in 0..{limit - 1} (below input_size and output_size), "
            f"got min {int(ids.min())}, max {int(ids.max())}"
        )
    require_positive_int("sequence_length", sequence_length)
    require_positive_int("steps", steps)
    require_positive_int("batch_size", batch_size)
    lr = require_positive_float("lr", lr)
    require_choice("optimizer", optimizer, ("sgd", "adagrad"))
    if clip_norm is not None:
        clip_norm = require_positive_float("clip_norm", clip_norm)
    stream_length = ids.numel() // batch_size
    if stream_length < sequence_length + 1:
        raise ValueError(
            f"ids: expected at least batch_size * (sequence_length + 1) = "
            f"{batch_size * (sequence_length + 1)} characters, got {ids.numel()}"
        )
    device = model.readout.weight.device
    dtype = model.readout.weight.dtype
    streams = ids[: stream_length * batch_size].reshape(batch_size, stream_length).T.to(device)
    trained = {name: p for name, p in model.bptt_parameters().items() if p.requires_grad}
    memory = [torch.zeros_like(p) for p in trained.values()]

    def zero_state():
        h = torch.zeros(batch_size, model.hidden_size, dtype=dtype, device=device)
        return (h, h.clone()) if model.cell == "lstm" else h

    state = zero_state()
    losses: list[float] = []
    norms: list[float] = []
    position = 0
    model.train()
    with progress_bar(steps, "training", disable=not progress) as bar:
        for step in range(steps):
            if position + sequence_length + 1 > stream_length:
                position = 0
                state = zero_state()
            chunk = streams[position : position + sequence_length + 1]
            scores, final = model(chunk[:-1], state)
            loss = sequence_loss(scores, chunk[1:])
            require_finite_loss(loss, f"at step {step + 1}")
            grads = torch.autograd.grad(loss, list(trained.values()))
            norm = torch.sqrt(sum((g * g).sum() for g in grads))
            if clip_norm is not None and float(norm) > 0:
                scale = min(1.0, clip_norm / float(norm))
                grads = [g * scale for g in grads]
            with torch.no_grad():
                for p, g, m in zip(trained.values(), grads, memory):
                    if optimizer == "sgd":
                        p -= lr * g
                    else:
                        m += g**2
                        p -= lr * g / torch.sqrt(m + 1e-8)
            require_finite_tensors(trained.items(), f"after the update of step {step + 1}")
            state = _detach_state(final)
            position += sequence_length
            losses.append(float(loss.detach()) / sequence_length)
            norms.append(float(norm))
            bar.update(1)
            bar.set_postfix(loss=f"{losses[-1]:.3f}", refresh=False)
    model.eval()
    return CharModelTraining(losses, norms, state)
