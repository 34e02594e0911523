"""The Free Spoken Digit Dataset (chapter 6): the pinned files, the loader against the mirror, splits,
utterances of several digits, log-mel features and their standardisation."""
import os
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import soundfile

from companion.data.download import MIRROR_VARIABLE
from companion.data.fsdd import (
    FSDD_COMMIT,
    FSDD_SPEAKERS,
    Recording,
    concatenate_digits,
    fsdd_file,
    load_fsdd,
    read_recording,
    recording_name,
    split_fsdd,
)
from companion.data.speech_features import FeatureStandardiser, frame_count, log_mel

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def _mirror_folder() -> Path:
    return Path(os.environ.get(MIRROR_VARIABLE) or SHARED_DATA)


@pytest.fixture(scope="module")
def recordings():
    """All 3000 recordings, read once for the module from the data mirror, never from the network."""
    folder = _mirror_folder()
    if not (folder / "fsdd" / "recordings").is_dir():
        pytest.skip(f"no data mirror with fsdd/ at {folder}")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(MIRROR_VARIABLE, str(folder))
        return load_fsdd(progress=False)


@pytest.fixture(scope="module")
def official(recordings):
    return split_fsdd(recordings)


def synthetic(digit, speaker, index, samples, rate=8000):
    audio = np.linspace(-0.5, 0.5, samples, dtype=np.float32) * (digit + 1) / 10
    return Recording(digit, speaker, index, audio, rate)


# ---- the pinned files ------------------------------------------------------------------------


def test_each_recording_is_pinned_to_one_commit_with_its_sha256():
    remote = fsdd_file(7, "jackson", 32)
    assert remote.path == "fsdd/recordings/7_jackson_32.wav"
    assert remote.url == (
        f"https://raw.githubusercontent.com/Jakobovski/free-spoken-digit-dataset/{FSDD_COMMIT}/recordings/7_jackson_32.wav"
    )
    assert fsdd_file(0, "jackson", 0).sha256 == "eea86018ce1730baaf7f5dd6ec88c1f727dd90203521a9115b489310a248ea05"
    shas = {fsdd_file(d, s, i).sha256 for d in range(10) for s in FSDD_SPEAKERS for i in range(50)}
    assert len(shas) == 3000


@pytest.mark.parametrize("args, name", [((10, "theo", 0), "digit"), ((1, "bob", 0), "speaker"),
                                        ((1, "theo", 50), "index"), ((True, "theo", 0), "digit"),
                                        ((1, "theo", 1.0), "index")])
def test_a_recording_fsdd_has_not_is_refused(args, name):
    with pytest.raises(ValueError, match=f"^{name}: expected"):
        recording_name(*args)


# ---- the loader against the mirror -----------------------------------------------------------


def test_the_mirror_holds_3000_recordings_500_per_speaker(recordings):
    assert len(recordings) == 3000
    assert Counter(r.speaker for r in recordings) == {s: 500 for s in FSDD_SPEAKERS}
    assert Counter(r.digit for r in recordings) == {d: 300 for d in range(10)}
    assert len({r.name for r in recordings}) == 3000
    # ordered by speaker, digit, repetition
    assert [r.name for r in recordings[:3]] == ["0_george_0", "0_george_1", "0_george_2"]
    assert recordings[-1].name == "9_yweweler_49"
    assert all(r.sample_rate == 8000 and r.audio.dtype == np.float32 and r.audio.ndim == 1 for r in recordings)
    assert max(float(np.abs(r.audio).max()) for r in recordings) <= 1.0
    assert 0.14 < min(r.duration for r in recordings) < max(r.duration for r in recordings) < 2.3


def test_one_file_has_its_known_length_and_samples(recordings):
    first = next(r for r in recordings if r.name == "0_jackson_0")
    assert len(first.audio) == 5148  # the MANIFEST's 10340 bytes: a 44-byte header and 16-bit samples
    path = _mirror_folder() / "fsdd" / "recordings" / "0_jackson_0.wav"
    as_integers, _ = soundfile.read(path, dtype="int16")
    np.testing.assert_array_equal(first.audio, as_integers.astype(np.float32) / 32768)


def test_a_selection_loads_only_what_it_names(recordings, monkeypatch):
    monkeypatch.setenv(MIRROR_VARIABLE, str(_mirror_folder()))
    chosen = load_fsdd(speakers=["theo"], digits=[3, 1], indices=range(2), progress=False)
    assert [r.name for r in chosen] == ["3_theo_0", "3_theo_1", "1_theo_0", "1_theo_1"]


