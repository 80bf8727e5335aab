"""Today's recipe against a cheaper one, side by side: validation accuracy against training minutes.

    python bench/recipe_minutes.py --model cnn --set epochs=12 --set batch_size=256 --set learning_rate=0.004
    ONEDNN_MAX_CPU_ISA=AVX2 python bench/recipe_minutes.py --model cnn --set ...   # float32, as without bfloat16

In one run, on this machine, the `models:` entry MODEL trains as params.yaml
has it (today's recipe), then again with the `--set` changes (the candidate),
each on every training image with the pipeline's own training code, its
validation accuracy taken after every epoch with the minutes since training
began. The candidate "reaches today's accuracy" when the validation accuracy
of its kept epoch is at least that of today's recipe; the ratio is its
training minutes over today's. Only the validation split is read.

The result goes to bench/results.json under `recipe_minutes`, keyed by the
precision both trained in (`precision: auto` picks bfloat16 on CPUs with native
bfloat16, float32 elsewhere, or under ONEDNN_MAX_CPU_ISA=AVX2), with the CPU;
bench/recipe_minutes.png draws every precision measured. About 1.5 times
today's training minutes; it needs `dvc repro -s normalize` first.
"""

import argparse
import json
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fashion.core import paths  # noqa: E402
from fashion.core.atomic import atomic_path, write_json  # noqa: E402
from fashion.core.errors import PipelineError  # noqa: E402
from research.entry_settings import changed_entry, setting_of  # noqa: E402

RESULTS_FILE = ROOT / "bench" / "results.json"
FIGURE_FILE = ROOT / "bench" / "recipe_minutes.png"
SECTION = "recipe_minutes"


def train_curve(params, strategy: str, training, validation) -> dict:
    """Train the entry as its stage would (nothing written); its curve, kept epoch and minutes."""
    import tempfile

    from fashion.training.run import train_model

    result = train_model(params, params.learning_rate, strategy, training, validation, Path(tempfile.mkdtemp()))
    minutes = [seconds / 60 for seconds in result.epoch_end_seconds]
    return {
        "epochs": params.epochs,
        "batch_size": params.batch_size,
        "learning_rate": params.learning_rate,
        "precision": result.precision,
        "kept_epoch": result.kept_epoch,
        "validation_accuracy": result.kept_validation_score("validation_accuracy"),
        "training_minutes": minutes[-1],
        "curve": [[epoch, round(minute, 3), round(accuracy, 4)] for epoch, (minute, accuracy) in
                  enumerate(zip(minutes, result.history["val_accuracy"], strict=True), start=1)],
    }  # fmt: skip


def compare(model: str, changes: list[tuple[list[str], object]], settings_text: list[str]) -> dict:
    """Train today's recipe and the candidate one after the other; both curves and the verdict."""
    from fashion.data.arrays import load_split
    from fashion.training.precision import machine_description

    today, strategy = changed_entry(model, [])
    candidate, _ = changed_entry(model, changes)
    if candidate.requested_precision != today.requested_precision:  # checked before an hour of training
        raise PipelineError("a ratio of minutes compares one precision; drop precision from --set.")
    training = load_split(paths.PROCESSED_DIR, "train")
    validation = load_split(paths.PROCESSED_DIR, "validation")
    baseline = train_curve(today, strategy, training, validation)
    cheaper = train_curve(candidate, strategy, training, validation)
    return {
        "machine": machine_description(),
        "model": model,
        "changes": settings_text,
        "today": baseline,
        "candidate": cheaper,
        "minutes_ratio": cheaper["training_minutes"] / baseline["training_minutes"],
        "reaches_today_accuracy": cheaper["validation_accuracy"] >= baseline["validation_accuracy"],
    }


def draw(section: dict, target: Path) -> None:
    """One panel per precision measured: validation accuracy against training minutes, both recipes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, len(section), figsize=(6 * len(section), 4.2), squeeze=False)
    for axis, (precision, run) in zip(axes[0], sorted(section.items()), strict=True):
        candidate_label = textwrap.fill("candidate: " + ", ".join(run["changes"]), width=45)
        for key, label in (("today", f"today's {run['model']}"), ("candidate", candidate_label)):
            curve = run[key]["curve"]
            axis.plot([point[1] for point in curve], [point[2] for point in curve], marker="o", label=label)
        axis.axhline(run["today"]["validation_accuracy"], color="grey", linestyle="--", linewidth=0.8)
        axis.set_ylim(max(0.85, min(point[2] for point in run["today"]["curve"])), None)
        axis.set(xlabel="training minutes", ylabel="validation accuracy",
                 title=f"{precision}, {run['machine']['cpu']}:\n{run['minutes_ratio']:.2f}x the minutes, "
                       + ("at" if run["reaches_today_accuracy"] else "short of") + " today's accuracy")  # fmt: skip
        axis.legend(loc="lower right", fontsize=8)
        axis.grid(alpha=0.3)
    figure.tight_layout()
    with atomic_path(target) as temporary:
        figure.savefig(temporary, dpi=110)
    plt.close(figure)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="cnn", help="the models: entry whose recipe is today's")
    parser.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", required=True,
        help="a key of the candidate recipe, dotted inside the entry, the value read as YAML",
    )  # fmt: skip
    parser.add_argument("--results", type=Path, default=RESULTS_FILE, help="the results file to update")
    parser.add_argument("--figure", type=Path, default=FIGURE_FILE, help="where to draw the curves")
    arguments = parser.parse_args(argv)
    changes = [setting_of(text) for text in arguments.set]
    try:
        run = compare(arguments.model, changes, arguments.set)
    except PipelineError as error:
        print(f"recipe_minutes: {error}", file=sys.stderr)
        return 1
    results = json.loads(arguments.results.read_text()) if arguments.results.exists() else {}
    results.setdefault(SECTION, {})[run["today"]["precision"]] = run
    if "summary" in results:  # bench/run.py's table, with this comparison's row
        from bench.run import summary

        results["summary"] = summary(results)
    write_json(arguments.results, results)
    draw(results[SECTION], arguments.figure)
    today, candidate = run["today"], run["candidate"]
    verdict = "reaches" if run["reaches_today_accuracy"] else "does not reach"
    print(f"recipe_minutes: {today['precision']}: candidate {candidate['validation_accuracy']:.4f} in "
          f"{candidate['training_minutes']:.1f} min, today's {today['validation_accuracy']:.4f} in "
          f"{today['training_minutes']:.1f} min ({run['minutes_ratio']:.2f}x): {verdict} today's accuracy")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
