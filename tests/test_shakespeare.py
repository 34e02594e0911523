"""Tiny Shakespeare (chapter 4): the pinned file through a mirror or the cache, and character ids."""
import hashlib
import shutil
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from companion.data import TINY_SHAKESPEARE_FILE, CharVocabulary, load_tiny_shakespeare
from companion.data import download
from companion.data.shakespeare import TINY_SHAKESPEARE_COMMIT

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
SHARED_FILE = SHARED_DATA / "tinyshakespeare" / "input.txt"


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("fetch tried to download")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)


@pytest.fixture
def real_bytes() -> bytes:
    if not SHARED_FILE.is_file():
        pytest.skip(f"no data mirror with tinyshakespeare/input.txt at {SHARED_DATA}")
    return SHARED_FILE.read_bytes()


@pytest.fixture
def temporary_mirror(tmp_path, monkeypatch, real_bytes):
    """A mirror folder of our own holding a copy of the real file; nothing else."""
    mirror = tmp_path / "mirror"
    (mirror / "tinyshakespeare").mkdir(parents=True)
    (mirror / "tinyshakespeare" / "input.txt").write_bytes(real_bytes)
    monkeypatch.setenv(download.MIRROR_VARIABLE, str(mirror))
    monkeypatch.setenv(download.CACHE_VARIABLE, str(tmp_path / "cache"))
    return mirror


# ---- the file ----------------------------------------------------------------------------------


def test_the_file_is_pinned_to_one_commit_with_its_sha256():
    assert TINY_SHAKESPEARE_FILE.path == "tinyshakespeare/input.txt"
    assert TINY_SHAKESPEARE_FILE.url == (
        f"https://raw.githubusercontent.com/karpathy/char-rnn/{TINY_SHAKESPEARE_COMMIT}/data/tinyshakespeare/input.txt"
    )
    assert TINY_SHAKESPEARE_FILE.sha256 == "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed"


def test_the_text_through_a_mirror_matches_the_manifest(temporary_mirror, no_network, tmp_path):
    text = load_tiny_shakespeare()
    assert len(text) == 1115394 and text.count("\n") == 40000
    assert text.startswith("First Citizen:\nBefore we proceed any further, hear me speak.")
    vocabulary = CharVocabulary(text)
    assert len(vocabulary) == 65
    assert vocabulary.characters[:3] == ("\n", " ", "!")
    ids = vocabulary.encode(text)
    assert ids.shape == (1115394,) and ids.dtype == np.int64
    assert vocabulary.decode(ids) == text
    assert not (tmp_path / "cache").exists()


def test_a_mirror_with_other_bytes_is_reported_and_kept(tmp_path, monkeypatch, no_network):
    mirror = tmp_path / "mirror"
    (mirror / "tinyshakespeare").mkdir(parents=True)
    (mirror / "tinyshakespeare" / "input.txt").write_text("To be, or not to be\n")
    monkeypatch.setenv(download.MIRROR_VARIABLE, str(mirror))
    actual = hashlib.sha256(b"To be, or not to be\n").hexdigest()
    with pytest.raises(ValueError, match=rf"expected sha256 {TINY_SHAKESPEARE_FILE.sha256} .* got sha256 {actual}"):
        load_tiny_shakespeare()
    assert (mirror / "tinyshakespeare" / "input.txt").exists()


def test_a_mirror_without_the_file_names_the_expected_path(tmp_path, monkeypatch, no_network):
    (tmp_path / "mirror" / "atis").mkdir(parents=True)
    monkeypatch.setenv(download.MIRROR_VARIABLE, str(tmp_path / "mirror"))
    with pytest.raises(FileNotFoundError, match=r"expected the file tinyshakespeare/input\.txt in the mirror folder"):
        load_tiny_shakespeare()


