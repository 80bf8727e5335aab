"""The sweep schedule and the learning-rate suggestion rule."""

from itertools import pairwise

import numpy as np
import pytest

from fashion.core.errors import PipelineError
from fashion.training.lr_find import smooth, suggest_learning_rate, sweep_learning_rate


def test_schedule_matches_the_study():
    assert sweep_learning_rate(0, 1e-4, 20) == pytest.approx(1e-4)
    assert sweep_learning_rate(20, 1e-4, 20) == pytest.approx(1e-3)
    assert sweep_learning_rate(39, 1e-4, 20) == pytest.approx(1e-4 * 10 ** (39 / 20))


def test_smoothing_of_zero_is_the_identity_and_a_constant_stays_constant():
    values = np.array([3.0, 1.0, 2.0])
    np.testing.assert_allclose(smooth(values, 0.0), values)
    np.testing.assert_allclose(smooth(np.full(5, 2.0), 0.9), np.full(5, 2.0))


def test_suggestion_is_a_tenth_of_the_minimum_on_a_synthetic_curve():
    rates = np.logspace(-4, 0, 41)
    # A U-shaped loss in log10(rate) with its minimum at 1e-2, plus a diverged tail.
    losses = (np.log10(rates) + 2) ** 2 + 0.3
    losses[-3:] = np.nan
    suggestion = suggest_learning_rate(rates, losses, smoothing=0.0, divisor=10)
    assert suggestion["minimum_loss_learning_rate"] == pytest.approx(1e-2)
    assert suggestion["suggested_learning_rate"] == pytest.approx(1e-3)
    assert suggestion["minimum_smoothed_loss"] == pytest.approx(0.3)


def test_smoothing_ignores_a_single_noisy_dip():
    rates = np.logspace(-4, 0, 41)
    losses = (np.log10(rates) + 2) ** 2 + 0.3
    losses[5] = 0.0  # one lucky epoch far from the real minimum
    raw = suggest_learning_rate(rates, losses, smoothing=0.0, divisor=1)
    smoothed = suggest_learning_rate(rates, losses, smoothing=0.6, divisor=1)
    assert raw["minimum_loss_learning_rate"] == pytest.approx(rates[5])
    assert 5e-3 < smoothed["minimum_loss_learning_rate"] < 5e-2


def test_a_sweep_without_finite_losses_is_an_error():
    with pytest.raises(PipelineError, match="fewer than two finite losses"):
        suggest_learning_rate(np.array([1e-3, 1e-2]), np.array([np.nan, np.inf]), 0.5, 10)


def test_fast_sweep_ramps_the_rate_over_one_epoch_and_suggests_from_validation_loss():
    from synthetic import make_images

    from fashion.core.architectures.dense import build_dense_model
    from fashion.core.params import Augmentation, Sweep
    from fashion.core.tensorflow_setup import make_deterministic
    from fashion.data.input_pipeline import one_hot, steps_per_epoch, training_dataset
    from fashion.training.lr_ramp import run_fast_sweep
    from fashion.training.optimization import make_loss, make_optimizer

    images, labels = make_images(per_class=40, seed=0)
    images = images.astype(np.float32) / 255
    settings = Sweep(
        start_learning_rate=1e-4, end_learning_rate=1000.0, epochs=2, evaluate_every_steps=2, validation_images=50,
        smoothing=0.0, suggestion_divisor=4.0,
    )  # fmt: skip
    steps = steps_per_epoch(len(images), 16)

    models = []

    def sweep(optimizer="adam"):
        make_deterministic(1)
        batches = training_dataset(images, one_hot(labels), 16, 1, Augmentation.off())
        models.append(build_dense_model((16,), "relu", "unit", 28, 10))
        return run_fast_sweep(
            models[-1], make_loss(True), lambda schedule: make_optimizer(optimizer, schedule, weight_decay=0.05),
            batches, steps, images, one_hot(labels), settings,
        )  # fmt: skip

    rows, suggestion = sweep()
    recorded_steps = [row[0] for row in rows]
    rates = [row[1] for row in rows]
    # A loss every 2 steps, and at each epoch's end (an odd number of steps here).
    assert recorded_steps[0] == 2 and all(0 < after - before <= 2 for before, after in pairwise(recorded_steps))
    assert steps in recorded_steps
    assert np.all(np.diff(rates) > 0) and 1e-4 < rates[0] < rates[-1] <= 1000.0
    # Large enough rates blow the loss up, and the ramp stops before its end.
    assert recorded_steps[-1] < 2 * steps
    losses = [row[2] for row in rows]
    best = int(np.nanargmin(losses))
    assert suggestion["minimum_loss_learning_rate"] == pytest.approx(rates[best])
    assert suggestion["suggested_learning_rate"] == pytest.approx(rates[best] / 4.0)
    assert sweep() == (rows, suggestion)  # deterministic under the seed
    adamw_rows, _ = sweep("adamw")  # the sweep drives the entry's own optimizer, not always Adam
    assert type(models[-1].optimizer).__name__ == "AdamW" and adamw_rows != rows
