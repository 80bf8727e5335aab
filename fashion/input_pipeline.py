"""tf.data pipelines: shuffled, augmented training batches and plain evaluation batches.

The images stay in one in-memory tensor; each training batch is a `gather` of
shuffled indices, so no per-image work happens in Python and the 54,000 images
are never copied into the dataset graph. Shuffling and augmentation are seeded
(see `fashion.augment`), so a seed fixes every batch of every epoch.
"""

import math

import numpy as np

from fashion.augment import Augmentation, augment_batch, batch_seed
from fashion.tensorflow_setup import tf


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
