"""Ensembles: one Keras model that averages the class probabilities of its members.

The ensemble is an ordinary model (same (28, 28) input, same 10 probabilities),
so the evaluate stage scores it like any other and `predict.py` can serve it.
With flip test-time augmentation each member also sees the image mirrored left
to right, and the 2 x members probability vectors are averaged with equal weight.
"""

from fashion.core.tensorflow_setup import keras
from fashion.models.layers import HorizontalFlip


def build_ensemble(members: list[keras.Model], flip_test_time_augmentation: bool, name: str) -> keras.Model:
    """The model whose output is the mean of every member's probabilities.

    Members are used as they are (their weights are shared, not copied) and
    must take the same input shape.
    """
    inputs = keras.Input(shape=tuple(members[0].inputs[0].shape[1:]), name="image")
    views = [inputs]
    if flip_test_time_augmentation:
        views.append(HorizontalFlip(name="flipped")(inputs))
    probabilities = [member(view) for member in members for view in views]
    outputs = keras.layers.Average(name="probabilities", dtype="float32")(probabilities)
    return keras.Model(inputs, outputs, name=name)
