"""Shared fixtures: a tiny project directory with synthetic raw data."""

import shutil
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
    shutil.copy(REPOSITORY_ROOT / ".gitignore", destination / ".gitignore")
    (destination / ".dvc" / "plots").mkdir(parents=True, exist_ok=True)
    for template in (REPOSITORY_ROOT / ".dvc" / "plots").glob("*.json"):
        shutil.copy(template, destination / ".dvc" / "plots" / template.name)
