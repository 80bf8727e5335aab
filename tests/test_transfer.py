"""Transfer learning: a backbone's weights fetched by pretrained@<name>, pinned by hash, and fine-tuned.

These machines cannot download ImageNet weights, so the whole path runs with
a weights file the test makes: a randomly initialized backbone saved in the
same Keras HDF5 format as Keras Applications' files, served from a file:// URL.
"""

import hashlib

import h5py
import numpy as np
import pytest
import yaml
from synthetic import REPOSITORY_ROOT, write_params

from fashion.core import paths
from fashion.core.errors import PipelineError
from fashion.core.params import load_params, validate_params
from stages import pretrained, train

INPUT_SIZE = 32  # the smallest the Applications networks take: seconds per epoch on tiny data


def transfer_entry(**changes) -> dict:
    """A tiny `transfer` entry (MobileNetV3Small at 32x32) with `changes`."""
    entry = {"architecture": "transfer", "backbone": "mobilenet_v3_small", "input_size": INPUT_SIZE,
             "optimizer": "adam", "learning_rate": 0.001, "epochs": 1, "batch_size": 16, "seed": 3}  # fmt: skip
    return {**entry, **changes}


def write_backbone_weights(path, seed: int) -> list[np.ndarray]:
    """A random MobileNetV3Small's weights at `path` in Keras's HDF5 weights format; the weights."""
    from keras.src.legacy.saving.legacy_h5_format import save_weights_to_hdf5_group

    from fashion.core.tensorflow_setup import keras

    keras.utils.set_random_seed(seed)
    backbone = keras.applications.MobileNetV3Small(
        input_shape=(INPUT_SIZE, INPUT_SIZE, 3), include_top=False, weights=None, pooling="avg"
    )
    with h5py.File(path, "w") as file:
        save_weights_to_hdf5_group(file, backbone)
    return backbone.get_weights()


def with_transfer(project, url: str, sha256: str, **entry) -> None:
    params = yaml.safe_load(paths.PARAMS_FILE.read_text())
    params["pretrained_weights"] = {"backbone": {"url": url, "sha256": sha256}}
    params["models"]["transfer"] = transfer_entry(pretrained="backbone", **entry)
    write_params(project, params)


def test_a_pinned_backbone_is_fetched_loaded_and_fine_tuned_through_the_stages(processed_project, tmp_path):
    source = tmp_path / "weights_mobilenet_v3_small_no_top.h5"
    expected = write_backbone_weights(source, seed=11)
    with_transfer(processed_project, source.as_uri(), hashlib.sha256(source.read_bytes()).hexdigest())

    assert pretrained.main(["--name", "backbone"]) == 0
    assert paths.pretrained_file("backbone").read_bytes() == source.read_bytes()
    entry = load_params(paths.PARAMS_FILE).model("transfer")
    assert entry.description == f"mobilenet_v3_small at {INPUT_SIZE}x{INPUT_SIZE}, from backbone"
    built = entry.build("float32")
    backbone = next(layer for layer in built.layers if layer.name.startswith("MobileNetV3"))
    assert all(np.array_equal(a, b) for a, b in zip(backbone.get_weights(), expected, strict=True))

    assert train.main(["--model", "transfer"]) == 0
    from fashion.models.saving import load_trained_model

    trained = load_trained_model(paths.model_file("transfer"))
    images = np.load(paths.PROCESSED_DIR / "validation_images.npy")[:4]
    probabilities = trained.predict(images, verbose=0)
    assert probabilities.shape == (4, 10) and np.allclose(probabilities.sum(axis=1), 1, atol=1e-5)
    trained_backbone = next(layer for layer in trained.layers if layer.name.startswith("MobileNetV3"))
    assert not all(np.array_equal(a, b) for a, b in zip(trained_backbone.get_weights(), expected, strict=True))


def test_random_initial_weights_need_no_file(processed_project):
    params = yaml.safe_load(paths.PARAMS_FILE.read_text())
    params["models"]["transfer"] = transfer_entry()
    write_params(processed_project, params)
    assert load_params(paths.PARAMS_FILE).model("transfer").description.endswith("random initial weights")
    assert train.main(["--model", "transfer"]) == 0
    assert paths.model_file("transfer").exists()


