"""Saved models are byte-identical when their weights are, so a reproduced run leaves dvc.lock alone."""

import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

from fashion.core.tensorflow_setup import keras
from fashion.models.saving import load_trained_model, renumber_shared_objects, save_model

# oneDNN's settings pass to the fresh Python, so that it computes as this process does (a CPU capped to AVX2
# rounds its last bits differently from the same CPU uncapped).
ONEDNN_SETTINGS = {name: value for name, value in os.environ.items() if name.startswith(("ONEDNN", "TF_ENABLE"))}


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
from fashion.models.saving import save_model
from fashion.core.tensorflow_setup import keras
keras.utils.set_random_seed(0)
policy = keras.DTypePolicy("float32")  # one object used by two layers: Keras writes its Python id
inputs = keras.Input(shape=(28, 28), name="image")
hidden = keras.layers.Dense(4, dtype=policy)(keras.layers.Flatten()(inputs))
outputs = keras.layers.Dense(10, activation="softmax", dtype=policy)(hidden)
save_model(keras.Model(inputs, outputs), sys.argv[1])
"""


@pytest.mark.slow
def test_saves_from_two_processes_are_byte_identical(tmp_path):
    root = Path(__file__).resolve().parent.parent
    for name in ("first.keras", "second.keras"):
        subprocess.run(
            [sys.executable, "-c", SAVE_A_MODEL_WITH_A_SHARED_POLICY, str(tmp_path / name)],
            check=True, cwd=tmp_path, env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
        )  # fmt: skip
    assert (tmp_path / "first.keras").read_bytes() == (tmp_path / "second.keras").read_bytes()


def test_shared_object_ids_are_numbered_in_order_of_appearance():
    config = {"layers": [{"dtype": {"shared_object_id": 987}}, {"dtype": {"shared_object_id": 123}},
                         {"dtype": {"shared_object_id": 987}, "units": 4}]}  # fmt: skip
    assert renumber_shared_objects(config) == {
        "layers": [{"dtype": {"shared_object_id": 0}}, {"dtype": {"shared_object_id": 1}},
                   {"dtype": {"shared_object_id": 0}, "units": 4}]
    }  # fmt: skip


LOAD_WITHOUT_THE_PROJECT = """
import sys
import keras
import numpy as np
model = keras.models.load_model(sys.argv[1])  # plain Keras: safe mode, compile=True, no project imported
assert not any(name.startswith("fashion") for name in sys.modules)
np.save(sys.argv[2], model.predict(np.load(sys.argv[3]), verbose=0))
"""


def test_a_model_trained_with_a_schedule_loads_in_plain_keras(tmp_path, monkeypatch):
    """The saved file holds no optimizer or schedule: OneCycle does not stop a fresh Python from opening it."""
    from fashion.core.architectures.dense import DenseEntry
    from fashion.training.optimization import compile_model

    monkeypatch.chdir(tmp_path)
    model = small_model()
    raw = {"models": {"tiny": {"optimizer": "adamw", "weight_decay": 0.01, "learning_rate": 0.01, "epochs": 2,
                               "batch_size": 8, "seed": 0, "schedule": "one_cycle", "hidden_units": [4],
                               "input_scaling": "unit"}}}  # fmt: skip
    compile_model(model, DenseEntry.model_validate(raw["models"]["tiny"]), 0.01, 16)
    images = np.random.default_rng(0).random((16, 28, 28), dtype=np.float32)
    model.fit(images, np.eye(10, dtype=np.float32)[np.arange(16) % 10], epochs=1, batch_size=8, verbose=0)
    save_model(model, tmp_path / "model.keras")
    np.save(tmp_path / "images.npy", images)
    subprocess.run(
        [sys.executable, "-c", LOAD_WITHOUT_THE_PROJECT, "model.keras", "predicted.npy", "images.npy"],
        check=True, cwd=tmp_path, env={"PATH": "/usr/bin:/bin", "TF_CPP_MIN_LOG_LEVEL": "3", **ONEDNN_SETTINGS},
    )  # fmt: skip
    np.testing.assert_array_equal(np.load(tmp_path / "predicted.npy"), model.predict(images, verbose=0))
    with zipfile.ZipFile(tmp_path / "model.keras") as archive:
        assert not json.loads(archive.read("config.json")).get("compile_config")  # no optimizer, no schedule
