"""Score models on the test set and write the report: metrics per model, per-class scores, the exported model's plots.

Used by the evaluate stage alone, the only reader of the test split.
"""

from pathlib import Path

import numpy as np
from sklearn import metrics
from tqdm import tqdm

from fashion.core import paths
from fashion.core.atomic import write_csv, write_json
from fashion.core.bounded import read_ensemble_choice, read_validation_accuracy
from fashion.core.dataset import CLASS_NAMES, INFERENCE_BATCH_SIZE, NUMBER_OF_CLASSES
from fashion.evaluation import figures
from fashion.models.saving import load_trained_model, release_models
from fashion.training.history import LEARNING_CURVE_COLUMNS, learning_curve_rows

EVERY_CLASS = list(range(NUMBER_OF_CLASSES))


def summarize(labels: np.ndarray, probabilities: np.ndarray) -> dict:
    """scikit-learn's confusion counts[actual, predicted] and per-class precision, recall, F1 and
    support of predicted `probabilities` (0 where undefined, as for a class never predicted)."""
    predicted = probabilities.argmax(axis=1)
    per_class = metrics.precision_recall_fscore_support(labels, predicted, labels=EVERY_CLASS, zero_division=0)
    return {
        "confusion": metrics.confusion_matrix(labels, predicted, labels=EVERY_CLASS),
        "per_class": dict(zip(("precision", "recall", "f1", "support"), per_class, strict=True)),
    }


# What metrics/test/<model>.json holds: name -> function of (true labels, predicted probabilities).
TEST_METRICS = {
    "test_accuracy": lambda labels, probabilities: metrics.accuracy_score(labels, probabilities.argmax(axis=1)),
    "test_loss": lambda labels, probabilities: metrics.log_loss(labels, probabilities, labels=EVERY_CLASS),
    "test_macro_f1": lambda labels, probabilities: metrics.f1_score(
        labels, probabilities.argmax(axis=1), labels=EVERY_CLASS, average="macro", zero_division=0
    ),
}


# Test images per prediction call. Half the usual inference batch: an ensemble computes
# ten views of each member at once, and at 500 images the two-network ensemble alone
# peaked at 1.45-1.64 GiB against 0.97-1.27 GiB at 250, for 5% less time (docs/benchmark.md).
EVALUATION_BATCH_SIZE = INFERENCE_BATCH_SIZE // 2

# What metrics/summary/<name>.json holds: the same few numbers for every model, so that
# `dvc metrics show` prints one row per model with these columns.
SUMMARY_METRICS = ("validation_accuracy", "test_accuracy", "test_macro_f1")
# Columns of plots/per_class.csv (every model) and plots/confusion.csv (the exported model's counts).
PER_CLASS_COLUMNS = ("model", "class_index", "class", "precision", "recall", "f1", "support")
CONFUSION_COLUMNS = ("model", "actual_index", "actual", "predicted_index", "predicted", "count")


def score_model(path: Path, images: np.ndarray, labels: np.ndarray) -> tuple[dict, np.ndarray]:
    """(scores, probabilities) of the saved model at `path` on `images`: a Keras network, or a baseline (.skops)."""
    if Path(path).suffix == ".skops":
        from fashion.baselines.estimators import class_probabilities
        from fashion.baselines.saving import load_baseline

        probabilities = class_probabilities(load_baseline(path), images, NUMBER_OF_CLASSES)
    else:
        probabilities = load_trained_model(path).predict(images, batch_size=EVALUATION_BATCH_SIZE, verbose=0)
    return summarize(labels, probabilities), probabilities


def write_summary(name: str, test_metrics: dict, validation_accuracy: float | None, chosen: str | None) -> None:
    """metrics/summary/<name>.json: the validation accuracy the model was chosen by, its test accuracy and macro F1,
    and for an ensemble the members and views validation chose, with their shares of the vote.

    Flat, with the same keys in every file: `dvc metrics show` prints a row per
    model, and `dvc metrics diff` a line per changed number (or changed choice).
    """
    summary = {**test_metrics, "validation_accuracy": validation_accuracy}
    choice = {} if chosen is None else {"chosen": chosen}
    write_json(paths.summary_metrics_file(name), {**{metric: summary[metric] for metric in SUMMARY_METRICS}, **choice})


def per_class_rows(name: str, per_class: dict) -> list[tuple]:
    """plots/per_class.csv's rows for one model, in class order (see PER_CLASS_COLUMNS)."""
    return [
        (name, index, class_name, per_class["precision"][index], per_class["recall"][index], per_class["f1"][index],
         int(per_class["support"][index]))
        for index, class_name in enumerate(CLASS_NAMES)
    ]  # fmt: skip


def write_exported_model_plots(name: str, images, labels, probabilities, confusion, params) -> None:
    """plots/confusion.csv (counts, classes in class order) and plots/predictions.png of the exported model.

    The grid shows `params.grid_rows` x `params.grid_columns` test images drawn with `params.seed`.
    """
    write_csv(
        paths.CONFUSION_FILE,
        CONFUSION_COLUMNS,
        [
            (name, actual, CLASS_NAMES[actual], predicted, CLASS_NAMES[predicted], int(confusion[actual, predicted]))
            for actual in range(NUMBER_OF_CLASSES)
            for predicted in range(NUMBER_OF_CLASSES)
        ],
    )
    grid_size = min(params.grid_rows * params.grid_columns, len(labels))
    indices = np.random.default_rng(params.seed).choice(len(labels), size=grid_size, replace=False)
    figures.prediction_grid(
        images[indices], labels[indices], probabilities[indices].argmax(axis=1), probabilities[indices].max(axis=1),
        CLASS_NAMES, params.grid_rows, params.grid_columns, f"{name}: random test images (seed {params.seed})",
        paths.PREDICTIONS_FIGURE_FILE,
    )  # fmt: skip


def evaluate_all(
    saved: dict[str, tuple[Path, Path]], images: np.ndarray, labels: np.ndarray, exported: str, params, ensembles=()
) -> dict[str, float]:
    """Score every saved model on the test set; write its metrics, its summary and everyone's per-class scores.

    `saved` maps each name to (its model file, the JSON file holding the
    validation accuracy it was chosen by); `exported` names the model the
    export stage exports, whose confusion counts and prediction grid are drawn;
    `params` is the `evaluate:` section; `ensembles` names the ensembles, whose
    summaries also say what validation chose. Returns each model's test accuracy.
    """
    accuracies, per_class = {}, []
    for name, (model_file, validation_file) in tqdm(saved.items(), desc="evaluate", unit="model"):
        summary, probabilities = score_model(model_file, images, labels)
        test_metrics = {metric: float(function(labels, probabilities)) for metric, function in TEST_METRICS.items()}
        write_json(paths.test_metrics_file(name), test_metrics)
        chosen = read_ensemble_choice(validation_file) if name in ensembles else None
        write_summary(name, test_metrics, read_validation_accuracy(validation_file), chosen)
        per_class += per_class_rows(name, summary["per_class"])
        if name == exported:
            write_exported_model_plots(name, images, labels, probabilities, summary["confusion"], params)
        accuracies[name] = test_metrics["test_accuracy"]
        release_models()
    write_csv(paths.PER_CLASS_FILE, PER_CLASS_COLUMNS, per_class)
    return accuracies


def write_learning_curves(histories: dict[str, dict[str, list[float]]]) -> None:
    """plots/learning_curves.csv: every model's per-epoch history, one row per model, epoch and split."""
    write_csv(paths.LEARNING_CURVES_FILE, LEARNING_CURVE_COLUMNS, learning_curve_rows(histories))
