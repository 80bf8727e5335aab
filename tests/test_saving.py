"""Saved models are byte-identical when their weights are, so a reproduced run leaves dvc.lock alone."""

import json
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np

from fashion.models import load_trained_model
from fashion.saving import renumber_shared_objects, save_model
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


SAVE_A_MODEL_WITH_A_SHARED_POLICY = """
import sys
from fashion.saving import save_model
from fashion.tensorflow_setup import keras
keras.utils.set_random_seed(0)
policy = keras.DTypePolicy("float32")  # one object used by two layers: Keras writes its Python id
inputs = keras.Input(shape=(28, 28), name="image")
hidden = keras.layers.Dense(4, dtype=policy)(keras.layers.Flatten()(inputs))
outputs = keras.layers.Dense(10, activation="softmax", dtype=policy)(hidden)
save_model(keras.Model(inputs, outputs), sys.argv[1])
"""


def test_saves_from_two_processes_are_byte_identical(tmp_path):
    root = Path(__file__).resolve().parent.parent
    for name in ("first.keras", "second.keras"):
        subprocess.run(
            [sys.executable, "-c", SAVE_A_MODEL_WITH_A_SHARED_POLICY, str(tmp_path / name)],
            check=True, cwd=tmp_path, env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
        )  # fmt: skip
    assert (tmp_path / "first.keras").read_bytes() == (tmp_path / "second.keras").read_bytes()
    with zipfile.ZipFile(tmp_path / "first.keras") as archive:
        assert '"shared_object_id": 0' in archive.read("config.json").decode()


def test_shared_object_ids_are_numbered_in_order_of_appearance():
    config = {"layers": [{"dtype": {"shared_object_id": 987}}, {"dtype": {"shared_object_id": 123}},
                         {"dtype": {"shared_object_id": 987}, "units": 4}]}  # fmt: skip
    assert renumber_shared_objects(config) == {
        "layers": [{"dtype": {"shared_object_id": 0}}, {"dtype": {"shared_object_id": 1}},
                   {"dtype": {"shared_object_id": 0}, "units": 4}]
    }  # fmt: skip
