"""Augmentation and the training input pipeline: shapes, labels, determinism, coverage."""

import numpy as np
import pytest

from fashion.core.params import Augmentation
from fashion.core.tensorflow_setup import tf
from fashion.data.augment import TrainingAugmentation, augment, erase, shift
from fashion.data.input_pipeline import evaluation_dataset, stateless_draws, steps_per_epoch, training_dataset

EVERYTHING = Augmentation(shift_pixels=2, horizontal_flip=True, erase_probability=0.5, erase_max_fraction=0.4)


def images_and_labels(count=40, seed=0):
    generator = np.random.default_rng(seed)
    return generator.random((count, 28, 28), dtype=np.float32), np.arange(count, dtype=np.int64) % 10


def shift_batch(images, pixels, seed):
    return augment(images, Augmentation(shift_pixels=pixels), stateless_draws(seed, 0))


def flip_batch(images, seed):
    return augment(images, Augmentation(horizontal_flip=True), stateless_draws(seed, 0))


def erase_batch(images, probability, max_fraction, seed):
    return augment(
        images, Augmentation(erase_probability=probability, erase_max_fraction=max_fraction), stateless_draws(seed, 0)
    )


def augment_batch(images, augmentation, draws):
    return augment(images, augmentation, draws)


def batch_seed(seed, batch_value):
    return stateless_draws(seed, batch_value)


def seed_tensor(first):
    return first


def test_shift_moves_a_single_pixel_by_at_most_the_limit_and_fills_with_zeros():
    images = np.zeros((64, 28, 28), np.float32)
    images[:, 14, 14] = 1.0
    shifted = shift_batch(tf.constant(images), 3, seed_tensor(1)).numpy()
    assert shifted.shape == images.shape and shifted.dtype == np.float32
    for image in shifted:
        (row,), (column,) = np.nonzero(image)
        assert abs(row - 14) <= 3 and abs(column - 14) <= 3
        assert image.sum() == 1.0
    offsets = {tuple(np.argwhere(image)[0]) for image in shifted}
    assert len(offsets) > 10  # images get different offsets


def test_shift_is_exact_translation():
    images, _ = images_and_labels(16)
    shifted = shift_batch(tf.constant(images), 2, seed_tensor(5)).numpy()
    for original, moved in zip(images, shifted, strict=True):
        matches = [
            (dy, dx)
            for dy in range(-2, 3)
            for dx in range(-2, 3)
            if np.array_equal(moved, np.roll(np.pad(original, 2), (dy, dx), axis=(0, 1))[2:-2, 2:-2])
        ]
        assert len(matches) == 1


def test_flip_mirrors_about_half_the_images_exactly():
    images, _ = images_and_labels(200)
    flipped = flip_batch(tf.constant(images), seed_tensor(3)).numpy()
    mirrored = [np.array_equal(after, before[:, ::-1]) for before, after in zip(images, flipped, strict=True)]
    unchanged = [np.array_equal(after, before) for before, after in zip(images, flipped, strict=True)]
    assert all(m or u for m, u in zip(mirrored, unchanged, strict=True))
    assert 60 < sum(mirrored) < 140


def test_erasing_blanks_one_rectangle_within_the_limits():
    images = np.ones((100, 28, 28), np.float32)
    erased = erase_batch(tf.constant(images), 1.0, 0.5, seed_tensor(4)).numpy()
    for image in erased:
        rows, columns = np.nonzero(image == 0.0)
        height, width = rows.max() - rows.min() + 1, columns.max() - columns.min() + 1
        assert 1 <= height <= 14 and 1 <= width <= 14
        assert (image == 0.0).sum() == height * width  # a filled rectangle
    untouched = erase(tf.constant(images), stateless_draws(4, 0)(3, (100, 5), 0.0, 1.0, "float32"), 0.0, 0.5).numpy()
    np.testing.assert_array_equal(untouched, images)


