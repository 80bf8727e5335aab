"""docs/notebook/gpu.md's table: every recorded run of research/gpu_tier.py, and the spread over seeds of a recipe."""

import json

from .seeds import mean_and_deviation
from .sources import PRECISION_NAMES, ROOT

GPU_TIER_DIRECTORY = ROOT / "research" / "gpu_tier"  # one JSON file per run of research/gpu_tier.py


def flattened(entry: dict, prefix: str = "") -> dict:
    """{"augmentation": {"horizontal_flip": True}} -> {"augmentation.horizontal_flip": True}."""
    flat = {}
    for key, value in entry.items():
        if isinstance(value, dict):
            flat.update(flattened(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def changes_from(entry: dict, documented: dict) -> str:
    """The keys (other than epochs and seed, which have columns) where a run's entry differs from the documented one."""
    run, reference = flattened(entry), flattened(documented)
    changed = [key for key in sorted(run.keys() | reference.keys()) if run.get(key) != reference.get(key)]
    shown = [
        f"{key}: {run[key]}" if key in run else f"{key} left out" for key in changed if key not in ("epochs", "seed")
    ]
    return ", ".join(shown) or "—"


def gpu_tier_table() -> str:
    """Every recorded run of research/gpu_tier.py: its machine, time and accuracies, and the spread over seeds."""
    from research.gpu_tier import ENSEMBLE_NAME, MODEL_NAME, documented_entries

    documented = documented_entries()["models"][MODEL_NAME]
    runs = [json.loads(path.read_text()) for path in sorted(GPU_TIER_DIRECTORY.glob("*.json"))]
    for run in runs:
        run["changes"] = changes_from(run["entry"], documented)
    runs.sort(key=lambda run: (run["changes"] != "—", run["changes"], run["epochs"], run["entry"]["seed"]))
    lines = [
        "| device | backend | precision | changed from the entry | seed | epochs "
        "| training s (first epoch, with compiling) | s per epoch | kept epoch, weights | validation | test "
        "| test, flips | test, all views |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        machine, scores = run["machine"], run["scores"]
        backend = f"Keras {machine['keras']} on {machine['backend']} {machine.get(machine['backend'], '')}".strip()
        lines.append(
            f"| {machine['device']} | {backend} | {PRECISION_NAMES[run['precision']]} | {run['changes']} "
            f"| {run['entry']['seed']} "
            f"| {run['epochs']} | {run['training_seconds']:.0f} ({run['first_epoch_seconds']:.0f}) "
            f"| {run['median_epoch_seconds']:.2f} | {run['kept_epoch']}, {run['kept_weights'].replace('_', ' ')} "
            f"| {scores['plain']['validation_accuracy']:.4f} | {scores['plain']['test_accuracy']:.4f} "
            f"| {scores['flips']['test_accuracy']:.4f} "
            f"| {scores[ENSEMBLE_NAME]['test_accuracy']:.4f} ({scores[ENSEMBLE_NAME]['views']} views) |"
        )
    by_recipe = {}
    for run in runs:
        by_recipe.setdefault((run["machine"]["device"], run["epochs"], run["changes"]), []).append(run)
    for (device, epochs, changes), same in by_recipe.items():
        if len(same) < 2:
            continue
        parts = []
        for name, shown in (("plain", "the network alone"), (ENSEMBLE_NAME, "with all its views")):
            mean, deviation = mean_and_deviation([run["scores"][name]["test_accuracy"] for run in same])
            parts.append(f"{shown} {mean:.4f} ± {deviation:.4f}")
        peak = max(run["peak_gpu_bytes"] or 0 for run in same) / 2**30
        recipe = f"{epochs} epochs" + ("" if changes == "—" else f", {changes}")
        lines += [
            "",
            f"{device}, {recipe}, over {len(same)} seeds: test accuracy (mean ± sample standard deviation) "
            f"{'; '.join(parts)}. Peak GPU memory {peak:.1f} GiB.",
        ]
    return "\n".join(lines)
