"""Convolutional classifiers: their keys, description and builder.

A network is a stack of blocks. Each block is one or more same-padded
convolutions (each followed by batch normalization, if asked, and the
activation), an optional residual shortcut around the block, then pooling
(except after the last block) and dropout. A global pooling (or flatten) and a
dense head end in a 10-way softmax. The softmax always runs in float32, so a
bfloat16 network still gives well-calibrated probabilities.
"""

from typing import Annotated, ClassVar, Literal

from pydantic import Field, Strict, model_validator

from fashion.core.dataset import IMAGE_SIZE, NUMBER_OF_CLASSES
from fashion.core.params.base import Section, Units
from fashion.core.params.entries import ACTIVATION, PRECISION_AUTO, ModelEntry
from fashion.core.params.messages import RuleError


class ConvolutionalNetwork(Section):
    """Blocks of convolutions, pooled between blocks, and a dense head."""

    blocks: Annotated[tuple[Units, ...], Strict(False), Field(min_length=1)] = Field(
        description="filters of each convolution, block by block"
    )
    kernel_size: int = Field(3, ge=1, le=7, description="side of each convolution's kernel")
    batch_normalization: bool = Field(True, description="normalize after each convolution")
    residual: bool = Field(False, description="add a shortcut around each block")
    pooling: Literal["max", "average"] = Field("max", description="2x2 pooling between blocks")
    block_dropout: float = Field(0.0, ge=0.0, le=0.9, description="dropout after each block")
    global_pooling: Literal["average", "max", "flatten"] = Field(
        "average", description="how the last feature map becomes a vector"
    )
    dense_units: Annotated[tuple[Annotated[int, Field(ge=1)], ...], Strict(False)] = Field(
        (), description="units of each hidden Dense layer of the head"
    )
    head_dropout: float = Field(0.0, ge=0.0, le=0.9, description="dropout before each Dense layer of the head")
    activation: ACTIVATION = Field("relu", description="activation of every hidden layer")

    @property
    def description(self) -> str:
        """The network in a few words, for the README's tables."""
        parts = ["conv " + " · ".join("-".join(str(filters) for filters in block) for block in self.blocks)]
        parts += ["residual"] * self.residual + ["no batch norm"] * (not self.batch_normalization)
        parts.append(self.global_pooling)
        if self.dense_units:
            parts.append("dense " + "-".join(str(units) for units in self.dense_units))
        return ", ".join(parts)

    @model_validator(mode="after")
    def _pooling_pools(self) -> "ConvolutionalNetwork":
        if "pooling" in self.model_fields_set and len(self.blocks) == 1:
            raise RuleError("pooling", "left out when there is one block (pooling runs between blocks)", self.pooling)
        return self


class ConvolutionalEntry(ConvolutionalNetwork, ModelEntry):
    slow_to_train: ClassVar[bool] = True
    architecture: Literal["convolutional"] = Field(description="which builder makes the network")
    precision: Literal["auto", "float32", "mixed_bfloat16", "mixed_float16"] = Field(
        PRECISION_AUTO, description="auto: bfloat16 on CPUs with native bfloat16, float16 on NVIDIA GPUs, else float32"
    )

    def build(self, precision: str):
        """The network in the resolved `precision` (`fashion.training.precision`)."""
        return build_convolutional_model(self, IMAGE_SIZE, NUMBER_OF_CLASSES, precision, self.name)


def build_convolutional_model(
    architecture: ConvolutionalNetwork,
    image_size: int,
    classes: int,
    precision: str = "float32",
    name: str = "convolutional",
):
    """The Keras network `architecture` describes, taking (image_size, image_size) images in [0, 1]."""
    from fashion.core.tensorflow_setup import keras

    dtype = precision
    inputs = keras.Input(shape=(image_size, image_size), name="image")
    features = keras.layers.Reshape((image_size, image_size, 1), name="channel", dtype=dtype)(inputs)
    last_block = len(architecture.blocks)
    for block_number, block_filters in enumerate(architecture.blocks, start=1):
        block_input = features
        for convolution_number, filters in enumerate(block_filters, start=1):
            prefix = f"block_{block_number}_conv_{convolution_number}"
            features = keras.layers.Conv2D(
                filters,
                architecture.kernel_size,
                padding="same",
                use_bias=not architecture.batch_normalization,
                name=prefix,
                dtype=dtype,
            )(features)
            if architecture.batch_normalization:
                features = keras.layers.BatchNormalization(name=f"{prefix}_norm", dtype=dtype)(features)
            is_last_convolution = convolution_number == len(block_filters)
            if architecture.residual and is_last_convolution:
                features = _add_shortcut(block_input, features, block_filters[-1], architecture, block_number, dtype)
            features = keras.layers.Activation(architecture.activation, name=f"{prefix}_act", dtype=dtype)(features)
        if block_number < last_block:
            pooling = keras.layers.MaxPooling2D if architecture.pooling == "max" else keras.layers.AveragePooling2D
            features = pooling(pool_size=2, name=f"block_{block_number}_pool", dtype=dtype)(features)
        if architecture.block_dropout > 0:
            features = keras.layers.Dropout(architecture.block_dropout, name=f"block_{block_number}_dropout")(features)
    if architecture.global_pooling == "average":
        features = keras.layers.GlobalAveragePooling2D(name="global_pool", dtype=dtype)(features)
    elif architecture.global_pooling == "max":
        features = keras.layers.GlobalMaxPooling2D(name="global_pool", dtype=dtype)(features)
    else:
        features = keras.layers.Flatten(name="flatten", dtype=dtype)(features)
    for index, units in enumerate(architecture.dense_units, start=1):
        if architecture.head_dropout > 0:
            features = keras.layers.Dropout(architecture.head_dropout, name=f"head_dropout_{index}")(features)
        features = keras.layers.Dense(units, activation=architecture.activation, name=f"head_{index}", dtype=dtype)(
            features
        )
    if architecture.head_dropout > 0:
        features = keras.layers.Dropout(architecture.head_dropout, name="output_dropout")(features)
    outputs = keras.layers.Dense(classes, name="logits", dtype=dtype)(features)
    outputs = keras.layers.Activation("softmax", name="probabilities", dtype="float32")(outputs)
    return keras.Model(inputs, outputs, name=name)


def _add_shortcut(block_input, features, filters, architecture, block_number, dtype):
    """features + block_input, projected by a 1x1 convolution when the channel counts differ."""
    from fashion.core.tensorflow_setup import keras

    shortcut = block_input
    if block_input.shape[-1] != filters:
        shortcut = keras.layers.Conv2D(
            filters, 1, use_bias=not architecture.batch_normalization, name=f"block_{block_number}_projection",
            dtype=dtype,
        )(block_input)  # fmt: skip
        if architecture.batch_normalization:
            shortcut = keras.layers.BatchNormalization(name=f"block_{block_number}_projection_norm", dtype=dtype)(
                shortcut
            )
    return keras.layers.Add(name=f"block_{block_number}_residual", dtype=dtype)([shortcut, features])
