"""The checkers of chapters 2 to 4 against tables of student answers: correct solutions, each
hinted mistake, a stub, a wrong type, NaN, an endless loop. Each row is a student's answer, the
verdict it must get and a phrase of the message; a checker never raises because of the student."""
import math
import sys
import time

import numpy as np
import pytest
import torch
from torch import nn

from companion.exercises import (
    Feedback,
    check_bidirectional_jordan,
    check_clip,
    check_gru_step,
    check_jordan_gradients,
    check_peephole_parameters,
    check_reverse_padded,
    check_weight_counts,
    read_count,
)
from companion.exercises import checkers_bptt, checkers_gated, checkers_variants
from companion.layers import Bidirectional, ElmanRNN, JordanRNN, LSTM
from companion.models.networks import count_parameters

TIMEOUT = 0.5  # seconds: the endless loops of the tables end in this time


def stub(*args):
    raise NotImplementedError  # your code here


def loops_for_ever(*args):
    while True:
        pass


def exits(*args):
    sys.exit()


# ------------------------------------------------------------------------------------------
# chapter 2: counting weights


def elman(F, H, O):
    return H * (F + H + 2) + O * (H + 1)


def jordan(F, H, O):
    return H * (F + O + 2) + O * (H + 1)


def off_by(function, amount):
    return lambda F, H, O: function(F, H, O) + amount(F, H, O)


def elman_answer(function):
    """The checker with the student's Elman function and a correct Jordan one."""
    return lambda f, **kw: check_weight_counts(f, jordan, **kw), function


def jordan_answer(function):
    return lambda f, **kw: check_weight_counts(elman, f, **kw), function


WEIGHT_TABLE = [
    ("correct", elman_answer(elman), True, "Elman 205,927, Jordan 191,327, 14,600 more for Elman"),
    ("float counts", elman_answer(lambda F, H, O: float(elman(F, H, O))), True, "both counts match"),
    ("NumPy counts", elman_answer(lambda F, H, O: np.int64(elman(F, H, O))), True, "both counts match"),
    ("Elman stub", elman_answer(stub), False, "the Elman function is still a stub"),
    ("Jordan stub", jordan_answer(stub), False, "the Jordan function is still a stub"),
    ("Elman raises", elman_answer(lambda F, H, O: F / 0), False,
     "for the Elman count with F = 700, H = 200, O = 127 your function raised ZeroDivisionError"),
    ("loops for ever", jordan_answer(loops_for_ever), False, "did not finish within 0.5 seconds"),
    ("exits", jordan_answer(exits), False, "called exit (SystemExit)"),
    ("not a function", elman_answer(205927), False, "the checker needs your function itself"),
    ("None", jordan_answer(lambda F, H, O: None), False, "forget to `return`"),
    ("NaN", jordan_answer(lambda F, H, O: math.nan), False, "your function returned NaN, not the number of weights."),
    ("a fraction", elman_answer(lambda F, H, O: elman(F, H, O) / 2), False, "which is not a whole number"),
    ("a string", elman_answer(lambda F, H, O: str(elman(F, H, O))), False, "got a str"),
    ("a pair", elman_answer(lambda F, H, O: (elman(F, H, O), jordan(F, H, O))), False, "got shape (2,)"),
    ("Elman one bias", elman_answer(off_by(elman, lambda F, H, O: -H)), False,
     "(-200). One bias vector of H numbers is missing: the companion's Elman layer has two"),
    ("Elman no hidden biases", elman_answer(off_by(elman, lambda F, H, O: -2 * H)), False, "Both bias vectors"),
    ("Elman no read-out bias", elman_answer(off_by(elman, lambda F, H, O: -O)), False, "The read-out's bias"),
    ("Elman no biases", elman_answer(off_by(elman, lambda F, H, O: -2 * H - O)), False, "No bias is counted"),
    ("Elman no read-out", elman_answer(lambda F, H, O: H * (F + H + 2)), False,
     "The read-out is missing: add V (O × H) and c (O)."),
    ("Elman no recurrence", elman_answer(off_by(elman, lambda F, H, O: -H * H)), False,
     "The recurrent matrix W_hh (H × H) is missing."),
    ("Elman counted as Jordan", elman_answer(jordan), False, "That is the Jordan network's count"),
    ("Jordan one bias", jordan_answer(off_by(jordan, lambda F, H, O: -H)), False,
     "b_ih and b_yh on the hidden layer"),
    ("Jordan no read-out", jordan_answer(lambda F, H, O: H * (F + O + 2)), False,
     "The read-out is missing: add W_hy (O × H) and b_hy (O)."),
    ("Jordan counted as Elman", jordan_answer(elman), False, "its recurrent matrix W_yh is H × O, not H × H"),
    ("Jordan right at the chapter's sizes only", jordan_answer(lambda F, H, O: 191_327), False,
     "for the Jordan count with F = 9, H = 7, O = 3 your function gives 191,327"),
    ("off by one", jordan_answer(off_by(jordan, lambda F, H, O: 1)), False, "(+1)."),
]


