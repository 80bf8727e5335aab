"""tf.data pipelines: shuffled, augmented training batches and plain evaluation batches.

The images stay in one in-memory tensor; each training batch is a `gather` of
shuffled indices, so no per-image work happens in Python and the 54,000 images
are never copied into the dataset graph. Shuffling and augmentation are seeded
(`stateless_draws`), so a seed fixes every batch of every epoch.
"""

import math

import numpy as np

from fashion.core.dataset import INFERENCE_BATCH_SIZE, NUMBER_OF_CLASSES
from fashion.core.params import Augmentation
from fashion.core.tensorflow_setup import tf
from fashion.data.augment import Draw, augment


def stateless_draws(seed: int, batch_value: tf.Tensor) -> Draw:
    """The random numbers `fashion.data.augment` transforms one batch with: TensorFlow's stateless
    ops, seeded by the model's seed and a value drawn for the batch, folded in once per transform."""
    batch_seed = tf.stack([tf.constant(seed, tf.int64), tf.cast(batch_value, tf.int64)])

    def draw(transform: int, shape: tuple, low: float, high: float, dtype: str) -> tf.Tensor:
        transform_seed = tf.random.experimental.stateless_fold_in(batch_seed, transform)
        return tf.random.stateless_uniform(shape, transform_seed, minval=low, maxval=high, dtype=dtype)

    return draw


def steps_per_epoch(examples: int, batch_size: int) -> int:
    """Batches in one epoch; the last one may be smaller."""
    return math.ceil(examples / batch_size)


def training_dataset(
    images: np.ndarray, labels: np.ndarray, batch_size: int, seed: int, augmentation: Augmentation
) -> tf.data.Dataset:
    """One epoch of (images, labels) batches, in a new order each time it is iterated.

    Finite on purpose: `Model.fit` iterates it afresh every epoch, so an epoch
    is exactly `steps_per_epoch(len(images), batch_size)` steps whatever the
    steps per execution (an endless dataset would let Keras run whole
    executions past the end of the epoch). Each batch also draws a random
    augmentation seed from a seeded stream that is redrawn every epoch, so
    every epoch augments differently and a seed fixes them all.
    """
    image_tensor = tf.constant(images)
    label_tensor = tf.constant(labels)
    indices = tf.data.Dataset.range(len(images)).shuffle(len(images), seed=seed, reshuffle_each_iteration=True)
    augmentation_seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True)
    batches = tf.data.Dataset.zip(augmentation_seeds, indices.batch(batch_size))

    def gather(augmentation_seed, batch_indices):
        batch_images = tf.gather(image_tensor, batch_indices)
        if augmentation.enabled:
            batch_images = augment(batch_images, augmentation, stateless_draws(seed, augmentation_seed))
        return batch_images, tf.gather(label_tensor, batch_indices)

    return batches.map(gather, num_parallel_calls=1, deterministic=True).prefetch(2)


def evaluation_dataset(images: np.ndarray, labels: np.ndarray, batch_size: int) -> tf.data.Dataset:
    """Batches in order, for validation; the same every time it is iterated."""
    return tf.data.Dataset.from_tensor_slices((images, labels)).batch(batch_size).cache().prefetch(2)


def one_hot(labels: np.ndarray) -> np.ndarray:
    """(n,) class indices -> (n, 10) float32 one-hot rows."""
    return np.eye(NUMBER_OF_CLASSES, dtype=np.float32)[labels]


def make_datasets(
    training: tuple[np.ndarray, np.ndarray],
    validation: tuple[np.ndarray, np.ndarray] | None,
    batch_size: int,
    seed: int,
    augmentation: Augmentation | None = None,
    training_targets: np.ndarray | None = None,
) -> tuple[tf.data.Dataset, tf.data.Dataset | None, int]:
    """(training batches, validation batches, steps per epoch), with one-hot labels: what every model trains on.

    One path for every model, the study's dense networks included: seeded
    shuffling (and augmentation, if any) of (images, labels) NumPy pairs.
    Without a validation split (a refit), the validation batches are None.
    `training_targets` ((n, 10) rows, a distilled student's) replace the
    training labels' one-hot rows; validation keeps the true labels.
    """
    augmentation = augmentation or Augmentation.off()  # the study's plain batches
    targets = one_hot(training[1]) if training_targets is None else training_targets
    training_batches = training_dataset(training[0], targets, batch_size, seed, augmentation)
    validation_batches = None
    if validation is not None:
        validation_batches = evaluation_dataset(validation[0], one_hot(validation[1]), INFERENCE_BATCH_SIZE)
    return training_batches, validation_batches, steps_per_epoch(len(training[0]), batch_size)
