"""The stratified validation split."""

import numpy as np
import pytest

from fashion.core.errors import PipelineError
from fashion.data.split import count_per_class, stratified_split


def test_split_is_stratified_disjoint_and_complete():
    labels = np.repeat(np.arange(10, dtype=np.uint8), [100, 50, 100, 100, 100, 100, 100, 100, 100, 20])
    training, validation = stratified_split(labels, validation_fraction=0.1, seed=0)
    assert len(np.intersect1d(training, validation)) == 0
    np.testing.assert_array_equal(np.sort(np.concatenate([training, validation])), np.arange(len(labels)))
    expected = np.round(np.bincount(labels) * 0.1).astype(int)
    np.testing.assert_array_equal(np.bincount(labels[validation], minlength=10), expected)


def test_split_depends_only_on_the_seed():
    labels = np.tile(np.arange(10, dtype=np.uint8), 50)
    first = stratified_split(labels, 0.2, seed=7)
    again = stratified_split(labels, 0.2, seed=7)
    other = stratified_split(labels, 0.2, seed=8)
    np.testing.assert_array_equal(first[1], again[1])
    assert not np.array_equal(first[1], other[1])


def test_a_class_too_small_to_split_is_an_error():
    labels = np.array([0, 0, 0, 0, 1], dtype=np.uint8)
    with pytest.raises(PipelineError, match="Class 1 has 1 training images"):
        stratified_split(labels, 0.5, seed=0)


def test_count_per_class_names_every_class():
    counts = count_per_class(np.array([0, 0, 2], dtype=np.uint8), ("a", "b", "c"))
    assert counts == {"a": 2, "b": 0, "c": 1}
