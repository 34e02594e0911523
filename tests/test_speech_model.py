"""The CTC recogniser of spoken digits (chapter 6): labels, the model's outputs and lengths, training,
recognition, and the plot of its spikes."""
import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
import drawn  # noqa: E402

from companion.ctc import ctc_loss  # noqa: E402
from companion.models.speech import (  # noqa: E402
    BLANK,
    LABEL_NAMES,
    NUM_LABELS,
    CTCRecognizer,
    digits_to_labels,
    labels_to_digits,
)
from companion.training.ctc_training import CTCRun, ctc_log_probs, recognise, train_ctc  # noqa: E402

F = 6  # features of the synthetic frames
close_figures = drawn.close_figures  # autouse: every figure a test draws is closed


def synthetic_examples(count: int, seed: int = 0):
    """Utterances of 1-3 of the digits 0-2: digit d is 3-5 frames of a bump on feature 2d, between silent frames."""
    rng = np.random.default_rng(seed)
    examples = []
    for _ in range(count):
        digits = tuple(int(d) for d in rng.integers(0, 3, size=rng.integers(1, 4)))
        frames = [np.zeros((2, F))]
        for d in digits:
            said = np.zeros((int(rng.integers(3, 6)), F))
            said[:, 2 * d] = 2.0
            frames += [said, np.zeros((int(rng.integers(1, 3)), F))]
        features = np.concatenate(frames) + 0.1 * rng.standard_normal((sum(len(f) for f in frames), F))
        examples.append((features.astype(np.float32), digits))
    return examples


# ---- labels ----------------------------------------------------------------------------------


def test_digit_d_is_class_d_plus_1_and_the_blank_is_0():
    assert BLANK == 0 and NUM_LABELS == 11 and LABEL_NAMES[0] == "blank" and LABEL_NAMES[8] == "7"
    assert digits_to_labels((0, 9, 9, 3)) == [1, 10, 10, 4]
    assert labels_to_digits([1, 10, 10, 4]) == (0, 9, 9, 3)
    assert digits_to_labels(np.array([2, 5])) == [3, 6] and labels_to_digits(()) == ()


@pytest.mark.parametrize("function, value, message", [
    (digits_to_labels, (1, 10), "^digits: expected integers 0..9, got 10"),
    (digits_to_labels, (1.0,), "^digits: expected integers 0..9, got 1.0"),
    (digits_to_labels, "12", "^digits: expected a sequence of integers"),
    (digits_to_labels, 3, "^digits: expected a sequence of integers"),
    (labels_to_digits, (0, 2), r"^labels: expected classes 1..10 \(digits; 0, the blank"),
    (labels_to_digits, (11,), "^labels: expected classes 1..10"),
    (labels_to_digits, None, "^labels: expected a sequence of classes"),
])
def test_bad_digits_and_labels_are_refused(function, value, message):
    with pytest.raises(ValueError, match=message):
        function(value)


# ---- the model -------------------------------------------------------------------------------


