"""Choose the numeric precision a convolutional model trains in, for the machine it runs on.

`precision: auto` means: mixed float16 on an NVIDIA GPU (tensor cores),
mixed bfloat16 on a CPU with native bfloat16 instructions (AVX512-BF16 or
AMX, which oneDNN uses), and float32 everywhere else. On a CPU without native
bfloat16, oneDNN emulates it: measured slower than float32, or failing
outright (see docs/precision.md).
"""

import os
from pathlib import Path

AUTO = "auto"
# oneDNN's ISA caps (ONEDNN_MAX_CPU_ISA) under which it still runs bfloat16 natively.
NATIVE_BFLOAT16_ISAS = (
    "AVX512_CORE_BF16", "AVX10_1_512", "AVX512_CORE_FP16", "AVX10_1_512_AMX", "AVX512_CORE_AMX",
    "AVX10_1_512_AMX_FP16", "AVX512_CORE_AMX_FP16", "DEFAULT", "ALL",
)  # fmt: skip
NATIVE_BFLOAT16_FLAGS = ("avx512_bf16", "amx_bf16")


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


def resolve_precision(requested: str, gpus: int, native_bfloat16: bool) -> str:
    """The Keras dtype policy to train in: `requested`, or `auto`'s choice for this machine."""
    if requested != AUTO:
        return requested
    if gpus > 0:
        return "mixed_float16"
    return "mixed_bfloat16" if native_bfloat16 else "float32"
