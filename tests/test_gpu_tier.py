"""The GPU tier's documented command (docs/gpu.md): its entries are valid and train through the real stage."""

import re
import shlex

import yaml
from synthetic import REPOSITORY_ROOT

from fashion.core import paths
from fashion.core.params import check_params, load_params
from stages import train

MARKER = "<!-- gpu-tier-command:"


def documented_overrides() -> list[str]:
    """The `-S` values of the command that follows the marker in docs/gpu.md."""
    text = (REPOSITORY_ROOT / "docs" / "gpu.md").read_text()
    block = re.search(r"```bash\n(.*?)```", text[text.index(MARKER) :], re.DOTALL).group(1)
    words = shlex.split(block.replace("\\\n", " "))
    assert words[:3] == [".venv/bin/dvc", "exp", "run"], words
    return [words[index + 1] for index, word in enumerate(words) if word == "-S"]


def test_the_gpu_tier_command_trains_its_entry_on_tiny_data(processed_project, capsys):
    from dvc.utils.hydra import apply_overrides

    overrides = documented_overrides()
    assert any(override.startswith("+models.wide_residual=") for override in overrides)
    # DVC's own code applies the documented values; only the length shrinks, to fit a test.
    apply_overrides(
        paths.PARAMS_FILE, [*overrides, "models.wide_residual.epochs=1", "models.wide_residual.batch_size=32"]
    )
    raw = load_params(paths.PARAMS_FILE)
    check_params(raw)  # every section, the ensemble entry's members and views included
    entry = yaml.safe_load(paths.PARAMS_FILE.read_text())["models"]["wide_residual"]
    assert entry["augmentation"]["erase_probability"] > 0 and entry["precision"] == "auto"
    assert train.main(["--model", "wide_residual"]) == 0, capsys.readouterr().err
    assert paths.model_file("wide_residual").exists()
    assert "wide_residual: validation accuracy" in capsys.readouterr().out
