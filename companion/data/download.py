"""Fetching the course's real data sets: pinned, checksummed files, downloaded once (chapter 2 onwards).

Every remote file of the course (the ATIS corpus of chapter 2 and the later data sets) is a
:class:`RemoteFile`: a raw URL pinned to one commit of its source repository, the sha256 of its
bytes, and a path such as ``atis/train/seq.in`` that places it in the local layout
``<data set>/<path>``. :func:`fetch` returns a local copy whose bytes match the sha256:

* If the environment variable ``COMPANION_DATA_MIRROR`` names a folder laid out that way, the
  file is read from there and nothing is ever downloaded (offline classrooms, tests).
* Otherwise the file is kept in a cache folder (see :func:`cache_folder`), downloaded on the first
  use and checked against its sha256 on every use.

A wrong sha256 raises ``ValueError``; a file missing from the mirror raises
``FileNotFoundError``; a failed download raises ``OSError`` naming the URL. An empty environment
variable counts as unset.
"""
from __future__ import annotations

import hashlib
import os
import re
import sys
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from ..progress import progress_bar

MIRROR_VARIABLE = "COMPANION_DATA_MIRROR"
CACHE_VARIABLE = "COMPANION_CACHE"
DOWNLOAD_TIMEOUT_S = 60.0
"""Seconds a download may wait for the server before it fails (per connection and per read)."""

_CHUNK_BYTES = 1 << 16
_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class RemoteFile:
    """One data file: where it lies locally, the commit-pinned URL it comes from, its sha256 (chapters 2 and 4).

    ``path`` is relative and ``/``-separated, starting with the data set's folder
    (``atis/train/seq.in``); it is the same in the mirror and in the cache. Raises
    ``ValueError`` for a ``path`` that is not of that form (``.``, ``..``, empty parts,
    backslashes, drive letters), a ``url`` that is not http(s), or a ``sha256`` that is not 64
    lower-case hexadecimal digits.
    """

    path: str
    url: str
    sha256: str

    def __post_init__(self):
        if not isinstance(self.path, str) or not self.path:
            raise ValueError(f"path: expected a relative path such as 'atis/train/seq.in', got {self.path!r}")
        parts = self.path.split("/")
        if (
            "\\" in self.path
            or ":" in self.path
            or any(part in ("", ".", "..") for part in parts)
            or len(parts) < 2
        ):
            raise ValueError(
                "path: expected a relative '/'-separated path '<data set>/<file>' without "
                f"'.', '..', empty parts, backslashes or drive letters, got {self.path!r}"
            )
        if not isinstance(self.url, str) or not self.url.startswith(("https://", "http://")):
            raise ValueError(f"url: expected an http(s):// URL, got {self.url!r}")
        if not isinstance(self.sha256, str) or not _SHA256.fullmatch(self.sha256):
            raise ValueError(
                f"sha256: expected 64 lower-case hexadecimal digits, got {self.sha256!r}"
            )

    def under(self, folder: Path) -> Path:
        """Where this file lies in a folder with the ``<data set>/<path>`` layout."""
        return Path(folder).joinpath(*self.path.split("/"))


