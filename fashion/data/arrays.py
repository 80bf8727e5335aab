"""Store and load the processed splits as plain `.npy` files.

`.npy` needs no pickle (we load with `allow_pickle=False`), loads in a fraction
of a second, and can be memory-mapped. Each split is two files:
`<split>_images.npy` (float32, N x 28 x 28, in [0, 1]) and
`<split>_labels.npy` (uint8, N). A `checksums.json` beside them holds the
SHA-256 of each file, checked on every load, so a bit flip or a truncation after
normalize wrote them is caught before a model trains on it.
"""

import hashlib
from pathlib import Path

import numpy as np

from fashion.core.atomic import atomic_path, write_json
from fashion.core.bounded import read_handoff_json, regular_file_size
from fashion.core.dataset import IMAGE_SIZE, NUMBER_OF_CLASSES
from fashion.core.errors import PipelineError

# The largest processed split file read: the training images take 170 MB (54,000 x 28 x 28 float32).
SPLIT_BYTES = 2 << 30

CHECKSUMS_FILE_NAME = "checksums.json"
REBUILD = "Run `dvc repro normalize --force` to rebuild it."


def split_files(directory: Path, split: str) -> tuple[Path, Path]:
    """The images file and the labels file of one split."""
    return Path(directory) / f"{split}_images.npy", Path(directory) / f"{split}_labels.npy"


def save_split(directory: Path, split: str, images: np.ndarray, labels: np.ndarray) -> None:
    """Write one split's arrays atomically."""
    images_path, labels_path = split_files(directory, split)
    for path, array in ((images_path, images), (labels_path, labels)):
        with atomic_path(path) as temporary, temporary.open("wb") as stream:
            np.save(stream, array, allow_pickle=False)


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def write_checksums(directory: Path) -> None:
    """Record the SHA-256 of every `.npy` file in `directory`."""
    directory = Path(directory)
    checksums = {path.name: file_sha256(path) for path in sorted(directory.glob("*.npy"))}
    write_json(directory / CHECKSUMS_FILE_NAME, checksums)


def verify_checksum(path: Path) -> None:
    """Raise `PipelineError` unless `path` still has the hash normalize recorded."""
    path = Path(path)
    checksums_path = path.parent / CHECKSUMS_FILE_NAME
    expected = read_handoff_json(checksums_path, REBUILD).get(path.name)
    if not isinstance(expected, str):
        raise PipelineError(f"{checksums_path} has no valid entry for {path.name}. {REBUILD}")
    regular_file_size(path, SPLIT_BYTES, "processed split", REBUILD, missing="Run `dvc repro normalize` first.")
    actual = file_sha256(path)
    if actual != expected:
        raise PipelineError(f"{path} is corrupt: its SHA-256 differs from the one normalize recorded. {REBUILD}")


def load_split(directory: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    """Load one split's images and labels, verified and checked to fit together."""
    images_path, labels_path = split_files(directory, split)
    for path in (images_path, labels_path):
        verify_checksum(path)
    images, labels = _load(images_path), _load(labels_path)
    if images.dtype != np.float32 or images.ndim != 3 or labels.dtype != np.uint8 or labels.ndim != 1:
        raise PipelineError(
            f"{images_path} or {labels_path} has an unexpected type or shape "
            f"({images.dtype} {images.shape}, {labels.dtype} {labels.shape}). "
            "Run `dvc repro normalize --force` to rebuild them."
        )
    if len(images) != len(labels):
        raise PipelineError(
            f"{images_path} has {len(images)} images but {labels_path} has {len(labels)} labels. "
            "Run `dvc repro normalize --force` to rebuild them."
        )
    if images.shape[1:] != (IMAGE_SIZE, IMAGE_SIZE) or not (np.all(images >= 0) and np.all(images <= 1)):
        raise PipelineError(f"{images_path} holds values outside [0, 1], or images not 28x28. {REBUILD}")
    if len(labels) and labels.max() >= NUMBER_OF_CLASSES:
        raise PipelineError(
            f"{labels_path} holds label {labels.max()}, but there are {NUMBER_OF_CLASSES} classes. {REBUILD}"
        )
    return images, labels


def _load(path: Path) -> np.ndarray:
    try:
        return np.load(path, allow_pickle=False)
    except FileNotFoundError as error:
        raise PipelineError(f"{path} is missing. Run `dvc repro normalize` first.") from error
    except (ValueError, OSError, EOFError) as error:
        raise PipelineError(f"{path} is not a readable .npy array without pickle ({error}). {REBUILD}") from error
