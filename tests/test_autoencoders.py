"""The sequence-to-sequence auto-encoder of chapter 6: shapes, padding, the masked loss, training, codes, nearest neighbours."""
import numpy as np
import pytest
import torch

from companion.models.autoencoders import DECODER_INPUTS, SequenceAutoencoder, reconstruction_loss
from companion.training.autoencoding import (
    AutoencoderRun,
    encode_recordings,
    nearest_neighbour_accuracy,
    train_autoencoder,
)

F64 = torch.float64


def _model(decoder_input="zeros", code_size=None, batch_first=False, **kwargs):
    torch.manual_seed(0)
    return SequenceAutoencoder(5, 12, code_size=code_size, decoder_input=decoder_input,
                               batch_first=batch_first, dtype=F64, **kwargs)


@pytest.mark.parametrize("decoder_input", DECODER_INPUTS)
@pytest.mark.parametrize("code_size", [None, 3])
def test_shapes_on_a_padded_batch(decoder_input, code_size):
    model = _model(decoder_input, code_size)
    frames = torch.randn(7, 3, 5, dtype=F64)  # (T, B, F)
    reconstruction, code = model(frames, torch.tensor([7, 2, 4]))
    assert reconstruction.shape == (7, 3, 5)
    assert code.shape == (3, 12 if code_size is None else 3)
    assert model.encode(frames, [7, 2, 4]).shape == code.shape
    # Steps past a sequence's length hold zeros.
    assert torch.count_nonzero(reconstruction[2:, 1]) == 0 and torch.count_nonzero(reconstruction[4:, 2]) == 0


def test_batch_first_is_the_transpose_of_time_major():
    time_major, batch_first = _model(), _model(batch_first=True)
    frames = torch.randn(6, 2, 5, dtype=F64)
    lengths = torch.tensor([6, 3])
    expected, code = time_major(frames, lengths)
    got, got_code = batch_first(frames.transpose(0, 1), lengths)
    assert got.shape == (2, 6, 5)
    torch.testing.assert_close(got, expected.transpose(0, 1), rtol=0, atol=1e-12)
    torch.testing.assert_close(got_code, code, rtol=0, atol=1e-12)


@pytest.mark.parametrize("decoder_input", DECODER_INPUTS)
def test_padding_does_not_change_the_code_or_the_reconstruction(decoder_input):
    model = _model(decoder_input, code_size=4)
    alone = torch.randn(3, 1, 5, dtype=F64)
    batch = torch.randn(8, 3, 5, dtype=F64) * 100  # loud padding, to make any leak visible
    batch[:3, 1:2] = alone
    reconstruction, code = model(batch, torch.tensor([8, 3, 6]))
    alone_reconstruction, alone_code = model(alone)
    torch.testing.assert_close(code[1:2], alone_code, rtol=0, atol=1e-6)
    torch.testing.assert_close(reconstruction[:3, 1:2], alone_reconstruction, rtol=0, atol=1e-6)


def test_the_loss_ignores_padded_frames_and_is_the_mean_over_real_ones():
    target = torch.randn(5, 2, 3, dtype=F64)
    reconstruction = torch.randn(5, 2, 3, dtype=F64)
    lengths = torch.tensor([5, 2])
    loss = reconstruction_loss(reconstruction, target, lengths)
    by_hand = (((reconstruction[:, 0] - target[:, 0]) ** 2).sum()
               + ((reconstruction[:2, 1] - target[:2, 1]) ** 2).sum()) / (3 * 7)
    torch.testing.assert_close(loss, by_hand, rtol=0, atol=1e-12)
    changed_target, changed_reconstruction = target.clone(), reconstruction.clone()
    changed_target[2:, 1] = 1e6
    changed_reconstruction[2:, 1] = -1e6
    torch.testing.assert_close(reconstruction_loss(changed_reconstruction, changed_target, lengths), loss,
                               rtol=0, atol=1e-12)
    full = reconstruction_loss(reconstruction, target)
    torch.testing.assert_close(full, ((reconstruction - target) ** 2).mean(), rtol=0, atol=1e-12)
    swapped = reconstruction_loss(reconstruction.transpose(0, 1), target.transpose(0, 1), lengths, batch_first=True)
    torch.testing.assert_close(swapped, loss, rtol=0, atol=1e-12)


