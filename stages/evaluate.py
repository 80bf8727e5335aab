"""Stage evaluate: score every model on the test set -- the only stage that reads it."""

import sys

import numpy as np
from tqdm import tqdm

from fashion.core import paths
from fashion.core.atomic import write_csv, write_json
from fashion.core.cli import stage_entry_point
from fashion.core.dataset import CLASS_NAMES, INFERENCE_BATCH_SIZE
from fashion.core.params import load_params, parse_ensembles, parse_evaluate, parse_models
from fashion.data.arrays import load_split
from fashion.evaluation import figures
from fashion.evaluation.scores import summarize
from fashion.training.history import learning_curve_rows, read_history


def write_model_report(name: str, test_labels: np.ndarray, summary: dict) -> None:
    """The test metrics, confusion table, per-class table and heatmap of one model."""
    write_json(
        paths.test_metrics_file(name),
        {"test_accuracy": summary["accuracy"], "test_loss": summary["loss"], "test_macro_f1": summary["macro_f1"]},
    )
    write_csv(
        paths.CONFUSION_DIR / f"{name}.csv",
        ("actual", "predicted"),
        [
            (CLASS_NAMES[actual], CLASS_NAMES[predicted])
            for actual, predicted in zip(test_labels, summary["predicted_labels"], strict=True)
        ],
    )
    per_class = summary["per_class"]
    write_csv(
        paths.PER_CLASS_DIR / f"{name}.csv",
        ("class", "precision", "recall", "f1", "support"),
        [
            (
                class_name,
                per_class["precision"][index],
                per_class["recall"][index],
                per_class["f1"][index],
                int(per_class["support"][index]),
            )
            for index, class_name in enumerate(CLASS_NAMES)
        ],
    )
    figures.confusion_heatmap(
        summary["confusion"], CLASS_NAMES, f"{name}: test accuracy {summary['accuracy']:.2%}",
        paths.CONFUSION_FIGURE_DIR / f"{name}.png",
    )  # fmt: skip


@stage_entry_point("evaluate")
def main(argv=None) -> str:
    raw = load_params(paths.PARAMS_FILE)
    models = parse_models(raw)
    ensembles = parse_ensembles(raw)
    params = parse_evaluate(raw)
    saved = {name: paths.model_file(name) for name in models} | {name: paths.ensemble_file(name) for name in ensembles}
    test_images, test_labels = load_split(paths.PROCESSED_DIR, "test")
    histories = {name: read_history(paths.history_file(name)) for name in models}
    grid_size = min(params.grid_rows * params.grid_columns, len(test_labels))
    grid_indices = np.random.default_rng(params.seed).choice(len(test_labels), size=grid_size, replace=False)

    from fashion.models.saving import load_trained_model

    accuracies = {}
    for name, path in tqdm(saved.items(), desc="evaluate", unit="model"):
        probabilities = load_trained_model(path).predict(test_images, batch_size=INFERENCE_BATCH_SIZE, verbose=0)
        summary = summarize(test_labels, probabilities, len(CLASS_NAMES))
        write_model_report(name, test_labels, summary)
        figures.prediction_grid(
            test_images[grid_indices], test_labels[grid_indices], summary["predicted_labels"][grid_indices],
            probabilities[grid_indices].max(axis=1), CLASS_NAMES, params.grid_rows, params.grid_columns,
            f"{name}: random test images (seed {params.seed})", paths.PREDICTIONS_FIGURE_DIR / f"{name}.png",
        )  # fmt: skip
        accuracies[name] = summary["accuracy"]

    write_csv(
        paths.LEARNING_CURVES_FILE, ("model", "epoch", "split", "accuracy", "loss"), learning_curve_rows(histories)
    )
    figures.learning_curves(histories, paths.LEARNING_CURVES_FIGURE_FILE)
    best = max(accuracies, key=accuracies.get)
    return f"{len(saved)} models scored on {len(test_labels)} test images; best {best} at {accuracies[best]:.4f}"


if __name__ == "__main__":
    sys.exit(main())
