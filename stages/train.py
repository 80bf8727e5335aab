"""Stage train@<model>: train one model of params.yaml's `models:` mapping."""

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from fashion import paths
from fashion.arrays import load_split
from fashion.atomic import atomic_path, check_writable, write_json
from fashion.cli import stage_entry_point
from fashion.dataset import IMAGE_SIZE, NUMBER_OF_CLASSES
from fashion.distribute import is_chief, make_strategy, steps_per_execution
from fashion.errors import PipelineError
from fashion.history import write_history
from fashion.params import load_params, parse_distribute, parse_model


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
    strategy_name = parse_distribute(raw).strategy
    learning_rate = params.learning_rate
    if learning_rate is None:
        learning_rate = read_suggested_learning_rate(paths.LR_FIND_METRICS_FILE)
    chief = is_chief(os.environ.get("TF_CONFIG"))
    if chief:
        outputs = (
            paths.model_file(params.name),
            paths.history_file(params.name),
            paths.train_metrics_file(params.name),
        )
        check_writable((*outputs, paths.live_dir(params.name) / "metrics.json"))
    training = load_split(paths.PROCESSED_DIR, "train")
    validation = load_split(paths.PROCESSED_DIR, "validation")

    # TensorFlow loads only after the params, the outputs and the data have been checked.
    from fashion.live import live_callback, open_live_log
    from fashion.models import build_dense_model, compile_classifier
    from fashion.tensorflow_setup import make_deterministic
    from fashion.training import fit

    make_deterministic(params.seed)
    strategy = make_strategy(strategy_name)
    with strategy.scope():
        model = build_dense_model(
            params.hidden_units, params.activation, params.input_scaling, IMAGE_SIZE, NUMBER_OF_CLASSES, params.name
        )
        compile_classifier(model, params.optimizer, learning_rate, steps_per_execution(strategy_name))
    # Only the chief logs and writes; other workers of a multi-worker run write to a
    # temporary directory, as TensorFlow requires every worker to take part in saving.
    live_directory = paths.live_dir(params.name) if chief else Path(tempfile.mkdtemp()) / "live"
    try:
        with open_live_log(live_directory) as live:
            history = fit(
                model, training, validation, params.epochs, params.batch_size, description=params.name,
                callbacks=(live_callback(live),),
                multi_worker=(strategy, params.seed) if strategy_name == "multi_worker" else None,
            )  # fmt: skip
    except BaseException:
        # A diverged or interrupted run leaves no live log that looks like a result.
        shutil.rmtree(live_directory, ignore_errors=True)
        raise
    if not chief:
        with tempfile.TemporaryDirectory() as scratch:
            model.save(Path(scratch) / "model.keras")
        return f"{params.name}: worker finished; the chief writes the outputs"

    with atomic_path(paths.model_file(params.name)) as temporary:
        model.save(temporary)
    write_history(paths.history_file(params.name), history)
    final = {
        "training_accuracy": history["accuracy"][-1],
        "training_loss": history["loss"][-1],
        "validation_accuracy": history["val_accuracy"][-1],
        "validation_loss": history["val_loss"][-1],
        "learning_rate": learning_rate,
        "epochs": params.epochs,
        "parameters": model.count_params(),
        "replicas": strategy.num_replicas_in_sync,
    }
    write_json(paths.train_metrics_file(params.name), final)
    return f"{params.name}: validation accuracy {final['validation_accuracy']:.4f} after {params.epochs} epochs"


if __name__ == "__main__":
    sys.exit(main())
