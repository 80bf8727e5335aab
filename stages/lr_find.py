"""Stage lr_find: the study's exponential learning-rate sweep, and a suggested rate."""

from fashion.core import paths
from fashion.core.atomic import write_csv, write_json
from fashion.core.cli import stage_entry_point
from fashion.core.interrupts import exit_with
from fashion.core.params import load_params
from fashion.data.arrays import load_split


@stage_entry_point("lr_find")
def main(argv=None) -> str:
    params = load_params(paths.PARAMS_FILE).lr_find
    training = load_split(paths.PROCESSED_DIR, "train")
    validation = load_split(paths.PROCESSED_DIR, "validation")

    # TensorFlow loads only after the params and data have been checked.
    from fashion.training.study_sweep import SWEEP_COLUMNS, run_study_sweep

    sweep = run_study_sweep(params, training, validation)
    suggested = sweep.suggestion["suggested_learning_rate"]
    write_csv(paths.LR_FIND_PLOT_FILE, SWEEP_COLUMNS, sweep.rows())
    write_json(paths.LR_FIND_METRICS_FILE, {**sweep.suggestion, "epochs_run": len(sweep.rates)})
    return f"suggested learning rate {suggested:.3g} over {len(sweep.rates)} epochs"


if __name__ == "__main__":
    exit_with(main())
