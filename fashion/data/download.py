"""Fetch the dataset files from an ordered list of mirrors, verifying each one.

A file is accepted only if the SHA-256 of its decompressed content matches the
pinned hash; otherwise the next mirror is tried. Files are written to a
temporary name and renamed into place once verified, so an interrupted
download never leaves a partial file behind. TensorFlow is not imported here.

A mirror is not trusted either: each file is read up to the size its pinned
content can take (`CONTENT_BYTES`, plus gzip's overhead) and no further, at
no less than `MINIMUM_BYTES_PER_SECOND` on average, and decompressed up to
that size alone; a `file://` mirror must hold regular files (not a device
such as /dev/zero).
"""

import gzip
import hashlib
import http.client
import stat
import time
import urllib.error
import urllib.request
import zlib
from pathlib import Path
from urllib.parse import unquote, urlparse

from tqdm import tqdm

from fashion.core.atomic import atomic_path
from fashion.core.dataset import CONTENT_BYTES
from fashion.core.errors import PipelineError

CHUNK_BYTES = 1 << 16
# A slower mirror is dropped for the next: 10 KB/s brings the largest file in about 80 minutes.
MINIMUM_BYTES_PER_SECOND = 10_000


def largest_download(file_name: str) -> int:
    """The most bytes a gzip copy of `file_name`'s pinned content can take: stored blocks add 5 bytes per 64 KiB."""
    content = CONTENT_BYTES[file_name]
    return content + content // 10_000 + 4096


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
                    fetch(url, temporary, timeout_seconds, show_progress, largest_download(file_name))
                    verify_content(temporary, expected_sha256, CONTENT_BYTES[file_name])
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


def fetch(url: str, target: Path, timeout_seconds: float, show_progress: bool, maximum_bytes: int) -> None:
    """Copy the bytes at `url` (https, http or file) into `target`, refusing more than `maximum_bytes`."""
    parsed = urlparse(url)
    if parsed.scheme not in ("https", "http", "file"):
        raise MirrorError(f"unsupported URL scheme '{parsed.scheme}' (use https, http or file)")
    if "?" in url or "#" in url:  # urlparse drops an empty fragment: file:///dev/zero# would pass
        raise MirrorError("a mirror URL may have no query (?) or fragment (#); remove it")
    deadline = time.monotonic() + timeout_seconds + maximum_bytes / MINIMUM_BYTES_PER_SECOND
    try:
        if parsed.scheme == "file":
            source_path = Path(unquote(parsed.path))
            status = source_path.stat()  # before opening: opening a named pipe would wait for a writer
            if not stat.S_ISREG(status.st_mode):
                raise MirrorError("not a regular file (a device, pipe or folder is never a dataset file)")
            with source_path.open("rb") as source:
                _copy(source, target, status.st_size, url, show_progress, maximum_bytes, deadline)
        else:
            request = urllib.request.Request(url, headers={"User-Agent": "fashion-mnist-dvc"})
            with urllib.request.urlopen(request, timeout=timeout_seconds) as response:
                length = response.headers.get("Content-Length")
                total = int(length) if length and length.isdigit() else None
                _copy(response, target, total, url, show_progress, maximum_bytes, deadline)
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


def _copy(
    source, target: Path, total: int | None, url: str, show_progress: bool, maximum_bytes: int, deadline: float
) -> None:
    """Stream `source` into `target` with a progress bar; check the length if known, and every bound."""
    if total is not None and total > maximum_bytes:
        raise MirrorError(f"offers {total:,} bytes, more than the {maximum_bytes:,} this file can take")
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
            written += len(chunk)
            if written > maximum_bytes:
                raise MirrorError(f"sent more than the {maximum_bytes:,} bytes this file can take")
            if time.monotonic() > deadline:
                raise MirrorError(f"too slow: {written:,} bytes in the time allowed", transient=True)
            output.write(chunk)
            progress.update(len(chunk))
    if total is not None and written != total:
        raise MirrorError(f"truncated: got {written} of {total} bytes", transient=True)


def content_sha256(gzip_path: Path, maximum_bytes: int) -> str:
    """SHA-256 of the decompressed content of a gzip file, which may hold no more than `maximum_bytes`."""
    digest = hashlib.sha256()
    decompressed = 0
    try:
        with gzip.open(gzip_path, "rb") as stream:
            while chunk := stream.read(CHUNK_BYTES):
                decompressed += len(chunk)
                if decompressed > maximum_bytes:
                    raise MirrorError(f"decompresses to more than the {maximum_bytes:,} bytes of the pinned content")
                digest.update(chunk)
    except (OSError, EOFError, zlib.error) as error:
        raise MirrorError(f"not a valid gzip file ({error})") from error
    return digest.hexdigest()


def verify_content(gzip_path: Path, expected_sha256: str, maximum_bytes: int) -> None:
    """Raise `MirrorError` unless the decompressed content (at most `maximum_bytes`) has the pinned hash."""
    actual = content_sha256(gzip_path, maximum_bytes)
    if actual != expected_sha256:
        raise MirrorError(f"content SHA-256 {actual[:12]}... does not match the pinned {expected_sha256[:12]}...")
