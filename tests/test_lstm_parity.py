"""The scratch LSTM and GRU cells and layers against their torch twins, in float64 (chapter 3)."""
import pytest
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from companion.cells import GRUCell, LSTMCell, gru_step, lstm_step
from companion.models import count_parameters
from companion.layers import GRU, LSTM

DOUBLE = torch.float64
KINDS = {"lstm": (LSTM, nn.LSTM), "gru": (GRU, nn.GRU)}


def _parts(state):
    """An LSTM's state is the pair (h, c), a GRU's the tensor h; compare them part by part."""
    return state if isinstance(state, tuple) else (state,)


def _run_torch(twin, x, hx=None, lengths=None):
    if lengths is None:
        return twin(x, hx)
    packed = pack_padded_sequence(x, lengths, batch_first=twin.batch_first, enforce_sorted=False)
    packed_out, state = twin(packed, hx)
    total = x.shape[1 if twin.batch_first else 0]
    out, _ = pad_packed_sequence(packed_out, batch_first=twin.batch_first, total_length=total)
    return out, state


def _assert_same_run(scratch, twin, x, hx=None, lengths=None):
    expected_out, expected_state = _run_torch(twin, x, hx, lengths)
    out, state = scratch(x, hx, lengths=lengths)
    torch.testing.assert_close(out, expected_out, rtol=0, atol=1e-10)
    assert len(_parts(state)) == len(_parts(expected_state))
    for part, expected in zip(_parts(state), _parts(expected_state)):
        torch.testing.assert_close(part, expected, rtol=0, atol=1e-10)
    return (out, state), (expected_out, expected_state)


def _initial_state(kind, layers, batch, hidden):
    h0 = torch.randn(layers, batch, hidden, dtype=DOUBLE)
    return (h0, torch.randn(layers, batch, hidden, dtype=DOUBLE)) if kind == "lstm" else h0


def _loss(out, state, probes):
    """A loss that weighs every output and every final state differently, so no gradient hides behind a sum."""
    tensors = (out, *_parts(state))
    return sum((tensor * probe).sum() for tensor, probe in zip(tensors, probes))


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("num_layers", [1, 2, 3])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
def test_layer_matches_torch_outputs_states_and_gradients(kind, num_layers, bidirectional, batch_first):
    scratch_class, torch_class = KINDS[kind]
    torch.manual_seed(10 * num_layers + 2 * bidirectional + batch_first)
    twin = torch_class(3, 4, num_layers=num_layers, bidirectional=bidirectional, batch_first=batch_first, dtype=DOUBLE)
    scratch = scratch_class.from_torch(twin)
    assert list(scratch.state_dict()) == list(twin.state_dict())
    batch, steps = 4, 5
    x = torch.randn((batch, steps, 3) if batch_first else (steps, batch, 3), dtype=DOUBLE)
    _assert_same_run(scratch, twin, x)

    hx = _initial_state(kind, (2 if bidirectional else 1) * num_layers, batch, 4)
    lengths = torch.tensor([5, 2, 4, 1])
    x_scratch, x_twin = x.clone().requires_grad_(), x.clone().requires_grad_()
    (out, state), (expected_out, expected_state) = _assert_same_run(scratch, twin, x_scratch, hx, lengths)
    twin_out, twin_state = _run_torch(twin, x_twin, hx, lengths)
    probes = [torch.randn_like(t) for t in (out, *_parts(state))]
    _loss(out, state, probes).backward()
    _loss(twin_out, twin_state, probes).backward()
    torch.testing.assert_close(x_scratch.grad, x_twin.grad, rtol=0, atol=1e-10)
    assert len(list(scratch.parameters())) == len(list(twin.parameters()))
    for name, parameter in scratch.named_parameters():
        torch.testing.assert_close(parameter.grad, getattr(twin, name).grad, rtol=0, atol=1e-10, msg=name)


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("bias", [True, False])
def test_weights_exported_to_torch_compute_the_same(kind, bias):
    scratch_class, torch_class = KINDS[kind]
    torch.manual_seed(4)
    scratch = scratch_class(3, 5, num_layers=2, bias=bias, batch_first=True, bidirectional=True, dtype=DOUBLE)
    twin = scratch.to_torch()
    assert type(twin) is torch_class and twin.batch_first and twin.bidirectional and twin.bias == bias
    assert twin.weight_hh_l1_reverse.dtype == DOUBLE
    assert list(twin.state_dict()) == list(scratch.state_dict())
    x = torch.randn(2, 6, 3, dtype=DOUBLE)
    _assert_same_run(scratch, twin, x, lengths=torch.tensor([6, 3]))
    back = scratch_class.from_torch(twin)
    for name, value in scratch.state_dict().items():
        assert torch.equal(back.state_dict()[name], value)


