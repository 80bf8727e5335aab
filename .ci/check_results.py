"""Fail CI unless the full run produced every expected file, kept its accuracy
floors and, on the machine that made the committed run, reproduced it bit for
bit; report the accuracy goals.

Floors (a failure): model_4 keeps the study's 0.80; the best single model and
the best ensemble stay at or above floors set just under what committed runs
reached, less the ±0.3 points results move by on another machine (0.933 and
0.938; README's generated table has the committed run's).
Goals (reported as met or not, not a failure): 0.940 from a single model
trained in under 15 minutes and 0.947 from an ensemble (see the README for
where the committed run stands). An
ensemble of one model with flips is reported beside the single models, as that
model with test-time augmentation, and is not counted as an ensemble.
Times (timings/, not committed) are reported, never enforced: they vary from run to run.
One epoch (`--one-epoch`): on a CPU without native bfloat16, CI's run trains
each convolutional entry for one epoch (`.ci/one_epoch_overrides.py`); every
file and the study's floors are checked, the convolutional floors and goals are
not (one epoch cannot reach them).
Reproducibility: on the machine that made the committed run (bench/results.json
describes it: CPU, cores, native bfloat16, Python, TensorFlow and Keras), `dvc
metrics diff HEAD` must be empty and the run must leave dvc.lock, the metrics
and the plots as committed. Elsewhere results may differ within the tolerance
the README states, and only the floors apply.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import yaml

sys.path.insert(
    0, str(Path(__file__).resolve().parent.parent)
)  # the pipeline's packages, for fashion.training.precision

MINIMUM_MODEL_4_ACCURACY = 0.80
MINIMUM_SINGLE_MODEL_ACCURACY = 0.933  # the committed best single model, cnn_refit, reached 0.9369
SINGLE_MODEL_TRAINING_GOAL_SECONDS = 900  # 15 minutes, the budget of one model
MINIMUM_ENSEMBLE_ACCURACY = 0.938  # the committed best ensemble, ensemble, reached 0.9418
SINGLE_MODEL_GOAL = 0.940
ENSEMBLE_GOAL = 0.947


def read(path: str) -> dict:
    return json.loads(Path(path).read_text())


def scored_files(name: str) -> list[str]:
    """What evaluate writes for every model, baseline and ensemble."""
    return [
        f"metrics/test/{name}.json", f"metrics/summary/{name}.json", f"plots/confusion/{name}.csv",
        f"plots/confusion_heatmap/{name}.png", f"plots/predictions/{name}.png", f"plots/per_class/{name}.csv",
    ]  # fmt: skip


def expected_files(models: list[str], baselines: list[str], ensembles: list[str], students: list[str]) -> list[Path]:
    expected = [
        "metrics/data/train.json", "metrics/data/validation.json", "metrics/data/test.json",
        "metrics/lr_find.json", "plots/lr_find.csv", "plots/lr_find.png",
        "plots/learning_curves.csv", "plots/learning_curves.png",
        "metrics/export.json", "export/model.tflite", "export/saved_model/saved_model.pb",
    ]  # fmt: skip
    # A student writes what a train stage writes, its model under students/ instead of models/.
    for directory, names in (("models", models), ("students", students)):
        for name in names:
            expected += [
                f"{directory}/{name}.keras", f"metrics/train/{name}.json", f"metrics/cost/{name}.json",
                f"plots/history/{name}.csv", f"plots/sweep/{name}.csv", f"live/{name}/metrics.json",
                *scored_files(name),
            ]  # fmt: skip
    for name in baselines:
        expected += [f"baselines/{name}.skops", f"metrics/baselines/{name}.json", *scored_files(name)]
    for name in ensembles:
        expected += [f"ensembles/{name}.keras", f"metrics/ensemble/{name}.json", *scored_files(name)]
    return [Path(path) for path in expected]


def changed_metrics() -> list[str]:
    """Declared metric files (the summaries, lr_find's, export's) whose values differ from the committed ones."""
    output = subprocess.run(
        ["dvc", "metrics", "diff", "HEAD", "--json"], check=True, capture_output=True, text=True
    ).stdout
    changed = json.loads(output or "{}")
    return sorted(path for path, values in changed.items() if values)


def this_machine() -> dict:
    """The fields of bench/results.json's machine that decide bit-identity."""
    from importlib import metadata

    from fashion.training.precision import cpu_has_native_bfloat16

    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")),
               platform.processor())  # fmt: skip
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "native_bfloat16": cpu_has_native_bfloat16(),
        "python": platform.python_version(),
        "tensorflow": metadata.version("tensorflow-cpu" if sys.platform != "darwin" else "tensorflow"),
        "keras": metadata.version("keras"),
    }


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


