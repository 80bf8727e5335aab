"""Stage normalize: parse IDX, split off a stratified validation set, scale to [0, 1]."""

import sys

from fashion.core import paths
from fashion.core.atomic import write_json
from fashion.core.cli import stage_entry_point
from fashion.core.dataset import (
    CLASS_NAMES,
    IMAGE_SIZE,
    TEST_IMAGES_FILE,
    TEST_LABELS_FILE,
    TRAIN_IMAGES_FILE,
    TRAIN_LABELS_FILE,
    scale_pixels,
)
from fashion.core.params import load_params, parse_checksums, parse_normalize
from fashion.data.arrays import save_split, write_checksums
from fashion.data.idx import read_images_and_labels
from fashion.data.split import count_per_class, stratified_split


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
        save_split(paths.PROCESSED_DIR, split, scale_pixels(images), labels)
        counts[split] = {"total": len(labels), **count_per_class(labels, CLASS_NAMES)}
    write_checksums(paths.PROCESSED_DIR)
    for split, split_counts in counts.items():
        write_json(paths.data_metrics_file(split), split_counts)
    sizes = ", ".join(f"{split} {count['total']}" for split, count in counts.items())
    return f"wrote {sizes} images to {paths.PROCESSED_DIR}"


if __name__ == "__main__":
    sys.exit(main())
