"""The Free Spoken Digit Dataset: 3000 recordings of spoken digits, splits, and utterances of several digits made from them (chapter 6).

FSDD (Jakobovski et al.) holds 6 speakers × 10 digits × 50 repetitions = 3000 recordings, each a
mono 16-bit WAV file at 8000 Hz holding one digit, trimmed by its makers to near-minimal silence
at both ends (0.14–2.28 s, 0.44 s on average). Each file is a
:class:`~companion.data.download.RemoteFile` pinned to one commit of the dataset's repository,
its sha256 listed in the package's ``fsdd_sha256.txt``, so :func:`load_fsdd` goes through
:func:`~companion.data.download.fetch` like every loader of the course (mirror, cache, sha256 on
every use).

Design choices:

* Splits (:func:`split_fsdd`). The dataset's own test split is recordings 0–4 of every speaker.
  Model selection needs a validation split that the dataset does not define: ours is
  recordings 5–9 of the speakers trained on, and training gets the rest. With one speaker held
  out entirely, the test split is all 500 recordings of that speaker, validation recordings 5–9
  of the other five, training the other five's remaining recordings (their 0–4 included: they
  are no test material in that setting).
* Utterances (:func:`concatenate_digits`). FSDD holds one digit per file; a recogniser of
  digit *strings* needs utterances of several. Each is made from recordings of one speaker (so
  the loudness, which differs over tenfold between speakers, is that of one voice), joined as
  recorded — no trimming, since the makers already trimmed them — with a pause of digital
  silence (zeros) before, between and after the digits.
"""
from __future__ import annotations

import functools
import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple, Sequence

import numpy as np

from .._checks import is_integer, is_real, require_non_negative_int, require_positive_int
from ..progress import progress_bar
from .download import RemoteFile, fetch
from .text import read_text

FSDD_COMMIT = "26eb9aaf76e81b692f806f9140c2d2777410d7a1"
FSDD_SPEAKERS = ("george", "jackson", "lucas", "nicolas", "theo", "yweweler")
"""The dataset's six speakers, each of whom recorded every digit 50 times."""
FSDD_DIGITS = tuple(range(10))
FSDD_INDICES = tuple(range(50))
FSDD_SAMPLE_RATE = 8000
FSDD_TEST_INDICES = tuple(range(0, 5))
"""The dataset's own test recordings: repetitions 0–4 of every digit and speaker."""
FSDD_VALID_INDICES = tuple(range(5, 10))
"""Our validation recordings (the dataset defines none): repetitions 5–9."""
_URL = "https://raw.githubusercontent.com/Jakobovski/free-spoken-digit-dataset/{commit}/recordings/{name}.wav"
_DOWNLOAD_THREADS = 8


@functools.cache
def _sha256_table() -> dict[str, str]:
    """``{"recordings/7_jackson_32.wav": sha256}`` from the package's copy of the checksums."""
    text = read_text(Path(__file__).with_name("fsdd_sha256.txt"))
    table = {}
    for line in text.splitlines():
        digest, name = line.split()
        table[name] = digest
    return table


def recording_name(digit: int, speaker: str, index: int) -> str:
    """The file name of a recording without ``.wav``, as FSDD spells it: ``"7_jackson_32"`` (chapter 6).

    Raises ``ValueError`` for a digit outside 0–9, an unknown speaker, or an index outside 0–49.
    """
    if not is_integer(digit) or int(digit) not in FSDD_DIGITS:
        raise ValueError(f"digit: expected an integer in 0..9, got {digit!r}")
    if speaker not in FSDD_SPEAKERS:
        raise ValueError(f"speaker: expected one of {', '.join(map(repr, FSDD_SPEAKERS))}, got {speaker!r}")
    if not is_integer(index) or int(index) not in FSDD_INDICES:
        raise ValueError(f"index: expected an integer in 0..49, got {index!r}")
    return f"{int(digit)}_{speaker}_{int(index)}"


