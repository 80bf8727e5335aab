"""Shared fixtures: a tiny project directory with synthetic raw data."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from synthetic import REPOSITORY_ROOT, tiny_params, write_dataset, write_params


@pytest.fixture
def mirror(tmp_path) -> tuple[Path, dict[str, str]]:
    """A directory holding the four synthetic dataset files, and their hashes."""
    directory = tmp_path / "mirror"
    return directory, write_dataset(directory)


@pytest.fixture
def project(tmp_path, mirror, monkeypatch) -> Path:
    """A working directory with tiny params whose only mirror is the synthetic one.

    The current directory is changed to it, as DVC does for each stage.
    """
    directory, sha256 = mirror
    root = tmp_path / "project"
    root.mkdir()
    write_params(root, tiny_params([directory.as_uri() + "/"], sha256))
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def processed_project(project) -> Path:
    """`project` after the real download and normalize stages have run."""
    from stages import download, normalize

    assert download.main([]) == 0
    assert normalize.main([]) == 0
    return project


def copy_pipeline(destination: Path) -> None:
    """Copy the pipeline's code and definition into `destination`."""
    for name in ("stages", "fashion"):
        shutil.copytree(REPOSITORY_ROOT / name, destination / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPOSITORY_ROOT / "dvc.yaml", destination / "dvc.yaml")
    # The students' and pretrained weights' folders are in git (empty but for their keepers) so that
    # the stages after them can depend on them.
    for folder in ("students", "pretrained"):
        (destination / folder).mkdir()
        shutil.copy(REPOSITORY_ROOT / folder / ".gitkeep", destination / folder / ".gitkeep")
    for name in (".gitignore", ".gitattributes"):
        shutil.copy(REPOSITORY_ROOT / name, destination / name)
    (destination / ".dvc" / "plots").mkdir(parents=True, exist_ok=True)
    for template in (REPOSITORY_ROOT / ".dvc" / "plots").glob("*.json"):
        shutil.copy(template, destination / ".dvc" / "plots" / template.name)


def environment() -> dict[str, str]:
    """This environment with this interpreter's directory first on PATH (for dvc and python)."""
    return {**os.environ, "PATH": f"{os.path.dirname(sys.executable)}{os.pathsep}{os.environ['PATH']}"}


def read_json(path) -> dict:
    """The JSON object in the file at `path`."""
    return json.loads(Path(path).read_text())


def run(command: list[str], cwd, check: bool = True) -> str:
    """Run a command in `environment()`; return its output."""
    result = subprocess.run(command, cwd=cwd, env=environment(), capture_output=True, text=True)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout + result.stderr


def make_repository(parent, only_model: str | None = None) -> Path:
    """A git repository in `parent` holding the pipeline, tiny params, a synthetic mirror and one commit.

    With `only_model`, params.yaml keeps that `models:` entry alone, no lr_find
    model or ensemble, and one baseline (evaluate depends on the folders the
    baseline stages write): a small real pipeline, for the tests of DVC's own
    workflow that need a run but not every model.
    """
    directory = parent / "mirror"
    sha256 = write_dataset(directory)
    root = parent / "repository"
    root.mkdir()
    run(["git", "init", "-q"], root)
    run(["git", "config", "user.email", "test@example.org"], root)
    run(["git", "config", "user.name", "Test"], root)
    run(["dvc", "init", "-q"], root)
    copy_pipeline(root)
    params = tiny_params([directory.as_uri() + "/"], sha256)
    if only_model is not None:
        params.update(
            models={only_model: params["models"][only_model]},
            lr_find_models={},
            ensembles={},
            baselines={"k_neighbors": params["baselines"]["k_neighbors"]},
        )
    write_params(root, params)
    run(["git", "add", "-A"], root)
    run(["git", "commit", "-qm", "pipeline"], root)
    return root


@pytest.fixture(scope="session")
def reproduced_repository(tmp_path_factory) -> Path:
    """A git repository whose tiny pipeline has run (`dvc repro`) and whose results are committed.

    Shared by the slow tests, which each work on a copy (or leave it as it is).
    """
    root = make_repository(tmp_path_factory.mktemp("reproduced"))
    run(["dvc", "repro"], root)
    run(["git", "add", "-A"], root)
    run(["git", "commit", "-qm", "first run"], root)
    return root
