"""Downloading: content verification, mirror fallback, the all-failed message."""

import functools
import gzip
import http.server
import threading

import pytest
from synthetic import write_dataset

from fashion.core.dataset import DATASET_FILES, TRAIN_LABELS_FILE
from fashion.core.errors import PipelineError
from fashion.data.download import MirrorError, content_sha256, download_all, download_file, verify_content


@pytest.fixture(autouse=True)
def inside_tmp_path(tmp_path, monkeypatch):
    """Outputs may only be written below the current directory, as in a repository."""
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def serve(tmp_path):
    """Start HTTP servers on 127.0.0.1 serving given directories; yield a starter."""
    servers = []

    def start(directory):
        handler = functools.partial(QuietHandler, directory=str(directory))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *arguments):
        pass


def test_content_hash_ignores_compression_differences(tmp_path):
    payload = b"\x00\x00\x08\x01" + (3).to_bytes(4, "big") + b"abc"
    fast, best = tmp_path / "fast.gz", tmp_path / "best.gz"
    fast.write_bytes(gzip.compress(payload, compresslevel=1, mtime=0))
    best.write_bytes(gzip.compress(payload, compresslevel=9, mtime=1))
    assert fast.read_bytes() != best.read_bytes()
    assert content_sha256(fast, 100) == content_sha256(best, 100)


def test_verification_rejects_wrong_content_and_non_gzip(tmp_path):
    path = tmp_path / "file.gz"
    path.write_bytes(gzip.compress(b"something else"))
    with pytest.raises(MirrorError, match="does not match the pinned"):
        verify_content(path, "0" * 64, 100)
    path.write_bytes(b"<html>404 Not Found</html>")
    with pytest.raises(MirrorError, match="not a valid gzip file"):
        verify_content(path, "0" * 64, 100)


def test_falls_back_from_a_bad_http_mirror_to_a_good_one(tmp_path, serve):
    good_directory = tmp_path / "good"
    sha256 = write_dataset(good_directory)
    bad_directory = tmp_path / "bad"  # Serves wrong content under the right names.
    bad_directory.mkdir()
    for name in DATASET_FILES:
        (bad_directory / name).write_bytes(gzip.compress(b"not the dataset"))
    missing = serve(tmp_path / "empty")  # Answers 404 for everything.
    bad, good = serve(bad_directory), serve(good_directory)

    sources = download_all(
        DATASET_FILES, sha256, (missing, bad, good), tmp_path / "raw", timeout_seconds=5, show_progress=False
    )

    assert set(sources.values()) == {good}
    for name in DATASET_FILES:
        assert content_sha256(tmp_path / "raw" / name, 1 << 30) == sha256[name]
    assert sorted(path.name for path in (tmp_path / "raw").iterdir()) == sorted(DATASET_FILES)


def test_all_mirrors_failing_lists_each_reason_and_leaves_no_file(tmp_path, serve):
    (tmp_path / "empty").mkdir()
    missing = serve(tmp_path / "empty")
    unreachable = "http://127.0.0.1:9/"  # The discard port: nothing listens there.
    local = (tmp_path / "nowhere").as_uri() + "/"
    with pytest.raises(PipelineError) as raised:
        download_file(
            TRAIN_LABELS_FILE,
            "0" * 64,
            (missing, unreachable, local),
            tmp_path / "raw" / "x.gz",
            timeout_seconds=5,
            show_progress=False,
        )
    message = str(raised.value)
    assert f"{missing}{TRAIN_LABELS_FILE}: HTTP 404" in message
    assert f"{unreachable}{TRAIN_LABELS_FILE}: cannot connect" in message
    assert f"{local}{TRAIN_LABELS_FILE}: No such file or directory" in message
    assert "download.mirrors in params.yaml" in message
    assert list((tmp_path / "raw").iterdir()) == []


def test_file_mirror_with_matching_content_is_accepted(tmp_path):
    sha256 = write_dataset(tmp_path / "local")
    mirror = (tmp_path / "local").as_uri()  # No trailing slash: it is added.
    source = download_file(
        TRAIN_LABELS_FILE,
        sha256[TRAIN_LABELS_FILE],
        (mirror,),
        tmp_path / "raw" / "labels.gz",
        timeout_seconds=5,
        show_progress=False,
    )
    assert source == mirror
    assert (tmp_path / "raw" / "labels.gz").read_bytes() == (tmp_path / "local" / TRAIN_LABELS_FILE).read_bytes()
