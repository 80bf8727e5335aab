"""The GPU tier's documented command (docs/gpu.md): its entries are valid and train through the real stage,
and research/gpu_tier.py, which trains the same entry where only Keras is at hand, reads it and keeps its rules."""

import json

import pytest
import yaml

from fashion.core import paths
from fashion.core.params import load_params
from research.entry_settings import set_key, setting_of
from research.gpu_tier import ENSEMBLE_NAME, MODEL_NAME, documented_entries, documented_overrides, epochs_within_budget
from research.gpu_tier import main as gpu_tier_main
from stages import train


@pytest.mark.slow
def test_the_gpu_tier_command_trains_its_entry_on_tiny_data(processed_project, capsys):
    from dvc.utils.hydra import apply_overrides

    overrides = documented_overrides()
    assert any(override.startswith("+models.wide_residual=") for override in overrides)
    # DVC's own code applies the documented values; only the length shrinks, to fit a test.
    apply_overrides(
        paths.PARAMS_FILE, [*overrides, "models.wide_residual.epochs=1", "models.wide_residual.batch_size=32"]
    )
    load_params(paths.PARAMS_FILE)  # every section, the ensemble entry's members and views included
    entry = yaml.safe_load(paths.PARAMS_FILE.read_text())["models"]["wide_residual"]
    # research/gpu_tier.py reads the same entry from the document as DVC applies.
    assert entry == {**documented_entries()["models"][MODEL_NAME], "epochs": 1, "batch_size": 32}
    assert entry["augmentation"]["erase_probability"] > 0 and entry["precision"] == "auto"
    assert train.main(["--model", "wide_residual"]) == 0, capsys.readouterr().err
    assert paths.model_file("wide_residual").exists()
    assert "wide_residual: validation accuracy" in capsys.readouterr().out


@pytest.mark.slow
def test_the_gpu_tier_script_trains_the_documented_entry_as_changed_and_scores_the_kept_weights(
    processed_project, tmp_path
):
    output = tmp_path / "run.json"
    # The full-width network trains through the real stage above; here two narrow stages keep its
    # ten-view scoring, about 6 s instead of 28 on a 2-core CPU.
    narrow = [[8], [16]]
    arguments = ["--epochs", "1", "--set", "head_dropout=0.2", "--set", f"blocks={narrow}", "--limit", "64",
                 "--output", str(output)]  # fmt: skip
    assert gpu_tier_main(arguments) == 0
    result = json.loads(output.read_text())
    assert result["epochs"] == result["epochs_run"] == result["kept_epoch"] == 1
    documented = documented_entries()["models"][MODEL_NAME]
    assert result["entry"] == {**documented, "epochs": 1, "head_dropout": 0.2, "blocks": narrow}
    assert result["machine"]["backend"] == "tensorflow" and result["training_images"] == 64
    scores = result["scores"]
    assert [scores[name]["views"] for name in ("plain", "flips", ENSEMBLE_NAME)] == [1, 2, 10]
    # The network scored is the one the moving-average rule kept, on the same validation images.
    assert result["kept_weights"] in ("trained", "moving_average")
    assert scores["plain"]["validation_accuracy"] == round(result["validation_accuracy"], 4)
    splits = ("validation", "test")
    assert all(0.0 <= score[f"{split}_accuracy"] <= 1.0 for score in scores.values() for split in splits)


@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        (["--set", "augmentation.erase_probability=2"], "augmentation.erase_probability"),
        (["--raw-directory", "no/such/folder"], "train-images-idx3-ubyte.gz is missing"),
    ],
    ids=["a value the schema rejects", "no dataset files"],
)
def test_bad_input_stops_the_script_with_one_line_before_any_training(project, tmp_path, capsys, arguments, named):
    output = tmp_path / "run.json"
    assert gpu_tier_main([*arguments, "--output", str(output)]) == 1
    error = capsys.readouterr().err.strip()
    assert named in error and len(error.splitlines()) == 1, error
    assert not output.exists()


def test_a_null_setting_leaves_the_key_out_so_its_default_holds():
    entry = documented_entries()["models"][MODEL_NAME]
    for text in ("augmentation.erase_probability=0", "augmentation.erase_max_fraction=null"):
        set_key(entry, *setting_of(text))
    assert entry["augmentation"] == {"shift_pixels": 2, "horizontal_flip": True, "erase_probability": 0}


def test_a_run_that_would_outlast_its_budget_is_cut_to_the_epochs_that_fit():
    # Two epochs took 40 s (30 of them compiling) and 10 s; 78 more at 10 s end at 830 s.
    assert epochs_within_budget([40.0, 10.0], elapsed=50.0, epochs=80, budget_seconds=900.0) is None
    # Within 600 s, less the 30 kept for scoring: (570 - 50 spent - 30 compiling again) // 10 = 49 epochs.
    assert epochs_within_budget([40.0, 10.0], elapsed=50.0, epochs=80, budget_seconds=600.0) == 49
    # However little is left, a run trains one epoch.
    assert epochs_within_budget([40.0, 10.0], elapsed=50.0, epochs=80, budget_seconds=1.0) == 1
