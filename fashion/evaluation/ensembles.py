"""Assemble an ensemble of trained models and score it on the validation split (never the test set)."""

import numpy as np

from fashion.core.dataset import INFERENCE_BATCH_SIZE
from fashion.core.tensorflow_setup import keras
from fashion.evaluation.scores import cross_entropy
from fashion.models.cost import forward_flops
from fashion.models.ensemble import build_ensemble


def assemble_ensemble(
    members: list[keras.Model], flip_test_time_augmentation: bool, name: str, validation: tuple[np.ndarray, np.ndarray]
) -> tuple[keras.Model, dict]:
    """The ensemble model and metrics/ensemble/<name>.json's content.

    Its cost is the sum of its members' (forward FLOPs twice that with flip
    test-time augmentation, which runs every member on the mirrored image too).
    """
    images, labels = validation
    ensemble = build_ensemble(members, flip_test_time_augmentation, name)
    probabilities = ensemble.predict(images, batch_size=INFERENCE_BATCH_SIZE, verbose=0)
    views = 2 if flip_test_time_augmentation else 1
    return ensemble, {
        "validation_accuracy": float(np.mean(probabilities.argmax(axis=1) == labels)),
        "validation_loss": cross_entropy(labels, probabilities),
        "members": len(members),
        "parameters": sum(member.count_params() for member in members),
        "forward_flops_per_image": views * sum(forward_flops(member) for member in members),
    }