def test_a_fixed_shift_moves_every_image_by_its_offsets():
    images, _ = images_and_labels(2)
    moved = shift(tf.constant(images), tf.constant([[1, -2], [0, 3]], tf.int32)).numpy()
    np.testing.assert_array_equal(moved[0, 1:, :-2], images[0, :-1, 2:])
    assert not moved[0, 0].any() and not moved[0, :, -2:].any()
    np.testing.assert_array_equal(moved[1, :, 3:], images[1, :, :-3])
    assert not moved[1, :, :3].any()


def test_the_training_layer_augments_in_training_alone_and_keeps_the_range():
    images, _ = images_and_labels(16)
    layer = TrainingAugmentation(EVERYTHING, seed=3)
    np.testing.assert_array_equal(layer(images, training=False), images)
    augmented = np.asarray(layer(images, training=True))
    assert augmented.shape == images.shape and not np.array_equal(augmented, images)
    assert augmented.min() >= 0.0 and augmented.max() <= 1.0


def test_augmentation_is_deterministic_under_a_seed_and_varies_between_batches():
    images, _ = images_and_labels(32)
    first = augment_batch(tf.constant(images), EVERYTHING, batch_seed(7, 0)).numpy()
    again = augment_batch(tf.constant(images), EVERYTHING, batch_seed(7, 0)).numpy()
    next_batch = augment_batch(tf.constant(images), EVERYTHING, batch_seed(7, 1)).numpy()
    other_seed = augment_batch(tf.constant(images), EVERYTHING, batch_seed(8, 0)).numpy()
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, next_batch)
    assert not np.array_equal(first, other_seed)
    assert first.dtype == np.float32 and first.min() >= 0.0 and first.max() <= 1.0


def epochs_of(dataset, epochs):
    """The batches of `epochs` passes over the one-epoch dataset, as `Model.fit` makes them."""
    return [(images.numpy(), labels.numpy()) for _ in range(epochs) for images, labels in dataset]


@pytest.mark.parametrize("augmentation", [Augmentation.off(), EVERYTHING])
def test_training_dataset_is_the_same_under_a_seed_and_keeps_labels_with_their_images(augmentation):
    images, labels = images_and_labels(40)
    steps = steps_per_epoch(40, 16)
    first = epochs_of(training_dataset(images, labels, 16, 11, augmentation), 3)
    again = epochs_of(training_dataset(images, labels, 16, 11, augmentation), 3)
    assert len(first) == 3 * steps  # one pass is exactly one epoch
    for (images_a, labels_a), (images_b, labels_b) in zip(first, again, strict=True):
        np.testing.assert_array_equal(images_a, images_b)
        np.testing.assert_array_equal(labels_a, labels_b)
    assert [len(batch_labels) for _, batch_labels in first[:steps]] == [16, 16, 8]
    for epoch in range(3):
        epoch_labels = np.concatenate([batch_labels for _, batch_labels in first[epoch * steps : (epoch + 1) * steps]])
        # Every image once per epoch: label i % 10 of image i, so the label counts are those of the data.
        np.testing.assert_array_equal(np.bincount(epoch_labels), np.bincount(labels))
    if not augmentation.enabled:
        # Without augmentation each batch holds exactly the original images of its labels' indices.
        lookup = {image.tobytes(): label for image, label in zip(images, labels, strict=True)}
        for batch_images, batch_labels in first:
            assert [lookup[image.tobytes()] for image in batch_images] == list(batch_labels)
    epochs = [np.concatenate([b for _, b in first[e * steps : (e + 1) * steps]]) for e in range(2)]
    assert not np.array_equal(epochs[0], epochs[1])  # reshuffled every epoch


def test_evaluation_dataset_keeps_order():
    images, labels = images_and_labels(25)
    batches = epochs_of(evaluation_dataset(images, labels, 10), 1)
    np.testing.assert_array_equal(np.concatenate([b for _, b in batches]), labels)
    np.testing.assert_array_equal(np.concatenate([i for i, _ in batches]), images)
