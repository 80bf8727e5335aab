"""Turn a user's picture into a 28x28 image that looks like Fashion-MNIST.

Fashion-MNIST shows one garment, light on a dark background, centred in a
28x28 grayscale square. A product photo is usually the opposite: a dark
garment on a white background. So we:

1. flatten transparency onto white and convert to grayscale (ITU-R 601 luma);
2. invert when the border is brighter than the middle (a light background),
   so the background becomes dark and the garment light;
3. pad the shorter side with the background colour to make a square, keeping
   the aspect ratio, and resize to 28x28 with a Lanczos filter;
4. scale to float32 in [0, 1], as the training data was.
"""

from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from fashion.core.dataset import IMAGE_SIZE, scale_pixels
from fashion.core.errors import PipelineError


def load_picture(path: Path) -> np.ndarray:
    """A PNG or JPEG (any size or mode) as a 28x28 float32 array in [0, 1]."""
    try:
        with Image.open(path) as picture:
            picture.load()
            grayscale = _flatten_to_grayscale(picture)
    except FileNotFoundError as error:
        raise PipelineError(f"{path}: no such file") from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise PipelineError(f"{path}: not a readable PNG or JPEG image ({error})") from error
    return to_fashion_mnist(np.asarray(grayscale, dtype=np.uint8))


def _flatten_to_grayscale(picture: Image.Image) -> Image.Image:
    if picture.mode in ("RGBA", "LA") or (picture.mode == "P" and "transparency" in picture.info):
        rgba = picture.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        picture = Image.alpha_composite(white, rgba)
    return picture.convert("L")


def to_fashion_mnist(grayscale: np.ndarray) -> np.ndarray:
    """Steps 2-4 above on a 2-D uint8 array."""
    if grayscale.ndim != 2 or min(grayscale.shape) == 0:
        raise PipelineError(f"expected a 2-D grayscale image, got shape {grayscale.shape}")
    if _border_mean(grayscale) > grayscale.mean():
        grayscale = 255 - grayscale
    background = round(_border_mean(grayscale))
    picture = ImageOps.pad(
        Image.fromarray(grayscale, mode="L"),
        (IMAGE_SIZE, IMAGE_SIZE),
        method=Image.Resampling.LANCZOS,
        color=background,
    )
    return scale_pixels(np.asarray(picture))


def _border_mean(grayscale: np.ndarray) -> float:
    """Mean of the outermost rows and columns: the background, in product photos."""
    border = np.concatenate([grayscale[0], grayscale[-1], grayscale[:, 0], grayscale[:, -1]])
    return float(border.mean())
