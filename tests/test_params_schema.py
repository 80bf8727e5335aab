"""Property-based: every key of a model entry does what it says, or the entry is rejected.

The test walks every key of the pydantic entry classes (through their JSON
Schema, `model_entry_keys`), the one declaration of every key a model entry
may have, so a new key is covered without editing this file.
For each key, Hypothesis draws a valid value other than the base entry's,
and the real train stage trains both on tiny synthetic data. Either the
trained weights, the per-epoch history or the sweep's record differ, or the
params check rejects the combination with one line: a key that is accepted
and then ignored fails here.
"""

import copy
import json

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from synthetic import write_params

from fashion.core import paths
from fashion.core.params import PRECISION_AUTO
from fashion.core.params.json_schema import model_entry_keys
from stages import train

# Base entries chosen so that every optional mechanism is on and observable:
# synthetic classes are learnt in an epoch or two, so validation accuracy
# saturates early and early stopping and the kept epoch change the outcome.
BASE_ENTRIES = {
    "dense": {
        "hidden_units": [16], "activation": "relu", "input_scaling": "unit", "optimizer": "sgd", "momentum": 0.5,
        "learning_rate": 0.05, "epochs": 5, "batch_size": 16, "seed": 3,
    },
    "convolutional": {
        "architecture": "convolutional", "blocks": [[4], [8]], "kernel_size": 3, "batch_normalization": True,
        "residual": False, "pooling": "max", "block_dropout": 0.1, "global_pooling": "flatten", "dense_units": [8],
        "head_dropout": 0.1, "activation": "relu", "precision": "float32", "optimizer": "adamw",
        "weight_decay": 0.001, "learning_rate": 0.04, "schedule": "cosine", "warmup_epochs": 1,
        "label_smoothing": 0.1, "restore_best_epoch": True, "epochs": 6, "batch_size": 16, "seed": 3,
        "augmentation": {"shift_pixels": 1, "horizontal_flip": True, "erase_probability": 0.5,
                         "erase_max_fraction": 0.5},
    },
}  # fmt: skip
# The sweep's settings are walked on an entry that sweeps; their effect is on the sweep's
# record (a setting may move the suggested rate, or not). Every other key is walked on an
# entry with a fixed rate, so its effect must show in the trained model itself.
BASE_ENTRIES["sweeping"] = {
    **BASE_ENTRIES["convolutional"],
    "learning_rate": "sweep",
    "sweep": {"start_learning_rate": 1.0e-4, "end_learning_rate": 1.0, "epochs": 1, "evaluate_every_steps": 2,
              "validation_images": 20, "smoothing": 0.6, "suggestion_divisor": 4},
}  # fmt: skip


def walked_keys(base: str) -> list[tuple[str, dict]]:
    """(dotted name, JSON Schema) of every key an entry of the base's architecture may have, but `architecture`."""
    architecture = BASE_ENTRIES[base].get("architecture", "dense")
    sweeping = base == "sweeping"
    return [
        (name, schema)
        for name, architectures, schema, _ in model_entry_keys()
        if (not architectures or architecture in architectures)
        and name != "architecture"
        and name.startswith("sweep.") == sweeping
    ]


WALKED = [(base, *key) for base in BASE_ENTRIES for key in walked_keys(base)]


def get_value(entry: dict, dotted: str, default=None):
    section, _, name = dotted.rpartition(".")
    node = entry.get(section, {}) if section else entry
    return node.get(name, default)


def with_value(entry: dict, dotted: str, value) -> dict:
    changed = copy.deepcopy(entry)
    section, _, name = dotted.rpartition(".")
    (changed.setdefault(section, {}) if section else changed)[name] = value
    return changed


