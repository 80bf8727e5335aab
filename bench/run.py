"""The pipeline's benchmark, on the real data: `python bench/run.py` (about 45 minutes).

Measured in one run, on this machine:
  a. `dvc repro --force`, one stage at a time: wall time and peak resident memory of each;
  b. a no-op `dvc repro` (everything cached): wall time, median of 5;
  c. each stage's start-up (its imports, TensorFlow's, its data load), apart from its work;
  d. training throughput of our input pipeline and loop against a plain `model.fit`;
  e. time to 0.91 validation accuracy: our fastest convolutional recipe against keras.io's convnet;
  f. test accuracy per second of training for every model of params.yaml;
  g. bfloat16 against float32 training throughput, natively and with oneDNN
     capped to CPUs without native bfloat16, and what `precision: auto` picks.
`python bench/run.py --only precision` runs g alone (a few minutes) and updates
its part of bench/results.json. The comparison of today's recipe with a cheaper
one (`bench/recipe_minutes.py`, run on its own) is kept, and has its row in the table.
It writes bench/results.json and bench/results.png and prints a table. It runs
the real pipeline in this repository, so afterwards dvc.lock, metrics and plots
are those of this run. It is not a test and asserts nothing.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS_FILE = ROOT / "bench" / "results.json"
# Each part's result as soon as it is measured, so `--resume` can finish an interrupted run.
PARTIAL_FILE = ROOT / "bench" / "work" / "partial.json"
FIGURE_FILE = ROOT / "bench" / "results.png"
PYTHON = sys.executable
# dvc, and the `python -m stages...` it runs for each stage, from this interpreter's environment,
# so `.venv/bin/python bench/run.py` works without activating it.
os.environ["PATH"] = f"{Path(PYTHON).parent}{os.pathsep}{os.environ.get('PATH', '')}"
sys.path.insert(0, str(ROOT))  # the pipeline's packages, for fashion.training.precision
GOALS = {
    "noop_repro_seconds": 3.0,
    "train_data_load_seconds": 1.0,
    "throughput_speedup": 1.5,
    "time_to_accuracy_ratio": 0.5,
    "peak_rss_mib": 2048.0,
    "recipe_minutes_ratio": 0.5,
}


def run_json(command: list[str]) -> dict:
    """Run a command that prints one JSON object as its last line of output."""
    completed = subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True)
    return json.loads(completed.stdout.strip().splitlines()[-1])


def machine() -> dict:
    """The library's description of this machine (`machine_description`), and DVC's version."""
    from fashion.training.precision import machine_description

    described = machine_description()
    dvc = run_json([PYTHON, "-c", "import json, dvc; print(json.dumps(dvc.__version__))"])
    keys = ("cpu", "cores", "native_bfloat16", "memory_gib", "python", "tensorflow", "keras")
    return {**{key: described[key] for key in keys}, "dvc": dvc}


def stage_names() -> list[str]:
    listed = subprocess.run(["dvc", "stage", "list", "--name-only"], cwd=ROOT, check=True, capture_output=True,
                            text=True).stdout.split()  # fmt: skip
    return listed


def repro_from_scratch(stages: list[str]) -> list[dict]:
    """Every stage forced, in dvc.yaml's order (already topological), each measured alone."""
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        for stage in stages:
            report = Path(scratch) / "report.json"
            subprocess.run(
                [PYTHON, "bench/measure.py", str(report), "--", "dvc", "repro", "--force", "--single-item", stage],
                cwd=ROOT, check=True,
            )  # fmt: skip
            measured = json.loads(report.read_text())
            peak = measured["peak_memory_mib"]
            rows.append({"stage": stage, "seconds": measured["seconds"], "peak_rss_mib": peak})
            print(f"bench: {stage}: {measured['seconds']:.1f} s, peak {peak:.0f} MiB", flush=True)
    return rows


