"""The checkers of chapter 3's coding exercises: one GRU step, and the parameters of a peephole LSTM.

Each checker returns a :class:`~companion.exercises.harness.Feedback` and runs the student's code
through :func:`~companion.exercises.harness.run_student`. The GRU step is compared in float64
with ``torch.nn.GRUCell``; the count with ``count_parameters`` of the companion's
:class:`~companion.layers.LSTM` with ``peephole=True``.
"""
from __future__ import annotations

from dataclasses import replace
from itertools import permutations
from typing import Callable

import torch
from torch import nn

from .._checks import require_non_negative_int
from ..layers import LSTM
from ..models.networks import count_parameters
from .answers import describe_mismatch, float_tolerance, read_count, read_numbers, same_values
from .harness import DEFAULT_TIMEOUT, Feedback, require_timeout, run_student

GRU_SIZES = ((4, 3, 2), (2, 5, 4), (3, 2, 6))  # (batch B, input size F, hidden size H) of each random case
GRU_SHAPES_HINT = (
    "Shapes: x is (B, F) and weight_ih (3H, F), so x @ weight_ih.T is (B, 3H); h is (B, H) and weight_hh "
    "(3H, H). weight_ih.chunk(3) gives the rows of r, z and n."
)
GATES = ("r", "z", "n")
PEEPHOLE_SIZES = ((128, 256), (3, 5), (7, 2))  # (F, H): the chapter's sizes first


def _gru(x, h, weight_ih, weight_hh, bias_ih, bias_hh, order=(0, 1, 2), cho=False, swapped=False,
         bias_outside=False, candidate_only=False):
    """One GRU step in float64, torch's by default; the options are the mistakes the checker recognises."""
    # each gate's (W_i, W_h, b_i, b_h), its rows taken from the blocks in ``order``
    (w_ir, w_hr, b_ir, b_hr), (w_iz, w_hz, b_iz, b_hz), (w_in, w_hn, b_in, b_hn) = (
        tuple(w.chunk(3)[i] for w in (weight_ih, weight_hh, bias_ih, bias_hh)) for i in order
    )
    r = torch.sigmoid(x @ w_ir.T + b_ir + h @ w_hr.T + b_hr)
    z = torch.sigmoid(x @ w_iz.T + b_iz + h @ w_hz.T + b_hz)
    if cho:  # Cho et al.: the memory reset before the product
        n = torch.tanh(x @ w_in.T + b_in + (r * h) @ w_hn.T + b_hn)
    elif bias_outside:  # b_hn left out of the reset
        n = torch.tanh(x @ w_in.T + b_in + r * (h @ w_hn.T) + b_hn)
    else:
        n = torch.tanh(x @ w_in.T + b_in + r * (h @ w_hn.T + b_hn))
    if candidate_only:
        return n
    return z * n + (1 - z) * h if swapped else (1 - z) * n + z * h


def _gru_mistakes():
    """(options of :func:`_gru`, the hint) for each mistake the checker names."""
    found = [
        (dict(cho=True), "you reset the memory before the product, (r ⊙ h) @ W_hn.T, as Cho et al. write it: "
                         "close, but torch resets the product, r ⊙ (h @ W_hn.T + b_hn)."),
        (dict(swapped=True), "you mixed with the roles of z swapped, h_t = z ⊙ n + (1 - z) ⊙ h (Olah's "
                             "figure): torch keeps the old memory with z, h_t = (1 - z) ⊙ n + z ⊙ h."),
        (dict(bias_outside=True), "b_hn stands outside the reset: torch multiplies r with the whole "
                                  "(h @ W_hn.T + b_hn)."),
        (dict(candidate_only=True), "you return the candidate n_t; the new memory mixes it with the old: "
                                    "h_t = (1 - z) ⊙ n + z ⊙ h."),
    ]
    for order in permutations(range(3)):
        if order != (0, 1, 2):
            named = ", ".join(GATES[i] for i in order)
            found.append((dict(order=order), f"your gates read torch's row blocks in the order {named}; "
                                             "torch stacks them r, z, n: the first H rows are r's."))
    return found


