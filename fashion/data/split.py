"""Split a validation set off the training set, stratified by class."""

import numpy as np

from fashion.core.errors import PipelineError


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
