"""DVC experiments and a remote cache, on a committed tiny run in a temporary repository."""

import json
import shutil
import subprocess
import sys
import time

import pytest
import yaml
from conftest import environment, make_repository, read_json, run
from synthetic import REPOSITORY_ROOT

pytestmark = pytest.mark.slow


@pytest.fixture
def committed_run(tmp_path):
    """A tiny pipeline of `model_1` alone, run and committed: what the queued experiments start from.

    The queue and the comparison need one model's real run, not every model's;
    its own small repository lets this test run beside the shared one.
    """
    root = make_repository(tmp_path, only_model="model_1")
    run(["dvc", "repro"], root)
    run(["git", "add", "-A"], root)
    run(["git", "commit", "-qm", "first run"], root)
    return root


@pytest.fixture
def committed_copy(reproduced_repository, tmp_path):
    """A copy of the session's reproduced and committed tiny pipeline, every model's outputs in it."""
    copy = tmp_path / "repository"
    shutil.copytree(reproduced_repository, copy, symlinks=True)
    return copy


def test_a_queued_grid_runs_every_combination_and_is_compared_by_validation(committed_run):
    """The README's grid sweep, at its smallest: two learning rates x one seed, queued, run together, compared.

    One of the two rates is the committed one, so that experiment varies the seed alone: a seed run.
    """
    # `evaluate` as the target: the summaries are all a comparison needs, so export is left out.
    # Two -S options still make a grid (their product); two of them keep the test to one round of the queue.
    committed = yaml.safe_load((committed_run / "params.yaml").read_text())["models"]["model_1"]
    assert committed["learning_rate"] == 0.02 and committed["seed"] != 1
    run(["dvc", "exp", "run", "--queue", "evaluate", "-S", "models.model_1.learning_rate=0.02,0.05",
         "-S", "models.model_1.seed=1"], committed_run)  # fmt: skip
    assert run(["dvc", "queue", "status"], committed_run).count("Queued") == 2
    # The queue's workers outlive `dvc queue start` and inherit its output: a file, not a pipe
    # that `run` would wait on until the workers exit.
    with (committed_run.parent / "queue-start.log").open("w") as log:
        subprocess.run(["dvc", "queue", "start", "-j", "2"], cwd=committed_run, env=environment(), stdout=log,
                       stderr=subprocess.STDOUT, check=True)  # fmt: skip
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        status = run(["dvc", "queue", "status"], committed_run)
        if "Queued" not in status and "Running" not in status:
            break
        time.sleep(5)  # each `dvc queue status` costs a second of CPU that the experiments would otherwise have
    assert status.count("Success") == 2, status
    assert yaml.safe_load((committed_run / "params.yaml").read_text())["models"]["model_1"] == committed  # untouched

    exp_show = run(["dvc", "exp", "show", "--json"], committed_run)
    table = json.loads(exp_show)
    experiments = [experiment for commit in table for experiment in (commit.get("experiments") or [])]
    results = {}
    for experiment in experiments:
        data = experiment["revs"][0]["data"]
        entry = data["params"]["params.yaml"]["data"]["models"]["model_1"]
        summary = data["metrics"]["metrics/summary/model_1.json"]["data"]
        results[entry["learning_rate"], entry["seed"]] = summary
    assert set(results) == {(0.02, 1), (0.05, 1)}
    assert len({summary["validation_accuracy"] for summary in results.values()}) > 1

    saved = committed_run.parent / "exp_show.json"
    saved.write_text(exp_show)
    picture = committed_run.parent / "experiments.png"
    compared = run([sys.executable, str(REPOSITORY_ROOT / "research" / "compare_experiments.py"), "--model", "model_1",
                    "--input", str(saved), "--output", str(picture)], committed_run)  # fmt: skip
    # The winner is the highest validation accuracy among the two and the commit they started from.
    rows = {}
    for commit in table:
        if commit["rev"] != "workspace":
            rows[commit.get("name") or commit["rev"][:7]] = commit["data"]
        rows.update(
            {
                experiment["revs"][0]["name"]: experiment["revs"][0]["data"]
                for experiment in commit.get("experiments") or []
            }
        )
    accuracy = {
        name: data["metrics"]["metrics/summary/model_1.json"]["data"]["validation_accuracy"]
        for name, data in rows.items()
    }
    assert len(accuracy) == 3
    assert f"Chosen by validation_accuracy: {max(accuracy, key=accuracy.get)}." in compared
    assert picture.stat().st_size > 0

    # The seed spread takes the commit and the experiment that changed model_1's seed alone.
    spread = committed_run.parent / "seed_spread.json"
    spread.write_text(json.dumps({"models": ["model_1"], "networks": {"model_1": ["model_1"]}, "runs": []}))
    collect = [sys.executable, str(REPOSITORY_ROOT / "research" / "seed_spread.py"), "--input", str(saved),
               "--spread", str(spread), "--write"]  # fmt: skip
    assert "changes models.model_1.learning_rate, not only a seed" in run(collect, committed_run)
    committed_summary = read_json(committed_run / "metrics/summary/model_1.json")
    expected = {committed["seed"]: committed_summary, 1: results[0.02, 1]}
    runs = read_json(spread)["runs"]
    assert {seed_run["seeds"]["model_1"] for seed_run in runs} == set(expected)
    for seed_run in runs:
        summary = expected[seed_run["seeds"]["model_1"]]
        assert seed_run["results"]["model_1"] == {score: summary[score] for score in ("validation_accuracy",
                                                                                    "test_accuracy")}  # fmt: skip
    # Collecting again, and a score that disagrees with the file's: tests/test_seed_spread.py.


@pytest.mark.xdist_group("reproduced_repository")  # one worker builds the shared repository
def test_push_clone_and_pull_restore_everything_without_rerunning(committed_copy, tmp_path):
    remote = tmp_path / "remote"
    run(["dvc", "remote", "add", "-d", "shared", str(remote)], committed_copy)
    run(["git", "commit", "-qam", "shared remote"], committed_copy)
    run(["dvc", "push"], committed_copy)

    clone = tmp_path / "clone"
    run(["git", "clone", "-q", str(committed_copy), str(clone)], tmp_path)
    run(["dvc", "pull"], clone)

    assert "up to date" in run(["dvc", "status"], clone)
    assert "Data and pipelines are up to date" in run(["dvc", "repro"], clone)
    assert (clone / "models" / "model_4.keras").stat().st_size > 0
    assert sorted(path.name for path in (clone / "data" / "raw").iterdir()) == sorted(
        path.name for path in (committed_copy / "data" / "raw").iterdir()
    )
    shutil.rmtree(clone)
