"""Files crafted by an attacker: none runs code, exhausts memory or prints more than a short line.

Each test is a row of the threat model in docs/reliability.md ("Untrusted files").
"""

import gzip
import http.server
import io
import json
import os
import pickle
import threading
import time
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest
import skops.io
import yaml
from PIL import Image
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from synthetic import REPOSITORY_ROOT, idx_bytes, make_images

from fashion.baselines.estimators import build_baseline, fit_baseline
from fashion.baselines.saving import STORED_TYPES, canonical_archive, load_baseline, save_baseline
from fashion.core import paths
from fashion.core.dataset import TRAIN_LABELS_FILE
from fashion.core.errors import MAXIMUM_MESSAGE_CHARACTERS, PipelineError
from fashion.core.params import load_params
from fashion.data.download import MirrorError, download_file, fetch
from fashion.data.images import load_picture
from fashion.serving.predict import load_inputs

# A gadget's side effect: if this file appears, a hostile file ran code.
MARKER = "pwned"


def assert_one_short_line(error: Exception) -> None:
    message = str(error)
    assert "\n" not in message and len(message) <= MAXIMUM_MESSAGE_CHARACTERS, message[:300]


# Baselines: skops files whose schema asks for code.


def tuple_node(*items) -> dict:
    return {"__class__": "tuple", "__module__": "builtins", "__loader__": "TupleNode", "content": list(items)}


def call_node(module: str, function: str, *arguments) -> dict:
    """A node that skops builds by calling `module.function(*arguments)`."""
    return {
        "__class__": function,
        "__module__": module,
        "__loader__": "ConstructorFromReduceNode",
        "content": tuple_node(*arguments),
    }


def empty_dict() -> dict:
    return {
        "__class__": "dict",
        "__module__": "builtins",
        "__loader__": "DictNode",
        "content": {},
        "key_types": tuple_node(),
    }


def function_node(module: str, name: str) -> dict:
    return {"__class__": name, "__module__": module, "__loader__": "FunctionNode", "content": {}}


class ShellOnUnpickle:
    """What `numpy.load(..., allow_pickle=True)` of an attacker's file runs: a shell command."""

    def __init__(self, command: str):
        self.command = command

    def __reduce__(self):
        return os.system, (self.command,)


def write_marker_code(directory: Path) -> str:
    return f"open({str(directory / MARKER)!r}, 'w').write('ran')"


def json_value(value) -> dict:
    """Any JSON value as skops stores it (skops trusts such a node whatever its class says)."""
    return {"__class__": "str", "__module__": "builtins", "__loader__": "JsonNode", "content": json.dumps(value)}


def hostile_nodes(directory: Path) -> dict[str, dict]:
    """Attribute values an attacker puts into a fitted pipeline's schema, by the gadget they use."""
    pickled = directory / "payload.npy"
    pickled.write_bytes(pickle.dumps(ShellOnUnpickle(f"touch {directory / MARKER}")))
    code = write_marker_code(directory)
    shell = json_value(f"touch {directory / MARKER}")
    return {
        "builtins.exec": call_node("builtins", "exec", json_value(code)),
        "builtins.eval": call_node("builtins", "eval", json_value(f"exec({code!r})")),
        "numpy.load with allow_pickle": call_node(
            "numpy", "load", json_value(str(pickled)), json_value(None), json_value(True)
        ),
        "operator.methodcaller gadget": {
            "__class__": "methodcaller",
            "__module__": "operator",
            "__loader__": "OperatorFuncNode",
            "attrs": tuple_node(json_value("system"), shell),
        },
        "functools.partial gadget": {
            "__class__": "partial",
            "__module__": "functools",
            "__loader__": "PartialNode",
            "content": {
                "func": function_node("os", "system"),
                "args": tuple_node(shell),
                "kwds": empty_dict(),
                "namespace": json_value(None),
            },
        },
    }


def fitted_pipeline_archive() -> bytes:
    images, labels = make_images(per_class=5, seed=0)
    pipeline = make_pipeline(StandardScaler(), LogisticRegression(max_iter=5))
    pipeline.fit(images.reshape(len(images), -1) / 255.0, labels)
    return canonical_archive(skops.io.dumps(pipeline))


