"""Parse the IDX format of the original MNIST-style files, validating everything.

An IDX file is a 4-byte magic number (two zero bytes, a type code, the number
of dimensions), one big-endian uint32 per dimension, then the data. Fashion-MNIST
uses unsigned bytes (type code 0x08): images have 3 dimensions, labels 1.
"""

import gzip
import hashlib
import zlib
from pathlib import Path

import numpy as np

from fashion.core.errors import PipelineError

UNSIGNED_BYTE = 0x08


def read_idx(path: Path, dimensions: int, expected_sha256: str | None = None) -> np.ndarray:
    """Read a gzip-compressed IDX file of unsigned bytes with `dimensions` axes.

    With `expected_sha256`, the decompressed content must have that hash: this
    catches a bit flip that leaves the structure intact.
    """
    path = Path(path)
    try:
        with gzip.open(path, "rb") as stream:
            content = stream.read()
    except FileNotFoundError as error:
        raise PipelineError(f"{path} is missing. Run `dvc repro download` first.") from error
    except (OSError, EOFError, zlib.error) as error:
        raise _corrupt(path, f"it is not a complete gzip file ({error})") from error
    if expected_sha256 is not None and hashlib.sha256(content).hexdigest() != expected_sha256:
        raise _corrupt(path, "its content does not match the SHA-256 pinned in params.yaml (download.sha256)")
    return parse_idx(content, dimensions, path)


def parse_idx(content: bytes, dimensions: int, path: Path) -> np.ndarray:
    """Parse IDX bytes; `path` only names the file in error messages."""
    header_bytes = 4 + 4 * dimensions
    if len(content) < header_bytes:
        raise _corrupt(path, f"it holds {len(content)} bytes, fewer than its {header_bytes}-byte header")
    zero, type_code, found_dimensions = content[0:2], content[2], content[3]
    if zero != b"\x00\x00" or type_code != UNSIGNED_BYTE or found_dimensions != dimensions:
        raise _corrupt(
            path,
            f"its magic number is {content[:4].hex()}, expected 0000080{dimensions} "
            f"(unsigned bytes, {dimensions} dimensions)",
        )
    shape = tuple(int.from_bytes(content[4 + 4 * axis : 8 + 4 * axis], "big") for axis in range(dimensions))
    expected_bytes = header_bytes + int(np.prod(shape, dtype=np.int64))
    if len(content) != expected_bytes:
        problem = "truncated" if len(content) < expected_bytes else "longer than its header says"
        raise _corrupt(path, f"it is {problem}: {len(content)} bytes for shape {shape}, expected {expected_bytes}")
    return np.frombuffer(content, dtype=np.uint8, offset=header_bytes).reshape(shape)


def read_images_and_labels(
    images_path: Path, labels_path: Path, image_size: int, classes: int, sha256: dict[str, str] | None = None
):
    """Read one split's images and labels and check that they belong together.

    `sha256` maps file names to pinned content hashes; files it names are verified.
    """
    sha256 = sha256 or {}
    images = read_idx(images_path, dimensions=3, expected_sha256=sha256.get(Path(images_path).name))
    labels = read_idx(labels_path, dimensions=1, expected_sha256=sha256.get(Path(labels_path).name))
    if images.shape[1:] != (image_size, image_size):
        raise _corrupt(images_path, f"its images are {images.shape[1:]}, expected {image_size}x{image_size}")
    if len(images) != len(labels):
        raise _corrupt(labels_path, f"it has {len(labels)} labels for {len(images)} images in {images_path}")
    if len(labels) and labels.max() >= classes:
        raise _corrupt(labels_path, f"it has label {labels.max()}, but there are only {classes} classes")
    return images, labels


def _corrupt(path: Path, problem: str) -> PipelineError:
    return PipelineError(f"{path} is corrupt: {problem}. Delete it and run `dvc repro download` to fetch it again.")
