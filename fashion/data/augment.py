"""Training augmentation written once, in backend-neutral `keras.ops`: shift, mirror, erase.

The transforms work on whole (batch, height, width) batches and take their
random numbers from a `Draw` function, so each user draws its own way with the
same code: the tf.data pipeline with TensorFlow's stateless ops seeded by the
model's seed and the batch (`fashion.data.input_pipeline`: the same batches on
every run, whatever the thread count); `TrainingAugmentation`, a layer for
scripts that train with `Model.fit` on NumPy arrays, with a Keras seed
generator on any backend; and the test-time views, which move every image by
fixed offsets (`fashion.models.layers.Shift`). Labels are never touched:
shifts, horizontal flips and erasing keep the class.
"""

from collections.abc import Callable

from fashion.core.params import Augmentation
from fashion.core.tensorflow_setup import keras

ops = keras.ops

# Draw(transform, shape, low, high, dtype): uniform numbers in [low, high) for one transform
# (1: shift, 2: flip, 3: erase), integers when dtype is int32; independent between transforms.
Draw = Callable[[int, tuple, float, float, str], object]


def shift(images, offsets):
    """Move each image down by offsets[:, 0] and right by offsets[:, 1] pixels (int32), filling with zeros.

    A shift is a product with two 0/1 matrices (rows, then columns), so the
    whole batch moves in two batched matrix products, exactly.
    """
    height, width = images.shape[1], images.shape[2]
    rows, columns = ops.arange(height, dtype="int32"), ops.arange(width, dtype="int32")
    # shift_rows[b, i, j] = 1 where i - j == dy[b]: output row i takes input row i - dy.
    shift_rows = ops.cast(ops.equal(rows[None, :, None] - rows[None, None, :], offsets[:, 0, None, None]), images.dtype)
    # shift_columns[b, i, j] = 1 where j - i == dx[b]: output column j takes input column j - dx.
    shift_columns = ops.cast(
        ops.equal(columns[None, None, :] - columns[None, :, None], offsets[:, 1, None, None]), images.dtype
    )
    return ops.matmul(ops.matmul(shift_rows, images), shift_columns)


def erase(images, draws, probability: float, max_fraction: float):
    """Random erasing: blank one rectangle in each image whose draws[:, 0] is below `probability`.

    `draws` is (batch, 5) uniform in [0, 1): the chance, then the sides (up to
    `max_fraction` of the image's side) and the position where the rectangle fits.
    """
    height, width = images.shape[1], images.shape[2]
    box_height = ops.cast(ops.ceil(draws[:, 1] * max_fraction * height), "int32")
    box_width = ops.cast(ops.ceil(draws[:, 2] * max_fraction * width), "int32")
    top = ops.cast(draws[:, 3] * ops.cast(height - box_height + 1, "float32"), "int32")
    left = ops.cast(draws[:, 4] * ops.cast(width - box_width + 1, "float32"), "int32")
    rows = ops.arange(height, dtype="int32")[None, :, None]
    columns = ops.arange(width, dtype="int32")[None, None, :]
    inside = (
        (rows >= top[:, None, None])
        & (rows < (top + box_height)[:, None, None])
        & (columns >= left[:, None, None])
        & (columns < (left + box_width)[:, None, None])
        & (draws[:, 0] < probability)[:, None, None]
    )
    return ops.where(inside, ops.zeros_like(images), images)


def augment(images, augmentation: Augmentation, draw: Draw):
    """Apply every enabled transform of `augmentation` to a (batch, height, width) float batch."""
    batch = ops.shape(images)[0]
    if augmentation.shift_pixels > 0:
        pixels = augmentation.shift_pixels
        images = shift(images, draw(1, (batch, 2), -pixels, pixels + 1, "int32"))
    if augmentation.horizontal_flip:
        mirrored = draw(2, (batch,), 0.0, 1.0, "float32") < 0.5
        images = ops.where(mirrored[:, None, None], ops.flip(images, axis=2), images)
    if augmentation.erase_probability > 0.0:
        draws = draw(3, (batch, 5), 0.0, 1.0, "float32")
        images = erase(images, draws, augmentation.erase_probability, augmentation.erase_max_fraction)
    return images


class TrainingAugmentation(keras.layers.Layer):
    """`augment` as a layer that acts in training alone, drawing from a Keras seed generator (any backend).

    For training with `Model.fit` on NumPy arrays (research/gpu_tier.py); a run is
    then not batch for batch the tf.data pipeline's, whose draws are stateless.
    """

    def __init__(self, augmentation: Augmentation, seed: int, **kwargs):
        super().__init__(**kwargs)
        self.augmentation = augmentation
        self.generator = keras.random.SeedGenerator(seed)

    def draw(self, transform: int, shape: tuple, low: float, high: float, dtype: str):
        sample = keras.random.randint if dtype == "int32" else keras.random.uniform
        return sample(shape, low, high, dtype=dtype, seed=self.generator)

    def call(self, images, training=False):
        return augment(images, self.augmentation, self.draw) if training else images
