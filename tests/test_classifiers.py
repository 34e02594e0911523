"""Sentence classifiers and their trainer (chapter 6): pooling over real words against torch's layers in float64, training, bad input."""
import math
import random

import numpy as np
import pytest
import torch
from torch import nn

from companion.models.classifiers import CLASSIFIER_CELLS, POOLINGS, TextClassifier
from companion.training.classify import ClassifierTraining, classifier_accuracy, predict_proba, train_classifier

F64 = torch.float64
LENGTHS = [6, 2, 1, 4]
TWINS = {"lstm": nn.LSTM, "gru": nn.GRU, "elman": nn.RNN}


def _ids(lengths=LENGTHS, vocabulary=30, seed=0, padding_id=0):
    generator = torch.Generator().manual_seed(seed)
    ids = torch.randint(1, vocabulary, (max(lengths), len(lengths)), generator=generator)
    for b, length in enumerate(lengths):
        ids[length:, b] = padding_id
    return ids


def _model(cell="lstm", pooling="last", bidirectional=False, **options):
    torch.manual_seed(0)
    return TextClassifier(30, 3, cell=cell, embedding_size=5, hidden_size=4, bidirectional=bidirectional,
                          pooling=pooling, dtype=F64, **options)


def _twin_outputs(model, ids, b, length):
    """One sentence alone, unpadded, through a plain torch layer holding the model's weights."""
    layer = model.rnn
    twin = TWINS[model.cell](layer.input_size, layer.hidden_size, bidirectional=layer.bidirectional, dtype=F64)
    twin.load_state_dict(layer.state_dict())
    return twin(model.embedding(ids[:length, b : b + 1]))  # (n, 1, D·H), h_n


@pytest.mark.parametrize("cell", CLASSIFIER_CELLS)
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("pooling", ["last", "mean", "max"])
def test_pooling_matches_each_sentence_alone_through_torchs_layer(cell, bidirectional, pooling):
    model = _model(cell, pooling, bidirectional)
    ids = _ids()
    vectors = model.sentence_vectors(ids, torch.tensor(LENGTHS))
    for b, length in enumerate(LENGTHS):
        outputs, h_n = _twin_outputs(model, ids, b, length)
        outputs = outputs[:, 0]
        if pooling == "mean":
            expected = outputs.mean(dim=0)
        elif pooling == "max":
            expected = outputs.max(dim=0).values
        else:
            h = h_n[0] if cell == "lstm" else h_n
            # torch's h_n: the forward direction after the last word, the backward after the first.
            expected = h[:, 0].reshape(-1)
        torch.testing.assert_close(vectors[b], expected, rtol=0, atol=1e-12)


def test_bidirectional_last_joins_the_forward_end_with_the_backward_end():
    model = _model(bidirectional=True)
    ids = _ids()
    vectors = model.sentence_vectors(ids, LENGTHS)
    outputs, _ = model.rnn(model.embedding(ids), lengths=torch.tensor(LENGTHS))
    for b, length in enumerate(LENGTHS):
        torch.testing.assert_close(vectors[b, :4], outputs[length - 1, b, :4], rtol=0, atol=0)
        torch.testing.assert_close(vectors[b, 4:], outputs[0, b, 4:], rtol=0, atol=0)


