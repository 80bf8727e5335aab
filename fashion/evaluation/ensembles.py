"""Assemble an ensemble of trained models and score it on the validation split (never the test set)."""

import numpy as np
from sklearn import metrics

from fashion.core.dataset import INFERENCE_BATCH_SIZE, NUMBER_OF_CLASSES
from fashion.core.params import Augmentation, Ensemble
from fashion.core.tensorflow_setup import keras
from fashion.models.cost import forward_flops
from fashion.models.ensemble import build_ensemble, member_views


def assemble_ensemble(
    params: Ensemble,
    members: list[keras.Model],
    trained_augmentations: list[Augmentation],
    validation: tuple[np.ndarray, np.ndarray] | None,
) -> tuple[keras.Model, dict]:
    """The ensemble `params` describes and metrics/ensemble/<name>.json's content.

    Each member sees only the test-time views its training augmentation
    (`trained_augmentations`, in member order) showed it. The ensemble's cost
    is the sum of its members' forward FLOPs, each times its number of views.
    `validation` None (a member was refit on the validation images): its
    validation scores are unavailable (null), not scored on images a member trained on.
    """
    views = [
        member_views(params.flip_test_time_augmentation, params.shift_test_time_augmentation,
                     augmentation.horizontal_flip, augmentation.shift_pixels)
        for augmentation in trained_augmentations
    ]  # fmt: skip
    ensemble = build_ensemble(members, views, params.name)
    scores = {"validation_accuracy": None, "validation_loss": None}
    if validation is not None:
        images, labels = validation
        probabilities = ensemble.predict(images, batch_size=INFERENCE_BATCH_SIZE, verbose=0)
        scores = {
            "validation_accuracy": float(metrics.accuracy_score(labels, probabilities.argmax(axis=1))),
            "validation_loss": float(metrics.log_loss(labels, probabilities, labels=list(range(NUMBER_OF_CLASSES)))),
        }
    return ensemble, {
        **scores,
        "members": len(members),
        "views": sum(member_views.count for member_views in views),
        "parameters": sum(member.count_params() for member in members),
        "forward_flops_per_image": sum(
            member_views.count * forward_flops(member) for member, member_views in zip(members, views, strict=True)
        ),
    }
