"""Fetch the dataset files from an ordered list of mirrors, verifying each one.

A file is accepted only if the SHA-256 of its decompressed content matches the
pinned hash; otherwise the next mirror is tried. Files are written to a
temporary name and renamed into place once verified, so an interrupted
download never leaves a partial file behind. TensorFlow is not imported here.
"""

import gzip
import hashlib
import http.client
import urllib.error
import urllib.request
import zlib
from pathlib import Path
from urllib.parse import unquote, urlparse

from tqdm import tqdm

from fashion.core.atomic import atomic_path
from fashion.core.errors import PipelineError

CHUNK_BYTES = 1 << 16


class MirrorError(Exception):
    """One mirror could not deliver one file; the reason is the message.

    `transient` marks failures worth another attempt at the same mirror
    (a timeout, a dropped connection, a short read); a 404 or wrong content
    will not get better by asking again.
    """

    def __init__(self, reason: str, transient: bool = False):
        super().__init__(reason)
        self.transient = transient


def download_all(
    file_names: tuple[str, ...],
    sha256: dict[str, str],
    mirrors: tuple[str, ...],
    destination: Path,
    *,
    timeout_seconds: float,
    attempts_per_mirror: int = 1,
    show_progress: bool = True,
) -> dict[str, str]:
    """Download every file into `destination`; return the mirror each came from."""
    sources = {}
    for file_name in file_names:
        sources[file_name] = download_file(
            file_name=file_name,
            expected_sha256=sha256[file_name],
            mirrors=mirrors,
            target=Path(destination) / file_name,
            timeout_seconds=timeout_seconds,
            attempts_per_mirror=attempts_per_mirror,
            show_progress=show_progress,
        )
    return sources


def download_file(
    file_name: str,
    expected_sha256: str,
    mirrors: tuple[str, ...],
    target: Path,
    *,
    timeout_seconds: float,
    attempts_per_mirror: int = 1,
    show_progress: bool = True,
) -> str:
    """Try each mirror in order until one serves `file_name` with the right content.

    A transient failure is retried up to `attempts_per_mirror` times in all;
    then, like any other failure, it moves on to the next mirror.
    """
    failures = []
    for mirror in mirrors:
        url = mirror.rstrip("/") + "/" + file_name
        for attempt in range(1, attempts_per_mirror + 1):
            try:
                with atomic_path(target) as temporary:
                    fetch(url, temporary, timeout_seconds, show_progress)
                    verify_content(temporary, expected_sha256)
                return mirror
            except MirrorError as error:
                if not error.transient or attempt == attempts_per_mirror:
                    tries = f" (after {attempt} attempts)" if attempt > 1 else ""
                    failures.append(f"  - {url}: {error}{tries}")
                    break
    raise PipelineError(
        f"Could not download {file_name} from any mirror:\n"
        + "\n".join(failures)
        + "\nFix: check your network, or add a mirror that holds the original files to "
        "download.mirrors in params.yaml (for example file:///usr/share/datasets/fashion-mnist/ "
        "after `apt-get install dataset-fashion-mnist`)."
    )


def fetch(url: str, target: Path, timeout_seconds: float, show_progress: bool = True) -> None:
    """Copy the bytes at `url` (https, http or file) into `target`."""
    scheme = urlparse(url).scheme
    if scheme not in ("https", "http", "file"):
        raise MirrorError(f"unsupported URL scheme '{scheme}' (use https, http or file)")
    try:
        if scheme == "file":
            source_path = Path(unquote(urlparse(url).path))
            with source_path.open("rb") as source:
                _copy(source, target, source_path.stat().st_size, url, show_progress)
        else:
            request = urllib.request.Request(url, headers={"User-Agent": "fashion-mnist-dvc"})
            with urllib.request.urlopen(request, timeout=timeout_seconds) as response:
                length = response.headers.get("Content-Length")
                total = int(length) if length and length.isdigit() else None
                _copy(response, target, total, url, show_progress)
    except urllib.error.HTTPError as error:
        raise MirrorError(f"HTTP {error.code} {error.reason}", transient=error.code >= 500) from error
    except urllib.error.URLError as error:
        timed_out = isinstance(error.reason, TimeoutError)
        reason = f"no answer for {timeout_seconds:g} s (timed out)" if timed_out else f"cannot connect ({error.reason})"
        raise MirrorError(reason, transient=True) from error
    except TimeoutError as error:
        raise MirrorError(f"no data for {timeout_seconds:g} s (timed out)", transient=True) from error
    except (http.client.HTTPException, ConnectionError) as error:
        raise MirrorError(f"connection broken ({error!r})", transient=True) from error
    except OSError as error:
        raise MirrorError(error.strerror or str(error)) from error


def _copy(source, target: Path, total: int | None, url: str, show_progress: bool) -> None:
    """Stream `source` into `target` with a progress bar; check the length if known."""
    written = 0
    with (
        target.open("wb") as output,
        tqdm(
            total=total,
            unit="B",
            unit_scale=True,
            desc=Path(urlparse(url).path).name,
            disable=not show_progress,
            leave=False,
        ) as progress,
    ):
        while chunk := source.read(CHUNK_BYTES):
            output.write(chunk)
            written += len(chunk)
            progress.update(len(chunk))
    if total is not None and written != total:
        raise MirrorError(f"truncated: got {written} of {total} bytes", transient=True)


def content_sha256(gzip_path: Path) -> str:
    """SHA-256 of the decompressed content of a gzip file."""
    digest = hashlib.sha256()
    try:
        with gzip.open(gzip_path, "rb") as stream:
            while chunk := stream.read(CHUNK_BYTES):
                digest.update(chunk)
    except (OSError, EOFError, zlib.error) as error:
        raise MirrorError(f"not a valid gzip file ({error})") from error
    return digest.hexdigest()


def verify_content(gzip_path: Path, expected_sha256: str) -> None:
    """Raise `MirrorError` unless the decompressed content has the pinned hash."""
    actual = content_sha256(gzip_path)
    if actual != expected_sha256:
        raise MirrorError(f"content SHA-256 {actual[:12]}... does not match the pinned {expected_sha256[:12]}...")
