"""bench/costs.py measures what a command costs: its wall time and the peak memory of its largest process."""

import json
import subprocess
import sys

from synthetic import REPOSITORY_ROOT

COSTS = REPOSITORY_ROOT / "bench" / "costs.py"
ALLOCATE = "import time; block = bytearray(300 * 1024 * 1024); time.sleep(0.3)"  # 300 MiB, touched


def measure(tmp_path, *command) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(COSTS), "--label", "probe run", "--directory", str(tmp_path), "--", *command],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_a_command_is_timed_and_its_largest_process_weighed(tmp_path):
    # The allocating process is a grandchild (a shell starts it): its peak still counts.
    done = measure(tmp_path, "sh", "-c", f'"{sys.executable}" -c "{ALLOCATE}"')
    assert done.returncode == 0, done.stderr
    (record_file,) = tmp_path.glob("*.json")
    assert record_file.name.startswith("probe-run-")
    record = json.loads(record_file.read_text())
    assert record["label"] == "probe run" and record["command"].startswith("sh -c")
    assert 300 <= record["peak_memory_mib"] < 600
    assert 0.3 <= record["seconds"] < 60
    assert set(record["machine"]) == {"cpu", "cores", "native_bfloat16", "onednn_max_cpu_isa"}


def test_a_failing_command_records_nothing(tmp_path):
    done = measure(tmp_path, sys.executable, "-c", "raise SystemExit(3)")
    assert done.returncode == 1 and "exited with 3: nothing recorded" in done.stdout
    assert not list(tmp_path.iterdir())
