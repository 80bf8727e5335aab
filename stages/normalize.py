"""Stage normalize: parse IDX, split off a stratified validation set, scale to [0, 1]."""

import sys

import numpy as np

from fashion import paths
from fashion.arrays import save_split, write_checksums
from fashion.atomic import write_json
from fashion.cli import stage_entry_point
from fashion.dataset import (
    CLASS_NAMES,
    IMAGE_SIZE,
    TEST_IMAGES_FILE,
    TEST_LABELS_FILE,
    TRAIN_IMAGES_FILE,
    TRAIN_LABELS_FILE,
)
from fashion.idx import read_images_and_labels
from fashion.params import load_params, parse_checksums, parse_normalize
from fashion.split import count_per_class, stratified_split


def scale_to_unit(images: np.ndarray) -> np.ndarray:
    """Scale uint8 pixels 0..255 to float32 0..1, as the study did (divide by 255)."""
    return images.astype(np.float32) / np.float32(255.0)


@stage_entry_point("normalize")
def main(argv=None) -> str:
    raw = load_params(paths.PARAMS_FILE)
    params = parse_normalize(raw)
    # The pinned hashes catch a raw file damaged after download verified it.
    sha256 = parse_checksums(raw)
    classes = len(CLASS_NAMES)
    train_images, train_labels = read_images_and_labels(
        paths.RAW_DIR / TRAIN_IMAGES_FILE, paths.RAW_DIR / TRAIN_LABELS_FILE, IMAGE_SIZE, classes, sha256
    )
    test_images, test_labels = read_images_and_labels(
        paths.RAW_DIR / TEST_IMAGES_FILE, paths.RAW_DIR / TEST_LABELS_FILE, IMAGE_SIZE, classes, sha256
    )
    training_indices, validation_indices = stratified_split(
        train_labels, validation_fraction=params.validation_fraction, seed=params.seed
    )
    splits = {
        "train": (train_images[training_indices], train_labels[training_indices]),
        "validation": (train_images[validation_indices], train_labels[validation_indices]),
        "test": (test_images, test_labels),
    }
    counts = {}
    for split, (images, labels) in splits.items():
        save_split(paths.PROCESSED_DIR, split, scale_to_unit(images), labels)
        counts[split] = {"total": len(labels), **count_per_class(labels, CLASS_NAMES)}
    write_checksums(paths.PROCESSED_DIR)
    for split, split_counts in counts.items():
        write_json(paths.data_metrics_file(split), split_counts)
    sizes = ", ".join(f"{split} {count['total']}" for split, count in counts.items())
    return f"wrote {sizes} images to {paths.PROCESSED_DIR}"


if __name__ == "__main__":
    sys.exit(main())
