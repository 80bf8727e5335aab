"""The real `dvc repro` in a temporary git repository on tiny synthetic data."""

import json
import os
import subprocess
import sys

import pytest
import yaml
from conftest import copy_pipeline
from synthetic import tiny_params, write_params

pytestmark = pytest.mark.slow


def run(command: list[str], cwd, check: bool = True) -> str:
    """Run a command with this interpreter's environment on PATH; return its output."""
    environment = {**os.environ, "PATH": f"{os.path.dirname(sys.executable)}{os.pathsep}{os.environ['PATH']}"}
    result = subprocess.run(command, cwd=cwd, env=environment, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout + result.stderr


@pytest.fixture
def repository(tmp_path, mirror):
    """A git repository holding the pipeline, tiny params and one commit."""
    directory, sha256 = mirror
    root = tmp_path / "repository"
    root.mkdir()
    run(["git", "init", "-q"], root)
    run(["git", "config", "user.email", "test@example.org"], root)
    run(["git", "config", "user.name", "Test"], root)
    run(["dvc", "init", "-q"], root)
    copy_pipeline(root)
    write_params(root, tiny_params([directory.as_uri() + "/"], sha256))
    run(["git", "add", "-A"], root)
    run(["git", "commit", "-qm", "pipeline"], root)
    return root


def test_repro_metrics_plots_and_incremental_reruns(repository):
    run(["dvc", "repro"], repository)

    for name in ("model_1_raw", "model_1", "model_2", "model_4"):
        test_metrics = json.loads((repository / f"metrics/test/{name}.json").read_text())
        assert 0.0 <= test_metrics["test_accuracy"] <= 1.0
        assert (repository / f"models/{name}.keras").exists()
        assert (repository / f"plots/history/{name}.csv").exists()
    assert json.loads((repository / "metrics/lr_find.json").read_text())["suggested_learning_rate"] > 0

    metrics = run(["dvc", "metrics", "show"], repository)
    for expected in ("metrics/test/model_4.json", "test_accuracy", "metrics/train/model_1.json", "metrics/data.json"):
        assert expected in metrics

    run(["dvc", "plots", "show", "-o", "plots_page"], repository)
    page = (repository / "plots_page" / "index.html").read_text()
    for plot_id in (
        "learning_curves_accuracy",
        "lr_find",
        "plots/confusion/model_4.csv",
        "plots/predictions/model_4.png",
    ):
        assert plot_id in page

    # Nothing changed: nothing runs.
    assert "Data and pipelines are up to date" in run(["dvc", "repro"], repository)

    # Commit, then change one model's epochs: only its train stage and evaluate run.
    run(["git", "add", "-A"], repository)
    run(["git", "commit", "-qm", "first run"], repository)
    params = yaml.safe_load((repository / "params.yaml").read_text())
    params["models"]["model_2"]["epochs"] = 3
    write_params(repository, params)
    output = run(["dvc", "repro"], repository)
    ran = sorted(line.split("'")[1] for line in output.splitlines() if line.startswith("Running stage"))
    assert ran == ["evaluate", "train@model_2"]

    assert "models.model_2.epochs" in run(["dvc", "params", "diff"], repository)
    assert "metrics/train/model_2.json" in run(["dvc", "metrics", "diff"], repository)
