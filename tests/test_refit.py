"""Refit: an entry trained on the training and validation splits together has no validation scores, anywhere.

Its validation accuracy and loss are null in every file that would hold them
(train metrics, the summaries; no ensemble may take it), never the score of
images it trained on; nothing that chooses by validation (best epoch, early
stopping, the moving average, the sweep, `export: best`) may use it.
"""

import copy
import json
import math
import tempfile
from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import read_json
from synthetic import with_multi_worker_strategy, write_params

from fashion.core import paths
from fashion.core.errors import PipelineError
from fashion.core.params import validate_params
from fashion.data.arrays import load_split
from fashion.training.history import learning_curve_rows, read_history
from scripts.tables.results import validation_score
from stages import train


def refit_params(params: dict, **changes) -> dict:
    """`params` with model_1 a small refit entry."""
    params = copy.deepcopy(params)
    params["models"]["model_1"].update(refit=True, epochs=3, hidden_units=[16], **changes)
    return params


@pytest.mark.slow
@pytest.mark.xdist_group("reproduced_repository")
def test_a_refit_reports_no_validation_scores_and_the_pipeline_carries_that_through(reproduced_repository, monkeypatch):
    """docs/models.md's refit entry, as the session's shared `dvc repro` trained, scored and exported it."""
    monkeypatch.chdir(reproduced_repository)  # read in place: this test changes nothing
    raw = yaml.safe_load(paths.PARAMS_FILE.read_text())
    models = {**raw["models"], **raw["lr_find_models"]}
    refit = [name for name, entry in models.items() if entry.get("refit")]
    assert refit  # docs/models.md's refit entry, shrunk
    for name in refit:
        trained = read_json(paths.train_metrics_file(name))
        assert trained["refit"] is True
        assert trained["validation_accuracy"] is None and trained["validation_loss"] is None
        assert validation_score(trained) == "— (refit)"
        history = read_history(paths.history_file(name))
        assert len(history["loss"]) == models[name]["epochs"]
        assert all(math.isnan(value) for value in history["val_accuracy"])
        assert {row[2] for row in learning_curve_rows({name: history})} == {"training"}
        summary = read_json(paths.summary_metrics_file(name))
        assert summary["validation_accuracy"] is None and 0 <= summary["test_accuracy"] <= 1
    assert validation_score({"validation_accuracy": 0.91234}) == "0.9123"

    # Ensembles are chosen and scored on validation, so none may have a refit member.
    for name, entry in raw["ensembles"].items():
        assert not set(entry["members"]) & set(refit)
        assert read_json(paths.summary_metrics_file(name))["validation_accuracy"] > 0
    with_refit = copy.deepcopy(raw)
    with_refit["ensembles"]["ensemble"]["members"].append(refit[0])
    with pytest.raises(PipelineError, match=f"members must be models without refit: true .*, got '{refit[0]}'"):
        validate_params(with_refit)

    # `best` chooses among the models with a validation accuracy: a refit one has none.
    assert raw["export"]["model"] == "best"
    validated = {
        name: read_json(paths.train_metrics_file(name))["validation_accuracy"] for name in models if name not in refit
    }
    exported = read_json(paths.EXPORT_METRICS_FILE)["model"]
    assert exported in validated and validated[exported] == max(validated.values())


def test_a_refit_learns_from_the_validation_images_and_an_ordinary_entry_does_not(processed_project):
    from fashion.training.run import train_model

    training, validation = (load_split(paths.PROCESSED_DIR, split) for split in ("train", "validation"))
    relabelled = (validation[0], (validation[1] + 1) % 10)
    raw = refit_params(yaml.safe_load(paths.PARAMS_FILE.read_text()))

    def weights(refit: bool, validation_split) -> list[np.ndarray]:
        raw["models"]["model_1"]["refit"] = refit
        params = validate_params(raw).model("model_1")
        live = Path(tempfile.mkdtemp()) / "live"
        return train_model(
            params, params.learning_rate, "one_device", training, validation_split, live
        ).model.get_weights()

    def same(first, second) -> bool:
        return all(np.array_equal(a, b) for a, b in zip(first, second, strict=True))

    assert same(weights(False, validation), weights(False, relabelled))  # validation only scores it
    refit = weights(True, validation)
    assert same(refit, weights(True, validation))  # a seed still fixes every batch
    assert not same(refit, weights(True, relabelled))  # it trains on the validation labels


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"restore_best_epoch": True}, "restore_best_epoch must be false when refit is true"),
        ({"early_stopping_patience": 1}, "early_stopping_patience must be 0 when refit is true"),
        ({"moving_average_momentum": 0.9}, "moving_average_momentum must be 0 when refit is true"),
        ({"learning_rate": "sweep"}, "learning_rate must be a number when refit is true"),
    ],
)
def test_a_refit_with_anything_that_chooses_by_validation_is_refused_in_one_line(project, changes, named):
    params = refit_params(yaml.safe_load(paths.PARAMS_FILE.read_text()), **changes)
    with pytest.raises(PipelineError, match=named) as raised:
        validate_params(params)
    assert "\n" not in str(raised.value)


def test_a_refit_with_multi_worker_training_is_refused_and_the_stage_writes_nothing(processed_project, capsys):
    params = refit_params(yaml.safe_load(paths.PARAMS_FILE.read_text()))
    write_params(processed_project, with_multi_worker_strategy(params))
    assert train.main(["--model", "model_1"]) == 1
    error = capsys.readouterr().err.strip()
    assert "model_1 has refit: true, which distribute.strategy multi_worker" in error and "\n" not in error
    assert not any(path.exists() for path in paths.train_outputs("model_1"))


def test_export_best_with_only_refit_models_asks_for_a_name(project):
    from fashion.evaluation.choice import choose_model

    paths.train_metrics_file("model_1").parent.mkdir(parents=True, exist_ok=True)
    paths.train_metrics_file("model_1").write_text(json.dumps({"validation_accuracy": None, "refit": True}))
    with pytest.raises(PipelineError, match="every model was refit"):
        choose_model("best", ["model_1"], paths.train_metrics_file)
    assert choose_model("model_1", ["model_1"], paths.train_metrics_file) == "model_1"
