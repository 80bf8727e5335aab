"""Import TensorFlow quietly and make it deterministic.

Stages import `keras` and `tensorflow` through this module so that TensorFlow's
start-up chatter (oneDNN notices, CPU feature notes, and a harmless op-attribute
mismatch that Keras's NumPy adapter triggers) stays out of the pipeline's log.
Python exceptions are unaffected: a failed import still raises.
"""

import contextlib
import os
import sys

# 3 hides TensorFlow's C++ INFO, WARNING and ERROR log lines; errors that matter
# reach Python as exceptions.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


@contextlib.contextmanager
def _silenced_stderr():
    """Point file descriptor 2 at /dev/null: C++ code logs there before absl starts."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


with _silenced_stderr():
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
