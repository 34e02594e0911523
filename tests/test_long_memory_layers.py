"""Chapter 5's layers against vanishing gradients (IRNN, leaky units, SCRN, Clockwork RNN), in float64.

Each is checked against its torch twin where one exists (the IRNN is a ReLU ``torch.nn.RNN``; a
leaky layer with every rate 1 and a Clockwork RNN with the single period 1 are a tanh one) and
otherwise against its equations written out as a plain loop, layer by layer and direction by
direction; then padding, ``batch_first``, gradients, the Clockwork schedule and mask, the bad
inputs and the factory.
"""
import pytest
import torch
from torch import nn
from torch.func import functional_call
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from companion.cells import ElmanCell, clockwork_mask, clockwork_schedule
from companion.layers import (
    CELLS,
    IRNN,
    SCRN,
    ClockworkRNN,
    ElmanRNN,
    LeakyRNN,
    PackedRNN,
    identity_init_,
    recurrent_layer,
)

DOUBLE = torch.float64


def parts(state):
    return state if isinstance(state, tuple) else (state,)


def compare_with_torch(scratch, twin, x, h0=None, lengths=None):
    if lengths is None:
        expected_out, expected_h = twin(x, h0)
    else:
        packed = pack_padded_sequence(x, lengths, batch_first=twin.batch_first, enforce_sorted=False)
        packed_out, expected_h = twin(packed, h0)
        steps = x.shape[1 if twin.batch_first else 0]
        expected_out, _ = pad_packed_sequence(packed_out, batch_first=twin.batch_first, total_length=steps)
    out, h_n = scratch(x, h0, lengths=lengths)
    torch.testing.assert_close(out, expected_out, rtol=0, atol=1e-10)
    torch.testing.assert_close(h_n, expected_h, rtol=0, atol=1e-10)


# --- the equations as plain loops, one layer and one direction at a time ----------------------


def leaky_loop(layer, w, x, state):
    h, outputs = state[0], []
    for x_t in x:
        candidate = torch.tanh(x_t @ w["weight_ih"].T + w["bias_ih"] + h @ w["weight_hh"].T + w["bias_hh"])
        h = (1 - layer.leak) * h + layer.leak * candidate
        outputs.append(h)
    return torch.stack(outputs), (h,)


def scrn_loop(layer, w, x, state):
    h, s = state
    alpha, outputs = layer.context_leak, []
    for x_t in x:
        s = (1 - alpha) * (x_t @ w["weight_ic"].T) + alpha * s
        pre = s @ w["weight_ch"].T + x_t @ w["weight_ih"].T + h @ w["weight_hh"].T
        if w["bias_ih"] is not None:
            pre = pre + w["bias_ih"] + w["bias_hh"]
        h = torch.sigmoid(pre)
        outputs.append(torch.cat([h, s], dim=-1))
    return torch.stack(outputs), (h, s)


def clockwork_loop(layer, w, x, state):
    """Module i (rows i·m..(i+1)·m) runs when t % T_i == 0 and reads the units of modules i..g-1."""
    h, m, outputs = state[0], layer.module_size, []
    for t, x_t in enumerate(x):
        new = h.clone()
        for i, period in enumerate(layer.periods):
            if t % period == 0:
                rows = slice(i * m, (i + 1) * m)
                recurrent = h[:, i * m :] @ w["weight_hh"][rows, i * m :].T
                new[:, rows] = torch.tanh(x_t @ w["weight_ih"][rows].T + w["bias_ih"][rows] + recurrent + w["bias_hh"][rows])
        h = new
        outputs.append(h)
    return torch.stack(outputs), (h,)


LOOPS = {LeakyRNN: leaky_loop, SCRN: scrn_loop, ClockworkRNN: clockwork_loop}
NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_ic", "weight_ch")


