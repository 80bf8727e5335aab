"""Architectures by name: the one place that turns a `models:` entry into a network.

A builder takes the validated entry (its architecture's class in
`fashion.core.params.entries`, defaults filled in) and the resolved precision,
and returns an uncompiled Keras model named after the entry that takes
(28, 28) images in [0, 1] and ends in 10 softmax probabilities. Adding an
architecture is one builder registered here plus its entry class
(docs/extending.md, "Add an architecture").
"""

from collections.abc import Callable

from fashion.core.dataset import IMAGE_SIZE, NUMBER_OF_CLASSES
from fashion.core.params import ConvolutionalEntry, DenseEntry, ModelEntry
from fashion.core.tensorflow_setup import keras
from fashion.models.convolutional import build_convolutional_model
from fashion.models.dense import build_dense_model

Builder = Callable[[ModelEntry, str], keras.Model]
BUILDERS: dict[str, Builder] = {}


def register_architecture(name: str) -> Callable[[Builder], Builder]:
    """Decorate a builder `(entry, precision) -> keras.Model` to make `architecture: name` build it."""

    def register(builder: Builder) -> Builder:
        BUILDERS[name] = builder
        return builder

    return register


@register_architecture("dense")
def build_dense(entry: DenseEntry, precision: str) -> keras.Model:
    """The study's network; always float32 (dense entries have no precision key)."""
    return build_dense_model(
        entry.hidden_units, entry.activation, entry.input_scaling, IMAGE_SIZE, NUMBER_OF_CLASSES, entry.name
    )


@register_architecture("convolutional")
def build_convolutional(entry: ConvolutionalEntry, precision: str) -> keras.Model:
    return build_convolutional_model(entry, IMAGE_SIZE, NUMBER_OF_CLASSES, precision, entry.name)


def build_model(params: ModelEntry, precision: str) -> keras.Model:
    """The network `params` describes, in the resolved `precision` (`fashion.training.precision`)."""
    return BUILDERS[params.architecture](params, precision)
