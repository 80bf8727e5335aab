"""Classification scores on hand-checked examples."""

import numpy as np
import pytest

from fashion.evaluation.scores import confusion_matrix, cross_entropy, per_class_scores, summarize


def test_confusion_matrix_counts_actual_by_predicted():
    confusion = confusion_matrix(np.array([0, 0, 1, 2]), np.array([0, 1, 1, 1]), classes=3)
    np.testing.assert_array_equal(confusion, [[1, 1, 0], [0, 1, 0], [0, 1, 0]])


def test_per_class_scores_by_hand():
    scores = per_class_scores(np.array([[1, 1, 0], [0, 1, 0], [0, 1, 0]]))
    np.testing.assert_allclose(scores["precision"], [1.0, 1 / 3, 0.0])
    np.testing.assert_allclose(scores["recall"], [0.5, 1.0, 0.0])
    np.testing.assert_allclose(scores["f1"], [2 / 3, 0.5, 0.0])
    np.testing.assert_array_equal(scores["support"], [2, 1, 1])


def test_cross_entropy_matches_the_formula_and_clips_zeros():
    probabilities = np.array([[0.5, 0.5], [0.0, 1.0]])
    assert cross_entropy(np.array([0, 1]), probabilities) == pytest.approx(-np.log(0.5) / 2)
    assert np.isfinite(cross_entropy(np.array([0, 0]), probabilities))


def test_summary_of_perfect_predictions():
    labels = np.array([0, 1, 2, 1])
    summary = summarize(labels, np.eye(3)[labels], classes=3)
    assert summary["accuracy"] == 1.0
    assert summary["macro_f1"] == 1.0
    assert summary["loss"] == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize("seed", range(5))
def test_scores_agree_with_scikit_learn_on_random_labels(seed):
    """scikit-learn as the oracle: accuracy, per-class precision/recall/F1, macro F1, log loss and confusion."""
    from sklearn import metrics

    random = np.random.default_rng(seed)
    classes = 10
    labels = random.integers(0, classes, size=500)
    probabilities = random.dirichlet(np.ones(classes), size=500)
    if seed == 0:  # a class that is never predicted: its precision is undefined, taken as 0 by both
        probabilities[:, 3] = 0.0
        probabilities /= probabilities.sum(axis=1, keepdims=True)
    predicted = probabilities.argmax(axis=1)
    summary = summarize(labels, probabilities, classes)
    every_class = list(range(classes))

    np.testing.assert_array_equal(summary["confusion"], metrics.confusion_matrix(labels, predicted, labels=every_class))
    assert summary["accuracy"] == pytest.approx(metrics.accuracy_score(labels, predicted))
    assert summary["macro_f1"] == pytest.approx(
        metrics.f1_score(labels, predicted, average="macro", labels=every_class, zero_division=0)
    )
    precision, recall, f1, support = metrics.precision_recall_fscore_support(
        labels, predicted, labels=every_class, zero_division=0
    )
    np.testing.assert_allclose(summary["per_class"]["precision"], precision)
    np.testing.assert_allclose(summary["per_class"]["recall"], recall)
    np.testing.assert_allclose(summary["per_class"]["f1"], f1)
    np.testing.assert_array_equal(summary["per_class"]["support"], support)
    if seed != 0:  # zero probabilities are clipped differently (ours to PROBABILITY_EPSILON); the formula is the same
        assert summary["loss"] == pytest.approx(metrics.log_loss(labels, probabilities, labels=every_class))
