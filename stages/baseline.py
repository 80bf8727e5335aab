"""Stage baseline@<name>: fit one scikit-learn classifier of params.yaml's `baselines:` on the training split."""

import argparse
import sys
import time

from fashion.core import paths
from fashion.core.atomic import check_writable, write_json
from fashion.core.cli import stage_entry_point
from fashion.core.dataset import NUMBER_OF_CLASSES
from fashion.core.params import load_params, parse_baseline
from fashion.data.arrays import load_split


@stage_entry_point("baseline")
def main(argv=None) -> str:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--name", required=True, help="a key of `baselines:` in params.yaml")
    params = parse_baseline(load_params(paths.PARAMS_FILE), parser.parse_args(argv).name)
    model_file = paths.baseline_file(params.name)
    check_writable((model_file, paths.baseline_metrics_file(params.name)))
    (training_images, training_labels), (validation_images, validation_labels) = (
        load_split(paths.PROCESSED_DIR, split) for split in ("train", "validation")
    )

    from fashion.baselines.estimators import build_baseline, class_probabilities, fit_baseline
    from fashion.baselines.saving import save_baseline

    pipeline = build_baseline(params)
    started = time.perf_counter()
    fit_baseline(pipeline, training_images, training_labels, params.name)
    fit_seconds = time.perf_counter() - started
    predicted = class_probabilities(pipeline, validation_images, NUMBER_OF_CLASSES).argmax(axis=1)
    validation_accuracy = float((predicted == validation_labels).mean())
    save_baseline(pipeline, model_file)
    metrics = {"validation_accuracy": validation_accuracy, "stored_bytes": model_file.stat().st_size}
    write_json(paths.baseline_metrics_file(params.name), metrics)
    write_json(paths.timing_file(params.name), {"training_seconds": fit_seconds})
    return f"{params.name}: validation accuracy {validation_accuracy:.4f}, fitted in {fit_seconds:.0f} s"


if __name__ == "__main__":
    sys.exit(main())