def check_gru_step(my_gru_step: Callable, seed: int = 0, *, timeout: float = DEFAULT_TIMEOUT) -> Feedback:
    r"""Chapter 3, exercise "The GRU step from its equations": ``my_gru_step(x, h, weight_ih, weight_hh, bias_ih, bias_hh)`` on a batch.

    .. math::
        r &= \sigma(W_{ir} x + b_{ir} + W_{hr} h + b_{hr}),

        z &= \sigma(W_{iz} x + b_{iz} + W_{hz} h + b_{hz}),

        n &= \tanh\big(W_{in} x + b_{in} + r \odot (W_{hn} h + b_{hn})\big),

        h' &= (1 - z) \odot n + z \odot h

    ``x`` is ``(B, F)``, ``h`` ``(B, H)``, ``weight_ih`` ``(3H, F)``, ``weight_hh`` ``(3H, H)``
    and the biases ``(3H,)``, rows in torch's order *r, z, n*, on three random cases drawn from
    ``seed``, in torch's default dtype. The answer ``(B, H)`` is compared in float64 with
    ``torch.nn.GRUCell`` at a tolerance sized to the coarsest dtype involved; hints name Cho et
    al.'s reset before the product, the update's roles swapped (Olah's form), ``b_hn`` outside
    the reset, the candidate returned, and gates read in another order. Each call may take
    ``timeout`` seconds. Raises ``ValueError`` for a bad ``seed`` or ``timeout`` only.
    """
    generator = torch.Generator().manual_seed(require_non_negative_int("seed", seed))
    timeout = require_timeout(timeout)
    dtype = torch.get_default_dtype()
    input_eps = torch.finfo(dtype).eps
    for batch, input_size, hidden_size in GRU_SIZES:
        # Drawn in float64 and then rounded, so that a seed gives the same cases in any dtype.
        x, h, weight_ih, weight_hh, bias_ih, bias_hh = (
            torch.randn(*shape, generator=generator, dtype=torch.float64).to(dtype)
            for shape in ((batch, input_size), (batch, hidden_size), (3 * hidden_size, input_size),
                          (3 * hidden_size, hidden_size), (3 * hidden_size,), (3 * hidden_size,))
        )
        inputs64 = tuple(t.double() for t in (x, h, weight_ih, weight_hh, bias_ih, bias_hh))
        reference = nn.GRUCell(input_size, hidden_size, dtype=torch.float64)
        with torch.no_grad():
            for name, value in zip(("weight_ih", "weight_hh", "bias_ih", "bias_hh"), inputs64[2:]):
                getattr(reference, name).copy_(value)
            expected = reference(inputs64[0], inputs64[1])
        where = f"with batch {batch}, input size {input_size} and hidden size {hidden_size}"
        # Copies: a student's step that changes its inputs in place must not change the checker's.
        outcome = run_student(my_gru_step, *(t.clone() for t in (x, h, weight_ih, weight_hh, bias_ih, bias_hh)),
                              timeout=timeout)
        if not outcome.returned:
            return outcome.feedback(where, hint_if_raised=GRU_SHAPES_HINT)
        given = read_numbers(outcome.value, (batch, hidden_size), "the new memory, (B, H)")
        if given.values is None:
            return Feedback(False, f"{where}: {given.problem}")
        x64, h64, w_ih64, w_hh64, b_ih64, b_hh64 = inputs64
        # Each gate's pre-activation is a sum of F + H + 2 terms; the largest bounds the rounding.
        blocks = (x64.abs() @ w_ih64.abs().T + h64.abs() @ w_hh64.abs().T + b_ih64.abs() + b_hh64.abs())
        scale = blocks.reshape(batch, 3, hidden_size).amax(dim=1) + h64.abs()
        tolerance = 2 * float_tolerance(max(input_eps, given.eps), input_size + hidden_size + 2, scale)
        if same_values(given.values, expected, tolerance):
            continue
        for options, hint in _gru_mistakes():
            if same_values(given.values, _gru(*inputs64, **options), tolerance):
                return Feedback(False, f"{where}: {hint}")
        flat = replace(given, values=given.values.flatten())
        mismatch = describe_mismatch(flat, expected.flatten(), tolerance.flatten())
        return Feedback(False, f"{where}: {mismatch}".replace("at position", "at position (counted row by row)"))
    return Feedback(True, f"your GRU step matches torch.nn.GRUCell on {len(GRU_SIZES)} random batches.")


