"""Choose the numeric precision a convolutional model trains in, for the machine it runs on.

`precision: auto` means: mixed float16 on an NVIDIA GPU (tensor cores),
mixed bfloat16 on a CPU with native bfloat16 instructions (AVX512-BF16 or
AMX, which oneDNN uses), and float32 everywhere else. On a CPU without native
bfloat16, oneDNN emulates it: measured slower than float32, or failing
outright (see docs/precision.md).
"""

import contextlib
import functools
import os
import platform
import re
from importlib import metadata
from pathlib import Path

from fashion.core.errors import PipelineError

AUTO = "auto"
# oneDNN's ISA caps (ONEDNN_MAX_CPU_ISA) under which it still runs bfloat16 natively.
NATIVE_BFLOAT16_ISAS = (
    "AVX512_CORE_BF16", "AVX10_1_512", "AVX512_CORE_FP16", "AVX10_1_512_AMX", "AVX512_CORE_AMX",
    "AVX10_1_512_AMX_FP16", "AVX512_CORE_AMX_FP16", "DEFAULT", "ALL",
)  # fmt: skip
NATIVE_BFLOAT16_FLAGS = ("avx512_bf16", "amx_bf16")


# The facts of a machine that a bit-identical rerun needs to be the same (CI compares them with
# bench/results.json's): the rest of `machine_description` only explains a measured cost.
REPRODUCIBILITY_KEYS = ("cpu", "cores", "native_bfloat16", "python", "tensorflow", "keras")


def machine_description(cpuinfo: Path = Path("/proc/cpuinfo"), meminfo: Path = Path("/proc/meminfo")) -> dict:
    """What a measured cost or a bit-identical result depends on, as bench/ records it and CI compares it.

    The CPU's model name (without clock or extra spaces), its cores, native
    bfloat16, oneDNN's cap (ONEDNN_MAX_CPU_ISA, None unless set), memory, and
    the versions of Python, TensorFlow and Keras.
    """
    cpu, memory_kib = platform.processor() or platform.machine(), 0
    with contextlib.suppress(OSError):
        model = next((line for line in cpuinfo.read_text().splitlines() if line.startswith("model name")), None)
        cpu = re.sub(r"\s+", " ", model.split(":", 1)[1]).strip() if model else cpu
    with contextlib.suppress(OSError, StopIteration):
        memory_kib = int(
            next(line for line in meminfo.read_text().splitlines() if line.startswith("MemTotal")).split()[1]
        )
    installed = {re.sub(r"[-_.]+", "-", found.metadata["Name"]).lower() for found in metadata.distributions()}
    tensorflow = next((name for name in ("tensorflow", "tensorflow-cpu") if name in installed), None)
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "native_bfloat16": cpu_has_native_bfloat16(),
        "onednn_max_cpu_isa": os.environ.get("ONEDNN_MAX_CPU_ISA"),
        "memory_gib": round(memory_kib / 2**20, 1),
        "python": platform.python_version(),
        "tensorflow": metadata.version(tensorflow) if tensorflow else None,
        "keras": metadata.version("keras"),
    }


def cpu_has_native_bfloat16(environment=None, cpuinfo: Path = Path("/proc/cpuinfo")) -> bool:
    """Whether TensorFlow's oneDNN kernels will run bfloat16 natively on this CPU.

    False when oneDNN is off (TF_ENABLE_ONEDNN_OPTS=0), when ONEDNN_MAX_CPU_ISA
    caps it below bfloat16, or when the CPU's flags (Linux's /proc/cpuinfo; other
    systems are taken to lack it) do not list a bfloat16 instruction set.
    """
    environment = os.environ if environment is None else environment
    if environment.get("TF_ENABLE_ONEDNN_OPTS") == "0":
        return False
    cap = environment.get("ONEDNN_MAX_CPU_ISA", "").strip().upper()
    if cap and cap not in NATIVE_BFLOAT16_ISAS:
        return False
    try:
        flags = set(cpuinfo.read_text().split())
    except OSError:
        return False
    return any(flag in flags for flag in NATIVE_BFLOAT16_FLAGS)


@functools.cache
def bfloat16_convolutions_run() -> bool:
    """Whether TensorFlow computes a bfloat16 convolution on this machine at all.

    oneDNN has no bfloat16 convolution for a CPU with AVX2 alone (GitHub's
    runners, many laptops, or `ONEDNN_MAX_CPU_ISA=AVX2`): there a
    `mixed_bfloat16` model fails at its first batch. One tiny convolution tells.
    """
    from fashion.core.tensorflow_setup import tf

    try:
        tf.nn.conv2d(tf.zeros((1, 4, 4, 1), tf.bfloat16), tf.zeros((3, 3, 1, 1), tf.bfloat16), 1, "SAME")
    except tf.errors.OpError:
        return False
    return True


def check_precision_runs(precision: str, where: str) -> None:
    """Stop before training, in one line, when the entry asks for bfloat16 that this CPU cannot compute."""
    if precision == "mixed_bfloat16" and not bfloat16_convolutions_run():
        raise PipelineError(
            f"params.yaml: {where}.precision is mixed_bfloat16, but TensorFlow cannot compute bfloat16 "
            "convolutions on this CPU (oneDNN needs AVX-512 for them); use precision: auto (float32 here) or float32."
        )


def resolve_precision(requested: str, gpus: int, native_bfloat16: bool) -> str:
    """The Keras dtype policy to train in: `requested`, or `auto`'s choice for this machine."""
    if requested != AUTO:
        return requested
    if gpus > 0:
        return "mixed_float16"
    return "mixed_bfloat16" if native_bfloat16 else "float32"