def file_sha256(path: Path) -> str:
    """The sha256 of a file's bytes, 64 hexadecimal digits: what pins the data of chapters 2 and 4."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(_CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _environment_folder(variable: str) -> Path | None:
    value = os.environ.get(variable, "")
    return Path(value).expanduser() if value else None


def user_cache_folder() -> Path:
    """The platform's folder for per-user caches, under which the data of chapters 2 and 4 is kept.

    ``$XDG_CACHE_HOME`` (when absolute) or ``~/.cache`` on Linux and other Unixes,
    ``~/Library/Caches`` on macOS, ``%LOCALAPPDATA%`` on Windows.
    """
    if sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA", "")
        return Path(local) if local else Path.home() / "AppData" / "Local"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches"
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    # The XDG base-directory specification says to ignore relative paths.
    return Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"


def cache_folder() -> Path:
    """Where downloaded files are kept: ``$COMPANION_CACHE``, else ``<user cache>/rnn-course/data`` (chapters 2 and 4)."""
    return _environment_folder(CACHE_VARIABLE) or user_cache_folder() / "rnn-course" / "data"


def _mismatch(remote: RemoteFile, path: Path, actual: str, consequence: str) -> ValueError:
    return ValueError(
        f"{path}: expected sha256 {remote.sha256} (the pinned bytes of {remote.url}), "
        f"got sha256 {actual}; {consequence}"
    )


def fetch(remote: RemoteFile, timeout: float = DOWNLOAD_TIMEOUT_S, *, progress: bool = True) -> Path:
    """A local copy of ``remote`` whose sha256 has just been checked; downloads it if needed (chapters 2 and 4).

    ``timeout`` is in seconds; ``progress`` shows a bar over the bytes of a download (a loader
    that fetches many small files shows one bar over the files instead). Raises
    ``ValueError`` if ``remote`` is not a :class:`RemoteFile` or the file's sha256 is not the
    pinned one (a damaged cached copy is deleted first),
    ``FileNotFoundError`` for a file missing from the mirror, and ``OSError`` naming the URL
    for a failed download.
    """
    if not isinstance(remote, RemoteFile):
        raise ValueError(f"remote: expected a RemoteFile, got {type(remote).__name__}")
    mirror = _environment_folder(MIRROR_VARIABLE)
    if mirror is not None:
        return _from_mirror(remote, mirror)
    target = remote.under(cache_folder())
    if target.is_file():
        actual = file_sha256(target)
        if actual != remote.sha256:
            target.unlink()
            raise _mismatch(
                remote, target, actual,
                "the cached copy was damaged or changed and has been deleted, "
                "so the next call downloads it again",
            )
        return target
    _download(remote, target, timeout, progress)
    return target


def _from_mirror(remote: RemoteFile, mirror: Path) -> Path:
    if not mirror.is_dir():
        raise FileNotFoundError(
            f"{MIRROR_VARIABLE}: expected a folder with the data sets, got {str(mirror)!r}, "
            "which is not a folder; unset the variable to download the data instead"
        )
    path = remote.under(mirror)
    if not path.is_file():
        raise FileNotFoundError(
            f"{MIRROR_VARIABLE}: expected the file {remote.path} in the mirror folder {mirror}, "
            f"but {path} does not exist; unset the variable to download the data instead"
        )
    actual = file_sha256(path)
    if actual != remote.sha256:
        # The mirror belongs to whoever set it up, so a wrong file there is reported, never deleted.
        raise _mismatch(remote, path, actual, "the mirror holds other bytes than the course expects")
    return path


def _download(remote: RemoteFile, target: Path, timeout: float, progress: bool = True) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    # Same folder as the target, so that the final rename is atomic and a half-written file
    # never takes the target's name.
    handle, temporary_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    temporary = Path(temporary_name)
    try:
        digest = hashlib.sha256()
        with os.fdopen(handle, "wb") as out:
            try:
                with urllib.request.urlopen(remote.url, timeout=timeout) as response:
                    size = response.headers.get("Content-Length")
                    with progress_bar(
                        int(size) if size and size.isdigit() else None,
                        f"downloading {remote.path}",
                        unit="B",
                        unit_scale=True,
                        unit_divisor=1024,
                        leave=False,
                        disable=not progress,
                    ) as bar:
                        for chunk in iter(lambda: response.read(_CHUNK_BYTES), b""):
                            out.write(chunk)
                            digest.update(chunk)
                            bar.update(len(chunk))
            except OSError as error:  # URLError, HTTPError, timeouts and resets are all OSErrors
                raise OSError(
                    f"could not download {remote.url} (for {remote.path}): {error}; check the "
                    f"network connection, or set {MIRROR_VARIABLE} to a folder holding the data"
                ) from error
        actual = digest.hexdigest()
        if actual != remote.sha256:
            raise _mismatch(
                remote, target, actual, "the downloaded bytes differ from the pinned ones and were not kept"
            )
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
