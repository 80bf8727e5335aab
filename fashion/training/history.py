"""Per-epoch training histories as CSV files that DVC plots and git diffs read.

In memory a history is Keras's dict of lists (`loss`, `accuracy`, `val_loss`,
`val_accuracy`); on disk it gets spelled-out column names and an epoch column.
"""

import csv
import math
from pathlib import Path

from fashion.core.atomic import write_csv
from fashion.core.bounded import regular_file_size
from fashion.core.errors import PipelineError, shorten

# The largest history file read: a row is under 100 bytes, so this holds over 100,000 epochs.
HISTORY_BYTES = 16 << 20

KERAS_HISTORY_KEYS = ("loss", "accuracy", "val_loss", "val_accuracy")
HISTORY_COLUMNS = ("training_loss", "training_accuracy", "validation_loss", "validation_accuracy")
# Columns of plots/learning_curves.csv: every model's epochs, one row per split.
LEARNING_CURVE_COLUMNS = ("model", "epoch", "split", "accuracy", "loss")


def write_history(target: Path, history: dict[str, list[float]]) -> None:
    """One row per epoch, numbered from 1."""
    columns = [history[key] for key in KERAS_HISTORY_KEYS]
    rows = [(epoch, *values) for epoch, values in enumerate(zip(*columns, strict=True), start=1)]
    write_csv(target, ("epoch", *HISTORY_COLUMNS), rows)


def read_history(path: Path) -> dict[str, list[float]]:
    """The inverse of `write_history`, checked: each accuracy in [0, 1] and each loss at least 0, or NaN.

    NaN marks a refit's unavailable validation values; anything else out of
    range means the file was not written by a train stage of this project.
    """
    fix = "Run `dvc repro --force` on its train stage."
    regular_file_size(path, HISTORY_BYTES, "history file", fix, missing="Run `dvc repro` to train the model first.")
    try:
        with Path(path).open(newline="") as stream:
            rows = list(csv.DictReader(stream))
        history = {
            key: [float(row[column]) for row in rows]
            for key, column in zip(KERAS_HISTORY_KEYS, HISTORY_COLUMNS, strict=True)
        }
    except (KeyError, ValueError, TypeError, UnicodeDecodeError, csv.Error) as error:
        raise PipelineError(f"{path} is not a valid history file ({shorten(str(error))}). {fix}") from error
    for key, column in zip(KERAS_HISTORY_KEYS, HISTORY_COLUMNS, strict=True):
        upper = 1.0 if key.endswith("accuracy") else math.inf
        wrong = [value for value in history[key] if not (math.isnan(value) or 0.0 <= value <= upper)]
        if wrong:
            raise PipelineError(f"{path} holds {column} {shorten(wrong[0])}, out of range. {fix}")
    return history


def has_validation(history: dict[str, list[float]]) -> bool:
    """False for a refit model's history, whose validation values are all NaN (unavailable)."""
    return not all(math.isnan(value) for value in history["val_accuracy"])


def learning_curve_rows(histories: dict[str, dict[str, list[float]]]) -> list[tuple]:
    """Long-format rows (model, epoch, split, accuracy, loss) of every model's history.

    One file with a `model` and a `split` column lets a single DVC plot show
    every model's curves, coloured by model, dashed by split. A refit model
    has no validation rows (its validation values are NaN: unavailable).
    """
    rows = []
    for name, history in histories.items():
        splits = [("training", "")]
        if has_validation(history):
            splits.append(("validation", "val_"))
        for split, prefix in splits:
            pairs = zip(history[f"{prefix}accuracy"], history[f"{prefix}loss"], strict=True)
            rows.extend((name, epoch, split, accuracy, loss) for epoch, (accuracy, loss) in enumerate(pairs, start=1))
    return rows
