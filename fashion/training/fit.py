"""Train a compiled model with Keras's own callbacks: a tqdm bar, a stop on divergence, the best epoch kept."""

import contextlib
import io
import math
import time

from tqdm.keras import TqdmCallback

from fashion.core.errors import PipelineError
from fashion.core.interrupts import deferred_interrupts, interrupt_requested
from fashion.core.tensorflow_setup import keras
from fashion.training.history import KERAS_HISTORY_KEYS


class StopWhenInterrupted(keras.callbacks.Callback):
    """Leave Keras's loops after the batch during which Ctrl-C came (see fashion.core.interrupts).

    Keras then finishes its epoch bookkeeping the normal way, and `fit` raises
    `KeyboardInterrupt` once it has returned, outside TensorFlow's code.
    """

    def on_train_batch_end(self, batch, logs=None):
        if interrupt_requested():
            self.model.stop_training = True

    def on_test_batch_end(self, batch, logs=None):
        if interrupt_requested():
            self.model.stop_evaluating = True


class StopOnDivergence(keras.callbacks.TerminateOnNaN):
    """Keras's stop at the first non-finite batch loss, without its line on stdout: `fit` reports the
    divergence itself, in one line that names the model and the epoch."""

    def on_batch_end(self, batch, logs=None):
        with contextlib.redirect_stdout(io.StringIO()):
            super().on_batch_end(batch, logs)


class EpochClock(keras.callbacks.Callback):
    """Seconds from the start of training to the end of each epoch, its validation pass included.

    What a curve of validation accuracy against training minutes needs
    (bench/recipe_minutes.py); the stage itself records only the total.
    """

    def __init__(self):
        super().__init__()
        self.started = time.perf_counter()
        self.epoch_end_seconds: list[float] = []

    def on_train_begin(self, logs=None):
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.epoch_end_seconds.append(time.perf_counter() - self.started)


def keep_best_epoch(patience: int, restore: bool, epochs: int) -> keras.callbacks.EarlyStopping:
    """Keras's early stopping on validation accuracy: stop after `patience` epochs without
    improvement (0: never stop early); with `restore`, put the best epoch's weights back
    when training ends, stopped early or not (Keras 3 does so either way).

    This is checkpointing of the best validation epoch, kept in memory: the
    train stage then saves the model once, atomically.
    """
    return keras.callbacks.EarlyStopping(
        monitor="val_accuracy", mode="max", patience=patience or epochs, restore_best_weights=restore
    )


def kept_epoch(best: keras.callbacks.EarlyStopping | None, epochs_run: int) -> int:
    """The epoch (from 1) whose weights the model holds after training with `best`."""
    return best.best_epoch + 1 if best is not None and best.restore_best_weights else epochs_run


def fit(
    model: keras.Model,
    training_batches,
    validation_batches,
    epochs: int,
    description: str,
    callbacks: tuple = (),
    stop_on_divergence: bool = True,
    strategy=None,
) -> dict[str, list[float]]:
    """Fit `model` on tf.data batches (`fashion.data.input_pipeline`) and return its per-epoch history.

    The history has Keras's keys; without validation batches (a refit) its
    validation values are NaN, meaning unavailable. With `stop_on_divergence`, a non-finite
    loss raises `PipelineError` naming the model and the epoch, before
    anything is saved. A `MultiWorkerMirroredStrategy` as `strategy` trains
    with the custom loop of `fashion.training.multi_worker`, since Keras 3's
    `fit` cannot; every other run uses `Model.fit`.
    """
    progress = TqdmCallback(epochs=epochs, verbose=0, desc=description)
    every_callback = [StopWhenInterrupted(), *callbacks, StopOnDivergence(), progress]
    with deferred_interrupts():  # Ctrl-C ends the batch, then raises KeyboardInterrupt as this block ends
        try:
            if strategy is not None:
                from fashion.training.multi_worker import fit_multi_worker

                history = fit_multi_worker(
                    model, strategy, training_batches, validation_batches, epochs, every_callback
                )
            else:
                history = model.fit(
                    training_batches,
                    validation_data=validation_batches,
                    epochs=epochs,  # the training dataset is one epoch long
                    shuffle=False,  # the dataset shuffles itself
                    verbose=0,
                    callbacks=every_callback,
                ).history
        finally:
            # Keras skips on_train_end when interrupted; close the bar before any message.
            progress.epoch_bar.close()
    # StopOnDivergence ends the epoch at the first non-finite batch loss, so that epoch's mean is not finite.
    diverged = [epoch for epoch, loss in enumerate(history["loss"], start=1) if not math.isfinite(loss)]
    if stop_on_divergence and diverged:
        raise PipelineError(
            f"Training of {description} diverged at epoch {diverged[0]}: the loss "
            "became NaN or infinite. Lower its learning rate in params.yaml; no model or "
            "metrics were written."
        )
    if validation_batches is None:
        history = {**history, **dict.fromkeys(("val_loss", "val_accuracy"), [math.nan] * len(history["loss"]))}
    return {key: [float(value) for value in history[key]] for key in KERAS_HISTORY_KEYS}
