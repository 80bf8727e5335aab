"""The study's dense classifiers: flatten, a few small Dense layers, softmax."""

from typing import Literal

from pydantic import Field

from fashion.core.dataset import IMAGE_SIZE, NUMBER_OF_CLASSES
from fashion.core.params.base import Section, Units
from fashion.core.params.entries import ACTIVATION, ModelEntry

# Raw pixels are restored inside the model, so every saved model takes the same
# [0, 1] input and the evaluate stage treats all models alike.
INPUT_SCALE = {"unit": 1.0, "raw": 255.0}


class DenseNetwork(Section):
    """The study's network: Dense layers of `hidden_units`."""

    hidden_units: Units = Field(description="units of each hidden Dense layer")
    input_scaling: Literal["unit", "raw"] = Field(description="unit: pixels in [0, 1]; raw: the original 0-255")
    activation: ACTIVATION = Field("relu", description="activation of every hidden layer")

    @property
    def description(self) -> str:
        """The network in a few words, for the README's tables."""
        raw = ", raw pixels" if self.input_scaling == "raw" else ""
        return "dense " + "-".join(str(units) for units in self.hidden_units) + raw


class DenseEntry(DenseNetwork, ModelEntry):
    architecture: Literal["dense"] = Field("dense", description="which builder makes the network")

    def build(self, precision: str):
        """The study's network; always float32 (dense entries have no precision key)."""
        return build_dense_model(
            self.hidden_units, self.activation, self.input_scaling, IMAGE_SIZE, NUMBER_OF_CLASSES, self.name
        )


def build_dense_model(
    hidden_units: tuple[int, ...],
    activation: str,
    input_scaling: str,
    image_size: int,
    classes: int,
    name: str = "dense",
):
    """Flatten -> Dense(units, activation) for each hidden layer -> Dense(classes, softmax), a Keras model.

    `input_scaling="raw"` multiplies the [0, 1] input by 255 first, which
    reproduces the study's network trained on unnormalized 0-255 pixels.
    """
    from fashion.core.tensorflow_setup import keras

    inputs = keras.Input(shape=(image_size, image_size), name="image")
    features = keras.layers.Flatten(name="flatten")(inputs)
    scale = INPUT_SCALE[input_scaling]
    if scale != 1.0:
        features = keras.layers.Rescaling(scale, name="raw_pixels")(features)
    for index, units in enumerate(hidden_units, start=1):
        features = keras.layers.Dense(units, activation=activation, name=f"hidden_{index}")(features)
    outputs = keras.layers.Dense(classes, activation="softmax", name="probabilities")(features)
    return keras.Model(inputs, outputs, name=name)
