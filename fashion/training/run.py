"""Train one `models:` entry from its validated params: the whole train stage short of writing files.

Order matters for reproducibility: the distribution strategy is created
before any other TensorFlow operation (a multi-worker strategy must be), and
the global seed is set before the input pipeline is built (its shuffle seed
derives from it) and again before the sweep and the model, so a run's weights
and batches do not depend on what ran earlier in the process.
"""

import math
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from fashion.core import paths
from fashion.core.atomic import write_csv, write_json
from fashion.core.params import ModelEntry
from fashion.core.tensorflow_setup import keras, make_deterministic, tf
from fashion.data.input_pipeline import make_datasets, one_hot
from fashion.data.split import rejoin_splits
from fashion.models.cost import forward_flops
from fashion.models.saving import save_model
from fashion.training.distribute import make_strategy, resolve_strategy_name, steps_per_execution, unused_gpu_note
from fashion.training.fit import EpochClock, fit, keep_best_epoch, kept_epoch
from fashion.training.history import write_history
from fashion.training.live import live_callback, open_live_log, summarize_kept_epoch
from fashion.training.moving_average import LastEpochWeights, keep_better_weights
from fashion.training.optimization import compile_model, entry_optimizer, make_loss
from fashion.training.precision import check_precision_runs, cpu_has_native_bfloat16, resolve_precision

# Columns of plots/sweep/<model>.csv, a model's own learning-rate sweep.
SWEEP_COLUMNS = ("step", "learning_rate", "validation_loss", "smoothed_validation_loss")


@dataclass
class TrainingResult:
    """A trained model and what the stage records about it."""

    model: keras.Model
    history: dict[str, list[float]]
    kept_epoch: int  # the epoch whose weights the model holds
    epochs_run: int
    keeps_best: bool  # whether early stopping or best-epoch restoring was asked for
    learning_rate: float
    precision: str
    replicas: int
    training_seconds: float
    sweep_rows: list[tuple] = field(default_factory=list)  # see SWEEP_COLUMNS; empty without a sweep
    # With a moving average of the weights: which weights the model holds, and both validation scores.
    weights_choice: dict = field(default_factory=dict)
    refit: bool = False  # trained on the validation images too: its validation scores are unavailable
    epoch_end_seconds: tuple[float, ...] = ()  # seconds from the start of training to each epoch's end

    def kept_validation_score(self, metric: str) -> float | None:
        """The saved weights' validation `metric` (accuracy or loss); None for a refit, which has none."""
        if metric in self.weights_choice:  # a moving average was compared: the kept weights' own score
            return self.weights_choice[metric]
        value = self.history[f"val_{metric.removeprefix('validation_')}"][self.kept_epoch - 1]
        return None if math.isnan(value) else value

    def final_metrics(self, epochs: int) -> dict:
        """metrics/train/<model>.json: the kept epoch's losses and accuracies, and how it trained.

        A refit's validation accuracy and loss are null (unavailable), never the
        scores of images it trained on; `refit: true` says why.
        """
        kept = self.kept_epoch - 1
        final = {
            "training_accuracy": self.history["accuracy"][kept],
            "training_loss": self.history["loss"][kept],
            "validation_accuracy": self.kept_validation_score("validation_accuracy"),
            "validation_loss": self.kept_validation_score("validation_loss"),
            "learning_rate": self.learning_rate,
            "epochs": epochs,
            "replicas": self.replicas,
        }
        if self.keeps_best:
            final.update({"kept_epoch": self.kept_epoch, "epochs_run": self.epochs_run})
        if self.refit:
            final["refit"] = True
        return final | self.weights_choice  # which weights were kept, and both scores, if a moving average was on

    def summary(self, name: str) -> str:
        """The stage's last line: the kept epoch's validation accuracy, and what training took."""
        accuracy = self.kept_validation_score("validation_accuracy")
        validation = "unavailable (refit on the validation images too)" if accuracy is None else f"{accuracy:.4f}"
        return (
            f"{name}: validation accuracy {validation} "
            f"(epoch {self.kept_epoch} of {self.epochs_run}, {self.weights_choice.get('kept_weights', 'trained')} "
            f"weights), {self.training_seconds:.0f} s in {self.precision}"
        )

    def write(
        self, name: str, model_path: Path, epochs: int, data_load_seconds: float, tensorflow_import_seconds: float
    ) -> None:
        """Every output of train@<name> or distill@<name> but the dvclive log (written while it trained).

        See `paths.train_outputs`; the model goes to `model_path` (models/ or students/).
        """
        save_model(self.model, model_path)
        write_history(paths.history_file(name), self.history)
        write_json(paths.train_metrics_file(name), self.final_metrics(epochs))
        write_json(paths.cost_metrics_file(name), self.cost_metrics())
        write_json(paths.timing_file(name), self.timings(data_load_seconds, tensorflow_import_seconds))
        write_csv(paths.sweep_file(name), SWEEP_COLUMNS, self.sweep_rows)

    def timings(self, data_load_seconds: float, tensorflow_import_seconds: float) -> dict:
        """timings/<model>.json: measured seconds, kept out of the metrics so identical runs compare equal."""
        return {
            "training_seconds": round(self.training_seconds, 2),
            "seconds_per_epoch": round(self.training_seconds / self.epochs_run, 2),
            "data_load_seconds": round(data_load_seconds, 3),
            "tensorflow_import_seconds": round(tensorflow_import_seconds, 3),
        }

    def cost_metrics(self) -> dict:
        """metrics/cost/<model>.json: what the model costs to run, and the precision it trained in."""
        return {
            "parameters": self.model.count_params(),
            "forward_flops_per_image": forward_flops(self.model),
            "precision": self.precision,
        }


