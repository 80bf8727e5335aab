"""The README's results table (every model, ensemble and baseline) and its ranking among the published networks."""

import yaml

from .sources import PRECISION_NAMES, PUBLISHED_FILE, ROOT, read


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


def results_table() -> str:
    """Every model, ensemble and baseline of params.yaml with its cost, training time and scores."""
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
