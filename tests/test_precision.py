"""precision: auto picks what runs fastest on the machine at hand."""

import os
import subprocess
import sys

import pytest
import yaml
from synthetic import REPOSITORY_ROOT, write_params

from fashion.core import paths
from fashion.training.precision import cpu_has_native_bfloat16, resolve_precision

BFLOAT16_CPU = "flags : fpu sse avx2 avx512f avx512_bf16 amx_tile\n"
PLAIN_CPU = "flags : fpu sse avx2 avx512f\n"


@pytest.fixture
def cpuinfo(tmp_path):
    def write(text: str):
        path = tmp_path / "cpuinfo"
        path.write_text(text)
        return path

    return write


def test_native_bfloat16_needs_the_cpu_flag(cpuinfo):
    assert cpu_has_native_bfloat16({}, cpuinfo(BFLOAT16_CPU))
    assert not cpu_has_native_bfloat16({}, cpuinfo(PLAIN_CPU))
    assert not cpu_has_native_bfloat16({}, cpuinfo(PLAIN_CPU).parent / "absent")  # macOS, Windows


@pytest.mark.parametrize(
    ("environment", "native"),
    [
        ({"ONEDNN_MAX_CPU_ISA": "AVX2"}, False),
        ({"ONEDNN_MAX_CPU_ISA": "avx512_core"}, False),
        ({"ONEDNN_MAX_CPU_ISA": "AVX512_CORE_BF16"}, True),
        ({"ONEDNN_MAX_CPU_ISA": "ALL"}, True),
        ({"TF_ENABLE_ONEDNN_OPTS": "0"}, False),
    ],
)
def test_a_capped_or_disabled_onednn_has_no_native_bfloat16(cpuinfo, environment, native):
    assert cpu_has_native_bfloat16(environment, cpuinfo(BFLOAT16_CPU)) is native


@pytest.mark.parametrize(
    ("gpus", "native", "expected"),
    [(1, True, "mixed_float16"), (2, False, "mixed_float16"), (0, True, "mixed_bfloat16"), (0, False, "float32")],
)
def test_auto_resolves_by_machine(gpus, native, expected):
    assert resolve_precision("auto", gpus, native) == expected


def test_an_explicit_precision_is_kept():
    assert resolve_precision("float32", 1, True) == "float32"
    assert resolve_precision("mixed_bfloat16", 0, False) == "mixed_bfloat16"


def test_bfloat16_where_the_cpu_cannot_convolve_in_it_is_refused_in_one_line(processed_project):
    """`ONEDNN_MAX_CPU_ISA=AVX2` makes any CPU one with AVX2 alone, like GitHub's runners: no bfloat16 convolution."""
    params = yaml.safe_load(paths.PARAMS_FILE.read_text())
    params["models"]["cnn_fast"]["precision"] = "mixed_bfloat16"
    write_params(processed_project, params)
    done = subprocess.run(
        [sys.executable, "-m", "stages.train", "--model", "cnn_fast"],
        cwd=processed_project, capture_output=True, text=True, timeout=300,
        env={**os.environ, "ONEDNN_MAX_CPU_ISA": "AVX2", "PYTHONPATH": str(REPOSITORY_ROOT)},
    )  # fmt: skip
    assert done.returncode == 1, done.stderr[-2000:]
    assert done.stderr.strip().splitlines()[-1] == (
        "train: error: params.yaml: models.cnn_fast.precision is mixed_bfloat16, but TensorFlow cannot compute "
        "bfloat16 convolutions on this CPU (oneDNN needs AVX-512 for them); use precision: auto (float32 here) or "
        "float32."
    )
    assert not paths.model_file("cnn_fast").exists()
