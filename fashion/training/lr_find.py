"""The exponential learning-rate sweep and the rule that picks a learning rate.

Pure NumPy, no TensorFlow: the schedule is a formula and the suggestion is
arithmetic on the recorded losses, so both are unit-tested on synthetic curves.
"""

from pathlib import Path

import numpy as np

from fashion.core.bounded import handoff_number, read_handoff_json
from fashion.core.errors import PipelineError

# The rates a suggestion from metrics/lr_find.json may take: any optimizer diverges well before 10.
SMALLEST_RATE, LARGEST_RATE = 1e-12, 10.0


def sweep_learning_rate(epoch: int, start_learning_rate: float, epochs_per_decade: float) -> float:
    """The study's schedule: `start * 10 ** (epoch / epochs_per_decade)`.

    With the defaults (1e-4, 20) the rate grows tenfold every 20 epochs, from
    1e-4 at epoch 0 to about 8.9e-3 at epoch 39.
    """
    return start_learning_rate * 10 ** (epoch / epochs_per_decade)


def smooth(values: np.ndarray, smoothing: float) -> np.ndarray:
    """Exponential moving average with bias correction (0 means no smoothing)."""
    smoothed = np.empty(len(values), dtype=np.float64)
    average = 0.0
    for index, value in enumerate(values):
        average = smoothing * average + (1 - smoothing) * value
        smoothed[index] = average / (1 - smoothing ** (index + 1))
    return smoothed


def suggest_learning_rate(
    learning_rates: np.ndarray, losses: np.ndarray, smoothing: float, divisor: float
) -> dict[str, float]:
    """Pick a learning rate from a sweep: the rate of the lowest smoothed loss, divided.

    The rate at the minimum loss sits near the edge of instability, where a
    slightly larger step makes training diverge, so we step back by `divisor`
    (fastai's classic rule uses 10; params.yaml says which value we use and
    why). Non-finite losses (a diverged end of the sweep) are ignored.
    """
    learning_rates = np.asarray(learning_rates, dtype=np.float64)
    losses = np.asarray(losses, dtype=np.float64)
    finite = np.isfinite(losses)
    if finite.sum() < 2:
        raise PipelineError(
            "The learning-rate sweep produced fewer than two finite losses; "
            "lower lr_find.start_learning_rate or raise lr_find.epochs_per_decade."
        )
    smoothed = smooth(losses[finite], smoothing)
    best = int(np.argmin(smoothed))
    minimum_loss_rate = float(learning_rates[finite][best])
    return {
        "suggested_learning_rate": minimum_loss_rate / divisor,
        "minimum_loss_learning_rate": minimum_loss_rate,
        "minimum_smoothed_loss": float(smoothed[best]),
    }


def read_suggested_learning_rate(path: Path) -> float:
    """The learning rate that the lr_find stage suggested: a finite, positive rate no larger than `LARGEST_RATE`.

    The file may come from a remote or a branch; a negative rate would train
    by gradient ascent and a NaN would train nothing, both "successfully".
    """
    fix = "Run `dvc repro lr_find --force`."
    record = read_handoff_json(path, fix, missing="Run `dvc repro lr_find` first.")
    return handoff_number(path, record, "suggested_learning_rate", minimum=SMALLEST_RATE, maximum=LARGEST_RATE, fix=fix)
