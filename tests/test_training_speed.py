"""bench/training_speed.py's race to an accuracy reads the validation split, never the test split."""

import json
import os
import subprocess
import sys

import numpy as np
from synthetic import REPOSITORY_ROOT

from fashion.core import paths


def test_the_race_to_an_accuracy_runs_without_the_test_split_and_scores_validation(processed_project):
    for split_file in ("test_images.npy", "test_labels.npy"):
        (paths.PROCESSED_DIR / split_file).unlink()  # a read of the test split would fail
    race = [sys.executable, str(REPOSITORY_ROOT / "bench" / "training_speed.py"), "time_to_accuracy", "cnn_fast"]
    environment = {**os.environ, "PYTHONPATH": str(REPOSITORY_ROOT)}
    completed = subprocess.run([*race, "1.01", "1"], capture_output=True, text=True, check=True, env=environment)
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    labels = np.load(paths.PROCESSED_DIR / "validation_labels.npy")
    for side in ("ours", "keras_io"):
        assert result[side]["seconds_to_target"] is None  # no accuracy reaches 1.01
        for _epoch, _seconds, accuracy in result[side]["curve"]:
            assert abs(accuracy * len(labels) - round(accuracy * len(labels))) < 1e-6  # a share of validation
    assert len(result["keras_io"]["curve"]) == 1 and result["ratio"] is None
