"""`fashion.data.augment`'s training transforms written in `keras.ops`, for bench/gpu_tier.py on any backend.

The same transforms (shift with zero fill, horizontal flip, random erasing), drawn
from Keras's seed generator instead of TensorFlow's stateless ops: a run is
therefore not batch for batch the pipeline's.
"""


def make_augmentation_layer(keras, augmentation, seed: int):
    """`fashion.data.augment`'s transforms as a Keras layer that acts in training alone."""
    ops = keras.ops

    class TrainingAugmentation(keras.layers.Layer):
        """Shift (zero fill), mirror and erase each training image by its own draws; inference passes through."""

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.generator = keras.random.SeedGenerator(seed)

        def call(self, images, training=False):
            if not training:
                return images
            if augmentation.shift_pixels > 0:
                images = self.shift(images, augmentation.shift_pixels)
            if augmentation.horizontal_flip:
                flip = keras.random.uniform((ops.shape(images)[0],), seed=self.generator) < 0.5
                images = ops.where(flip[:, None, None], ops.flip(images, axis=2), images)
            if augmentation.erase_probability > 0.0:
                images = self.erase(images, augmentation.erase_probability, augmentation.erase_max_fraction)
            return images

        def shift(self, images, max_pixels):
            """Each image moved by its own offset in [-max_pixels, max_pixels]: two batched 0/1 matrix products."""
            batch, height, width = ops.shape(images)
            offsets = keras.random.randint((batch, 2), -max_pixels, max_pixels + 1, seed=self.generator)
            rows, columns = ops.arange(height), ops.arange(width)
            shift_rows = ops.cast(
                ops.equal(rows[None, :, None] - rows[None, None, :], offsets[:, 0, None, None]), images.dtype
            )
            shift_columns = ops.cast(
                ops.equal(columns[None, None, :] - columns[None, :, None], offsets[:, 1, None, None]), images.dtype
            )
            return ops.matmul(ops.matmul(shift_rows, images), shift_columns)

        def erase(self, images, probability, max_fraction):
            """One rectangle per image set to 0, with `probability`; sides up to `max_fraction` of the image's."""
            batch, height, width = ops.shape(images)
            draws = keras.random.uniform((batch, 5), seed=self.generator)
            box_height = ops.cast(ops.ceil(draws[:, 1] * max_fraction * height), "int32")
            box_width = ops.cast(ops.ceil(draws[:, 2] * max_fraction * width), "int32")
            top = ops.cast(draws[:, 3] * ops.cast(height - box_height + 1, "float32"), "int32")
            left = ops.cast(draws[:, 4] * ops.cast(width - box_width + 1, "float32"), "int32")
            rows = ops.arange(height)[None, :, None]
            columns = ops.arange(width)[None, None, :]
            inside = (
                (rows >= top[:, None, None])
                & (rows < (top + box_height)[:, None, None])
                & (columns >= left[:, None, None])
                & (columns < (left + box_width)[:, None, None])
                & (draws[:, 0] < probability)[:, None, None]
            )
            return ops.where(inside, ops.zeros_like(images), images)

    return TrainingAugmentation(name="training_augmentation")
