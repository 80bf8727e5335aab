"""The README's results table (every model, ensemble and baseline) and its ranking among the published networks."""

import json

import yaml

from fashion.core.params import load_params

from .sources import PRECISION_NAMES, PUBLISHED_FILE, ROOT, read


def describe(entry) -> str:
    """A validated model entry's network in a few words: its architecture's own description."""
    return entry.description + (", refit on training + validation" if entry.refit else "")


def student_description(student) -> str:
    """A `students:` entry: its recipe's network, and what it learnt from."""
    return f"`{student.recipe}`'s, distilled from `{student.teacher}` (teacher weight {student.teacher_weight})"


def plain(arguments: dict) -> dict:
    """A baseline's validated arguments as params.yaml spells them (lists, not the tuples validation makes)."""
    return json.loads(json.dumps(arguments))


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


def views_asked(entry) -> str:
    """An ensemble's test-time views in words: `flips and 1-pixel shifts`, or `none`."""
    views = ["flips"] if entry.flip_test_time_augmentation else []
    if entry.shift_test_time_augmentation:
        views.append(f"{entry.shift_test_time_augmentation}-pixel shifts")
    return " and ".join(views) or "none"


def chosen_members(scored: dict) -> list[str]:
    """The members an ensemble's metrics file says it kept."""
    return sorted(scored["member_shares"])


def describe_ensemble(entry, scored: dict) -> str:
    """What an ensemble averages: its members and views, and with `greedy` what validation chose among them."""
    members = ", ".join(f"`{member}`" for member in entry.members)
    if entry.selection == "greedy":
        shares = ", ".join(f"{candidate} {share:.2f}" for candidate, share in
                           sorted(scored["chosen"].items(), key=lambda item: -item[1]))  # fmt: skip
        return f"chosen on validation from {members} with views up to {views_asked(entry)}: {shares}"
    return f"mean of {members}, views: {views_asked(entry)}"


def validation_score(metrics: dict) -> str:
    """A validation accuracy for the table; a dash for a refit model, which has none."""
    accuracy = metrics["validation_accuracy"]
    return "— (refit)" if accuracy is None else f"{accuracy:.4f}"


def describe_baseline(entry) -> str:
    """The estimator and its arguments, as scikit-learn would print them."""
    arguments = ", ".join(f"{key}={value}" for key, value in plain(entry.arguments).items())
    return f"{'standardized, ' * entry.standardize}{entry.estimator}({arguments})"