def _random_recordings(count=4, width=5, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((int(rng.integers(3, 7)), width)).astype(np.float32) for _ in range(count)]


def test_a_tiny_model_overfits_four_short_sequences():
    recordings = _random_recordings()
    torch.manual_seed(0)
    model = SequenceAutoencoder(5, 32)
    run = train_autoencoder(model, recordings, recordings, epochs=150, lr=1e-2, batch_size=4, device="cpu",
                            progress=False)
    assert isinstance(run, AutoencoderRun) and not run.stopped_early
    assert run.valid_losses[0] > 0.3 and run.valid_loss < 1e-3
    assert run.best_epoch == int(np.argmin(run.valid_losses)) + 1
    assert run.valid_loss == min(run.valid_losses)
    codes = encode_recordings(model, recordings)
    assert codes.shape == (4, 32) and codes.dtype == np.float64


def test_training_keeps_the_best_epoch_and_stops_on_time():
    recordings = _random_recordings(6)
    torch.manual_seed(0)
    model = SequenceAutoencoder(5, 8)
    run = train_autoencoder(model, recordings[:4], recordings[4:], epochs=5, batch_size=2, device="cpu",
                            progress=False, max_seconds=1e-9)
    assert run.stopped_early and len(run.valid_losses) == 1 and run.best_epoch == 1
    # The model holds the kept weights: its validation loss is the one reported.
    frames = torch.nn.utils.rnn.pad_sequence([torch.as_tensor(r) for r in recordings[4:]])
    lengths = torch.tensor([len(r) for r in recordings[4:]])
    with torch.no_grad():
        loss = reconstruction_loss(model(frames, lengths)[0], frames, lengths)
    assert float(loss) == pytest.approx(run.valid_loss, rel=1e-5)


def test_codes_come_back_in_the_order_given_whatever_the_batches():
    model = _model(code_size=3)
    recordings = [r.astype(np.float64) for r in _random_recordings(7)]
    codes = encode_recordings(model, recordings, batch_size=3)
    for recording, code in zip(recordings, codes):
        alone = model.encode(torch.as_tensor(recording).unsqueeze(1)).detach().numpy()[0]
        np.testing.assert_allclose(code, alone, rtol=0, atol=1e-10)


def test_nearest_neighbour_accuracy_on_a_toy_set():
    vectors = np.array([[1.0, 0.0], [1.0, 0.1], [0.0, 1.0], [0.1, 1.0]])
    assert nearest_neighbour_accuracy(vectors, [0, 0, 1, 1]) == 1.0
    # Leave-one-out: no vector is its own neighbour.
    assert nearest_neighbour_accuracy(vectors, [0, 1, 2, 3]) == 0.0
    reference = np.array([[2.0, 0.0], [0.0, 3.0]])
    assert nearest_neighbour_accuracy(vectors, ["a", "a", "b", "a"], reference, ["a", "b"]) == 0.75
    # Cosine ignores lengths, Euclid does not.
    far = np.array([[10.0, 0.0], [0.0, 1.0]])
    assert nearest_neighbour_accuracy(np.array([[1.0, 0.1]]), [0], far, [0, 1]) == 1.0
    assert nearest_neighbour_accuracy(np.array([[1.0, 0.1]]), [0], far, [0, 1], metric="euclidean") == 0.0
    assert nearest_neighbour_accuracy(torch.tensor(vectors), np.array([0, 0, 1, 1])) == 1.0


@pytest.mark.parametrize(
    "build, name",
    [
        (lambda: SequenceAutoencoder(0), "num_features"),
        (lambda: SequenceAutoencoder(5, hidden_size=2.5), "hidden_size"),
        (lambda: SequenceAutoencoder(5, code_size=0), "code_size"),
        (lambda: SequenceAutoencoder(5, decoder_input="own"), "decoder_input"),
        (lambda: SequenceAutoencoder(5, batch_first="yes"), "batch_first"),
    ],
)
def test_bad_settings_raise_naming_the_argument(build, name):
    with pytest.raises(ValueError, match=name):
        build()