def train_model(
    params: ModelEntry,
    learning_rate: float | None,
    requested_strategy: str,
    training: tuple[np.ndarray, np.ndarray],
    validation: tuple[np.ndarray, np.ndarray],
    live_directory: Path | None,
    training_targets: np.ndarray | None = None,
) -> TrainingResult:
    """Train the entry `params` describes, at `learning_rate` (None: its own sweep picks it).

    `training_targets`: a distilled student's (n, 10) target rows, in place of
    the training labels (`fashion.training.distillation`); None for every other model.

    Progress goes to the dvclive log in `live_directory`, which a failed or
    interrupted run removes, so nothing there looks like a result. None: this
    process is a multi-worker run's non-chief worker, which logs to a scratch
    folder and takes part in saving (every worker must), but writes nothing.
    """
    worker = live_directory is None
    if worker:
        live_directory = Path(tempfile.mkdtemp()) / "live"
    strategy_name, strategy, gpus = start_strategy(requested_strategy)
    precision = resolve_precision(params.requested_precision, gpus, cpu_has_native_bfloat16())
    if gpus == 0:
        check_precision_runs(precision, params.where)
    averaging = params.moving_average_momentum > 0  # never with multi_worker or refit: see params.document
    if params.refit:  # every image trains the model; no sweep, best epoch or average reads validation (params.document)
        training, validation = rejoin_splits(training, validation), None
    make_deterministic(params.seed)
    training_data, validation_data, steps = make_datasets(
        training, validation, params.batch_size, params.seed, params.augmentation, training_targets
    )
    sweep_rows = []
    if params.sweep is not None:
        sweep_rows, learning_rate = own_sweep(params, precision, training_data, steps, validation)

    make_deterministic(params.seed)
    with strategy.scope():
        model = params.build(precision)
        compile_model(
            model, params, learning_rate, len(training[0]), steps_per_execution(strategy_name), precision=precision
        )
    keeps_best = params.restore_best_epoch or params.early_stopping_patience > 0
    best = (
        keep_best_epoch(params.early_stopping_patience, params.restore_best_epoch, params.epochs)
        if keeps_best
        else None
    )
    # The trained weights the moving average is compared with: the best epoch's, or else the last epoch's.
    last = LastEpochWeights() if averaging and not params.restore_best_epoch else None
    fit_strategy = strategy if strategy_name == "multi_worker" else None
    history, kept, training_seconds, epoch_end_seconds = fit_logged(
        model, params, training_data, validation_data, best, last, live_directory, fit_strategy
    )
    weights_choice = {}
    if averaging:
        trained_weights = best.best_weights if params.restore_best_epoch else last.weights
        weights_choice = keep_better_weights(model, trained_weights, validation_data)
    if worker:
        take_part_in_saving(model)
    return TrainingResult(
        model, history, kept, len(history["loss"]), keeps_best, learning_rate, precision,
        strategy.num_replicas_in_sync, training_seconds, sweep_rows, weights_choice, params.refit,
        tuple(epoch_end_seconds),
    )  # fmt: skip


