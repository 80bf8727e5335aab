"""Stage train@<model>: train one model of params.yaml's `models:` mapping."""

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from fashion import paths
from fashion.arrays import load_split
from fashion.atomic import check_writable, write_csv, write_json
from fashion.cli import stage_entry_point
from fashion.distribute import is_chief, make_strategy, resolve_strategy_name, steps_per_execution
from fashion.errors import PipelineError
from fashion.history import write_history
from fashion.params import load_params, parse_distribute, parse_model

SWEEP_COLUMNS = ("step", "learning_rate", "validation_loss", "smoothed_validation_loss")


def read_suggested_learning_rate(path: Path) -> float:
    """The learning rate that the lr_find stage suggested."""
    try:
        return float(json.loads(Path(path).read_text())["suggested_learning_rate"])
    except FileNotFoundError as error:
        raise PipelineError(f"{path} is missing. Run `dvc repro lr_find` first.") from error
    except (ValueError, KeyError, TypeError) as error:
        raise PipelineError(
            f"{path} holds no valid suggested_learning_rate ({error}). Run `dvc repro lr_find --force`."
        ) from error


def parse_arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", required=True, help="a key of the `models:` mapping in params.yaml")
    return parser.parse_args(argv)


@stage_entry_point("train")
def main(argv=None) -> str:
    arguments = parse_arguments(argv)
    raw = load_params(paths.PARAMS_FILE)
    params = parse_model(raw, arguments.model)
    requested_strategy = parse_distribute(raw).strategy
    learning_rate = params.learning_rate
    if params.learning_rate_source == "lr_find":
        learning_rate = read_suggested_learning_rate(paths.LR_FIND_METRICS_FILE)
    chief = is_chief(os.environ.get("TF_CONFIG"))
    if chief:
        outputs = (
            paths.model_file(params.name),
            paths.history_file(params.name),
            paths.train_metrics_file(params.name),
            paths.cost_metrics_file(params.name),
            paths.sweep_file(params.name),
            paths.timing_file(params.name),
        )
        check_writable((*outputs, paths.live_dir(params.name) / "metrics.json"))
    loading_started = time.perf_counter()
    training = load_split(paths.PROCESSED_DIR, "train")
    validation = load_split(paths.PROCESSED_DIR, "validation")
    data_load_seconds = time.perf_counter() - loading_started
    check_batch_size(params, len(training[0]))

    # TensorFlow loads only after the params, the outputs and the data have been checked.
    import_started = time.perf_counter()
    from fashion.tensorflow_setup import tf

    # A multi-worker strategy must exist before any other TensorFlow operation
    # (listing logical devices initializes the runtime, so only mirrored does).
    gpus = len(tf.config.list_physical_devices("GPU"))
    logical_cpus = len(tf.config.list_logical_devices("CPU")) if requested_strategy == "mirrored" else 1
    strategy_name, note = resolve_strategy_name(requested_strategy, gpus, logical_cpus)
    strategy = make_strategy(strategy_name)
    if note:
        print(f"train: {note}")

    from fashion.cost import forward_flops
    from fashion.live import live_callback, open_live_log
    from fashion.precision import cpu_has_native_bfloat16, resolve_precision
    from fashion.recipe import build_model, compile_model, make_datasets, one_hot, uses_input_pipeline
    from fashion.saving import save_model
    from fashion.tensorflow_setup import make_deterministic
    from fashion.training import KeepBestWeights, fit

    tensorflow_import_seconds = time.perf_counter() - import_started
    precision = resolve_precision(params.precision, gpus, cpu_has_native_bfloat16())
    multi_worker = strategy_name == "multi_worker"
    # Seeded before the input pipeline is built: its shuffle's seed depends on the global one,
    # so a run's batches do not depend on what ran earlier in the same process.
    make_deterministic(params.seed)
    # Multi-worker runs always read the input pipeline (one-hot labels): the custom loop needs tf.data.
    pipeline = uses_input_pipeline(params) or multi_worker
    if pipeline:
        training_data, validation_data, steps = make_datasets(params, training, validation)
    else:
        training_data, validation_data, steps = training, validation, None

    sweep_rows = []
    if params.sweep is not None:
        from fashion.fast_sweep import run_fast_sweep

        # The sweep reads one epoch of the dataset the model then trains on (one
        # copy of the images in memory), on one device even under `mirrored`;
        # training iterates that dataset afresh, and the sweep's model is thrown away.
        make_deterministic(params.seed)
        sweep_rows, suggestion = run_fast_sweep(
            build_model(params, precision), params.label_smoothing, training_data, steps,
            validation[0], one_hot(validation[1]), params.sweep,
        )  # fmt: skip
        learning_rate = suggestion["suggested_learning_rate"]

    make_deterministic(params.seed)
    with strategy.scope():
        model = build_model(params, precision)
        compile_model(
            model, params, learning_rate, len(training[0]), steps_per_execution(strategy_name),
            one_hot_labels=pipeline, precision=precision,
        )  # fmt: skip
    keeps_best = params.restore_best_epoch or params.early_stopping_patience > 0
    best = KeepBestWeights(params.early_stopping_patience, restore=params.restore_best_epoch)
    # Only the chief logs and writes; other workers of a multi-worker run write to a
    # temporary directory, as TensorFlow requires every worker to take part in saving.
    live_directory = paths.live_dir(params.name) if chief else Path(tempfile.mkdtemp()) / "live"
    training_started = time.perf_counter()
    try:
        with open_live_log(live_directory) as live:
            history = fit(
                model, training_data, validation_data, params.epochs, params.batch_size, description=params.name,
                callbacks=(live_callback(live), *((best,) if keeps_best else ())),
                strategy=strategy if multi_worker else None, steps_per_epoch=steps,
            )  # fmt: skip
            epochs_run = len(history["loss"])
            kept = best.kept_epoch if keeps_best else epochs_run
            summarize_kept_epoch(live, history, kept)
    except BaseException:
        # A diverged or interrupted run leaves no live log that looks like a result.
        shutil.rmtree(live_directory, ignore_errors=True)
        raise
    training_seconds = time.perf_counter() - training_started
    if not chief:
        with tempfile.TemporaryDirectory() as scratch:
            model.save(Path(scratch) / "model.keras")
        return f"{params.name}: worker finished; the chief writes the outputs"

    save_model(model, paths.model_file(params.name))
    write_history(paths.history_file(params.name), history)
    final = {
        "training_accuracy": history["accuracy"][kept - 1],
        "training_loss": history["loss"][kept - 1],
        "validation_accuracy": history["val_accuracy"][kept - 1],
        "validation_loss": history["val_loss"][kept - 1],
        "learning_rate": learning_rate,
        "epochs": params.epochs,
        "replicas": strategy.num_replicas_in_sync,
    }
    if keeps_best:
        final.update({"kept_epoch": kept, "epochs_run": epochs_run})
    write_json(paths.train_metrics_file(params.name), final)
    write_json(
        paths.cost_metrics_file(params.name),
        {
            "parameters": model.count_params(),
            "forward_flops_per_image": forward_flops(model),
            "precision": precision,
        },
    )
    write_json(
        paths.timing_file(params.name),
        {
            "training_seconds": round(training_seconds, 2),
            "seconds_per_epoch": round(training_seconds / epochs_run, 2),
            "data_load_seconds": round(data_load_seconds, 3),
            "tensorflow_import_seconds": round(tensorflow_import_seconds, 3),
        },
    )
    write_csv(paths.sweep_file(params.name), SWEEP_COLUMNS, sweep_rows)
    return (
        f"{params.name}: validation accuracy {final['validation_accuracy']:.4f} (epoch {kept} of {epochs_run}), "
        f"{training_seconds:.0f} s of training in {precision}"
    )


def check_batch_size(params, training_images: int) -> None:
    """A batch larger than the training split would silently train on fewer images per step than asked."""
    if params.batch_size > training_images:
        raise PipelineError(
            f"params.yaml: {params.name}'s batch_size ({params.batch_size}) is larger than the training split "
            f"({training_images} images); lower it."
        )


def summarize_kept_epoch(live, history: dict, kept: int) -> None:
    """Make dvclive's summary (live/<model>/metrics.json) describe the saved epoch, not the last one.

    dvclive writes the last epoch's values; when an earlier epoch's weights
    were kept, the summary is rewritten so that every metric a user sees for
    the model describes the model that was saved.
    """
    if kept == len(history["loss"]):
        return
    index = kept - 1
    live.step = index
    for split, prefix in (("train", ""), ("eval", "val_")):
        for metric in ("loss", "accuracy"):
            live.summary.setdefault(split, {})[metric] = history[f"{prefix}{metric}"][index]
    live.make_summary()


if __name__ == "__main__":
    sys.exit(main())
