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