def with_schema(archive: bytes, change) -> bytes:
    """`archive` with `change(schema)` applied to its schema.json."""
    source, output = zipfile.ZipFile(io.BytesIO(archive)), io.BytesIO()
    with zipfile.ZipFile(output, "w") as target:
        for member in source.infolist():
            content = source.read(member.filename)
            if member.filename == "schema.json":
                schema = json.loads(content)
                change(schema)
                content = json.dumps(schema).encode()
            target.writestr(member.filename, content)
    return output.getvalue()


def scaler_attributes(schema: dict) -> dict:
    return schema["content"]["content"]["steps"]["content"][0]["content"][1]["content"]["content"]


def classifier_attributes(schema: dict) -> dict:
    return schema["content"]["content"]["steps"]["content"][1]["content"][1]["content"]["content"]


@pytest.fixture(scope="module")
def pipeline_archive() -> bytes:
    return fitted_pipeline_archive()


@pytest.mark.parametrize(
    "gadget",
    [
        "builtins.exec",
        "builtins.eval",
        "numpy.load with allow_pickle",
        "operator.methodcaller gadget",
        "functools.partial gadget",
    ],
)
def test_a_baseline_that_asks_for_code_is_refused_before_anything_runs(tmp_path, pipeline_archive, gadget):
    node = hostile_nodes(tmp_path)[gadget]
    path = tmp_path / "hostile.skops"
    path.write_bytes(with_schema(pipeline_archive, lambda schema: scaler_attributes(schema).update(with_mean=node)))
    with pytest.raises(PipelineError, match="which no baseline of this project stores; refusing it") as raised:
        load_baseline(path)
    assert_one_short_line(raised.value)
    assert not (tmp_path / MARKER).exists()


def test_a_type_from_outside_scikit_learn_deep_in_a_pipeline_is_refused(tmp_path, pipeline_archive):
    foreign = {
        "__class__": "OrderedDict",
        "__module__": "collections",
        "__loader__": "ObjectNode",
        "content": empty_dict(),
    }
    nested = {"__class__": "list", "__module__": "builtins", "__loader__": "ListNode", "content": [tuple_node(foreign)]}

    def change(schema):
        classifier_attributes(schema)["classes_"] = nested

    path = tmp_path / "foreign.skops"
    path.write_bytes(with_schema(pipeline_archive, change))
    with pytest.raises(PipelineError, match=r"'collections\.OrderedDict', which no baseline of this project stores"):
        load_baseline(path)


def test_the_evaluate_stage_refuses_a_hostile_baseline(tmp_path, pipeline_archive):
    from fashion.evaluation.report import score_model

    node = hostile_nodes(tmp_path)["builtins.exec"]
    path = tmp_path / "hostile.skops"
    path.write_bytes(with_schema(pipeline_archive, lambda schema: scaler_attributes(schema).update(with_mean=node)))
    images, labels = make_images(per_class=2, seed=1)
    with pytest.raises(PipelineError, match="refusing it"):
        score_model(path, images / 255.0, labels)
    assert not (tmp_path / MARKER).exists()


def test_every_committed_baseline_stores_only_the_listed_types(tmp_path, monkeypatch):
    """What `save_baseline` writes for each `baselines:` entry of params.yaml is exactly trusted, and loads."""
    monkeypatch.chdir(tmp_path)
    images, labels = make_images(per_class=10, seed=0)
    stored = set()
    for params in load_params(REPOSITORY_ROOT / "params.yaml").baselines.values():
        pipeline = build_baseline(params)
        fit_baseline(pipeline, images / 255.0, labels, params.name)
        save_baseline(pipeline, tmp_path / f"{params.name}.skops")
        stored |= set(skops.io.get_untrusted_types(file=tmp_path / f"{params.name}.skops"))
        assert type(load_baseline(tmp_path / f"{params.name}.skops")[-1]) is type(pipeline[-1])
    assert stored <= set(STORED_TYPES)
    for name in STORED_TYPES:
        module, _, class_name = name.rpartition(".")
        assert not name.startswith("builtins.") and module.startswith("sklearn.") and class_name[:1].isupper()
        assert isinstance(getattr(__import__(module, fromlist=[class_name]), class_name), type)


