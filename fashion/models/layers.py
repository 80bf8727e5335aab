"""The pipeline's own Keras layers, registered so that saved models load in safe mode.

Kept apart from the code that uses them: loading any saved model needs this
module, and nothing heavier (see `fashion.models.load_trained_model`).
"""

from fashion.core.tensorflow_setup import keras
from fashion.data.augment import shift


@keras.saving.register_keras_serializable(package="fashion")
class HorizontalFlip(keras.layers.Layer):
    """Mirror (batch, height, width) images left to right; no weights, same in training and inference."""

    def call(self, images):
        return keras.ops.flip(images, axis=2)


@keras.saving.register_keras_serializable(package="fashion")
class Shift(keras.layers.Layer):
    """Move (batch, height, width) images by `rows` down and `columns` right, filling with zeros.

    The training shift of `fashion.data.augment`, by fixed offsets (a negative
    number moves up or left); no weights, same in training and inference.
    """

    def __init__(self, rows: int, columns: int, **kwargs):
        super().__init__(**kwargs)
        self.rows, self.columns = rows, columns

    def call(self, images):
        offsets = keras.ops.convert_to_tensor([[self.rows, self.columns]], dtype="int32")
        return shift(images, keras.ops.broadcast_to(offsets, (keras.ops.shape(images)[0], 2)))

    def get_config(self):
        return {**super().get_config(), "rows": self.rows, "columns": self.columns}