def test_a_changed_file_fails_its_sha256(tmp_path, monkeypatch):
    source = _mirror_folder() / "fsdd" / "recordings" / "0_jackson_0.wav"
    if not source.is_file():
        pytest.skip("no data mirror with fsdd/")
    target = tmp_path / "fsdd" / "recordings" / "0_jackson_0.wav"
    target.parent.mkdir(parents=True)
    shutil.copyfile(source, target)
    with open(target, "r+b") as stream:  # one sample changed, the header intact
        stream.seek(1000)
        byte = stream.read(1)
        stream.seek(1000)
        stream.write(bytes([byte[0] ^ 1]))
    monkeypatch.setenv(MIRROR_VARIABLE, str(tmp_path))
    with pytest.raises(ValueError, match="0_jackson_0.wav: expected sha256 eea86018"):
        load_fsdd(speakers=["jackson"], digits=[0], indices=[0], progress=False)


@pytest.mark.parametrize("selection", [dict(speakers=["bob"]), dict(digits=[10]), dict(indices=[50]),
                                       dict(digits=[]), dict(digits=[True]), dict(speakers=3.5)])
def test_a_bad_selection_is_refused_before_any_file_is_read(selection, monkeypatch, tmp_path):
    monkeypatch.setenv(MIRROR_VARIABLE, str(tmp_path))  # an empty mirror: reading anything would fail otherwise
    name = next(iter(selection))
    with pytest.raises(ValueError, match=f"^{name}: expected None or a"):
        load_fsdd(progress=False, **selection)


def test_read_recording_names_the_file_of_a_wrong_rate_or_channel_count(tmp_path):
    fast = tmp_path / "fast.wav"
    soundfile.write(fast, np.zeros(1600, dtype=np.float32), 16000)
    with pytest.raises(ValueError, match=r"fast\.wav: expected a sample rate of 8000 Hz, got 16000 Hz"):
        read_recording(fast, 1, "theo", 0)
    stereo = tmp_path / "stereo.wav"
    soundfile.write(stereo, np.zeros((800, 2), dtype=np.float32), 8000)
    with pytest.raises(ValueError, match=r"stereo\.wav: expected mono audio \(1 channel\), got 2 channels"):
        read_recording(stereo, 1, "theo", 0)
    text = tmp_path / "text.wav"
    text.write_text("not a sound")
    with pytest.raises(ValueError, match=r"text\.wav: expected a WAV file"):
        read_recording(text, 1, "theo", 0)
    empty = tmp_path / "empty.wav"
    soundfile.write(empty, np.zeros(0, dtype=np.float32), 8000)
    with pytest.raises(ValueError, match=r"empty\.wav: expected at least one sample"):
        read_recording(empty, 1, "theo", 0)


# ---- splits ----------------------------------------------------------------------------------


def test_the_official_split_tests_on_repetitions_0_to_4_and_validates_on_5_to_9(official):
    assert [len(part) for part in official] == [2400, 300, 300]
    assert {r.index for r in official.test} == set(range(5))
    assert {r.index for r in official.valid} == set(range(5, 10))
    assert {r.index for r in official.train} == set(range(10, 50))


def test_a_held_out_speaker_is_the_whole_test_split(recordings):
    split = split_fsdd(recordings, held_out="theo")
    assert [len(part) for part in split] == [2250, 250, 500]
    assert {r.speaker for r in split.test} == {"theo"}
    assert "theo" not in {r.speaker for r in split.train + split.valid}
    assert {r.index for r in split.valid} == set(range(5, 10))
    assert {r.index for r in split.train} == set(range(5)) | set(range(10, 50))


def test_bad_splits_are_refused(recordings):
    with pytest.raises(ValueError, match="^held_out: expected 'official' or a speaker"):
        split_fsdd(recordings, held_out="bob")
    with pytest.raises(ValueError, match="got none for 'test'"):
        split_fsdd([r for r in recordings if r.index >= 5])
    with pytest.raises(ValueError, match="^recordings: expected at least one Recording"):
        split_fsdd([])
    with pytest.raises(ValueError, match="^recordings: expected a list of Recording, got a single"):
        split_fsdd(recordings[0])


# ---- utterances of several digits ------------------------------------------------------------


def test_concatenation_is_seeded_and_the_same_on_every_machine(official):
    first = concatenate_digits(official.train, 20, seed=0)
    again = concatenate_digits(official.train, 20, seed=0)
    other = concatenate_digits(official.train, 20, seed=1)
    assert all(np.array_equal(a.audio, b.audio) and a.digits == b.digits for a, b in zip(first, again))
    assert [u.digits for u in first] != [u.digits for u in other]
    # NumPy's PCG64 draws are fixed across platforms: the first utterance is pinned.
    assert first[0].digits == (5, 2, 3, 0, 0)
    assert [p.name for p in first[0].parts] == ["5_nicolas_14", "2_nicolas_37", "3_nicolas_13", "0_nicolas_26",
                                                "0_nicolas_40"]
    assert len(first[0].audio) == 25419


