"""The project as a Python package: a wheel with the library, the stages and `fashion-predict`; locks that
never mix TensorFlow builds."""

import email
import subprocess
import sys
import zipfile

import pytest
from synthetic import REPOSITORY_ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    """The wheel `pip wheel .` builds (without dependencies, so without the network beyond setuptools)."""
    directory = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(directory),
                    str(REPOSITORY_ROOT)], check=True, capture_output=True)  # fmt: skip
    return zipfile.ZipFile(next(directory.glob("fashion_mnist_dvc-*.whl")))


def test_the_wheel_holds_the_packages_the_stages_and_predict(wheel):
    names = set(wheel.namelist())
    assert {
        "predict.py",
        "stages/train.py",
        "fashion/core/params/entries.py",
        "fashion/core/architectures/dense.py",
    } <= names
    assert not any(name.startswith(("tests/", "bench/", "research/", "scripts/", ".ci/")) for name in names)
    entry_points = next(name for name in names if name.endswith("entry_points.txt"))
    assert "fashion-predict = predict:main" in wheel.read(entry_points).decode()
    assert "fashion-plots = fashion.evaluation.plots_page:main" in wheel.read(entry_points).decode()


def test_its_dependencies_are_the_requirement_files(wheel):
    metadata = email.message_from_bytes(
        wheel.read(next(name for name in wheel.namelist() if name.endswith("METADATA")))
    )
    required = metadata.get_all("Requires-Dist")
    assert any(requirement.startswith("dvc==") for requirement in required)
    assert any(requirement.startswith("pydantic") for requirement in required)
    assert any(
        requirement.startswith("tensorflow-cpu==") and 'extra == "cpu"' in requirement for requirement in required
    )
    assert any(requirement.startswith("tensorflow[and-cuda]") and 'extra == "gpu"' in requirement
               for requirement in required)  # fmt: skip
    assert not any(requirement.startswith("tensorflow") and "extra ==" not in requirement for requirement in required)


@pytest.mark.parametrize(("name", "says"), [("fashion-predict", "the exported model"), ("fashion-plots", "Vega")])
def test_the_console_scripts_are_installed_by_setup(name, says):
    """`make setup` installs the package itself (no dependencies: the lock has them), so the scripts exist."""
    script = REPOSITORY_ROOT / ".venv" / "bin" / name
    if not (REPOSITORY_ROOT / ".venv" / "bin" / "fashion-predict").exists():
        pytest.skip("this environment was not made by `make setup`")
    result = subprocess.run([str(script), "--help"], capture_output=True, text=True, check=True)
    assert says in result.stdout


def test_the_dev_tools_bring_no_tensorflow():
    """`make setup-gpu` then `make test` must not put the CPU build on top of tensorflow[and-cuda]."""
    lock = (REPOSITORY_ROOT / "requirements-dev.lock").read_text()
    assert "\ntensorflow" not in lock and "\nkeras==" not in lock
    assert "\ntensorflow-cpu==" in (REPOSITORY_ROOT / "requirements.lock").read_text()
