"""The checkers of chapter 2's coding exercises: counting weights, reversing a padded batch, a bidirectional Jordan network.

Each checker returns a :class:`~companion.exercises.harness.Feedback`, runs the student's code
through :func:`~companion.exercises.harness.run_student` (a time limit, every exception reported)
and compares in float64 with the companion's own modules: ``count_parameters`` of
:class:`~companion.layers.ElmanRNN` and :class:`~companion.layers.JordanRNN`, and
:func:`~companion.layers.reverse_padded`.
"""
from __future__ import annotations

from typing import Callable

import torch
from torch import nn

from .._checks import require_positive_int
from ..layers import ElmanRNN, JordanRNN, reverse_padded
from ..models.networks import count_parameters
from .answers import float_tolerance, read_count, read_numbers, same_values
from .harness import DEFAULT_TIMEOUT, STUB, Feedback, describe_type, require_timeout, run_student

# (F, H, O): the chapter's ATIS tagger first, then sizes where every hinted mistake gives its own count.
WEIGHT_SIZES = ((700, 200, 127), (9, 7, 3), (5, 13, 20))
# (T, lengths, F): the chapter's batch first.
REVERSE_CASES = ((6, (6, 4, 2), 2), (5, (1, 5, 3, 2), 3))
BIDIRECTIONAL_LENGTHS = (6, 4, 2)  # the chapter's padded batch: T = 6, B = 3


def _elman_count(F: int, H: int, O: int) -> int:
    return count_parameters(ElmanRNN(F, H)) + count_parameters(nn.Linear(H, O))


def _jordan_count(F: int, H: int, O: int) -> int:
    return count_parameters(JordanRNN(F, H, O))


def _count_hints(network: str, F: int, H: int, O: int) -> list[tuple[int, str]]:
    """(a wrong count, what it means) for the commonest mistakes in counting ``network``'s weights."""
    readout = O * (H + 1)
    if network == "Elman":
        recurrent, right, other = H * H, H * (F + H + 2) + readout, H * (F + O + 2) + readout
        biases = "the companion's Elman layer has two, b_ih and b_hh, as torch.nn.RNN has"
        swapped = ("That is the Jordan network's count: an Elman layer's recurrent matrix W_hh is H × H, "
                   "because it reads the memory h_{t-1}, not the output.")
        readout_names, recurrent_name = "V (O × H) and c (O)", "W_hh (H × H)"
    else:
        recurrent, right, other = H * O, H * (F + O + 2) + readout, H * (F + H + 2) + readout
        biases = "the companion's Jordan network has b_ih and b_yh on the hidden layer"
        swapped = ("That is the Elman count: a Jordan network feeds back the output distribution "
                   "ŷ_{t-1}, O numbers, so its recurrent matrix W_yh is H × O, not H × H.")
        readout_names, recurrent_name = "W_hy (O × H) and b_hy (O)", "W_yh (H × O)"
    return [
        (other, swapped),
        (right - H, f"One bias vector of H numbers is missing: {biases}."),
        (right - 2 * H, f"Both bias vectors of the hidden layer (H numbers each) are missing: {biases}."),
        (right - O, "The read-out's bias (O numbers) is missing."),
        (right - 2 * H - O, "No bias is counted: the hidden layer has two bias vectors and the read-out one."),
        (right - readout, f"The read-out is missing: add {readout_names}."),
        (right - recurrent, f"The recurrent matrix {recurrent_name} is missing."),
    ]