def test_the_audio_holds_the_recordings_of_its_digits_between_pauses(official):
    by_name = {r.name: r for r in official.train}
    utterances = concatenate_digits(official.train, 50, min_digits=2, max_digits=5, pause=(0.05, 0.3), seed=3)
    counts = Counter(len(u.digits) for u in utterances)
    assert set(counts) <= {2, 3, 4, 5} and len(counts) > 1
    for u in utterances:
        assert u.sample_rate == 8000 and u.audio.dtype == np.float32
        assert len(u.parts) == len(u.digits)
        assert len({by_name[p.name].speaker for p in u.parts}) == 1
        edges = [0] + [e for p in u.parts for e in (p.start, p.stop)] + [len(u.audio)]
        for digit, part in zip(u.digits, u.parts):
            source = by_name[part.name]
            assert source.digit == digit
            np.testing.assert_array_equal(u.audio[part.start:part.stop], source.audio)
        for start, stop in zip(edges[::2], edges[1::2]):  # the pauses: silence of 400 to 2400 samples
            assert 400 <= stop - start <= 2400
            assert not u.audio[start:stop].any()


def test_one_digit_utterances_and_no_pause_are_allowed():
    recordings = [synthetic(d, "theo", 10, 100 + d) for d in range(10)]
    (u,) = concatenate_digits(recordings, 1, min_digits=1, max_digits=1, pause=(0, 0))
    assert len(u.digits) == 1 and len(u.audio) == 100 + u.digits[0]


@pytest.mark.parametrize("arguments, message", [
    (dict(count=0), "^count: expected a positive integer"),
    (dict(count=2.0), "^count: expected a positive integer"),
    (dict(min_digits=0), "^min_digits: expected a positive integer"),
    (dict(min_digits=4, max_digits=3), "^max_digits: expected at least min_digits=4, got 3"),
    (dict(pause=(0.3, 0.1)), r"^pause: expected \(shortest, longest\)"),
    (dict(pause=(-0.1, 0.1)), r"^pause: expected"),
    (dict(pause=0.1), r"^pause: expected"),
    (dict(pause=(0.1, float("inf"))), r"^pause: expected"),
    (dict(seed=-1), "^seed: expected a non-negative integer"),
])
def test_bad_concatenation_settings_are_refused(arguments, message):
    recordings = [synthetic(d, "theo", 10, 100) for d in range(10)]
    settings = dict(count=3) | arguments
    with pytest.raises(ValueError, match=message):
        concatenate_digits(recordings, **settings)


def test_recordings_of_two_rates_or_not_recordings_are_refused():
    with pytest.raises(ValueError, match=r"^recordings: expected one sample rate, got several: \[8000, 16000\]"):
        concatenate_digits([synthetic(1, "theo", 10, 100), synthetic(2, "theo", 11, 100, 16000)], 2)
    with pytest.raises(ValueError, match="^recordings: expected a list of Recording .* got ndarray at position 0"):
        concatenate_digits([np.zeros(10)], 2)
    with pytest.raises(ValueError, match="^recordings: expected at least one Recording"):
        concatenate_digits([], 2)


# ---- log-mel features ------------------------------------------------------------------------