def test_without_a_mirror_the_pinned_url_is_downloaded_once_into_the_cache(tmp_path, monkeypatch, real_bytes):
    """The download is served from a local copy: the test checks which URL is asked for, offline."""
    served = tmp_path / "served.txt"
    served.write_bytes(real_bytes)
    requested = []

    def serve_locally(url, timeout):
        requested.append(url)
        return urllib.request.build_opener(urllib.request.FileHandler).open(served.as_uri(), timeout=timeout)

    monkeypatch.delenv(download.MIRROR_VARIABLE, raising=False)
    monkeypatch.setenv(download.CACHE_VARIABLE, str(tmp_path / "cache"))
    monkeypatch.setattr(urllib.request, "urlopen", serve_locally)
    first = load_tiny_shakespeare()
    assert requested == [TINY_SHAKESPEARE_FILE.url]
    assert (tmp_path / "cache" / "tinyshakespeare" / "input.txt").read_bytes() == real_bytes
    assert load_tiny_shakespeare() == first
    assert requested == [TINY_SHAKESPEARE_FILE.url]  # the second call read the cache


def test_the_shared_mirror_works_when_it_exists(monkeypatch, tmp_path, no_network, real_bytes):
    monkeypatch.setenv(download.MIRROR_VARIABLE, str(SHARED_DATA))
    monkeypatch.setenv(download.CACHE_VARIABLE, str(tmp_path / "cache"))
    assert load_tiny_shakespeare().encode("utf-8") == real_bytes


# ---- character ids -----------------------------------------------------------------------------


def test_ids_follow_code_points_whatever_the_order_of_the_text():
    vocabulary = CharVocabulary("hello, world")
    assert vocabulary.characters == (" ", ",", "d", "e", "h", "l", "o", "r", "w")
    assert CharVocabulary("world, hello").characters == vocabulary.characters
    ids = vocabulary.encode("hold")
    assert ids.tolist() == [4, 6, 5, 2] and ids.dtype == np.int64
    assert vocabulary.decode(ids) == "hold"
    assert vocabulary.decode([4, 3]) == "he" and vocabulary.decode([]) == ""
    assert vocabulary.encode("").shape == (0,)
    assert vocabulary.index("w") == 8 and "w" in vocabulary and "z" not in vocabulary
    assert len(vocabulary) == 9


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: CharVocabulary(""), r"text: expected at least one character, got an empty string"),
        (lambda: CharVocabulary(["a", "b"]), r"text: expected a string, got list"),
        (lambda: CharVocabulary("abc").encode("abx"), r"text: expected only the 3 characters of the vocabulary, got 'x' \(U\+0078\) at position 2"),
        (lambda: CharVocabulary("abc").encode("zaé"), r"got 'z' \(U\+007A\) at position 0 \(2 unknown characters in all: 'zé'\)"),
        (lambda: CharVocabulary("abc").encode(b"ab"), r"text: expected a string, got bytes"),
        (lambda: CharVocabulary("abc").decode([0, 3, -1]), r"ids: expected ids in 0\.\.2, got \[-1, 3\]"),
        (lambda: CharVocabulary("abc").decode("ab"), r"ids: expected a 1-D sequence of integer ids, got str"),
        (lambda: CharVocabulary("abc").decode(np.zeros((2, 2), dtype=int)), r"ids: expected a 1-D sequence of integer ids, got shape \(2, 2\)"),
        (lambda: CharVocabulary("abc").decode([0.0, 1.0]), r"ids: expected a 1-D sequence of integer ids, got shape \(2,\), dtype float64"),
        (lambda: CharVocabulary("abc").index("ab"), r"character: expected a string of one character, got 'ab'"),
        (lambda: CharVocabulary("abc").index("d"), r"character: expected one of the 3 characters of the vocabulary, got 'd' \(U\+0064\)"),
    ],
)
def test_bad_arguments_are_rejected_clearly(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_vocabulary_of_the_mirror_copy_is_the_same_as_of_the_shared_one(temporary_mirror):
    copied = load_tiny_shakespeare()
    assert CharVocabulary(copied).characters == CharVocabulary(SHARED_FILE.read_text()).characters
    shutil.rmtree(temporary_mirror)
    with pytest.raises(FileNotFoundError):
        load_tiny_shakespeare()
