"""Run one command and report its wall time and peak resident memory: the one measurement bench/ makes.

`python bench/measure.py REPORT.json -- dvc repro --single-item train@cnn` runs
the command as a child (its output passes through) and writes the report;
bench/run.py calls it once per stage, and bench/costs.py imports `measure`.
"""

import json
import resource
import subprocess
import sys
import time


def measure(command: list[str]) -> dict:
    """Run `command`; its exit code, wall seconds and the peak resident memory (MiB) of its largest process.

    The kernel's RUSAGE_CHILDREN holds the largest peak of any process the
    child's tree waited for (a stage's Python process, not the sum with DVC's
    own), over this process's whole life: so one measured command per process.
    """
    started = time.perf_counter()
    exit_code = subprocess.run(command, check=False).returncode
    seconds = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux
    return {"exit_code": exit_code, "seconds": seconds, "peak_memory_mib": peak_kib / 1024}


def main(argv: list[str]) -> int:
    report, separator, *command = argv
    if separator != "--" or not command:
        print("usage: measure.py REPORT.json -- COMMAND [ARGUMENT ...]", file=sys.stderr)
        return 2
    result = measure(command)
    with open(report, "w") as stream:
        json.dump(result, stream)
    return result["exit_code"]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
