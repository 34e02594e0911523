"""The key-term tagger (chapter 6): a literal reference in float64, padding, the tagger trainers unchanged, bad input."""
import math
import random

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

from companion.data.tagging import TagSet, TaggedSentence, make_batches  # noqa: E402
from companion.encoding import Vocabulary  # noqa: E402
from companion.models.key_terms import KeyTermTagger  # noqa: E402
from companion.plots import plot_word_attention  # noqa: E402
from companion.training.loop import predict_tags, tag_probabilities, train_and_select  # noqa: E402

F64 = torch.float64
LENGTHS = [7, 3, 1, 5]


def _ids(lengths=LENGTHS, seed=0):
    generator = torch.Generator().manual_seed(seed)
    ids = torch.randint(1, 20, (max(lengths), len(lengths)), generator=generator)
    for b, length in enumerate(lengths):
        ids[length:, b] = 0
    return ids


def _tagger(**options):
    torch.manual_seed(0)
    return KeyTermTagger(20, 3, embedding_size=5, hidden_size=4, attention_size=6, dtype=F64, **options)


def test_scores_match_a_literal_reference_for_each_document_alone():
    tagger = _tagger()
    ids = _ids()
    scores = tagger(ids, LENGTHS)
    assert scores.shape == (7, 4, 3)
    lstm = nn.LSTM(5, 4, bidirectional=True, dtype=F64)
    lstm.load_state_dict(tagger.rnn.state_dict())
    W, bias = tagger.attention.projection.weight.detach(), tagger.attention.projection.bias.detach()
    u = tagger.attention.context_vector.detach()
    V, d = tagger.readout.weight.detach(), tagger.readout.bias.detach()
    for b, n in enumerate(LENGTHS):
        states = lstm(tagger.embedding(ids[:n, b : b + 1]))[0][:, 0].detach()  # (n, 8)
        energies = [float(u @ torch.tanh(W @ states[t] + bias)) for t in range(n)]
        top = max(energies)
        alphas = [math.exp(e - top) for e in energies]
        alphas = [a / sum(alphas) for a in alphas]
        document = sum(alpha * states[t] for t, alpha in enumerate(alphas))
        for t in range(n):
            expected = V @ torch.cat([states[t], document]) + d
            torch.testing.assert_close(scores[t, b], expected, rtol=0, atol=1e-12)
        torch.testing.assert_close(tagger.last_attention[:n, b], torch.tensor(alphas, dtype=F64), rtol=0, atol=1e-12)


def test_attention_weights_sum_to_one_and_skip_padding():
    tagger = _tagger()
    weights = tagger.attention_weights(_ids(), torch.tensor(LENGTHS))
    assert weights.shape == (7, 4) and not weights.requires_grad
    torch.testing.assert_close(weights.sum(dim=0), torch.ones(4, dtype=F64), rtol=0, atol=1e-14)
    for b, n in enumerate(LENGTHS):
        assert torch.all(weights[n:, b] == 0) and torch.all(weights[:n, b] > 0)
    assert torch.equal(weights, tagger.last_attention)


def test_padding_changes_no_real_words_score_and_none_means_every_word():
    tagger = _tagger()
    ids = _ids()
    scores = tagger(ids, LENGTHS)
    other = ids.clone()
    other[other == 0] = 11
    changed = tagger(other, LENGTHS)
    for b, n in enumerate(LENGTHS):
        torch.testing.assert_close(changed[:n, b], scores[:n, b], rtol=0, atol=0)
        torch.testing.assert_close(tagger(ids[:n, b : b + 1])[:, 0], scores[:n, b], rtol=0, atol=1e-12)
    torch.testing.assert_close(tagger(ids), tagger(ids, [7] * 4), rtol=0, atol=0)


def test_the_scratch_lstm_gives_the_same_scores():
    fast = _tagger()
    slow = _tagger(implementation="scratch")
    slow.load_state_dict(fast.state_dict())
    torch.testing.assert_close(slow(_ids(), LENGTHS), fast(_ids(), LENGTHS), rtol=0, atol=1e-12)
    assert "scratch" in repr(slow)


def test_dropout_acts_in_training_only():
    tagger = _tagger(dropout=0.5)
    tagger.eval()
    torch.testing.assert_close(tagger(_ids(), LENGTHS), tagger(_ids(), LENGTHS), rtol=0, atol=0)
    tagger.train()
    assert not torch.equal(tagger(_ids(), LENGTHS), tagger(_ids(), LENGTHS))


# ---- with the tagger trainers of chapters 1 to 3 ---------------------------------------------


def _documents(count, seed):
    """Key phrases are 'alpha' alone or 'beta gamma': found only by reading the words in order."""
    rng = random.Random(seed)
    filler = ["the", "of", "a", "model", "data", "gamma", "and", "we"]
    documents = []
    for _ in range(count):
        words, tags = [], []
        for _ in range(rng.randint(3, 9)):
            draw = rng.random()
            if draw < 0.15:
                words += ["alpha"]
                tags += ["B-KP"]
            elif draw < 0.3:
                words += ["beta", "gamma"]
                tags += ["B-KP", "I-KP"]
            else:
                words += [rng.choice(filler)]
                tags += ["O"]
        documents.append(TaggedSentence(words, tags))
    return documents


