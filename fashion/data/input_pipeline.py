"""tf.data pipelines: shuffled, augmented training batches and plain evaluation batches.

The images stay in one in-memory tensor; each training batch is a `gather` of
shuffled indices, so no per-image work happens in Python and the 54,000 images
are never copied into the dataset graph. Shuffling and augmentation are seeded
(see `fashion.data.augment`), so a seed fixes every batch of every epoch.
"""

import math

import numpy as np

from fashion.core.dataset import INFERENCE_BATCH_SIZE, NUMBER_OF_CLASSES
from fashion.core.params import Augmentation, ModelParams
from fashion.core.tensorflow_setup import tf
from fashion.data.augment import augment_batch, batch_seed


def steps_per_epoch(examples: int, batch_size: int) -> int:
    """Batches in one epoch; the last one may be smaller."""
    return math.ceil(examples / batch_size)


def training_dataset(
    images: np.ndarray, labels: np.ndarray, batch_size: int, seed: int, augmentation: Augmentation
) -> tf.data.Dataset:
    """An endless dataset of (images, labels) batches, reshuffled every epoch.

    Use with `steps_per_epoch(len(images), batch_size)` steps per epoch. The
    batch index counts across epochs, so each epoch draws new augmentations.
    """
    image_tensor = tf.constant(images)
    label_tensor = tf.constant(labels)
    indices = (
        tf.data.Dataset.range(len(images))
        .shuffle(len(images), seed=seed, reshuffle_each_iteration=True)
        .batch(batch_size)
        .repeat()
        .enumerate()
    )

    def gather(batch_index, batch_indices):
        batch_images = tf.gather(image_tensor, batch_indices)
        if augmentation.enabled:
            batch_images = augment_batch(batch_images, augmentation, batch_seed(seed, batch_index))
        return batch_images, tf.gather(label_tensor, batch_indices)

    return indices.map(gather, num_parallel_calls=1, deterministic=True).prefetch(2)


def evaluation_dataset(images: np.ndarray, labels: np.ndarray, batch_size: int) -> tf.data.Dataset:
    """Batches in order, for validation; the same every time it is iterated."""
    return tf.data.Dataset.from_tensor_slices((images, labels)).batch(batch_size).cache().prefetch(2)


def one_hot(labels: np.ndarray) -> np.ndarray:
    """(n,) class indices -> (n, 10) float32 one-hot rows."""
    return np.eye(NUMBER_OF_CLASSES, dtype=np.float32)[labels]


def uses_input_pipeline(params: ModelParams) -> bool:
    """False for the study's dense recipe, which keeps training from NumPy arrays as it always has.

    A model's own sweep ramps its rate over the pipeline's batches, so sweeping entries use it too.
    """
    plain = (
        params.architecture == "dense"
        and params.sweep is None
        and params.schedule == "constant"
        and params.label_smoothing == 0.0
        and not params.augmentation.enabled
        and params.precision == "float32"
    )
    return not plain


def make_datasets(
    params: ModelParams, training: tuple[np.ndarray, np.ndarray], validation: tuple[np.ndarray, np.ndarray]
) -> tuple[tf.data.Dataset, tf.data.Dataset, int]:
    """(training batches, validation batches, steps per epoch) for the input pipeline, with one-hot labels."""
    training_batches = training_dataset(
        training[0], one_hot(training[1]), params.batch_size, params.seed, params.augmentation
    )
    validation_batches = evaluation_dataset(validation[0], one_hot(validation[1]), INFERENCE_BATCH_SIZE)
    return training_batches, validation_batches, steps_per_epoch(len(training[0]), params.batch_size)