# Keras models: configs that name code.


def tiny_model_file(directory: Path) -> Path:
    from fashion.core.tensorflow_setup import keras
    from fashion.models.saving import save_model

    inputs = keras.Input(shape=(28, 28))
    outputs = keras.layers.Dense(10, activation="softmax")(keras.layers.Flatten()(inputs))
    path = directory / "model.keras"
    save_model(keras.Model(inputs, outputs), path)
    return path


def with_member(archive_path: Path, member: str, change) -> bytes:
    source, output = zipfile.ZipFile(archive_path), io.BytesIO()
    with zipfile.ZipFile(output, "w") as target:
        for info in source.infolist():
            content = source.read(info.filename)
            target.writestr(info.filename, change(content) if info.filename == member else content)
    return output.getvalue()


def test_a_keras_model_whose_activation_is_os_system_is_one_line(tmp_path, monkeypatch):
    from fashion.models.saving import load_trained_model

    monkeypatch.chdir(tmp_path)
    path = tiny_model_file(tmp_path)

    def system_activation(content: bytes) -> bytes:
        config = json.loads(content)
        dense = next(layer for layer in config["config"]["layers"] if layer["class_name"] == "Dense")
        dense["config"]["activation"] = {"module": "os", "class_name": "function", "config": "system",
                                         "registered_name": "function"}  # fmt: skip
        return json.dumps(config).encode()

    hostile = tmp_path / "hostile.keras"
    hostile.write_bytes(with_member(path, "config.json", system_activation))
    with pytest.raises(PipelineError, match="cannot be loaded in Keras's safe mode") as raised:
        load_trained_model(hostile)
    assert_one_short_line(raised.value)


def test_a_keras_archive_that_unpacks_past_the_limit_is_refused_unread(tmp_path, monkeypatch):
    from fashion.models import saving

    monkeypatch.setattr(saving, "MODEL_BYTES", 1 << 20)
    path = tmp_path / "bomb.keras"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("model.weights.h5", b"\0" * (2 << 20))
    with pytest.raises(PipelineError, match="unpacks to 2,097,152 bytes, more than the 1,048,576"):
        saving.load_trained_model(path)


# Download: mirrors that never stop sending.


def test_a_device_behind_a_file_mirror_is_refused(tmp_path):
    with pytest.raises(MirrorError, match="not a regular file"):
        fetch("file:///dev/zero", tmp_path / "out.gz", 1.0, False, 1 << 20)
    assert not (tmp_path / "out.gz").exists()


@pytest.mark.parametrize("url", ["file:///dev/zero#", "https://example.org/data/?x=1"])
def test_a_mirror_with_a_fragment_or_query_is_refused(tmp_path, url):
    with pytest.raises(MirrorError, match="no query"):
        fetch(url, tmp_path / "out.gz", 1.0, False, 1 << 20)


def test_params_refuse_such_a_mirror_and_an_endless_timeout_before_any_stage(tmp_path):
    params = yaml.safe_load((REPOSITORY_ROOT / "params.yaml").read_text())
    for key, value, problem in (
        ("mirrors", ["file:///dev/zero#"], "no query"),
        ("timeout_seconds", 1.0e300, "between 0.1 and 3600"),
    ):
        changed = {**params, "download": {**params["download"], key: value}}
        (tmp_path / "params.yaml").write_text(yaml.safe_dump(changed))
        with pytest.raises(PipelineError, match=problem) as raised:
            load_params(tmp_path / "params.yaml")
        assert_one_short_line(raised.value)


class EndlessHandler(http.server.BaseHTTPRequestHandler):
    """Sends zeros, without a length, until the client hangs up."""

    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        try:
            while True:
                self.wfile.write(b"\0" * 65536)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, *arguments):
        pass


def test_an_http_mirror_that_never_stops_is_cut_at_the_files_size(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), EndlessHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/"
        with pytest.raises(PipelineError, match=r"sent more than the [0-9,]+ bytes this file can take") as raised:
            download_file(TRAIN_LABELS_FILE, "0" * 64, (url,), tmp_path / "raw" / TRAIN_LABELS_FILE,
                          timeout_seconds=5, show_progress=False)  # fmt: skip
    finally:
        server.shutdown()
    assert "\n  - " in str(raised.value)  # one line per mirror, as for any failed download
    assert list((tmp_path / "raw").iterdir()) == []


