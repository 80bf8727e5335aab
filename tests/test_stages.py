"""Each stage's `main` on tiny synthetic data: outputs, determinism, divergence."""

import numpy as np
import pytest
import yaml
from conftest import read_json
from synthetic import write_params

from fashion.core import paths
from fashion.data.arrays import load_split
from stages import ensemble, normalize, train


def test_normalize_writes_scaled_splits_and_class_counts(processed_project):
    images, labels = load_split(paths.PROCESSED_DIR, "train")
    _, validation_labels = load_split(paths.PROCESSED_DIR, "validation")
    assert images.dtype == np.float32 and images.min() >= 0.0 and images.max() <= 1.0
    assert images.max() == np.float32(250 / 255)
    counts = {split: read_json(paths.data_metrics_file(split)) for split in ("train", "validation", "test")}
    assert counts["train"]["total"] == len(labels) == 240
    assert counts["validation"]["total"] == len(validation_labels) == 60
    assert counts["validation"]["Ankle boot"] == 6
    assert counts["test"]["total"] == 100


@pytest.mark.parametrize("model", ["model_1", "cnn"])
def test_training_twice_gives_bit_identical_results(processed_project, model):
    # cnn: convolutional, bfloat16, augmented batches from tf.data, one-cycle schedule.
    assert train.main(["--model", model]) == 0
    first_metrics = paths.train_metrics_file(model).read_bytes()
    first_history = paths.history_file(model).read_bytes()
    assert train.main(["--model", model]) == 0
    assert paths.train_metrics_file(model).read_bytes() == first_metrics
    assert paths.history_file(model).read_bytes() == first_history


def test_the_best_validation_epoch_is_the_one_kept(processed_project):
    params = yaml.safe_load(paths.PARAMS_FILE.read_text())
    params["models"]["cnn"].update(epochs=4, restore_best_epoch=True, learning_rate=0.05)
    write_params(processed_project, params)
    assert train.main(["--model", "cnn"]) == 0
    history = paths.history_file("cnn").read_text().splitlines()[1:]
    validation = [float(row.split(",")[4]) for row in history]
    metrics = read_json(paths.train_metrics_file("cnn"))
    assert metrics["kept_epoch"] == validation.index(max(validation)) + 1
    assert metrics["validation_accuracy"] == max(validation)
    live = read_json(paths.live_dir("cnn") / "metrics.json")
    assert live["eval"]["accuracy"] == max(validation) and live["step"] == metrics["kept_epoch"] - 1

    from fashion.models.saving import load_trained_model

    images, labels = load_split(paths.PROCESSED_DIR, "validation")
    predicted = load_trained_model(paths.model_file("cnn")).predict(images, verbose=0).argmax(axis=1)
    assert float(np.mean(predicted == labels)) == pytest.approx(max(validation), abs=1e-6)


def test_early_stopping_without_restore_keeps_the_last_epoch(processed_project):
    """restore_best_epoch: false is honoured when early stopping is on: the last epoch run is saved."""
    params = yaml.safe_load(paths.PARAMS_FILE.read_text())
    # A high rate on easy data: validation accuracy stops improving after an epoch or two.
    params["models"]["model_1"].update(epochs=8, early_stopping_patience=1, restore_best_epoch=False,
                                       learning_rate=0.05, hidden_units=[16])  # fmt: skip
    write_params(processed_project, params)
    assert train.main(["--model", "model_1"]) == 0
    metrics = read_json(paths.train_metrics_file("model_1"))
    history = paths.history_file("model_1").read_text().splitlines()[1:]
    assert metrics["epochs_run"] == len(history) < 8  # it stopped early
    assert metrics["kept_epoch"] == metrics["epochs_run"]  # and kept the last epoch, not the best
    assert metrics["validation_accuracy"] == float(history[-1].split(",")[4])

    from fashion.models.saving import load_trained_model

    images, labels = load_split(paths.PROCESSED_DIR, "validation")
    predicted = load_trained_model(paths.model_file("model_1")).predict(images, verbose=0).argmax(axis=1)
    assert float(np.mean(predicted == labels)) == pytest.approx(metrics["validation_accuracy"], abs=1e-6)


def test_a_diverging_model_stops_with_its_name_and_epoch_and_writes_nothing(processed_project, capsys):
    params = yaml.safe_load(paths.PARAMS_FILE.read_text())
    params["models"]["model_1"].update(learning_rate=1e38, optimizer="sgd", input_scaling="raw")
    write_params(processed_project, params)

    assert train.main(["--model", "model_1"]) == 1

    message = capsys.readouterr().err
    assert "Training of model_1 diverged at epoch 1" in message
    assert "Lower its learning rate" in message
    assert not paths.model_file("model_1").exists()
    assert not paths.train_metrics_file("model_1").exists()
    assert not paths.history_file("model_1").exists()
    assert not paths.live_dir("model_1").exists()


def test_train_without_lr_find_output_says_what_to_run(processed_project, capsys):
    assert train.main(["--model", "model_4"]) == 1
    assert "metrics/lr_find.json is missing. Run `dvc repro lr_find` first." in capsys.readouterr().err


def test_normalize_reports_a_corrupt_raw_file(processed_project, capsys):
    raw_file = paths.RAW_DIR / "train-labels-idx1-ubyte.gz"
    raw_file.write_bytes(raw_file.read_bytes()[:20])
    assert normalize.main([]) == 1
    message = capsys.readouterr().err
    assert "data/raw/train-labels-idx1-ubyte.gz is corrupt" in message


def test_an_ensemble_whose_member_is_not_trained_says_what_to_run(processed_project, capsys):
    assert ensemble.main([]) == 1
    message = capsys.readouterr().err
    assert message.startswith("ensemble: error: models/") and "is missing. Run `dvc repro`" in message
    assert len(message.strip().splitlines()) == 1
    assert not list(paths.ENSEMBLES_DIR.glob("*")) and not list(paths.ENSEMBLE_METRICS_DIR.glob("*"))


def test_no_ensembles_still_leaves_the_stages_outputs(processed_project):
    """DVC requires every declared output: with `ensembles: {}` the stage still writes both (empty) folders."""
    params = yaml.safe_load(paths.PARAMS_FILE.read_text())
    params["ensembles"] = {}
    paths.PARAMS_FILE.write_text(yaml.safe_dump(params, sort_keys=False))
    assert ensemble.main([]) == 0
    assert paths.ENSEMBLES_DIR.is_dir() and paths.ENSEMBLE_METRICS_DIR.is_dir()
