"""What a command costs on this machine: wall time and the peak memory of its largest process.

    python bench/costs.py --label "make test" -- make test
    ONEDNN_MAX_CPU_ISA=AVX2 python bench/costs.py --label "CI, one epoch" -- dvc exp run ...

Runs the command once, alone on the machine (timings on a busy machine lie),
and writes bench/costs/<label>, <machine>.json: the command, the seconds, the
peak resident memory of the largest process it started (the kernel's
`ru_maxrss` of the waited-for children, as `/usr/bin/time -v` reports it),
the machine (CPU, cores, native bfloat16, `ONEDNN_MAX_CPU_ISA`) and the commit.
The README's costs table is generated from these files
(`python scripts/results_table.py --write`), beside the benchmark's own
`dvc repro` from bench/results.json. It is not a test and asserts nothing.
"""

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

from measure import measure

ROOT = Path(__file__).resolve().parent.parent
COSTS_DIRECTORY = ROOT / "bench" / "costs"
sys.path.insert(0, str(ROOT))  # the pipeline's packages, for fashion.training.precision


def machine() -> dict:
    """What the cost depends on: the CPU, its cores, native bfloat16 and oneDNN's cap, if any."""
    from fashion.training.precision import machine_description

    described = machine_description()
    return {key: described[key] for key in ("cpu", "cores", "native_bfloat16", "onednn_max_cpu_isa")}


def commit() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return done.stdout.strip() or "unknown"


def record_file(directory: Path, label: str, measured_on: dict) -> Path:
    """<directory>/<label>, <machine>.json, in lowercase words joined by hyphens."""
    kind = "bfloat16" if measured_on["native_bfloat16"] else "no-bfloat16"
    if measured_on["onednn_max_cpu_isa"]:
        kind += f"-{measured_on['onednn_max_cpu_isa']}"
    words = re.sub(r"[^a-z0-9]+", "-", f"{label} {measured_on['cores']} cores {kind}".lower()).strip("-")
    return directory / f"{words}.json"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--label", required=True, help="what the command is, as the README's table names it")
    parser.add_argument("--directory", type=Path, default=COSTS_DIRECTORY, help="where to write the record")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="the command, after --")
    arguments = parser.parse_args(argv)
    command = arguments.command[1:] if arguments.command[:1] == ["--"] else arguments.command
    if not command:
        parser.error("give the command to measure after --")
    measured_on = machine()
    measured = measure(command)
    if measured["exit_code"] != 0:
        print(f"{' '.join(command)} exited with {measured['exit_code']}: nothing recorded")
        return 1
    result = {"seconds": round(measured["seconds"], 1), "peak_memory_mib": round(measured["peak_memory_mib"])}
    record = {"label": arguments.label, "command": " ".join(command), **result, "machine": measured_on,
              "commit": commit()}  # fmt: skip
    target = record_file(arguments.directory, arguments.label, measured_on)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(record, indent=2) + "\n")
    print(f"{arguments.label}: {result['seconds']:.0f} s, peak {result['peak_memory_mib']} MiB -> {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
