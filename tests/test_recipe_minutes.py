"""bench/recipe_minutes.py: today's recipe and a cheaper one, side by side, on the validation split alone."""

import itertools
import json
import os
import subprocess
import sys

import numpy as np
from synthetic import REPOSITORY_ROOT

from fashion.core import paths

SCRIPT = str(REPOSITORY_ROOT / "bench" / "recipe_minutes.py")


def run_script(*arguments: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PYTHONPATH": str(REPOSITORY_ROOT)}
    return subprocess.run([sys.executable, SCRIPT, *arguments], capture_output=True, text=True, env=environment)


def test_both_recipes_train_on_validation_alone_and_their_curves_land_beside_the_other_results(processed_project):
    for split_file in ("test_images.npy", "test_labels.npy"):
        (paths.PROCESSED_DIR / split_file).unlink()  # a read of the test split would fail
    results = processed_project / "results.json"
    benchmark = json.loads((REPOSITORY_ROOT / "bench" / "results.json").read_text())
    benchmark.pop("recipe_minutes", None)
    results.write_text(json.dumps(benchmark))
    completed = run_script(
        "--model", "cnn_fast", "--set", "epochs=3", "--set", "batch_size=32",
        "--results", "results.json", "--figure", "curves.png",
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    written = json.loads(results.read_text())
    assert written["repro"] == benchmark["repro"]  # the rest of the file is kept
    [(precision, run)] = written["recipe_minutes"].items()
    assert run["today"]["precision"] == run["candidate"]["precision"] == precision
    labels = np.load(paths.PROCESSED_DIR / "validation_labels.npy")
    for side, epochs in (("today", 2), ("candidate", 3)):  # the tiny project trains its entries 2 epochs
        curve = run[side]["curve"]
        assert [epoch for epoch, _, _ in curve] == list(range(1, epochs + 1))
        assert all(earlier[1] < later[1] for earlier, later in itertools.pairwise(curve))  # minutes grow
        for _, _, accuracy in curve:
            assert abs(accuracy * len(labels) - round(accuracy * len(labels))) < 1e-3  # a share of validation
        assert abs(run[side]["training_minutes"] - curve[-1][1]) < 1e-3
    assert run["candidate"]["batch_size"] == 32 and run["today"]["batch_size"] == 16
    ratio = run["candidate"]["training_minutes"] / run["today"]["training_minutes"]
    assert run["minutes_ratio"] == ratio
    reaches = run["candidate"]["validation_accuracy"] >= run["today"]["validation_accuracy"]
    assert run["reaches_today_accuracy"] is reaches
    assert any("candidate / today's training minutes" in row[0] for row in written["summary"])
    assert (processed_project / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "today's accuracy" in completed.stdout


def test_a_candidate_the_schema_refuses_stops_in_one_line_and_writes_nothing(processed_project):
    completed = run_script("--model", "cnn_fast", "--set", "epochs=0", "--results", "results.json")
    assert completed.returncode == 1
    assert len(completed.stderr.strip().splitlines()) == 1 and "epochs" in completed.stderr
    assert not (processed_project / "results.json").exists()


def test_a_candidate_in_another_precision_is_refused_before_anything_trains(processed_project):
    for split_file in ("train_images.npy", "validation_images.npy"):
        (paths.PROCESSED_DIR / split_file).unlink()  # training would fail on a missing file, not this check
    completed = run_script(
        "--model", "cnn_fast", "--set", "precision=mixed_bfloat16", "--results", "results.json",
    )  # fmt: skip
    assert completed.returncode == 1
    assert completed.stderr.strip().splitlines() == [
        "recipe_minutes: a ratio of minutes compares one precision; drop precision from --set."
    ]
    assert not (processed_project / "results.json").exists()
