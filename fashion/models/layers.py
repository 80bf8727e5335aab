"""The pipeline's own Keras layers, registered so that saved models load in safe mode.

Kept apart from the code that uses them: loading any saved model needs this
module, and nothing heavier (see `fashion.models.load_trained_model`).
"""

from fashion.core.tensorflow_setup import keras


@keras.saving.register_keras_serializable(package="fashion")
class HorizontalFlip(keras.layers.Layer):
    """Mirror (batch, height, width) images left to right; no weights, same in training and inference."""

    def call(self, images):
        return keras.ops.flip(images, axis=2)
