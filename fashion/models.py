"""Build the study's dense classifiers from explicit arguments, and load saved ones."""

import zipfile
from pathlib import Path

from fashion.errors import PipelineError
from fashion.tensorflow_setup import keras

# Raw pixels are restored inside the model, so every saved model takes the same
# [0, 1] input and the evaluate stage treats all models alike.
INPUT_SCALE = {"unit": 1.0, "raw": 255.0}


def build_dense_model(
    hidden_units: tuple[int, ...],
    activation: str,
    input_scaling: str,
    image_size: int,
    classes: int,
    name: str = "dense",
) -> keras.Model:
    """Flatten -> Dense(units, activation) for each hidden layer -> Dense(classes, softmax).

    `input_scaling="raw"` multiplies the [0, 1] input by 255 first, which
    reproduces the study's network trained on unnormalized 0-255 pixels.
    """
    inputs = keras.Input(shape=(image_size, image_size), name="image")
    features = keras.layers.Flatten(name="flatten")(inputs)
    scale = INPUT_SCALE[input_scaling]
    if scale != 1.0:
        features = keras.layers.Rescaling(scale, name="raw_pixels")(features)
    for index, units in enumerate(hidden_units, start=1):
        features = keras.layers.Dense(units, activation=activation, name=f"hidden_{index}")(features)
    outputs = keras.layers.Dense(classes, activation="softmax", name="probabilities")(features)
    return keras.Model(inputs, outputs, name=name)


def make_optimizer(
    optimizer: str, learning_rate, weight_decay: float = 0.0, momentum: float = 0.0
) -> keras.optimizers.Optimizer:
    """The named Keras optimizer; `learning_rate` is a number or a schedule.

    `weight_decay` applies to AdamW alone (decoupled decay), `momentum` to SGD alone.
    """
    if optimizer == "adam":
        return keras.optimizers.Adam(learning_rate=learning_rate)
    if optimizer == "adamw":
        return keras.optimizers.AdamW(learning_rate=learning_rate, weight_decay=weight_decay)
    if optimizer == "sgd":
        return keras.optimizers.SGD(learning_rate=learning_rate, momentum=momentum)
    if optimizer == "rmsprop":
        return keras.optimizers.RMSprop(learning_rate=learning_rate)
    raise PipelineError(f"Unknown optimizer '{optimizer}'; use one of adam, adamw, sgd, rmsprop.")


# Batches run per call into TensorFlow's graph. The study's tiny networks spend
# most of each step in Python overhead; 64 steps per call halved the time of
# every train stage on 2 CPU cores (the 40-epoch sweep: 89 s -> 43 s) and left
# every metric bit-identical (`dvc metrics diff` empty; also tested).
STEPS_PER_EXECUTION = 64


def compile_classifier(
    model: keras.Model, optimizer: str, learning_rate: float, steps_per_execution: int = STEPS_PER_EXECUTION
) -> None:
    """Compile with the study's loss and metric.

    The model ends in softmax, so the loss takes probabilities
    (`from_logits=False`), unlike a mistake a related example project made.
    """
    model.compile(
        optimizer=make_optimizer(optimizer, learning_rate),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=False),
        metrics=["accuracy"],
        steps_per_execution=steps_per_execution,
    )


def load_trained_model(path) -> keras.Model:
    """Load a saved model in Keras's safe mode (no arbitrary code), uncompiled.

    Safe mode still loads the pipeline's own registered layers, such as the
    ensembles' flip, once their module is imported.
    """
    from fashion import layers  # noqa: F401 -- registers HorizontalFlip

    if not Path(path).exists():
        raise PipelineError(f"{path} is missing. Run `dvc repro` to train it first.")
    try:
        return keras.models.load_model(path, compile=False, safe_mode=True)
    except (ValueError, OSError, zipfile.BadZipFile) as error:
        raise PipelineError(
            f"{path} cannot be loaded in Keras's safe mode ({error}). Retrain it with `dvc repro --force`."
        ) from error
