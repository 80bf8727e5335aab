"""Stage baseline@<name>: fit one scikit-learn classifier of params.yaml's `baselines:` on the training split."""

import argparse

from fashion.core import paths
from fashion.core.atomic import check_writable, write_json
from fashion.core.cli import stage_entry_point
from fashion.core.interrupts import exit_with
from fashion.core.params import load_params
from fashion.data.arrays import load_split


@stage_entry_point("baseline")
def main(argv=None) -> str:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--name", required=True, help="a key of `baselines:` in params.yaml")
    params = load_params(paths.PARAMS_FILE).baseline(parser.parse_args(argv).name)
    model_file = paths.baseline_file(params.name)
    check_writable((model_file, paths.baseline_metrics_file(params.name)))
    training, validation = (load_split(paths.PROCESSED_DIR, split) for split in ("train", "validation"))

    from fashion.baselines.estimators import train_baseline  # scikit-learn loads only now
    from fashion.baselines.saving import save_baseline

    fitted = train_baseline(params, training, validation)
    save_baseline(fitted.pipeline, model_file)
    metrics = {"validation_accuracy": fitted.validation_accuracy, "stored_bytes": model_file.stat().st_size}
    write_json(paths.baseline_metrics_file(params.name), metrics)
    write_json(paths.timing_file(params.name), {"training_seconds": fitted.fit_seconds})
    return f"{params.name}: validation accuracy {fitted.validation_accuracy:.4f}, fitted in {fitted.fit_seconds:.0f} s"


if __name__ == "__main__":
    exit_with(main())