def accuracy_goals(
    params: dict, accuracy: dict[str, float], single_names: list[str], ensembles: list[str]
) -> list[str]:
    """Report the accuracy goals of the best single model and ensemble; return the floors they fail."""
    problems = []
    singles = {name: accuracy[name] for name in single_names if name in accuracy}
    best = max(singles, key=singles.get)
    timing = Path(f"timings/{best}.json")
    seconds = read(str(timing))["training_seconds"] if timing.is_file() else float("nan")
    print(f"best single model: {best} at {singles[best]:.4f} after {seconds:.0f} s of training")
    print(f"goal, a single model at {SINGLE_MODEL_GOAL}: {_met(singles[best] >= SINGLE_MODEL_GOAL)}")
    if singles[best] < MINIMUM_SINGLE_MODEL_ACCURACY:
        problems.append(f"best single model {best} is under {MINIMUM_SINGLE_MODEL_ACCURACY}")
    # Reported, not enforced: this machine's speed drifts by 15 % or more between
    # runs, and a time limit is the benchmark's to measure, not CI's to assert.
    under = seconds < SINGLE_MODEL_TRAINING_GOAL_SECONDS
    print(f"goal, its training under {SINGLE_MODEL_TRAINING_GOAL_SECONDS} s on this machine: {_met(under)}")
    # An ensemble of one model (with test-time views) is that single model with test-time augmentation.
    with_views = [name for name in ensembles if len(params["ensembles"][name]["members"]) == 1]
    for name in with_views:
        print(f"single model with test-time augmentation: {name} at {accuracy.get(name, 0.0):.4f}")
    ensembles = [name for name in ensembles if name not in with_views]
    if with_views:
        reached = max(accuracy.get(name, 0.0) for name in with_views) >= SINGLE_MODEL_GOAL
        print(f"goal, a single model at {SINGLE_MODEL_GOAL}, with test-time augmentation: {_met(reached)}")
    if ensembles:
        best_ensemble = max(ensembles, key=lambda name: accuracy.get(name, 0.0))
        ensemble_accuracy = accuracy.get(best_ensemble, 0.0)
        print(f"best ensemble: {best_ensemble} at {ensemble_accuracy:.4f}")
        print(f"goal, an ensemble at {ENSEMBLE_GOAL}: {_met(ensemble_accuracy >= ENSEMBLE_GOAL)}")
        if ensemble_accuracy < MINIMUM_ENSEMBLE_ACCURACY:
            problems.append(f"best ensemble {best_ensemble} is under {MINIMUM_ENSEMBLE_ACCURACY}")
    return problems


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--one-epoch",
        action="store_true",
        help="the convolutional entries trained one epoch: check files and the study's floors only",
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
    if accuracy.get("model_4", 0.0) < MINIMUM_MODEL_4_ACCURACY:
        problems.append(f"model_4 test accuracy {accuracy.get('model_4')} is under {MINIMUM_MODEL_4_ACCURACY}")
    if "model_1_raw" in accuracy and "model_1" in accuracy and accuracy["model_1_raw"] >= accuracy["model_1"]:
        problems.append("model_1 on raw pixels is not below the same network on normalized pixels")

    if arguments.one_epoch:
        print("convolutional entries trained one epoch: their floors and goals are not checked")
    else:
        problems += accuracy_goals(params, accuracy, [*models, *students], ensembles)

    committed_machine = read("bench/results.json")["machine"]
    here = this_machine()
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