def results_table() -> str:
    """Every model, ensemble and baseline of params.yaml with its cost, training time and scores."""
    settings = load_params(ROOT / "params.yaml")
    benchmark = yaml.safe_load(PUBLISHED_FILE.read_text())
    seconds = {
        name: row["training_seconds"] for name, row in read("bench/results.json").get("accuracy_per_second", {}).items()
    }
    lines = [
        "| model | network | parameters | forward MFLOPs / image | precision | epochs kept / run | training s "
        "| validation accuracy | test accuracy | test macro F1 | published test accuracy | difference |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, entry in settings.baselines.items():
        scored, test = read(f"metrics/baselines/{name}.json"), read(f"metrics/test/{name}.json")
        published, comparable = published_row(benchmark["baselines"], entry.estimator, plain(entry.arguments))
        difference = "—" if comparable is None else f"{test['test_accuracy'] - comparable:+.3f}"
        lines.append(
            f"| `{name}` | {describe_baseline(entry)} | — | — | float64 | — | {seconds[name]:.0f} "
            f"| {validation_score(scored)} | **{test['test_accuracy']:.4f}** | {test['test_macro_f1']:.4f} "
            f"| {published} | {difference} |"
        )
    networks = {name: (entry, describe(entry)) for name, entry in settings.trained_models.items()}
    for name, student in settings.students.items():
        networks[name] = (student.model, student_description(student))
    for name, (entry, network) in networks.items():
        trained, test, cost = (
            read(f"metrics/train/{name}.json"),
            read(f"metrics/test/{name}.json"),
            read(f"metrics/cost/{name}.json"),
        )
        epochs = f"{trained.get('kept_epoch', entry.epochs)} / {trained.get('epochs_run', entry.epochs)}"
        training_seconds = f"{seconds[name]:.0f}" if name in seconds else "—"  # not in the last benchmark's run
        lines.append(
            f"| `{name}` | {network} | {cost['parameters']:,} | {cost['forward_flops_per_image'] / 1e6:.2f} "
            f"| {PRECISION_NAMES.get(cost['precision'], cost['precision'])} | {epochs} "
            f"| {training_seconds} | {validation_score(trained)} | **{test['test_accuracy']:.4f}** "
            f"| {test['test_macro_f1']:.4f} | — | — |"
        )
    for name, entry in settings.ensembles.items():
        scored, test = read(f"metrics/ensemble/{name}.json"), read(f"metrics/test/{name}.json")
        member_seconds = sum(seconds[member] for member in chosen_members(scored))
        lines.append(
            f"| `{name}` | {describe_ensemble(entry, scored)} | {scored['parameters']:,} "
            f"| {scored['forward_flops_per_image'] / 1e6:.2f} "
            f"| — | — | {member_seconds:.0f} (members) | {validation_score(scored)} "
            f"| **{test['test_accuracy']:.4f}** | {test['test_macro_f1']:.4f} | — | — |"
        )
    lines += [
        "",
        f"Published: {benchmark['source']} (docs/published_benchmark.yaml); a number in italics is the published "
        "row of other settings of the same classifier, not comparable; difference: ours minus published.",
    ]
    return "\n".join(lines)


def augmentation_note(entry) -> str:
    """What an entry's training augmentation does, in the published table's words."""
    augmentation = entry.augmentation
    parts = ["normalization"]
    if augmentation.shift_pixels:
        parts.append(f"shifts of up to {augmentation.shift_pixels} pixels")
    if augmentation.horizontal_flip:
        parts.append("horizontal flips")
    if augmentation.erase_probability:
        parts.append("random erasing")
    return ", ".join(parts)


def ranking_table() -> str:
    """Our networks and ensembles among the published networks, by test accuracy.

    Only models whose test accuracy is above the lowest published network's
    are listed; the published figures are their submitters' own.
    """
    settings = load_params(ROOT / "params.yaml")
    benchmark = yaml.safe_load(PUBLISHED_FILE.read_text())
    # (accuracy, as shown, network, preprocessing, source): published figures have three digits, ours four.
    rows = [
        (row["test_accuracy"], f"{row['test_accuracy']:.3f}", row["network"], row["preprocessing"], "published")
        for row in benchmark["networks"]
    ]
    floor = min(row[0] for row in rows)
    models = settings.models
    ours = {name: (describe(entry), augmentation_note(entry)) for name, entry in models.items()}
    for name, student in settings.students.items():
        ours[name] = (student_description(student), augmentation_note(student.model))
    for name, entry in settings.ensembles.items():
        scored = read(f"metrics/ensemble/{name}.json")
        training = augmentation_note(settings.trained_models[chosen_members(scored)[0]])
        ours[name] = (
            describe_ensemble(entry, scored),
            f"{training}; test-time views chosen among: {views_asked(entry)}",
        )
    for name, (network, preprocessing) in ours.items():
        accuracy = read(f"metrics/test/{name}.json")["test_accuracy"]
        if accuracy >= floor:
            rows.append((accuracy, f"**{accuracy:.4f}**", f"**`{name}`**: {network}", preprocessing, "this repository"))
    lines = ["| test accuracy | network | preprocessing, augmentation | from |", "|---|---|---|---|"]
    lines += [f"| {shown} | {network} | {extra} | {source} |" for _, shown, network, extra, source in
              sorted(rows, key=lambda row: -row[0])]  # fmt: skip
    lines += ["", f"Published: {benchmark['networks_source']} (docs/published_benchmark.yaml)."]
    return "\n".join(lines)
