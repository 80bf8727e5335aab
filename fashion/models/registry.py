"""Architectures by name: the one place that turns a `models:` entry into a network.

A builder takes the entry's network settings (the keys `fashion.core.params`
declares for its architecture, validated, defaults filled in), the resolved
precision and the model's name, and returns an uncompiled Keras model that
takes (28, 28) images in [0, 1] and ends in 10 softmax probabilities. Adding
an architecture is one builder registered here plus its keys in the schema
(README, "Add an architecture").
"""

from collections.abc import Callable

from fashion.core.dataset import IMAGE_SIZE, NUMBER_OF_CLASSES
from fashion.core.params import ModelParams
from fashion.core.tensorflow_setup import keras
from fashion.models.convolutional import ConvolutionalArchitecture, build_convolutional_model
from fashion.models.dense import build_dense_model

Builder = Callable[[dict, str, str], keras.Model]
BUILDERS: dict[str, Builder] = {}


def register_architecture(name: str) -> Callable[[Builder], Builder]:
    """Decorate a builder `(network settings, precision, name) -> keras.Model` to make `architecture: name` build it."""

    def register(builder: Builder) -> Builder:
        BUILDERS[name] = builder
        return builder

    return register


@register_architecture("dense")
def build_dense(network: dict, precision: str, name: str) -> keras.Model:
    """The study's network; always float32 (the params schema gives dense entries no precision)."""
    return build_dense_model(
        network["hidden_units"], network["activation"], network["input_scaling"], IMAGE_SIZE, NUMBER_OF_CLASSES, name
    )


@register_architecture("convolutional")
def build_convolutional(network: dict, precision: str, name: str) -> keras.Model:
    return build_convolutional_model(
        ConvolutionalArchitecture(**network), IMAGE_SIZE, NUMBER_OF_CLASSES, precision, name
    )


def build_model(params: ModelParams, precision: str) -> keras.Model:
    """The network `params` describes, in the resolved `precision` (`fashion.training.precision`)."""
    return BUILDERS[params.architecture](dict(params.network), precision, params.name)