def test_the_weight_counts_are_count_parameters_of_the_companions_modules():
    for F, H, O in checkers_variants.WEIGHT_SIZES:
        assert elman(F, H, O) == count_parameters(ElmanRNN(F, H)) + count_parameters(nn.Linear(H, O))
        assert jordan(F, H, O) == count_parameters(JordanRNN(F, H, O))


@pytest.mark.parametrize("network", ["Elman", "Jordan"])
@pytest.mark.parametrize("F, H, O", checkers_variants.WEIGHT_SIZES)
def test_each_counting_hint_has_its_own_count(network, F, H, O):
    right = (elman if network == "Elman" else jordan)(F, H, O)
    wrong = [count for count, _ in checkers_variants._count_hints(network, F, H, O)]
    assert len(set(wrong)) == len(wrong) and right not in wrong


# ------------------------------------------------------------------------------------------
# chapter 2: reversing a padded batch


def my_reverse_padded(x, lengths):
    out = x.clone()
    for b, n in enumerate(lengths.tolist()):
        out[:n, b] = x[:n, b].flip(0)
    return out


def shifted_by_one(x, lengths):
    out = x.clone()
    for b, n in enumerate(lengths.tolist()):
        out[: n - 1, b] = x[1:n, b].flip(0)
    return out


def in_a_new_zero_tensor(x, lengths):
    out = torch.zeros(x.shape)
    for b, n in enumerate(lengths.tolist()):
        for t in range(n):
            out[t, b] = x[n - 1 - t, b]
    return out


REVERSE_TABLE = [
    ("correct", my_reverse_padded, True, "each sentence is reversed within its own length"),
    ("a loop into zeros", in_a_new_zero_tensor, True, "on 2 batches"),
    ("the companion's", lambda x, lengths: __import__("companion.layers").layers.reverse_padded(x, lengths), True,
     "reversed"),
    ("NumPy", lambda x, lengths: my_reverse_padded(x, lengths).numpy(), True, "reversed"),
    ("float64", lambda x, lengths: my_reverse_padded(x, lengths).double(), True, "reversed"),
    ("stub", stub, False, "the function is still a stub"),
    ("loops for ever", loops_for_ever, False, "did not finish within 0.5 seconds"),
    ("raises", lambda x, lengths: x[lengths], False,
     "on a batch of shape (6, 3, 2) with lengths [6, 4, 2] your function raised IndexError"),
    ("None", lambda x, lengths: None, False, "forget to `return`"),
    ("NaN", lambda x, lengths: my_reverse_padded(x, lengths) * math.nan, False, "… (36 in all)."),
    ("wrong shape", lambda x, lengths: my_reverse_padded(x, lengths)[:, 0], False,
     "expected an array of shape (6, 3, 2) — the reversed batch — got shape (6, 2)."),
    ("a list of sentences", lambda x, lengths: [s for s in x.transpose(0, 1)], False, "got shape (3, 6, 2)"),
    ("x.flip(0)", lambda x, lengths: x.flip(0), False, "you flipped the whole padded tensor (x.flip(0))"),
    ("unchanged", lambda x, lengths: x, False, "you returned x unchanged."),
    ("the batch axis", lambda x, lengths: x.flip(1), False, "you reversed the batch axis"),
    ("the feature axis", lambda x, lengths: x.flip(2), False, "you reversed the feature axis"),
    ("padding changed", lambda x, lengths: my_reverse_padded(x, lengths) + (x == 0), False,
     "the real steps are right, but the padding steps changed"),
    ("off by one", shifted_by_one, False, "sentence 3 (2 real steps): step 1 should hold its step 0"),
]