def test_bad_forward_inputs_raise_naming_the_argument():
    model = _model()
    with pytest.raises(ValueError, match="frames.*5 features"):
        model(torch.zeros(4, 2, 6, dtype=F64))
    with pytest.raises(ValueError, match="frames.*3-D"):
        model(torch.zeros(4, 5, dtype=F64))
    with pytest.raises(ValueError, match="frames.*dtype"):
        model(torch.zeros(4, 2, 5))
    with pytest.raises(ValueError, match="frames.*torch.Tensor"):
        model.encode(np.zeros((4, 2, 5)))
    with pytest.raises(ValueError, match="lengths.*1..4"):
        model(torch.zeros(4, 2, 5, dtype=F64), torch.tensor([5, 1]))
    with pytest.raises(ValueError, match="lengths.*2 lengths"):
        model(torch.zeros(4, 2, 5, dtype=F64), torch.tensor([4]))
    with pytest.raises(ValueError, match="target.*shape"):
        reconstruction_loss(torch.zeros(3, 2, 5), torch.zeros(3, 2, 4))
    with pytest.raises(ValueError, match="lengths.*integer"):
        reconstruction_loss(torch.zeros(3, 2, 5), torch.zeros(3, 2, 5), torch.tensor([1.0, 2.0]))


def test_bad_training_and_scoring_inputs_raise_naming_the_argument():
    model = SequenceAutoencoder(5, 8)
    good = _random_recordings(2)
    cases = [
        (lambda: train_autoencoder("model", good, good, 1), "model"),
        (lambda: train_autoencoder(model, good, good, 0), "epochs"),
        (lambda: train_autoencoder(model, good, good, 1, lr=-1.0), "lr"),
        (lambda: train_autoencoder(model, good, good, 1, max_seconds=0), "max_seconds"),
        (lambda: train_autoencoder(model, [], good, 1), "train_frames"),
        (lambda: train_autoencoder(model, good, [np.zeros((3, 4), np.float32)], 1), r"valid_frames\[0\].*5 features"),
        (lambda: train_autoencoder(model, [np.full((3, 5), np.nan, np.float32)], good, 1), r"train_frames\[0\]"),
        (lambda: encode_recordings(model, good, batch_size=0), "batch_size"),
        (lambda: encode_recordings(model, np.zeros((3, 5), np.float32)), "frames"),
        (lambda: nearest_neighbour_accuracy(np.eye(3), [0, 1]), "labels"),
        (lambda: nearest_neighbour_accuracy(np.eye(3), [0, 1, 2], metric="manhattan"), "metric"),
        (lambda: nearest_neighbour_accuracy(np.eye(3), [0, 1, 2], np.eye(3)), "reference_vectors"),
        (lambda: nearest_neighbour_accuracy(np.eye(3), [0, 1, 2], np.eye(2), [0, 1]), "reference_vectors"),
        (lambda: nearest_neighbour_accuracy(np.eye(1), [0]), "vectors.*at least 2"),
        (lambda: nearest_neighbour_accuracy(np.zeros((2, 2)), [0, 1]), "vectors.*zero vector"),
        (lambda: nearest_neighbour_accuracy(np.eye(2)[0], [0, 1]), "vectors.*2-D"),
    ]
    for call, pattern in cases:
        with pytest.raises(ValueError, match=pattern):
            call()


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_the_autoencoder_trains_and_encodes_on_cuda():
    recordings = _random_recordings()
    torch.manual_seed(0)
    model = SequenceAutoencoder(5, 16, code_size=4, device="cuda")
    assert model.readout.weight.device.type == "cuda"
    run = train_autoencoder(model, recordings, recordings, epochs=3, batch_size=2, device="cuda", progress=False)
    assert len(run.valid_losses) == 3 and np.isfinite(run.valid_loss)
    frames = torch.nn.utils.rnn.pad_sequence([torch.as_tensor(r) for r in recordings]).cuda()
    reconstruction, code = model(frames, torch.tensor([len(r) for r in recordings]))
    assert reconstruction.device.type == "cuda" and code.shape == (4, 4)
    codes = encode_recordings(model, recordings)
    assert codes.shape == (4, 4)
    with pytest.raises(ValueError, match="frames.*device"):
        model(frames.cpu())
