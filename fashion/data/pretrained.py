"""Fetch one backbone weights file, pinned by its hash, into pretrained/ (the pretrained@<name> stage).

The file comes from a URL the user names, so it is data to check, not to
trust: it is read within `maximum_megabytes` and the stall timeout
(`fashion.data.download.fetch`), kept only if its bytes hash to the pinned
value, and renamed into place only then. It is a Keras HDF5 weights file:
loading it reads arrays by layer name and runs no code.
"""

import hashlib
from pathlib import Path

from fashion.core.atomic import atomic_path
from fashion.core.errors import PipelineError
from fashion.core.params.sections import PretrainedWeights
from fashion.data.download import CHUNK_BYTES, MirrorError, fetch

MEGABYTE = 1 << 20


def file_digests(path: Path) -> dict[str, str]:
    """{"sha256": ..., "md5": ...} of the file's bytes."""
    digests = {"sha256": hashlib.sha256(), "md5": hashlib.md5(usedforsecurity=False)}
    with open(path, "rb") as source:
        while chunk := source.read(CHUNK_BYTES):
            for digest in digests.values():
                digest.update(chunk)
    return {name: digest.hexdigest() for name, digest in digests.items()}


def fetch_pretrained(entry: PretrainedWeights, target: Path, show_progress: bool = True) -> str:
    """Fetch `entry`'s file to `target` if its bytes match the pin; return their SHA-256."""
    kind, pinned = ("sha256", entry.sha256) if entry.sha256 else ("md5", entry.md5)
    with atomic_path(target) as temporary:
        try:
            fetch(entry.url, temporary, entry.timeout_seconds, show_progress, entry.maximum_megabytes * MEGABYTE)
        except MirrorError as error:
            raise PipelineError(f"{entry.where}: could not fetch {entry.url}: {error}. Check the URL and your "
                                "network, or copy the file here and give its file:// URL.") from error  # fmt: skip
        digests = file_digests(temporary)
        if digests[kind] != pinned:
            raise PipelineError(f"{entry.where}: {entry.url} holds a file whose {kind} is {digests[kind]}, not the "
                                f"pinned {pinned}; nothing was kept. Pin the file you trust.")  # fmt: skip
    return digests["sha256"]
