"""Training-speed measurements that need TensorFlow, each run in its own process by bench/run.py.

`python bench/training_speed.py throughput MODEL ROUNDS` prints JSON: images
per second of (a) our input pipeline and training loop for the `models:` entry
MODEL, as the train stage runs it, and (b) a plain `model.fit` on NumPy arrays
with Keras's defaults (float32, one step per call, Adam), for the same
architecture and batch size, timed in ROUNDS alternating windows of 64 batches.

`python bench/training_speed.py precision MODEL ROUNDS` prints JSON: images per
second of our loop for MODEL in mixed bfloat16 and in float32, timed in ROUNDS
alternating windows, and the precision `precision: auto` picks on this machine.
Run it under `ONEDNN_MAX_CPU_ISA=AVX512_CORE` (or AVX2) to emulate a CPU
without native bfloat16; a precision whose training fails is reported as such.

`python bench/training_speed.py time_to_accuracy MODEL TARGET MAX_EPOCHS` prints
JSON: the training seconds our recipe for MODEL and the keras.io "Simple MNIST
convnet" recipe need before their validation accuracy first reaches TARGET,
checked after every epoch. The race reads the validation split, never the
test split (which only evaluate reads). Evaluation time is not counted.
"""

import json
import os
import statistics
import sys
import time

import numpy as np

from fashion.core import paths
from fashion.core.dataset import IMAGE_SIZE, NUMBER_OF_CLASSES
from fashion.core.params import load_params
from fashion.core.tensorflow_setup import keras, make_deterministic
from fashion.data.arrays import load_split
from fashion.data.input_pipeline import make_datasets, one_hot
from fashion.training.optimization import compile_model
from fashion.training.precision import cpu_has_native_bfloat16, resolve_precision

# A multiple of the training loop's steps per execution (64), so every window runs whole executions.
WINDOW_STEPS = 64


class TrainingClock(keras.callbacks.Callback):
    """Seconds spent in training epochs, excluding whatever runs between them."""

    def __init__(self, validation_images, validation_labels, target: float):
        super().__init__()
        self.images, self.labels, self.target = validation_images, validation_labels, target
        self.training_seconds, self.epoch_started = 0.0, 0.0
        self.curve: list[tuple[int, float, float]] = []  # (epoch, cumulative seconds, validation accuracy)

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch_started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.training_seconds += time.perf_counter() - self.epoch_started
        probabilities = self.model.predict(self.images, batch_size=1000, verbose=0)
        accuracy = float(np.mean(probabilities.argmax(axis=1) == self.labels))
        self.curve.append((epoch + 1, round(self.training_seconds, 2), accuracy))
        if accuracy >= self.target:
            self.model.stop_training = True

    def result(self) -> dict:
        reached = [seconds for _, seconds, accuracy in self.curve if accuracy >= self.target]
        return {"seconds_to_target": reached[0] if reached else None, "curve": self.curve}


def keras_io_convnet() -> keras.Model:
    """keras.io's "Simple MNIST convnet", verbatim but for the 28 x 28 input reshape."""
    return keras.Sequential(
        [
            keras.Input(shape=(IMAGE_SIZE, IMAGE_SIZE)),
            keras.layers.Reshape((IMAGE_SIZE, IMAGE_SIZE, 1)),
            keras.layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
            keras.layers.MaxPooling2D(pool_size=(2, 2)),
            keras.layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
            keras.layers.MaxPooling2D(pool_size=(2, 2)),
            keras.layers.Flatten(),
            keras.layers.Dropout(0.5),
            keras.layers.Dense(NUMBER_OF_CLASSES, activation="softmax"),
        ]
    )


def throughput(model_name: str, rounds: int) -> dict:
    """Images per second of our loop and of a plain fit, timed in alternating windows.

    This machine's speed drifts within a process (the same fit runs at 1,600 or
    2,100 images per second from one minute to the next), so timing one side
    after the other compares two moments, not two loops. Both models are built
    and warmed up first; then each round times one window of each, back to back,
    and the speed-up is the median of the rounds' ratios.
    """
    params = load_params(paths.PARAMS_FILE).model(model_name)
    training = load_split(paths.PROCESSED_DIR, "train")
    validation = load_split(paths.PROCESSED_DIR, "validation")
    images_per_window = WINDOW_STEPS * params.batch_size

    make_deterministic(params.seed)
    precision = machine_precision(params.requested_precision)
    ours = params.build(precision)
    compile_model(ours, params, 0.001, len(training[0]), precision=precision)
    batches, _, _ = make_datasets(training, validation, params.batch_size, params.seed, params.augmentation)

    plain = params.build("float32")
    plain.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    images, labels = training[0][:images_per_window], training[1][:images_per_window]

    def time_ours() -> float:
        started = time.perf_counter()
        ours.fit(batches, epochs=1, steps_per_epoch=WINDOW_STEPS, shuffle=False, verbose=0)
        return time.perf_counter() - started

    def time_plain() -> float:
        started = time.perf_counter()
        plain.fit(images, labels, batch_size=params.batch_size, epochs=1, verbose=0)
        return time.perf_counter() - started

    time_ours(), time_plain()  # Warm-up: tracing, first allocations.
    windows = [(time_ours(), time_plain()) for _ in range(rounds)]
    ours_speeds = [images_per_window / ours_seconds for ours_seconds, _ in windows]
    plain_speeds = [images_per_window / plain_seconds for _, plain_seconds in windows]
    return {
        "model": model_name,
        "precision": precision,
        "batch_size": params.batch_size,
        "steps_per_window": WINDOW_STEPS,
        "rounds": rounds,
        "ours_images_per_second": statistics.median(ours_speeds),
        "plain_fit_images_per_second": statistics.median(plain_speeds),
        "speedup": statistics.median(plain_seconds / ours_seconds for ours_seconds, plain_seconds in windows),
        "ours_windows": [round(speed) for speed in ours_speeds],
        "plain_fit_windows": [round(speed) for speed in plain_speeds],
    }


