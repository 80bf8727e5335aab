"""predict.py: pictures of any size and mode, IDX files, bad files, JSON output."""

import gzip
import json

import numpy as np
import pytest
from PIL import Image
from synthetic import idx_bytes, make_images

import predict
from fashion.core.architectures.dense import build_dense_model
from fashion.core.errors import PipelineError
from fashion.core.tensorflow_setup import make_deterministic
from fashion.data.images import load_picture, to_fashion_mnist
from fashion.data.input_pipeline import one_hot
from fashion.serving.predict import load_inputs, top_classes
from fashion.training.optimization import compile_classifier


def garment_on_white(width=60, height=90) -> np.ndarray:
    """A dark rectangle (the garment) on a white background, like a product photo."""
    picture = np.full((height, width), 255, dtype=np.uint8)
    picture[height // 4 : 3 * height // 4, width // 4 : 3 * width // 4] = 40
    return picture


def test_a_product_photo_becomes_a_light_garment_on_black():
    image = to_fashion_mnist(garment_on_white())
    assert image.shape == (28, 28) and image.dtype == np.float32
    assert image.min() >= 0.0 and image.max() <= 1.0
    assert image[0, 0] < 0.05  # The white background became black...
    assert image[14, 14] > 0.7  # ...and the dark garment light.


def test_a_training_like_image_is_not_inverted():
    dark_background = 255 - garment_on_white(28, 28)
    np.testing.assert_allclose(to_fashion_mnist(dark_background), dark_background / 255.0, atol=1e-6)


def test_aspect_ratio_is_kept_by_padding_with_the_background():
    wide = np.zeros((10, 40), dtype=np.uint8)
    wide[:, :] = 200  # A light, wide garment filling the whole picture, on no border...
    wide[0, :] = wide[-1, :] = wide[:, 0] = wide[:, -1] = 0  # ...but a dark border.
    image = to_fashion_mnist(wide)
    assert image[0:8].max() < 0.1 and image[-8:].max() < 0.1  # Padding above and below.
    assert image[14, 3:25].min() > 0.5


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "L", "P", "I;16"])
def test_pictures_of_every_mode_load(tmp_path, mode):
    picture = Image.fromarray(garment_on_white()).convert("RGB").convert(mode)
    path = tmp_path / "picture.png"
    picture.save(path)
    image = load_picture(path)
    assert image.shape == (28, 28)
    assert image[14, 14] > image[0, 0]


def test_a_file_that_is_not_an_image_gets_a_clear_error(tmp_path):
    path = tmp_path / "notes.png"
    path.write_text("not an image")
    with pytest.raises(PipelineError, match=r"notes\.png: not a readable PNG or JPEG image"):
        load_picture(path)


def test_idx_files_give_one_input_per_image(tmp_path):
    images, _ = make_images(per_class=1, seed=0)
    path = tmp_path / "images.gz"
    path.write_bytes(gzip.compress(idx_bytes(images)))
    inputs = load_inputs(path)
    assert [name for name, _ in inputs][:2] == [f"{path}[0]", f"{path}[1]"]
    np.testing.assert_allclose(inputs[3][1], images[3] / 255.0)


def test_top_classes_are_sorted_and_named():
    probabilities = np.array([0.05, 0.6, 0.0, 0.3, 0.05, 0, 0, 0, 0, 0])
    assert top_classes(probabilities, 2) == [
        {"class": "Trouser", "probability": 0.6},
        {"class": "Dress", "probability": 0.3},
    ]


@pytest.fixture
def trained_model_file(tmp_path):
    """A tiny model trained for a few steps on the synthetic classes."""
    make_deterministic(0)
    images, labels = make_images(per_class=20, seed=0)
    model = build_dense_model((16,), "relu", "unit", 28, 10)
    compile_classifier(model, "adam", 0.01)
    model.fit(images / 255.0, one_hot(labels), epochs=3, batch_size=32, verbose=0)
    path = tmp_path / "model.keras"
    model.save(path)
    return path


def test_predict_classifies_good_files_and_reports_bad_ones(tmp_path, trained_model_file, capsys):
    Image.fromarray(garment_on_white()).save(tmp_path / "shirt.jpg", quality=90)
    Image.fromarray(garment_on_white(200, 120)).convert("RGBA").save(tmp_path / "boot.png")
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n truncated")
    (tmp_path / "data.csv").write_text("1,2,3")
    files = ["shirt.jpg", "broken.png", "boot.png", "data.csv", "missing.png"]

    exit_code = predict.main(
        ["--model", str(trained_model_file), "--top-k", "2", "--json", *[str(tmp_path / name) for name in files]]
    )

    results = json.loads(capsys.readouterr().out)
    assert exit_code == 1
    assert [result["input"] for result in results] == [str(tmp_path / name) for name in files]
    by_name = {result["input"].split("/")[-1]: result for result in results}
    for good in ("shirt.jpg", "boot.png"):
        predictions = by_name[good]["predictions"]
        assert len(predictions) == 2
        assert predictions[0]["probability"] >= predictions[1]["probability"]
    assert "not a readable PNG or JPEG image" in by_name["broken.png"]["error"]
    assert "not a PNG, JPEG or IDX image file" in by_name["data.csv"]["error"]
    assert "no such file" in by_name["missing.png"]["error"]


def test_predict_prints_one_line_per_image(tmp_path, trained_model_file, capsys):
    Image.fromarray(garment_on_white()).save(tmp_path / "shirt.png")
    assert predict.main(["--model", str(trained_model_file), str(tmp_path / "shirt.png")]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith(f"{tmp_path / 'shirt.png'}: ")
    assert line.count(",") == 2  # Three classes by default.


def test_predict_with_a_missing_model_says_how_to_get_one(tmp_path, capsys):
    assert predict.main(["--model", str(tmp_path / "absent.keras"), "x.png"]) == 1
    assert "Run `dvc repro` to train it first" in capsys.readouterr().err


def test_predict_uses_the_exported_model_by_default(tmp_path, trained_model_file, monkeypatch, capsys):
    """Without --model: the model metrics/export.json names (what the export stage chose), not a fixed one."""
    monkeypatch.chdir(tmp_path)
    Image.fromarray(garment_on_white()).save(tmp_path / "shirt.png")
    assert predict.main(["shirt.png"]) == 1  # nothing exported yet
    assert "No exported model here (metrics/export.json is missing). Run `dvc repro export`" in capsys.readouterr().err
    (tmp_path / "metrics").mkdir()
    (tmp_path / "metrics" / "export.json").write_text(json.dumps({"model": "cnn"}))
    (tmp_path / "models").mkdir()
    trained_model_file.rename(tmp_path / "models" / "cnn.keras")
    assert predict.main(["--top-k", "1", "shirt.png"]) == 0
    assert capsys.readouterr().out.startswith("shirt.png: ")
    (tmp_path / "metrics" / "export.json").write_text(json.dumps({"model": "../../etc/passwd"}))
    assert predict.main(["shirt.png"]) == 1
    assert "metrics/export.json names no model ('../../etc/passwd')" in capsys.readouterr().err
