"""Greedy forward selection of an ensemble with replacement (Caruana et al., ICML 2004), on validation alone.

Free of TensorFlow: it sees each candidate's validation probabilities and the
validation labels, nothing else (the ensemble stage never loads the test split).
"""

from dataclasses import dataclass

import numpy as np
from sklearn import metrics

from fashion.core.dataset import NUMBER_OF_CLASSES


def validation_scores(labels: np.ndarray, probabilities: np.ndarray) -> dict[str, float]:
    """Accuracy and log loss of `probabilities` (one row per image) against `labels`.

    Each row is divided by its sum first: the networks' float32 softmax rows,
    averaged in float64, sum to one only to float32's precision, and
    scikit-learn checks a float64 row to float64's (and warns otherwise).
    """
    probabilities = probabilities / probabilities.sum(axis=1, keepdims=True)
    return {
        "validation_accuracy": float(metrics.accuracy_score(labels, probabilities.argmax(axis=1))),
        "validation_loss": float(metrics.log_loss(labels, probabilities, labels=list(range(NUMBER_OF_CLASSES)))),
    }


def _rank(scores: dict[str, float]) -> tuple[float, float]:
    """Higher accuracy first; between equal accuracies, lower log loss."""
    return scores["validation_accuracy"], -scores["validation_loss"]


@dataclass(frozen=True)
class Selection:
    """The chosen votes per candidate (only those chosen), and the validation scores after each round."""

    weights: dict[str, int]
    rounds: list[dict]


def greedy_selection(candidates: dict[str, np.ndarray], labels: np.ndarray, rounds: int) -> Selection:
    """Add, `rounds` times, the candidate whose extra vote most raises validation accuracy (log loss breaks ties;
    then the order of `candidates`), a candidate may be added again; keep the round that scored best (the
    earliest among equals), as Caruana et al. do to stop before the additions overfit validation.
    """
    names = list(candidates)
    total = np.zeros_like(next(iter(candidates.values())), dtype=np.float64)
    chosen: list[str] = []
    history = []
    for _ in range(rounds):
        trials = {name: validation_scores(labels, (total + candidates[name]) / (len(chosen) + 1)) for name in names}
        best = max(names, key=lambda name: _rank(trials[name]))  # max keeps the first of equals
        chosen.append(best)
        total += candidates[best]
        history.append({"added": best, **trials[best]})
    kept = max(range(len(history)), key=lambda index: _rank(history[index]))
    weights = {name: chosen[: kept + 1].count(name) for name in names if name in chosen[: kept + 1]}
    return Selection(weights=weights, rounds=history)
