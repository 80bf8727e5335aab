"""Read the raw files and split a validation set off the training set, stratified by class."""

from pathlib import Path

import numpy as np

from fashion.core.dataset import (
    CLASS_NAMES,
    IMAGE_SIZE,
    TEST_IMAGES_FILE,
    TEST_LABELS_FILE,
    TRAIN_IMAGES_FILE,
    TRAIN_LABELS_FILE,
)
from fashion.core.errors import PipelineError
from fashion.data.idx import read_images_and_labels


def stratified_split(labels: np.ndarray, validation_fraction: float, seed: int):
    """Return (training_indices, validation_indices), both sorted.

    Each class contributes round(fraction x its count) images to validation, so
    the class balance of both parts matches the whole. The draw depends only
    on `labels`, `validation_fraction` and `seed`.
    """
    generator = np.random.default_rng(seed)
    validation = []
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        count = round(validation_fraction * len(members))
        if count == 0 or count == len(members):
            raise PipelineError(
                f"Class {label} has {len(members)} training images, too few to split with "
                f"normalize.validation_fraction={validation_fraction}; choose a fraction that "
                "leaves at least one image of each class on both sides."
            )
        validation.append(generator.choice(members, size=count, replace=False))
    validation_indices = np.sort(np.concatenate(validation))
    training_mask = np.ones(len(labels), dtype=bool)
    training_mask[validation_indices] = False
    return np.flatnonzero(training_mask), validation_indices


def count_per_class(labels: np.ndarray, class_names: tuple[str, ...]) -> dict[str, int]:
    """How many examples of each class `labels` holds, by class name."""
    counts = np.bincount(labels, minlength=len(class_names))
    return {name: int(count) for name, count in zip(class_names, counts, strict=True)}


def read_splits(raw_directory: Path, sha256: dict[str, str], validation_fraction: float, seed: int) -> dict:
    """{"train", "validation", "test"} -> (uint8 images, labels), read from the four raw files.

    The files are checked against the pinned content hashes `sha256` (which
    catch a raw file damaged after download verified it); validation is drawn
    from the training files by `stratified_split`, the test files stay whole.
    """
    classes = len(CLASS_NAMES)
    train_images, train_labels = read_images_and_labels(
        raw_directory / TRAIN_IMAGES_FILE, raw_directory / TRAIN_LABELS_FILE, IMAGE_SIZE, classes, sha256
    )
    test_images, test_labels = read_images_and_labels(
        raw_directory / TEST_IMAGES_FILE, raw_directory / TEST_LABELS_FILE, IMAGE_SIZE, classes, sha256
    )
    training, validation = stratified_split(train_labels, validation_fraction=validation_fraction, seed=seed)
    return {
        "train": (train_images[training], train_labels[training]),
        "validation": (train_images[validation], train_labels[validation]),
        "test": (test_images, test_labels),
    }


def rejoin_splits(training: tuple[np.ndarray, np.ndarray], validation: tuple[np.ndarray, np.ndarray]):
    """(images, labels) of the training split followed by the validation split: all the training images, for a refit.

    The order is fixed (training first), so a seed fixes a refit's batches as it does any other run's.
    """
    return tuple(np.concatenate(pair) for pair in zip(training, validation, strict=True))