def fsdd_file(digit: int, speaker: str, index: int) -> RemoteFile:
    """The pinned URL, sha256 and local path ``fsdd/recordings/<name>.wav`` of one recording (chapter 6).

    Raises ``ValueError`` as :func:`recording_name` does.
    """
    name = recording_name(digit, speaker, index)
    return RemoteFile(
        path=f"fsdd/recordings/{name}.wav",
        url=_URL.format(commit=FSDD_COMMIT, name=name),
        sha256=_sha256_table()[f"recordings/{name}.wav"],
    )


@dataclass(frozen=True, eq=False)
class Recording:
    """One FSDD recording: the digit said, who said it, which repetition, and the samples (chapter 6).

    ``audio`` is a 1-D float32 array in ``[-1, 1]`` (the 16-bit samples divided by 32768),
    ``sample_rate`` in Hz. Built by :func:`load_fsdd` and :func:`read_recording`; raises no
    error itself.
    """

    digit: int
    speaker: str
    index: int
    audio: np.ndarray
    sample_rate: int = FSDD_SAMPLE_RATE

    @property
    def name(self) -> str:
        """``"7_jackson_32"``: digit, speaker, repetition."""
        return f"{self.digit}_{self.speaker}_{self.index}"

    @property
    def duration(self) -> float:
        """Seconds of audio."""
        return len(self.audio) / self.sample_rate


def read_recording(path: str | Path, digit: int, speaker: str, index: int) -> Recording:
    """A :class:`Recording` read from a WAV file with ``soundfile``, checked to be mono at 8000 Hz (chapter 6).

    Raises ``ValueError`` naming the file if it is not a sound file soundfile can read, has
    another sample rate than 8000 Hz, more than one channel, or no sample; and as
    :func:`recording_name` does for the digit, speaker and index.
    """
    import soundfile

    recording_name(digit, speaker, index)
    try:
        audio, sample_rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    except RuntimeError as error:  # soundfile's LibsndfileError is one
        raise ValueError(f"{path}: expected a WAV file, got one soundfile cannot read ({error})") from error
    if sample_rate != FSDD_SAMPLE_RATE:
        raise ValueError(f"{path}: expected a sample rate of {FSDD_SAMPLE_RATE} Hz, got {sample_rate} Hz")
    if audio.shape[1] != 1:
        raise ValueError(f"{path}: expected mono audio (1 channel), got {audio.shape[1]} channels")
    if audio.shape[0] == 0:
        raise ValueError(f"{path}: expected at least one sample, got an empty recording")
    return Recording(int(digit), speaker, int(index), np.ascontiguousarray(audio[:, 0]), sample_rate)


def _selection(name: str, given, allowed: tuple) -> tuple:
    if given is None:
        return allowed
    values = [given] if isinstance(given, (str, int)) and not isinstance(given, bool) else given
    try:
        values = list(values)
    except TypeError:
        raise ValueError(f"{name}: expected None or a list drawn from {allowed}, got {given!r}") from None
    bad = [value for value in values if value not in allowed or isinstance(value, bool)]
    if not values or bad:
        raise ValueError(
            f"{name}: expected None or a non-empty list drawn from {allowed}, got {given!r}"
            + (f" ({bad[0]!r} is not one)" if bad else "")
        )
    return tuple(dict.fromkeys(values))


def load_fsdd(speakers=None, digits=None, indices=None, progress: bool = True) -> list[Recording]:
    """The FSDD recordings asked for, fetched, checked by sha256 and read, ordered by speaker, digit, repetition (chapter 6).

    ``speakers`` (names of :data:`FSDD_SPEAKERS`), ``digits`` (0–9) and ``indices`` (the
    repetition, 0–49) select recordings; ``None`` means all, so ``load_fsdd()`` gives the 3000.
    Files come from :func:`~companion.data.download.fetch` (the mirror in
    ``COMPANION_DATA_MIRROR``, else the cache, downloading what is missing, a few files at a
    time); ``progress`` shows a bar over the files.

    Raises ``ValueError`` for a selection that is empty or holds something FSDD has not, for a
    file whose sha256 is not the pinned one, and naming the file for one that is not mono
    8000 Hz audio; ``FileNotFoundError`` and ``OSError`` as
    :func:`~companion.data.download.fetch` does.
    """
    speakers = _selection("speakers", speakers, FSDD_SPEAKERS)
    digits = _selection("digits", digits, FSDD_DIGITS)
    indices = _selection("indices", indices, FSDD_INDICES)
    wanted = [(d, s, i) for s in speakers for d in digits for i in indices]

    def load(key):
        digit, speaker, index = key
        # One bar over the files: a bar per file from eight threads would bury it.
        return read_recording(fetch(fsdd_file(digit, speaker, index), progress=False), digit, speaker, index)

    # fetch writes each download to a temporary file of its own and renames it into place, so
    # distinct files can be fetched at once; downloading 3000 small files one by one is slow.
    with ThreadPoolExecutor(_DOWNLOAD_THREADS) as pool, progress_bar(
        len(wanted), "FSDD recordings", unit="file", disable=not progress
    ) as bar:
        recordings = []
        for recording in pool.map(load, wanted):
            recordings.append(recording)
            bar.update(1)
    return recordings


