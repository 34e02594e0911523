"""Every torch trainer of the course refuses a learning rate that is not a positive finite number
before it starts, and stops, saying where, at the first loss or updated weight that is NaN or inf."""
import math
import re

import numpy as np
import pytest
import torch

import companion.training.recall as recall_module
from companion.data import BOOKING_TAGS, TaggedSentence, make_batches
from companion.data.recall import generate_recall
from companion.encoding import OneOfN
from companion.models import ElmanNetwork, SequenceToVector
from companion.models.char_rnn import CharRNN, train_char_model
from companion.training import require_finite_tensors, train_recall, train_tagger

TEXT = np.array([0, 1, 2, 3, 4, 2] * 10)
ADVICE = "lower the learning rate, clip gradients, or look for NaN/inf in the inputs"


def _tagger_problem():
    sentences = [TaggedSentence(("arrive", "Taipei"), ("O", "B-destination"))] * 4
    encoder = OneOfN(["arrive", "Taipei"])
    torch.manual_seed(0)
    return ElmanNetwork(encoder.size, 4, len(BOOKING_TAGS)), make_batches(sentences, encoder, BOOKING_TAGS, 2)


def _char_model():
    torch.manual_seed(0)
    return CharRNN(5, 4, 5)


def run_tagger(lr=0.01, prepare=lambda model: None):
    model, batches = _tagger_problem()
    prepare(model)
    train_tagger(model, batches, epochs=2, lr=lr, device="cpu", progress=False)
    return model


def run_char_model(lr=0.1, prepare=lambda model: None):
    model = _char_model()
    prepare(model)
    train_char_model(model, TEXT, sequence_length=5, steps=4, lr=lr, optimizer="sgd")
    return model


def run_recall(lr=0.01, prepare=lambda model: None, monkeypatch=None):
    if monkeypatch is not None:
        def build(*args, **kwargs):
            model = SequenceToVector(*args, **kwargs)
            prepare(model)
            return model

        monkeypatch.setattr(recall_module, "SequenceToVector", build)
    splits = [generate_recall(16, 2, seed=s) for s in (1, 2, 3)]
    train_recall(dict(cell="lstm"), *splits, hidden_size=4, max_steps=4, lr=lr, batch_size=4, check_every=2)


TRAINERS = {"train_tagger": run_tagger, "train_char_model": run_char_model, "train_recall": run_recall}
# Where each trainer says it stopped, at its first step.
FIRST_STEP = {"train_tagger": "epoch 1, batch 1", "train_char_model": "step 1", "train_recall": "step 1"}


@pytest.mark.parametrize("lr", [math.inf, math.nan, -math.inf, 0.0, -0.01, "0.01", True, None],
                         ids=["inf", "nan", "-inf", "zero", "negative", "string", "bool", "None"])
@pytest.mark.parametrize("trainer", TRAINERS)
def test_a_learning_rate_that_is_not_positive_and_finite_is_refused_before_training(trainer, lr):
    seen = []

    def prepare(model):
        seen.append({k: v.clone() for k, v in model.state_dict().items()})
        seen.append(model)

    with pytest.raises(ValueError, match=rf"^lr: expected a positive finite number, got {re.escape(repr(lr))}$"):
        if trainer == "train_recall":
            TRAINERS[trainer](lr=lr)
        else:
            TRAINERS[trainer](lr=lr, prepare=prepare)
    if seen:  # the weights were never touched
        before, model = seen
        assert all(torch.equal(model.state_dict()[k], v) for k, v in before.items())


def _infinite_gradient(model):
    # A finite loss whose gradient is inf: the update, not the loss, makes the weights non-finite.
    model.readout.bias.register_hook(lambda grad: torch.full_like(grad, math.inf))


def _nan_weights(model):
    with torch.no_grad():
        model.readout.weight.fill_(math.nan)


@pytest.mark.parametrize("trainer", TRAINERS)
def test_weights_made_non_finite_by_an_update_stop_training_there(trainer, monkeypatch):
    # The character model names its weights as chapter 4 does: the read-out bias is c.
    bias = "c" if trainer == "train_char_model" else r"readout\.bias"
    message = rf"^params: expected finite values after the update of {FIRST_STEP[trainer]}, got NaN or inf in {bias}; {ADVICE}$"
    with pytest.raises(ValueError, match=message):
        if trainer == "train_recall":
            run_recall(prepare=_infinite_gradient, monkeypatch=monkeypatch)
        else:
            TRAINERS[trainer](prepare=_infinite_gradient)


@pytest.mark.parametrize("trainer", TRAINERS)
def test_a_non_finite_loss_stops_training_at_its_step(trainer, monkeypatch):
    message = rf"^loss: expected a finite value, got nan at {FIRST_STEP[trainer]}; {ADVICE}$"
    with pytest.raises(ValueError, match=message):
        if trainer == "train_recall":
            run_recall(prepare=_nan_weights, monkeypatch=monkeypatch)
        else:
            TRAINERS[trainer](prepare=_nan_weights)


@pytest.mark.parametrize("trainer", TRAINERS)
def test_a_learning_rate_too_large_stops_training_with_advice(trainer):
    with pytest.raises(ValueError, match=rf"^(loss|params): expected finite value.*(step|batch) \d+.*; {ADVICE}$"):
        TRAINERS[trainer](lr=1e308)


def test_require_finite_tensors_names_each_non_finite_tensor():
    tensors = [("a", torch.ones(2)), ("b", torch.tensor([1.0, math.inf])), ("c", torch.tensor([math.nan]))]
    with pytest.raises(ValueError, match=rf"^params: expected finite values after step 3, got NaN or inf in b, c; {ADVICE}$"):
        require_finite_tensors(tensors, "after step 3")
    require_finite_tensors(tensors[:1], "after step 3")
    require_finite_tensors([], "after step 3")