def test_log_mel_is_the_log_of_librosas_mel_spectrogram_at_100_frames_a_second():
    import librosa

    audio = np.random.default_rng(0).standard_normal(8000).astype(np.float32) * 0.1
    features = log_mel(audio)
    assert features.shape == (101, 40) == (frame_count(8000, 80), 40)
    assert features.dtype == np.float32
    expected = librosa.feature.melspectrogram(y=audio, sr=8000, n_fft=256, win_length=200, hop_length=80, n_mels=40)
    np.testing.assert_allclose(features, np.log(expected.T), rtol=1e-6, atol=1e-5)
    assert log_mel(audio[:1234], n_mels=20, window_ms=32, hop_ms=16).shape == (1 + 1234 // 128, 20)


def test_silence_reads_the_floor_and_a_recording_gives_its_frame_count(official):
    assert np.all(log_mel(np.zeros(800, dtype=np.float32)) == np.float32(np.log(1e-10)))
    recording = official.train[0]
    assert log_mel(recording.audio).shape == (1 + len(recording.audio) // 80, 40)


@pytest.mark.parametrize("audio, arguments, message", [
    (np.zeros((10, 2), dtype=np.float32), {}, "^audio: expected a non-empty 1-D floating-point array"),
    (np.zeros(10, dtype=np.int16), {}, "^audio: expected a non-empty 1-D floating-point array"),
    (np.zeros(0, dtype=np.float32), {}, "^audio: expected a non-empty"),
    ([0.0, 0.1], {}, "^audio: expected a 1-D NumPy array"),
    (np.array([0.0, np.nan]), {}, "^audio: expected finite samples"),
    (np.zeros(800), dict(sample_rate=0), "^sample_rate: expected a positive integer"),
    (np.zeros(800), dict(n_mels=0), "^n_mels: expected a positive integer"),
    (np.zeros(800), dict(window_ms=25.01), r"^window_ms: expected a whole number \(>= 1\) of samples"),
    (np.zeros(800), dict(hop_ms=-10), "^hop_ms: expected a positive number of milliseconds"),
    (np.zeros(800), dict(hop_ms=30), "^hop_ms: expected at most window_ms=25"),
    (np.zeros(800), dict(floor=0.0), "^floor: expected a positive number"),
])
def test_bad_audio_and_settings_are_refused(audio, arguments, message):
    with pytest.raises(ValueError, match=message):
        log_mel(audio, **arguments)


def test_the_standardiser_gives_mean_0_and_variance_1_on_its_training_frames():
    rng = np.random.default_rng(1)
    train = [rng.normal(5.0, 3.0, size=(n, 4)).astype(np.float32) for n in (7, 11, 3)]
    standardise = FeatureStandardiser().fit(train)
    frames = np.concatenate([standardise(f) for f in train]).astype(np.float64)
    np.testing.assert_allclose(frames.mean(axis=0), 0.0, atol=1e-6)
    np.testing.assert_allclose(frames.std(axis=0), 1.0, atol=1e-6)
    stacked = np.concatenate(train).astype(np.float64)
    np.testing.assert_allclose(standardise.mean, stacked.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(standardise.std, stacked.std(axis=0), rtol=1e-12)
    other = rng.normal(size=(5, 4)).astype(np.float32)
    np.testing.assert_allclose(standardise(other), (other - stacked.mean(0)) / stacked.std(0), rtol=1e-5, atol=1e-6)
    assert standardise(other).dtype == np.float32


def test_removing_the_utterance_mean_removes_the_loudness():
    audio = np.random.default_rng(2).standard_normal(4000).astype(np.float32) * 0.05
    quiet, loud = log_mel(audio), log_mel(audio * 8)
    np.testing.assert_allclose(loud - quiet, 2 * np.log(8), atol=1e-4)  # a gain g adds 2 log g
    standardise = FeatureStandardiser(utterance_mean=True).fit([quiet])
    np.testing.assert_allclose(standardise(loud), standardise(quiet), atol=1e-3)
    centred = quiet - quiet.mean(axis=0, dtype=np.float64)
    np.testing.assert_allclose(standardise.mean, 0.0, atol=1e-9)
    np.testing.assert_allclose(standardise.std, centred.std(axis=0), rtol=1e-9)
    assert not np.allclose(FeatureStandardiser().fit([quiet])(loud), FeatureStandardiser().fit([quiet])(quiet))
    with pytest.raises(ValueError, match="^utterance_mean: expected True or False, got 1"):
        FeatureStandardiser(utterance_mean=1)


def test_the_standardiser_refuses_bad_features():
    with pytest.raises(ValueError, match="^FeatureStandardiser: expected fit"):
        FeatureStandardiser()(np.zeros((2, 3), dtype=np.float32))
    with pytest.raises(ValueError, match="^features: expected a non-empty list"):
        FeatureStandardiser().fit([])
    with pytest.raises(ValueError, match="^features: expected a non-empty list"):
        FeatureStandardiser().fit(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"^features\[1\]: expected 3 features per frame, got shape \(2, 4\)"):
        FeatureStandardiser().fit([np.ones((2, 3)), np.ones((2, 4))])
    with pytest.raises(ValueError, match=r"^features: expected every feature to vary .* feature 1"):
        FeatureStandardiser().fit([np.array([[0.0, 1.0], [2.0, 1.0]])])
    fitted = FeatureStandardiser().fit([np.array([[0.0, 1.0], [2.0, 3.0]])])
    with pytest.raises(ValueError, match=r"^features: expected 2 features per frame, got shape \(1, 3\)"):
        fitted(np.zeros((1, 3)))
    with pytest.raises(ValueError, match="^features: expected finite floating-point features"):
        fitted(np.array([[np.inf, 0.0]]))
