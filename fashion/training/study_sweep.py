"""The study's learning-rate sweep: one small dense network, the rate raised tenfold every `epochs_per_decade` epochs.

The lr_find stage runs it once; `lr_find_models:` entries train at its
suggestion. The rule that turns the recorded validation losses into a rate
lives in `fashion.training.lr_find`, shared with each model's own sweep.
"""

from dataclasses import dataclass

import numpy as np

from fashion.core.architectures.dense import build_dense_model
from fashion.core.dataset import IMAGE_SIZE, NUMBER_OF_CLASSES
from fashion.core.params import LrFind
from fashion.core.tensorflow_setup import keras, make_deterministic
from fashion.data.input_pipeline import make_datasets
from fashion.training.fit import fit
from fashion.training.lr_find import smooth, suggest_learning_rate, sweep_learning_rate
from fashion.training.optimization import compile_classifier

# Columns of plots/lr_find.csv. The suggested rate is repeated on every row, so that the
# plot (a DVC template draws only what the file holds) can mark it.
SWEEP_COLUMNS = (
    "epoch", "learning_rate", "validation_loss", "smoothed_validation_loss", "training_loss", "suggested_learning_rate",
)  # fmt: skip


@dataclass
class StudySweep:
    """Per-epoch rates and losses of the sweep, and the suggestion read from them."""

    rates: np.ndarray
    validation_losses: np.ndarray
    smoothed_losses: np.ndarray
    training_losses: list[float]
    suggestion: dict[str, float]

    def rows(self) -> list[tuple]:
        """plots/lr_find.csv's rows, one per epoch (see SWEEP_COLUMNS)."""
        columns = zip(self.rates, self.validation_losses, self.smoothed_losses, self.training_losses, strict=True)
        suggested = self.suggestion["suggested_learning_rate"]
        return [(epoch, *values, suggested) for epoch, values in enumerate(columns, start=1)]


def run_study_sweep(
    params: LrFind, training: tuple[np.ndarray, np.ndarray], validation: tuple[np.ndarray, np.ndarray]
) -> StudySweep:
    """Train `params`' network for `params.epochs` epochs at rising rates; suggest from the validation losses."""
    make_deterministic(params.seed)
    model = build_dense_model(params.hidden_units, params.activation, "unit", IMAGE_SIZE, NUMBER_OF_CLASSES, "lr_find")
    compile_classifier(model, params.optimizer, params.start_learning_rate)
    schedule = keras.callbacks.LearningRateScheduler(
        lambda epoch: sweep_learning_rate(epoch, params.start_learning_rate, params.epochs_per_decade)
    )
    training_batches, validation_batches, _ = make_datasets(training, validation, params.batch_size, params.seed)
    history = fit(
        model, training_batches, validation_batches, params.epochs,
        description="lr_find", callbacks=(schedule,), stop_on_divergence=False,
    )  # fmt: skip
    losses = np.array(history["val_loss"])
    rates = np.array(
        [
            sweep_learning_rate(epoch, params.start_learning_rate, params.epochs_per_decade)
            for epoch in range(len(losses))
        ]
    )
    suggestion = suggest_learning_rate(rates, losses, params.smoothing, params.suggestion_divisor)
    smoothed = smooth(np.where(np.isfinite(losses), losses, np.nan), params.smoothing)
    return StudySweep(rates, losses, smoothed, history["loss"], suggestion)