@pytest.mark.parametrize("kind", list(KINDS))
def test_default_initialisation_draws_exactly_as_torch(kind):
    scratch_class, torch_class = KINDS[kind]
    torch.manual_seed(5)
    twin = torch_class(3, 4, num_layers=2, bidirectional=True)
    torch.manual_seed(5)
    scratch = scratch_class(3, 4, num_layers=2, bidirectional=True)
    for name, value in twin.state_dict().items():
        assert torch.equal(scratch.state_dict()[name], value), name


def test_forget_bias_shifts_only_the_forget_rows_of_bias_ih():
    torch.manual_seed(6)
    plain = LSTM(3, 4, num_layers=2, bidirectional=True)
    torch.manual_seed(6)
    shifted = LSTM(3, 4, num_layers=2, bidirectional=True, forget_bias=1.0)
    for name, value in plain.state_dict().items():
        difference = shifted.state_dict()[name] - value
        expected = torch.zeros_like(value)
        if name.startswith("bias_ih"):
            expected[4:8] = 1.0  # rows H..2H: the forget gate in torch's order i, f, g, o
        torch.testing.assert_close(difference, expected, rtol=0, atol=1e-6, msg=name)
    assert "forget_bias=1.0" in repr(shifted)


@pytest.mark.parametrize("bias", [True, False])
def test_cells_match_torch_cells_both_ways(bias):
    torch.manual_seed(7)
    x = torch.randn(5, 4, dtype=DOUBLE)
    h, c = torch.randn(5, 6, dtype=DOUBLE), torch.randn(5, 6, dtype=DOUBLE)

    twin = nn.LSTMCell(4, 6, bias=bias, dtype=DOUBLE)
    cell = LSTMCell.from_torch(twin)
    for got, expected in zip(cell(x, (h, c)), twin(x, (h, c))):
        torch.testing.assert_close(got, expected, rtol=0, atol=1e-12)
    for got, expected in zip(cell(x[0]), twin(x[0])):
        torch.testing.assert_close(got, expected, rtol=0, atol=1e-12)
    for got, expected in zip(cell(x[0], (h[0], c[0])), twin(x[0], (h[0], c[0]))):
        torch.testing.assert_close(got, expected, rtol=0, atol=1e-12)
    fresh = LSTMCell(4, 6, bias=bias, dtype=DOUBLE).to_torch()
    fresh.load_state_dict(cell.state_dict())
    for got, expected in zip(fresh(x, (h, c)), cell(x, (h, c))):
        torch.testing.assert_close(got, expected, rtol=0, atol=1e-12)

    gru_twin = nn.GRUCell(4, 6, bias=bias, dtype=DOUBLE)
    gru = GRUCell.from_torch(gru_twin)
    torch.testing.assert_close(gru(x, h), gru_twin(x, h), rtol=0, atol=1e-12)
    torch.testing.assert_close(gru(x[0]), gru_twin(x[0]), rtol=0, atol=1e-12)
    assert isinstance(gru.to_torch(), nn.GRUCell)


