"""Fail CI unless the full run produced every expected file, kept its accuracy
floors and, on the machine that made the committed run, reproduced it bit for
bit; report the accuracy goals.

Floors (a failure): every model, baseline and ensemble with a committed score
keeps its floor: that committed test accuracy (read from the commit,
`git show HEAD:metrics/test/<name>.json`) less a margin of three standard
deviations of its measured seed spread, and at least half a point
(`floor_margin`). Convolutional networks and their ensembles take the widest
spread measured for them (docs/seed_spread*.json: runs that differ only in a
seed); the study's four-unit networks take theirs (docs/notebook/experiments.md: model_4's
validation accuracy over three seeds); the baselines, seeded and
deterministic, half a point. Raw pixels must also stay below normalized ones
(model_1_raw under model_1).
Goals (reported as met or not, not a failure): the study's 0.80 for model_4; 0.940 from the single
model chosen on validation (trained in under 15 minutes) and from it with test-time views, and 0.947
from an ensemble, each judged on the mean over the committed seed runs, never on the best test score. An
ensemble of one model with views is reported as that model with test-time augmentation.
Times (timings/, not committed) are reported, never enforced: they vary from run to run.
One epoch (`--one-epoch`): on a CPU without native bfloat16, CI's run trains
each slow-to-train entry for one epoch (`.ci/one_epoch_overrides.py`); every
file and every floor is checked, except that a slow-to-train network, and an
ensemble with one among its members, must instead cover at least half the way
from chance (0.10) to its committed score: measured on an AVX2 CPU, one epoch
took them 0.77 to 0.87 of validation accuracy, while a network that learns
nothing stays near chance; the goals are not reported.
Reproducibility: on the machine that made the committed run (bench/results.json
describes it: CPU, cores, native bfloat16, Python, TensorFlow and Keras), `dvc
metrics diff HEAD` must be empty and the run must leave dvc.lock, the metrics
and the plots as committed. Elsewhere results may differ within the tolerance
the README states, and only the floors apply.
"""

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

import yaml

sys.path.insert(
    0, str(Path(__file__).resolve().parent.parent)
)  # the pipeline's packages, for fashion.training.precision

# The study's result for model_4: a goal, as a good seed's result (docs/notebook/experiments.md).
STUDY_MODEL_4_ACCURACY = 0.80
SINGLE_MODEL_TRAINING_GOAL_SECONDS = 900  # 15 minutes, the budget of one model
SINGLE_MODEL_GOAL = 0.940
ENSEMBLE_GOAL = 0.947


MINIMUM_MARGIN = 0.005
CHANCE = 1 / 10  # ten balanced classes
SEED_SPREAD_FILES = ("docs/seed_spread.json", "docs/seed_spread_float32.json")
# model_4's validation accuracy at the committed rate over seeds 42, 1 and 2 (docs/notebook/experiments.md, "The
# study's sweep"): the measured seed spread of the study's four-unit networks.
STUDY_NETWORK_SEED_RUNS = (0.7695, 0.7418, 0.8202)


def read(path: str) -> dict:
    return json.loads(Path(path).read_text())


def committed_accuracy(name: str) -> float | None:
    """The test accuracy the commit holds for `name`, or None if it has none (a model new in this change)."""
    shown = subprocess.run(["git", "show", f"HEAD:metrics/test/{name}.json"], capture_output=True, text=True)
    return json.loads(shown.stdout)["test_accuracy"] if shown.returncode == 0 else None


def measured_spreads() -> dict[str, float]:
    """The sample standard deviation of each model's test accuracy over runs that differ only in a seed."""
    spreads = {}
    for path in SEED_SPREAD_FILES:
        spread = read(path)
        for name in spread["models"]:
            values = [run["results"][name]["test_accuracy"] for run in spread["runs"] if name in run["results"]]
            if len(values) > 1:
                spreads[name] = statistics.stdev(values)
    return spreads


def floor_margin(kind: str, spreads: dict[str, float]) -> float:
    """How far under its committed score a model may land: 3 standard deviations of its kind's seed spread."""
    spread = {
        "slow_to_train": max(spreads.values(), default=0.0),
        "quick_to_train": statistics.stdev(STUDY_NETWORK_SEED_RUNS),
    }.get(kind, 0.0)
    return max(MINIMUM_MARGIN, 3 * spread)


def model_kinds(params: dict) -> dict[str, str]:
    """slow_to_train, quick_to_train or baseline for each name (the architecture's `slow_to_train`);
    an ensemble is slow to train if any member is."""
    from fashion.core.params import validate_params

    settings = validate_params(params)
    kinds = {name: "slow_to_train" if entry.slow_to_train else "quick_to_train"
             for name, entry in settings.trained_models.items()}  # fmt: skip
    kinds |= {name: kinds[student.recipe] for name, student in settings.students.items()}
    kinds |= dict.fromkeys(settings.baselines, "baseline")
    for name, ensemble in settings.ensembles.items():
        members = {kinds[member] for member in ensemble.members}
        kinds[name] = "slow_to_train" if "slow_to_train" in members else "quick_to_train"
    return kinds


