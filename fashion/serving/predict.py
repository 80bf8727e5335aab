"""Classify user images with a trained model: PNG or JPEG pictures, or IDX files.

Each file is handled on its own: one that cannot be read gets an error line
(or an `error` entry in JSON) while the others are still classified.
"""

import gzip
from pathlib import Path

import numpy as np

from fashion.core.dataset import CLASS_NAMES, scale_pixels
from fashion.core.errors import PipelineError
from fashion.data.idx import parse_idx
from fashion.data.images import load_picture

GZIP_MAGIC = b"\x1f\x8b"


def load_inputs(path: Path) -> list[tuple[str, np.ndarray]]:
    """(name, 28x28 float32 image) pairs from one file: one per picture, N per IDX file."""
    path = Path(path)
    if path.suffix.lower() in (".png", ".jpg", ".jpeg"):
        return [(str(path), load_picture(path))]
    try:
        content = path.read_bytes()
    except OSError as error:
        raise PipelineError(f"{path}: cannot be read ({error.strerror})") from error
    if content.startswith(GZIP_MAGIC):
        try:
            content = gzip.decompress(content)
        except (OSError, EOFError) as error:
            raise PipelineError(f"{path}: not a complete gzip file ({error})") from error
    if content[:4] != b"\x00\x00\x08\x03":
        raise PipelineError(f"{path}: not a PNG, JPEG or IDX image file (IDX images start with 00000803)")
    images = parse_idx(content, dimensions=3, path=path)
    if images.shape[1:] != (28, 28):
        raise PipelineError(f"{path}: IDX images are {images.shape[1:]}, expected 28x28")
    scaled = scale_pixels(images)
    return [(f"{path}[{index}]", image) for index, image in enumerate(scaled)]


def top_classes(probabilities: np.ndarray, top_k: int) -> list[dict]:
    """The `top_k` most probable classes, most probable first."""
    order = np.argsort(probabilities)[::-1][:top_k]
    return [{"class": CLASS_NAMES[index], "probability": float(probabilities[index])} for index in order]


def classify(model, files: list[Path], top_k: int) -> list[dict]:
    """One result per image: {"input", "predictions"} or {"input", "error"}."""
    results, names, images = [], [], []
    for path in files:
        try:
            for name, image in load_inputs(path):
                names.append(name)
                images.append(image)
        except PipelineError as error:
            results.append({"input": str(path), "error": str(error)})
    if images:
        probabilities = model.predict(np.stack(images), batch_size=1024, verbose=0)
        results += [
            {"input": name, "predictions": top_classes(row, top_k)}
            for name, row in zip(names, probabilities, strict=True)
        ]
    order = {str(path): index for index, path in enumerate(files)}
    return sorted(results, key=lambda result: order.get(result["input"].split("[")[0], len(order)))


def format_result(result: dict) -> str:
    """One line: `input: Class 0.92, Class 0.05` or `input: error: ...`."""
    if "error" in result:
        return f"{result['input']}: error: {result['error']}"
    guesses = ", ".join(f"{guess['class']} {guess['probability']:.2f}" for guess in result["predictions"])
    return f"{result['input']}: {guesses}"
