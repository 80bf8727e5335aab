"""The README's results table is the one generated from the committed metrics."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from synthetic import REPOSITORY_ROOT


def committed_tree(destination: Path) -> Path:
    """The files of the last commit (`git archive HEAD`), or the working tree outside a git checkout.

    `make repro` rewrites the workspace's metrics; on another CPU they differ within
    the seed spread, so the committed documents are checked against the committed
    metrics, never against whatever the user's own run left.
    """
    archive = subprocess.run(["git", "archive", "HEAD"], cwd=REPOSITORY_ROOT, capture_output=True)
    if archive.returncode != 0:
        return REPOSITORY_ROOT
    destination.mkdir()
    subprocess.run(["tar", "-x", "-C", str(destination)], input=archive.stdout, check=True)
    return destination


def test_the_readme_table_is_generated_from_the_committed_metrics(tmp_path):
    root = committed_tree(tmp_path / "committed")
    result = subprocess.run(
        [sys.executable, "scripts/results_table.py", "--check"], cwd=root, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_committed_documents_check_reads_the_metrics_it_is_given(tmp_path):
    """A metric changed in the copy the check reads makes it fail: it compares documents with those metrics."""
    root = committed_tree(tmp_path / "committed")
    if root == REPOSITORY_ROOT:
        pytest.skip("not a git checkout")
    scores = root / "metrics" / "test" / "cnn.json"
    scores.write_text(json.dumps({**json.loads(scores.read_text()), "test_accuracy": 0.5}))
    changed = subprocess.run([sys.executable, "scripts/results_table.py", "--check"], cwd=root, capture_output=True)
    assert changed.returncode == 1  # the copy now differs from its documents: the check does read the metrics


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
