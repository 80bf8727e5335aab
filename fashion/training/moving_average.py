"""An exponential moving average of the weights, kept in place of the trained weights when it is better.

The optimizer keeps the average (Keras's `use_ema`), updated after every
step. After training the model holds the weights training kept (the best
validation epoch's with `restore_best_epoch`, the last epoch's otherwise);
both candidates are scored on the validation split, and the better one is
what the stage saves, so switching the average on can never make the saved
model worse on validation. Batch-normalization statistics are not averaged:
the averaged weights use those of the kept epoch.
"""

from fashion.core.tensorflow_setup import keras


class LastEpochWeights(keras.callbacks.Callback):
    """Remember the weights at the end of each epoch: Keras's `fit` replaces them with the average when it ends."""

    def __init__(self):
        super().__init__()
        self.weights = None

    def on_epoch_end(self, epoch, logs=None):
        self.weights = self.model.get_weights()


def keep_better_weights(model: keras.Model, trained_weights: list, validation_batches) -> dict:
    """Leave in `model` whichever of `trained_weights` and the optimizer's moving average scores higher on validation.

    Returns what train metrics record: both validation accuracies, which was
    kept (`moving_average` only when strictly better), and the kept weights'
    validation loss and accuracy.
    """
    model.set_weights(trained_weights)
    trained_loss, trained_accuracy = model.evaluate(validation_batches, verbose=0)
    model.optimizer.finalize_variable_values(model.trainable_variables)
    average_loss, average_accuracy = model.evaluate(validation_batches, verbose=0)
    average_wins = average_accuracy > trained_accuracy
    if not average_wins:
        model.set_weights(trained_weights)
    return {
        "kept_weights": "moving_average" if average_wins else "trained",
        "trained_validation_accuracy": float(trained_accuracy),
        "moving_average_validation_accuracy": float(average_accuracy),
        "validation_accuracy": float(average_accuracy if average_wins else trained_accuracy),
        "validation_loss": float(average_loss if average_wins else trained_loss),
    }