def noop_repro(repeats: int = 5) -> dict:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run(["dvc", "repro"], cwd=ROOT, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return {"median_seconds": statistics.median(times), "runs": times}


def startup(stages: list[str], repeats: int = 3) -> dict:
    """Median start-up parts of each stage kind, each in a fresh process."""
    # One script per stage kind; train_lr_find@<model> runs the train stage's script.
    kinds = sorted({stage.split("@")[0].replace("train_lr_find", "train") for stage in stages})
    result = {}
    for kind in kinds:
        runs = [run_json([PYTHON, "bench/startup.py", kind]) for _ in range(repeats)]
        result[kind] = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
    return result


def accuracy_per_second() -> dict:
    """Test accuracy per training second of every network and baseline (ensembles train nothing themselves)."""
    rows = {}
    for timing_file in sorted((ROOT / "timings").glob("*.json")):
        name = timing_file.stem
        test_file = ROOT / "metrics" / "test" / f"{name}.json"
        if not test_file.exists():  # a model no longer in params.yaml
            continue
        timing, test = json.loads(timing_file.read_text()), json.loads(test_file.read_text())
        cost_file = ROOT / "metrics" / "cost" / f"{name}.json"
        cost = json.loads(cost_file.read_text()) if cost_file.exists() else {}
        rows[name] = {
            "test_accuracy": test["test_accuracy"],
            "training_seconds": timing["training_seconds"],
            "accuracy_per_second": test["test_accuracy"] / timing["training_seconds"],
            "kind": "network" if cost else "baseline",
            **cost,
        }
    return rows


# oneDNN ISA caps that emulate CPUs without native bfloat16: AVX-512 (many Intel
# laptops and servers) and AVX2 (most consumer CPUs). Set for the measuring process only.
EMULATED_CPUS = {"native": None, "AVX-512 without bfloat16": "AVX512_CORE", "AVX2": "AVX2"}


def precision_speeds(model: str, rounds: int) -> dict:
    """`bench/training_speed.py precision` natively and under each ISA cap, each in its own process."""
    results = {}
    for label, cap in EMULATED_CPUS.items():
        environment = {key: value for key, value in os.environ.items() if key != "ONEDNN_MAX_CPU_ISA"}
        if cap:
            environment["ONEDNN_MAX_CPU_ISA"] = cap
        print(f"bench: precision, {label}", flush=True)
        completed = subprocess.run(
            [PYTHON, "bench/training_speed.py", "precision", model, str(rounds)],
            cwd=ROOT, env=environment, capture_output=True, text=True,
        )  # fmt: skip
        if completed.returncode != 0:
            last = (completed.stderr.strip().splitlines() or ["no output"])[-1]
            results[label] = {"crashed": f"exit {completed.returncode}: {last[:200]}"}
        else:
            results[label] = json.loads(completed.stdout.strip().splitlines()[-1])
    return results


def precision_rows(precision: dict) -> list[tuple[str, str, str, str]]:
    rows = []
    for label, result in precision.items():
        if "crashed" in result:
            rows.append((f"bfloat16 / float32, {label}", f"crashed ({result['crashed']})", "auto picks the faster",
                         "NO"))  # fmt: skip
            continue
        speeds = result["images_per_second"]
        shown = " / ".join(
            f"{speeds[name]:.0f}" if name in speeds else "failed" for name in ("mixed_bfloat16", "float32")
        )
        rows.append((f"bfloat16 / float32 img/s, {result['model']}, {label}", f"{shown}; auto: {result['auto_picks']}",
                     "auto picks the faster", _met(result["auto_picks_the_fastest"])))  # fmt: skip
    return rows


def summary(results: dict) -> list[tuple[str, str, str, str]]:
    """(measure, value, goal, met) rows for the printed table and the README."""
    train_load = max(results["startup"].get("train", {}).get("data_load_seconds", 0.0), 0.0)
    peak = max(row["peak_rss_mib"] for row in results["repro"])
    peak_stage = max(results["repro"], key=lambda row: row["peak_rss_mib"])["stage"]
    throughput = results["throughput"]
    reach = results["time_to_accuracy"]
    ours_seconds = reach["ours"]["seconds_to_target"]
    reference_seconds = reach["keras_io"]["seconds_to_target"]
    reference_epochs = len(reach["keras_io"]["curve"])
    reference_text = f"{reference_seconds:.0f} s" if reference_seconds else f"not in {reference_epochs} epochs"
    ratio = reach["ratio"]
    total = sum(row["seconds"] for row in results["repro"])
    return [
        ("dvc repro from scratch (sum of stages)", f"{total / 60:.1f} min", "< 40 min", _met(total < 2400)),
        ("no-op dvc repro (median of 5)", f"{results['noop']['median_seconds']:.2f} s", "< 3 s",
         _met(results["noop"]["median_seconds"] < GOALS["noop_repro_seconds"])),
        ("train stage data load", f"{train_load:.2f} s", "< 1 s", _met(train_load < GOALS["train_data_load_seconds"])),
        (f"throughput, {throughput['model']} (ours / plain fit)",
         f"{throughput['ours_images_per_second']:.0f} / {throughput['plain_fit_images_per_second']:.0f} img/s "
         f"= {throughput['speedup']:.2f}x", ">= 1.5x", _met(throughput["speedup"] >= GOALS["throughput_speedup"])),
        (f"time to {reach['target']} validation accuracy ({reach['model']} / keras.io)",
         f"{ours_seconds or float('nan'):.0f} s / {reference_text}" + (f" = {ratio:.2f}x" if ratio else ""),
         "<= 0.5x", _met(ratio is not None and ratio <= GOALS["time_to_accuracy_ratio"])),
        (f"peak memory of any stage ({peak_stage})", f"{peak:.0f} MiB", "< 2048 MiB",
         _met(peak < GOALS["peak_rss_mib"])),
        *precision_rows(results.get("precision", {})),
        *recipe_rows(results.get("recipe_minutes", {})),
    ]  # fmt: skip


def recipe_rows(recipes: dict) -> list[tuple[str, str, str, str]]:
    """bench/recipe_minutes.py's comparisons: the candidate's minutes over today's, at today's accuracy."""
    rows = []
    for precision, run in sorted(recipes.items()):
        today, candidate = run["today"], run["candidate"]
        rows.append((
            f"{run['model']}: candidate / today's training minutes, {precision}",
            f"{candidate['training_minutes']:.1f} / {today['training_minutes']:.1f} min = {run['minutes_ratio']:.2f}x "
            f"at {candidate['validation_accuracy']:.4f} / {today['validation_accuracy']:.4f} validation",
            "<= 0.5x at today's accuracy",
            _met(run["minutes_ratio"] <= GOALS["recipe_minutes_ratio"] and run["reaches_today_accuracy"]),
        ))  # fmt: skip
    return rows


def _met(condition: bool) -> str:
    return "yes" if condition else "NO"


def draw(results: dict, target: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (stages_axis, reach_axis, models_axis) = plt.subplots(1, 3, figsize=(18, 5.5))
    repro = results["repro"]
    names = [row["stage"] for row in repro]
    stages_axis.barh(names, [row["seconds"] for row in repro], color="tab:blue")
    stages_axis.invert_yaxis()
    stages_axis.set_xlabel("seconds (dvc repro --force, one stage at a time)")
    stages_axis.set_title("Stage wall time (peak memory in MiB at the bar)")
    for index, row in enumerate(repro):
        stages_axis.text(row["seconds"], index, f" {row['peak_rss_mib']:.0f}", va="center", fontsize=8)
    reach = results["time_to_accuracy"]
    for label, key in (("ours: " + reach["model"], "ours"), ("keras.io simple convnet", "keras_io")):
        curve = reach[key]["curve"]
        reach_axis.plot([row[1] for row in curve], [row[2] for row in curve], marker="o", label=label)
    reach_axis.axhline(reach["target"], color="grey", linestyle="--", linewidth=1)
    reach_axis.set_xlabel("training seconds")
    reach_axis.set_ylabel("validation accuracy")
    reach_axis.set_title(f"Time to {reach['target']} validation accuracy")
    reach_axis.legend()
    per_model = results["accuracy_per_second"]
    models_axis.scatter([row["training_seconds"] for row in per_model.values()],
                        [row["test_accuracy"] for row in per_model.values()])  # fmt: skip
    for name, row in per_model.items():
        models_axis.annotate(name, (row["training_seconds"], row["test_accuracy"]), fontsize=8)
    models_axis.set_xscale("log")
    models_axis.set_xlabel("training seconds (log)")
    models_axis.set_ylabel("test accuracy")
    models_axis.set_title("Accuracy against training time, every model")
    figure.suptitle(f"{results['machine']['cpu']}, {results['machine']['cores']} cores")
    figure.tight_layout()
    figure.savefig(target, dpi=110)
    plt.close(figure)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fast-model", default="cnn_fast", help="the models: entry raced against keras.io")
    parser.add_argument("--throughput-model", default="cnn", help="the models: entry whose throughput is compared")
    parser.add_argument("--throughput-rounds", type=int, default=7, help="alternating 64-batch windows timed per side")
    parser.add_argument("--target", type=float, default=0.91, help="validation accuracy to reach")
    parser.add_argument("--max-epochs", type=int, default=30, help="epochs the keras.io recipe may take")
    parser.add_argument("--precision-rounds", type=int, default=3, help="alternating windows per precision")
    parser.add_argument("--only", choices=["precision"], help="measure only this part; keep the rest of results.json")
    parser.add_argument(
        "--resume", action="store_true", help="keep what an interrupted run measured (bench/work/partial.json)"
    )
    arguments = parser.parse_args(argv)
    os.environ["PATH"] = f"{Path(PYTHON).parent}{os.pathsep}{os.environ['PATH']}"
    os.environ["PYTHONPATH"] = str(ROOT)  # bench/*.py import the pipeline's packages
    if arguments.only == "precision":
        results = json.loads(RESULTS_FILE.read_text())
        results["precision"] = precision_speeds(arguments.throughput_model, arguments.precision_rounds)
        results["summary"] = summary(results)
        RESULTS_FILE.write_text(json.dumps(results, indent=2) + "\n")
        for row in precision_rows(results["precision"]):
            print("  ".join(row))
        return 0
    started = time.perf_counter()
    results = json.loads(PARTIAL_FILE.read_text()) if arguments.resume and PARTIAL_FILE.exists() else {}
    if RESULTS_FILE.exists():  # measured by bench/recipe_minutes.py, not by this run: kept
        results.setdefault("recipe_minutes", json.loads(RESULTS_FILE.read_text()).get("recipe_minutes", {}))
    results["machine"] = machine()
    stages = stage_names()
    print(f"bench: {results['machine']['cpu']}, {results['machine']['cores']} cores; stages: {', '.join(stages)}")
    race = [arguments.fast_model, str(arguments.target), str(arguments.max_epochs)]
    pace = [arguments.throughput_model, str(arguments.throughput_rounds)]
    parts = {
        "repro": lambda: repro_from_scratch(stages),
        "noop": noop_repro,
        "startup": lambda: startup(stages),
        "accuracy_per_second": accuracy_per_second,
        "throughput": lambda: run_json([PYTHON, "bench/training_speed.py", "throughput", *pace]),
        "time_to_accuracy": lambda: run_json([PYTHON, "bench/training_speed.py", "time_to_accuracy", *race]),
        "precision": lambda: precision_speeds(arguments.throughput_model, arguments.precision_rounds),
    }
    for part, measure in parts.items():
        if part in results:
            print(f"bench: {part}: kept from the interrupted run", flush=True)
            continue
        print(f"bench: {part}", flush=True)
        results[part] = measure()
        PARTIAL_FILE.parent.mkdir(parents=True, exist_ok=True)
        PARTIAL_FILE.write_text(json.dumps(results, indent=2) + "\n")
    results["summary"] = summary(results)
    results["benchmark_seconds"] = time.perf_counter() - started
    RESULTS_FILE.write_text(json.dumps(results, indent=2) + "\n")
    draw(results, FIGURE_FILE)
    width = max(len(row[0]) for row in results["summary"])
    print(f"\n{'measure':<{width}}  value / goal / met")
    for measure, value, goal, met in results["summary"]:
        print(f"{measure:<{width}}  {value}  (goal {goal}: {met})")
    print(f"\nbench: wrote {RESULTS_FILE.relative_to(ROOT)} and {FIGURE_FILE.relative_to(ROOT)} "
          f"in {results['benchmark_seconds'] / 60:.1f} min")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