def stacked_by_hand(layer, x, hx):
    """Run ``layer``'s equations on an unpadded time-major batch, layer by layer, backwards by flipping."""
    loop, finals = LOOPS[type(layer)], []
    for k in range(layer.num_layers):
        outputs = []
        for d, suffix in enumerate(layer.direction_suffixes):
            w = {name: getattr(layer, f"{name}_l{k}{suffix}", None) for name in NAMES}
            state = tuple(part[k * layer.num_directions + d] for part in hx)
            out, final = loop(layer, w, x.flip(0) if suffix else x, state)
            outputs.append(out.flip(0) if suffix else out)
            finals.append(final)
        x = torch.cat(outputs, dim=-1)
    return x, tuple(torch.stack(part) for part in zip(*finals))


def random_state(layer, batch):
    return tuple(torch.randn(layer.num_layers * layer.num_directions, batch, size, dtype=DOUBLE) for size in layer.state_sizes)


def as_hx(layer, state):
    return state if len(state) > 1 else state[0]


MADE = {
    "leaky": lambda **kw: LeakyRNN(3, 4, leak=[0.2, 0.5, 0.9, 1.0], dtype=DOUBLE, **kw),
    "scrn": lambda **kw: SCRN(3, 4, 2, context_leak=0.8, dtype=DOUBLE, **kw),
    "scrn_paper": lambda **kw: SCRN(3, 4, 2, bias=False, dtype=DOUBLE, **kw),
    "clockwork": lambda **kw: ClockworkRNN(3, 6, periods=(1, 2, 3), dtype=DOUBLE, **kw),
    "irnn": lambda **kw: IRNN(3, 4, dtype=DOUBLE, **kw),
}


