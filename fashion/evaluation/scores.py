"""Classification scores from labels and predicted probabilities, in NumPy.

Kept free of TensorFlow so the arithmetic is unit-tested on tiny arrays.
"""

import numpy as np

# Keras clips probabilities the same way before taking the logarithm.
PROBABILITY_EPSILON = 1e-7


def confusion_matrix(true_labels: np.ndarray, predicted_labels: np.ndarray, classes: int) -> np.ndarray:
    """Counts[actual, predicted], a `classes` x `classes` integer matrix."""
    flat = true_labels.astype(np.int64) * classes + predicted_labels.astype(np.int64)
    return np.bincount(flat, minlength=classes * classes).reshape(classes, classes)


def cross_entropy(true_labels: np.ndarray, probabilities: np.ndarray) -> float:
    """Mean sparse categorical cross-entropy of predicted probabilities."""
    chosen = probabilities[np.arange(len(true_labels)), true_labels]
    return float(-np.mean(np.log(np.clip(chosen, PROBABILITY_EPSILON, 1.0))))


def per_class_scores(confusion: np.ndarray) -> dict[str, np.ndarray]:
    """Precision, recall, F1 and support of each class (0 where undefined)."""
    true_positives = np.diag(confusion).astype(np.float64)
    predicted = confusion.sum(axis=0)
    actual = confusion.sum(axis=1)
    precision = np.divide(true_positives, predicted, out=np.zeros_like(true_positives), where=predicted > 0)
    recall = np.divide(true_positives, actual, out=np.zeros_like(true_positives), where=actual > 0)
    total = precision + recall
    f1 = np.divide(2 * precision * recall, total, out=np.zeros_like(total), where=total > 0)
    return {"precision": precision, "recall": recall, "f1": f1, "support": actual}


def summarize(true_labels: np.ndarray, probabilities: np.ndarray, classes: int) -> dict:
    """Accuracy, loss, macro F1, the confusion matrix and per-class scores."""
    predicted_labels = probabilities.argmax(axis=1)
    confusion = confusion_matrix(true_labels, predicted_labels, classes)
    per_class = per_class_scores(confusion)
    return {
        "accuracy": float(np.mean(predicted_labels == true_labels)),
        "loss": cross_entropy(true_labels, probabilities),
        "macro_f1": float(per_class["f1"].mean()),
        "predicted_labels": predicted_labels,
        "confusion": confusion,
        "per_class": per_class,
    }


def top_k_accuracy(true_labels: np.ndarray, probabilities: np.ndarray, k: int) -> float:
    """Share of images whose true class is among the `k` most probable (ties broken by class order)."""
    top = np.argsort(-probabilities, axis=1, kind="stable")[:, :k]
    return float(np.mean(np.any(top == true_labels[:, None], axis=1)))


def accuracy(true_labels: np.ndarray, probabilities: np.ndarray) -> float:
    """Share of images whose most probable class is the true one."""
    return float(np.mean(probabilities.argmax(axis=1) == true_labels))


def macro_f1(true_labels: np.ndarray, probabilities: np.ndarray) -> float:
    """The mean of the per-class F1 scores, every class weighted alike."""
    classes = probabilities.shape[1]
    return float(per_class_scores(confusion_matrix(true_labels, probabilities.argmax(axis=1), classes))["f1"].mean())
