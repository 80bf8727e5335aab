"""A model's own learning-rate sweep (`learning_rate: sweep`): an exponential ramp over its own batches.

The study's sweep (`stages/lr_find.py`) changes the rate once per epoch for
40 epochs; that is affordable for a 4-unit network, not for a convolutional
one. Here the rate grows every step from `start` to `end` over the ramp, and
every `evaluate_every_steps` steps the model's loss on a fixed slice of the
validation split is recorded, so the choice of rate never sees the test set.
The suggestion is the same rule as the study's (`fashion.training.lr_find`).
"""

import math
from collections.abc import Callable

import numpy as np

from fashion.core.tensorflow_setup import keras, tf
from fashion.training.lr_find import smooth, suggest_learning_rate

# The ramp stops once the smoothed validation loss exceeds this many times its minimum.
DIVERGENCE_FACTOR = 4.0


def exponential_ramp(start: float, end: float, total_steps: int) -> keras.optimizers.schedules.ExponentialDecay:
    """start * (end / start) ** (step / total_steps): Keras's exponential decay with a rate above 1."""
    return keras.optimizers.schedules.ExponentialDecay(start, max(total_steps, 1), end / start)


def ramp_rate(step: int, start: float, end: float, total_steps: int) -> float:
    """The ramp's rate at `step`, in NumPy arithmetic (for the record)."""
    return start * (end / start) ** (step / max(total_steps, 1))


class ValidationLossRecorder(keras.callbacks.Callback):
    """Every call back (one per `steps_per_execution` steps), record the
    rate reached and the cross-entropy on a fixed validation slice.

    The slice runs with batch statistics (`training=True`): during a one-epoch
    ramp, batch normalization's moving averages lag far behind the weights, and
    an inference-mode loss rises from the first steps whatever the rate. The
    sweep's model is thrown away, so the moving averages it updates do not matter.
    Dropout is active too; the smoothing absorbs its noise.
    """

    def __init__(self, images: np.ndarray, one_hot_labels: np.ndarray, start: float, end: float, total_steps: int):
        super().__init__()
        self.images, self.labels = images, one_hot_labels
        self.start, self.end, self.total_steps = start, end, total_steps
        self.rows: list[tuple[int, float, float]] = []

    def on_train_batch_end(self, batch, logs=None):
        step = int(self.model.optimizer.iterations.numpy())
        probabilities = np.asarray(self.model(self.images, training=True), dtype=np.float64)
        loss = float(-np.mean(np.sum(self.labels * np.log(np.clip(probabilities, 1e-7, 1.0)), axis=1)))
        self.rows.append((step, ramp_rate(step, self.start, self.end, self.total_steps), loss))
        finite = [row[2] for row in self.rows if math.isfinite(row[2])]
        if not math.isfinite(loss) or (finite and loss > DIVERGENCE_FACTOR * min(finite)):
            self.model.stop_training = True


def run_fast_sweep(
    model: keras.Model,
    loss: keras.losses.Loss,
    make_optimizer: Callable[[keras.optimizers.schedules.LearningRateSchedule], keras.optimizers.Optimizer],
    training_batches: tf.data.Dataset,
    steps_per_epoch: int,
    validation_images: np.ndarray,
    validation_one_hot: np.ndarray,
    settings,
) -> tuple[list[tuple[int, float, float, float]], dict[str, float]]:
    """Ramp a fresh, uncompiled `model`'s rate over `settings.epochs` epochs; return (rows, suggestion).

    The model trains with the entry's own `loss` and the optimizer that
    `make_optimizer(schedule)` returns (the entry's, driven by the ramp), so
    the rate suggested is the rate for the optimizer that will use it.
    Rows are (step, learning_rate, validation_loss, smoothed_validation_loss).
    `model` is spent: train a fresh one with the suggested rate. `settings` is
    a `Sweep`.
    """
    total_steps = steps_per_epoch * settings.epochs
    schedule = exponential_ramp(settings.start_learning_rate, settings.end_learning_rate, total_steps)
    model.compile(optimizer=make_optimizer(schedule), loss=loss, steps_per_execution=settings.evaluate_every_steps)
    recorder = ValidationLossRecorder(
        validation_images[: settings.validation_images],
        validation_one_hot[: settings.validation_images],
        settings.start_learning_rate,
        settings.end_learning_rate,
        total_steps,
    )
    model.fit(training_batches, epochs=settings.epochs, shuffle=False, verbose=0,
              callbacks=[recorder])  # fmt: skip
    rates = np.array([row[1] for row in recorder.rows])
    losses = np.array([row[2] for row in recorder.rows])
    suggestion = suggest_learning_rate(rates, losses, settings.smoothing, settings.suggestion_divisor)
    # The smoothed curve is what the suggestion reads: recorded beside the raw one, for the plot.
    smoothed = smooth(np.where(np.isfinite(losses), losses, np.nan), settings.smoothing)
    rows = [(*row, float(smoothed_loss)) for row, smoothed_loss in zip(recorder.rows, smoothed, strict=True)]
    return rows, suggestion
