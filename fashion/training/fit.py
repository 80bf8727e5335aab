"""Train a compiled model, with a progress bar and a stop on divergence."""

import math

from tqdm import tqdm

from fashion.core.errors import PipelineError
from fashion.core.interrupts import deferred_interrupts, interrupt_requested
from fashion.core.tensorflow_setup import keras
from fashion.training.history import KERAS_HISTORY_KEYS


class EpochProgress(keras.callbacks.Callback):
    """A tqdm bar over epochs that shows the latest losses and accuracies."""

    def __init__(self, epochs: int, description: str):
        super().__init__()
        self.epochs = epochs
        self.description = description
        self.bar = None

    def on_train_begin(self, logs=None):
        self.bar = tqdm(total=self.epochs, desc=self.description, unit="epoch")

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        shown = {key: f"{logs[key]:.4f}" for key in ("loss", "accuracy", "val_accuracy") if key in logs}
        self.bar.set_postfix(shown, refresh=False)
        self.bar.update(1)

    def on_train_end(self, logs=None):
        self.close()

    def close(self):
        if self.bar is not None:
            self.bar.close()
            self.bar = None


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


class StopOnDivergence(keras.callbacks.Callback):
    """Stop training at the first batch whose loss is NaN or infinite.

    Keras's `TerminateOnNaN` stops too, but does not say when; we keep the
    epoch so the stage can report it.
    """

    def __init__(self):
        super().__init__()
        self.epoch = 0
        self.diverged_epoch = None

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            self.diverged_epoch = self.epoch + 1
            self.model.stop_training = True


class KeepBestWeights(keras.callbacks.Callback):
    """Track the epoch with the best validation accuracy; stop early after
    `patience` epochs without improvement (0: never stop early); with
    `restore`, put the best epoch's weights back when training ends.

    This is checkpointing of the best validation epoch, kept in memory: the
    train stage then saves the model once, atomically. `kept_epoch` is the
    epoch whose weights the model holds after training.
    """

    def __init__(self, patience: int = 0, restore: bool = True):
        super().__init__()
        self.patience = patience
        self.restore = restore
        self.best_accuracy = -1.0
        self.best_epoch = 0
        self.best_weights = None
        self.epochs_run = 0

    def on_epoch_end(self, epoch, logs=None):
        self.epochs_run = epoch + 1
        accuracy = float((logs or {}).get("val_accuracy", -1.0))
        if accuracy > self.best_accuracy:
            self.best_accuracy, self.best_epoch = accuracy, epoch + 1
            if self.restore:
                self.best_weights = self.model.get_weights()
        elif self.patience and epoch + 1 - self.best_epoch >= self.patience:
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.restore and self.best_weights is not None:
            self.model.set_weights(self.best_weights)

    @property
    def kept_epoch(self) -> int:
        return self.best_epoch if self.restore else self.epochs_run


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
    divergence = StopOnDivergence()
    progress = EpochProgress(epochs, description)
    every_callback = [StopWhenInterrupted(), *callbacks, divergence, progress]
    with deferred_interrupts():  # Ctrl-C ends the batch, then raises KeyboardInterrupt as this block ends
        try:
            if strategy is not None:
                from fashion.training.multi_worker import fit_multi_worker

                history = fit_multi_worker(
                    model, strategy, training_batches, validation_batches, epochs, every_callback
                )
                non_finite = [epoch for epoch, loss in enumerate(history["loss"], start=1) if not math.isfinite(loss)]
                divergence.diverged_epoch = non_finite[0] if non_finite else None
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
            progress.close()
    if stop_on_divergence and divergence.diverged_epoch is not None:
        raise PipelineError(
            f"Training of {description} diverged at epoch {divergence.diverged_epoch}: the loss "
            "became NaN or infinite. Lower its learning rate in params.yaml; no model or "
            "metrics were written."
        )
    if validation_batches is None:
        history = {**history, **dict.fromkeys(("val_loss", "val_accuracy"), [math.nan] * len(history["loss"]))}
    return {key: [float(value) for value in history[key]] for key in KERAS_HISTORY_KEYS}
