"""docs/benchmark.md's table: the benchmark's summary rows, from bench/results.json."""

from .sources import read


def benchmark_table() -> str:
    """The benchmark's summary rows (measure, value, goal, met) and the machine they were measured on."""
    results = read("bench/results.json")
    machine = results["machine"]
    lines = [
        f"| measure ({machine['cpu']}, {machine['cores']} cores, {machine['memory_gib']} GiB, TensorFlow "
        f"{machine['tensorflow']}, DVC {machine['dvc']}) | value | goal | met |",
        "|---|---|---|---|",
    ]
    lines += [f"| {measure} | {value} | {goal} | {met} |" for measure, value, goal, met in results["summary"]]
    return "\n".join(lines)
