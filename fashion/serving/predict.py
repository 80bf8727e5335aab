"""Classify user images with a trained model: PNG or JPEG pictures, or IDX files.

Each file is handled on its own: one that cannot be read gets an error line
(or an `error` entry in JSON) while the others are still classified.
"""

import gzip
import re
import zlib
from pathlib import Path

import numpy as np

from fashion.core import paths
from fashion.core.bounded import read_handoff_json, regular_file_size
from fashion.core.dataset import CLASS_NAMES, IMAGE_SIZE, scale_pixels
from fashion.core.errors import PipelineError, shorten
from fashion.data.idx import GZIP_MAGIC, IDX_BYTES, read_idx_stream
from fashion.data.images import PICTURE_SUFFIXES, load_picture


def exported_model_file() -> Path:
    """The trained .keras file of the model the export stage exported (metrics/export.json names it)."""
    fix = "Run `dvc repro export` in the repository, or pass --model."
    if not paths.EXPORT_METRICS_FILE.is_file():
        raise PipelineError(f"No exported model here ({paths.EXPORT_METRICS_FILE} is missing). {fix}")
    name = read_handoff_json(paths.EXPORT_METRICS_FILE, fix).get("model")
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name):
        raise PipelineError(f"{paths.EXPORT_METRICS_FILE} names no model ({shorten(name)}). {fix}")
    student = paths.student_file(name)
    return student if student.is_file() else paths.model_file(name)


def load_inputs(path: Path) -> list[tuple[str, np.ndarray]]:
    """(name, 28x28 float32 image) pairs from one file: one per picture, N per IDX file (gzip or not).

    An IDX file is streamed: its header is checked before the rest is read or
    decompressed, so a gzip bomb or `/dev/zero` is refused after a few bytes.
    """
    path = Path(path)
    if path.suffix.lower() in PICTURE_SUFFIXES:
        return [(str(path), load_picture(path))]
    regular_file_size(path, IDX_BYTES, "PNG, JPEG or IDX file", "Give a smaller file.")
    try:
        with path.open("rb") as raw:
            compressed = raw.read(2) == GZIP_MAGIC
            raw.seek(0)
            stream = gzip.GzipFile(fileobj=raw) if compressed else raw
            magic = stream.read(4)
            if magic[:3] != b"\x00\x00\x08":
                raise PipelineError(f"{path}: not a PNG, JPEG or IDX image file (IDX images start with 00000803)")
            stream.seek(0)
            images = read_idx_stream(stream, dimensions=3, path=path)
    except OSError as error:
        raise PipelineError(f"{path}: cannot be read ({error.strerror or error})") from error
    except (EOFError, zlib.error) as error:
        raise PipelineError(f"{path}: not a complete gzip file ({error})") from error
    if images.shape[1:] != (IMAGE_SIZE, IMAGE_SIZE):
        raise PipelineError(f"{path}: IDX images are {images.shape[1:]}, expected {IMAGE_SIZE}x{IMAGE_SIZE}")
    if len(images) == 0:
        raise PipelineError(f"{path}: the IDX file holds no images")
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
