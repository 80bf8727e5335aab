"""The GitHub Actions workflow users get: valid, and its steps run where GitHub runs them.

GitHub runs each `run:` step with the runner's PATH (a bare Python from
setup-python) plus what earlier steps appended to $GITHUB_PATH. The tests run
the steps the same way, in a fresh clone, up to the point where the long
pipeline starts (`.ci/run --setup-only`), and the report step on a tiny
repository whose pipeline has run.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from synthetic import REPOSITORY_ROOT

WORKFLOW = REPOSITORY_ROOT / ".github" / "workflows" / "pipeline.yml"


def load_workflow() -> dict:
    # YAML 1.1 reads the key `on` as True; GitHub reads it as "on".
    workflow = yaml.safe_load(WORKFLOW.read_text())
    workflow["on"] = workflow.pop(True, workflow.get("on"))
    return workflow


def steps() -> list[dict]:
    return load_workflow()["jobs"]["pipeline"]["steps"]


def test_workflow_has_the_structure_github_requires():
    workflow = load_workflow()
    assert set(workflow) >= {"name", "on", "jobs"}
    assert set(workflow["on"]) == {"push", "pull_request"}
    job = workflow["jobs"]["pipeline"]
    assert job["runs-on"] == "ubuntu-latest"
    for step in job["steps"]:
        assert ("uses" in step) != ("run" in step), step
        assert set(step) <= {"name", "uses", "with", "run", "env", "if", "id"}, step


def test_checkout_fetches_the_history_dvc_diffs_need():
    checkout = next(step for step in steps() if step.get("uses", "").startswith("actions/checkout"))
    assert checkout["with"]["fetch-depth"] == 0


def test_ci_is_the_one_script_and_the_environment_is_on_path_first():
    runs = [step["run"] for step in steps() if "run" in step]
    assert runs[0] == 'echo "$GITHUB_WORKSPACE/.venv/bin" >> "$GITHUB_PATH"'
    assert runs[1] == "bash .ci/run"
    assert runs[2] == "bash .ci/report origin/main report.md plots_diff"
    assert "gh pr comment" in runs[3] and "--body-file report.md" in runs[3]
    makefile = (REPOSITORY_ROOT / "Makefile").read_text()
    ci = (REPOSITORY_ROOT / ".ci" / "run").read_text()
    for target in ("lint", "test", "check-lock", "setup-dev"):
        assert f"make {target}" in ci and f"\n{target}:" in makefile


def bare_path(directory: Path) -> str:
    """A runner's PATH: a Python 3.11 outside any virtual environment, and the system's tools."""
    directory.mkdir()
    base = Path(getattr(sys, "_base_executable", sys.executable)).resolve()
    for name in ("python", "python3"):
        (directory / name).symlink_to(base)
    return os.pathsep.join([str(directory), "/usr/local/bin", "/usr/bin", "/bin"])


def run_step(command: str, workspace: Path, runner_path: str, github_path: Path, extra: dict | None = None):
    """One `run:` step as GitHub runs it: bash -e, PATH from $GITHUB_PATH (newest first) and the runner's."""
    added = [line for line in reversed(github_path.read_text().splitlines()) if line]
    environment = {
        "HOME": os.environ["HOME"], "PATH": os.pathsep.join([*added, runner_path]), "GITHUB_PATH": str(github_path),
        "GITHUB_WORKSPACE": str(workspace), "LANG": "C.UTF-8", **(extra or {}),
    }  # fmt: skip
    return subprocess.run(["bash", "-e", "-c", command], cwd=workspace, env=environment, capture_output=True,
                          text=True, timeout=1200)  # fmt: skip


@pytest.mark.slow
def test_the_steps_set_up_a_fresh_clone_with_only_a_bare_python(tmp_path):
    """Everything .ci/run does before the tests and the long pipeline, from a fresh clone, as the runner does it."""
    workspace = tmp_path / "workspace"
    subprocess.run(["git", "clone", "--quiet", str(REPOSITORY_ROOT), str(workspace)], check=True)
    github_path = tmp_path / "github_path"
    github_path.write_text("")
    runner_path = bare_path(tmp_path / "runner")
    runs = [step["run"] for step in steps() if "run" in step]
    assert run_step(runs[0], workspace, runner_path, github_path).returncode == 0
    setup = run_step(runs[1] + " --setup-only", workspace, runner_path, github_path)
    assert setup.returncode == 0, setup.stdout[-2000:] + setup.stderr[-2000:]
    assert "== Profile: " in setup.stdout
    # The next steps' commands now find the project's tools: DVC, and the interpreter its stages run with.
    found = run_step("command -v dvc && python -c 'import fashion.core.params, keras'", workspace, runner_path,
                     github_path)  # fmt: skip
    assert found.returncode == 0, found.stderr
    assert found.stdout.splitlines()[0] == str(workspace / ".venv" / "bin" / "dvc")


@pytest.mark.slow
@pytest.mark.xdist_group("reproduced_repository")  # one worker builds the shared repository
def test_the_report_step_writes_the_diffs_against_main(reproduced_repository, tmp_path):
    from conftest import run

    repository = tmp_path / "repository"
    shutil.copytree(reproduced_repository, repository, symlinks=True)
    shutil.copytree(REPOSITORY_ROOT / ".ci", repository / ".ci", dirs_exist_ok=True)
    run(["git", "update-ref", "refs/remotes/origin/main", "HEAD"], repository)
    params = yaml.safe_load((repository / "params.yaml").read_text())
    name = next(iter(params["models"]))
    params["models"][name]["seed"] += 1
    (repository / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    run(["dvc", "repro"], repository)
    github_path = tmp_path / "github_path"
    github_path.write_text(f"{Path(sys.executable).parent}\n")  # what the workflow's first step appends
    summary = tmp_path / "summary.md"
    runs = [step["run"] for step in steps() if "run" in step]
    report = run_step(runs[2], repository, bare_path(tmp_path / "runner"), github_path,
                      {"GITHUB_STEP_SUMMARY": str(summary)})  # fmt: skip
    assert report.returncode == 0, report.stderr
    text = (repository / "report.md").read_text()
    assert text.startswith("## Metrics against origin/main\n") and "## Params against origin/main" in text
    assert f"models.{name}.seed" in text and "| Path " in text
    assert summary.read_text() == text
    assert (repository / "plots_diff" / "index.html").is_file()
    assert (repository / "plots_diff" / "static.html").read_text().count("<svg") >= 5
