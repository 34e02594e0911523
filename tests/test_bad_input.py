"""Every bad input gets a ValueError that names the argument, the expected and the given."""
import math

import pytest
import torch

from companion.cells import ElmanCell
from companion.data import BOOKING_TAGS, TaggedSentence, TagSet, make_batch, make_batches
from companion.device import pick_device, seed_everything
from companion.encoding import OneOfN, TrigramHasher, context_window, letter_trigrams
from companion.metrics import slot_spans, span_f1
from companion.models import ElmanNetwork, FeedForwardNetwork, SlotTagger
from companion.layers import ElmanRNN, reverse_padded
from companion.training import tagging_loss, train_tagger

RNN = ElmanRNN(3, 4)

CASES = {
    "input of rank 2": (lambda: RNN(torch.zeros(5, 3)), r"input: expected a 3-D tensor \(time, batch, features\) with features=3, got shape \(5, 3\)"),
    "wrong feature count": (lambda: RNN(torch.zeros(5, 2, 7)), r"input: expected 3 features .* got shape \(5, 2, 7\)"),
    "batch_first wrong features": (lambda: ElmanRNN(3, 4, batch_first=True)(torch.zeros(2, 5, 4)), r"input: expected 3 features in the last dimension \(batch, time, features\)"),
    "integer input": (lambda: RNN(torch.zeros(5, 2, 3, dtype=torch.long)), r"input: expected a floating-point tensor of dtype torch.float32, got dtype torch.int64"),
    "double input to float module": (lambda: RNN(torch.zeros(5, 2, 3, dtype=torch.float64)), r"input: expected dtype torch.float32 .* got dtype torch.float64"),
    "empty sequence": (lambda: RNN(torch.zeros(0, 2, 3)), r"input: expected at least one time step, got an empty sequence \(shape \(0, 2, 3\)"),
    "empty sequence batch_first": (lambda: ElmanRNN(3, 4, batch_first=True)(torch.zeros(2, 0, 3)), r"input: expected at least one time step"),
    "not a tensor": (lambda: RNN([[[0.0, 0.0, 0.0]]]), r"input: expected a torch.Tensor, got list"),
    "wrong initial state": (lambda: RNN(torch.zeros(5, 2, 3), torch.zeros(2, 2, 4)), r"hx: expected shape \(1, 2, 4\) \(layers, batch, hidden\), got shape \(2, 2, 4\)"),
    "length beyond padding": (lambda: RNN(torch.zeros(5, 2, 3), lengths=[5, 6]), r"lengths: expected every length in 1..5 .* got min 5, max 6"),
    "zero length": (lambda: RNN(torch.zeros(5, 2, 3), lengths=[0, 5]), r"lengths: expected every length in 1..5"),
    "lengths count": (lambda: RNN(torch.zeros(5, 2, 3), lengths=[5]), r"lengths: expected a 1-D sequence of 2 lengths"),
    "float lengths": (lambda: RNN(torch.zeros(5, 2, 3), lengths=[5.0, 4.0]), r"lengths: expected integer lengths, got dtype torch.float32"),
    "unknown nonlinearity": (lambda: ElmanRNN(3, 4, nonlinearity="softsign"), r"nonlinearity: expected one of 'tanh', 'relu', 'identity', 'sigmoid', got 'softsign'"),
    "zero hidden size": (lambda: ElmanRNN(3, 0), r"hidden_size: expected a positive integer, got 0"),
    "cell input shape": (lambda: ElmanCell(3, 4)(torch.zeros(2, 5)), r"input: expected shape \(batch, 3\) or \(3,\), got shape \(2, 5\)"),
    "cell state shape": (lambda: ElmanCell(3, 4)(torch.zeros(2, 3), torch.zeros(2, 5)), r"hx: expected shape \(2, 4\) \(batch, hidden\), got shape \(2, 5\)"),
    "ffn input shape": (lambda: FeedForwardNetwork(3, 4, 2)(torch.zeros(5, 4)), r"input: expected a 3-D tensor"),
    "network empty": (lambda: ElmanNetwork(3, 4, 2)(torch.zeros(0, 1, 3)), r"input: expected at least one time step"),
    "words and tags differ": (lambda: TaggedSentence(("leave", "Taipei"), ("O",)), r"tags: expected one tag per word \(2 words: 'leave Taipei'\), got 1 tags"),
    "empty sentence": (lambda: TaggedSentence((), ()), r"words: expected at least one word, got an empty sequence"),
    "word with space": (lambda: TaggedSentence(("New York",), ("O",)), r"words\[0\]: expected one non-empty word without spaces, got 'New York'"),
    "unknown tag": (lambda: BOOKING_TAGS.encode(["O", "B-city"]), r"tag: expected one of the tag set \(O, B-destination, .*\), got 'B-city'"),
    "malformed tag set": (lambda: TagSet(["O", "destination"]), r"tags: expected 'O', 'B-<slot>' or 'I-<slot>', got 'destination'"),
    "tag id out of range": (lambda: BOOKING_TAGS.decode([0, 42]), r"ids: expected tag ids in 0..8, got \[42\]"),
    "encode empty sentence": (lambda: OneOfN(["a"]).encode_sentence([]), r"words: expected at least one word, got an empty sequence"),
    "sentence given as string": (lambda: OneOfN(["a"]).encode_sentence("a b"), r"words: expected a list of words, got str"),
    "empty word": (lambda: letter_trigrams(""), r"word: expected one non-empty word without spaces, got ''"),
    "repeated vocabulary": (lambda: OneOfN(["a", "b", "a"]), r"vocabulary: expected distinct entries, got repeated \['a'\]"),
    "bad trigram": (lambda: TrigramHasher(["#ab", "toolong"]), r"trigrams: expected strings of exactly 3 characters, got \['toolong'\]"),
    "empty batch": (lambda: make_batch([], OneOfN(["a"]), BOOKING_TAGS), r"sentences: expected at least one sentence"),
    "batch of strings": (lambda: make_batch(["arrive Taipei"], OneOfN(["a"]), BOOKING_TAGS), r"sentences\[0\]: expected a TaggedSentence, got str"),
    "batch size": (lambda: make_batches([], OneOfN(["a"]), BOOKING_TAGS, 0), r"batch_size: expected a positive integer, got 0"),
    "loss shapes": (lambda: tagging_loss(torch.zeros(3, 2, 9), torch.zeros(3, 3, dtype=torch.long)), r"tags: expected shape \(T, B\) matching scores \(T, B, C\) = \(3, 2, 9\), got \(3, 3\)"),
    "f1 misaligned": (lambda: span_f1([["O", "O"]], [["O"]]), r"predicted\[0\]: expected 2 tags \(as many as gold\[0\]\), got 1"),
    "f1 count": (lambda: span_f1([["O"]], []), r"predicted: expected one tag sequence per gold sentence \(1\), got 0"),
    "window of a matrix": (lambda: context_window(torch.zeros(3, 4), 1), r"vectors: expected a 3-D tensor \(time, batch, features\), got \(3, 4\)"),
    "negative radius": (lambda: context_window(torch.zeros(3, 1, 4), -1), r"radius: expected a non-negative integer, got -1"),
    "tagger body": (lambda: SlotTagger(10, 3, body="transformer"), r"body: expected one of 'ffn', 'elman', 'jordan', 'bielman', 'lstm', 'bilstm', 'gru', 'bigru', got 'transformer'"),
    "stacked jordan": (lambda: SlotTagger(10, 3, body="jordan", num_layers=2), r"num_layers: expected 1 for body 'jordan', got 2"),
    "float ids": (lambda: SlotTagger(10, 3)(torch.zeros(4, 2)), r"input: expected a 2-D integer tensor \(time, batch\) of word ids, got shape \(4, 2\) and dtype torch.float32"),
    "spans of a string": (lambda: slot_spans("B-city"), r"tags: expected a list of BIO tags, got str"),
    "reverse beyond padding": (lambda: reverse_padded(torch.zeros(3, 2, 1), torch.tensor([3, 4])), r"lengths: expected every length in 1..3"),
    "device absent": (lambda: pick_device("cuda") if not torch.cuda.is_available() else pick_device("tpu"), r"prefer: "),
    "negative seed": (lambda: seed_everything(-1), r"seed: expected a non-negative integer, got -1"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_rejected_clearly(case):
    call, message = CASES[case]
    with pytest.raises(ValueError, match=message):
        call()


def test_nan_loss_stops_training_with_its_place():
    sentences = [TaggedSentence(("arrive", "Taipei"), ("O", "B-destination"))]
    encoder = OneOfN(["arrive", "Taipei"])
    batches = make_batches(sentences, encoder, BOOKING_TAGS, 1)
    model = ElmanNetwork(encoder.size, 4, len(BOOKING_TAGS))
    with torch.no_grad():
        model.readout.weight.fill_(math.nan)
    with pytest.raises(ValueError, match=r"loss: expected a finite value, got nan at epoch 1, batch 1"):
        train_tagger(model, batches, epochs=1, device="cpu", progress=False)
