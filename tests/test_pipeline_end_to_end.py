"""The real `dvc repro` in a temporary git repository on tiny synthetic data."""

import json
import os
import shutil
import signal
import subprocess

import numpy as np
import pytest
import yaml
from conftest import environment, read_json, run
from synthetic import write_params

from fashion.core import paths

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("reproduced_repository")]


@pytest.fixture
def repository(reproduced_repository, tmp_path):
    """A copy of the session's reproduced and committed tiny pipeline, for this test to change."""
    copy = tmp_path / "repository"
    shutil.copytree(reproduced_repository, copy, symlinks=True)
    return copy


def test_every_stage_wrote_every_output(reproduced_repository, monkeypatch):
    """What each stage of the shared `dvc repro` wrote, read in place (this test changes nothing)."""
    monkeypatch.chdir(reproduced_repository)
    params = yaml.safe_load(paths.PARAMS_FILE.read_text())
    suggestion = read_json(paths.LR_FIND_METRICS_FILE)
    divisor = params["lr_find"]["suggestion_divisor"]
    assert suggestion["suggested_learning_rate"] == suggestion["minimum_loss_learning_rate"] / divisor
    assert paths.LR_FIND_PLOT_FILE.read_text().startswith("epoch,learning_rate,validation_loss")

    models = {**params["models"], **params["lr_find_models"]}
    assert read_json(paths.train_metrics_file("model_4"))["learning_rate"] == suggestion["suggested_learning_rate"]
    # dvclive logged every epoch of every model.
    for name in models:
        live = read_json(paths.live_dir(name) / "metrics.json")
        trained = read_json(paths.train_metrics_file(name))
        assert live["step"] == trained.get("kept_epoch", models[name]["epochs"]) - 1
        if models[name].get("refit"):  # trained on the validation images: nothing is logged as validation
            assert set(live) == {"train", "step"} and trained["validation_accuracy"] is None
            continue
        assert set(live) == {"train", "eval", "step"}
        # One number per fact: dvclive's summary describes the saved epoch, as metrics/train does.
        assert live["eval"]["accuracy"] == trained["validation_accuracy"]
        accuracy_log = (paths.live_dir(name) / "plots/metrics/eval/accuracy.tsv").read_text().splitlines()
        assert len(accuracy_log) == 1 + models[name]["epochs"]

    saved = {
        **{name: paths.model_file(name) for name in models},
        **{name: paths.ensemble_file(name) for name in params["ensembles"]},
        **{name: paths.baseline_file(name) for name in params["baselines"]},
    }
    for name, path in saved.items():
        assert path.exists()  # its summary's keys: test_repro_metrics_plots_incremental_reruns_and_a_killed_stage
        assert set(read_json(paths.test_metrics_file(name))) == {"test_accuracy", "test_loss", "test_macro_f1"}
    per_class = paths.PER_CLASS_FILE.read_text().splitlines()
    assert per_class[0] == "model,class_index,class,precision,recall,f1,support"
    assert sorted(row.split(",")[0] for row in per_class[1::10]) == sorted(saved)  # ten classes per model
    # The exported model's confusion counts (every test image once) and prediction grid.
    exported = read_json(paths.EXPORT_METRICS_FILE)["model"]
    confusion = [row.split(",") for row in paths.CONFUSION_FILE.read_text().splitlines()[1:]]
    assert len(confusion) == 100 and {row[0] for row in confusion} == {exported}
    assert sum(int(row[-1]) for row in confusion) == len(np.load(paths.PROCESSED_DIR / "test_labels.npy"))
    assert paths.PREDICTIONS_FIGURE_FILE.stat().st_size > 0
    # The synthetic classes are easy: in two epochs of 15 batches a normalized network is far above chance (0.1).
    assert read_json(paths.test_metrics_file("model_1"))["test_accuracy"] >= 0.4
    curves = paths.LEARNING_CURVES_FILE.read_text().splitlines()
    assert curves[0] == "model,epoch,split,accuracy,loss"
    splits = sum(1 if entry.get("refit") else 2 for entry in models.values())  # a refit has no validation rows
    assert len(curves) == 1 + splits * 2  # (models x splits) x epochs