def floor_problems(params: dict, accuracy: dict[str, float], one_epoch: bool) -> list[str]:
    """Each model under its floor (see the module's docstring); the floors are printed."""
    kinds, spreads = model_kinds(params), measured_spreads()
    committed = {name: committed_accuracy(name) for name in kinds}
    problems, floors = [], []
    for name, kind in kinds.items():
        if committed[name] is None:
            print(f"{name}: no committed score, so no floor (a model new in this change)")
            continue
        elif one_epoch and kind == "slow_to_train":
            floor, why = (CHANCE + committed[name]) / 2, f"halfway from chance to the committed {committed[name]:.4f}"
        else:
            floor, why = committed[name] - floor_margin(kind, spreads), f"committed {committed[name]:.4f}"
        floors.append(f"{name} {floor:.4f}")
        if accuracy.get(name, 0.0) < floor:
            problems.append(
                f"{name} test accuracy {accuracy.get(name, 0.0):.4f} is under its floor {floor:.4f} ({why})"
            )
    print("floors:", ", ".join(floors))
    return problems


def expected_files(models: list[str], baselines: list[str], ensembles: list[str], students: list[str]) -> list[Path]:
    """Every output the run must have written (the library's paths; timings/ is not committed)."""
    from fashion.core import paths

    expected = [
        *(paths.data_metrics_file(split) for split in ("train", "validation", "test")),
        paths.LR_FIND_METRICS_FILE, paths.LR_FIND_PLOT_FILE, paths.LEARNING_CURVES_FILE, paths.PER_CLASS_FILE,
        paths.CONFUSION_FILE, paths.PREDICTIONS_FIGURE_FILE, paths.EXPORT_METRICS_FILE, paths.TFLITE_FILE,
        paths.SAVED_MODEL_DIR / "saved_model.pb",
    ]  # fmt: skip
    trained = [*map(paths.train_outputs, models), *map(paths.student_outputs, students)]
    expected += [path for outputs in trained for path in outputs if path.parent != paths.TIMINGS_DIR]
    for name, scored in paths.scored_files(models, baselines, ensembles, students).items():
        expected += [*scored, paths.test_metrics_file(name), paths.summary_metrics_file(name)]
    return expected


def changed_metrics() -> list[str]:
    """Declared metric files (the summaries, lr_find's, export's) whose values differ from the committed ones."""
    output = subprocess.run(
        ["dvc", "metrics", "diff", "HEAD", "--json"], check=True, capture_output=True, text=True
    ).stdout
    changed = json.loads(output or "{}")
    return sorted(path for path, values in changed.items() if values)


# The one output whose bytes are not reproducible, though what it computes is (the metrics
# diff above is empty): TensorFlow's SavedModel numbers its objects per process, so two
# exports of the same weights differ (the export stage checks it against the Keras model on
# every validation image). Its hash in dvc.lock may change; nothing else may, the .keras
# models and ensembles included (fashion/models/saving.py makes their bytes reproducible).
NOT_BYTE_REPRODUCIBLE = ("export/saved_model",)


def unreproducible(path: str) -> bool:
    return path in NOT_BYTE_REPRODUCIBLE


def lock_without_unreproducible(text: str) -> dict:
    """dvc.lock's content with the hashes of the outputs named above left out."""
    lock = yaml.safe_load(text)
    for stage in lock.get("stages", {}).values():
        for entry in (*stage.get("outs", []), *stage.get("deps", [])):
            if unreproducible(entry.get("path", "")):
                for key in ("md5", "size"):
                    entry.pop(key, None)
    return lock


def changed_files() -> list[str]:
    """Tracked files of the pipeline that the run changed (git status), dvc.lock compared as above."""
    status = subprocess.run(
        ["git", "status", "--porcelain", "--", "metrics", "plots", "live"], check=True, capture_output=True, text=True
    ).stdout
    changed = [line[3:] for line in status.splitlines()]
    committed = subprocess.run(["git", "show", "HEAD:dvc.lock"], check=True, capture_output=True, text=True).stdout
    if lock_without_unreproducible(committed) != lock_without_unreproducible(Path("dvc.lock").read_text()):
        changed.append("dvc.lock")
    return changed


def _met(condition: bool) -> str:
    return "met" if condition else "NOT met"


