"""Build a scikit-learn classifier from its class name and keyword arguments, as `baselines:` names it.

A baseline sees each image as 784 pixel values in [0, 1]; with `standardize`
a `StandardScaler` fitted on the training split comes first, as in the
dataset's published benchmark. `random_state` comes from the entry's `seed`
and `n_jobs` is every core, so neither may be given among the arguments:
the first would duplicate `seed`, the second changes no result.
"""

import time
import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from fashion.core.dataset import NUMBER_OF_CLASSES
from fashion.core.errors import PipelineError
from fashion.core.params import Baseline
from fashion.core.params.data_rules import check_baseline


def build_baseline(params: Baseline) -> Pipeline:
    """The entry's classifier (after a scaler when `standardize`), checked by `check_baseline` first."""
    estimator_class = check_baseline(params)
    accepted = estimator_class().get_params(deep=False)
    settings = dict(params.arguments)
    if "random_state" in accepted:
        settings["random_state"] = 0 if params.seed is None else params.seed
    if "n_jobs" in accepted:
        settings["n_jobs"] = -1
    estimator = estimator_class(**settings)
    return make_pipeline(StandardScaler(), estimator) if params.standardize else make_pipeline(estimator)


@dataclass
class FittedBaseline:
    """A fitted baseline, its accuracy on the validation split and how long the fit took."""

    pipeline: Pipeline
    validation_accuracy: float
    fit_seconds: float


def train_baseline(
    params: Baseline, training: tuple[np.ndarray, np.ndarray], validation: tuple[np.ndarray, np.ndarray]
) -> FittedBaseline:
    """Build the entry's classifier, fit it on `training` and score it on `validation` (never the test set)."""
    pipeline = build_baseline(params)
    started = time.perf_counter()
    fit_baseline(pipeline, *training, params.name)
    fit_seconds = time.perf_counter() - started
    images, labels = validation
    predicted = class_probabilities(pipeline, images, NUMBER_OF_CLASSES).argmax(axis=1)
    return FittedBaseline(pipeline, float((predicted == labels).mean()), fit_seconds)


def fit_baseline(pipeline: Pipeline, images: np.ndarray, labels: np.ndarray, name: str) -> Pipeline:
    """Fit on flattened images; an argument value scikit-learn rejects becomes one line, before any work."""
    try:
        with warnings.catch_warnings():
            # Some estimators keep an n_jobs argument that no longer does anything; the stage sets it for all.
            warnings.filterwarnings("ignore", message="'n_jobs' has no effect", category=FutureWarning)
            return pipeline.fit(flatten(images), labels)
    except ValueError as error:
        if type(error).__name__ != "InvalidParameterError":
            raise
        raise PipelineError(f"params.yaml: baselines.{name}.arguments: {error}") from error


def flatten(images: np.ndarray) -> np.ndarray:
    """N x 28 x 28 images as N x 784 rows of features."""
    return images.reshape(len(images), -1)


def class_probabilities(pipeline: Pipeline, images: np.ndarray, classes: int) -> np.ndarray:
    """N x classes probabilities; a classifier without `predict_proba` gives all of it to its predicted class."""
    features = flatten(images)
    if hasattr(pipeline, "predict_proba"):
        try:
            return pipeline.predict_proba(features).astype(np.float32)
        except AttributeError:  # e.g. SVC without probability=True: the method exists but refuses
            pass
    return np.eye(classes, dtype=np.float32)[pipeline.predict(features)]
