"""Assemble an ensemble of trained models and score it on the validation split (never the test set)."""

import numpy as np

from fashion.core.dataset import INFERENCE_BATCH_SIZE
from fashion.core.tensorflow_setup import keras
from fashion.evaluation.scores import cross_entropy
from fashion.models.cost import forward_flops
from fashion.models.ensemble import Views, build_ensemble


def assemble_ensemble(
    members: list[keras.Model], views: list[Views], name: str, validation: tuple[np.ndarray, np.ndarray]
) -> tuple[keras.Model, dict]:
    """The ensemble model and metrics/ensemble/<name>.json's content.

    Its cost is the sum of its members' forward FLOPs, each times the number of
    views it sees.
    """
    images, labels = validation
    ensemble = build_ensemble(members, views, name)
    probabilities = ensemble.predict(images, batch_size=INFERENCE_BATCH_SIZE, verbose=0)
    return ensemble, {
        "validation_accuracy": float(np.mean(probabilities.argmax(axis=1) == labels)),
        "validation_loss": cross_entropy(labels, probabilities),
        "members": len(members),
        "views": sum(member_views.count for member_views in views),
        "parameters": sum(member.count_params() for member in members),
        "forward_flops_per_image": sum(
            member_views.count * forward_flops(member) for member, member_views in zip(members, views, strict=True)
        ),
    }
