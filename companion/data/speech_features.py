"""What a speech recogniser reads: log-mel filterbank energies, 100 frames a second, standardised per feature (chapter 6).

The filterbank is ``librosa``'s (Slaney-style mel filters on the power spectrum of Hann-windowed
frames); this module only chooses its sizes, takes the logarithm with a floor, and standardises
each of the ``n_mels`` features with the mean and standard deviation of the training
utterances (:class:`FeatureStandardiser`), so that the recogniser sees inputs of mean 0 and
variance 1; the standardiser can first remove each utterance's own mean, and with it the
loudness of its recording.
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from .._checks import is_real, require_positive_int

DEFAULT_FLOOR = 1e-10
"""The smallest filterbank energy before the logarithm (librosa's ``amin``): digital silence,
whose energy is 0, would otherwise give :math:`-\\infty`."""


def _require_audio(audio) -> np.ndarray:
    if not isinstance(audio, np.ndarray):
        raise ValueError(f"audio: expected a 1-D NumPy array of samples, got {type(audio).__name__}")
    if audio.ndim != 1 or audio.size == 0 or not np.issubdtype(audio.dtype, np.floating):
        raise ValueError(
            f"audio: expected a non-empty 1-D floating-point array of samples, got shape {audio.shape}, "
            f"dtype {audio.dtype}"
        )
    if not np.isfinite(audio).all():
        raise ValueError("audio: expected finite samples, got NaN or inf")
    return audio


def _samples(name: str, milliseconds, sample_rate: int) -> int:
    if not is_real(milliseconds) or not math.isfinite(milliseconds) or milliseconds <= 0:
        raise ValueError(f"{name}: expected a positive number of milliseconds, got {milliseconds!r}")
    samples = milliseconds * sample_rate / 1000
    if abs(samples - round(samples)) > 1e-9 or round(samples) < 1:
        raise ValueError(
            f"{name}: expected a whole number (>= 1) of samples at {sample_rate} Hz, got {milliseconds!r} ms "
            f"= {samples:g} samples"
        )
    return int(round(samples))


def log_mel(
    audio: np.ndarray,
    sample_rate: int = 8000,
    n_mels: int = 40,
    window_ms: float = 25,
    hop_ms: float = 10,
    floor: float = DEFAULT_FLOOR,
) -> np.ndarray:
    r"""Log-mel filterbank energies of one recording, ``(frames, n_mels)`` float32, one frame every ``hop_ms`` (chapter 6).

    Frame :math:`t` is the ``window_ms`` of audio centred on sample :math:`t \cdot h` (``h`` =
    ``hop_ms`` in samples; the signal is padded with zeros at both ends, librosa's
    ``center=True``), Hann-windowed and Fourier-transformed with ``n_fft`` the next power of two
    of the window; its power spectrum :math:`|X_t(f)|^2` is summed by ``n_mels`` triangular
    mel filters :math:`M_m(f)` from 0 Hz to ``sample_rate / 2``
    (``librosa.feature.melspectrogram``):

    .. math::  x_{t,m} = \log \max\Big(\sum_f M_m(f)\, |X_t(f)|^2,\ \text{floor}\Big)

    With the defaults that is 40 features at 100 frames per second, and a recording of
    :math:`N` samples gives :math:`1 + \lfloor N / h \rfloor` frames (101 frames for a second at
    8000 Hz, :math:`h = 80`).

    Raises ``ValueError`` for ``audio`` that is not a non-empty 1-D floating-point array of
    finite samples, a ``sample_rate`` or ``n_mels`` that is not a positive integer, a window or
    hop that is not a positive whole number of samples, a hop longer than the window, or a
    ``floor`` that is not a positive number.
    """
    import librosa

    audio = _require_audio(audio)
    require_positive_int("sample_rate", sample_rate)
    require_positive_int("n_mels", n_mels)
    window = _samples("window_ms", window_ms, sample_rate)
    hop = _samples("hop_ms", hop_ms, sample_rate)
    if hop > window:
        raise ValueError(f"hop_ms: expected at most window_ms={window_ms} (frames that overlap or touch), got {hop_ms}")
    if not is_real(floor) or not math.isfinite(floor) or floor <= 0:
        raise ValueError(f"floor: expected a positive number, got {floor!r}")
    n_fft = 1 << (window - 1).bit_length()
    energies = librosa.feature.melspectrogram(
        y=audio.astype(np.float32, copy=False), sr=sample_rate, n_fft=n_fft, win_length=window,
        hop_length=hop, window="hann", center=True, pad_mode="constant", power=2.0, n_mels=n_mels,
    )  # (n_mels, frames)
    return np.log(np.maximum(energies, floor)).T.astype(np.float32)


def _require_features(name: str, features, width: int | None = None) -> np.ndarray:
    if not isinstance(features, np.ndarray) or features.ndim != 2 or features.shape[0] == 0:
        shape = getattr(features, "shape", None)
        raise ValueError(
            f"{name}: expected a 2-D array (frames, features) with at least one frame, "
            f"got {type(features).__name__}" + (f" of shape {shape}" if shape is not None else "")
        )
    if width is not None and features.shape[1] != width:
        raise ValueError(f"{name}: expected {width} features per frame, got shape {features.shape}")
    if not np.issubdtype(features.dtype, np.floating) or not np.isfinite(features).all():
        raise ValueError(f"{name}: expected finite floating-point features, got dtype {features.dtype} or NaN/inf")
    return features


class FeatureStandardiser:
    r"""Per-feature standardisation with the statistics of the training utterances, optionally after removing each utterance's own mean (chapter 6).

    With ``utterance_mean=True`` each utterance's features first lose their own mean over its
    frames, :math:`x_{t,m} \leftarrow x_{t,m} - \frac1T \sum_{t'} x_{t',m}` (cepstral mean
    normalisation, applied here to log-mel energies): a recording made louder by a factor
    :math:`g` has every log energy raised by :math:`2 \log g`, and the subtraction takes that
    away, so that a quiet speaker never seen in training looks like the loud ones. :meth:`fit`
    then computes, over every frame of every training utterance, each feature's mean
    :math:`\mu_m` and standard deviation :math:`\sigma_m`; calling the standardiser on any
    utterance's features gives

    .. math::  \hat x_{t,m} = \frac{x_{t,m} - \mu_m}{\sigma_m}

    as float32. Fit on the training split only, and apply the same statistics to validation and
    test. Raises ``ValueError`` for an ``utterance_mean`` that is not a bool; from :meth:`fit`
    for no utterance, arrays that are not ``(frames, features)`` of one width, or a feature that
    never varies (:math:`\sigma_m = 0`); and when called before :meth:`fit` or on features of
    another width.
    """

    def __init__(self, utterance_mean: bool = False):
        if not isinstance(utterance_mean, bool):
            raise ValueError(f"utterance_mean: expected True or False, got {utterance_mean!r}")
        self.utterance_mean = utterance_mean
        self.mean: np.ndarray | None = None
        self.std: np.ndarray | None = None

    def _centred(self, features: np.ndarray) -> np.ndarray:
        if not self.utterance_mean:
            return features
        return features - features.mean(axis=0, dtype=np.float64)

    def fit(self, features: Sequence[np.ndarray]) -> "FeatureStandardiser":
        r"""Learn :math:`\mu` and :math:`\sigma` from a list of ``(frames, features)`` arrays; returns ``self``.

        Raises ``ValueError`` as the class says.
        """
        if isinstance(features, np.ndarray) or not isinstance(features, (list, tuple)) or not features:
            raise ValueError(
                f"features: expected a non-empty list of (frames, features) arrays, got {type(features).__name__}"
            )
        width = _require_features("features[0]", features[0]).shape[1]
        for position, item in enumerate(features):
            _require_features(f"features[{position}]", item, width)
        # float64 sums: a few hundred thousand frames of float32 lose digits otherwise.
        frames = sum(item.shape[0] for item in features)
        mean = sum(self._centred(item).sum(axis=0, dtype=np.float64) for item in features) / frames
        variance = sum(((self._centred(item) - mean) ** 2).sum(axis=0, dtype=np.float64) for item in features) / frames
        constant = np.flatnonzero(variance == 0)
        if constant.size:
            raise ValueError(
                f"features: expected every feature to vary over the training frames, got a constant "
                f"feature {int(constant[0])} (its standard deviation is 0)"
            )
        self.mean, self.std = mean, np.sqrt(variance)
        return self

    def __call__(self, features: np.ndarray) -> np.ndarray:
        """The standardised ``(frames, features)`` array, float32."""
        if self.mean is None:
            raise ValueError("FeatureStandardiser: expected fit(training features) before use, got an unfitted one")
        features = _require_features("features", features, self.mean.shape[0])
        return ((self._centred(features) - self.mean) / self.std).astype(np.float32)


def frame_count(samples: int, hop: int) -> int:
    """The number of frames :func:`log_mel` gives for ``samples`` samples and a hop of ``hop`` samples: :math:`1 + \\lfloor N/h \\rfloor` (chapter 6).

    Raises ``ValueError`` if either is not a positive integer.
    """
    require_positive_int("samples", samples)
    require_positive_int("hop", hop)
    return 1 + samples // hop

