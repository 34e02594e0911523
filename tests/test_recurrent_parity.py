"""The scratch Elman cell and layers against their torch twins, in float64."""
import pytest
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from companion.cells import ElmanCell
from companion.layers import ElmanRNN

DOUBLE = torch.float64


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize("bias", [True, False])
def test_cell_matches_torch_rnn_cell_both_ways(nonlinearity, bias):
    torch.manual_seed(0)
    twin = nn.RNNCell(4, 6, bias=bias, nonlinearity=nonlinearity, dtype=DOUBLE)
    cell = ElmanCell(4, 6, bias=bias, nonlinearity=nonlinearity, dtype=DOUBLE)
    cell.load_state_dict(twin.state_dict())
    x, h = torch.randn(5, 4, dtype=DOUBLE), torch.randn(5, 6, dtype=DOUBLE)
    torch.testing.assert_close(cell(x, h), twin(x, h), rtol=0, atol=1e-12)
    torch.testing.assert_close(cell(x[0]), twin(x[0]), rtol=0, atol=1e-12)

    fresh_twin = nn.RNNCell(4, 6, bias=bias, nonlinearity=nonlinearity, dtype=DOUBLE)
    fresh_twin.load_state_dict(cell.state_dict())
    torch.testing.assert_close(fresh_twin(x, h), cell(x, h), rtol=0, atol=1e-12)


def _compare(scratch, twin, x, h0=None, lengths=None):
    if lengths is None:
        expected_out, expected_h = twin(x, h0)
    else:
        packed = pack_padded_sequence(x, lengths, batch_first=twin.batch_first, enforce_sorted=False)
        packed_out, expected_h = twin(packed, h0)
        expected_out, _ = pad_packed_sequence(packed_out, batch_first=twin.batch_first, total_length=x.shape[1 if twin.batch_first else 0])
    out, h_n = scratch(x, h0, lengths=lengths)
    torch.testing.assert_close(out, expected_out, rtol=0, atol=1e-10)
    torch.testing.assert_close(h_n, expected_h, rtol=0, atol=1e-10)
    return out, h_n, expected_out, expected_h


@pytest.mark.parametrize("num_layers", [1, 2, 3])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_layer_matches_torch_rnn(num_layers, batch_first, nonlinearity):
    torch.manual_seed(num_layers)
    twin = nn.RNN(3, 5, num_layers=num_layers, nonlinearity=nonlinearity, batch_first=batch_first, dtype=DOUBLE)
    scratch = ElmanRNN.from_torch(twin)
    x = torch.randn(4, 7, 3, dtype=DOUBLE)
    h0 = torch.randn(num_layers, 4 if batch_first else 7, 5, dtype=DOUBLE)
    _compare(scratch, twin, x)
    _compare(scratch, twin, x, h0)


@pytest.mark.parametrize("batch_first", [False, True])
def test_variable_length_batch_matches_packed_sequence(batch_first):
    torch.manual_seed(1)
    twin = nn.RNN(3, 4, num_layers=2, batch_first=batch_first, dtype=DOUBLE)
    scratch = ElmanRNN.from_torch(twin)
    x = torch.randn(5, 6, 3, dtype=DOUBLE) if batch_first else torch.randn(6, 5, 3, dtype=DOUBLE)
    lengths = torch.tensor([6, 2, 5, 1, 3])
    _compare(scratch, twin, x, lengths=lengths)


@pytest.mark.parametrize("bidirectional", [False, True])
def test_gradients_match_torch(bidirectional):
    torch.manual_seed(2)
    twin = nn.RNN(3, 4, num_layers=2, bidirectional=bidirectional, dtype=DOUBLE)
    scratch = ElmanRNN.from_torch(twin)
    x = torch.randn(6, 2, 3, dtype=DOUBLE)
    (twin(x)[0] ** 2).sum().backward()
    (scratch(x)[0] ** 2).sum().backward()
    assert len(list(scratch.parameters())) == len(list(twin.parameters()))
    for name, parameter in scratch.named_parameters():
        torch.testing.assert_close(parameter.grad, getattr(twin, name).grad, rtol=0, atol=1e-10)