def check_weight_counts(
    elman_weights: Callable[[int, int, int], int],
    jordan_weights: Callable[[int, int, int], int],
    *,
    timeout: float = DEFAULT_TIMEOUT,
) -> Feedback:
    """Chapter 2, exercise "Counting weights": the number of weights of an Elman layer with its read-out, and of a Jordan network.

    ``elman_weights(F, H, O)`` must return the number of weights of ``ElmanRNN(F, H)`` followed
    by ``nn.Linear(H, O)``, :math:`H(F + H + 2) + O(H + 1)`, and ``jordan_weights(F, H, O)``
    that of ``JordanRNN(F, H, O)``, :math:`H(F + O + 2) + O(H + 1)`, biases as in the
    companion. Both are compared with ``count_parameters`` of the real modules for three sizes,
    the chapter's ATIS tagger (F = 700, H = 200, O = 127) first; a hint names a missing bias,
    read-out or recurrent matrix, or the two networks swapped. Any whole number is accepted.
    Each call may take ``timeout`` seconds. Raises ``ValueError`` for a bad ``timeout`` only.
    """
    timeout = require_timeout(timeout)
    counted = {}
    for F, H, O in WEIGHT_SIZES:
        for network, function, reference in (("Elman", elman_weights, _elman_count),
                                             ("Jordan", jordan_weights, _jordan_count)):
            where = f"for the {network} count with F = {F}, H = {H}, O = {O}"
            outcome = run_student(function, F, H, O, timeout=timeout)
            if outcome.kind == "stub":
                return Feedback(False, STUB.replace("the function", f"the {network} function", 1))
            if not outcome.returned:
                return outcome.feedback(where)
            given, problem = read_count(outcome.value, "the number of weights")
            if problem:
                return Feedback(False, f"{where}: {problem}")
            expected = reference(F, H, O)
            counted[network, F] = expected
            if given == expected:
                continue
            hint = next((text for wrong, text in _count_hints(network, F, H, O) if given == wrong), "")
            return Feedback(
                False,
                f"{where} your function gives {given:,}; count_parameters gives {expected:,} "
                f"({given - expected:+,}). {hint}".rstrip(),
            )
    F = WEIGHT_SIZES[0][0]
    elman, jordan = counted["Elman", F], counted["Jordan", F]
    return Feedback(
        True,
        f"both counts match count_parameters for {len(WEIGHT_SIZES)} sizes. At the chapter's sizes "
        f"(F = 700, H = 200, O = 127): Elman {elman:,}, Jordan {jordan:,}, {elman - jordan:,} more for Elman.",
    )


def _padded_batch(steps: int, lengths: tuple[int, ...], features: int, generator: torch.Generator) -> torch.Tensor:
    """A time-major batch ``(T, B, F)`` in torch's default dtype, zeros after each sentence's end."""
    x = torch.randn(steps, len(lengths), features, generator=generator, dtype=torch.float64)
    for b, length in enumerate(lengths):
        x[length:, b] = 0.0
    return x.to(torch.get_default_dtype())


def check_reverse_padded(my_reverse_padded: Callable, *, timeout: float = DEFAULT_TIMEOUT) -> Feedback:
    """Chapter 2, exercise "Flip or reverse?": ``my_reverse_padded(x, lengths)`` must reverse each sentence within its own length.

    ``x`` is a padded time-major batch ``(T, B, F)`` in torch's default dtype, zeros after each
    sentence's end, and ``lengths`` an int64 tensor ``(B,)``. Sentence ``b``'s steps
    ``0 … lengths[b] - 1`` come back in reverse order and its padding steps stay where they were,
    as :func:`~companion.layers.reverse_padded` returns them; two batches are tried, the
    chapter's (lengths 6, 4, 2) first. Any real dtype or container of the right shape is
    accepted. A hint names the whole tensor flipped (``x.flip(0)``, which puts each shorter
    sentence's padding first), another axis reversed, the input returned unchanged, or changed
    padding. Each call may take ``timeout`` seconds. Raises ``ValueError`` for a bad ``timeout``
    only.
    """
    timeout = require_timeout(timeout)
    generator = torch.Generator().manual_seed(0)
    input_eps = torch.finfo(torch.get_default_dtype()).eps
    for steps, lengths, features in REVERSE_CASES:
        x = _padded_batch(steps, lengths, features, generator)
        lengths_tensor = torch.tensor(lengths)
        x64 = x.double()
        expected = reverse_padded(x64, lengths_tensor)
        where = f"on a batch of shape {tuple(x.shape)} with lengths {list(lengths)}"
        outcome = run_student(my_reverse_padded, x.clone(), lengths_tensor.clone(), timeout=timeout)
        if not outcome.returned:
            return outcome.feedback(where, hint_if_raised="x is (T, B, F) and lengths a tensor of B integers.")
        given = read_numbers(outcome.value, tuple(x.shape), "the reversed batch")
        if given.values is None:
            return Feedback(False, f"{where}: {given.problem}")
        tolerance = float_tolerance(max(input_eps, given.eps), 1, expected.abs())
        if same_values(given.values, expected, tolerance):
            continue
        return Feedback(False, f"{where}: {_reverse_mistake(given, x64, lengths, expected, tolerance)}")
    return Feedback(
        True,
        f"each sentence is reversed within its own length, its padding left in place, on {len(REVERSE_CASES)} "
        "batches (the chapter's lengths 6, 4, 2 and a sentence of one word).",
    )


