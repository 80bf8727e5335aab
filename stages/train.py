"""Stage train@<model>: train one entry of params.yaml's `models:` or `lr_find_models:`."""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from fashion.core import paths
from fashion.core.atomic import check_writable, write_csv, write_json
from fashion.core.cli import stage_entry_point
from fashion.core.params import check_batch_size, load_params, parse_distribute, parse_model
from fashion.data.arrays import load_split
from fashion.training.distribute import is_chief
from fashion.training.lr_find import read_suggested_learning_rate


@stage_entry_point("train")
def main(argv=None) -> str:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", required=True, help="a key of `models:` or `lr_find_models:` in params.yaml")
    raw = load_params(paths.PARAMS_FILE)
    params = parse_model(raw, parser.parse_args(argv).model)
    learning_rate = params.learning_rate
    if params.learning_rate_source == "lr_find":
        learning_rate = read_suggested_learning_rate(paths.LR_FIND_METRICS_FILE)
    chief = is_chief(os.environ.get("TF_CONFIG"))  # only the chief of a multi-worker run writes
    if chief:
        check_writable(paths.train_outputs(params.name))
    started = time.perf_counter()
    training, validation = (load_split(paths.PROCESSED_DIR, split) for split in ("train", "validation"))
    data_load_seconds = time.perf_counter() - started
    check_batch_size(params, len(training[0]))

    started = time.perf_counter()  # TensorFlow loads only now, after every check
    from fashion.models.saving import save_model
    from fashion.training.history import write_history
    from fashion.training.run import SWEEP_COLUMNS, take_part_in_saving, train_model

    import_seconds = time.perf_counter() - started
    live_directory = paths.live_dir(params.name) if chief else Path(tempfile.mkdtemp()) / "live"
    result = train_model(params, learning_rate, parse_distribute(raw).strategy, training, validation, live_directory)
    if not chief:
        take_part_in_saving(result.model)
        return f"{params.name}: worker finished; the chief writes the outputs"
    save_model(result.model, paths.model_file(params.name))
    write_history(paths.history_file(params.name), result.history)
    write_json(paths.train_metrics_file(params.name), result.final_metrics(params.epochs))
    write_json(paths.cost_metrics_file(params.name), result.cost_metrics())
    write_json(paths.timing_file(params.name), result.timings(data_load_seconds, import_seconds))
    write_csv(paths.sweep_file(params.name), SWEEP_COLUMNS, result.sweep_rows)
    return (
        f"{params.name}: validation accuracy {result.history['val_accuracy'][result.kept_epoch - 1]:.4f} "
        f"(epoch {result.kept_epoch} of {result.epochs_run}), {result.training_seconds:.0f} s in {result.precision}"
    )


if __name__ == "__main__":
    sys.exit(main())
