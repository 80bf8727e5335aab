"""Import TensorFlow quietly and make it deterministic.

Import `keras` and `tensorflow` through this module in the stages that need
them, so the log level is set before TensorFlow first loads.
"""

import os

# Hide TensorFlow's C++ start-up chatter (CPU feature notes, oneDNN notice).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras
import tensorflow as tf

__all__ = ["keras", "make_deterministic", "tf"]


def make_deterministic(seed: int) -> None:
    """Seed Python, NumPy and TensorFlow, and ask TensorFlow for deterministic ops.

    With op determinism on, the same seed on the same machine gives
    bit-identical weights and metrics, at a small cost in speed.
    """
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