# ------------------------------------------------------------------------------------------
# chapter 2: a bidirectional Jordan network

F, H, O = 8, 16, 5


def bidirectional_jordan(layer, **kw):
    return check_bidirectional_jordan(layer, F, H, O, **kw)


def built(dtype=None, input_size=F):
    torch.manual_seed(0)
    return Bidirectional(JordanRNN(input_size, H, O, dtype=dtype), JordanRNN(input_size, H, O, dtype=dtype))


class Wrapped(nn.Module):
    """The right layer, with its output changed by ``change(output, lengths, x)``."""

    def __init__(self, change):
        super().__init__()
        self.inner, self.change = built(), change

    def forward(self, x, hx=None, lengths=None):
        output, finals = self.inner(x, lengths=lengths)
        return self.change(output, finals, x)


class Flipped(nn.Module):
    """A student's bidirectional layer that flips the padded batch instead of reversing each sentence."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.forwards, self.backwards = JordanRNN(F, H, O), JordanRNN(F, H, O)

    def forward(self, x, hx=None, lengths=None):
        ahead, last_ahead = self.forwards(x, lengths=lengths)
        behind, last_behind = self.backwards(x.flip(0))
        return torch.cat([ahead, behind.flip(0)], dim=-1), (last_ahead, last_behind)


class TwoForwards(nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.one, self.two = JordanRNN(F, H, O), JordanRNN(F, H, O)

    def forward(self, x, hx=None, lengths=None):
        first, last_first = self.one(x, lengths=lengths)
        second, last_second = self.two(x, lengths=lengths)
        return torch.cat([first, second], dim=-1), (last_first, last_second)


class ForwardStub(nn.Module):
    def forward(self, x, hx=None, lengths=None):
        raise NotImplementedError


class Endless(nn.Module):
    def forward(self, x, hx=None, lengths=None):
        while True:
            pass


BIDIRECTIONAL_TABLE = [
    ("correct", built(), True, "output (6, 3, 10) and final states two of (3, 5)"),
    ("float64 weights", built(torch.float64), True, "the backward half at a sentence's first step reads its last"),
    ("the class", Bidirectional, False, "you passed the class Bidirectional itself"),
    ("not a module", lambda x, lengths=None: x, False, "expected the module you built"),
    ("one direction", JordanRNN(F, H, O), False, "one direction's (T, B, O)"),
    ("Elman layers", Bidirectional(ElmanRNN(F, H), ElmanRNN(F, H)), False, "(T, B, 2H): a Jordan network's output"),
    ("another input size", built(input_size=4), False, "were the Jordan networks built with F = 8?"),
    ("forward stub", ForwardStub(), False, "your layer's forward is still a stub"),
    ("endless", Endless(), False, "your layer did not finish within 0.5 seconds"),
    ("output only", Wrapped(lambda output, finals, x: output), False, "expected (output, final states)"),
    ("one final state", Wrapped(lambda output, finals, x: (output, finals[0])), False,
     "expected the final states as a pair (forward, backward), got a tensor of dtype torch.float32."),
    ("finals not a pair", Wrapped(lambda output, finals, x: (output, torch.stack(finals))), False,
     "got a tensor"),
    ("a wrong final state", Wrapped(lambda output, finals, x: (output, (finals[0], finals[1][0]))), False,
     "the backward final state: expected an array of shape (3, 5) — a last fed-back distribution, (B, O) — got"),
    ("NaN", Wrapped(lambda output, finals, x: (output * math.nan, finals)), False, "the output: your result contains NaN"),
    ("flips the padded batch", Flipped(), False, "the outputs at real steps change when only the padding changes"),
    ("halves swapped", Wrapped(lambda output, finals, x: (output.roll(O, dims=-1), finals)), False,
     "the forward network sees the future. Are the two halves swapped?"),
    ("two forward networks", TwoForwards(), False, "the backward network sees the past"),
    ("backward half blind", Wrapped(lambda output, finals, x: (torch.cat([output[..., :O], 0 * output[..., O:]], -1),
                                                             finals)), False,
     "does not change when its last word (step 2) changes"),
    ("forward half blind", Wrapped(lambda output, finals, x: (torch.cat([0 * output[..., :O], output[..., O:]], -1),
                                                            finals)), False,
     "the forward half of the output at the last step of sentence 3 does not change when its first word changes"),
]


def test_check_bidirectional_jordan_calls_the_notebooks_stub_a_stub():
    verdict = bidirectional_jordan(...)
    assert not verdict and "still a stub" in verdict.message


@pytest.mark.parametrize("size", [0, -1, 2.5, "8", None])
def test_check_bidirectional_jordan_rejects_bad_sizes(size):
    with pytest.raises(ValueError, match="output_size: expected a positive integer"):
        check_bidirectional_jordan(built(), F, H, size)


# ------------------------------------------------------------------------------------------
# chapter 3: one GRU step


def my_gru_step(x, h, weight_ih, weight_hh, bias_ih, bias_hh, cho=False):
    """Chapter 3's solution."""
    W_ir, W_iz, W_in = weight_ih.chunk(3)
    W_hr, W_hz, W_hn = weight_hh.chunk(3)
    b_ir, b_iz, b_in = bias_ih.chunk(3)
    b_hr, b_hz, b_hn = bias_hh.chunk(3)
    r = torch.sigmoid(x @ W_ir.T + b_ir + h @ W_hr.T + b_hr)
    z = torch.sigmoid(x @ W_iz.T + b_iz + h @ W_hz.T + b_hz)
    if cho:
        n = torch.tanh(x @ W_in.T + b_in + (r * h) @ W_hn.T + b_hn)
    else:
        n = torch.tanh(x @ W_in.T + b_in + r * (h @ W_hn.T + b_hn))
    return (1 - z) * n + z * h


