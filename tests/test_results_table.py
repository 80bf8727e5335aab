"""The README's results table is the one generated from the committed metrics."""

import subprocess
import sys

from synthetic import REPOSITORY_ROOT


def test_the_readme_table_is_generated_from_the_committed_metrics():
    result = subprocess.run(
        [sys.executable, "scripts/results_table.py", "--check"], cwd=REPOSITORY_ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_seed_statistics_count_each_models_own_runs_and_leave_refit_validation_out():
    from scripts.tables.seeds import runs_of, seed_statistics

    spread = {
        "runs": [
            {"results": {"cnn": {"validation_accuracy": 0.93, "test_accuracy": 0.92},
                         "refit": {"validation_accuracy": None, "test_accuracy": 0.94}}},
            {"results": {"cnn": {"validation_accuracy": 0.95, "test_accuracy": 0.94}}},
            {"results": {"refit": {"validation_accuracy": None, "test_accuracy": 0.96}}},
        ]
    }  # fmt: skip
    assert len(runs_of(spread, "cnn")) == 2 and len(runs_of(spread, "refit")) == 2
    mean, deviation, low, high = seed_statistics(runs_of(spread, "refit"), "refit", "test_accuracy")
    assert (round(mean, 6), round(deviation, 6), low, high) == (0.95, round(0.0002**0.5, 6), 0.94, 0.96)
    assert seed_statistics(runs_of(spread, "refit"), "refit", "validation_accuracy") is None


def test_a_gpu_tier_run_lists_the_keys_it_changed_from_the_documented_entry_besides_epochs_and_seed():
    from scripts.tables.gpu_tier import changes_from

    documented = {"epochs": 80, "seed": 42, "head_dropout": 0.3, "augmentation": {"erase_probability": 0.5}}
    assert changes_from({**documented, "epochs": 40, "seed": 1}, documented) == "—"
    run = {**documented, "seed": 1, "augmentation": {}, "label_smoothing": 0.1}
    assert changes_from(run, documented) == "augmentation.erase_probability left out, label_smoothing: 0.1"