def _reverse_mistake(given, x64: torch.Tensor, lengths: tuple[int, ...], expected: torch.Tensor, tolerance) -> str:
    """What is wrong with a student's reversal, in words."""
    values = given.values
    for wrong, hint in (
        (x64.flip(0), "you flipped the whole padded tensor (x.flip(0)): each shorter sentence now starts "
                      "with its padding and its words sit at the wrong steps. Reverse sentence b within its "
                      "own length: its steps 0 … lengths[b] - 1."),
        (x64, "you returned x unchanged."),
        (x64.flip(1), "you reversed the batch axis; time is axis 0 of x, shaped (T, B, F)."),
        (x64.flip(2), "you reversed the feature axis; time is axis 0 of x, shaped (T, B, F)."),
    ):
        if same_values(values, wrong, tolerance):
            return hint
    real = torch.zeros(values.shape[:2], dtype=torch.bool)
    for b, length in enumerate(lengths):
        real[:length, b] = True
    wrong_steps = ((values - expected).abs() > tolerance).any(dim=-1)
    if not (wrong_steps & real).any():
        return ("the real steps are right, but the padding steps changed: leave them where they were "
                "(zeros here).")
    t, b = (int(i) for i in (wrong_steps & real).nonzero()[0])
    length = lengths[b]
    return (
        f"sentence {b + 1} ({length} real steps): step {t} should hold its step {length - 1 - t}, "
        f"{_vector(expected[t, b])}, got {_vector(values[t, b])}."
    )


def _vector(values: torch.Tensor) -> str:
    return "[" + ", ".join(f"{v:.4g}" for v in values.tolist()) + "]"


def _parameter_dtype(layer: nn.Module) -> torch.dtype:
    """The floating dtype of the layer's weights, else torch's default."""
    dtypes = {p.dtype for p in layer.parameters() if p.is_floating_point()}
    return dtypes.pop() if len(dtypes) == 1 else torch.get_default_dtype()


def check_bidirectional_jordan(
    layer: nn.Module, input_size: int, hidden_size: int, output_size: int, *, timeout: float = DEFAULT_TIMEOUT
) -> Feedback:
    """Chapter 2, exercise "A bidirectional Jordan network": the module built, ``Bidirectional(JordanRNN(F, H, O), JordanRNN(F, H, O))``.

    ``layer(x, lengths=lengths)`` runs on a padded batch ``(T, B, F)`` = ``(6, 3, F)`` with
    lengths 6, 4, 2 (in the dtype of the layer's weights, float32 by default). It must return
    the scores of both directions ``(T, B, 2O)`` and the pair of final states, two ``(B, O)``;
    and, by changing single words of the batch and watching the output: no real step's output
    may change with the padding, the forward half (``[..., :O]``) must not see later words nor
    the backward half (``[..., O:]``) earlier ones, and the backward half at a sentence's first
    step must change with its last real word. Feedback names the property that fails. Each call
    may take ``timeout`` seconds. Raises ``ValueError`` for a bad ``timeout`` or sizes that are
    not positive integers.
    """
    timeout = require_timeout(timeout)
    F, H, O = (require_positive_int(name, value) for name, value in
               (("input_size", input_size), ("hidden_size", hidden_size), ("output_size", output_size)))
    if layer is Ellipsis:  # the notebook's stub, `bi_jordan = ...`
        return Feedback(False, "the module is still a stub: replace `...` with the bidirectional Jordan "
                               "network you build.")
    if isinstance(layer, type):
        return Feedback(False, f"you passed the class {layer.__name__} itself; pass the module you built, e.g. "
                               "Bidirectional(JordanRNN(F, H, O), JordanRNN(F, H, O)).")
    if not isinstance(layer, nn.Module):
        return Feedback(False, "expected the module you built, e.g. Bidirectional(JordanRNN(F, H, O), "
                               f"JordanRNN(F, H, O)), got {describe_type(layer)}.")
    lengths = torch.tensor(BIDIRECTIONAL_LENGTHS)
    steps, batch = int(lengths.max()), len(BIDIRECTIONAL_LENGTHS)
    generator = torch.Generator().manual_seed(0)
    dtype = _parameter_dtype(layer)
    x = _padded_batch(steps, BIDIRECTIONAL_LENGTHS, F, generator).to(dtype)
    hint = (f"The checker calls layer(x, lengths=lengths) with x of shape ({steps}, {batch}, {F}) and "
            f"lengths = tensor({list(BIDIRECTIONAL_LENGTHS)}): were the Jordan networks built with F = {F}?")

    def run(inputs: torch.Tensor):
        """The layer's output on ``inputs`` as float64, or the Feedback that says why not."""
        outcome = run_student(_call_layer, layer, inputs, lengths, timeout=timeout)
        if outcome.kind == "stub":
            return None, Feedback(False, STUB.replace("the function", "your layer's forward", 1))
        if not outcome.returned:
            extra = f" {hint}" if outcome.kind == "raised" else ""
            return None, Feedback(False, f"your layer {outcome.problem}.{extra}")
        result = outcome.value
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            return None, Feedback(False, "expected (output, final states), the pair that Bidirectional "
                                         f"returns, got {describe_type(result)}.")
        output, finals = result
        shape = tuple(getattr(output, "shape", ()))
        if shape == (steps, batch, 2 * H) and H != O:
            return None, Feedback(False, f"the output has shape {shape}, (T, B, 2H): a Jordan network's output "
                                         f"is its O = {O} scores per step, so both directions give (T, B, 2O).")
        if shape == (steps, batch, O):
            return None, Feedback(False, f"the output has shape {shape}, one direction's (T, B, O): a "
                                         "bidirectional layer joins both, (T, B, 2O).")
        read = read_numbers(output, (steps, batch, 2 * O), "the scores of both directions, (T, B, 2O)")
        if read.values is None:
            return None, Feedback(False, f"the output: {read.problem}")
        if not isinstance(finals, (tuple, list)) or len(finals) != 2:
            return None, Feedback(False, "expected the final states as a pair (forward, backward), got "
                                         f"{describe_type(finals)}.")
        for name, final in zip(("forward", "backward"), finals):
            state = read_numbers(final, (batch, O), "a last fed-back distribution, (B, O)")
            if state.values is None:
                return None, Feedback(False, f"the {name} final state: {state.problem}")
        return read.values, None

    base, failed = run(x)
    if failed is not None:  # a Feedback that did not pass is falsy: compare with None
        return failed
    tolerance = 64 * torch.finfo(dtype).eps * (1 + base.abs())
    forward, backward = slice(0, O), slice(O, 2 * O)
    for perturb, check, fails in _properties(BIDIRECTIONAL_LENGTHS, forward, backward):
        changed_input = x.clone()
        perturb(changed_input, generator)
        changed, failed = run(changed_input)
        if failed is not None:
            return failed
        if not check(changed, base, tolerance):
            return Feedback(False, fails)
    return Feedback(
        True,
        f"output ({steps}, {batch}, {2 * O}) and final states two of ({batch}, {O}); the backward half at a "
        "sentence's first step reads its last real word, no output reads the padding, and neither half "
        "sees the wrong side of the sentence.",
    )


