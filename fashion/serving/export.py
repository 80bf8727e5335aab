"""Export a trained Keras model for serving: a SavedModel and a TFLite flat buffer."""

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from fashion.core.atomic import check_inside_repository
from fashion.core.dataset import INFERENCE_BATCH_SIZE
from fashion.core.errors import PipelineError
from fashion.core.tensorflow_setup import keras, tf


def float32_copy(model: keras.Model) -> keras.Model:
    """The same network and weights computing in float32 throughout.

    TFLite has no bfloat16 kernels, so a model trained in mixed bfloat16 is
    exported as its float32 twin (the weights were float32 all along).
    """

    def clone(layer):
        config = layer.get_config()
        config["dtype"] = "float32"
        return layer.__class__.from_config(config)

    copy = keras.models.clone_model(model, clone_function=clone)
    copy.set_weights(model.get_weights())
    return copy


def computes_in_float32(model: keras.Model) -> bool:
    return all(layer.dtype_policy.compute_dtype == "float32" for layer in model.layers)


def export_saved_model(model: keras.Model, directory: Path) -> None:
    """Write a TensorFlow SavedModel (for TF Serving) with a `serve` signature.

    It is written beside `directory` and renamed into place once complete.
    """
    directory = Path(directory)
    check_inside_repository(directory)
    temporary = directory.with_name(f".{directory.name}.tmp")
    shutil.rmtree(temporary, ignore_errors=True)
    try:
        model.export(str(temporary), format="tf_saved_model", verbose=False)
        shutil.rmtree(directory, ignore_errors=True)
        os.replace(temporary, directory)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)


def convert_to_tflite(saved_model_directory: Path) -> bytes:
    """Convert a SavedModel to a TFLite flat buffer (float32, no quantization)."""
    try:
        converter = tf.lite.TFLiteConverter.from_saved_model(str(saved_model_directory))
        return converter.convert()
    except Exception as error:  # The converter raises many types; the message says which.
        raise PipelineError(f"TFLite conversion of {saved_model_directory} failed: {error}") from error


def saved_model_predict(directory: Path, images: np.ndarray, batch_size: int = INFERENCE_BATCH_SIZE) -> np.ndarray:
    """Class probabilities from a SavedModel, through its `serve` endpoint.

    Batched: one call on all 6,000 validation images would hold every layer's
    activations at once (about 1 GiB for a convolutional net).
    """
    loaded = tf.saved_model.load(str(directory))
    batches = [
        np.asarray(loaded.serve(tf.constant(images[start : start + batch_size], dtype=tf.float32)))
        for start in range(0, len(images), batch_size)
    ]
    return np.concatenate(batches)


def tflite_predict(flat_buffer: bytes, images: np.ndarray) -> np.ndarray:
    """Class probabilities from a TFLite model, one image at a time (its batch size is 1)."""
    interpreter = tf.lite.Interpreter(model_content=flat_buffer)
    input_detail = interpreter.get_input_details()[0]
    output_detail = interpreter.get_output_details()[0]
    interpreter.resize_tensor_input(input_detail["index"], [1, *images.shape[1:]])
    interpreter.allocate_tensors()
    probabilities = []
    for image in images.astype(np.float32):
        interpreter.set_tensor(input_detail["index"], image[np.newaxis])
        interpreter.invoke()
        probabilities.append(interpreter.get_tensor(output_detail["index"])[0])
    return np.stack(probabilities)


@dataclass
class Export:
    """What the export stage made: the TFLite bytes and how the float32 export compares with the trained model."""

    tflite: bytes
    trained_model_agreement: float  # share of images where the export's class is the trained model's
    images_checked: int


def export_and_check(trained: keras.Model, saved_model_directory: Path, images: np.ndarray, name: str) -> Export:
    """Write `trained` (as its float32 twin if it computes in 16 bits) to `saved_model_directory`, convert it
    to TFLite, and fail unless both exports predict the float32 model's class for every one of `images`.

    TFLite has no bfloat16 kernels, hence the twin; it can differ from the
    trained model on a few borderline images, which `trained_model_agreement` reports.
    """
    model = trained if computes_in_float32(trained) else float32_copy(trained)
    export_saved_model(model, saved_model_directory)
    flat_buffer = convert_to_tflite(saved_model_directory)
    keras_classes = model.predict(images, batch_size=INFERENCE_BATCH_SIZE, verbose=0).argmax(axis=1)
    trained_classes = trained.predict(images, batch_size=INFERENCE_BATCH_SIZE, verbose=0).argmax(axis=1)
    exported_classes = {
        "saved_model": saved_model_predict(saved_model_directory, images).argmax(axis=1),
        "tflite": tflite_predict(flat_buffer, images).argmax(axis=1),
    }
    agreement = {kind: float(np.mean(classes == keras_classes)) for kind, classes in exported_classes.items()}
    if min(agreement.values()) < 1.0:
        raise PipelineError(f"The exported {name} disagrees with the Keras model on validation images: {agreement}.")
    return Export(flat_buffer, float(np.mean(trained_classes == keras_classes)), len(images))