def _lstm_by_hand(layer: LSTM, x, peepholes, coupled=False, forget_gate=True):
    """The peephole, coupled and forget-gate-free LSTM equations written out for one layer, one direction."""
    H = layer.hidden_size
    W, U = layer.weight_ih_l0, layer.weight_hh_l0
    b = layer.bias_ih_l0 + layer.bias_hh_l0
    p_i, p_f, p_o = peepholes
    h = c = torch.zeros(x.shape[1], H, dtype=x.dtype)
    outputs = []
    for x_t in x:
        def pre(block):
            rows = slice(block * H, (block + 1) * H)
            return x_t @ W[rows].T + h @ U[rows].T + b[rows]

        f = torch.sigmoid(pre(1) + p_f * c) if forget_gate else torch.ones_like(c)
        i = 1 - f if coupled else torch.sigmoid(pre(0) + p_i * c)
        c = f * c + i * torch.tanh(pre(2))
        h = torch.sigmoid(pre(3) + p_o * c) * torch.tanh(c)
        outputs.append(h)
    return torch.stack(outputs), h, c


@pytest.mark.parametrize(
    "variant",
    [{"peephole": True}, {"coupled": True}, {"forget_gate": False}, {"peephole": True, "coupled": True}],
)
def test_lstm_variants_follow_their_equations(variant):
    torch.manual_seed(8)
    layer = LSTM(3, 4, dtype=DOUBLE, **variant)
    x = torch.randn(6, 2, 3, dtype=DOUBLE)
    peepholes = layer.weight_peephole_l0 if variant.get("peephole") else torch.zeros(3, 4, dtype=DOUBLE)
    if variant.get("peephole"):
        assert layer.weight_peephole_l0.shape == (3, 4)
        assert layer.weight_peephole_l0.abs().min() > 0
    out, (h_n, c_n) = layer(x)
    expected_out, expected_h, expected_c = _lstm_by_hand(
        layer, x, peepholes, variant.get("coupled", False), variant.get("forget_gate", True)
    )
    torch.testing.assert_close(out, expected_out, rtol=0, atol=1e-12)
    torch.testing.assert_close(h_n[0], expected_h, rtol=0, atol=1e-12)
    torch.testing.assert_close(c_n[0], expected_c, rtol=0, atol=1e-12)
    out.sum().backward()
    unused_block = 0 if variant.get("coupled") else 1 if variant.get("forget_gate") is False else None
    if unused_block is not None:
        assert torch.all(layer.weight_ih_l0.grad[unused_block * 4 : (unused_block + 1) * 4] == 0)
    with pytest.raises(ValueError, match=r"torch.nn.LSTM (has no|always has)"):
        layer.to_torch()


def test_zero_peepholes_load_torch_weights_and_compute_exactly_torch():
    torch.manual_seed(9)
    twin = nn.LSTM(3, 4, num_layers=2, bidirectional=True, dtype=DOUBLE)
    scratch = LSTM.from_torch(twin, peephole=True)
    peephole_names = [name for name, _ in scratch.named_parameters() if "peephole" in name]
    assert peephole_names == [
        "weight_peephole_l0", "weight_peephole_l0_reverse", "weight_peephole_l1", "weight_peephole_l1_reverse"
    ]
    assert all(torch.all(getattr(scratch, name) == 0) for name in peephole_names)
    x = torch.randn(5, 3, 3, dtype=DOUBLE)
    hx = _initial_state("lstm", 4, 3, 4)
    _assert_same_run(scratch, twin, x, hx, lengths=torch.tensor([5, 1, 3]))
    with pytest.raises(ValueError, match=r"peephole: torch.nn.LSTM has no peephole connections"):
        scratch.to_torch()
    with torch.no_grad():
        scratch.weight_peephole_l1.fill_(0.5)
    assert not torch.allclose(scratch(x)[0], twin(x)[0])

    cell_twin = nn.LSTMCell(3, 4, dtype=DOUBLE)
    cell = LSTMCell.from_torch(cell_twin, peephole=True)
    assert cell.weight_peephole.shape == (3, 4) and torch.all(cell.weight_peephole == 0)
    for got, expected in zip(cell(x[0]), cell_twin(x[0])):
        torch.testing.assert_close(got, expected, rtol=0, atol=1e-12)
    with pytest.raises(ValueError, match=r"peephole: torch.nn.LSTMCell has no peephole connections"):
        cell.to_torch()


