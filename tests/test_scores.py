"""The scores evaluate writes, computed by scikit-learn, on hand-checked examples."""

import numpy as np
import pytest

from fashion.evaluation.report import TEST_METRICS, summarize


def probabilities_predicting(predicted: list[int]) -> np.ndarray:
    """Ten-class probabilities whose most probable class is `predicted`."""
    probabilities = np.full((len(predicted), 10), 0.05)
    probabilities[np.arange(len(predicted)), predicted] = 0.55
    return probabilities


def test_confusion_counts_actual_by_predicted_over_every_class():
    confusion = summarize(np.array([0, 0, 1, 2]), probabilities_predicting([0, 1, 1, 1]))["confusion"]
    assert confusion.shape == (10, 10)
    np.testing.assert_array_equal(confusion[:3, :3], [[1, 1, 0], [0, 1, 0], [0, 1, 0]])
    assert confusion.sum() == 4


def test_per_class_scores_by_hand_with_undefined_as_zero():
    per_class = summarize(np.array([0, 0, 1, 2]), probabilities_predicting([0, 1, 1, 1]))["per_class"]
    np.testing.assert_allclose(per_class["precision"][:3], [1.0, 1 / 3, 0.0])
    np.testing.assert_allclose(per_class["recall"][:3], [0.5, 1.0, 0.0])
    np.testing.assert_allclose(per_class["f1"][:3], [2 / 3, 0.5, 0.0])
    np.testing.assert_array_equal(per_class["support"][:4], [2, 1, 1, 0])
    assert not per_class["f1"][3:].any()  # classes with no image and no prediction score 0


def test_test_metrics_of_perfect_and_of_hand_checked_predictions():
    labels = np.array([0, 1, 2, 1])
    perfect = {name: function(labels, np.eye(10)[labels]) for name, function in TEST_METRICS.items()}
    assert perfect["test_accuracy"] == 1.0
    assert perfect["test_loss"] == pytest.approx(0.0, abs=1e-6)
    wrong = {name: function(np.array([0, 0, 1, 2]), probabilities_predicting([0, 1, 1, 1]))
             for name, function in TEST_METRICS.items()}  # fmt: skip
    assert wrong["test_accuracy"] == 0.5
    assert wrong["test_loss"] == pytest.approx(-np.log(0.55) / 2 - np.log(0.05) / 2)
    # Macro F1 over the ten classes, the seven never seen nor predicted counting 0.
    assert wrong["test_macro_f1"] == pytest.approx((2 / 3 + 0.5) / 10)


def test_a_zero_probability_for_the_true_class_gives_a_finite_loss():
    probabilities = np.zeros((2, 10))
    probabilities[:, 1] = 1.0
    assert np.isfinite(TEST_METRICS["test_loss"](np.array([0, 1]), probabilities))
