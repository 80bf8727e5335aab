"""Parse the IDX format of the original MNIST-style files, validating everything.

An IDX file is a 4-byte magic number (two zero bytes, a type code, the number
of dimensions), one big-endian uint32 per dimension, then the data. Fashion-MNIST
uses unsigned bytes (type code 0x08): images have 3 dimensions, labels 1.
"""

import gzip
import hashlib
import io
import zlib
from pathlib import Path
from typing import BinaryIO

import numpy as np

from fashion.core.errors import PipelineError

UNSIGNED_BYTE = 0x08
GZIP_MAGIC = b"\x1f\x8b"
# The most bytes an IDX file may hold, decompressed: Fashion-MNIST's largest holds 47 MB; this is ten times that.
IDX_BYTES = 480 << 20


def read_idx(path: Path, dimensions: int, expected_sha256: str | None = None) -> np.ndarray:
    """Read a gzip-compressed IDX file of unsigned bytes with `dimensions` axes.

    With `expected_sha256`, the decompressed content must have that hash: this
    catches a bit flip that leaves the structure intact.
    """
    path = Path(path)
    try:
        with gzip.open(path, "rb") as stream:
            images = read_idx_stream(stream, dimensions, path)
    except FileNotFoundError as error:
        raise PipelineError(f"{path} is missing. Run `dvc repro download` first.") from error
    except (OSError, EOFError, zlib.error) as error:
        raise _corrupt(path, f"it is not a complete gzip file ({error})") from error
    if expected_sha256 is not None and idx_sha256(images) != expected_sha256:
        raise _corrupt(path, "its content does not match the SHA-256 pinned in params.yaml (download.sha256)")
    return images


def idx_sha256(array: np.ndarray) -> str:
    """SHA-256 of the IDX bytes that hold `array` (header and data), as the pinned hashes are computed."""
    return hashlib.sha256(idx_header(array) + array.tobytes()).hexdigest()


def idx_header(array: np.ndarray) -> bytes:
    """The IDX header of an unsigned-byte array: magic number, then one big-endian uint32 per axis."""
    return bytes([0, 0, UNSIGNED_BYTE, array.ndim]) + b"".join(size.to_bytes(4, "big") for size in array.shape)


def parse_idx(content: bytes, dimensions: int, path: Path) -> np.ndarray:
    """Parse IDX bytes already in memory; `path` only names the file in error messages."""
    return read_idx_stream(io.BytesIO(content), dimensions, path)


def read_idx_stream(stream: BinaryIO, dimensions: int, path: Path, maximum_bytes: int = IDX_BYTES) -> np.ndarray:
    """Read one IDX array from `stream`, checking the header before reading (or decompressing) the data.

    The header says how many bytes follow; a file whose header asks for more
    than `maximum_bytes` is refused before any of them is read, and at most
    one byte past the declared size is read, to tell a longer file.
    """
    header_bytes = 4 + 4 * dimensions
    header = _read_up_to(stream, header_bytes)
    if len(header) >= 4 and (header[0:2] != b"\x00\x00" or header[2] != UNSIGNED_BYTE or header[3] != dimensions):
        raise _corrupt(
            path,
            f"its magic number is {header[:4].hex()}, expected 0000080{dimensions} "
            f"(unsigned bytes, {dimensions} dimensions)",
        )
    if len(header) < header_bytes:
        raise _corrupt(path, f"it holds {len(header)} bytes, fewer than its {header_bytes}-byte header")
    shape = tuple(int.from_bytes(header[4 + 4 * axis : 8 + 4 * axis], "big") for axis in range(dimensions))
    expected_bytes = header_bytes + int(np.prod(shape, dtype=np.int64))
    if expected_bytes > maximum_bytes:
        raise _corrupt(
            path, f"its header declares shape {shape}: {expected_bytes:,} bytes, over the {maximum_bytes:,} allowed"
        )
    data = _read_up_to(stream, expected_bytes - header_bytes + 1)
    found_bytes = header_bytes + len(data)
    if found_bytes != expected_bytes:
        problem = "truncated" if found_bytes < expected_bytes else "longer than its header says"
        found = f"{found_bytes}" if found_bytes < expected_bytes else f"more than {expected_bytes}"
        raise _corrupt(path, f"it is {problem}: {found} bytes for shape {shape}, expected {expected_bytes}")
    return np.frombuffer(data, dtype=np.uint8).reshape(shape)


def _read_up_to(stream: BinaryIO, size: int) -> bytes:
    """Up to `size` bytes from `stream`: fewer only at its end."""
    chunks, remaining = [], size
    while remaining > 0 and (chunk := stream.read(min(remaining, 1 << 24))):
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


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