@pytest.mark.parametrize("kind", ["leaky", "scrn", "scrn_paper", "clockwork"])
@pytest.mark.parametrize("num_layers, bidirectional", [(1, False), (2, True)])
def test_layers_follow_their_equations(kind, num_layers, bidirectional):
    torch.manual_seed(0)
    layer = MADE[kind](num_layers=num_layers, bidirectional=bidirectional)
    with torch.no_grad():  # biases and weights away from the default draw, so every term counts
        for parameter in layer.parameters():
            parameter.mul_(3.0)
    x = torch.randn(7, 2, 3, dtype=DOUBLE)
    hx = random_state(layer, 2)
    out, h_n = layer(x, as_hx(layer, hx))
    expected_out, expected_h = stacked_by_hand(layer, x, hx)
    torch.testing.assert_close(out, expected_out, rtol=0, atol=1e-12)
    for got, expected in zip(parts(h_n), expected_h, strict=True):
        torch.testing.assert_close(got, expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("kind", list(MADE))
def test_a_padded_batch_equals_each_sequence_alone_and_batch_first_agrees(kind):
    torch.manual_seed(1)
    layer = MADE[kind](num_layers=2, bidirectional=True)
    x = torch.randn(6, 3, 3, dtype=DOUBLE)
    hx = random_state(layer, 3)
    lengths = [6, 2, 5]
    out, h_n = layer(x, as_hx(layer, hx), lengths=lengths)
    for b, n in enumerate(lengths):
        alone, alone_h = layer(x[:n, b : b + 1], as_hx(layer, tuple(part[:, b : b + 1] for part in hx)))
        torch.testing.assert_close(out[:n, b], alone[:, 0], rtol=0, atol=1e-12)
        assert torch.all(out[n:, b] == 0)
        for got, expected in zip(parts(h_n), parts(alone_h)):
            torch.testing.assert_close(got[:, b], expected[:, 0], rtol=0, atol=1e-12)
    first = MADE[kind](num_layers=2, bidirectional=True, batch_first=True)
    first.load_state_dict(layer.state_dict())
    first_out, first_h = first(x.transpose(0, 1), as_hx(layer, hx), lengths=lengths)
    torch.testing.assert_close(first_out, out.transpose(0, 1), rtol=0, atol=0)
    for got, expected in zip(parts(first_h), parts(h_n)):
        torch.testing.assert_close(got, expected, rtol=0, atol=0)


@pytest.mark.parametrize("kind", list(MADE))
def test_gradcheck(kind):
    torch.manual_seed(2)
    layer = MADE[kind](bidirectional=True)
    names = [name for name, _ in layer.named_parameters()]
    params = [p.detach().clone().requires_grad_() for p in layer.parameters()]
    x = torch.randn(4, 2, 3, dtype=DOUBLE, requires_grad=True)
    lengths = torch.tensor([4, 3])

    def run(x, *params):
        out, h_n = functional_call(layer, dict(zip(names, params)), (x,), {"lengths": lengths})
        return (out, *parts(h_n))

    assert torch.autograd.gradcheck(run, (x, *params))


# --- twins: IRNN <-> ReLU nn.RNN, leaky rate 1 and Clockwork period 1 <-> tanh nn.RNN ----------


TWINS = {
    "irnn": (lambda twin: IRNN.from_torch(twin), "relu"),
    "leaky": (lambda twin: LeakyRNN.from_torch(twin), "tanh"),
    "clockwork": (lambda twin: ClockworkRNN.from_torch(twin), "tanh"),
}


@pytest.mark.parametrize("kind", list(TWINS))
@pytest.mark.parametrize("num_layers, bidirectional, batch_first", [(1, False, False), (2, True, True), (3, True, False)])
def test_twins_match_torch_rnn(kind, num_layers, bidirectional, batch_first):
    copy, nonlinearity = TWINS[kind]
    torch.manual_seed(num_layers)
    twin = nn.RNN(3, 4, num_layers, nonlinearity=nonlinearity, bidirectional=bidirectional, batch_first=batch_first, dtype=DOUBLE)
    scratch = copy(twin)
    assert list(scratch.state_dict()) == list(twin.state_dict())
    x = torch.randn(5, 6, 3, dtype=DOUBLE)
    h0 = torch.randn(num_layers * (2 if bidirectional else 1), 5 if batch_first else 6, 4, dtype=DOUBLE)
    compare_with_torch(scratch, twin, x, h0)
    lengths = torch.tensor([6, 1, 4, 6, 2]) if batch_first else torch.tensor([5, 2, 3, 1, 5, 4])
    compare_with_torch(scratch, twin, x, h0, lengths)
    exported = scratch.to_torch()
    assert type(exported) is nn.RNN and exported.nonlinearity == nonlinearity
    compare_with_torch(scratch, exported, x, h0)
    (twin(x, h0)[0] ** 2).sum().backward()
    (scratch(x, h0)[0] ** 2).sum().backward()
    for name, parameter in scratch.named_parameters():
        torch.testing.assert_close(parameter.grad, twin.get_parameter(name).grad, rtol=0, atol=1e-10)


def test_irnn_starts_from_the_identity():
    torch.manual_seed(3)
    layer = IRNN(40, 50, num_layers=2, bidirectional=True, recurrent_scale=0.5, input_std=0.01, dtype=DOUBLE)
    for name, weight in layer.named_parameters():
        if name.startswith("weight_hh"):
            assert torch.equal(weight, 0.5 * torch.eye(50, dtype=DOUBLE))
        elif name.startswith("bias"):
            assert torch.equal(weight, torch.zeros_like(weight))
        else:
            assert abs(weight.std().item() - 0.01) < 0.001 and abs(weight.mean().item()) < 0.001
    assert [name for name, _ in IRNN(2, 3, bias=False).named_parameters()] == ["weight_ih_l0", "weight_hh_l0"]
    # Started at the identity with no input, a non-negative memory is copied forward unchanged.
    h0 = torch.rand(1, 2, 5, dtype=DOUBLE)
    out, h_n = IRNN(3, 5, dtype=DOUBLE)(torch.zeros(9, 2, 3, dtype=DOUBLE), h0)
    torch.testing.assert_close(h_n, h0, rtol=0, atol=0)


def test_identity_init_sets_a_torch_rnn_like_the_irnn():
    torch.manual_seed(4)
    scratch = IRNN(3, 4, num_layers=2)
    torch.manual_seed(4)
    twin = identity_init_(nn.RNN(3, 4, num_layers=2, nonlinearity="relu"))
    for (name, a), (other, b) in zip(scratch.state_dict().items(), twin.state_dict().items(), strict=True):
        assert name == other and torch.equal(a, b)


def test_a_leaky_layer_with_rate_one_is_the_elman_layer_and_state_dict_loads_into_torch():
    torch.manual_seed(5)
    leaky = LeakyRNN(3, 4, num_layers=2, leak=1.0, nonlinearity="sigmoid", dtype=DOUBLE)
    elman = ElmanRNN(3, 4, num_layers=2, nonlinearity="sigmoid", dtype=DOUBLE)
    elman.load_state_dict(leaky.state_dict())
    x = torch.randn(5, 2, 3, dtype=DOUBLE)
    torch.testing.assert_close(leaky(x)[0], elman(x)[0], rtol=0, atol=0)
    assert "leak" not in leaky.state_dict()
    slow = LeakyRNN(3, 4, leak=0.3)
    nn.RNN(3, 4).load_state_dict(slow.state_dict())
    assert slow.leak.tolist() == pytest.approx([0.3] * 4)
    assert LeakyRNN(3, 4, leak=0.3).double().leak.dtype == DOUBLE


def test_the_sigmoid_elman_network_is_the_logistic_recurrence():
    torch.manual_seed(6)
    cell = ElmanCell(3, 4, nonlinearity="sigmoid", dtype=DOUBLE)
    x, h = torch.randn(2, 3, dtype=DOUBLE), torch.randn(2, 4, dtype=DOUBLE)
    expected = torch.sigmoid(x @ cell.weight_ih.T + cell.bias_ih + h @ cell.weight_hh.T + cell.bias_hh)
    torch.testing.assert_close(cell(x, h), expected, rtol=0, atol=1e-15)
    with pytest.raises(ValueError, match=r"nonlinearity: torch.nn.RNN accepts 'tanh' or 'relu', this module has 'sigmoid'"):
        ElmanRNN(3, 4, nonlinearity="sigmoid").to_torch()


# --- the SCRN's shapes and state --------------------------------------------------------------


def test_scrn_shapes_names_and_state():
    layer = SCRN(3, 4, 2, num_layers=2, bidirectional=True)
    assert layer.weight_ih_l1.shape == (4, 12) and layer.weight_ic_l1_reverse.shape == (2, 12)
    assert layer.weight_ch_l0.shape == (4, 2) and layer.weight_hh_l0.shape == (4, 4)
    paper = SCRN(3, 4, 2, bias=False)
    assert [name for name, _ in paper.named_parameters()] == ["weight_ih_l0", "weight_hh_l0", "weight_ic_l0", "weight_ch_l0"]
    out, (h_n, s_n) = layer(torch.randn(5, 2, 3))
    assert out.shape == (5, 2, 12) and h_n.shape == (4, 2, 4) and s_n.shape == (4, 2, 2)
    # Each direction of the last layer outputs [h ; s], 4 + 2 wide; its final state ends the sequence it reads.
    torch.testing.assert_close(out[-1, :, :6], torch.cat([h_n[2], s_n[2]], dim=-1), rtol=0, atol=0)
    torch.testing.assert_close(out[0, :, 6:], torch.cat([h_n[3], s_n[3]], dim=-1), rtol=0, atol=0)
    with pytest.raises(ValueError, match=r"hx\[1\] \(s_0\): expected shape \(4, 2, 2\) \(layers, batch, hidden\), got shape \(4, 2, 4\)"):
        layer(torch.randn(5, 2, 3), (torch.zeros(4, 2, 4), torch.zeros(4, 2, 4)))
    with pytest.raises(ValueError, match=r"hx: expected a pair \(h_0, s_0\) of tensors, got Tensor"):
        layer(torch.randn(5, 2, 3), torch.zeros(4, 2, 4))


def test_scrn_context_decays_by_alpha_without_input():
    layer = SCRN(3, 4, 2, context_leak=0.9, dtype=DOUBLE)
    s0 = torch.randn(1, 2, 2, dtype=DOUBLE)
    _, (_, s_n) = layer(torch.zeros(10, 2, 3, dtype=DOUBLE), (torch.zeros(1, 2, 4, dtype=DOUBLE), s0))
    torch.testing.assert_close(s_n, 0.9**10 * s0, rtol=0, atol=1e-15)


# --- the Clockwork RNN's clock and mask -------------------------------------------------------


def test_clockwork_schedule_counts_from_zero():
    schedule = clockwork_schedule((1, 2, 4, 8), 9)
    assert schedule.dtype == torch.bool and schedule.shape == (9, 4)
    assert schedule[0].tolist() == [True] * 4 and schedule[8].tolist() == [True] * 4
    assert schedule[1].tolist() == [True, False, False, False]
    assert schedule[6].tolist() == [True, True, False, False]
    assert schedule[4].tolist() == [True, True, True, False]
    assert clockwork_schedule([1, 3, 4], 4)[3].tolist() == [True, True, False]


def test_clockwork_block_shapes_of_the_worked_example():
    layer = ClockworkRNN(8, 256, periods=(1, 2, 4, 8))
    assert layer.recurrent_block_shapes() == {1: (64, 256), 2: (64, 192), 4: (64, 128), 8: (64, 64)}
    assert torch.equal(layer.weight_hh_l0 != 0, layer.recurrent_mask.bool())
    mask = clockwork_mask((1, 2), 4)
    assert mask.tolist() == [[1, 1, 1, 1], [1, 1, 1, 1], [0, 0, 1, 1], [0, 0, 1, 1]]


def test_resting_modules_keep_their_values_exactly():
    torch.manual_seed(7)
    layer = ClockworkRNN(3, 6, periods=(1, 2, 3), dtype=DOUBLE)
    out, _ = layer(torch.randn(9, 2, 3, dtype=DOUBLE), torch.randn(1, 2, 6, dtype=DOUBLE))
    for t in range(1, 9):
        for i, period in enumerate(layer.periods):
            block = out[t, :, 2 * i : 2 * i + 2], out[t - 1, :, 2 * i : 2 * i + 2]
            assert torch.equal(*block) == (t % period != 0), (t, period)


def test_masked_recurrent_weights_get_no_gradient():
    torch.manual_seed(8)
    layer = ClockworkRNN(3, 8, periods=(1, 2, 4, 8), num_layers=2, bidirectional=True, dtype=DOUBLE)
    with torch.no_grad():
        layer.weight_hh_l1_reverse.add_(1.0)  # even entries that are not zero never act
    out, h_n = layer(torch.randn(9, 2, 3, dtype=DOUBLE), lengths=[9, 6])
    (out.square().sum() + h_n.square().sum()).backward()
    mask = layer.recurrent_mask.bool()
    for name, weight in layer.named_parameters():
        if name.startswith("weight_hh"):
            assert torch.all(weight.grad[~mask] == 0), name
            assert torch.all(weight.grad[mask] != 0), name


def test_the_backward_clock_starts_at_each_sequences_last_real_step():
    torch.manual_seed(9)
    layer = ClockworkRNN(3, 4, periods=(1, 2), bidirectional=True, dtype=DOUBLE)
    x = torch.randn(5, 1, 3, dtype=DOUBLE)
    padded = torch.cat([x[:4], torch.randn(1, 1, 3, dtype=DOUBLE)])
    out, _ = layer(padded, lengths=[4])
    backward_alone = ClockworkRNN(3, 4, periods=(1, 2), dtype=DOUBLE)
    backward_alone.load_state_dict({name.replace("_reverse", ""): value for name, value in layer.state_dict().items() if "reverse" in name})
    torch.testing.assert_close(out[:4, :, 4:], backward_alone(x[:4].flip(0))[0].flip(0), rtol=0, atol=0)


# --- bad input --------------------------------------------------------------------------------


BAD = {
    "leak zero": (lambda: LeakyRNN(3, 4, leak=0), r"leak: expected every rate in \(0, 1\] \(1 is the plain RNN\), got 0"),
    "leak above one": (lambda: LeakyRNN(3, 4, leak=[0.5, 1.5, 0.5, 0.5]), r"leak: expected every rate in \(0, 1\].*got 1.5"),
    "leak nan": (lambda: LeakyRNN(3, 4, leak=float("nan")), r"leak: expected every rate in \(0, 1\]"),
    "leak of another length": (lambda: LeakyRNN(3, 4, leak=[0.5, 0.5]), r"leak: expected a number in \(0, 1\] or a sequence of 4 such numbers \(one rate per hidden unit\), got a sequence of 2"),
    "leak a string": (lambda: LeakyRNN(3, 4, leak="slow"), r"leak: expected a number in \(0, 1\] or a sequence of 4 .*got 'slow'"),
    "leak a bool": (lambda: LeakyRNN(3, 4, leak=True), r"leak: expected a number in \(0, 1\]"),
    "leaky nonlinearity": (lambda: LeakyRNN(3, 4, nonlinearity="softsign"), r"nonlinearity: expected one of 'tanh', 'relu', 'identity', 'sigmoid', got 'softsign'"),
    "leaky export": (lambda: LeakyRNN(3, 4, leak=0.5).to_torch(), r"leak: torch.nn.RNN has no leaky units, expected every rate 1 to export, this module has 0.5"),
    "irnn scale": (lambda: IRNN(3, 4, recurrent_scale=0), r"recurrent_scale: expected a positive finite number, got 0"),
    "irnn std": (lambda: IRNN(3, 4, input_std=-1.0), r"input_std: expected a positive finite number, got -1.0"),
    "irnn from tanh": (lambda: IRNN.from_torch(nn.RNN(3, 4)), r"module: an IRNN is a ReLU network, expected nonlinearity='relu', got 'tanh'"),
    "identity_init_ of an LSTM": (lambda: identity_init_(nn.LSTM(3, 4)), r"module: expected square recurrent weights \(a simple RNN's \(H, H\)\), got weight_hh_l0 of shape \(16, 4\)"),
    "identity_init_ of a linear": (lambda: identity_init_(nn.Linear(3, 4)), r"module: expected a simple recurrent layer .* got Linear without weight_hh parameters"),
    "context size zero": (lambda: SCRN(3, 4, 0), r"context_size: expected a positive integer, got 0"),
    "context size float": (lambda: SCRN(3, 4, 2.5), r"context_size: expected a positive integer, got 2.5"),
    "context leak one": (lambda: SCRN(3, 4, 2, context_leak=1.0), r"context_leak: expected a number in \[0, 1\) \(the weight of the old context, 0.95 in the paper\), got 1.0"),
    "context leak negative": (lambda: SCRN(3, 4, 2, context_leak=-0.1), r"context_leak: expected a number in \[0, 1\)"),
    "scrn export": (lambda: SCRN(3, 4, 2).to_torch(), r"to_torch: torch has no SCRN layer"),
    "scrn import": (lambda: SCRN.from_torch(nn.RNN(3, 4)), r"module: torch has no SCRN layer to copy from, got RNN"),
    "periods decreasing": (lambda: ClockworkRNN(3, 4, periods=(2, 1)), r"periods: expected a non-empty sequence of strictly increasing positive integers \(one clock period per module, fastest first\), got \(2, 1\)"),
    "periods repeated": (lambda: ClockworkRNN(3, 4, periods=(1, 1)), r"periods: expected .* got \(1, 1\)"),
    "periods empty": (lambda: ClockworkRNN(3, 4, periods=()), r"periods: expected .* got \(\)"),
    "period zero": (lambda: ClockworkRNN(3, 4, periods=(0, 1)), r"periods: expected .* got \(0, 1\)"),
    "period float": (lambda: ClockworkRNN(3, 4, periods=(1, 2.5)), r"periods: expected .* got \(1, 2.5\)"),
    "periods an int": (lambda: ClockworkRNN(3, 4, periods=4), r"periods: expected .* got 4"),
    "hidden not divisible": (lambda: ClockworkRNN(3, 10), r"hidden_size: expected a multiple of 4 \(one module of equal size per period in \(1, 2, 4, 8\)\), got 10"),
    "schedule steps": (lambda: clockwork_schedule((1, 2), 0), r"steps: expected a positive integer, got 0"),
    "mask size": (lambda: clockwork_mask((1, 2, 4), 4), r"hidden_size: expected a multiple of 3"),
    "clockwork export": (lambda: ClockworkRNN(3, 4, periods=(1, 2)).to_torch(), r"periods: torch.nn.RNN updates every unit at every step, expected periods=\(1,\) to export, this module has \(1, 2\)"),
    "clockwork from relu": (lambda: ClockworkRNN.from_torch(nn.RNN(3, 4, nonlinearity="relu")), r"module: a Clockwork RNN is a tanh network, expected nonlinearity='tanh', got 'relu'"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_is_refused_by_name(case):
    make, message = BAD[case]
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize("kind", ["irnn", "leaky", "scrn", "clockwork"])
def test_the_new_layers_check_input_and_lengths_like_the_others(kind):
    layer = MADE[kind]()
    with pytest.raises(ValueError, match=r"input: expected 3 features in the last dimension"):
        layer(torch.zeros(5, 2, 4, dtype=DOUBLE))
    with pytest.raises(ValueError, match="input: expected dtype torch.float64"):
        layer(torch.zeros(5, 2, 3))
    with pytest.raises(ValueError, match=r"lengths: expected every length in 1..5"):
        layer(torch.zeros(5, 2, 3, dtype=DOUBLE), lengths=[5, 0])
    with pytest.raises(ValueError, match=r"(hx|hx\[0\] \(h_0\)): expected shape \(1, 2, \d\)"):
        layer(torch.zeros(5, 2, 3, dtype=DOUBLE), tuple(torch.zeros(2, 2, s, dtype=DOUBLE) for s in layer.state_sizes) if kind == "scrn" else torch.zeros(2, 2, 4, dtype=DOUBLE))


def test_reprs_name_the_options():
    assert repr(LeakyRNN(3, 4, leak=[0.1, 0.2, 0.3, 0.4])) == "LeakyRNN(3, 4, nonlinearity='tanh', leak=4 rates in [0.1, 0.4])"
    assert repr(SCRN(3, 4, 2, bias=False)) == "SCRN(3, 4, bias=False, context_size=2, context_leak=0.95)"
    assert repr(ClockworkRNN(3, 4, periods=[1, 3])) == "ClockworkRNN(3, 4, periods=(1, 3))"
    assert repr(IRNN(3, 4, num_layers=2)) == "IRNN(3, 4, num_layers=2, recurrent_scale=1, input_std=0.001)"


# --- the factory ------------------------------------------------------------------------------


def test_the_factory_builds_chapter_5s_layers_with_their_options():
    assert CELLS == ("elman", "lstm", "gru", "irnn", "leaky", "scrn", "clockwork")
    built = {
        "irnn": recurrent_layer("irnn", 3, 4, recurrent_scale=0.5, input_std=0.1),
        "leaky": recurrent_layer("leaky", 3, 4, leak=0.25, nonlinearity="relu"),
        "scrn": recurrent_layer("scrn", 3, 4, context_size=2, context_leak=0.5, num_layers=2),
        "clockwork": recurrent_layer("clockwork", 3, 6, periods=(1, 4), bidirectional=True, batch_first=True),
        "elman": recurrent_layer("elman", 3, 4, nonlinearity="sigmoid"),
    }
    assert isinstance(built["irnn"], IRNN) and built["irnn"].recurrent_scale == 0.5 and built["irnn"].input_std == 0.1
    assert isinstance(built["leaky"], LeakyRNN) and built["leaky"].nonlinearity == "relu" and float(built["leaky"].leak[0]) == 0.25
    assert isinstance(built["scrn"], SCRN) and built["scrn"].context_leak == 0.5 and built["scrn"].weight_ih_l1.shape == (4, 6)
    clockwork = built["clockwork"]
    assert isinstance(clockwork, ClockworkRNN) and clockwork.periods == (1, 4) and clockwork.bidirectional and clockwork.batch_first
    assert built["elman"].nonlinearity == "sigmoid"


def test_the_factory_builds_the_same_irnn_in_torch():
    layers = []
    for implementation in ("scratch", "torch"):
        torch.manual_seed(10)
        layers.append(recurrent_layer("irnn", 3, 4, implementation=implementation, num_layers=2, bidirectional=True, input_std=0.1))
    assert isinstance(layers[1], PackedRNN) and layers[1].nonlinearity == "relu"
    for (name, a), (other, b) in zip(layers[0].state_dict().items(), layers[1].state_dict().items(), strict=True):
        assert name == other and torch.equal(a, b)
    x = torch.randn(5, 3, 3)
    torch.testing.assert_close(layers[0](x, lengths=[5, 2, 4])[0], layers[1](x, lengths=[5, 2, 4])[0])


@pytest.mark.parametrize(
    "cell, options, message",
    [
        ("leaky", dict(implementation="torch"), r"implementation: torch has no leaky-unit layer; expected implementation='scratch' for cell='leaky', got 'torch'"),
        ("scrn", dict(implementation="torch", context_size=2), r"implementation: torch has no SCRN layer"),
        ("clockwork", dict(implementation="torch"), r"implementation: torch has no Clockwork RNN layer"),
        ("gru", dict(leak=0.5), r"leak: a leaky-unit option, expected cell='leaky', got cell='gru'"),
        ("lstm", dict(nonlinearity="relu"), r"nonlinearity: an Elman or a leaky-unit option, expected cell='elman' or cell='leaky', got cell='lstm'"),
        ("elman", dict(periods=(1, 2)), r"periods: a Clockwork RNN option, expected cell='clockwork', got cell='elman'"),
        ("irnn", dict(context_size=3), r"context_size: an SCRN option, expected cell='scrn', got cell='irnn'"),
        ("scrn", dict(), r"context_size: expected a positive integer, got None"),
        ("elman", dict(implementation="torch", nonlinearity="sigmoid"), r"nonlinearity: torch.nn.RNN accepts 'tanh' or 'relu', got 'sigmoid'; use implementation='scratch'"),
        ("irnn", dict(implementation="torch", recurrent_scale=-1), r"recurrent_scale: expected a positive finite number, got -1"),
        ("clockwork", dict(window=3), r"window: not an option of a recurrent layer; Elman options are nonlinearity; LSTM options are peephole"),
    ],
)
def test_the_factory_refuses_what_it_cannot_build(cell, options, message):
    with pytest.raises(ValueError, match=message):
        recurrent_layer(cell, 3, 4, **options)


# --- CUDA -------------------------------------------------------------------------------------


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("kind", list(MADE))
def test_the_new_layers_run_on_cuda_as_on_cpu(kind):
    torch.manual_seed(11)
    layer = MADE[kind](num_layers=2, bidirectional=True)
    on_cuda = MADE[kind](num_layers=2, bidirectional=True, device="cuda")
    on_cuda.load_state_dict(layer.state_dict())
    x, lengths = torch.randn(6, 3, 3, dtype=DOUBLE), torch.tensor([6, 2, 5])
    out, h_n = layer(x, lengths=lengths)
    cuda_out, cuda_h = on_cuda(x.cuda(), lengths=lengths)
    assert cuda_out.device.type == "cuda"
    torch.testing.assert_close(cuda_out.cpu(), out, rtol=0, atol=1e-10)
    for got, expected in zip(parts(cuda_h), parts(h_n)):
        torch.testing.assert_close(got.cpu(), expected, rtol=0, atol=1e-10)
    (cuda_out.square().sum()).backward()
    assert all(p.grad.device.type == "cuda" for p in on_cuda.parameters())
