"""Seeded, vectorized augmentation of whole training batches, for tf.data.

Every random draw is a stateless TensorFlow op whose seed is derived from the
model's seed and the batch's index in the run, so the same seed gives the same
augmented batches on every run, whatever the thread count or prefetching. Each
transform works on a whole batch at once (no per-image Python or `map` calls):
on 2 CPU cores the augmentation then costs a few percent of a training step.
Labels are never touched: shifts, horizontal flips and erasing keep the class.
"""

from fashion.core.params import Augmentation
from fashion.core.tensorflow_setup import tf


def _seed_for(seed: tf.Tensor, transform: int) -> tf.Tensor:
    """An independent stateless seed for one transform of one batch."""
    return tf.random.experimental.stateless_fold_in(seed, transform)


def shift_batch(images: tf.Tensor, max_pixels: int, seed: tf.Tensor) -> tf.Tensor:
    """Translate each image of a (batch, height, width) tensor by its own random offset.

    A shift is a product with two 0/1 matrices (rows, then columns), so the
    whole batch moves in two batched matrix products, with zero fill.
    """
    batch = tf.shape(images)[0]
    height, width = images.shape[1], images.shape[2]
    offsets = tf.random.stateless_uniform((batch, 2), seed, minval=-max_pixels, maxval=max_pixels + 1, dtype=tf.int32)
    # shift_rows[b, i, j] = 1 where i - j == dy[b]: output row i takes input row i - dy.
    rows = tf.range(height)
    columns = tf.range(width)
    shift_rows = tf.cast(
        rows[None, :, None] - rows[None, None, :] == offsets[:, 0, None, None], images.dtype
    )  # (batch, height, height)
    shift_columns = tf.cast(
        columns[None, None, :] - columns[None, :, None] == offsets[:, 1, None, None], images.dtype
    )  # (batch, width, width): column j takes input column j - dx
    return tf.matmul(tf.matmul(shift_rows, images), shift_columns)


def flip_batch(images: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
    """Mirror a random half (in expectation) of the images left to right."""
    batch = tf.shape(images)[0]
    flip = tf.random.stateless_uniform((batch,), seed) < 0.5
    return tf.where(flip[:, None, None], tf.reverse(images, axis=[2]), images)


def erase_batch(images: tf.Tensor, probability: float, max_fraction: float, seed: tf.Tensor) -> tf.Tensor:
    """Random erasing: blank one random rectangle in each image, with `probability`.

    Sides are drawn uniformly up to `max_fraction` of the image's side, the
    position uniformly where the rectangle fits; the rectangle becomes 0.
    """
    batch = tf.shape(images)[0]
    height, width = images.shape[1], images.shape[2]
    draws = tf.random.stateless_uniform((batch, 5), seed)
    erase = draws[:, 0] < probability
    box_height = tf.cast(tf.math.ceil(draws[:, 1] * max_fraction * height), tf.int32)
    box_width = tf.cast(tf.math.ceil(draws[:, 2] * max_fraction * width), tf.int32)
    top = tf.cast(draws[:, 3] * tf.cast(height - box_height + 1, tf.float32), tf.int32)
    left = tf.cast(draws[:, 4] * tf.cast(width - box_width + 1, tf.float32), tf.int32)
    rows = tf.range(height)[None, :, None]
    columns = tf.range(width)[None, None, :]
    inside = (
        (rows >= top[:, None, None])
        & (rows < (top + box_height)[:, None, None])
        & (columns >= left[:, None, None])
        & (columns < (left + box_width)[:, None, None])
        & erase[:, None, None]
    )
    return tf.where(inside, tf.zeros_like(images), images)


def augment_batch(images: tf.Tensor, augmentation: Augmentation, seed: tf.Tensor) -> tf.Tensor:
    """Apply every enabled transform to a (batch, height, width) float batch.

    `seed` is a shape-(2,) int tensor, unique to the batch (see `batch_seed`).
    """
    if augmentation.shift_pixels > 0:
        images = shift_batch(images, augmentation.shift_pixels, _seed_for(seed, 1))
    if augmentation.horizontal_flip:
        images = flip_batch(images, _seed_for(seed, 2))
    if augmentation.erase_probability > 0.0:
        images = erase_batch(
            images, augmentation.erase_probability, augmentation.erase_max_fraction, _seed_for(seed, 3)
        )
    return images


def batch_seed(seed: int, batch_value: tf.Tensor) -> tf.Tensor:
    """The stateless seed of one batch: the model's seed and a value drawn for that batch (or its index)."""
    return tf.stack([tf.constant(seed, tf.int64), tf.cast(batch_value, tf.int64)])