@pytest.mark.parametrize("num_layers", [1, 3])
@pytest.mark.parametrize("batch_first", [False, True])
def test_bidirectional_stack_matches_torch(num_layers, batch_first):
    torch.manual_seed(3)
    twin = nn.RNN(3, 4, num_layers=num_layers, bidirectional=True, batch_first=batch_first, dtype=DOUBLE)
    scratch = ElmanRNN.from_torch(twin)
    assert list(scratch.state_dict()) == list(twin.state_dict())
    x = torch.randn(5, 6, 3, dtype=DOUBLE)
    h0 = torch.randn(2 * num_layers, 5 if batch_first else 6, 4, dtype=DOUBLE)
    _compare(scratch, twin, x)
    _compare(scratch, twin, x, h0)
    lengths = torch.tensor([6, 1, 4, 6, 2]) if batch_first else torch.tensor([5, 2, 3, 1, 5, 4])
    _compare(scratch, twin, x, h0, lengths=lengths)
    back = ElmanRNN(3, 4, num_layers=num_layers, bidirectional=True, batch_first=batch_first, dtype=DOUBLE)
    back.load_state_dict(scratch.to_torch().state_dict())
    _compare(back, twin, x)


def test_reverse_padded_reverses_each_sequence_within_its_length():
    from companion.layers import reverse_padded

    x = torch.arange(1.0, 7.0).reshape(3, 2, 1)  # time-major: sequence 0 = 1, 3, 5; sequence 1 = 2, 4, 6
    flipped = reverse_padded(x, torch.tensor([3, 2]))[..., 0].T.tolist()
    assert flipped == [[5, 3, 1], [4, 2, 0]]
    assert torch.equal(reverse_padded(reverse_padded(x, torch.tensor([3, 2])), torch.tensor([3, 2]))[:2, 1], x[:2, 1])


def test_state_dict_round_trip_and_export():
    scratch = ElmanRNN(3, 4, num_layers=2, nonlinearity="relu", bias=False, batch_first=True, dtype=DOUBLE)
    twin = scratch.to_torch()
    assert isinstance(twin, nn.RNN) and twin.nonlinearity == "relu" and twin.batch_first and not twin.bias
    assert list(twin.state_dict()) == list(scratch.state_dict())
    x = torch.randn(2, 5, 3, dtype=DOUBLE)
    _compare(scratch, twin, x)
    back = ElmanRNN.from_torch(twin)
    for name, value in scratch.state_dict().items():
        assert torch.equal(back.state_dict()[name], value)


def test_identity_memory_cannot_be_exported():
    with pytest.raises(ValueError, match="nonlinearity.*'identity'"):
        ElmanRNN(2, 2, nonlinearity="identity").to_torch()


def test_from_torch_refuses_what_it_cannot_copy():
    with pytest.raises(ValueError, match="module: expected a torch.nn.modules.rnn.RNN, got LSTM"):
        ElmanRNN.from_torch(nn.LSTM(2, 3))
    with pytest.raises(ValueError, match="dropout"):
        ElmanRNN.from_torch(nn.RNN(2, 3, num_layers=2, dropout=0.5))


def test_lecture_worked_example():
    """Chapter 1: all weights 1, no bias, linear; inputs [1,1], [1,1], [2,2] → outputs [4,4], [12,12], [32,32]."""
    from companion.models import ElmanNetwork

    net = ElmanNetwork(2, 2, 2, nonlinearity="identity", bias=False)
    with torch.no_grad():
        for parameter in net.parameters():
            parameter.fill_(1.0)
    x = torch.tensor([[1.0, 1.0], [1.0, 1.0], [2.0, 2.0]]).unsqueeze(1)
    assert net.memory(x)[:, 0].tolist() == [[2, 2], [6, 6], [16, 16]]
    assert net(x)[:, 0].tolist() == [[4, 4], [12, 12], [32, 32]]
    assert net(x.flip(0))[:, 0].tolist() == [[8, 8], [20, 20], [44, 44]]
