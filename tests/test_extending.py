"""The README's "how to extend" examples, carried out: each one works as written there."""

import json

import yaml
from synthetic import write_params

from fashion.core import params, paths
from fashion.core.params import Key
from stages import train


def test_a_new_architecture_is_one_builder_and_its_schema_keys(processed_project, monkeypatch):
    """README, "Add an architecture": register a builder, declare its keys, and train it with the real stage."""
    from fashion.core.tensorflow_setup import keras
    from fashion.models import registry

    # 1. Its keys in the params schema: declaring a key for "wide" declares the architecture.
    width = Key("width", "integer", "units of the one hidden layer", 64, 1, architectures=("wide",))
    monkeypatch.setattr(params, "MODEL_KEYS", (*params.MODEL_KEYS, width))

    # 2. One builder, registered under the architecture's name.
    def build_wide(network: dict, precision: str, name: str) -> keras.Model:
        inputs = keras.Input(shape=(28, 28), name="image")
        hidden = keras.layers.Dense(network["width"], activation="relu")(keras.layers.Flatten()(inputs))
        return keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(hidden), name=name)

    monkeypatch.setitem(registry.BUILDERS, "wide", build_wide)
    # 3. An entry in params.yaml.
    settings = yaml.safe_load(paths.PARAMS_FILE.read_text())
    settings["models"]["wide_1"] = {"architecture": "wide", "width": 8, "optimizer": "adam", "learning_rate": 0.01,
                                    "epochs": 2, "batch_size": 32, "seed": 1}  # fmt: skip
    write_params(processed_project, settings)

    assert train.main(["--model", "wide_1"]) == 0
    assert json.loads(paths.cost_metrics_file("wide_1").read_text())["parameters"] == 28 * 28 * 8 + 8 + 8 * 10 + 10
    assert json.loads(paths.train_metrics_file("wide_1").read_text())["epochs"] == 2


def test_an_unregistered_architecture_is_a_params_error(processed_project, capsys):
    settings = yaml.safe_load(paths.PARAMS_FILE.read_text())
    settings["models"]["model_1"]["architecture"] = "wide"
    write_params(processed_project, settings)
    assert train.main(["--model", "model_1"]) == 1
    assert "models.model_1.architecture must be one of dense, convolutional" in capsys.readouterr().err


def test_every_declared_architecture_has_a_builder():
    from fashion.models.registry import BUILDERS

    assert set(params.known_architectures()) == set(BUILDERS)