def _require_recordings(name: str, recordings) -> list[Recording]:
    if isinstance(recordings, Recording):
        raise ValueError(f"{name}: expected a list of Recording, got a single Recording")
    try:
        recordings = list(recordings)
    except TypeError:
        raise ValueError(f"{name}: expected a list of Recording, got {type(recordings).__name__}") from None
    if not recordings:
        raise ValueError(f"{name}: expected at least one Recording, got an empty list")
    for position, recording in enumerate(recordings):
        if not isinstance(recording, Recording):
            raise ValueError(
                f"{name}: expected a list of Recording (from load_fsdd), got {type(recording).__name__} "
                f"at position {position}"
            )
    return recordings


class FSDDSplit(NamedTuple):
    """The training, validation and test recordings of one split of FSDD (chapter 6); see :func:`split_fsdd`."""

    train: list[Recording]
    valid: list[Recording]
    test: list[Recording]


def split_fsdd(recordings: Sequence[Recording], held_out: str = "official") -> FSDDSplit:
    """Training, validation and test recordings, by repetition index or by speaker (chapter 6).

    ``held_out="official"``: test = repetitions 0–4 (the dataset's test split), validation =
    5–9 (ours: the dataset defines none), training = 10–49, for every speaker.
    ``held_out=<speaker>``: test = every recording of that speaker; validation = repetitions
    5–9 of the other speakers, training = their other repetitions (0–4 and 10–49). Choose
    settings and epochs on validation only. The order of ``recordings`` is kept.

    Raises ``ValueError`` for a ``held_out`` that is neither ``"official"`` nor a speaker of
    :data:`FSDD_SPEAKERS`, for ``recordings`` that are not a non-empty list of
    :class:`Recording`, or when a split would be empty.
    """
    recordings = _require_recordings("recordings", recordings)
    if held_out != "official" and held_out not in FSDD_SPEAKERS:
        raise ValueError(
            f"held_out: expected 'official' or a speaker of {', '.join(map(repr, FSDD_SPEAKERS))}, got {held_out!r}"
        )
    if held_out == "official":
        def part(r):
            return "test" if r.index in FSDD_TEST_INDICES else "valid" if r.index in FSDD_VALID_INDICES else "train"
    else:
        def part(r):
            return "test" if r.speaker == held_out else "valid" if r.index in FSDD_VALID_INDICES else "train"
    parts = {"train": [], "valid": [], "test": []}
    for recording in recordings:
        parts[part(recording)].append(recording)
    for name, members in parts.items():
        if not members:
            raise ValueError(
                f"recordings: expected recordings for every split, got none for {name!r} with held_out={held_out!r}"
            )
    return FSDDSplit(parts["train"], parts["valid"], parts["test"])


class DigitSpan(NamedTuple):
    """Where one recording lies in a :class:`SpokenDigits` utterance: samples ``start:stop``, and which recording (chapter 6)."""

    start: int
    stop: int
    name: str