def accuracy_goals(params: dict, accuracy: dict[str, float], ensembles: list[str]) -> None:
    """Report the accuracy goals for the models validation chose, never the best by test.

    The single network is the exported one (`export.model`, by validation
    accuracy); an ensemble of one member with views is that network with
    test-time augmentation; the others are ensembles. A goal is met only if
    the mean over the committed seed runs reaches it (docs/seed_spread.json);
    this run's own score is printed beside it.
    """
    chosen = read("metrics/export.json")["model"]
    timing = Path(f"timings/{chosen}.json")
    seconds = read(str(timing))["training_seconds"] if timing.is_file() else float("nan")
    print(f"single model chosen on validation: {chosen} at {accuracy.get(chosen, 0.0):.4f} after {seconds:.0f} s")
    # Reported, not enforced: this machine's speed drifts by 15 % or more between
    # runs, and a time limit is the benchmark's to measure, not CI's to assert.
    under = seconds < SINGLE_MODEL_TRAINING_GOAL_SECONDS
    print(f"goal, its training under {SINGLE_MODEL_TRAINING_GOAL_SECONDS} s on this machine: {_met(under)}")
    means = seed_means()
    with_views = [name for name in ensembles if len(params["ensembles"][name]["members"]) == 1]
    goals = [(name, SINGLE_MODEL_GOAL) for name in (chosen, *with_views)]
    goals += [(name, ENSEMBLE_GOAL) for name in ensembles if name not in with_views]
    for name, goal in goals:
        mean = means.get(name)
        over_seeds = "no seed runs" if mean is None else f"seed mean {mean[0]:.4f} over {mean[1]} runs"
        met = mean is not None and mean[0] >= goal
        print(f"goal {goal} for {name}: {_met(met)} ({over_seeds}; this run {accuracy.get(name, 0.0):.4f})")


def seed_means() -> dict[str, tuple[float, int]]:
    """(mean test accuracy, runs) of each model of the committed bfloat16 seed runs, the precision committed."""
    spread = read(SEED_SPREAD_FILES[0])
    means = {}
    for name in spread["models"]:
        values = [run["results"][name]["test_accuracy"] for run in spread["runs"] if name in run["results"]]
        means[name] = (statistics.mean(values), len(values))
    return means


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--one-epoch",
        action="store_true",
        help="the slow-to-train entries trained one epoch: check files and the study's floors only",
    )
    arguments = parser.parse_args(argv)
    params = yaml.safe_load(Path("params.yaml").read_text())
    models = [*params["models"], *(params.get("lr_find_models") or {})]
    ensembles = list(params.get("ensembles") or {})
    baselines = list(params.get("baselines") or {})
    students = list(params.get("students") or {})
    problems = [
        f"missing {path}" for path in expected_files(models, baselines, ensembles, students) if not path.is_file()
    ]
    accuracy = {
        name: read(f"metrics/test/{name}.json")["test_accuracy"]
        for name in [*models, *students, *baselines, *ensembles]
        if Path(f"metrics/test/{name}.json").is_file()
    }
    print("test accuracy:", ", ".join(f"{name} {value:.4f}" for name, value in accuracy.items()))
    problems += floor_problems(params, accuracy, arguments.one_epoch)
    study = accuracy.get("model_4", 0.0) >= STUDY_MODEL_4_ACCURACY
    print(f"goal, model_4 at the study's {STUDY_MODEL_4_ACCURACY}: {_met(study)}")
    if "model_1_raw" in accuracy and "model_1" in accuracy and accuracy["model_1_raw"] >= accuracy["model_1"]:
        problems.append("model_1 on raw pixels is not below the same network on normalized pixels")

    if arguments.one_epoch:
        print("slow-to-train entries trained one epoch: their goals are not reported")
    else:
        accuracy_goals(params, accuracy, ensembles)

    from fashion.training.precision import REPRODUCIBILITY_KEYS, machine_description

    committed_machine = read("bench/results.json")["machine"]
    here = {key: value for key, value in machine_description().items() if key in REPRODUCIBILITY_KEYS}
    same_machine = not arguments.one_epoch and all(committed_machine.get(key) == value for key, value in here.items())
    changed, rewritten = changed_metrics(), changed_files()
    if same_machine:
        print("this machine made the committed run: every metric and output must be reproduced bit for bit")
        if changed:
            problems.append(f"metrics differ from the committed run: {', '.join(changed)}")
        if rewritten:
            problems.append(f"the run changed committed files: {', '.join(rewritten[:10])}")
    else:
        differences = {key: (committed_machine.get(key), value) for key, value in here.items()
                       if committed_machine.get(key) != value}  # fmt: skip
        print(f"another machine than the committed run's ({differences}): floors only")
        print(f"metrics that differ from the committed run: {', '.join(changed) or 'none'}")
    for problem in problems:
        print(f"FAIL: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