def test_a_file_that_is_not_the_pinned_one_is_refused_and_nothing_is_kept(processed_project, tmp_path, capsys):
    source = tmp_path / "weights.h5"
    write_backbone_weights(source, seed=11)
    with_transfer(processed_project, source.as_uri(), "0" * 64)
    assert pretrained.main(["--name", "backbone"]) == 1
    error = capsys.readouterr().err.strip()
    assert "pretrained_weights.backbone" in error and "not the pinned" in error and "\n" not in error
    assert not paths.pretrained_file("backbone").exists() and not list(paths.PRETRAINED_DIR.glob(".*tmp*"))

    params = yaml.safe_load(paths.PARAMS_FILE.read_text())
    params["pretrained_weights"]["backbone"] |= {"sha256": hashlib.sha256(source.read_bytes()).hexdigest(),
                                                 "maximum_megabytes": 1}  # fmt: skip
    write_params(processed_project, params)
    assert source.stat().st_size > 1 << 20
    assert pretrained.main(["--name", "backbone"]) == 1
    assert "more than" in capsys.readouterr().err and not paths.pretrained_file("backbone").exists()


def test_training_before_the_weights_are_fetched_says_which_stage_to_run(processed_project, tmp_path, capsys):
    with_transfer(processed_project, (tmp_path / "absent.h5").as_uri(), "0" * 64)
    assert train.main(["--model", "transfer"]) == 1
    assert "Run `dvc repro pretrained@backbone` first" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"models": {"transfer": transfer_entry(pretrained="nothing")}},
         "models.transfer.pretrained must be an entry of pretrained_weights: (none), or left out"),
        ({"pretrained_weights": {"w": {"url": "file:///tmp/w.h5"}}}, "sha256 must be given, or md5 instead"),
        ({"pretrained_weights": {"w": {"url": "file:///tmp/w.h5", "sha256": "0" * 64, "md5": "0" * 32}}},
         "sha256 must be given, or md5 instead"),
        ({"pretrained_weights": {"w": {"url": "ftp://host/w.h5", "md5": "0" * 32}}}, "pretrained_weights.w.url"),
        ({"models": {"transfer": transfer_entry(backbone="resnet_1000")}}, "models.transfer.backbone"),
        ({"models": {"transfer": transfer_entry(input_size=16)}}, "models.transfer.input_size"),
    ],
)  # fmt: skip
def test_a_bad_transfer_or_weights_entry_is_refused_in_one_line(project, changes, named):
    params = yaml.safe_load(paths.PARAMS_FILE.read_text())
    for section, entries in changes.items():
        params[section] = {**params.get(section, {}), **entries}
    with pytest.raises(PipelineError, match=named.replace("(", r"\(").replace(")", r"\)")) as raised:
        validate_params(params)
    assert "\n" not in str(raised.value)


def test_the_documented_entry_is_valid_and_pins_the_file_keras_pins(project):
    from keras.src.applications import mobilenet_v3

    guide = (REPOSITORY_ROOT / "docs" / "models.md").read_text()
    after = guide[guide.index("To try it on a machine with") :]
    block = after[after.index("```yaml\n") + len("```yaml\n") :]
    documented = yaml.safe_load(block[: block.index("```")])
    params = yaml.safe_load(paths.PARAMS_FILE.read_text())
    params["pretrained_weights"] = documented["pretrained_weights"]
    params["models"].update(documented["models"])
    validated = validate_params(params)
    weights = validated.pretrained_weights[validated.model("mobilenet").pretrained]
    # The file and hash keras.applications itself downloads and checks for this backbone.
    assert weights.url == mobilenet_v3.BASE_WEIGHT_PATH + "weights_mobilenet_v3_small_224_1.0_float_no_top_v2.h5"
    assert weights.md5 == mobilenet_v3.WEIGHTS_HASHES["small_224_1.0_float"][1]