def _call_layer(layer: nn.Module, inputs: torch.Tensor, lengths: torch.Tensor):
    with torch.no_grad():
        return layer(inputs, lengths=lengths.clone())


def _properties(lengths: tuple[int, ...], forward: slice, backward: slice):
    """(change the batch in place, a test of the new output against the old, what fails) for each property."""
    short = min(range(len(lengths)), key=lambda b: lengths[b])  # the shortest sentence shows a dependence best
    length = lengths[short]
    full = max(range(len(lengths)), key=lambda b: lengths[b])

    def noise(x, where, generator):
        x[where] = 3 * torch.randn(x[where].shape, generator=generator, dtype=torch.float64).to(x.dtype)

    def same(where):
        return lambda new, old, tol: bool(((new - old)[where].abs() <= tol[where]).all())

    def differs(where):
        return lambda new, old, tol: bool(((new - old)[where].abs() > 16 * tol[where]).any())

    real = torch.zeros(max(lengths), len(lengths), dtype=torch.bool)  # (T, B)
    for b, n in enumerate(lengths):
        real[:n, b] = True
    return [
        (lambda x, g: noise(x, ~real, g),
         lambda new, old, tol: bool((((new - old).abs() <= tol) | ~real[..., None]).all()),
         "the outputs at real steps change when only the padding changes: a direction reads the padding. "
         "Bidirectional reverses each sentence within its own length when given lengths; a layer that flips "
         "the whole batch (x.flip(0)) does not."),
        (lambda x, g: noise(x, (slice(2, lengths[full]), full), g),
         same((slice(0, 2), full, forward)),
         f"the forward half of the output (output[..., :O]) at steps 1-2 of sentence {full + 1} changes when "
         "later words change: the forward network sees the future. Are the two halves swapped?"),
        (lambda x, g: noise(x, (slice(0, 1), full), g),
         same((slice(1, lengths[full]), full, backward)),
         f"the backward half of the output (output[..., O:]) at steps 2-{lengths[full]} of sentence {full + 1} "
         "changes when its first word changes: the backward network sees the past. Are the two halves swapped?"),
        (lambda x, g: noise(x, (length - 1, short), g),
         differs((0, short, backward)),
         f"the backward half of the output at the first step of sentence {short + 1} ({length} words) does not "
         f"change when its last word (step {length}) changes: the backward network must read each sentence "
         "from its own last word."),
        (lambda x, g: noise(x, (0, short), g),
         differs((length - 1, short, forward)),
         f"the forward half of the output at the last step of sentence {short + 1} does not change when its "
         "first word changes: the forward network must carry what it read."),
    ]
