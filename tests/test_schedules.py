"""Learning-rate schedules: values at the landmarks, shape between them, and saving."""

import math

import numpy as np
import pytest

from fashion.core.tensorflow_setup import keras
from fashion.training.lr_ramp import exponential_ramp, ramp_rate
from fashion.training.schedules import OneCycle, make_schedule


def values(schedule, steps):
    return np.array([float(schedule(step)) for step in steps])


def test_constant_is_the_number_itself():
    assert make_schedule("constant", 0.01, 100, 10) == 0.01


def test_warmup_cosine_rises_linearly_then_decays_to_zero():
    schedule = make_schedule("cosine", 0.1, total_steps=110, warmup_steps=10)
    warm = values(schedule, range(10))
    np.testing.assert_allclose(warm, 0.1 * np.arange(10) / 10, rtol=1e-6)
    decay = values(schedule, range(10, 111))
    assert decay[0] == pytest.approx(0.1)
    assert decay[50] == pytest.approx(0.05, rel=1e-5)  # halfway through the cosine
    assert decay[-1] == pytest.approx(0.0, abs=1e-9)
    assert np.all(np.diff(decay) <= 1e-9)


def test_warmup_cosine_without_warmup_starts_at_the_peak():
    schedule = make_schedule("cosine", 0.2, total_steps=100, warmup_steps=0)
    assert float(schedule(0)) == pytest.approx(0.2)
    assert float(schedule(100)) == pytest.approx(0.0, abs=1e-9)


def test_one_cycle_rises_to_the_peak_then_anneals_far_below_the_start():
    schedule = OneCycle(0.01, total_steps=100, rise_fraction=0.3)
    rates = values(schedule, range(101))
    assert rates[0] == pytest.approx(0.01 / 25, rel=1e-5)  # float32 arithmetic
    assert int(np.argmax(rates)) == 30 and rates.max() == pytest.approx(0.01, rel=1e-5)
    assert np.all(np.diff(rates[:31]) >= -1e-12) and np.all(np.diff(rates[30:]) <= 1e-12)
    assert rates[-1] == pytest.approx(0.01 / 25 / 1e4, rel=1e-3)


def test_exponential_ramp_matches_its_formula():
    schedule = exponential_ramp(1e-5, 1.0, total_steps=50)
    for step in (0, 10, 25, 50):
        assert float(schedule(step)) == pytest.approx(ramp_rate(step, 1e-5, 1.0, 50), rel=1e-5)
    assert ramp_rate(25, 1e-5, 1.0, 50) == pytest.approx(math.sqrt(1e-5))


@pytest.mark.parametrize("name", ["cosine", "one_cycle"])
def test_a_model_compiled_with_a_schedule_saves_and_loads(tmp_path, name):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile(optimizer=keras.optimizers.Adam(make_schedule(name, 0.01, 100, 10)), loss="mse")
    model.fit(np.ones((4, 3)), np.ones((4, 2)), verbose=0)
    model.save(tmp_path / "model.keras")
    loaded = keras.models.load_model(tmp_path / "model.keras", safe_mode=True)
    saved = loaded.optimizer.get_config()["learning_rate"]
    original = make_schedule(name, 0.01, 100, 10)
    assert saved["class_name"] == type(original).__name__
    assert saved["config"] == original.get_config()
