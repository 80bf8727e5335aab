"""Turn a user's picture into a 28x28 image that looks like Fashion-MNIST.

Fashion-MNIST shows one garment, light on a dark background, centred in a
28x28 grayscale square. A product photo is usually the opposite: a dark
garment on a white background. So we:

1. flatten transparency onto white and convert to grayscale (ITU-R 601 luma),
   scaling a 16-bit channel to 8 bits rather than clipping it;
2. invert when the border is brighter than the middle (a light background),
   so the background becomes dark and the garment light;
3. pad the shorter side with the background colour to make a square, keeping
   the aspect ratio, and resize to 28x28 with a Lanczos filter;
4. scale to float32 in [0, 1], as the training data was.
"""

from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from fashion.core.bounded import regular_file_size
from fashion.core.dataset import IMAGE_SIZE, scale_pixels
from fashion.core.errors import PipelineError, shorten

PICTURE_SUFFIXES = (".png", ".jpg", ".jpeg")
# The formats the README names; Pillow is asked to recognise these alone, whatever a file's name says.
PICTURE_FORMATS = ("PNG", "JPEG")
# The largest picture decoded: 50 megapixels (a phone photo is about 12); its size is read from the header first.
MAXIMUM_PIXELS = 50_000_000
# A header may claim any size: Pillow allocates it before decoding. Deflate packs at most about 1,032 bytes
# into one (a 1-bit PNG holds 8 pixels a byte, so at most about 8,300 pixels per byte of file) and JPEG
# less, so a file claiming more pixels than this per byte is corrupt or crafted: refused before decoding.
MAXIMUM_PIXELS_PER_FILE_BYTE = 20_000
PICTURE_BYTES = 256 << 20
# Pillow's modes for one 16-bit (or wider integer) channel: scaled to 8 bits, not clipped.
WIDE_GRAYSCALE_MODES = ("I;16", "I;16B", "I;16L", "I;16N", "I")


def load_picture(path: Path) -> np.ndarray:
    """A PNG or JPEG (any mode, up to `MAXIMUM_PIXELS`) as a 28x28 float32 array in [0, 1]."""
    path = Path(path)
    if not path.exists():
        raise PipelineError(f"{path}: no such file")
    file_bytes = regular_file_size(path, PICTURE_BYTES, "picture", "Give a smaller picture.")
    try:
        with Image.open(path, formats=PICTURE_FORMATS) as picture:
            width, height = picture.size
            if width * height > MAXIMUM_PIXELS:
                raise PipelineError(
                    f"{path}: the picture is {width}x{height} pixels, over the {MAXIMUM_PIXELS:,} accepted; "
                    "shrink it first"
                )
            if width * height > MAXIMUM_PIXELS_PER_FILE_BYTE * file_bytes:
                raise PipelineError(
                    f"{path}: its header claims {width}x{height} pixels in {file_bytes:,} bytes, more than a "
                    "real picture holds; the file is corrupt"
                )
            picture.load()
            grayscale = _to_grayscale(picture)
    except PipelineError:
        raise
    except Exception as error:  # Pillow parses a file from anywhere: any failure is a bad picture
        raise PipelineError(
            f"{path}: not a readable PNG or JPEG image ({type(error).__name__}: {shorten(str(error))})"
        ) from error
    return to_fashion_mnist(grayscale)


def _to_grayscale(picture: Image.Image) -> np.ndarray:
    """A 2-D uint8 array: transparency flattened onto white, 16-bit channels scaled rather than clipped."""
    if picture.mode in WIDE_GRAYSCALE_MODES:
        wide = np.asarray(picture, dtype=np.float64)
        return np.round(np.clip(wide, 0, 65535) / 257).astype(np.uint8)
    if picture.mode in ("RGBA", "LA") or (picture.mode == "P" and "transparency" in picture.info):
        rgba = picture.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        picture = Image.alpha_composite(white, rgba)
    return np.asarray(picture.convert("L"), dtype=np.uint8)


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