def test_lstm_cell_variant_is_the_layer_variant():
    torch.manual_seed(11)
    layer = LSTM(3, 4, peephole=True, coupled=True, dtype=DOUBLE)
    cell = LSTMCell(3, 4, peephole=True, coupled=True, dtype=DOUBLE)
    cell.load_state_dict({name[: -len("_l0")]: value for name, value in layer.state_dict().items()})
    x = torch.randn(3, 2, 3, dtype=DOUBLE)
    state = None
    for x_t in x:
        state = cell(x_t, state)
    _, (h_n, c_n) = layer(x)
    torch.testing.assert_close(state[0], h_n[0], rtol=0, atol=1e-12)
    torch.testing.assert_close(state[1], c_n[0], rtol=0, atol=1e-12)


def test_steps_are_the_functional_forms_of_the_cells():
    torch.manual_seed(12)
    cell, gru = LSTMCell(2, 3, dtype=DOUBLE), GRUCell(2, 3, dtype=DOUBLE)
    x, h, c = (torch.randn(4, n, dtype=DOUBLE) for n in (2, 3, 3))
    weights = (cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh)
    for got, expected in zip(lstm_step(x, (h, c), *weights), cell(x, (h, c))):
        assert torch.equal(got, expected)
    gru_weights = (gru.weight_ih, gru.weight_hh, gru.bias_ih, gru.bias_hh)
    assert torch.equal(gru_step(x, h, *gru_weights), gru(x, h))


def test_parameter_counts_are_four_and_three_times_the_simple_rnn():
    for options in ({}, {"num_layers": 3}, {"bidirectional": True, "num_layers": 2}, {"bias": False}):
        simple = count_parameters(nn.RNN(7, 5, **options))
        assert count_parameters(LSTM(7, 5, **options)) == 4 * simple
        assert count_parameters(GRU(7, 5, **options)) == 3 * simple
        assert count_parameters(nn.LSTM(7, 5, **options)) == 4 * simple
    directions_times_layers = 2 * 2
    assert count_parameters(LSTM(7, 5, num_layers=2, bidirectional=True, peephole=True)) == (
        count_parameters(LSTM(7, 5, num_layers=2, bidirectional=True)) + directions_times_layers * 3 * 5
    )
    assert count_parameters(LSTMCell(7, 5)) == 4 * count_parameters(nn.RNNCell(7, 5))
    assert count_parameters(GRUCell(7, 5)) == 3 * count_parameters(nn.RNNCell(7, 5))


