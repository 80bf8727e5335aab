"""Learning-rate schedules, computed per training step: Keras's warm-up + cosine, and our one-cycle.

Keras has no one-cycle schedule; ours is registered so that saved models load
in safe mode. Pure functions of the step, so a run is as deterministic as its data.
"""

import math

from fashion.core.tensorflow_setup import keras, tf


@keras.saving.register_keras_serializable(package="fashion")
class OneCycle(keras.optimizers.schedules.LearningRateSchedule):
    """Smith's one-cycle policy (cosine form): from peak/25 up to `peak` over the
    first `rise_fraction` of the steps, then down to peak/(25 * 1e4)."""

    def __init__(self, peak: float, total_steps: int, rise_fraction: float = 0.3):
        self.peak = float(peak)
        self.total_steps = int(total_steps)
        self.rise_fraction = float(rise_fraction)

    def __call__(self, step):
        step = tf.cast(step, tf.float32)
        rise_steps = max(self.total_steps * self.rise_fraction, 1.0)
        fall_steps = max(self.total_steps - rise_steps, 1.0)
        start, end = self.peak / 25.0, self.peak / 25.0 / 1e4

        def anneal(low_at_zero, high_at_zero, progress):
            # Cosine from `high_at_zero` (progress 0) to `low_at_zero` (progress 1).
            return low_at_zero + (high_at_zero - low_at_zero) * 0.5 * (1.0 + tf.cos(math.pi * progress))

        rising = anneal(self.peak, start, tf.clip_by_value(step / rise_steps, 0.0, 1.0))
        falling = anneal(end, self.peak, tf.clip_by_value((step - rise_steps) / fall_steps, 0.0, 1.0))
        return tf.where(step < rise_steps, rising, falling)

    def get_config(self):
        return {"peak": self.peak, "total_steps": self.total_steps, "rise_fraction": self.rise_fraction}


def make_schedule(name: str, peak: float, total_steps: int, warmup_steps: int):
    """The learning rate (a float for `constant`) or schedule object for the optimizer."""
    if name == "constant":
        return peak
    if name == "cosine":  # a linear rise from 0 over warmup_steps, then a cosine down to 0
        return keras.optimizers.schedules.CosineDecay(
            0.0 if warmup_steps else peak, max(total_steps - warmup_steps, 1),
            warmup_target=peak if warmup_steps else None, warmup_steps=warmup_steps,
        )  # fmt: skip
    if name == "one_cycle":
        return OneCycle(peak, total_steps)
    raise ValueError(f"unknown schedule {name!r}; the params check allows only the three above")
