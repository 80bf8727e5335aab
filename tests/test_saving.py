"""Saved models are byte-identical when their weights are, so a reproduced run leaves dvc.lock alone."""

import json
import time
import zipfile

import numpy as np

from fashion.models import load_trained_model
from fashion.saving import save_model
from fashion.tensorflow_setup import keras


def small_model() -> keras.Model:
    keras.utils.set_random_seed(0)
    inputs = keras.Input(shape=(28, 28), name="image")
    outputs = keras.layers.Dense(10, activation="softmax")(keras.layers.Flatten()(inputs))
    return keras.Model(inputs, outputs)


def test_two_saves_of_the_same_weights_are_byte_identical(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the pipeline writes only below the working directory
    model = small_model()
    save_model(model, tmp_path / "first.keras")
    time.sleep(1.1)  # Keras stamps the save time to the second.
    save_model(model, tmp_path / "second.keras")
    assert (tmp_path / "first.keras").read_bytes() == (tmp_path / "second.keras").read_bytes()
    with zipfile.ZipFile(tmp_path / "first.keras") as archive:
        assert "date_saved" not in json.loads(archive.read("metadata.json"))
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_a_saved_model_loads_with_the_same_weights(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    model = small_model()
    save_model(model, tmp_path / "model.keras")
    loaded = load_trained_model(tmp_path / "model.keras")
    for saved, original in zip(loaded.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(saved, original)
    assert [path.name for path in tmp_path.iterdir()] == ["model.keras"]  # no temporary file left behind
