"""Stage lr_find: the study's exponential learning-rate sweep, and a suggested rate."""

import sys

import numpy as np

from fashion.core import paths
from fashion.core.atomic import write_csv, write_json
from fashion.core.cli import stage_entry_point
from fashion.core.dataset import IMAGE_SIZE, NUMBER_OF_CLASSES
from fashion.core.params import load_params, parse_lr_find
from fashion.data.arrays import load_split
from fashion.evaluation import figures
from fashion.training.lr_find import smooth, suggest_learning_rate, sweep_learning_rate


@stage_entry_point("lr_find")
def main(argv=None) -> str:
    params = parse_lr_find(load_params(paths.PARAMS_FILE))
    training = load_split(paths.PROCESSED_DIR, "train")
    validation = load_split(paths.PROCESSED_DIR, "validation")

    # TensorFlow loads only after the params and data have been checked.
    from fashion.core.tensorflow_setup import keras, make_deterministic
    from fashion.models.dense import build_dense_model
    from fashion.training.fit import fit
    from fashion.training.optimization import compile_classifier

    make_deterministic(params.seed)
    model = build_dense_model(
        params.hidden_units, params.activation, "unit", IMAGE_SIZE, NUMBER_OF_CLASSES, name="lr_find"
    )
    compile_classifier(model, params.optimizer, params.start_learning_rate)
    schedule = keras.callbacks.LearningRateScheduler(
        lambda epoch: sweep_learning_rate(epoch, params.start_learning_rate, params.epochs_per_decade)
    )
    history = fit(
        model, training, validation, params.epochs, params.batch_size,
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
    write_csv(
        paths.LR_FIND_PLOT_FILE,
        ("epoch", "learning_rate", "validation_loss", "smoothed_validation_loss", "training_loss"),
        [
            (epoch, rate, loss, smoothed_loss, training_loss)
            for epoch, (rate, loss, smoothed_loss, training_loss) in enumerate(
                zip(rates, losses, smoothed, history["loss"], strict=True), start=1
            )
        ],
    )
    figures.learning_rate_sweep(
        rates, losses, smoothed, suggestion["suggested_learning_rate"], paths.LR_FIND_FIGURE_FILE
    )
    write_json(paths.LR_FIND_METRICS_FILE, {**suggestion, "epochs_run": len(losses)})
    return f"suggested learning rate {suggestion['suggested_learning_rate']:.3g} over {len(losses)} epochs"


if __name__ == "__main__":
    sys.exit(main())
