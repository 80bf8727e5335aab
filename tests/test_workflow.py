"""The GitHub Actions workflow users get: valid YAML that runs what the README says."""

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


def test_it_runs_the_readme_commands_and_reports_against_main():
    commands = "\n".join(step.get("run", "") for step in steps())
    readme = (REPOSITORY_ROOT / "README.md").read_text()
    for command in ("make lint", "make test", "dvc repro"):
        assert command in commands
    assert "make test" in readme
    assert "dvc metrics diff origin/main --md" in commands
    assert "dvc plots diff origin/main" in commands
    assert "GITHUB_STEP_SUMMARY" in commands
    assert "gh pr comment" in commands


def test_make_targets_it_calls_exist():
    makefile = (REPOSITORY_ROOT / "Makefile").read_text()
    for target in ("lint:", "test:", "repro:"):
        assert f"\n{target}" in makefile
