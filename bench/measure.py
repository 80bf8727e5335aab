"""Run one command and report its wall time and peak resident memory, as JSON on stdout.

`python bench/measure.py REPORT.json -- dvc repro --single-item train@cnn` runs
the command as a child (its output passes through) and waits for it; the kernel's RUSAGE_CHILDREN then holds the largest
peak resident set of any process in that tree (the stage's Python process, not
the sum with DVC's own). Used by bench/run.py, one stage at a time.
"""

import json
import resource
import subprocess
import sys
import time


def main(argv: list[str]) -> int:
    report, separator, *command = argv
    if separator != "--" or not command:
        print("usage: measure.py REPORT.json -- COMMAND [ARGUMENT ...]", file=sys.stderr)
        return 2
    started = time.perf_counter()
    completed = subprocess.run(command, check=False)
    seconds = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux
    result = {"seconds": seconds, "peak_rss_mib": peak_kib / 1024, "exit_code": completed.returncode}
    with open(report, "w") as stream:
        json.dump(result, stream)
    return completed.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