def test_train_and_select_and_predict_tags_work_with_it_unchanged():
    train, valid = _documents(150, 1), _documents(40, 2)
    vocabulary = Vocabulary(sorted({word for document in train for word in document.words}))
    tagset = TagSet(["O", "B-KP", "I-KP"])
    torch.manual_seed(0)
    tagger = KeyTermTagger(len(vocabulary.entries), len(tagset), 8, 8, 8, padding_id=vocabulary.pad_id)
    batches = make_batches(train, vocabulary, tagset, batch_size=16, shuffle_seed=0, by_length=True)
    selection = train_and_select(tagger, batches, valid, vocabulary, tagset, epochs=6, lr=0.02, device="cpu",
                                 progress=False)
    assert selection.valid_f1 > 0.9
    predicted = predict_tags(tagger, valid, vocabulary, tagset)
    assert [len(tags) for tags in predicted] == [len(document) for document in valid]
    probabilities = tag_probabilities(tagger, ["alpha", "and", "beta", "gamma"], vocabulary)
    assert probabilities.shape == (4, 3)
    assert probabilities.argmax(dim=1).tolist() == [tagset.index(tag) for tag in ("B-KP", "O", "B-KP", "I-KP")]


# ---- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "options, message",
    [
        ({"vocabulary_size": 0}, "vocabulary_size: expected a positive integer"),
        ({"num_tags": 0}, "num_tags: expected a positive integer"),
        ({"embedding_size": 2.5}, "embedding_size: expected a positive integer"),
        ({"hidden_size": -4}, "hidden_size: expected a positive integer"),
        ({"attention_size": None}, "attention_size: expected a positive integer"),
        ({"padding_id": -1}, r"padding_id: expected an id in 0..19 \(below vocabulary_size\), got -1"),
        ({"dropout": -0.1}, r"dropout: expected a fraction in \[0, 1\), got -0.1"),
        ({"implementation": "numpy"}, "implementation: expected one of 'scratch', 'torch', got 'numpy'"),
        ({"dtype": "float64"}, "dtype: expected a floating-point torch.dtype"),
    ],
)
def test_the_constructor_refuses_bad_options(options, message):
    arguments = {"vocabulary_size": 20, "num_tags": 3, **options}
    with pytest.raises(ValueError, match=message):
        KeyTermTagger(**arguments)


@pytest.mark.parametrize(
    "ids, lengths, message",
    [
        (_ids().numpy(), None, "ids: expected a torch.Tensor, got ndarray"),
        (_ids().unsqueeze(-1), None, r"ids: expected a 2-D integer tensor \(time, batch\) of word ids, got shape \(7, 4, 1\)"),
        (_ids().bool(), None, "ids: expected a 2-D integer tensor .* and dtype torch.bool"),
        (_ids() + 19, None, r"ids: expected word ids in 0..19 \(below vocabulary_size\), got min 19"),
        (_ids(), [7, 3, 1], "lengths: expected a 1-D sequence of 4 lengths"),
        (_ids(), [0, 3, 1, 5], r"lengths: expected every length in 1..7"),
    ],
)
def test_forward_and_attention_weights_refuse_bad_ids_and_lengths(ids, lengths, message):
    tagger = _tagger()
    with pytest.raises(ValueError, match=message):
        tagger(ids, lengths)
    with pytest.raises(ValueError, match=message):
        tagger.attention_weights(ids, lengths)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_the_tagger_runs_on_cuda_as_on_the_cpu():
    tagger = _tagger()
    expected = tagger(_ids(), LENGTHS)
    tagger.cuda()
    got = tagger(_ids().cuda(), torch.tensor(LENGTHS))
    torch.testing.assert_close(got.cpu(), expected, rtol=0, atol=1e-10)
    assert tagger.last_attention.device.type == "cuda"


# ---- the figure ------------------------------------------------------------------------------


def test_plot_word_attention_shades_each_word_by_its_weight():
    tagger = _tagger()
    tagger.eval()
    words = [f"w{i}" for i in range(5)]
    weights = tagger.attention_weights(_ids(), LENGTHS)[:5, 3]
    ax = plot_word_attention(words, weights, highlight=[1, 2], words_per_line=2)
    assert [text.get_text() for text in ax.texts] == words
    assert plot_word_attention(["one"], [1.0]).images[0].get_array().shape == (1, 1)
    assert [text.get_fontweight() for text in ax.texts] == ["normal", "bold", "bold", "normal", "normal"]
    shown = ax.images[0].get_array()
    assert shown.shape == (3, 2) and shown.mask[2, 1]
    np_weights = weights.numpy()
    assert list(shown.compressed()) == list(np_weights)
    assert len(ax.patches) == 2
    plt.close("all")


@pytest.mark.parametrize(
    "words, weights, options, message",
    [
        ("alpha beta", [0.5, 0.5], {}, "words: expected a non-empty list of words"),
        ([], [], {}, "words: expected a non-empty list of words"),
        (["a", 3], [0.5, 0.5], {}, r"words\[1\]: expected a word \(a str\), got int"),
        (["a", "b"], [1.0], {}, r"weights: expected 2 weights \(one per word, padding cut off\), got shape \(1,\)"),
        (["a", "b"], torch.ones(3, 1), {}, r"weights: expected 2 weights .* got shape \(3, 1\)"),
        (["a", "b"], ["x", "y"], {}, "weights: expected one number per word, got list"),
        (["a", "b"], [0.5, float("nan")], {}, "weights: expected finite weights >= 0"),
        (["a", "b"], [1.5, -0.5], {}, "weights: expected finite weights >= 0"),
        (["a", "b"], [0.5, 0.5], {"highlight": [2]}, r"highlight: expected word positions in 0..1, got 2"),
        (["a", "b"], [0.5, 0.5], {"words_per_line": 0}, "words_per_line: expected a positive integer, got 0"),
        (["a", "b"], [0.5, 0.5], {"ax": "axes"}, "ax: expected a matplotlib Axes or None, got str"),
    ],
)
def test_plot_word_attention_refuses_bad_input(words, weights, options, message):
    with pytest.raises(ValueError, match=message):
        plot_word_attention(words, weights, **options)
