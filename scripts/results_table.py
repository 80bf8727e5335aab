"""The documents' generated tables, made from committed files so that no number or default is copied by hand.

    python scripts/results_table.py            # print the tables
    python scripts/results_table.py --write    # put each into its document, between its markers
    python scripts/results_table.py --check    # exit 1 if a document's table is not the generated one

The results table (README.md) reads params.yaml (which models and ensembles
exist, and their shapes), metrics/train, metrics/ensemble, metrics/test and
metrics/cost, and the training seconds the benchmark measured; the benchmark
table (docs/benchmark.md) reads bench/results.json; the model keys table
and the section keys table (docs/models.md) read the params schema,
MODEL_KEYS and SECTION_KEYS; the seed spread (docs/reproducibility.md, and its
summary in README.md) reads docs/seed_spread.json, measured as that file says; the GPU tier
table (docs/gpu.md) reads bench/gpu_tier/, one file per run of bench/gpu_tier.py. The test suite runs
--check, so a run committed without regenerating the tables fails CI.
"""

import argparse
import json
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the params schema, for the keys table
DOCUMENTS = {
    "results": "README.md", "ranking": "README.md", "benchmark": "docs/benchmark.md", "model keys": "docs/models.md",
    "section keys": "docs/models.md", "seed spread": "docs/reproducibility.md", "seed summary": "README.md",
    "gpu tier": "docs/gpu.md",
}  # fmt: skip
SEED_SPREAD_FILE = ROOT / "docs" / "seed_spread.json"
GPU_TIER_DIRECTORY = ROOT / "bench" / "gpu_tier"  # one JSON file per run of bench/gpu_tier.py
MARKERS = {name: (f"<!-- {name} table: start -->", f"<!-- {name} table: end -->") for name in DOCUMENTS}
PRECISION_NAMES = {"float32": "float32", "mixed_bfloat16": "bf16", "mixed_float16": "fp16"}


def read(relative: str) -> dict:
    return json.loads((ROOT / relative).read_text())


def describe(entry: dict) -> str:
    """A short description of a model entry's network, from its params."""
    if entry.get("architecture", "dense") == "dense":
        text = "dense " + "-".join(str(units) for units in entry["hidden_units"])
        return text + (", raw pixels" if entry.get("input_scaling") == "raw" else "") + refit_note(entry)
    parts = ["conv " + " · ".join("-".join(str(filters) for filters in block) for block in entry["blocks"])]
    if entry.get("residual"):
        parts.append("residual")
    if entry.get("batch_normalization", True) is False:
        parts.append("no batch norm")
    parts.append(entry.get("global_pooling", "average"))
    if entry.get("dense_units"):
        parts.append("dense " + "-".join(str(units) for units in entry["dense_units"]))
    return ", ".join(parts) + refit_note(entry)


def student_description(student: dict) -> str:
    """A `students:` entry: its recipe's network, and what it learnt from."""
    teacher = f"`{student['teacher']}` (teacher weight {student['teacher_weight']})"
    return f"`{student['recipe']}`'s, distilled from {teacher}"


def refit_note(entry: dict) -> str:
    return ", refit on training + validation" if entry.get("refit") else ""


PUBLISHED_FILE = ROOT / "docs" / "published_benchmark.yaml"


def published_row(published: list[dict], estimator: str, arguments: dict) -> tuple[str, float | None]:
    """(what the table shows, the comparable published accuracy or None): the row of the same settings, else
    the same classifier's row with its settings, which is not comparable."""
    for row in published:
        if row["estimator"] == estimator and row["arguments"] == arguments:
            return f"{row['test_accuracy']:.3f}", row["test_accuracy"]
    for row in published:
        if row["estimator"] == estimator:
            settings = ", ".join(f"{key}={value}" for key, value in row["arguments"].items())
            return f"*{row['test_accuracy']:.3f} with {settings}*", None
    return "—", None


def validation_score(metrics: dict) -> str:
    """A validation accuracy for the table; a dash for a refit model or an ensemble with one, which have none."""
    accuracy = metrics["validation_accuracy"]
    return "— (refit)" if accuracy is None else f"{accuracy:.4f}"


def describe_baseline(entry: dict) -> str:
    """The estimator and its arguments, as scikit-learn would print them."""
    arguments = ", ".join(f"{key}={value}" for key, value in (entry.get("arguments") or {}).items())
    scaled = "standardized, " if entry.get("standardize", True) else ""
    return f"{scaled}{entry['estimator']}({arguments})"


