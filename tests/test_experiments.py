"""DVC experiments and a remote cache, on a committed tiny run in a temporary repository."""

import json
import shutil
import subprocess
import time

import pytest
import yaml
from conftest import environment, run

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def committed_run(reproduced_repository, tmp_path_factory):
    """A copy of the session's reproduced and committed tiny pipeline."""
    copy = tmp_path_factory.mktemp("experiments") / "repository"
    shutil.copytree(reproduced_repository, copy, symlinks=True)
    return copy


def test_queued_experiments_run_in_parallel_with_different_metrics(committed_run):
    for learning_rate in ("0.005", "0.05"):
        run(["dvc", "exp", "run", "--queue", "-S", f"models.model_1.learning_rate={learning_rate}"], committed_run)
    # The queue's workers outlive `dvc queue start` and inherit its output: a file, not a pipe
    # that `run` would wait on until the workers exit.
    with (committed_run.parent / "queue-start.log").open("w") as log:
        subprocess.run(["dvc", "queue", "start", "-j", "2"], cwd=committed_run, env=environment(), stdout=log,
                       stderr=subprocess.STDOUT, check=True)  # fmt: skip
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        status = run(["dvc", "queue", "status"], committed_run)
        if "Queued" not in status and "Running" not in status:
            break
        time.sleep(2)
    assert status.count("Success") == 2, status

    table = json.loads(run(["dvc", "exp", "show", "--json"], committed_run))
    experiments = [experiment for commit in table for experiment in (commit.get("experiments") or [])]
    results = {}
    for experiment in experiments:
        data = experiment["revs"][0]["data"]
        learning_rate = data["params"]["params.yaml"]["data"]["models"]["model_1"]["learning_rate"]
        results[learning_rate] = data["metrics"]["metrics/test/model_1.json"]["data"]["test_accuracy"]
    assert set(results) == {0.005, 0.05}
    assert results[0.005] != results[0.05]
    assert "models.model_1.learning_rate" in run(["dvc", "exp", "show", "--md"], committed_run)


def test_push_clone_and_pull_restore_everything_without_rerunning(committed_run, tmp_path):
    remote = tmp_path / "remote"
    run(["dvc", "remote", "add", "-d", "shared", str(remote)], committed_run)
    run(["git", "commit", "-qam", "shared remote"], committed_run)
    run(["dvc", "push"], committed_run)

    clone = tmp_path / "clone"
    run(["git", "clone", "-q", str(committed_run), str(clone)], tmp_path)
    run(["dvc", "pull"], clone)

    assert "up to date" in run(["dvc", "status"], clone)
    assert "Data and pipelines are up to date" in run(["dvc", "repro"], clone)
    assert (clone / "models" / "model_4.keras").stat().st_size > 0
    assert sorted(path.name for path in (clone / "data" / "raw").iterdir()) == sorted(
        path.name for path in (committed_run / "data" / "raw").iterdir()
    )
    shutil.rmtree(clone)
    params = yaml.safe_load((committed_run / "params.yaml").read_text())
    assert params["models"]["model_1"]["learning_rate"] == 0.02  # Experiments left the workspace alone.
