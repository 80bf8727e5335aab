"""Every loader of a file a user may be handed, fed random bytes and randomly mutated real files.

Each example must either load what the project would write or stop with the
project's one-line `PipelineError`, within a time bound (hypothesis's deadline)
and a memory bound (the peak NumPy and Python allocations, by tracemalloc).
"""

import gzip
import io
import json
import tracemalloc
import zipfile

import numpy as np
import pytest
import skops.io
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from synthetic import idx_bytes, make_images

from fashion.baselines.saving import canonical_archive, load_baseline
from fashion.core.bounded import read_validation_accuracy
from fashion.core.errors import MAXIMUM_MESSAGE_CHARACTERS, PipelineError
from fashion.data.idx import read_idx
from fashion.data.images import load_picture
from fashion.serving.predict import load_inputs
from fashion.training.history import read_history
from fashion.training.lr_find import read_suggested_learning_rate

PEAK_BYTES = 64 << 20
FUZZ = settings(
    max_examples=40,
    deadline=5000,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=6,
)


def loads_or_refuses_in_one_line(load, path):
    """Call `load(path)`; return its result, or None if it refused with one short line; fail on anything else."""
    tracemalloc.start()
    try:
        return load(path)
    except PipelineError as error:
        message = str(error)
        assert "\n" not in message and len(message) <= MAXIMUM_MESSAGE_CHARACTERS, message[:300]
        return None
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert peak < PEAK_BYTES, f"{load.__name__} peaked at {peak:,} bytes"


def json_paths(value, prefix=()):
    """Every place in a JSON document: the tuple of keys and indices that leads to it."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from json_paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from json_paths(item, (*prefix, index))


def mutate_json(document, data):
    """`document` with one randomly chosen place replaced by a random JSON value, or removed."""
    places = list(json_paths(document))[1:]
    if not places:
        return data.draw(JSON_VALUES)
    place = data.draw(st.sampled_from(places))
    parent = document
    for step in place[:-1]:
        parent = parent[step]
    if isinstance(parent, dict) and data.draw(st.booleans()):
        del parent[place[-1]]
    else:
        parent[place[-1]] = data.draw(JSON_VALUES)
    return document


def with_member(archive: bytes, member: str, change) -> bytes:
    source, output = zipfile.ZipFile(io.BytesIO(archive)), io.BytesIO()
    with zipfile.ZipFile(output, "w") as target:
        for info in source.infolist():
            content = source.read(info.filename)
            target.writestr(info.filename, change(content) if info.filename == member else content)
    return output.getvalue()


def flip_bytes(content: bytes, data) -> bytes:
    """`content` with a few bytes overwritten and perhaps cut short."""
    mutable = bytearray(content)
    for _ in range(data.draw(st.integers(1, 4))):
        position = data.draw(st.integers(0, len(mutable) - 1))
        mutable[position] = data.draw(st.integers(0, 255))
    return bytes(mutable[: data.draw(st.integers(1, len(mutable)))])


@pytest.fixture(scope="module")
def baseline_archive() -> bytes:
    images, labels = make_images(per_class=5, seed=0)
    pipeline = make_pipeline(StandardScaler(), LogisticRegression(max_iter=5))
    pipeline.fit(images.reshape(len(images), -1) / 255.0, labels)
    return canonical_archive(skops.io.dumps(pipeline))


@pytest.fixture(scope="module")
def model_archive(tmp_path_factory) -> bytes:
    from fashion.core.tensorflow_setup import keras

    inputs = keras.Input(shape=(28, 28))
    outputs = keras.layers.Dense(10, activation="softmax")(keras.layers.Flatten()(inputs))
    path = tmp_path_factory.mktemp("model") / "model.keras"
    keras.Model(inputs, outputs).save(path)
    return path.read_bytes()


@FUZZ
@given(data=st.data())
def test_baselines(tmp_path, baseline_archive, data):
    path = tmp_path / "baseline.skops"
    if data.draw(st.booleans()):
        path.write_bytes(data.draw(st.binary(max_size=512)))
    else:
        path.write_bytes(
            with_member(
                baseline_archive, "schema.json", lambda raw: json.dumps(mutate_json(json.loads(raw), data)).encode()
            )
        )
    pipeline = loads_or_refuses_in_one_line(load_baseline, path)
    assert pipeline is None or type(pipeline).__name__ == "Pipeline"


@settings(FUZZ, max_examples=25)
@given(data=st.data())
def test_keras_models(tmp_path, model_archive, data):
    from fashion.models.saving import load_trained_model

    path = tmp_path / "model.keras"
    choice = data.draw(st.sampled_from(["bytes", "config", "archive"]))
    if choice == "bytes":
        path.write_bytes(data.draw(st.binary(max_size=512)))
    elif choice == "config":
        path.write_bytes(
            with_member(
                model_archive, "config.json", lambda raw: json.dumps(mutate_json(json.loads(raw), data)).encode()
            )
        )
    else:
        path.write_bytes(flip_bytes(model_archive, data))
    model = loads_or_refuses_in_one_line(load_trained_model, path)
    assert model is None or model.output_shape[1:] == (10,)


def real_idx() -> bytes:
    images, _ = make_images(per_class=1, seed=0)
    return idx_bytes(images)


@FUZZ
@given(data=st.data())
def test_idx_files(tmp_path, data):
    content = data.draw(st.binary(max_size=256)) if data.draw(st.booleans()) else flip_bytes(real_idx()[:64], data)
    content += real_idx()[64:] if data.draw(st.booleans()) else b""
    if data.draw(st.booleans()):
        content = gzip.compress(content, mtime=0)
    path = tmp_path / "images.idx.gz"
    path.write_bytes(content)
    loaded = loads_or_refuses_in_one_line(load_inputs, path)
    assert loaded is None or all(image.shape == (28, 28) for _, image in loaded)
    if content.startswith(b"\x1f\x8b"):
        images = loads_or_refuses_in_one_line(lambda where: read_idx(where, dimensions=3), path)
        assert images is None or images.ndim == 3


def real_png() -> bytes:
    output = io.BytesIO()
    Image.fromarray(np.arange(24 * 16, dtype=np.uint16).reshape(24, 16).astype(np.uint8)).save(output, format="PNG")
    return output.getvalue()


@FUZZ
@given(data=st.data())
def test_pictures(tmp_path, data):
    path = tmp_path / data.draw(st.sampled_from(["picture.png", "picture.jpg"]))
    path.write_bytes(data.draw(st.binary(max_size=256)) if data.draw(st.booleans()) else flip_bytes(real_png(), data))
    picture = loads_or_refuses_in_one_line(load_picture, path)
    assert picture is None or (picture.shape == (28, 28) and picture.min() >= 0 and picture.max() <= 1)


@FUZZ
@given(content=st.binary(max_size=256) | JSON_VALUES.map(lambda value: json.dumps(value).encode()))
def test_files_one_stage_hands_another(tmp_path, content):
    path = tmp_path / "handoff"
    path.write_bytes(content)
    rate = loads_or_refuses_in_one_line(read_suggested_learning_rate, path)
    assert rate is None or 0 < rate <= 10
    accuracy = loads_or_refuses_in_one_line(read_validation_accuracy, path)
    assert accuracy is None or 0 <= accuracy <= 1
    history = loads_or_refuses_in_one_line(read_history, path)
    assert history is None or set(history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
