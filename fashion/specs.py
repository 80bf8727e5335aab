"""Plain descriptions of a convolutional network and of data augmentation.

They live apart from the modules that build them with TensorFlow, so that
`fashion.params` can validate params.yaml into them without importing it.
"""

from dataclasses import dataclass

POOLINGS = ("max", "average")
GLOBAL_POOLINGS = ("average", "max", "flatten")


@dataclass(frozen=True)
class ConvolutionalArchitecture:
    """The shape of a convolutional network (built by `fashion.convolutional`).

    `blocks` holds each block's filters per convolution, e.g. ((32,), (64, 64)):
    one 32-filter convolution, pooling, two 64-filter convolutions. Pooling
    follows every block but the last; dropout follows every block.
    """

    blocks: tuple[tuple[int, ...], ...]
    kernel_size: int = 3
    batch_normalization: bool = True
    residual: bool = False
    pooling: str = "max"
    block_dropout: float = 0.0
    global_pooling: str = "average"
    dense_units: tuple[int, ...] = ()
    head_dropout: float = 0.0
    activation: str = "relu"


@dataclass(frozen=True)
class Augmentation:
    """What to do to each training image (built by `fashion.augment`); all off by default.

    `shift_pixels`: move the image by up to this many pixels in each direction,
    filling with zeros (the same as padding and cropping back to 28 x 28).
    `horizontal_flip`: mirror half of the images left to right.
    `erase_probability`, `erase_max_fraction`: with this probability, blank a
    random rectangle of up to this fraction of each side (random erasing).
    """

    shift_pixels: int = 0
    horizontal_flip: bool = False
    erase_probability: float = 0.0
    erase_max_fraction: float = 0.5

    @property
    def enabled(self) -> bool:
        return self.shift_pixels > 0 or self.horizontal_flip or self.erase_probability > 0.0