def a_beginners_gru_step(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    """Unit by unit, in a tensor of torch's default dtype."""
    H = h.shape[1]
    out = torch.zeros(h.shape)
    for b in range(h.shape[0]):
        for j in range(H):
            pre = [weight_ih[k * H + j] @ x[b] + bias_ih[k * H + j] for k in range(3)]
            rec = [weight_hh[k * H + j] @ h[b] + bias_hh[k * H + j] for k in range(3)]
            r, z = torch.sigmoid(pre[0] + rec[0]), torch.sigmoid(pre[1] + rec[1])
            n = torch.tanh(pre[2] + r * rec[2])
            out[b, j] = (1 - z) * n + z * h[b, j]
    return out


def gru_with(**options):
    return lambda *args: checkers_gated._gru(*(a.double() for a in args), **options)


def with_gru_result(change):
    return lambda *args: change(my_gru_step(*args))


GRU_TABLE = [
    ("correct", my_gru_step, True, "your GRU step matches torch.nn.GRUCell on 3 random batches."),
    ("a beginner's loop", a_beginners_gru_step, True, "matches"),
    ("the companion's", lambda *args: __import__("companion.cells").cells.gru_step(*args), True, "matches"),
    ("float64", with_gru_result(lambda r: r.double()), True, "matches"),
    ("NumPy", with_gru_result(lambda r: r.numpy()), True, "matches"),
    ("torch.nn.GRUCell's order of arguments", lambda x, h, *w: my_gru_step(x, h, *w), True, "matches"),
    ("stub", stub, False, "the function is still a stub"),
    ("loops for ever", loops_for_ever, False, "did not finish within 0.5 seconds"),
    ("exits", exits, False, "called exit (SystemExit)"),
    ("not a function", my_gru_step(*(torch.zeros(1, 1),) * 2, torch.zeros(3, 1), torch.zeros(3, 1),
                                   torch.zeros(3), torch.zeros(3)), False, "got a tensor"),
    ("shapes", lambda x, h, w_ih, *rest: x @ w_ih, False, "Shapes: x is (B, F) and weight_ih (3H, F)"),
    ("None", lambda *args: None, False, "forget to `return`"),
    ("NaN", with_gru_result(lambda r: r * math.nan), False, "your result contains NaN"),
    ("one row", with_gru_result(lambda r: r[0]), False, "expected an array of shape (4, 2) — the new memory, (B, H) — got shape (2,)"),
    ("int", with_gru_result(lambda r: r.round().long()), False, "Your result holds whole numbers"),
    ("off by 1e-3", with_gru_result(lambda r: r + 1e-3), False, "largest difference 0.001 at position (counted row by row)"),
    ("Cho et al.", lambda *args: my_gru_step(*args, cho=True), False, "you reset the memory before the product"),
    ("Olah's convention", gru_with(swapped=True), False, "you mixed with the roles of z swapped"),
    ("b_hn outside", gru_with(bias_outside=True), False, "b_hn stands outside the reset"),
    ("the candidate", gru_with(candidate_only=True), False, "you return the candidate n_t"),
    ("z, r, n", gru_with(order=(1, 0, 2)), False, "your gates read torch's row blocks in the order z, r, n"),
    ("n, z, r", gru_with(order=(2, 1, 0)), False, "in the order n, z, r"),
]


# ------------------------------------------------------------------------------------------
# chapter 3: the parameters of a peephole LSTM


def peephole(F, H):
    return 4 * H * (F + H + 2) + 3 * H


PEEPHOLE_TABLE = [
    ("correct", peephole, True, "at F = 128, H = 256 a peephole LSTM has 396,032 parameters."),
    ("float", lambda F, H: float(peephole(F, H)), True, "your count matches"),
    ("stub", stub, False, "the function is still a stub"),
    ("loops for ever", loops_for_ever, False, "did not finish within 0.5 seconds"),
    ("None", lambda F, H: None, False, "forget to `return`"),
    ("NaN", lambda F, H: math.nan, False, "your function returned NaN, not the number of parameters."),
    ("no peepholes", lambda F, H: peephole(F, H) - 3 * H, False, "(-768). The peepholes are missing"),
    ("one bias set", lambda F, H: peephole(F, H) - 4 * H, False, "(-1,024). One bias set is missing"),
    ("no peepholes, one bias set", lambda F, H: peephole(F, H) - 7 * H, False, "The peepholes (3H) and one of"),
    ("no biases", lambda F, H: peephole(F, H) - 8 * H, False, "No bias is counted"),
    ("two peepholes", lambda F, H: peephole(F, H) - H, False, "You counted two peephole vectors"),
    ("four peepholes", lambda F, H: peephole(F, H) + H, False, "You counted four peephole vectors"),
    ("full peephole matrices", lambda F, H: peephole(F, H) - 3 * H + 3 * H * H, False, "Peepholes are diagonal"),
    ("three gates", lambda F, H: 3 * H * (F + H + 2) + 3 * H, False, "an LSTM has four"),
    ("off by one", lambda F, H: peephole(F, H) + 1, False, "count_parameters gives 396,032 (+1)."),
]


def test_the_peephole_count_is_count_parameters_of_the_companions_lstm():
    for F_in, hidden in checkers_gated.PEEPHOLE_SIZES:
        assert peephole(F_in, hidden) == count_parameters(LSTM(F_in, hidden, peephole=True))


@pytest.mark.parametrize("F_in, hidden", checkers_gated.PEEPHOLE_SIZES)
def test_each_peephole_hint_has_its_own_count(F_in, hidden):
    wrong = [count for count, _ in checkers_gated._peephole_hints(F_in, hidden)]
    assert len(set(wrong)) == len(wrong) and peephole(F_in, hidden) not in wrong


# ------------------------------------------------------------------------------------------
# chapter 4: BPTT for the Jordan network


def softmax(scores):
    exp = np.exp(scores - scores.max())
    return exp / exp.sum()


def jordan_gradients(params, inputs, targets, through_softmax=1.0):
    """Chapter 4's solution; ``through_softmax`` scales the path through time (1: right)."""
    U, W, b, V, c = (params[name] for name in "UWbVc")
    hidden, fed_back = [], [np.zeros(len(c))]
    for x in inputs:
        hidden.append(np.tanh(U[:, x] + W @ fed_back[-1] + b))
        fed_back.append(softmax(V @ hidden[-1] + c))
    grads = {name: np.zeros_like(array) for name, array in params.items()}
    from_next = np.zeros(len(c))
    for t in range(len(inputs) - 1, -1, -1):
        y_hat = fed_back[t + 1]
        dL_do = y_hat - np.eye(len(c))[targets[t]]
        dL_do += through_softmax * y_hat * (from_next - y_hat @ from_next)
        e = (1.0 - hidden[t] ** 2) * (V.T @ dL_do)
        grads["V"] += np.outer(dL_do, hidden[t])
        grads["c"] += dL_do
        grads["W"] += np.outer(e, fed_back[t])
        grads["U"][:, inputs[t]] += e
        grads["b"] += e
        from_next = W.T @ e
    return grads


def with_gradients(change):
    return lambda *args: change(jordan_gradients(*args))


def changes_its_params(params, inputs, targets):
    grads = jordan_gradients(params, inputs, targets)
    params["W"] += 1.0  # the checker's own arrays must not change
    return grads


JORDAN_TABLE = [
    ("correct", jordan_gradients, True, "all five gradients agree with torch's autograd on 3 sequences"),
    ("changes its params", changes_its_params, True, "agree"),
    ("float32", with_gradients(lambda g: {n: a.astype(np.float32) for n, a in g.items()}), True, "agree"),
    ("tensors", with_gradients(lambda g: {n: torch.from_numpy(a) for n, a in g.items()}), True, "agree"),
    ("stub", stub, False, "the function is still a stub"),
    ("loops for ever", loops_for_ever, False, "did not finish within 0.5 seconds"),
    ("raises", lambda params, inputs, targets: params["Z"], False,
     "with H = 3, O = 4 and a sequence of 1 character your function raised KeyError: 'Z'"),
    ("None", lambda *args: None, False, "got None (did your function forget to `return` its result?)"),
    ("a tuple", with_gradients(lambda g: tuple(g.values())), False, "expected a dict of arrays by name"),
    ("a key missing", with_gradients(lambda g: {n: a for n, a in g.items() if n != "c"}), False, "your dict has no 'c'"),
    ("NaN", with_gradients(lambda g: {n: a * math.nan for n, a in g.items()}), False, "'U': your result contains NaN"),
    ("transposed", with_gradients(lambda g: {**g, "V": g["V"].T}), False, "'V': expected an array of shape (4, 3)"),
    ("half precision", with_gradients(lambda g: {n: a.astype(np.float16) for n, a in g.items()}), False,
     "half precision"),
    ("V off by 1%", with_gradients(lambda g: {**g, "V": g["V"] * 1.01}), False,
     "the gradient of V is wrong (relative error 0.0099); those of U, W, b and c are right."),
    ("opposite sign", with_gradients(lambda g: {n: -a for n, a in g.items()}), False, "the opposite sign"),
    ("no path through time", lambda *args: checkers_bptt._autograd_jordan(*args, cut_feedback=True), False,
     "These are the gradients with no path back through the fed-back ŷ_{t-1}"),
    ("no softmax Jacobian", lambda *args: checkers_bptt._numpy_jordan_mistake(*args, "no softmax jacobian"), False,
     "must pass the softmax's Jacobian"),
    ("W with ŷ_t", lambda *args: checkers_bptt._numpy_jordan_mistake(*args, "w uses the output"), False,
     "Your ∂L/∂W sums e_t ŷ_t^T"),
    ("half the path through time", lambda *args: jordan_gradients(*args, through_softmax=0.5), False,
     "They were right for a sequence of one character, so look at the path through time"),
]


def test_the_mistakes_of_the_jordan_checker_are_the_right_gradients_for_one_step_only():
    rng = np.random.default_rng(0)
    params = {name: rng.normal(size=shape) for name, shape in checkers_bptt._jordan_shapes(3, 4).items()}
    one, many = np.array([1]), np.array([1, 2, 0, 3])
    right = checkers_bptt._autograd_jordan(params, one, one)
    for name in "UWbVc":
        assert np.allclose(jordan_gradients(params, one, one)[name], right[name], rtol=0, atol=1e-12)
        assert np.allclose(checkers_bptt._numpy_jordan_mistake(params, one, one, "no softmax jacobian")[name],
                           right[name], rtol=0, atol=1e-12)
    cut = checkers_bptt._autograd_jordan(params, many, many, cut_feedback=True)
    assert not np.allclose(cut["W"], checkers_bptt._autograd_jordan(params, many, many)["W"])


# ------------------------------------------------------------------------------------------
# chapter 4: clipping the gradient


def my_clip(grads, max_norm):
    """Chapter 4's solution."""
    norm = np.sqrt(sum(np.sum(g ** 2) for g in grads.values()))
    scale = min(1.0, max_norm / norm) if norm > 0 else 1.0
    return {name: g * scale for name, g in grads.items()}


def clips_in_place(grads, max_norm):
    norm = np.sqrt(sum(np.sum(g ** 2) for g in grads.values()))
    for g in grads.values():
        g *= min(1.0, max_norm / norm)
    return grads


def divides_a_python_float(grads, max_norm):
    norm = float(np.sqrt(sum(np.sum(g ** 2) for g in grads.values())))
    return {name: g * min(1.0, max_norm / norm) for name, g in grads.items()}


def zero_over_zero(grads, max_norm):
    norm = np.sqrt(sum(np.sum(g ** 2) for g in grads.values()))
    return {name: g / norm * min(norm, max_norm) for name, g in grads.items()}


def its_own_norm(grads, max_norm):
    clipped = {}
    for name, g in grads.items():
        norm = np.sqrt(np.sum(g ** 2))
        clipped[name] = g * (min(1.0, max_norm / norm) if norm > 0 else 1.0)
    return clipped


def always_rescaled(grads, max_norm):
    norm = np.sqrt(sum(np.sum(g ** 2) for g in grads.values()))
    return {name: g * (max_norm / norm if norm > 0 else 1.0) for name, g in grads.items()}


def no_square_root(grads, max_norm):
    norm = sum(np.sum(g ** 2) for g in grads.values())
    return {name: g * (min(1.0, max_norm / norm) if norm > 0 else 1.0) for name, g in grads.items()}


def with_clipped(change):
    return lambda grads, max_norm: change(my_clip(grads, max_norm))


CLIP_TABLE = [
    ("correct", my_clip, True, "your clipping agrees with torch.nn.utils.clip_grad_norm_ on 4 cases"),
    ("the companion's", lambda grads, max_norm: __import__("companion.bptt").bptt.clip_by_global_norm(grads, max_norm)[0],
     True, "agrees"),
    ("float32", with_clipped(lambda g: {n: a.astype(np.float32) for n, a in g.items()}), True, "agrees"),
    ("lists", with_clipped(lambda g: {n: a.tolist() for n, a in g.items()}), True, "agrees"),
    ("returns its input when below", lambda grads, max_norm: grads if max_norm >= 10 else my_clip(grads, max_norm),
     True, "agrees"),
    ("stub", stub, False, "the function is still a stub"),
    ("loops for ever", loops_for_ever, False, "did not finish within 0.5 seconds"),
    ("not a function", my_clip({"b": np.ones(2)}, 1.0), False, "the checker needs your function itself"),
    ("None", lambda grads, max_norm: None, False, "got None (did your function forget"),
    ("in place", clips_in_place, False, "your function changed the dict it was given in place ('W', 'b')"),
    ("a key removed", lambda grads, max_norm: grads.pop("b") is None, False, "changed the dict it was given in place ('b')."),
    ("zero division", divides_a_python_float, False,
     "all zeros (max_norm = 1): your function raised ZeroDivisionError"),
    ("NaN for zeros", zero_over_zero, False, "contains NaN at positions (0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2). "
                                             "When every gradient is zero the norm is 0"),
    ("a pair", lambda grads, max_norm: (my_clip(grads, max_norm), 1.0), False, "you returned a pair"),
    ("a list", lambda grads, max_norm: list(my_clip(grads, max_norm).values()), False, "got a list"),
    ("its own norm", its_own_norm, False, "you rescaled each array by its own norm"),
    ("by value", lambda grads, max_norm: {n: np.clip(g, -max_norm, max_norm) for n, g in grads.items()}, False,
     "clipping by value"),
    ("always rescaled", always_rescaled, False, "below the threshold (max_norm = 10): you rescaled to max_norm"),
    ("no square root", no_square_root, False, "the norm is its square root"),
    ("half", with_clipped(lambda g: {n: a / 2 for n, a in g.items()}), False,
     "the global norm is 6.245, so every array should be multiplied by 0.1601"),
]


# ------------------------------------------------------------------------------------------
# every checker, every row


def _unpack(checker, table):
    """Rows of (checker, student answer): the weight counts' rows carry their own checker."""
    for case, answer, passed, phrase in table:
        if isinstance(answer, tuple):
            yield case, answer[0], answer[1], passed, phrase
        else:
            yield case, checker, answer, passed, phrase


TABLES = {
    "check_weight_counts": (None, WEIGHT_TABLE),
    "check_reverse_padded": (check_reverse_padded, REVERSE_TABLE),
    "check_bidirectional_jordan": (bidirectional_jordan, BIDIRECTIONAL_TABLE),
    "check_gru_step": (check_gru_step, GRU_TABLE),
    "check_peephole_parameters": (check_peephole_parameters, PEEPHOLE_TABLE),
    "check_jordan_gradients": (check_jordan_gradients, JORDAN_TABLE),
    "check_clip": (check_clip, CLIP_TABLE),
}
ROWS = [
    pytest.param(checker, answer, passed, phrase, id=f"{name}: {case}")
    for name, (default, table) in TABLES.items()
    for case, checker, answer, passed, phrase in _unpack(default, table)
]


@pytest.mark.parametrize("checker, answer, passed, phrase", ROWS)
def test_every_checker_judges_every_kind_of_answer(checker, answer, passed, phrase):
    start = time.monotonic()
    verdict = checker(answer, timeout=TIMEOUT)  # never raises
    assert isinstance(verdict, Feedback) and verdict.passed is passed, verdict.message
    assert phrase in verdict.message, verdict.message
    assert time.monotonic() - start < 20 * TIMEOUT  # the loops were stopped, not waited out


CHECKERS = [
    pytest.param(lambda f, **kw: check_weight_counts(f, jordan, **kw), id="check_weight_counts"),
    pytest.param(check_reverse_padded, id="check_reverse_padded"),
    pytest.param(check_gru_step, id="check_gru_step"),
    pytest.param(check_peephole_parameters, id="check_peephole_parameters"),
    pytest.param(check_jordan_gradients, id="check_jordan_gradients"),
    pytest.param(check_clip, id="check_clip"),
]


@pytest.mark.parametrize("checker", CHECKERS)
def test_a_student_pressing_stop_is_not_caught(checker):
    def pressed_stop(*args):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        checker(pressed_stop, timeout=TIMEOUT)


@pytest.mark.parametrize("checker", CHECKERS + [pytest.param(bidirectional_jordan, id="check_bidirectional_jordan")])
@pytest.mark.parametrize("timeout", [0, -1, math.nan, "2", None])
def test_a_bad_timeout_is_a_value_error(checker, timeout):
    with pytest.raises(ValueError, match="timeout: expected a positive finite number, got"):
        checker(stub, timeout=timeout)


@pytest.mark.parametrize("checker", [check_gru_step, check_jordan_gradients])
@pytest.mark.parametrize("seed", [-1, 1.5, "0", None])
def test_a_bad_seed_is_a_value_error(checker, seed):
    with pytest.raises(ValueError, match="seed: expected a non-negative integer, got"):
        checker(stub, seed)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_other_seeds_judge_the_same(seed):
    assert check_gru_step(my_gru_step, seed)
    assert not check_gru_step(lambda *args: my_gru_step(*args, cho=True), seed)
    assert check_jordan_gradients(jordan_gradients, seed)
    assert "no path back" in check_jordan_gradients(
        lambda *args: checkers_bptt._autograd_jordan(*args, cut_feedback=True), seed).message


def test_the_gru_checker_works_when_the_default_dtype_is_float64():
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        assert check_gru_step(a_beginners_gru_step)
        assert check_reverse_padded(in_a_new_zero_tensor)
        assert check_bidirectional_jordan(built(), F, H, O)
    finally:
        torch.set_default_dtype(previous)


def test_read_count_reads_any_whole_number():
    assert read_count(np.int32(7), "n") == (7, "")
    assert read_count(torch.tensor(8.0), "n") == (8, "")
    assert read_count(2.5, "the count")[1] == "your function returned 2.5, which is not a whole number: the count is a count."
    assert read_count(math.inf, "the count")[1] == "your function returned inf, not the count."
    assert "got a bool" in read_count(True, "n")[1]