def test_repro_metrics_plots_incremental_reruns_and_a_killed_stage(repository):

    params = yaml.safe_load((repository / "params.yaml").read_text())
    convolutional = [name for name, entry in params["models"].items() if entry.get("architecture") == "convolutional"]
    assert convolutional  # the real params.yaml's convolutional entries, shrunk
    assert list(params["lr_find_models"]) == ["model_4"]
    for name in ("model_1_raw", "model_1", "model_2", "model_4", *convolutional):
        test_metrics = json.loads((repository / f"metrics/test/{name}.json").read_text())
        assert 0.0 <= test_metrics["test_accuracy"] <= 1.0
        assert (repository / f"models/{name}.keras").exists()
        assert (repository / f"plots/history/{name}.csv").exists()
        cost = json.loads((repository / f"metrics/cost/{name}.json").read_text())
        assert cost["parameters"] > 0 and cost["forward_flops_per_image"] > 0
        assert cost["precision"] in ("float32", "mixed_bfloat16")
        assert json.loads((repository / f"timings/{name}.json").read_text())["training_seconds"] > 0
    for name in params["ensembles"]:
        assert 0.0 <= json.loads((repository / f"metrics/test/{name}.json").read_text())["test_accuracy"] <= 1.0
        record = json.loads((repository / f"metrics/ensemble/{name}.json").read_text())
        chosen_members = set(record["member_shares"])
        assert abs(sum(record["member_shares"].values()) - 1) < 1e-9
        assert record["members"] == len(chosen_members) and chosen_members <= set(params["ensembles"][name]["members"])
        assert (repository / f"ensembles/{name}.keras").exists()
    swept = [name for name, entry in params["models"].items() if entry["learning_rate"] == "sweep"]
    assert swept == ["cnn_sweep"]
    for name in swept:
        rows = (repository / f"plots/sweep/{name}.csv").read_text().splitlines()
        assert rows[0] == "step,learning_rate,validation_loss,smoothed_validation_loss" and len(rows) > 3
        rate = json.loads((repository / f"metrics/train/{name}.json").read_text())["learning_rate"]
        sweep = params["models"][name]["sweep"]
        assert sweep["start_learning_rate"] < rate < sweep["end_learning_rate"]
    assert json.loads((repository / "metrics/lr_find.json").read_text())["suggested_learning_rate"] > 0
    assert 0.0 < json.loads((repository / "metrics/export.json").read_text())["trained_model_agreement"] <= 1.0
    assert (repository / "export/model.tflite").stat().st_size > 0

    for name in params["baselines"]:
        assert (repository / f"baselines/{name}.skops").exists()
        assert json.loads((repository / f"metrics/baselines/{name}.json").read_text())["stored_bytes"] > 0
    every_scored = [*params["models"], *params["lr_find_models"], *params["baselines"], *params["ensembles"]]
    for name in every_scored:
        summary = json.loads((repository / f"metrics/summary/{name}.json").read_text())
        choice = ["chosen"] if name in params["ensembles"] else []  # what validation chose, for an ensemble
        assert list(summary) == ["validation_accuracy", "test_accuracy", "test_macro_f1", *choice]

    # `dvc metrics show`: one row per model (file), the same three columns (and an ensemble's choice); the detailed
    # files are there to read.
    metrics = run(["dvc", "metrics", "show"], repository).splitlines()
    assert sorted(metrics[0].split()) == ["Path", "chosen", "test_accuracy", "test_macro_f1", "validation_accuracy"]
    assert sorted(line.split()[0] for line in metrics[1:]) == sorted(
        f"metrics/summary/{name}.json" for name in every_scored
    )
    detailed = run(["dvc", "metrics", "show", "metrics/test/model_4.json", "metrics/cost/model_1.json"], repository)
    assert "test_loss" in detailed and "forward_flops_per_image" in detailed
    assert "suggested_learning_rate" in run(["dvc", "metrics", "show", "metrics/lr_find.json"], repository)

    run(["dvc", "plots", "show", "-o", str(repository.parent / "plots_page")], repository)
    page = (repository.parent / "plots_page" / "index.html").read_text()
    for plot_id in ("learning_rate_sweep", "per_class_f1", "predictions.png"):
        assert plot_id in page

    # The exported model is a named artifact: once a version is registered (a GTO tag, as
    # `gto register` or DVC Studio make it), model-registry tooling fetches it without its path.
    run(["git", "tag", "-a", "fashion-classifier@v1.0.0", "-m", "Registering fashion-classifier v1.0.0"], repository)
    fetched = repository.parent / "artifact"
    run(["dvc", "artifacts", "get", str(repository), "fashion-classifier", "-o", str(fetched)], repository.parent)
    assert (fetched / "saved_model.pb").is_file()

    # Nothing changed: nothing runs.
    assert "Data and pipelines are up to date" in run(["dvc", "repro"], repository)

    # A forced re-run of a train stage reproduces its model bit for bit, so git sees no change.
    run(["dvc", "repro", "--force", "--single-item", "train@cnn"], repository)
    assert run(["git", "status", "--porcelain"], repository) == ""

    # Each change re-runs exactly what it affects. The first three reproduce the baseline or
    # train stages only (DVC runs what they depend on, too); the last one everything, so
    # what reads every model (ensemble, evaluate and export: the best one may have changed)
    # runs once for the four changes.
    def reruns(section: str, name: str | None, key: str, value, targets: tuple[str, ...]) -> list[str]:
        node = params[section][name] if name else params[section]
        *nested, last = key.split(".")
        for part in nested:
            node = node[part]
        node[last] = value
        write_params(repository, params)
        output = run(["dvc", "repro", *targets], repository)
        return sorted(line.split("'")[1] for line in output.splitlines() if line.startswith("Running stage"))

    # A baseline's change re-runs its stage, after which DVC's own status has evaluate, and
    # nothing else, out of date (checked first, while nothing else is). The last change's
    # full repro runs evaluate once for all of them.
    assert reruns("baselines", "random_forest", "seed", 5, ("baseline",)) == ["baseline@random_forest"]
    assert set(json.loads(run(["dvc", "status", "--json"], repository))) == {"evaluate"}
    train_stages = ("train", "train_lr_find")
    lr_find_divisor = params["lr_find"]["suggestion_divisor"]
    assert reruns("lr_find", None, "suggestion_divisor", lr_find_divisor + 1, train_stages) == [
        "lr_find", "train_lr_find@model_4",
    ]  # fmt: skip
    divisor = params["models"]["cnn_sweep"]["sweep"]["suggestion_divisor"]
    assert reruns("models", "cnn_sweep", "sweep.suggestion_divisor", divisor * 2, train_stages) == ["train@cnn_sweep"]
    assert reruns("models", "model_2", "epochs", 3, ()) == ["ensemble", "evaluate", "export", "train@model_2"]

    changed_params = run(["dvc", "params", "diff"], repository)
    for key in (
        "models.model_2.epochs",
        "lr_find.suggestion_divisor",
        "models.cnn_sweep.sweep.suggestion_divisor",
        "baselines.random_forest.seed",
    ):
        assert key in changed_params
    # `dvc metrics diff`: one line per changed number (path, metric, old, new, change).
    metrics_diff = [line.split() for line in run(["dvc", "metrics", "diff"], repository).splitlines()[1:]]
    assert "metrics/summary/model_2.json" in {line[0] for line in metrics_diff}
    assert all(
        len(line) == 5 and line[1] in ("validation_accuracy", "test_accuracy", "test_macro_f1") for line in metrics_diff
    )
    plots_diff = json.loads(run(["dvc", "plots", "diff", "HEAD", "--json", "--targets", "accuracy"], repository))
    curves = plots_diff["data"]["accuracy"][0]
    assert set(curves["revisions"]) == {"HEAD", "workspace"}
    epochs_by_revision = {
        revision: max(
            int(row["epoch"])
            for row in curves["content"]["data"]["values"]
            if row["rev"] == revision and row["model"] == "model_2"
        )
        for revision in ("HEAD", "workspace")
    }
    assert epochs_by_revision == {"HEAD": 2, "workspace": 3}

    # SIGKILL the train stage mid-epoch: no stale model or metrics survive, and
    # the next dvc repro completes.
    params["models"]["model_2"]["epochs"] = 100_000
    write_params(repository, params)
    repro = subprocess.Popen(
        ["dvc", "repro"], cwd=repository, env=environment(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    seen = ""
    while "| 1/100000" not in seen:
        character = repro.stdout.read(1)
        assert character, seen
        seen += character
    stage = subprocess.run(["pgrep", "-f", "stages.train --model model_2"], capture_output=True, text=True)
    for process_id in stage.stdout.split():
        os.kill(int(process_id), signal.SIGKILL)
    assert repro.wait(timeout=60) != 0
    assert not (repository / "models/model_2.keras").exists()
    assert not (repository / "metrics/train/model_2.json").exists()
    assert not (repository / "plots/history/model_2.csv").exists()

    params["models"]["model_2"]["epochs"] = 3
    write_params(repository, params)
    run(["dvc", "repro"], repository)
    assert json.loads((repository / "metrics/train/model_2.json").read_text())["epochs"] == 3
    assert "up to date" in run(["dvc", "status"], repository)
