"""The seed-spread tables (docs/reproducibility.md) and their summary (README.md), from the seed-spread files."""

from .sources import ROOT

# One file per precision: a seed spread measures what the seed moves, so runs of another precision
# (another rounding, another path through training) are kept apart rather than averaged in.
SEED_SPREAD_FILES = {
    "seed spread": ROOT / "docs" / "seed_spread.json",
    "seed spread float32": ROOT / "docs" / "seed_spread_float32.json",
}


def mean_and_deviation(values: list[float]) -> tuple[float, float]:
    """Mean and sample standard deviation."""
    mean = sum(values) / len(values)
    return mean, (sum((value - mean) ** 2 for value in values) / (len(values) - 1)) ** 0.5


def runs_of(spread: dict, name: str) -> list[dict]:
    """The seed runs that scored `name` (the refit models were added in runs of their own)."""
    return [run for run in spread["runs"] if name in run["results"]]


def seed_statistics(runs: list[dict], name: str, metric: str) -> tuple[float, float, float, float] | None:
    """(mean, sample standard deviation, min, max) of one model's `metric` over the seed runs; None if unscored.

    A refit model's validation accuracy is null (it trained on those images), so it has no statistics.
    """
    values = [run["results"][name][metric] for run in runs]
    if any(value is None for value in values):
        return None
    return *mean_and_deviation(values), min(values), max(values)


def seed_spread_table(spread: dict) -> str:
    """Validation and test accuracy over the seeds of one seed-spread file, per model."""
    lines = [
        "| model | seeds | validation accuracy, mean ± sd | test accuracy, mean ± sd | test accuracy, min – max |",
        "|---|---|---|---|---|",
    ]
    counts = set()
    for name in spread["models"]:
        runs = runs_of(spread, name)
        counts.add(len(runs))
        # One item per run: the seed of each network the model is made of (an ensemble's joined by /).
        seeds = ", ".join("/".join(str(run["seeds"][network]) for network in spread["networks"][name]) for run in runs)
        validation = seed_statistics(runs, name, "validation_accuracy")
        test = seed_statistics(runs, name, "test_accuracy")
        shown = "— (refit)" if validation is None else f"{validation[0]:.4f} ± {validation[1]:.4f}"
        mean, deviation, low, high = test
        lines.append(f"| `{name}` | {seeds} | {shown} | {mean:.4f} ± {deviation:.4f} | {low:.4f} – {high:.4f} |")
    runs = " or ".join(str(count) for count in sorted(counts))
    lines += ["", f"sd: sample standard deviation over each model's {runs} runs. {spread['recipes']} {spread['how']}"]
    return "\n".join(lines)


def summary_sentence(spread: dict) -> str:
    """One seed-spread file's recipes and the test accuracy of the models it summarizes, in one or two sentences."""
    parts = []
    for name in spread["summarized"]:
        mean, deviation, low, high = seed_statistics(runs_of(spread, name), name, "test_accuracy")
        parts.append(f"`{name}` {mean:.4f} ± {deviation:.4f} (from {low:.4f} to {high:.4f})")
    counts = " or ".join(str(count) for count in sorted({len(runs_of(spread, name)) for name in spread["summarized"]}))
    return f"{spread['recipes']} Over {counts} seeds of their networks, test accuracy: {'; '.join(parts)}."


def seed_summary(spreads: list[dict]) -> str:
    """The README's paragraph on the seed spread of the best single models and the ensemble, one part per file."""
    return (
        " ".join(summary_sentence(spread) for spread in spreads)
        + " (Mean ± sample standard deviation; [docs/reproducibility.md](docs/reproducibility.md).) A difference "
        "between two models smaller than this spread is not evidence that one is better."
    )
