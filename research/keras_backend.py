"""Keras on whatever backend is installed, for research/gpu_tier.py: the pipeline's modules made importable without
TensorFlow, and what the backend says about its device.

Without TensorFlow, the pipeline's modules still import
`fashion.core.tensorflow_setup`; `install_tensorflow_stand_in` puts a module
there that gives them Keras and, as `keras.ops`, the few TensorFlow ops they
call (the schedules' arithmetic). Their type annotations name `tf.Tensor` and
`tf.data.Dataset`, so the stand-in has those names too.
"""

import platform
import subprocess
import sys
import types


def install_tensorflow_stand_in(keras) -> None:
    """Let the pipeline's modules import `fashion.core.tensorflow_setup` where TensorFlow is not installed."""
    ops = keras.ops
    tf = types.SimpleNamespace(
        float32="float32",
        cast=ops.cast,
        cos=ops.cos,
        clip_by_value=ops.clip,
        where=ops.where,
        Tensor=object,  # annotations only
        data=types.SimpleNamespace(Dataset=object),  # annotations only
    )
    stand_in = types.ModuleType("fashion.core.tensorflow_setup", "Keras without TensorFlow (research/gpu_tier.py).")
    stand_in.keras, stand_in.tf = keras, tf
    stand_in.make_deterministic = lambda seed: keras.utils.set_random_seed(seed)
    sys.modules["fashion.core.tensorflow_setup"] = stand_in


def import_keras():
    """Keras, with `fashion.core.tensorflow_setup` importable on any backend."""
    import keras

    if keras.backend.backend() != "tensorflow":
        install_tensorflow_stand_in(keras)
    return keras


def count_gpus(keras) -> int:
    """GPUs the backend sees (what `precision: auto` reads)."""
    if keras.backend.backend() == "jax":
        import jax

        return sum(device.platform == "gpu" for device in jax.devices())
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        return len(tf.config.list_physical_devices("GPU"))
    return 0


def card_description(keras) -> dict:
    """The accelerator in words: nvidia-smi's name and driver where it answers, and the backend's device."""
    described = {"backend": keras.backend.backend(), "keras": keras.__version__, "python": platform.python_version()}
    if keras.backend.backend() == "jax":
        import jax

        described.update(jax=jax.__version__, device=jax.devices()[0].device_kind)
    elif keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        described.update(tensorflow=tf.__version__, device="gpu" if gpus else "cpu")
    try:
        smi = subprocess.run(
            ["nvidia-smi", "--query-gpu=name,driver_version,memory.total", "--format=csv,noheader"],
            capture_output=True, text=True, check=True, timeout=30,
        )  # fmt: skip
        described["nvidia_smi"] = smi.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        described["nvidia_smi"] = None
    return described


def peak_gpu_bytes(keras) -> int | None:
    """The most GPU memory the run held, where the backend reports it."""
    if keras.backend.backend() != "jax":
        return None
    import jax

    stats = jax.devices()[0].memory_stats() or {}
    return stats.get("peak_bytes_in_use")
