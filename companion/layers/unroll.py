"""Running a one-step cell along a sequence: the loop of chapter 1's memory, reversal and bidirectional reading (chapter 2).

:func:`record_states` lets chapter 5 see every state the loop passes through, to measure how far
back a gradient reaches.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Callable, Iterator

import torch
from torch import nn

from .._validate import require_lengths


def _map_state(function, *states):
    """Apply ``function`` to a state that is one tensor or a tuple of tensors (an LSTM's ``(h, c)``)."""
    if isinstance(states[0], tuple):
        return tuple(function(*parts) for parts in zip(*states))
    return function(*states)


class StateRecorder:
    r"""The states that :func:`unroll` passed through while :func:`record_states` was active (chapter 5).

    ``runs`` holds one entry per call of :func:`unroll`, in call order: a stacked layer makes one
    call per layer and direction (layer 0 forwards, layer 0 backwards, layer 1 forwards, …). A run
    is a list of ``T + 1`` entries, entry ``k`` for the state :math:`s_k` after step ``k``
    (``k = 0``: the initial state), each a tuple with one *probe* per tensor of the state (one
    for a simple RNN, two for an LSTM's ``(h, c)`` or an SCRN's ``(h, s)``). A probe is a tensor
    of zeros, of the part's shape, that requires grad; the loop carries :math:`s_k + 0` in place
    of :math:`s_k`, so that for any loss :math:`L` computed afterwards

    .. math::  \frac{\partial L}{\partial \mathrm{probe}} = \frac{\partial L}{\partial s_k},

    the gradient through every later use of :math:`s_k` (the next step, the output of step
    ``k``), taken with ``torch.autograd.grad(loss, probes)``. For a state of several tensors each
    probe is added after the step has computed all of them, so the gradient with respect to an
    LSTM's :math:`c_k` does not include the path through :math:`h_k = o_k \odot \tanh(c_k)`
    inside step ``k`` (:math:`h_k` has a probe of its own). A part that is not a floating-point
    tensor has ``None`` for a probe. Nothing here raises.
    """

    def __init__(self):
        self.runs: list[list[tuple[torch.Tensor | None, ...]]] = []

    def _probe(self, state):
        parts = state if isinstance(state, tuple) else (state,)
        probes = tuple(
            torch.zeros_like(part, requires_grad=True)
            if isinstance(part, torch.Tensor) and part.is_floating_point() else None
            for part in parts
        )
        self.runs[-1].append(probes)
        probed = tuple(part if probe is None else part + probe for part, probe in zip(parts, probes))
        return probed if isinstance(state, tuple) else probed[0]

    def _start(self, state):
        self.runs.append([])
        return self._probe(state)


# One stack of recorders per thread: a recorder sees only the loops of the thread that opened it.
_recording = threading.local()


def _active_recorder() -> StateRecorder | None:
    stack = getattr(_recording, "stack", None)
    return stack[-1] if stack else None


@contextmanager
def record_states() -> Iterator[StateRecorder]:
    """While active, every :func:`unroll` of this thread records its states in the yielded :class:`StateRecorder` (chapter 5).

    ::

        with record_states() as recorder:
            output, h_n = layer(x)
        probes = [step[0] for step in recorder.runs[-1]]      # h_0 ... h_T of the last run
        grads = torch.autograd.grad(loss_of(output), probes)  # dL/dh_k for k = 0 ... T

    Every scratch layer of the package runs on :func:`unroll`, so this sees inside all of them;
    :func:`~companion.training.gradient_flow.state_gradient_norms` uses it. The values computed
    are unchanged (each state gains a zero). Outside the block :func:`unroll` records nothing
    and adds nothing to the graph; blocks nest (the innermost records), and each thread has its
    own. Under ``torch.no_grad()`` the probes are recorded but no gradient reaches them. Nothing
    here raises.
    """
    recorder = StateRecorder()
    stack = getattr(_recording, "stack", None)
    if stack is None:
        stack = _recording.stack = []
    stack.append(recorder)
    try:
        yield recorder
    finally:
        stack.remove(recorder)


def unroll(
    step: Callable,
    inputs: torch.Tensor,
    state,
    lengths: torch.Tensor | None = None,
    emit: Callable | None = None,
):
    r"""Apply ``step`` along the time axis: :math:`s_t = \mathrm{step}(x_t, s_{t-1})`, t = 1…T (chapter 1).

    ``inputs`` is ``(T, B, F)`` and ``state`` the initial state: a ``(B, H)`` tensor (the memory
    of a simple RNN) or a tuple of them. Each step's output is ``emit(state)`` — by default the
    state itself. Returns the outputs stacked ``(T, B, H)`` and the final state. With
    ``lengths`` (one per sequence of a padded batch) a sequence's state stops changing after its
    last real step, its outputs there are zeros, and the final state is the one at its last
    real step — what ``torch.nn.RNN`` gives for a packed sequence. Every scratch layer of
    chapters 2 and 3 runs on it; it checks nothing itself (its callers check their inputs).
    Inside :func:`record_states` it also records every state it passes through (chapter 5).
    """
    emit = emit or (lambda s: s)
    outputs = []
    if lengths is not None:
        lengths = lengths.to(inputs.device)
    recorder = _active_recorder()
    if recorder is not None:
        state = recorder._start(state)
    for t in range(inputs.shape[0]):
        new_state = step(inputs[t], state)
        if lengths is None:
            if recorder is not None:
                new_state = recorder._probe(new_state)
            outputs.append(emit(new_state))
        else:
            running = (t < lengths).unsqueeze(1)
            new_state = _map_state(lambda new, old: torch.where(running, new, old), new_state, state)
            if recorder is not None:
                new_state = recorder._probe(new_state)
            output = emit(new_state)
            outputs.append(torch.where(running, output, torch.zeros_like(output)))
        state = new_state
    return torch.stack(outputs), state


def reverse_padded(sequence: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
    """Each sequence of a time-major padded batch ``(T, B, …)`` in reverse order, padding left at the end (chapter 2).

    Without ``lengths`` this is ``sequence.flip(0)``. With them, sequence ``b`` has its first
    ``lengths[b]`` steps reversed and zeros after them. Applying it twice gives back the real
    steps, which is how a backward-running layer's outputs are put back in time order. Raises
    ``ValueError`` if ``lengths`` is not one integer in ``1..T`` per sequence.
    """
    if lengths is None:
        return sequence.flip(0)
    steps = sequence.shape[0]
    lengths = require_lengths("lengths", lengths, sequence.shape[1], steps).to(sequence.device)
    source = lengths.unsqueeze(0) - 1 - torch.arange(steps, device=sequence.device).unsqueeze(1)
    real = source >= 0
    index = source.clamp(min=0).reshape(steps, -1, *([1] * (sequence.dim() - 2))).expand_as(sequence)
    real = real.reshape(index.shape[:2] + (1,) * (sequence.dim() - 2))
    return torch.where(real, sequence.gather(0, index), torch.zeros_like(sequence))


def run_bidirectional(run_forward, run_backward, inputs: torch.Tensor, lengths=None):
    r"""Run one layer over the sequence forwards and another backwards; join their outputs (chapter 2).

    .. math::  \overrightarrow{h}_t = f(x_t, \overrightarrow{h}_{t-1}), \quad
               \overleftarrow{h}_t = g(x_t, \overleftarrow{h}_{t+1}), \quad
               h_t = [\overrightarrow{h}_t ; \overleftarrow{h}_t]

    ``run_forward`` and ``run_backward`` map ``(inputs (T, B, F), lengths)`` to
    ``(outputs (T, B, H), final state)``. Returns the concatenated outputs ``(T, B, 2H)`` and the
    two final states; the backward layer's final state is the one after it has read the first step.
    """
    forward_outputs, forward_final = run_forward(inputs, lengths)
    backward_outputs, backward_final = run_backward(reverse_padded(inputs, lengths), lengths)
    outputs = torch.cat([forward_outputs, reverse_padded(backward_outputs, lengths)], dim=-1)
    return outputs, (forward_final, backward_final)


class Bidirectional(nn.Module):
    r"""Any recurrent layer made bidirectional: one copy reads forwards, another backwards (chapter 2).

    .. math::  o_t = [\overrightarrow{o}_t ; \overleftarrow{o}_t]

    ``forward_layer`` and ``backward_layer`` (two instances of the same kind of layer, time-major)
    each map ``(input, hx, lengths=...)`` to ``(output, final state)``. ``forward(input, hx=None,
    lengths=None)`` takes ``hx`` as ``None`` or the pair of the two layers' initial states, and
    returns the outputs of both, concatenated along the last dimension, and the pair of final
    states. Raises ``ValueError`` for layers of two kinds, a batch-first layer, an ``hx`` that is
    not a pair, or bad ``lengths``. ``StackedRecurrent(bidirectional=True)`` does the same inside each
    layer of a stack, with torch's weight names.
    """

    def __init__(self, forward_layer: nn.Module, backward_layer: nn.Module):
        super().__init__()
        if type(forward_layer) is not type(backward_layer):
            raise ValueError(
                "backward_layer: expected the same kind of layer as forward_layer "
                f"({type(forward_layer).__name__}), got {type(backward_layer).__name__}"
            )
        for name, layer in (("forward_layer", forward_layer), ("backward_layer", backward_layer)):
            if getattr(layer, "batch_first", False):
                raise ValueError(f"{name}: expected a time-major layer (batch_first=False), got batch_first=True")
        self.forward_layer = forward_layer
        self.backward_layer = backward_layer

    def forward(self, input: torch.Tensor, hx=None, lengths=None):
        if hx is None:
            hx = (None, None)
        elif not isinstance(hx, (tuple, list)) or len(hx) != 2:
            raise ValueError(
                f"hx: expected None or a pair (forward layer's hx, backward layer's hx), got {type(hx).__name__}"
            )
        if lengths is not None:
            lengths = require_lengths("lengths", lengths, input.shape[1], input.shape[0])

        def run(layer, state):
            return lambda x, n: layer(x, state, lengths=n)

        return run_bidirectional(
            run(self.forward_layer, hx[0]), run(self.backward_layer, hx[1]), input, lengths
        )
