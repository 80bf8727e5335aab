"""Score models on the test set and write each one's report: metrics, confusion table, per-class table, figures.

Used by the evaluate stage alone, the only reader of the test split.
"""

from pathlib import Path

import numpy as np
from tqdm import tqdm

from fashion.core import paths
from fashion.core.atomic import write_csv, write_json
from fashion.core.bounded import read_validation_accuracy
from fashion.core.dataset import CLASS_NAMES, INFERENCE_BATCH_SIZE, NUMBER_OF_CLASSES
from fashion.evaluation import figures
from fashion.evaluation.scores import accuracy, cross_entropy, macro_f1, summarize, top_k_accuracy  # noqa: F401
from fashion.models.saving import load_trained_model, release_models
from fashion.training.history import LEARNING_CURVE_COLUMNS, learning_curve_rows

# What metrics/test/<model>.json holds: name -> function of (true labels, predicted probabilities).
# (top_k_accuracy is imported for the README's example of adding a metric.)
TEST_METRICS = {"test_accuracy": accuracy, "test_loss": cross_entropy, "test_macro_f1": macro_f1}


# Test images per prediction call. Half the usual inference batch: an ensemble computes
# ten views of each member at once, and at 500 images the two-network ensemble alone
# peaked at 1.45-1.64 GiB against 0.97-1.27 GiB at 250, for 5% less time (docs/benchmark.md).
EVALUATION_BATCH_SIZE = INFERENCE_BATCH_SIZE // 2

# What metrics/summary/<name>.json holds, the one file per model that `dvc exp show` shows.
SUMMARY_METRICS = ("test_accuracy", "test_macro_f1", "validation_accuracy")


def score_model(path: Path, images: np.ndarray, labels: np.ndarray) -> tuple[dict, np.ndarray]:
    """(scores, probabilities) of the saved model at `path` on `images`: a Keras network, or a baseline (.skops)."""
    if Path(path).suffix == ".skops":
        from fashion.baselines.estimators import class_probabilities
        from fashion.baselines.saving import load_baseline

        probabilities = class_probabilities(load_baseline(path), images, NUMBER_OF_CLASSES)
    else:
        probabilities = load_trained_model(path).predict(images, batch_size=EVALUATION_BATCH_SIZE, verbose=0)
    return summarize(labels, probabilities, NUMBER_OF_CLASSES), probabilities


def write_summary(name: str, test_metrics: dict, validation_accuracy: float) -> None:
    """metrics/summary/<name>.json: test accuracy, test macro F1 and the validation accuracy it was chosen by.

    The numbers sit under the model's name, so `dvc exp show` names its columns
    `cnn.test_accuracy` rather than `metrics/summary/cnn.json:test_accuracy`.
    """
    summary = {**test_metrics, "validation_accuracy": validation_accuracy}
    write_json(paths.summary_metrics_file(name), {name: {metric: summary[metric] for metric in SUMMARY_METRICS}})


def write_model_report(name: str, labels: np.ndarray, probabilities: np.ndarray, summary: dict) -> dict:
    """The test metrics (`TEST_METRICS`, returned), confusion table, per-class table and heatmap of one model."""
    test_metrics = {metric: function(labels, probabilities) for metric, function in TEST_METRICS.items()}
    write_json(paths.test_metrics_file(name), test_metrics)
    write_csv(
        paths.CONFUSION_DIR / f"{name}.csv",
        ("actual", "predicted"),
        [
            (CLASS_NAMES[actual], CLASS_NAMES[predicted])
            for actual, predicted in zip(labels, summary["predicted_labels"], strict=True)
        ],
    )
    per_class = summary["per_class"]
    write_csv(
        paths.PER_CLASS_DIR / f"{name}.csv",
        ("class", "precision", "recall", "f1", "support"),
        [
            (class_name, per_class["precision"][index], per_class["recall"][index], per_class["f1"][index],
             int(per_class["support"][index]))
            for index, class_name in enumerate(CLASS_NAMES)
        ],
    )  # fmt: skip
    figures.confusion_heatmap(
        summary["confusion"], CLASS_NAMES, f"{name}: test accuracy {summary['accuracy']:.2%}",
        paths.CONFUSION_FIGURE_DIR / f"{name}.png",
    )  # fmt: skip
    return test_metrics


def write_prediction_grid(
    name: str, images: np.ndarray, labels: np.ndarray, probabilities: np.ndarray, indices: np.ndarray, params
) -> None:
    """plots/predictions/<name>.png: the images at `indices` with their predicted class and confidence."""
    figures.prediction_grid(
        images[indices], labels[indices], probabilities[indices].argmax(axis=1), probabilities[indices].max(axis=1),
        CLASS_NAMES, params.grid_rows, params.grid_columns, f"{name}: random test images (seed {params.seed})",
        paths.PREDICTIONS_FIGURE_DIR / f"{name}.png",
    )  # fmt: skip


def evaluate_all(
    saved: dict[str, tuple[Path, Path]], images: np.ndarray, labels: np.ndarray, params
) -> dict[str, float]:
    """Score every saved model on the test set and write its report, summary and prediction grid.

    `saved` maps each name to (its model file, the JSON file holding the
    validation accuracy it was chosen by); `params` is the `evaluate:` section.
    Returns each model's test accuracy. The grid shows the same random images
    for every model, so their grids compare image for image.
    """
    grid_size = min(params.grid_rows * params.grid_columns, len(labels))
    grid = np.random.default_rng(params.seed).choice(len(labels), size=grid_size, replace=False)
    accuracies = {}
    for name, (model_file, validation_file) in tqdm(saved.items(), desc="evaluate", unit="model"):
        summary, probabilities = score_model(model_file, images, labels)
        test_metrics = write_model_report(name, labels, probabilities, summary)
        write_summary(name, test_metrics, read_validation_accuracy(validation_file))
        write_prediction_grid(name, images, labels, probabilities, grid, params)
        accuracies[name] = summary["accuracy"]
        release_models()
    return accuracies


def write_learning_curves(histories: dict[str, dict[str, list[float]]]) -> None:
    """plots/learning_curves.csv and .png: every model's per-epoch history side by side."""
    write_csv(paths.LEARNING_CURVES_FILE, LEARNING_CURVE_COLUMNS, learning_curve_rows(histories))
    figures.learning_curves(histories, paths.LEARNING_CURVES_FIGURE_FILE)