# predict.py: files that would exhaust memory, and pictures that would be misread.


def test_a_gzip_bomb_is_refused_after_its_header(tmp_path):
    """2 MB of gzip that would decompress to 2 GiB: refused with its header, far below the bomb's size."""
    header = bytes([0, 0, 8, 3]) + (2_740_000).to_bytes(4, "big") + (28).to_bytes(4, "big") * 2
    bomb = tmp_path / "bomb.idx.gz"
    with gzip.open(bomb, "wb", compresslevel=1) as stream:
        stream.write(header)
        for _ in range(32):
            stream.write(b"\0" * (64 << 20))
    tracemalloc.start()
    started = time.perf_counter()
    with pytest.raises(PipelineError, match="over the 503,316,480 allowed"):
        load_inputs(bomb)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 16 << 20 and time.perf_counter() - started < 2


def test_an_idx_file_longer_than_its_header_is_read_no_further(tmp_path):
    content = idx_bytes(np.zeros((2, 28, 28), dtype=np.uint8)) + b"\0" * (64 << 20)
    path = tmp_path / "long.idx.gz"
    path.write_bytes(gzip.compress(content, compresslevel=1))
    tracemalloc.start()
    with pytest.raises(PipelineError, match="longer than its header says"):
        load_inputs(path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 16 << 20


def test_dev_zero_is_not_read(tmp_path):
    with pytest.raises(PipelineError, match="not a regular file"):
        load_inputs(Path("/dev/zero"))


def test_an_idx_file_with_no_images_is_an_error(tmp_path):
    path = tmp_path / "empty.idx"
    path.write_bytes(idx_bytes(np.zeros((0, 28, 28), dtype=np.uint8)))
    with pytest.raises(PipelineError, match="holds no images"):
        load_inputs(path)


def png_of_declared_size(width: int, height: int) -> bytes:
    """A PNG whose header declares `width` x `height` pixels, with almost no data: what a bomb looks like."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 100)) + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(("width", "height"), [(20_000, 20_000), (8_000, 8_000)])
def test_a_huge_picture_gets_its_own_line_and_the_next_is_still_classified(tmp_path, width, height):
    from fashion.serving.predict import classify

    (tmp_path / "big.png").write_bytes(png_of_declared_size(width, height))
    Image.fromarray(np.full((40, 30), 200, dtype=np.uint8)).save(tmp_path / "ok.png")

    class Uniform:
        def predict(self, images, **keywords):
            return np.full((len(images), 10), 0.1, dtype=np.float32)

    results = classify(Uniform(), [tmp_path / "big.png", tmp_path / "ok.png"], top_k=1)
    assert [result["input"] for result in results] == [str(tmp_path / "big.png"), str(tmp_path / "ok.png")]
    assert "error" in results[0] and "\n" not in results[0]["error"] and "predictions" in results[1]


@pytest.mark.parametrize(("width", "height"), [(4_000, 3_000), (1_500, 1_400)])
def test_a_picture_claiming_more_pixels_than_its_bytes_hold_is_refused_before_decoding(tmp_path, width, height):
    """Under the pixel limit, but far more pixels than a file of its size can hold: a decompression bomb
    (found by tests/test_loaders_fuzz.py: a flipped header made Pillow allocate 84 MB for a 100-byte file)."""
    (tmp_path / "bomb.png").write_bytes(png_of_declared_size(width, height))
    with pytest.raises(PipelineError, match="more than a real picture holds; the file is corrupt") as raised:
        load_picture(tmp_path / "bomb.png")
    assert_one_short_line(raised.value)


def test_a_uniform_picture_compressed_to_the_limit_still_loads(tmp_path):
    """The bound leaves real pictures alone: a plain white 1-bit PNG is as compressed as a PNG gets."""
    Image.new("1", (3_000, 2_000), 1).save(tmp_path / "white.png", optimize=True)
    assert load_picture(tmp_path / "white.png").shape == (28, 28)


def test_a_16_bit_picture_is_scaled_not_clipped(tmp_path):
    eight_bit = np.zeros((60, 40), dtype=np.uint8)
    eight_bit[10:50, 10:30] = 180
    Image.fromarray(eight_bit).save(tmp_path / "eight.png")
    Image.fromarray(eight_bit.astype(np.uint16) * 257).save(tmp_path / "sixteen.png")
    assert Image.open(tmp_path / "sixteen.png").mode.startswith("I")
    np.testing.assert_allclose(load_picture(tmp_path / "sixteen.png"), load_picture(tmp_path / "eight.png"), atol=1e-6)


def test_a_gif_named_png_is_refused(tmp_path):
    Image.fromarray(np.zeros((10, 10), dtype=np.uint8)).save(tmp_path / "fake.png", format="GIF")
    with pytest.raises(PipelineError, match="not a readable PNG or JPEG image") as raised:
        load_picture(tmp_path / "fake.png")
    assert_one_short_line(raised.value)


# params.yaml and the files one stage hands another.


def test_an_alias_bomb_in_params_gives_a_short_line_quickly(tmp_path):
    """11 KB of YAML whose value nests seven levels of aliases, ten each: 72 MB if printed whole."""
    levels = ["&a0 [" + ", ".join(["'" + "x" * 100 + "'"] * 10) + "]"]
    levels += [f"&a{level} [" + ", ".join([f"*a{level - 1}"] * 10) + "]" for level in range(1, 8)]
    text = (REPOSITORY_ROOT / "params.yaml").read_text()
    normalize = text.index("\nnormalize:\n")
    seed = text.index("  seed: ", normalize)
    text = text[:seed] + f"  seed: [{', '.join(levels)}]" + text[text.index("\n", seed) :]
    (tmp_path / "params.yaml").write_text(text)
    started = time.perf_counter()
    with pytest.raises(PipelineError, match=r"normalize\.seed must be an integer") as raised:
        load_params(tmp_path / "params.yaml")
    assert time.perf_counter() - started < 1
    assert_one_short_line(raised.value)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ('{"suggested_learning_rate": -5}', "not a number between 1e-12 and 10"),
        ('{"suggested_learning_rate": NaN}', "not a number between"),
        ('{"suggested_learning_rate": 1e400}', "not a number between"),
        ('{"suggested_learning_rate": "0.01"}', "not a number between"),
        ("[0.01]", "not a JSON object"),
        ("{" * 100_000, "not valid JSON"),
    ],
)
def test_a_tampered_learning_rate_stops_training_before_it_starts(processed_project, capsys, content, problem):
    from stages import train

    paths.LR_FIND_METRICS_FILE.parent.mkdir(parents=True, exist_ok=True)
    paths.LR_FIND_METRICS_FILE.write_text(content)
    name = next(iter(load_params(paths.PARAMS_FILE).lr_find_models))
    assert train.main(["--model", name]) == 1
    message = capsys.readouterr().err
    assert message.startswith("train: error: metrics/lr_find.json") and problem in message
    assert message.count("\n") == 1 and not paths.model_file(name).exists()


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ('{"validation_accuracy": 1.5}', "not a number between 0 and 1"),
        ('{"validation_accuracy": "high"}', "not a number between 0 and 1"),
        ('{"validation_accuracy": 0.9, "padding": "' + "x" * (2 << 20) + '"}', "more than the 1,048,576"),
    ],
)
def test_a_tampered_validation_accuracy_is_refused(tmp_path, content, problem):
    from fashion.core.bounded import read_validation_accuracy

    path = tmp_path / "model.json"
    path.write_text(content)
    with pytest.raises(PipelineError, match=problem) as raised:
        read_validation_accuracy(path)
    assert_one_short_line(raised.value)


def test_a_history_with_an_impossible_accuracy_is_refused(tmp_path):
    from fashion.training.history import read_history

    path = tmp_path / "history.csv"
    path.write_text("epoch,training_loss,training_accuracy,validation_loss,validation_accuracy\n1,0.5,7,nan,nan\n")
    with pytest.raises(PipelineError, match=r"training_accuracy 7\.0, out of range"):
        read_history(path)
