"""The README's costs table: what `make repro` and `make test` cost, per kind of machine, as measured.

`dvc repro` from scratch is the benchmark's (bench/results.json: every stage
forced, one at a time, on the real data); the other rows are
bench/costs/*.json, each one run of `bench/costs.py` with its command.
"""

import json

from .sources import ROOT, read

COSTS_DIRECTORY = ROOT / "bench" / "costs"


def machine_words(machine: dict) -> str:
    """'2 cores, native bfloat16 (AMD EPYC)', or the oneDNN cap that stood in for a CPU without it."""
    if machine.get("onednn_max_cpu_isa"):
        kind = f"no bfloat16 (`ONEDNN_MAX_CPU_ISA={machine['onednn_max_cpu_isa']}` on {machine['cpu']})"
    else:
        kind = f"{'native' if machine['native_bfloat16'] else 'no'} bfloat16 ({machine['cpu']})"
    return f"{machine['cores']} cores, {kind}"


def minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f} min"


def costs_table() -> str:
    """One row per measurement: what, machine, wall time, peak memory of the largest process, how."""
    benchmark = read("bench/results.json")
    stages = benchmark["repro"]
    heaviest = max(stages, key=lambda stage: stage["peak_rss_mib"])
    rows = [(
        "`make repro` (`dvc repro` from scratch)", machine_words(benchmark["machine"]),
        minutes(sum(stage["seconds"] for stage in stages)),
        f"{heaviest['peak_rss_mib']:.0f} MiB ({heaviest['stage']})", "`python bench/run.py` (bench/results.json)",
    )]  # fmt: skip
    for path in sorted(COSTS_DIRECTORY.glob("*.json")):
        record = json.loads(path.read_text())
        rows.append((
            f"`{record['label']}`", machine_words(record["machine"]), minutes(record["seconds"]),
            f"{record['peak_memory_mib']} MiB", f"`python bench/costs.py -- {record['command']}` at {record['commit']}",
        ))  # fmt: skip
    lines = ["| what | machine | time | peak memory | measured with |", "|---|---|---|---|---|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)
