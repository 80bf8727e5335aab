"""Distillation: a student network learns from an ensemble's probabilities as well as from the labels.

The teacher (an ensemble, with its test-time views) predicts every training
image once, before the student trains ("offline" distillation). Each training
target is then a mix of the teacher's probabilities and the one-hot label.
Cross-entropy is linear in its target, so training on the mix is the usual
distillation loss at temperature 1:
weight x cross-entropy with the teacher + (1 - weight) x cross-entropy with the label.
A temperature above 1 would need the student's logits; the networks here end in a softmax.
An augmented copy of an image keeps the image's target: the teacher's views
(mirror, shifts) already average over what the augmentation does.
"""

import numpy as np
from tqdm import tqdm

from fashion.core.dataset import INFERENCE_BATCH_SIZE, NUMBER_OF_CLASSES
from fashion.core.errors import PipelineError
from fashion.core.tensorflow_setup import keras

# Images per predict call: small enough for the progress bar to move every few seconds
# on 2 cores with a ten-view ensemble, large enough for predict's overhead not to count.
TEACHER_CHUNK = 2000


def teacher_probabilities(teacher: keras.Model, images: np.ndarray) -> np.ndarray:
    """(n, 10) float32: the teacher's class probabilities for each image, in order, with a progress bar."""
    chunks = []
    for start in tqdm(range(0, len(images), TEACHER_CHUNK), desc="teacher", unit="chunk"):
        chunk = images[start : start + TEACHER_CHUNK]
        chunks.append(teacher.predict(chunk, batch_size=INFERENCE_BATCH_SIZE, verbose=0).astype(np.float32))
    return np.concatenate(chunks)


def distillation_targets(labels: np.ndarray, probabilities: np.ndarray, teacher_weight: float) -> np.ndarray:
    """(n, 10) float32 rows: `teacher_weight` x the teacher's probabilities + the rest x the one-hot label.

    Each row sums to 1, as both parts do. The probabilities must be a
    teacher's: one row per label, ten classes, each row summing to 1.
    """
    if probabilities.shape != (len(labels), NUMBER_OF_CLASSES):
        raise PipelineError(
            f"The teacher gave probabilities of shape {probabilities.shape} for {len(labels)} images; "
            f"it must give one row of {NUMBER_OF_CLASSES} per image. Rebuild it with `dvc repro ensemble`."
        )
    if not np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-3):
        raise PipelineError(
            "The teacher's probabilities do not sum to 1 per image; rebuild it with `dvc repro ensemble`."
        )
    one_hot = np.eye(NUMBER_OF_CLASSES, dtype=np.float32)[labels]
    return (teacher_weight * probabilities + (1.0 - teacher_weight) * one_hot).astype(np.float32)
