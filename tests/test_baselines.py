"""The baseline stage: scikit-learn classifiers named in params.yaml, fitted, saved safely and reproducibly."""

import json

import numpy as np
import pytest
import skops.io
import yaml
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.svm import LinearSVC
from synthetic import write_params

from fashion.baselines.estimators import class_probabilities
from fashion.baselines.saving import load_baseline
from fashion.core import paths
from fashion.core.errors import PipelineError
from stages import baseline


def set_baseline(project, name: str, entry: dict) -> None:
    params = yaml.safe_load((project / "params.yaml").read_text())
    params["baselines"] = {name: entry}
    write_params(project, params)


BAD_ENTRIES = [
    # (entry, words the one-line message must contain)
    ({"estimator": "RandomForest"}, "baselines.bad.estimator 'RandomForest' is not a scikit-learn classifier"),
    (
        {"estimator": "GaussianNB", "arguments": {"smoothing": 1}},
        "smoothing is not an argument of GaussianNB",
    ),
    ({"estimator": "RandomForestClassifier", "arguments": {"random_state": 3}}, "give `seed` instead"),
    ({"estimator": "RandomForestClassifier", "arguments": {"n_jobs": 4}}, "arguments.n_jobs is set by the stage"),
    ({"estimator": "MLPClassifier", "arguments": {"verbose": True}}, "verbose changes only what is printed"),
    ({"estimator": "KNeighborsClassifier", "seed": 3}, "baselines.bad.seed is set, but KNeighborsClassifier has no"),
    ({"estimator": "RandomForestClassifier", "arguments": {"n_estimators": -1}}, "'n_estimators' parameter of"),
    ({"estimator": "GaussianNB", "standardise": True}, "unknown key 'baselines.bad.standardise'"),
    ({"estimator": "GaussianNB", "arguments": {"priors": {"a": 1}}}, "baselines.bad.arguments.priors must be"),
]


@pytest.mark.parametrize(("entry", "expected"), BAD_ENTRIES, ids=[case[1][:40] for case in BAD_ENTRIES])
def test_bad_baseline_gives_one_line_and_writes_nothing(processed_project, capsys, entry, expected):
    set_baseline(processed_project, "bad", entry)
    assert baseline.main(["--name", "bad"]) == 1
    error = capsys.readouterr().err
    assert expected in error, error
    assert len(error.strip().splitlines()) == 1 and "Traceback" not in error
    assert not paths.baseline_file("bad").exists() and not paths.baseline_metrics_file("bad").exists()


def test_a_baseline_may_not_take_a_models_name(project, capsys):
    set_baseline(project, "model_1", {"estimator": "GaussianNB"})
    assert baseline.main(["--name", "model_1"]) == 1
    assert "baselines.model_1 must be a name that no entry of models: uses" in capsys.readouterr().err


def test_a_fitted_baseline_is_saved_byte_identically_and_scores_as_it_did(processed_project):
    set_baseline(processed_project, "forest", {"estimator": "RandomForestClassifier", "arguments": {"n_estimators": 5}})
    assert baseline.main(["--name", "forest"]) == 0
    first = paths.baseline_file("forest").read_bytes()
    metrics = json.loads(paths.baseline_metrics_file("forest").read_text())
    assert baseline.main(["--name", "forest"]) == 0
    assert paths.baseline_file("forest").read_bytes() == first
    assert metrics["stored_bytes"] == len(first)

    images = np.load(paths.PROCESSED_DIR / "validation_images.npy")
    labels = np.load(paths.PROCESSED_DIR / "validation_labels.npy")
    predicted = class_probabilities(load_baseline(paths.baseline_file("forest")), images, 10).argmax(axis=1)
    assert float((predicted == labels).mean()) == metrics["validation_accuracy"]
    assert json.loads(paths.timing_file("forest").read_text())["training_seconds"] > 0


def test_the_seed_changes_a_random_estimator(processed_project):
    saved = []
    for seed in (1, 2):
        set_baseline(processed_project, "forest", {"estimator": "RandomForestClassifier", "seed": seed,
                                                   "arguments": {"n_estimators": 3}})  # fmt: skip
        assert baseline.main(["--name", "forest"]) == 0
        saved.append(paths.baseline_file("forest").read_bytes())
    assert saved[0] != saved[1]


def shout(features):
    return features


def test_loading_refuses_types_from_outside_scikit_learn(tmp_path):
    path = tmp_path / "unsafe.skops"
    skops.io.dump(make_pipeline(FunctionTransformer(shout)), path)  # a function of this test module
    with pytest.raises(PipelineError, match="which no baseline of this project stores; refusing it"):
        load_baseline(path)


def test_a_classifier_without_probabilities_gives_all_to_its_prediction():
    random = np.random.default_rng(0)
    images, labels = random.random((60, 28, 28)).astype(np.float32), np.arange(60) % 3
    classifier = make_pipeline(LinearSVC()).fit(images.reshape(60, -1), labels)
    probabilities = class_probabilities(classifier, images, 3)
    assert probabilities.shape == (60, 3)
    np.testing.assert_array_equal(probabilities.sum(axis=1), 1.0)
    np.testing.assert_array_equal(probabilities.argmax(axis=1), classifier.predict(images.reshape(60, -1)))
