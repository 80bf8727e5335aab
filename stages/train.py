"""Stage train@<model>: train one entry of params.yaml's `models:` or `lr_find_models:`."""

import argparse
import os
import time

from fashion.core import paths
from fashion.core.atomic import check_writable
from fashion.core.cli import stage_entry_point
from fashion.core.interrupts import exit_with
from fashion.core.params import load_params
from fashion.core.params.data_rules import check_batch
from fashion.data.arrays import load_split
from fashion.training.distribute import is_chief
from fashion.training.lr_find import read_suggested_learning_rate


@stage_entry_point("train")
def main(argv=None) -> str:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", required=True, help="a key of `models:` or `lr_find_models:` in params.yaml")
    settings = load_params(paths.PARAMS_FILE)
    params, strategy = settings.model(parser.parse_args(argv).model), settings.distribute.strategy
    learning_rate = params.learning_rate if params.learning_rate_source == "params" else None  # None: its sweep's
    if params.learning_rate_source == "lr_find":
        learning_rate = read_suggested_learning_rate(paths.LR_FIND_METRICS_FILE)
    chief = is_chief(os.environ.get("TF_CONFIG"))  # only the chief of a multi-worker run writes
    if chief:
        check_writable(paths.train_outputs(params.name))
    started = time.perf_counter()
    training, validation = (load_split(paths.PROCESSED_DIR, split) for split in ("train", "validation"))
    check_batch(params.where, params.batch_size, len(training[0]))
    loaded = time.perf_counter()

    from fashion.training.run import train_model  # TensorFlow loads only now, after every check

    imported = time.perf_counter()
    live_directory = paths.live_dir(params.name) if chief else None
    result = train_model(params, learning_rate, strategy, training, validation, live_directory)
    if not chief:
        return f"{params.name}: worker finished; the chief writes the outputs"
    result.write(params.name, paths.model_file(params.name), params.epochs, loaded - started, imported - loaded)
    return result.summary(params.name)


if __name__ == "__main__":
    exit_with(main())