def machine_precision(requested: str) -> str:
    """`requested`, or what `precision: auto` picks on this machine (no GPU here)."""
    return resolve_precision(requested, 0, cpu_has_native_bfloat16())


def precision_speed(model_name: str, rounds: int) -> dict:
    """Images per second of our loop for `model_name` in mixed bfloat16 and in float32, and auto's choice.

    As in `throughput`, the two run in alternating windows after a warm-up,
    so both see the same moments of this machine's drifting speed.
    """
    params = load_params(paths.PARAMS_FILE).model(model_name)
    training = load_split(paths.PROCESSED_DIR, "train")
    validation = load_split(paths.PROCESSED_DIR, "validation")
    images_per_window = WINDOW_STEPS * params.batch_size
    batches, _, _ = make_datasets(training, validation, params.batch_size, params.seed, params.augmentation)
    timers, failures = {}, {}
    for precision in ("mixed_bfloat16", "float32"):
        make_deterministic(params.seed)
        model = params.build(precision)
        compile_model(model, params, 0.001, len(training[0]), precision=precision)

        def time_window(model=model) -> float:
            started = time.perf_counter()
            model.fit(batches, epochs=1, steps_per_epoch=WINDOW_STEPS, shuffle=False, verbose=0)
            return time.perf_counter() - started

        try:
            time_window()  # Warm-up: tracing, first allocations.
            timers[precision] = time_window
        except Exception as error:
            failures[precision] = f"{type(error).__name__}: {str(error).splitlines()[0][:160]}"
    speeds = {precision: [] for precision in timers}
    for _ in range(rounds):
        for precision, timer in timers.items():
            speeds[precision].append(images_per_window / timer())
    median = {precision: statistics.median(values) for precision, values in speeds.items()}
    auto = machine_precision("auto")
    return {
        "model": model_name,
        "onednn_max_cpu_isa": os.environ.get("ONEDNN_MAX_CPU_ISA", "(not set)"),
        "native_bfloat16": cpu_has_native_bfloat16(),
        "images_per_second": {precision: round(value) for precision, value in median.items()},
        "windows": {precision: [round(value) for value in values] for precision, values in speeds.items()},
        "failed": failures,
        "auto_picks": auto,
        "fastest": max(median, key=median.get) if median else None,
        "auto_picks_the_fastest": bool(median) and auto == max(median, key=median.get),
    }


def time_to_accuracy(model_name: str, target: float, max_epochs: int) -> dict:
    params = load_params(paths.PARAMS_FILE).model(model_name)
    training = load_split(paths.PROCESSED_DIR, "train")
    validation = load_split(paths.PROCESSED_DIR, "validation")

    make_deterministic(params.seed)
    precision = machine_precision(params.requested_precision)
    ours = params.build(precision)
    compile_model(ours, params, params.learning_rate, len(training[0]), precision=precision)
    batches, _, _ = make_datasets(training, validation, params.batch_size, params.seed, params.augmentation)
    our_clock = TrainingClock(*validation, target)
    ours.fit(batches, epochs=params.epochs, shuffle=False, verbose=0, callbacks=[our_clock])  # one epoch per pass

    # keras.io trains on the 60,000 training images with validation_split=0.1; we
    # give it the same 54,000 images our models train on.
    make_deterministic(params.seed)
    reference = keras_io_convnet()
    reference.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    reference_clock = TrainingClock(*validation, target)
    reference.fit(training[0], one_hot(training[1]), batch_size=128, epochs=max_epochs, verbose=0,
                  callbacks=[reference_clock])  # fmt: skip
    ours_result, reference_result = our_clock.result(), reference_clock.result()
    ratio = None
    if ours_result["seconds_to_target"] and reference_result["seconds_to_target"]:
        ratio = ours_result["seconds_to_target"] / reference_result["seconds_to_target"]
    return {"target": target, "model": model_name, "ours": ours_result, "keras_io": reference_result, "ratio": ratio}


if __name__ == "__main__":
    kind, model = sys.argv[1], sys.argv[2]
    if kind == "throughput":
        result = throughput(model, int(sys.argv[3]))
    elif kind == "precision":
        result = precision_speed(model, int(sys.argv[3]))
    else:
        result = time_to_accuracy(model, float(sys.argv[3]), int(sys.argv[4]))
    print(json.dumps(result))