def valid_values(name: str, schema: dict, base):
    """Values the key accepts on its own, near the base value (so training stays tiny), other than `base`."""
    kind, low, high = schema.get("type"), schema.get("minimum"), schema.get("maximum")
    if "enum" in schema:
        # auto is another name for one of the others, chosen per machine (tests/test_precision.py).
        strategy = st.sampled_from([choice for choice in schema["enum"] if choice != PRECISION_AUTO])
    elif kind == "boolean":
        strategy = st.booleans()
    elif kind == "integer":
        strategy = st.integers(max(int(low or 0), int(base) - 2), min(int(base) + 2, int(high or base + 2)))
    elif kind == "number":
        top = base * 2 if base else (low or 0.0) + 0.2
        strategy = st.floats(max(low or 0.0, base / 2 if base else 0.0), top if high is None else min(high, top))
    elif name == "learning_rate":
        strategy = st.one_of(st.just("sweep"), st.floats(0.005, 0.1))
    elif kind == "array" and schema["items"].get("type") == "integer":
        strategy = st.lists(st.integers(1, 12), min_size=schema.get("minItems", 0), max_size=2)
    elif kind == "array" and schema["items"].get("type") == "array":
        strategy = st.lists(st.lists(st.integers(1, 8), min_size=1, max_size=2), min_size=1, max_size=2)
    else:
        raise AssertionError(f"no strategy for {name} ({schema}): add one")
    return strategy.filter(lambda value: value != base)


def train_and_observe(project, entry: dict) -> dict | str:
    """Train `entry` as model `walked` through the real stage: what it produced, or its one-line error."""
    params = yaml.safe_load((project / "params.yaml").read_text())
    params["models"] = {"walked": entry}
    params["lr_find_models"] = {}
    params["ensembles"] = {}
    params["export"]["model"] = "best"
    write_params(project, params)
    if train.main(["--model", "walked"]) != 0:
        return "rejected"
    from fashion.models.saving import load_trained_model

    return {
        "weights": load_trained_model(paths.model_file("walked")).get_weights(),
        "history": paths.history_file("walked").read_text(),
        "sweep": paths.sweep_file("walked").read_text(),
        "metrics": json.loads(paths.train_metrics_file("walked").read_text()),
    }


def differ(first: dict, second: dict, include_sweep: bool, include_weight_choice: bool = False) -> bool:
    """Whether two trainings differ; a sweep's record and the moving-average comparison only where asked.

    A moving average that loses on validation leaves the trained weights in
    place by design; what it changes then is the record of that comparison.
    """
    if first["history"] != second["history"] or (include_sweep and first["sweep"] != second["sweep"]):
        return True
    choice = ("kept_weights", "moving_average_validation_accuracy")
    if include_weight_choice and [first["metrics"].get(key) for key in choice] != [
        second["metrics"].get(key) for key in choice
    ]:
        return True
    if len(first["weights"]) != len(second["weights"]):
        return True
    return any(
        a.shape != b.shape or not np.array_equal(a, b) for a, b in zip(first["weights"], second["weights"], strict=True)
    )


BASELINES: dict[str, dict] = {}


def test_the_base_entries_are_valid_and_hold_every_required_key():
    from fashion.core.architectures import ENTRY_CLASSES

    for base, entry in BASE_ENTRIES.items():
        ENTRY_CLASSES[entry.get("architecture", "dense")].model_validate(entry)
        required = {name for name, schema in walked_keys(base) if "default" not in schema}
        given_keys = {
            f"{name}.{nested}" for name, value in entry.items() if isinstance(value, dict) for nested in value
        }
        given_keys |= {name for name, value in entry.items() if not isinstance(value, dict)}
        assert required <= given_keys


@pytest.mark.slow
@pytest.mark.parametrize(("base_name", "name", "schema"), WALKED, ids=[f"{base}-{name}" for base, name, _ in WALKED])
@settings(max_examples=1, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])  # fmt: skip
@given(data=st.data())
def test_every_accepted_value_changes_the_trained_model(processed_project, base_name, name, schema, data, capsys):
    base_entry = BASE_ENTRIES[base_name]
    base = get_value(base_entry, name, schema.get("default"))
    value = data.draw(valid_values(name, schema, base), label=name)
    if base_name not in BASELINES:
        BASELINES[base_name] = train_and_observe(processed_project, base_entry)
    baseline = BASELINES[base_name]
    assert baseline != "rejected", capsys.readouterr().err
    capsys.readouterr()  # the baseline's progress bars

    outcome = train_and_observe(processed_project, with_value(base_entry, name, value))

    error = capsys.readouterr().err
    if outcome == "rejected":
        assert error.startswith("train: error: params.yaml") and len(error.strip().splitlines()) == 1, error
    else:
        averaged = name == "moving_average_momentum"
        changed = differ(baseline, outcome, name.startswith("sweep."), include_weight_choice=averaged)
        assert changed, f"{name}: {base!r} and {value!r} trained the same model"
