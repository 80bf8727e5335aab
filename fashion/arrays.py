"""Store and load the processed splits as plain `.npy` files.

`.npy` needs no pickle (we load with `allow_pickle=False`), loads in a fraction
of a second, and can be memory-mapped. Each split is two files:
`<split>_images.npy` (float32, N x 28 x 28, in [0, 1]) and
`<split>_labels.npy` (uint8, N).
"""

from pathlib import Path

import numpy as np

from fashion.atomic import atomic_path
from fashion.errors import PipelineError

SPLITS = ("train", "validation", "test")


def split_files(directory: Path, split: str) -> tuple[Path, Path]:
    """The images file and the labels file of one split."""
    return Path(directory) / f"{split}_images.npy", Path(directory) / f"{split}_labels.npy"


def save_split(directory: Path, split: str, images: np.ndarray, labels: np.ndarray) -> None:
    """Write one split's arrays atomically."""
    images_path, labels_path = split_files(directory, split)
    for path, array in ((images_path, images), (labels_path, labels)):
        with atomic_path(path) as temporary, temporary.open("wb") as stream:
            np.save(stream, array, allow_pickle=False)


def load_split(directory: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    """Load one split's images and labels, checking that they fit together."""
    images_path, labels_path = split_files(directory, split)
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
    return images, labels


def _load(path: Path) -> np.ndarray:
    try:
        return np.load(path, allow_pickle=False)
    except FileNotFoundError as error:
        raise PipelineError(f"{path} is missing. Run `dvc repro normalize` first.") from error
    except (ValueError, OSError, EOFError) as error:
        raise PipelineError(
            f"{path} is not a readable .npy array ({error}). Run `dvc repro normalize --force` to rebuild it."
        ) from error