def start_strategy(requested_strategy: str) -> tuple[str, tf.distribute.Strategy, int]:
    """(its name, the distribution strategy to train under, the number of GPUs visible).

    It is created before any other TensorFlow operation, as a multi-worker
    strategy must be; a request this machine cannot honour falls back with a line.
    """
    gpus = len(tf.config.list_physical_devices("GPU"))
    # Listing logical devices initializes the runtime, which a multi-worker strategy forbids: only mirrored does.
    logical_cpus = len(tf.config.list_logical_devices("CPU")) if requested_strategy == "mirrored" else 1
    strategy_name, note = resolve_strategy_name(requested_strategy, gpus, logical_cpus)
    strategy = make_strategy(strategy_name)
    for line in (note, unused_gpu_note(gpus)):
        if line:
            print(f"train: {line}")
    return strategy_name, strategy, gpus


def own_sweep(
    params: ModelEntry,
    precision: str,
    training_data: tf.data.Dataset,
    steps: int,
    validation: tuple[np.ndarray, np.ndarray],
) -> tuple[list[tuple], float]:
    """The entry's own learning-rate sweep: its rows (SWEEP_COLUMNS) and the learning rate it suggests.

    The sweep reads one epoch of the dataset the model then trains on, on one
    device even under `mirrored`; its model is thrown away.
    """
    from fashion.training.lr_ramp import run_fast_sweep

    make_deterministic(params.seed)
    rows, suggestion = run_fast_sweep(
        params.build(precision), make_loss(params.label_smoothing),
        lambda schedule: entry_optimizer(params, schedule, precision), training_data, steps,
        validation[0], one_hot(validation[1]), params.sweep,
    )  # fmt: skip
    return rows, suggestion["suggested_learning_rate"]


def fit_logged(
    model: keras.Model,
    params: ModelEntry,
    training_data: tf.data.Dataset,
    validation_data: tf.data.Dataset | None,
    best: keras.callbacks.EarlyStopping | None,
    last: LastEpochWeights | None,
    live_directory: Path,
    strategy: tf.distribute.Strategy | None,
) -> tuple[dict[str, list[float]], int, float, list[float]]:
    """Fit for `params.epochs`, each epoch logged to dvclive: (history, the epoch whose weights the model holds,
    seconds taken, seconds from the start to each epoch's end).

    `best` (None unless early stopping or best-epoch restoring is on) picks the
    kept epoch; without it, the kept epoch is the last. `last`, where given,
    keeps the last epoch's weights for the moving average's comparison. A failed
    or interrupted run removes the log, so nothing there looks like a result.
    """
    clock = EpochClock()
    callbacks = tuple(callback for callback in (best, last, clock) if callback is not None)
    started = time.perf_counter()
    try:
        with open_live_log(live_directory) as live:
            history = fit(
                model, training_data, validation_data, params.epochs, description=params.name,
                callbacks=(live_callback(live), *callbacks), strategy=strategy,
            )  # fmt: skip
            kept = kept_epoch(best, len(history["loss"]))
            summarize_kept_epoch(live, history, kept)
    except BaseException:
        shutil.rmtree(live_directory, ignore_errors=True)
        raise
    return history, kept, time.perf_counter() - started, clock.epoch_end_seconds


def take_part_in_saving(model: keras.Model) -> None:
    """A multi-worker run's non-chief workers must save too; they save to a place that is then deleted."""
    with tempfile.TemporaryDirectory() as scratch:
        model.save(Path(scratch) / "model.keras")
