"""The companion on a CUDA device; skipped where there is none (CI has none)."""
import pytest
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from companion.data import BOOKING_TAGS, generate_booking_corpus, make_batches
from companion.device import pick_device
from companion.encoding import OneOfN
from companion.metrics import span_f1
from companion.models import ElmanNetwork
from companion.cells import GRUCell, LSTMCell
from companion.layers import GRU, LSTM, ElmanRNN
from companion.training import predict_tags, train_tagger

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device"),
]


def test_pick_device_prefers_cuda():
    assert pick_device().type == "cuda"


@pytest.mark.parametrize("batch_first", [False, True])
def test_elman_layer_matches_torch_on_cuda(batch_first):
    torch.manual_seed(0)
    twin = nn.RNN(8, 16, num_layers=2, batch_first=batch_first, dtype=torch.float64, device="cuda")
    scratch = ElmanRNN.from_torch(twin)
    assert scratch.weight_ih_l0.device.type == "cuda"
    x = torch.randn(4, 9, 8, dtype=torch.float64, device="cuda")
    out, h_n = scratch(x, lengths=torch.tensor([9, 3, 5, 1] if batch_first else [4] * 9))
    assert out.device.type == "cuda"
    full_out, full_h = scratch(x)
    expected_out, expected_h = twin(x)
    torch.testing.assert_close(full_out, expected_out, rtol=0, atol=1e-10)
    torch.testing.assert_close(full_h, expected_h, rtol=0, atol=1e-10)
    assert scratch.to_torch().weight_hh_l1.device.type == "cuda"


def _parts(state):
    return state if isinstance(state, tuple) else (state,)


@pytest.mark.parametrize("kind", ["lstm", "gru"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_gated_layers_match_torch_on_cuda(kind, batch_first):
    scratch_class, torch_class = {"lstm": (LSTM, nn.LSTM), "gru": (GRU, nn.GRU)}[kind]
    torch.manual_seed(0)
    cuda = {"dtype": torch.float64, "device": "cuda"}
    twin = torch_class(8, 16, num_layers=2, bidirectional=True, batch_first=batch_first, **cuda)
    scratch = scratch_class.from_torch(twin)
    assert scratch.weight_ih_l1_reverse.device.type == "cuda"
    x = torch.randn(4, 9, 8, **cuda) if batch_first else torch.randn(9, 4, 8, **cuda)
    h0 = torch.randn(4, 4, 16, **cuda)
    hx = (h0, torch.randn(4, 4, 16, **cuda)) if kind == "lstm" else h0
    lengths = torch.tensor([9, 3, 5, 1])
    packed = pack_padded_sequence(x, lengths, batch_first=batch_first, enforce_sorted=False)
    packed_out, expected_state = twin(packed, hx)
    expected_out, _ = pad_packed_sequence(packed_out, batch_first=batch_first, total_length=9)
    out, state = scratch(x, hx, lengths=lengths)
    assert out.device.type == "cuda"
    torch.testing.assert_close(out, expected_out, rtol=0, atol=1e-10)
    for part, expected in zip(_parts(state), _parts(expected_state), strict=True):
        torch.testing.assert_close(part, expected, rtol=0, atol=1e-10)
    (out.square().sum() + sum(p.square().sum() for p in _parts(state))).backward()
    (expected_out.square().sum() + sum(p.square().sum() for p in _parts(expected_state))).backward()
    for name, parameter in scratch.named_parameters():
        torch.testing.assert_close(parameter.grad, getattr(twin, name).grad, rtol=0, atol=1e-10, msg=name)
    assert scratch.to_torch().weight_hh_l1.device.type == "cuda"


def test_gated_cells_and_peephole_lstm_on_cuda():
    torch.manual_seed(1)
    cuda = {"dtype": torch.float64, "device": "cuda"}
    x, h, c = torch.randn(5, 8, **cuda), torch.randn(5, 16, **cuda), torch.randn(5, 16, **cuda)
    lstm_twin, gru_twin = nn.LSTMCell(8, 16, **cuda), nn.GRUCell(8, 16, **cuda)
    for got, expected in zip(LSTMCell.from_torch(lstm_twin, peephole=True)(x, (h, c)), lstm_twin(x, (h, c))):
        torch.testing.assert_close(got, expected, rtol=0, atol=1e-12)
    torch.testing.assert_close(GRUCell.from_torch(gru_twin)(x, h), gru_twin(x, h), rtol=0, atol=1e-12)
    layer = LSTM(8, 16, peephole=True, coupled=True, forget_bias=1.0, **cuda)
    assert layer.weight_peephole_l0.device.type == "cuda"
    out, (h_n, c_n) = layer(torch.randn(7, 3, 8, **cuda))
    assert out.shape == (7, 3, 16) and c_n.device.type == "cuda"


def test_tagger_trains_on_cuda():
    train, test = generate_booking_corpus(400, seed=1), generate_booking_corpus(100, seed=2)
    encoder = OneOfN.from_sentences(s.words for s in train)
    model = ElmanNetwork(encoder.size, 24, len(BOOKING_TAGS))
    batches = make_batches(train, encoder, BOOKING_TAGS, 32, shuffle_seed=0)
    train_tagger(model, batches, 10, device="cuda", progress=False)
    assert next(model.parameters()).device.type == "cuda"
    assert span_f1([s.tags for s in test], predict_tags(model, test, encoder, BOOKING_TAGS)) > 0.95