BAD_INPUT = {
    "hx not a pair": (lambda: LSTM(3, 4)(torch.zeros(5, 2, 3), torch.zeros(1, 2, 4)), r"hx: expected a pair \(h_0, c_0\) of tensors, got Tensor"),
    "hx of three": (lambda: LSTM(3, 4)(torch.zeros(5, 2, 3), (torch.zeros(1, 2, 4),) * 3), r"hx: expected a pair \(h_0, c_0\) of tensors, got tuple of length 3"),
    "h_0 shape": (lambda: LSTM(3, 4, num_layers=2)(torch.zeros(5, 2, 3), (torch.zeros(1, 2, 4), torch.zeros(2, 2, 4))), r"hx\[0\] \(h_0\): expected shape \(2, 2, 4\) \(layers, batch, hidden\), got shape \(1, 2, 4\)"),
    "c_0 shape": (lambda: LSTM(3, 4, bidirectional=True)(torch.zeros(5, 2, 3), (torch.zeros(2, 2, 4), torch.zeros(2, 3, 4))), r"hx\[1\] \(c_0\): expected shape \(2, 2, 4\) \(layers, batch, hidden\), got shape \(2, 3, 4\)"),
    "c_0 dtype": (lambda: LSTM(3, 4)(torch.zeros(5, 2, 3), (torch.zeros(1, 2, 4), torch.zeros(1, 2, 4, dtype=DOUBLE))), r"hx\[1\] \(c_0\): expected dtype torch.float32 .* got dtype torch.float64"),
    "gru hx shape": (lambda: GRU(3, 4)(torch.zeros(5, 2, 3), torch.zeros(1, 5, 4)), r"hx: expected shape \(1, 2, 4\) \(layers, batch, hidden\), got shape \(1, 5, 4\)"),
    "gru given a pair": (lambda: GRU(3, 4)(torch.zeros(5, 2, 3), (torch.zeros(1, 2, 4),) * 2), r"hx: expected a torch.Tensor, got tuple"),
    "lstm input features": (lambda: LSTM(3, 4, batch_first=True)(torch.zeros(2, 5, 4)), r"input: expected 3 features in the last dimension \(batch, time, features\), got shape \(2, 5, 4\)"),
    "lstm lengths": (lambda: LSTM(3, 4)(torch.zeros(5, 2, 3), lengths=[6, 1]), r"lengths: expected every length in 1..5"),
    "coupled without forget gate": (lambda: LSTM(3, 4, coupled=True, forget_gate=False), r"forget_gate: a coupled input gate .* expected forget_gate=True with coupled=True, got forget_gate=False"),
    "peephole not a flag": (lambda: LSTM(3, 4, peephole="yes"), r"peephole: expected True or False, got 'yes'"),
    "forget_bias without bias": (lambda: LSTM(3, 4, bias=False, forget_bias=1.0), r"forget_bias: expected 0 for a module without biases \(bias=False\), got 1.0"),
    "forget_bias not a number": (lambda: LSTMCell(3, 4, forget_bias="1"), r"forget_bias: expected a finite number, got '1'"),
    "forget_bias without forget gate": (lambda: LSTM(3, 4, forget_gate=False, forget_bias=1.0), r"forget_bias: expected 0 for a cell without forget gate"),
    "coupled to torch": (lambda: LSTM(3, 4, coupled=True).to_torch(), r"coupled: torch.nn.LSTM has no coupled input and forget gates; this module has coupled=True"),
    "no forget gate to torch": (lambda: LSTMCell(3, 4, forget_gate=False).to_torch(), r"forget_gate: torch.nn.LSTMCell always has a forget gate; this module has forget_gate=False"),
    "lstm from a gru": (lambda: LSTM.from_torch(nn.GRU(2, 3)), r"module: expected a torch.nn.modules.rnn.LSTM, got GRU"),
    "gru from an lstm": (lambda: GRU.from_torch(nn.LSTM(2, 3)), r"module: expected a torch.nn.modules.rnn.GRU, got LSTM"),
    "projected lstm": (lambda: LSTM.from_torch(nn.LSTM(2, 4, proj_size=2)), r"module: LSTM has no counterpart for \{'proj_size': 2\}"),
    "cell from a layer": (lambda: LSTMCell.from_torch(nn.LSTM(2, 3)), r"cell: expected a torch.nn.modules.rnn.LSTMCell, got LSTM"),
    "cell input shape": (lambda: LSTMCell(3, 4)(torch.zeros(2, 5)), r"input: expected shape \(batch, 3\) or \(3,\), got shape \(2, 5\)"),
    "cell hx not a pair": (lambda: LSTMCell(3, 4)(torch.zeros(2, 3), torch.zeros(2, 4)), r"hx: expected a pair \(h, c\) of tensors, got Tensor"),
    "cell c shape": (lambda: LSTMCell(3, 4)(torch.zeros(2, 3), (torch.zeros(2, 4), torch.zeros(1, 4))), r"hx\[1\] \(c\): expected shape \(2, 4\) \(batch, hidden\), got shape \(1, 4\)"),
    "unbatched cell h shape": (lambda: GRUCell(3, 4)(torch.zeros(3), torch.zeros(1, 4)), r"hx: expected shape \(4,\) \(hidden\), got shape \(1, 4\)"),
    "gru cell dtype": (lambda: GRUCell(3, 4)(torch.zeros(2, 3, dtype=DOUBLE)), r"input: expected dtype torch.float32 .* got dtype torch.float64"),
    "step coupled without forget gate": (lambda: lstm_step(torch.zeros(1, 1), (torch.zeros(1, 1),) * 2, torch.zeros(4, 1), torch.zeros(4, 1), None, None, coupled=True, forget_gate=False), r"forget_gate: a coupled input gate"),
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_is_rejected_clearly(case):
    call, message = BAD_INPUT[case]
    with pytest.raises(ValueError, match=message):
        call()
