"""Choose a `tf.distribute` strategy by name.

- `one_device`: TensorFlow's default strategy, everything on one device.
- `mirrored`: synchronous data parallelism over every local GPU. With no
  GPU the train stage says so and trains on one device (`resolve_strategy_name`);
  `make_strategy` itself then mirrors over the logical CPU devices, which
  tests split in two.
- `multi_worker`: synchronous data parallelism over several machines, each
  started with its own `TF_CONFIG` (see the README); only the chief writes.

Build and compile the model inside `strategy.scope()`; the batch size given to
`fit` is the global one, split across replicas.
"""

import json
import os
from pathlib import Path

from fashion.core.errors import PipelineError
from fashion.core.params import STRATEGIES


def make_strategy(name: str):
    """The `tf.distribute.Strategy` called `name`; see the module docstring.

    TensorFlow is imported here, not at module level, so `is_chief` stays cheap.
    """
    from fashion.core.tensorflow_setup import tf

    if name == "one_device":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        devices = tf.config.list_logical_devices("GPU") or tf.config.list_logical_devices("CPU")
        return tf.distribute.MirroredStrategy(devices=[device.name for device in devices])
    if name == "multi_worker":
        if "TF_CONFIG" not in os.environ:
            raise PipelineError(
                "distribute.strategy is multi_worker but TF_CONFIG is not set; set it on every "
                "worker (see the README's 'Distributed training'), or use one_device or mirrored."
            )
        return tf.distribute.MultiWorkerMirroredStrategy()
    raise PipelineError(f"Unknown strategy '{name}'; use one of {', '.join(STRATEGIES)}.")


def resolve_strategy_name(name: str, gpus: int, logical_cpus: int) -> tuple[str, str | None]:
    """(the strategy to use, a line to print or None): `mirrored` without a GPU falls back to `one_device`.

    Mirroring over a single CPU device gives no parallelism, and a distributed
    `fit` must run one step per call, which halves the speed on a CPU.
    """
    if name == "mirrored" and gpus == 0 and logical_cpus <= 1:
        return (
            "one_device",
            "distribute.strategy is mirrored but no GPU is visible: training on the CPU with one_device.",
        )
    return name, None


# Where the NVIDIA driver lists the GPUs it manages, one folder per GPU, whatever TensorFlow was built for.
NVIDIA_DRIVER_GPUS = Path("/proc/driver/nvidia/gpus")


def unused_gpu_note(visible_gpus: int, driver_gpus: Path = NVIDIA_DRIVER_GPUS) -> str | None:
    """A line when the machine has an NVIDIA GPU that TensorFlow does not see, else None.

    The usual cause is the CPU build of TensorFlow (`make setup`); training
    then runs on the CPU, many times slower, and without this line says
    nothing about it until the stage's last line.
    """
    try:
        present = sum(1 for entry in driver_gpus.iterdir() if entry.is_dir())
    except OSError:  # no NVIDIA driver here
        return None
    if present == 0 or visible_gpus > 0:
        return None
    return (
        f"{present} NVIDIA GPU(s) present but TensorFlow sees none, so training runs on the CPU; "
        "install the GPU build with `make setup-gpu` (docs/gpu.md)."
    )


def is_chief(tf_config: str | None) -> bool:
    """Whether this process writes the outputs: always, unless TF_CONFIG makes it a non-chief worker.

    Without a `chief` task in the cluster, worker 0 is the chief (TensorFlow's rule).
    """
    config = json.loads(tf_config or "{}")
    task = config.get("task") or {}
    if not task or task.get("type") == "chief":
        return True
    return task.get("type") == "worker" and task.get("index", 0) == 0 and "chief" not in config.get("cluster", {})


def steps_per_execution(name: str) -> int:
    """Batches per call into TensorFlow for the strategy called `name`.

    Many steps per call halve training time on one device; under Keras 3 a
    distributed `fit` fails with more than one (the multi-step function cannot
    be built for per-replica values), so distributed runs take one at a time.
    """
    from fashion.training.optimization import STEPS_PER_EXECUTION

    return STEPS_PER_EXECUTION if name == "one_device" else 1
