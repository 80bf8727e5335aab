"""Stage evaluate: score every model, baseline and ensemble on the test set -- the only stage that reads it."""

import json
import sys

import numpy as np
from tqdm import tqdm

from fashion.core import paths
from fashion.core.atomic import write_csv
from fashion.core.cli import stage_entry_point
from fashion.core.params import load_params, parse_baselines, parse_ensembles, parse_evaluate, parse_models
from fashion.data.arrays import load_split
from fashion.training.history import LEARNING_CURVE_COLUMNS, learning_curve_rows, read_history


@stage_entry_point("evaluate")
def main(argv=None) -> str:
    raw = load_params(paths.PARAMS_FILE)
    models, ensembles, params = parse_models(raw), parse_ensembles(raw), parse_evaluate(raw)
    saved = (
        {name: paths.model_file(name) for name in models}
        | {name: paths.baseline_file(name) for name in parse_baselines(raw)}
        | {name: paths.ensemble_file(name) for name in ensembles}
    )
    validation_files = (
        {name: paths.train_metrics_file(name) for name in models}
        | {name: paths.baseline_metrics_file(name) for name in parse_baselines(raw)}
        | {name: paths.ensemble_metrics_file(name) for name in ensembles}
    )
    images, labels = load_split(paths.PROCESSED_DIR, "test")
    histories = {name: read_history(paths.history_file(name)) for name in models}
    grid_size = min(params.grid_rows * params.grid_columns, len(labels))
    grid = np.random.default_rng(params.seed).choice(len(labels), size=grid_size, replace=False)

    from fashion.evaluation import figures
    from fashion.evaluation.report import score_model, write_model_report, write_prediction_grid, write_summary

    accuracies = {}
    for name, path in tqdm(saved.items(), desc="evaluate", unit="model"):
        summary, probabilities = score_model(path, images, labels)
        test_metrics = write_model_report(name, labels, probabilities, summary)
        write_summary(name, test_metrics, json.loads(validation_files[name].read_text())["validation_accuracy"])
        write_prediction_grid(name, images, labels, probabilities, grid, params)
        accuracies[name] = summary["accuracy"]
    write_csv(paths.LEARNING_CURVES_FILE, LEARNING_CURVE_COLUMNS, learning_curve_rows(histories))
    figures.learning_curves(histories, paths.LEARNING_CURVES_FIGURE_FILE)
    best = max(accuracies, key=accuracies.get)
    return f"{len(saved)} models scored on {len(labels)} test images; best {best} at {accuracies[best]:.4f}"


if __name__ == "__main__":
    sys.exit(main())