def table() -> str:
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    benchmark = yaml.safe_load(PUBLISHED_FILE.read_text())
    models = {**params["models"], **(params.get("lr_find_models") or {})}
    ensembles = params.get("ensembles") or {}
    seconds = {
        name: row["training_seconds"] for name, row in read("bench/results.json").get("accuracy_per_second", {}).items()
    }
    lines = [
        "| model | network | parameters | forward MFLOPs / image | precision | epochs kept / run | training s "
        "| validation accuracy | test accuracy | test macro F1 | published test accuracy | difference |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, entry in (params.get("baselines") or {}).items():
        scored, test = read(f"metrics/baselines/{name}.json"), read(f"metrics/test/{name}.json")
        published, comparable = published_row(benchmark["baselines"], entry["estimator"], entry.get("arguments") or {})
        difference = "—" if comparable is None else f"{test['test_accuracy'] - comparable:+.3f}"
        lines.append(
            f"| `{name}` | {describe_baseline(entry)} | — | — | float64 | — | {seconds[name]:.0f} "
            f"| {validation_score(scored)} | **{test['test_accuracy']:.4f}** | {test['test_macro_f1']:.4f} "
            f"| {published} | {difference} |"
        )
    networks = {name: (entry, describe(entry)) for name, entry in models.items()}
    for name, student in (params.get("students") or {}).items():
        networks[name] = (models[student["recipe"]], student_description(student))
    for name, (entry, network) in networks.items():
        trained, test, cost = (
            read(f"metrics/train/{name}.json"),
            read(f"metrics/test/{name}.json"),
            read(f"metrics/cost/{name}.json"),
        )
        epochs = f"{trained.get('kept_epoch', entry['epochs'])} / {trained.get('epochs_run', entry['epochs'])}"
        training_seconds = f"{seconds[name]:.0f}" if name in seconds else "—"  # not in the last benchmark's run
        lines.append(
            f"| `{name}` | {network} | {cost['parameters']:,} | {cost['forward_flops_per_image'] / 1e6:.2f} "
            f"| {PRECISION_NAMES.get(cost['precision'], cost['precision'])} | {epochs} "
            f"| {training_seconds} | {validation_score(trained)} | **{test['test_accuracy']:.4f}** "
            f"| {test['test_macro_f1']:.4f} | — | — |"
        )
    for name, entry in ensembles.items():
        scored, test = read(f"metrics/ensemble/{name}.json"), read(f"metrics/test/{name}.json")
        members = " and ".join(f"`{member}`" for member in entry["members"])
        flips = " + flips" if entry["flip_test_time_augmentation"] else ""
        if entry.get("shift_test_time_augmentation"):
            flips += f" + {entry['shift_test_time_augmentation']}-pixel shifts"
        network = f"`{entry['members'][0]}` alone{flips}" if len(entry["members"]) == 1 else f"mean of {members}{flips}"
        member_seconds = sum(seconds[member] for member in entry["members"])
        lines.append(
            f"| `{name}` | {network} | {scored['parameters']:,} | {scored['forward_flops_per_image'] / 1e6:.2f} "
            f"| — | — | {member_seconds:.0f} (members) | {validation_score(scored)} "
            f"| **{test['test_accuracy']:.4f}** | {test['test_macro_f1']:.4f} | — | — |"
        )
    lines += [
        "",
        f"Published: {benchmark['source']} (docs/published_benchmark.yaml); a number in italics is the published "
        "row of other settings of the same classifier, not comparable; difference: ours minus published.",
    ]
    return "\n".join(lines)


def augmentation_note(entry: dict) -> str:
    """What an entry's training augmentation does, in the published table's words."""
    augmentation = entry.get("augmentation") or {}
    parts = ["normalization"]
    if augmentation.get("shift_pixels"):
        parts.append(f"shifts of up to {augmentation['shift_pixels']} pixels")
    if augmentation.get("horizontal_flip"):
        parts.append("horizontal flips")
    if augmentation.get("erase_probability"):
        parts.append("random erasing")
    return ", ".join(parts)


def ranking_table() -> str:
    """Our convolutional networks and ensembles among the published networks, by test accuracy.

    Only models whose test accuracy is above the lowest published network's
    are listed; the published figures are their submitters' own.
    """
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    benchmark = yaml.safe_load(PUBLISHED_FILE.read_text())
    # (accuracy, as shown, network, preprocessing, source): published figures have three digits, ours four.
    rows = [
        (row["test_accuracy"], f"{row['test_accuracy']:.3f}", row["network"], row["preprocessing"], "published")
        for row in benchmark["networks"]
    ]
    floor = min(row[0] for row in rows)
    models, ensembles = params["models"], params.get("ensembles") or {}
    ours = {name: (describe(entry), augmentation_note(entry)) for name, entry in models.items()}
    for name, student in (params.get("students") or {}).items():
        ours[name] = (student_description(student), augmentation_note(models[student["recipe"]]))
    for name, entry in ensembles.items():
        views = "flips" if entry["flip_test_time_augmentation"] else ""
        if entry.get("shift_test_time_augmentation"):
            views += f"{' and ' if views else ''}{entry['shift_test_time_augmentation']}-pixel shifts"
        members = " + ".join(f"`{member}`" for member in entry["members"])
        network = f"{members} alone" if len(entry["members"]) == 1 else f"mean of {members}"
        training = augmentation_note(models[entry["members"][0]])
        ours[name] = (network, f"{training}; test-time views: {views or 'none'}")
    for name, (network, preprocessing) in ours.items():
        accuracy = read(f"metrics/test/{name}.json")["test_accuracy"]
        if accuracy >= floor:
            rows.append((accuracy, f"**{accuracy:.4f}**", f"**`{name}`**: {network}", preprocessing, "this repository"))
    lines = ["| test accuracy | network | preprocessing, augmentation | from |", "|---|---|---|---|"]
    lines += [f"| {shown} | {network} | {extra} | {source} |" for _, shown, network, extra, source in
              sorted(rows, key=lambda row: -row[0])]  # fmt: skip
    lines += ["", f"Published: {benchmark['networks_source']} (docs/published_benchmark.yaml)."]
    return "\n".join(lines)


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


def seed_spread_table() -> str:
    """Validation and test accuracy over the seeds of docs/seed_spread.json, per model."""
    spread = json.loads(SEED_SPREAD_FILE.read_text())
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


def seed_summary() -> str:
    """The README's sentence on the seed spread of the best single model and the ensemble."""
    spread = json.loads(SEED_SPREAD_FILE.read_text())
    parts = []
    for name in spread["summarized"]:
        mean, deviation, low, high = seed_statistics(runs_of(spread, name), name, "test_accuracy")
        parts.append(f"`{name}` {mean:.4f} ± {deviation:.4f} (from {low:.4f} to {high:.4f})")
    counts = {len(runs_of(spread, name)) for name in spread["summarized"]}
    return (
        f"{spread['recipes']} Over {' or '.join(map(str, sorted(counts)))} seeds of their networks, test accuracy "
        "(mean ± sample "
        f"standard deviation): {'; '.join(parts)} ([docs/reproducibility.md](docs/reproducibility.md)). A "
        "difference between two models smaller than this spread is not evidence that one is better."
    )


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
    """Every recorded run of bench/gpu_tier.py: its machine, time and accuracies, and the spread over seeds."""
    from bench.gpu_tier import ENSEMBLE_NAME, MODEL_NAME, documented_entries

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


def allowed_values(key) -> str:
    """What a key accepts, in words: its choices, its bounds, or its kind."""
    if key.choices:
        return ", ".join(key.choices)
    if key.minimum is not None or key.maximum is not None:
        low = "" if key.minimum is None else f"{key.minimum:g} ≤ "
        high = "" if key.maximum is None else f" ≤ {key.maximum:g}"
        return f"{low}{key.kind}{high}"
    return key.kind.replace("_", " ")


def default_value(key) -> str:
    from fashion.core.params import REQUIRED

    return "required" if key.default is REQUIRED else f"`{json.dumps(key.default)}`"


def keys_table() -> str:
    """Every key of a `models:` entry, from its one declaration in fashion/core/params/schema.py."""
    from fashion.core.params import MODEL_KEYS

    lines = ["| key | architectures | default | allowed | meaning |", "|---|---|---|---|---|"]
    for key in MODEL_KEYS:
        architectures = ", ".join(key.architectures) or "every"
        lines.append(f"| `{key.name}` | {architectures} | {default_value(key)} | {allowed_values(key)} | {key.help} |")
    return "\n".join(lines)


def section_keys_table() -> str:
    """Every key of the other sections of params.yaml, from their declarations in fashion/core/params/schema.py."""
    from fashion.core.params import SECTION_KEYS

    lines = ["| key | default | allowed | meaning |", "|---|---|---|---|"]
    for section, keys in SECTION_KEYS.items():
        lines += [
            f"| `{section}.{key.name}` | {default_value(key)} | {allowed_values(key)} | {key.help} |" for key in keys
        ]
    return "\n".join(lines)


def with_table(document: str, name: str, text: str) -> str:
    start, end = MARKERS[name]
    if start not in document or end not in document:
        raise SystemExit(f"{DOCUMENTS[name]} has no {start} ... {end} markers")
    before, rest = document.split(start, 1)
    _, after = rest.split(end, 1)
    return f"{before}{start}\n{text}\n{end}{after}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help="replace the tables in their documents")
    mode.add_argument("--check", action="store_true", help="exit 1 unless every document's table is current")
    arguments = parser.parse_args(argv)
    generated = {
        "results": table(), "ranking": ranking_table(), "benchmark": benchmark_table(), "model keys": keys_table(),
        "section keys": section_keys_table(), "seed spread": seed_spread_table(), "seed summary": seed_summary(),
        "gpu tier": gpu_tier_table(),
    }  # fmt: skip
    if not (arguments.write or arguments.check):
        print("\n\n".join(generated.values()))
        return 0
    stale = []
    for name, text in generated.items():
        path = ROOT / DOCUMENTS[name]
        document = path.read_text()
        current = with_table(document, name, text)
        if arguments.write:
            path.write_text(current)
        elif current != document:
            stale.append(DOCUMENTS[name])
    if arguments.check and stale:
        print(f"Generated tables are stale in {', '.join(stale)}: run `python scripts/results_table.py --write`.")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
