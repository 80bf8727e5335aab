"""Transfer learning: a Keras Applications backbone fine-tuned on Fashion-MNIST.

The 28x28 grey images are resized to `input_size` (bilinear) and repeated to
three channels, then scaled to 0-255, the range the Applications networks'
own preprocessing layers expect. The backbone (without its ImageNet
classifier, average-pooled) starts from random weights, or from the file that
the `pretrained@<name>` stage fetched and verified (`pretrained: <name>`), and
trains with everything else. A dropout and a 10-way softmax, in float32, end it.
"""

from typing import ClassVar, Literal

from pydantic import Field

from fashion.core import paths
from fashion.core.bounded import regular_file_size
from fashion.core.dataset import IMAGE_SIZE, NUMBER_OF_CLASSES
from fashion.core.params.entries import PRECISION_AUTO, ModelEntry

# Keras Applications' constructor for each backbone.
BACKBONES = {
    "mobilenet_v3_small": "MobileNetV3Small",
    "mobilenet_v3_large": "MobileNetV3Large",
    "efficientnet_b0": "EfficientNetB0",
}
# The largest weights file a backbone is loaded from (the ImageNet files above are 4 to 17 MB).
WEIGHTS_FILE_BYTES = 256 << 20


class TransferEntry(ModelEntry):
    slow_to_train: ClassVar[bool] = True
    architecture: Literal["transfer"] = Field(description="which builder makes the network")
    backbone: Literal[tuple(BACKBONES)] = Field(description="the Keras Applications network, without its classifier")
    input_size: int = Field(96, ge=32, le=224, description="side the 28x28 images are resized to, as three "
                            "identical channels")  # fmt: skip
    pretrained: str | None = Field(None, description="the entry of pretrained_weights: whose file the backbone "
                                   "starts from; left out: random initial weights")  # fmt: skip
    head_dropout: float = Field(0.2, ge=0.0, le=0.9, description="dropout before the softmax")
    precision: Literal["auto", "float32", "mixed_bfloat16", "mixed_float16"] = Field(
        PRECISION_AUTO, description="auto: bfloat16 on CPUs with native bfloat16, float16 on NVIDIA GPUs, else float32"
    )

    @property
    def description(self) -> str:
        """The network in a few words, for the README's tables."""
        start = f"from {self.pretrained}" if self.pretrained else "random initial weights"
        return f"{self.backbone} at {self.input_size}x{self.input_size}, {start}"

    @property
    def weights_file_entry(self) -> str | None:
        """Its `pretrained` key: the backbone starts from that entry's file."""
        return self.pretrained

    def build(self, precision: str):
        """The backbone and its head in the resolved `precision`, the backbone's weights loaded if `pretrained`."""
        from fashion.core.tensorflow_setup import keras

        size = self.input_size
        inputs = keras.Input(shape=(IMAGE_SIZE, IMAGE_SIZE), name="image")
        features = keras.layers.Reshape((IMAGE_SIZE, IMAGE_SIZE, 1), name="channel", dtype=precision)(inputs)
        features = keras.layers.Resizing(size, size, name="resize", dtype=precision)(features)
        features = keras.layers.Concatenate(name="three_channels", dtype=precision)([features] * 3)
        features = keras.layers.Rescaling(255.0, name="to_0_255", dtype=precision)(features)
        previous = keras.config.dtype_policy()
        keras.config.set_dtype_policy(precision)  # the Applications constructors build in the global policy
        try:
            constructor = getattr(keras.applications, BACKBONES[self.backbone])
            backbone = constructor(input_shape=(size, size, 3), include_top=False, weights=None, pooling="avg")
        finally:
            keras.config.set_dtype_policy(previous)
        if self.pretrained:
            weights = paths.pretrained_file(self.pretrained)
            regular_file_size(weights, WEIGHTS_FILE_BYTES, "weights file",
                              f"Run `dvc repro --force pretrained@{self.pretrained}`.",
                              missing=f"Run `dvc repro pretrained@{self.pretrained}` first.")  # fmt: skip
            backbone.load_weights(str(weights))
        features = backbone(features)
        features = keras.layers.Dropout(self.head_dropout, name="head_dropout")(features)
        logits = keras.layers.Dense(NUMBER_OF_CLASSES, name="logits", dtype=precision)(features)
        outputs = keras.layers.Activation("softmax", name="probabilities", dtype="float32")(logits)
        return keras.Model(inputs, outputs, name=self.name)
