"""The ensemble's arithmetic: the mean of its members' probabilities over their test-time views."""

import numpy as np
import pytest

from fashion.core.architectures.dense import build_dense_model
from fashion.core.tensorflow_setup import keras
from fashion.models.ensemble import Views, build_ensemble, member_views
from fashion.models.saving import load_trained_model


def constant_model(probabilities, name):
    """A model that answers `probabilities` whatever the image: softmax of log p."""
    model = build_dense_model((4,), "relu", "unit", 28, 10, name)
    output = model.get_layer("probabilities")
    output.set_weights([np.zeros((4, 10), np.float32), np.log(np.asarray(probabilities, np.float32))])
    return model


def test_mean_of_synthetic_probabilities():
    first = np.array([0.7, 0.1, 0.1, 0.1, 0, 0, 0, 0, 0, 0]) + 1e-9
    second = np.array([0.1, 0.6, 0.3, 0, 0, 0, 0, 0, 0, 0]) + 1e-9
    third = np.full(10, 0.1)
    members = [constant_model(p / p.sum(), f"m{i}") for i, p in enumerate((first, second, third))]
    ensemble = build_ensemble(members, [Views(flips=False, shift=0)] * 3, name="ensemble")
    output = ensemble.predict(np.zeros((2, 28, 28), np.float32), verbose=0)
    expected = (first / first.sum() + second / second.sum() + third) / 3
    np.testing.assert_allclose(output, np.stack([expected, expected]), rtol=1e-5, atol=1e-7)
    # Class 0: (0.7 + 0.1 + 0.1) / 3 = 0.3 beats class 1: (0.1 + 0.6 + 0.1) / 3 = 0.267.
    assert output.argmax(axis=1).tolist() == [0, 0]


@pytest.mark.parametrize("flip", [False, True])
def test_matches_member_predictions_averaged_by_hand(flip, tmp_path):
    keras.utils.set_random_seed(3)
    members = [build_dense_model((8,), "relu", "unit", 28, 10, f"member_{index}") for index in range(3)]
    images = np.random.default_rng(0).random((16, 28, 28), dtype=np.float32)
    views = [images, images[:, :, ::-1]] if flip else [images]
    expected = np.mean([member.predict(view, verbose=0) for member in members for view in views], axis=0)
    ensemble = build_ensemble(members, [Views(flips=flip, shift=0)] * 3, "ensemble")
    np.testing.assert_allclose(ensemble.predict(images, verbose=0), expected, rtol=1e-5, atol=1e-7)
    ensemble.save(tmp_path / "ensemble.keras")
    loaded = load_trained_model(tmp_path / "ensemble.keras")
    np.testing.assert_allclose(loaded.predict(images, verbose=0), expected, rtol=1e-5, atol=1e-7)
    if flip:  # a left-right symmetric image gives the same answer as without flips
        symmetric = (images + images[:, :, ::-1]) / 2
        plain = build_ensemble(members, [Views(flips=False, shift=0)] * 3, "plain").predict(symmetric, verbose=0)
        np.testing.assert_allclose(ensemble.predict(symmetric, verbose=0), plain, rtol=1e-5, atol=1e-7)


def shifted(images: np.ndarray, rows: int, columns: int) -> np.ndarray:
    """`images` moved `rows` down and `columns` right, zeros coming in: NumPy's version of the Shift layer."""
    height, width = images.shape[1:]
    padded = np.pad(images, ((0, 0), (abs(rows),) * 2, (abs(columns),) * 2))
    top, left = abs(rows) - rows, abs(columns) - columns
    return padded[:, top : top + height, left : left + width]


def test_shift_views_by_hand_and_each_member_sees_only_what_it_trained_on(tmp_path):
    keras.utils.set_random_seed(4)
    flipped_and_shifted, plain = (build_dense_model((8,), "relu", "unit", 28, 10, name) for name in ("a", "b"))
    images = np.random.default_rng(1).random((8, 28, 28), dtype=np.float32)
    moves = ((-1, 0), (1, 0), (0, -1), (0, 1))
    first_views = [images, images[:, :, ::-1]]
    first_views += [shifted(view, rows, columns) for view in list(first_views) for rows, columns in moves]
    first = np.mean([flipped_and_shifted.predict(view, verbose=0) for view in first_views], axis=0)
    # The first member's ten views averaged, then the members: with weights 2 and 1, two votes to one.
    expected = (2 * first + plain.predict(images, verbose=0)) / 3
    views = [member_views(True, 1, trained_flips=True, trained_shift_pixels=2), member_views(True, 1, False, 0)]
    assert views == [Views(flips=True, shift=1), Views(flips=False, shift=0)] and views[0].count == 10
    ensemble = build_ensemble([flipped_and_shifted, plain], views, "ensemble", weights=[2, 1])
    np.testing.assert_allclose(ensemble.predict(images, verbose=0), expected, rtol=1e-5, atol=1e-7)
    ensemble.save(tmp_path / "ensemble.keras")
    np.testing.assert_allclose(
        load_trained_model(tmp_path / "ensemble.keras").predict(images, verbose=0), expected, rtol=1e-5, atol=1e-7
    )


def test_the_shift_layer_moves_a_pixel_as_the_training_shift_does():
    from fashion.models.layers import Shift

    image = np.zeros((1, 5, 5), np.float32)
    image[0, 2, 2] = 1.0
    for rows, columns in ((-1, 0), (1, 0), (0, -2), (0, 2), (1, 1)):
        moved = keras.ops.convert_to_numpy(Shift(rows, columns)(image))
        assert moved[0, 2 + rows, 2 + columns] == 1.0 and moved.sum() == 1.0
