"""Fetching pinned data files: the mirror, the cache, checksums and failed downloads, all offline."""
import functools
import hashlib
import http.server
import socket
import threading
import urllib.request
from pathlib import Path

import pytest

from companion.data import download
from companion.data.download import RemoteFile, cache_folder, fetch, user_cache_folder

CONTENT = b"i want to fly from baltimore to dallas round trip\n"
SHA256 = hashlib.sha256(CONTENT).hexdigest()
OTHER_SHA256 = hashlib.sha256(b"other bytes").hexdigest()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    requests: list[str] = []

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.requests.append(self.path)
        super().do_GET()


@pytest.fixture
def server(tmp_path):
    """A local HTTP server on 127.0.0.1 serving ``<tmp>/served``; yields (folder, base URL, request log)."""
    served = tmp_path / "served"
    served.mkdir()
    handler = type("Handler", (_QuietHandler,), {"requests": []})
    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(handler, directory=str(served))
    )
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield served, f"http://127.0.0.1:{httpd.server_address[1]}", handler.requests
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """No mirror; the cache in a fresh temporary folder."""
    monkeypatch.delenv(download.MIRROR_VARIABLE, raising=False)
    folder = tmp_path / "cache"
    monkeypatch.setenv(download.CACHE_VARIABLE, str(folder))
    return folder


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("fetch tried to download")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)


def remote(url: str, sha256: str = SHA256) -> RemoteFile:
    return RemoteFile(path="atis/train/seq.in", url=url, sha256=sha256)


# ---- the mirror ------------------------------------------------------------------------------


def _mirror(tmp_path, monkeypatch, content=CONTENT) -> Path:
    mirror = tmp_path / "mirror"
    (mirror / "atis" / "train").mkdir(parents=True)
    (mirror / "atis" / "train" / "seq.in").write_bytes(content)
    monkeypatch.setenv(download.MIRROR_VARIABLE, str(mirror))
    monkeypatch.setenv(download.CACHE_VARIABLE, str(tmp_path / "cache"))
    return mirror


def test_mirror_hit_reads_the_mirror_and_never_downloads(tmp_path, monkeypatch, no_network):
    mirror = _mirror(tmp_path, monkeypatch)
    path = fetch(remote("https://example.invalid/seq.in"))
    assert path == mirror / "atis" / "train" / "seq.in"
    assert path.read_bytes() == CONTENT
    assert not (tmp_path / "cache").exists()


def test_mirror_miss_names_the_folder_and_the_expected_path(tmp_path, monkeypatch, no_network):
    mirror = _mirror(tmp_path, monkeypatch)
    missing = RemoteFile("atis/test/seq.in", "https://example.invalid/seq.in", SHA256)
    with pytest.raises(FileNotFoundError) as error:
        fetch(missing)
    message = str(error.value)
    assert "COMPANION_DATA_MIRROR" in message and str(mirror) in message
    assert str(mirror / "atis" / "test" / "seq.in") in message


def test_mirror_that_is_not_a_folder_is_an_error(tmp_path, monkeypatch, no_network):
    monkeypatch.setenv(download.MIRROR_VARIABLE, str(tmp_path / "nowhere"))
    with pytest.raises(FileNotFoundError, match=r"COMPANION_DATA_MIRROR: expected a folder .*nowhere"):
        fetch(remote("https://example.invalid/seq.in"))


def test_mirror_hash_mismatch_names_both_hashes_and_keeps_the_file(tmp_path, monkeypatch, no_network):
    mirror = _mirror(tmp_path, monkeypatch, content=b"other bytes")
    with pytest.raises(ValueError) as error:
        fetch(remote("https://example.invalid/seq.in"))
    message = str(error.value)
    assert str(mirror / "atis" / "train" / "seq.in") in message
    assert f"expected sha256 {SHA256}" in message and f"got sha256 {OTHER_SHA256}" in message
    assert (mirror / "atis" / "train" / "seq.in").read_bytes() == b"other bytes"


# ---- the cache -------------------------------------------------------------------------------