def _peephole_hints(F: int, H: int) -> list[tuple[int, str]]:
    """(a wrong count, what it means) for the commonest mistakes in counting a peephole LSTM."""
    right = 4 * H * (F + H + 2) + 3 * H
    return [
        (right - 3 * H, "The peepholes are missing: one vector of H weights for each of the input, forget "
                        "and output gates, 3H in all."),
        (right - 4 * H, "One bias set is missing: the companion, like torch, has two bias vectors, b_ih and "
                        "b_hh, of 4H numbers each."),
        (right - 7 * H, "The peepholes (3H) and one of the two bias sets (4H) are missing."),
        (right - 8 * H, "No bias is counted: there are two bias vectors, b_ih and b_hh, of 4H numbers each."),
        (right - H, "You counted two peephole vectors; there are three, for the input, forget and output gates."),
        (right + H, "You counted four peephole vectors; the candidate g has none: three, 3H in all."),
        (right - 3 * H + 3 * H * H, "Peepholes are diagonal: one vector of H weights per gate, not an H × H "
                                    "matrix."),
        (right - H * (F + H + 2), "You counted three sets of weights and biases; an LSTM has four, for i, f, g "
                                  "and o."),
    ]


def check_peephole_parameters(peephole_parameters: Callable[[int, int], int], *,
                              timeout: float = DEFAULT_TIMEOUT) -> Feedback:
    r"""Chapter 3, exercise "Counting the variants' parameters": the number of parameters of a peephole LSTM layer.

    ``peephole_parameters(F, H)`` must return ``count_parameters(LSTM(F, H, peephole=True))``,
    :math:`4H(F + H + 2) + 3H`, compared for three sizes, the chapter's F = 128, H = 256 first.
    Any whole number is accepted. A hint names the peepholes forgotten (off by 3H), one bias set
    forgotten (off by 4H), too many or too few peephole vectors, full peephole matrices, or three
    gates instead of four. Each call may take ``timeout`` seconds. Raises ``ValueError`` for a
    bad ``timeout`` only.
    """
    timeout = require_timeout(timeout)
    for F, H in PEEPHOLE_SIZES:
        where = f"with F = {F} and H = {H}"
        outcome = run_student(peephole_parameters, F, H, timeout=timeout)
        if not outcome.returned:
            return outcome.feedback(where)
        given, problem = read_count(outcome.value, "the number of parameters")
        if problem:
            return Feedback(False, f"{where}: {problem}")
        expected = count_parameters(LSTM(F, H, peephole=True))
        if given == expected:
            continue
        hint = next((text for wrong, text in _peephole_hints(F, H) if given == wrong), "")
        return Feedback(
            False,
            f"{where} your function gives {given:,}; count_parameters gives {expected:,} ({given - expected:+,}). "
            f"{hint}".rstrip(),
        )
    F, H = PEEPHOLE_SIZES[0]
    return Feedback(
        True,
        f"your count matches count_parameters for {len(PEEPHOLE_SIZES)} sizes; at F = {F}, H = {H} a peephole "
        f"LSTM has {4 * H * (F + H + 2) + 3 * H:,} parameters.",
    )