@pytest.mark.parametrize("bidirectional", [False, True])
def test_attention_pooling_is_a_weighted_mean_of_real_states(bidirectional):
    model = _model(pooling="attention", bidirectional=bidirectional, attention_size=3)
    ids = _ids()
    assert model.last_attention is None
    vectors = model.sentence_vectors(ids, LENGTHS)
    weights = model.last_attention
    assert weights.shape == (6, 4) and not weights.requires_grad
    for b, length in enumerate(LENGTHS):
        assert math.isclose(float(weights[:, b].sum()), 1.0, abs_tol=1e-14)
        assert torch.all(weights[length:, b] == 0)
        outputs, _ = _twin_outputs(model, ids, b, length)
        expected = (weights[:length, b, None] * outputs[:, 0]).sum(dim=0)
        torch.testing.assert_close(vectors[b], expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("pooling", POOLINGS)
def test_padding_never_reaches_the_scores(pooling):
    model = _model(pooling=pooling, bidirectional=True)
    ids = _ids()
    other = ids.clone()
    for b, length in enumerate(LENGTHS):
        other[length:, b] = 7  # a real word where padding was
    torch.testing.assert_close(model(ids, LENGTHS), model(other, LENGTHS), rtol=0, atol=0)
    alone = torch.cat([model(ids[:n, b : b + 1]) for b, n in enumerate(LENGTHS)])
    torch.testing.assert_close(model(ids, LENGTHS), alone, rtol=0, atol=1e-12)


@pytest.mark.parametrize("pooling", POOLINGS)
@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_scratch_and_torch_layers_give_the_same_scores(pooling, cell):
    fast = _model(cell, pooling, bidirectional=True)
    torch.manual_seed(0)
    slow = TextClassifier(30, 3, cell=cell, embedding_size=5, hidden_size=4, bidirectional=True, pooling=pooling,
                          implementation="scratch", dtype=F64)
    slow.load_state_dict(fast.state_dict())
    torch.testing.assert_close(slow(_ids(), LENGTHS), fast(_ids(), LENGTHS), rtol=0, atol=1e-12)


def test_dropout_acts_in_training_only_and_options_are_kept():
    model = _model(dropout=0.5, num_layers=2)
    ids = _ids()
    model.eval()
    torch.testing.assert_close(model(ids, LENGTHS), model(ids, LENGTHS))
    assert model.rnn.num_layers == 2
    assert model(ids).shape == (4, 3)
    assert "pooling='last'" in repr(model)
    float32 = TextClassifier(30, 2)
    assert float32.readout.weight.dtype == torch.float32 and float32.embedding.weight.shape == (30, 100)


@pytest.mark.parametrize(
    "options, message",
    [
        ({"vocabulary_size": 0}, "vocabulary_size: expected a positive integer"),
        ({"num_classes": 1.5}, "num_classes: expected a positive integer"),
        ({"cell": "irnn"}, "cell: expected one of 'lstm', 'gru', 'elman', got 'irnn'"),
        ({"pooling": "sum"}, "pooling: expected one of 'last', 'mean', 'max', 'attention', got 'sum'"),
        ({"embedding_size": -1}, "embedding_size: expected a positive integer"),
        ({"hidden_size": 0}, "hidden_size: expected a positive integer"),
        ({"bidirectional": 1}, "bidirectional: expected True or False, got 1"),
        ({"padding_id": 30}, r"padding_id: expected an id in 0..29 \(below vocabulary_size\), got 30"),
        ({"dropout": 1.0}, r"dropout: expected a fraction in \[0, 1\), got 1.0"),
        ({"implementation": "cuda"}, "implementation: expected one of 'scratch', 'torch'"),
        ({"num_layers": 0}, "num_layers: expected a positive integer"),
        ({"attention_size": 8}, "attention_size: expected None unless pooling='attention', got 8 with pooling='last'"),
        ({"attention_size": 0, "pooling": "attention"}, "attention_size: expected a positive integer"),
        ({"dtype": torch.int64}, "dtype: expected a floating-point torch.dtype"),
    ],
)
def test_the_constructor_refuses_bad_options(options, message):
    arguments = {"vocabulary_size": 30, "num_classes": 2, **options}
    with pytest.raises(ValueError, match=message):
        TextClassifier(**arguments)


@pytest.mark.parametrize(
    "ids, lengths, message",
    [
        (_ids().tolist(), None, "ids: expected a torch.Tensor, got list"),
        (_ids().double(), None, r"ids: expected a 2-D integer tensor \(time, batch\) of word ids, got shape \(6, 4\) and dtype torch.float64"),
        (_ids()[:, 0], None, r"ids: expected a 2-D integer tensor .* got shape \(6\)"),
        (_ids()[:0], None, "ids: expected at least one time step"),
        (_ids() + 29, None, r"ids: expected word ids in 0..29 \(below vocabulary_size\), got min 29, max 58"),
        (_ids() - 1, None, r"ids: expected word ids in 0..29 .* got min -1"),
        (_ids(), [6, 2, 1], "lengths: expected a 1-D sequence of 4 lengths"),
        (_ids(), [7, 2, 1, 1], r"lengths: expected every length in 1..6"),
    ],
)
def test_forward_refuses_bad_ids_and_lengths(ids, lengths, message):
    with pytest.raises(ValueError, match=message):
        _model()(ids, lengths)


# ---- training --------------------------------------------------------------------------------


def _task(count, seed):
    """Label 1 when word 3 occurs somewhere in the sentence: order-free, learned in a few epochs."""
    rng = random.Random(seed)
    sequences = [[rng.randint(3, 12) for _ in range(rng.randint(1, 8))] for _ in range(count)]
    return sequences, [int(3 in ids) for ids in sequences]


def _small_classifier(**options):
    torch.manual_seed(0)
    return TextClassifier(13, 2, embedding_size=8, hidden_size=12, **options)


def test_training_learns_keeps_the_best_epoch_and_repeats_exactly():
    train, valid = _task(300, 1), _task(100, 2)
    model = _small_classifier(pooling="max")
    result = train_classifier(model, train, valid, epochs=4, lr=0.02, batch_size=16, device="cpu", progress=False)
    assert isinstance(result, ClassifierTraining)
    assert len(result.losses) == len(result.valid_accuracies) == 4
    assert result.valid_accuracy == max(result.valid_accuracies) > 0.9
    assert result.valid_accuracies[result.best_epoch - 1] == result.valid_accuracy
    assert classifier_accuracy(model, *valid) == result.valid_accuracy
    assert not model.training
    again = train_classifier(_small_classifier(pooling="max"), train, valid, epochs=4, lr=0.02, batch_size=16,
                             device="cpu", progress=False)
    assert again == result


def test_the_kept_weights_are_those_of_the_best_epoch():
    train, valid = _task(200, 3), _task(60, 4)
    one = train_classifier(_small_classifier(), train, valid, epochs=3, lr=0.05, batch_size=20, device="cpu",
                           progress=False, weight_decay=1e-4, clip=1.0)
    model = _small_classifier()
    result = train_classifier(model, train, valid, epochs=1 + one.best_epoch, lr=0.05, batch_size=20,
                              device="cpu", progress=False, weight_decay=1e-4, clip=1.0)
    assert result.valid_accuracies[: one.best_epoch] == one.valid_accuracies[: one.best_epoch]
    assert classifier_accuracy(model, *valid) == result.valid_accuracy


def test_predict_proba_gives_rows_in_order_that_sum_to_one():
    model = _small_classifier(bidirectional=True)
    sequences, _ = _task(40, 5)
    model.train()
    probabilities = predict_proba(model, sequences, batch_size=7)
    assert model.training
    assert probabilities.shape == (40, 2) and probabilities.dtype == np.float64
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-12)
    one_by_one = [predict_proba(model, [torch.tensor(ids)])[0] for ids in sequences[:5]]
    np.testing.assert_allclose(probabilities[:5], one_by_one, atol=1e-6)
    as_arrays = predict_proba(model, [np.array(ids) for ids in sequences], batch_size=7)
    np.testing.assert_array_equal(as_arrays, probabilities)