@pytest.mark.parametrize("stride, steps", [(1, 13), (2, 7), (3, 5)])
@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_outputs_are_normalised_log_probs_of_every_output_step(cell, stride, steps):
    torch.manual_seed(0)
    model = CTCRecognizer(F, hidden_size=8, cell=cell, stride=stride, dtype=torch.float64)
    log_probs = model(torch.randn(13, 4, F, dtype=torch.float64))
    assert log_probs.shape == (steps, 4, NUM_LABELS) and log_probs.dtype == torch.float64
    torch.testing.assert_close(torch.logsumexp(log_probs, dim=-1), torch.zeros(steps, 4, dtype=torch.float64),
                               rtol=0, atol=1e-12)
    assert model.output_lengths([13, 1, 6]).tolist() == [-(-13 // stride), 1, -(-6 // stride)]


@pytest.mark.parametrize("stride", [1, 3])
@pytest.mark.parametrize("cell, bidirectional", [("lstm", True), ("gru", True), ("lstm", False)])
def test_each_sequence_of_a_padded_batch_gives_what_it_gives_alone(cell, bidirectional, stride):
    torch.manual_seed(1)
    model = CTCRecognizer(F, hidden_size=8, num_layers=2, cell=cell, bidirectional=bidirectional, stride=stride,
                          dtype=torch.float64).eval()
    lengths = [11, 4, 7]
    batch = torch.randn(11, 3, F, dtype=torch.float64) * 5  # the padding is garbage, not zeros
    together = model(batch, torch.tensor(lengths))
    for b, length in enumerate(lengths):
        alone = model(batch[:length, b:b + 1])
        steps = int(model.output_lengths([length])[0])
        assert alone.shape[0] == steps
        torch.testing.assert_close(together[:steps, b:b + 1], alone, rtol=0, atol=1e-12)


def test_stacked_frames_are_the_frames_side_by_side():
    model = CTCRecognizer(2, hidden_size=4, stride=3)
    x = torch.arange(14.0).reshape(7, 1, 2)
    stacked = model._stack_frames(x, None)
    assert stacked.shape == (3, 1, 6)
    assert stacked[0, 0].tolist() == [0, 1, 2, 3, 4, 5]
    assert stacked[2, 0].tolist() == [12, 13, 0, 0, 0, 0]


def test_the_layers_are_torchs_and_dropout_sits_between_them():
    model = CTCRecognizer(5, hidden_size=7, num_layers=3, dropout=0.5, stride=2)
    assert [type(layer).__name__ for layer in model.layers] == ["PackedLSTM"] * 3
    assert model.layers[0].weight_ih_l0.shape == (28, 10) and model.layers[1].weight_ih_l0.shape == (28, 14)
    assert model.readout.weight.shape == (NUM_LABELS, 14)
    model.eval()
    x = torch.randn(6, 2, 5)
    torch.testing.assert_close(model(x), model(x))  # no dropout at evaluation
    assert CTCRecognizer(5, dtype=torch.float64).readout.weight.dtype == torch.float64


@pytest.mark.parametrize("arguments, message", [
    (dict(num_features=0), "^num_features: expected a positive integer"),
    (dict(num_labels=1), r"^num_labels: expected an integer >= 2"),
    (dict(hidden_size=0), "^hidden_size: expected a positive integer"),
    (dict(num_layers=0), "^num_layers: expected a positive integer"),
    (dict(cell="elman"), "^cell: expected one of 'lstm', 'gru', got 'elman'"),
    (dict(bidirectional=2), "^bidirectional: expected one of True, False"),
    (dict(dropout=1.0), r"^dropout: expected a fraction in \[0, 1\)"),
    (dict(stride=0), "^stride: expected a positive integer"),
])
def test_bad_settings_are_refused(arguments, message):
    settings = dict(num_features=F) | arguments
    with pytest.raises(ValueError, match=message):
        CTCRecognizer(**settings)


def test_bad_inputs_are_refused():
    model = CTCRecognizer(F, hidden_size=4)
    with pytest.raises(ValueError, match="^input: expected a torch.Tensor"):
        model(np.zeros((3, 1, F), dtype=np.float32))
    with pytest.raises(ValueError, match=r"^input: expected a 3-D tensor \(time, batch, features\)"):
        model(torch.zeros(3, F))
    with pytest.raises(ValueError, match=r"^input: expected 6 features in the last dimension"):
        model(torch.zeros(3, 1, F + 1))
    with pytest.raises(ValueError, match=r"^input: expected dtype torch.float32"):
        model(torch.zeros(3, 1, F, dtype=torch.float64))
    with pytest.raises(ValueError, match=r"^lengths: expected every length in 1..3"):
        model(torch.zeros(3, 2, F), torch.tensor([3, 4]))
    with pytest.raises(ValueError, match=r"^lengths: expected a 1-D sequence of 2 lengths"):
        model(torch.zeros(3, 2, F), torch.tensor([3]))
    with pytest.raises(ValueError, match=r"^lengths: expected a 1-D sequence of positive integers"):
        model.output_lengths([0, 2])


# ---- training and recognition ----------------------------------------------------------------


def test_the_training_loss_is_the_ctc_loss_of_the_digits_as_classes():
    """torch's CTCLoss, as train_ctc calls it, against the NumPy forward algorithm of companion.ctc."""
    torch.manual_seed(2)
    model = CTCRecognizer(F, hidden_size=8, stride=2, dtype=torch.float64)
    features, digits = synthetic_examples(1)[0]
    (log_probs,) = ctc_log_probs(model, [features.astype(np.float64)])
    labels = digits_to_labels(digits)
    criterion = torch.nn.CTCLoss(blank=BLANK, reduction="mean")
    loss = criterion(torch.from_numpy(log_probs).unsqueeze(1), torch.tensor([labels]), [len(log_probs)],
                     [len(labels)])
    assert float(loss) == pytest.approx(ctc_loss(log_probs, labels) / len(labels), rel=1e-12)


def test_a_tiny_training_run_lowers_the_loss_and_keeps_the_best_epoch():
    torch.manual_seed(0)
    model = CTCRecognizer(F, hidden_size=12, num_layers=1)
    train, valid = synthetic_examples(8, seed=0), synthetic_examples(4, seed=1)
    run = train_ctc(model, train, valid, epochs=8, lr=0.03, batch_size=4, seed=0, device="cpu", progress=False)
    assert isinstance(run, CTCRun)
    assert len(run.losses) == len(run.valid_error_rates) == 8
    assert run.losses[-1] < 0.7 * run.losses[0]
    assert run.valid_error_rate == min(run.valid_error_rates)
    assert run.best_epoch == run.valid_error_rates.index(run.valid_error_rate) + 1
    from companion.metrics import label_error_rate

    heard = recognise(model, [f for f, _ in valid])
    assert label_error_rate([d for _, d in valid], heard) == pytest.approx(run.valid_error_rate)
    assert not model.training


def test_training_is_repeatable():
    def once():
        torch.manual_seed(0)
        model = CTCRecognizer(F, hidden_size=6, num_layers=1)
        return train_ctc(model, synthetic_examples(4), synthetic_examples(2, 1), epochs=2, lr=0.01, batch_size=2,
                         seed=3, device="cpu", progress=False).losses

    assert once() == once()


def test_recognise_decodes_greedily_or_by_beam_search():
    torch.manual_seed(0)
    model = CTCRecognizer(F, hidden_size=6, num_layers=1, stride=2)
    examples = synthetic_examples(3)
    features = [f for f, _ in examples]
    all_log_probs = ctc_log_probs(model, features, batch_size=2)
    assert [lp.shape for lp in all_log_probs] == [(-(-len(f) // 2), NUM_LABELS) for f in features]
    assert all(lp.dtype == np.float64 for lp in all_log_probs)
    greedy = recognise(model, features)
    expected = []
    for lp in all_log_probs:
        path = lp.argmax(axis=1)
        expected.append(tuple(int(c) - 1 for k, c in enumerate(path) if c != BLANK and (k == 0 or c != path[k - 1])))
    assert greedy == expected
    beam = recognise(model, features, decoder="beam", beam_width=4)
    assert all(isinstance(d, tuple) and all(0 <= x <= 9 for x in d) for d in beam)
    with pytest.raises(ValueError, match="^decoder: expected one of 'greedy', 'beam'"):
        recognise(model, features, decoder="viterbi")
    with pytest.raises(ValueError, match="^beam_width: expected a positive integer"):
        recognise(model, features, decoder="beam", beam_width=0)
    with pytest.raises(ValueError, match=r"^features\[0\]: expected 6 features per frame"):
        recognise(model, [np.zeros((4, 3), dtype=np.float32)])
    with pytest.raises(ValueError, match="^features: expected a list of"):
        recognise(model, features[0])


@pytest.mark.parametrize("change, message", [
    (lambda t: [], r"^train_set: expected a non-empty list of \(features, digits\) pairs"),
    (lambda t: [t[0][0]] + t[1:], r"^train_set\[0\]: expected a \(features, digits\) pair"),
    (lambda t: [(t[0][0], (1, 12))] + t[1:], "^digits: expected integers 0..9, got 12"),
    (lambda t: [(t[0][0], ())] + t[1:], r"^train_set\[0\]: expected at least one digit"),
    (lambda t: [(t[0][0][:, :3], t[0][1])] + t[1:], r"^train_set\[0\] features: expected 6 features per frame"),
    (lambda t: [(np.zeros((2, F), dtype=np.float32), (1, 1))] + t[1:],
     r"^train_set\[0\]: expected at least 3 output frames for the digits \(1, 1\)"),
    (lambda t: [(np.full((5, F), np.nan, dtype=np.float32), (1,))] + t[1:], "expected finite floating-point"),
])
def test_bad_examples_are_refused_before_training(change, message):
    model = CTCRecognizer(F, hidden_size=4, num_layers=1)
    with pytest.raises(ValueError, match=message):
        train_ctc(model, change(synthetic_examples(3)), synthetic_examples(2), epochs=1, progress=False)


@pytest.mark.parametrize("arguments, message", [
    (dict(epochs=0), "^epochs: expected a positive integer"),
    (dict(lr=-1.0), "^lr: expected a positive finite number"),
    (dict(batch_size=0), "^batch_size: expected a positive integer"),
    (dict(clip=0.0), "^clip: expected a positive finite number"),
    (dict(model="lstm"), "^model: expected a torch.nn.Module"),
    (dict(valid_set=[]), r"^valid_set: expected a non-empty list"),
])
def test_bad_training_settings_are_refused(arguments, message):
    settings = dict(model=CTCRecognizer(F, hidden_size=4, num_layers=1), train_set=synthetic_examples(2),
                    valid_set=synthetic_examples(2), epochs=1, progress=False) | arguments
    with pytest.raises(ValueError, match=message):
        train_ctc(**settings)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_the_recogniser_trains_and_matches_the_cpu_on_cuda():
    torch.manual_seed(0)
    model = CTCRecognizer(F, hidden_size=8, stride=2, dtype=torch.float64)
    x, lengths = torch.randn(9, 3, F, dtype=torch.float64), torch.tensor([9, 5, 2])
    expected = model(x, lengths)
    model.to("cuda")
    torch.testing.assert_close(model(x.cuda(), lengths.cuda()).cpu(), expected, rtol=0, atol=1e-10)
    model = CTCRecognizer(F, hidden_size=8, num_layers=1)
    run = train_ctc(model, synthetic_examples(8), synthetic_examples(2, 1), epochs=2, device="cuda", progress=False)
    assert next(model.parameters()).device.type == "cuda" and len(run.losses) == 2


# ---- the plot of the spikes ------------------------------------------------------------------


def spiky_log_probs():
    """Ten frames: blank, a spike of class 3 (digit 2), blank, a two-frame spike of class 1 (digit 0), blank."""
    probabilities = np.full((10, NUM_LABELS), 0.01)
    probabilities[:, BLANK] = 0.9
    probabilities[2] = 0.01
    probabilities[2, 3] = 0.9
    probabilities[6:8] = 0.01
    probabilities[6:8, 1] = 0.9
    return np.log(probabilities / probabilities.sum(axis=1, keepdims=True))


def test_the_spikes_are_drawn_and_named_with_the_alignment_on_top():
    from companion.plots import plot_ctc_spikes

    log_probs = spiky_log_probs()
    alignment = [0, 0, 3, 0, 0, 0, 1, 1, 0, 0]
    ax = plot_ctc_spikes(log_probs, LABEL_NAMES, frame_rate=25, alignment=alignment)
    assert len(ax.lines) >= NUM_LABELS - 1 and len(ax.collections) == 1  # a curve per digit, the blank's area
    names = [t.get_text() for t in ax.texts]
    assert names.count("2") == 2 and names.count("0") == 2  # the spike's name, and the alignment's mark
    np.testing.assert_allclose(ax.lines[0].get_xdata(), np.arange(10) / 25)
    assert ax.get_xlabel() == "time (s)" and ax.get_ylabel() == "probability (grey: blank)"
    assert [tick.get_text() for tick in ax.get_yticklabels()][-1] == "alignment"
    without = plot_ctc_spikes(log_probs, LABEL_NAMES, frame_rate=25)
    assert sorted(t.get_text() for t in without.texts) == ["0", "2"]


def test_the_spikes_are_readable_at_a_phones_width():
    from companion.plots import plot_ctc_spikes

    ax = plot_ctc_spikes(spiky_log_probs(), LABEL_NAMES, 25, alignment=[0, 0, 3, 0, 0, 0, 1, 1, 0, 0])
    figure = ax.figure
    assert figure.get_figwidth() <= 7.5
    assert min(t.get_fontsize() for t in ax.texts) >= 11
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    for text in ax.texts:
        box = text.get_window_extent(renderer)
        assert box.x0 >= frame.x0 - 1 and box.x1 <= frame.x1 + 1 and box.y0 >= frame.y0 - 1 and box.y1 <= frame.y1 + 1


@pytest.mark.parametrize("change, message", [
    (dict(log_probs=np.zeros((4, NUM_LABELS))), "^log_probs: expected each frame's probabilities to sum to 1"),
    (dict(log_probs=np.zeros(4)), r"^log_probs: expected a \(frames, classes\) array"),
    (dict(label_names=LABEL_NAMES[:5]), "^label_names: expected 11 names"),
    (dict(frame_rate=0), "^frame_rate: expected a positive number"),
    (dict(blank=11), r"^blank: expected a class in 0..10"),
    (dict(alignment=[0, 1]), "^alignment: expected 10 class ids"),
    (dict(alignment=[0.0] * 10), "^alignment: expected 10 class ids"),
    (dict(ax="ax"), "^ax: expected a matplotlib Axes or None"),
])
def test_bad_spikes_are_refused(change, message):
    from companion.plots import plot_ctc_spikes

    arguments = dict(log_probs=spiky_log_probs(), label_names=LABEL_NAMES, frame_rate=25) | change
    with pytest.raises(ValueError, match=message):
        plot_ctc_spikes(**arguments)