@dataclass(frozen=True, eq=False)
class SpokenDigits:
    """An utterance of several digits made by :func:`concatenate_digits` (chapter 6).

    ``audio``: 1-D float32 samples; ``digits``: the digits said, in order; ``sample_rate`` in Hz;
    ``parts``: one :class:`DigitSpan` per digit (``audio[start:stop]`` is that recording's
    audio, unchanged). Raises no error itself.
    """

    audio: np.ndarray
    digits: tuple[int, ...]
    sample_rate: int
    parts: tuple[DigitSpan, ...]

    @property
    def duration(self) -> float:
        """Seconds of audio."""
        return len(self.audio) / self.sample_rate


def _require_pause(pause) -> tuple[float, float]:
    valid = (
        isinstance(pause, (tuple, list)) and len(pause) == 2 and all(is_real(p) and math.isfinite(p) for p in pause)
        and 0 <= pause[0] <= pause[1]
    )
    if not valid:
        raise ValueError(f"pause: expected (shortest, longest) seconds with 0 <= shortest <= longest, got {pause!r}")
    return float(pause[0]), float(pause[1])


def concatenate_digits(
    recordings: Sequence[Recording],
    count: int,
    min_digits: int = 2,
    max_digits: int = 5,
    pause: tuple[float, float] = (0.05, 0.3),
    seed: int = 0,
) -> list[SpokenDigits]:
    r"""``count`` utterances of ``min_digits`` to ``max_digits`` digits, each joined from recordings of one speaker (chapter 6).

    For each utterance, drawn from one ``numpy.random.default_rng(seed)`` (so the same on every
    machine): the number of digits :math:`n`, uniform in ``min_digits..max_digits``; a speaker,
    uniform among those of ``recordings``; :math:`n` recordings of that speaker, uniform with
    replacement (so the digits follow the recordings given); :math:`n + 1` pauses of digital
    silence, each uniform in ``pause`` = ``(shortest, longest)`` seconds (rounded to whole
    samples), one before, between and after the digits:

    .. math::  \text{audio} = [\,0^{p_0};\ x_1;\ 0^{p_1};\ x_2;\ \dots;\ x_n;\ 0^{p_n}\,]

    Give it the recordings of one split only (``split_fsdd(...).train``), so that no recording
    is shared between training and test utterances.

    Raises ``ValueError`` if ``recordings`` is not a non-empty list of :class:`Recording` of one
    sample rate, ``count`` is not a positive integer, the digit counts are not integers with
    ``1 <= min_digits <= max_digits``, ``pause`` is not such a pair, or ``seed`` is not a
    non-negative integer.
    """
    recordings = _require_recordings("recordings", recordings)
    require_positive_int("count", count)
    require_positive_int("min_digits", min_digits)
    require_positive_int("max_digits", max_digits)
    if max_digits < min_digits:
        raise ValueError(f"max_digits: expected at least min_digits={min_digits}, got {max_digits}")
    shortest, longest = _require_pause(pause)
    require_non_negative_int("seed", seed)
    rates = sorted({r.sample_rate for r in recordings})
    if len(rates) != 1:
        raise ValueError(f"recordings: expected one sample rate, got several: {rates}")
    sample_rate = rates[0]
    by_speaker: dict[str, list[Recording]] = {}
    for recording in recordings:
        by_speaker.setdefault(recording.speaker, []).append(recording)
    speakers = sorted(by_speaker)
    rng = np.random.default_rng(seed)
    utterances = []
    for _ in range(count):
        n = int(rng.integers(min_digits, max_digits + 1))
        pool = by_speaker[speakers[int(rng.integers(len(speakers)))]]
        chosen = [pool[int(k)] for k in rng.integers(len(pool), size=n)]
        pauses = np.rint(rng.uniform(shortest, longest, size=n + 1) * sample_rate).astype(int)
        pieces, parts, position = [], [], 0
        for k, recording in enumerate(chosen):
            pieces.append(np.zeros(pauses[k], dtype=np.float32))
            position += int(pauses[k])
            pieces.append(recording.audio)
            parts.append(DigitSpan(position, position + len(recording.audio), recording.name))
            position += len(recording.audio)
        pieces.append(np.zeros(pauses[n], dtype=np.float32))
        audio = np.concatenate(pieces).astype(np.float32, copy=False)
        utterances.append(SpokenDigits(audio, tuple(r.digit for r in chosen), sample_rate, tuple(parts)))
    return utterances