def test_a_non_finite_loss_stops_training_and_says_where():
    model = _small_classifier()
    with torch.no_grad():
        model.readout.bias.fill_(float("nan"))
    with pytest.raises(ValueError, match="loss: expected a finite value, got nan at epoch 1, batch 1; lower the learning rate"):
        train_classifier(model, _task(20, 6), _task(5, 7), epochs=1, device="cpu", progress=False)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"model": "lstm"}, "model: expected a torch.nn.Module, got str"),
        ({"train": ([[3, 4]], [1], [0])}, r"train: expected a pair \(id sequences, labels\), got tuple of length 3"),
        ({"train": "sentences"}, r"train: expected a pair \(id sequences, labels\), got str"),
        ({"train": ([], [])}, r"train\[0\]: expected at least one sentence, got an empty sequence"),
        ({"train": ([["good", "film"]], [1])}, r"train\[0\]\[0\]: expected a sequence of integer word ids, got \['good', 'film'\]; encode the words first"),
        ({"train": ([[3], []], [1, 0])}, r"train\[0\]\[1\]: expected at least one word id, got an empty sequence"),
        ({"train": ([torch.ones(2, 2, dtype=torch.long)], [1])}, r"train\[0\]\[0\]: expected a 1-D integer tensor of word ids"),
        ({"train": ([[3, 4], [5]], [1])}, r"train\[1\]: expected one label per sentence \(2\), got 1"),
        ({"valid": ([[3, 4]], [2])}, r"valid\[1\]\[0\]: expected a class id in 0..1 \(below the model's num_classes\), got 2"),
        ({"valid": ([[3, 4]], [True])}, r"valid\[1\]\[0\]: expected a class id in 0..1"),
        ({"epochs": 0}, "epochs: expected a positive integer, got 0"),
        ({"lr": float("nan")}, "lr: expected a positive finite number"),
        ({"batch_size": 0}, "batch_size: expected a positive integer"),
        ({"seed": -1}, "seed: expected a non-negative integer"),
        ({"weight_decay": -0.1}, "weight_decay: expected a non-negative number, got -0.1"),
        ({"clip": 0}, "clip: expected a positive finite number, got 0"),
    ],
)
def test_train_classifier_refuses_bad_arguments_before_training(change, message):
    arguments = {"model": _small_classifier(), "train": ([[3, 4], [5]], [1, 0]), "valid": ([[3, 4]], [1]),
                 "epochs": 1, "device": "cpu", "progress": False, **change}
    with pytest.raises(ValueError, match=message):
        train_classifier(**arguments)


def test_scoring_functions_refuse_bad_arguments():
    model = _small_classifier()
    with pytest.raises(ValueError, match="model: expected a torch.nn.Module"):
        predict_proba(None, [[3]])
    with pytest.raises(ValueError, match="sequences: expected a list of id sequences"):
        predict_proba(model, torch.tensor([3, 4]))
    with pytest.raises(ValueError, match="batch_size: expected a positive integer"):
        predict_proba(model, [[3]], batch_size=0)
    with pytest.raises(ValueError, match=r"labels: expected one label per sentence \(1\), got 2"):
        classifier_accuracy(model, [[3]], [0, 1])
    with pytest.raises(ValueError, match=r"labels\[0\]: expected a class id in 0..1"):
        classifier_accuracy(model, [[3]], [-1])


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("pooling", POOLINGS)
def test_the_classifier_trains_and_predicts_on_cuda_as_on_the_cpu(pooling):
    model = _model(pooling=pooling, bidirectional=True)
    expected = model(_ids(), LENGTHS)
    model.cuda()
    torch.testing.assert_close(model(_ids().cuda(), torch.tensor(LENGTHS)).cpu(), expected, rtol=0, atol=1e-10)
    train, valid = _task(60, 8), _task(20, 9)
    result = train_classifier(_small_classifier(pooling=pooling), train, valid, epochs=1, device="cuda", progress=False)
    assert 0.0 <= result.valid_accuracy <= 1.0
