"""The companion on a CUDA device; skipped where there is none (CI has none)."""
import pytest
import torch
from torch import nn

from companion.data import BOOKING_TAGS, generate_booking_corpus, make_batches
from companion.device import pick_device
from companion.encoding import OneOfN
from companion.metrics import span_f1
from companion.models import ElmanNetwork
from companion.runners import ElmanRNN
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


def test_tagger_trains_on_cuda():
    train, test = generate_booking_corpus(400, seed=1), generate_booking_corpus(100, seed=2)
    encoder = OneOfN.from_sentences(s.words for s in train)
    model = ElmanNetwork(encoder.size, 24, len(BOOKING_TAGS))
    batches = make_batches(train, encoder, BOOKING_TAGS, 32, shuffle_seed=0)
    train_tagger(model, batches, 10, device="cuda", progress=False)
    assert next(model.parameters()).device.type == "cuda"
    assert span_f1([s.tags for s in test], predict_tags(model, test, encoder, BOOKING_TAGS)) > 0.95