def test_cache_miss_downloads_once_then_hits_without_progress_bar(server, cache, capsys):
    served, base, requests = server
    (served / "seq.in").write_bytes(CONTENT)
    path = fetch(remote(f"{base}/seq.in"))
    assert path == cache / "atis" / "train" / "seq.in"
    assert path.read_bytes() == CONTENT
    assert requests == ["/seq.in"]
    assert "downloading atis/train/seq.in" in capsys.readouterr().err
    assert sorted(p.name for p in path.parent.iterdir()) == ["seq.in"]  # no temporary left

    (served / "seq.in").unlink()  # a second download would now fail
    assert fetch(remote(f"{base}/seq.in")) == path
    assert requests == ["/seq.in"]
    assert capsys.readouterr().err == ""


def test_download_without_progress_shows_no_bar(server, cache, capsys):
    served, base, requests = server
    (served / "seq.in").write_bytes(CONTENT)
    path = fetch(remote(f"{base}/seq.in"), progress=False)
    assert path.read_bytes() == CONTENT and requests == ["/seq.in"]
    assert capsys.readouterr().err == ""


def test_corrupted_cache_file_is_reported_and_removed_then_downloaded_again(server, cache):
    served, base, requests = server
    (served / "seq.in").write_bytes(CONTENT)
    cached = cache / "atis" / "train" / "seq.in"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"other bytes")
    with pytest.raises(ValueError) as error:
        fetch(remote(f"{base}/seq.in"))
    message = str(error.value)
    assert str(cached) in message
    assert f"expected sha256 {SHA256}" in message and f"got sha256 {OTHER_SHA256}" in message
    assert not cached.exists()
    assert requests == []

    assert fetch(remote(f"{base}/seq.in")).read_bytes() == CONTENT
    assert requests == ["/seq.in"]


def test_download_hash_mismatch_keeps_nothing(server, cache):
    served, base, _ = server
    (served / "seq.in").write_bytes(b"other bytes")
    with pytest.raises(ValueError) as error:
        fetch(remote(f"{base}/seq.in"))
    message = str(error.value)
    assert str(cache / "atis" / "train" / "seq.in") in message
    assert f"expected sha256 {SHA256}" in message and f"got sha256 {OTHER_SHA256}" in message
    assert list((cache / "atis" / "train").iterdir()) == []


def test_download_failure_names_the_url_and_keeps_nothing(server, cache):
    _, base, _ = server
    url = f"{base}/no-such-file"
    with pytest.raises(OSError, match=rf"could not download {url} \(for atis/train/seq.in\): HTTP Error 404"):
        fetch(remote(url))
    assert list((cache / "atis" / "train").iterdir()) == []


def test_unreachable_server_names_the_url(cache):
    # A port that was free a moment ago: nothing listens there, so the connection is refused.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/seq.in"
    with pytest.raises(OSError, match=rf"could not download {url}"):
        fetch(remote(url), timeout=5)


# ---- where the cache lies, and the description of a file -------------------------------------


def test_cache_folder_follows_the_variable_then_the_platform(tmp_path, monkeypatch):
    monkeypatch.setenv("COMPANION_CACHE", str(tmp_path / "mine"))
    assert cache_folder() == tmp_path / "mine"
    monkeypatch.delenv("COMPANION_CACHE")
    monkeypatch.setattr("sys.platform", "linux")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_folder() == tmp_path / "xdg" / "rnn-course" / "data"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert user_cache_folder() == Path.home() / ".cache"
    monkeypatch.setattr("sys.platform", "darwin")
    assert user_cache_folder() == Path.home() / "Library" / "Caches"
    monkeypatch.setattr("sys.platform", "win32")
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "local"))
    assert user_cache_folder() == tmp_path / "local"


@pytest.mark.parametrize(
    "path, url, sha256, message",
    [
        ("/etc/passwd", "https://x/y", SHA256, r"path: expected a relative '/'-separated path"),
        ("atis/../../secret", "https://x/y", SHA256, r"path: expected a relative .* got 'atis/../../secret'"),
        ("seq.in", "https://x/y", SHA256, r"path: expected a relative '/'-separated path '<data set>/<file>'"),
        ("atis/seq.in", "ftp://x/y", SHA256, r"url: expected an http\(s\):// URL, got 'ftp://x/y'"),
        ("atis/seq.in", "https://x/y", SHA256.upper(), r"sha256: expected 64 lower-case hexadecimal digits"),
    ],
)
def test_remote_file_rejects_bad_descriptions(path, url, sha256, message):
    with pytest.raises(ValueError, match=message):
        RemoteFile(path, url, sha256)
