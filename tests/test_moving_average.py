"""The moving average of the weights: kept only when better on validation, and what is saved is what was scored."""

import json

import numpy as np
import pytest
import yaml
from synthetic import with_multi_worker_strategy, write_params

from fashion.core import paths
from fashion.data.arrays import load_split
from stages import train


def small_classifier(moving_average_momentum: float):
    """A dense classifier on 8 features, compiled with a weight average, and separable data it learns fast."""
    from fashion.core.tensorflow_setup import keras, make_deterministic, tf
    from fashion.training.optimization import make_loss, make_optimizer

    make_deterministic(0)
    features = np.random.default_rng(0).normal(size=(512, 8)).astype(np.float32)
    labels = np.eye(2, dtype=np.float32)[(features[:, 0] > 0).astype(int)]
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(2, activation="softmax")])
    optimizer = make_optimizer("adam", 0.05, moving_average_momentum=moving_average_momentum)
    model.compile(optimizer=optimizer, loss=make_loss(), metrics=["accuracy"])
    return model, (features, labels), tf.data.Dataset.from_tensor_slices((features, labels)).batch(128)


def test_the_average_is_kept_when_it_scores_higher():
    from fashion.training.moving_average import keep_better_weights

    model, (features, labels), batches = small_classifier(moving_average_momentum=0.5)
    untrained = model.get_weights()
    model.fit(features, labels, epochs=5, batch_size=32, verbose=0)
    # Offer the untrained weights as the trained ones: the average of the trained steps must beat them.
    choice = keep_better_weights(model, untrained, batches)
    assert choice["kept_weights"] == "moving_average"
    assert choice["moving_average_validation_accuracy"] > choice["trained_validation_accuracy"]
    kept_accuracy = float(np.mean(model.predict(features, verbose=0).argmax(1) == labels.argmax(1)))
    assert kept_accuracy == pytest.approx(choice["validation_accuracy"]) == choice["moving_average_validation_accuracy"]


def test_the_trained_weights_stay_when_the_average_lags_behind():
    from fashion.training.moving_average import LastEpochWeights, keep_better_weights

    # A momentum this close to 1 leaves the average near the initial weights after a few steps.
    model, (features, labels), batches = small_classifier(moving_average_momentum=0.9999)
    last = LastEpochWeights()
    model.fit(features, labels, epochs=5, batch_size=32, verbose=0, callbacks=[last])
    choice = keep_better_weights(model, last.weights, batches)
    assert choice["kept_weights"] == "trained"
    assert choice["trained_validation_accuracy"] > choice["moving_average_validation_accuracy"]
    for kept, trained in zip(model.get_weights(), last.weights, strict=True):
        np.testing.assert_array_equal(kept, trained)


@pytest.mark.parametrize("restore_best_epoch", [True, False])
def test_the_train_stage_saves_the_weights_it_reports(processed_project, restore_best_epoch):
    params = yaml.safe_load(paths.PARAMS_FILE.read_text())
    params["models"]["model_1"].update(
        epochs=4, learning_rate=0.02, hidden_units=[16], moving_average_momentum=0.9,
        restore_best_epoch=restore_best_epoch,
    )  # fmt: skip
    write_params(processed_project, params)
    assert train.main(["--model", "model_1"]) == 0
    metrics = json.loads(paths.train_metrics_file("model_1").read_text())
    history = [row.split(",") for row in paths.history_file("model_1").read_text().splitlines()[1:]]
    kept_epoch = metrics.get("kept_epoch", len(history))
    # The trained candidate is the kept epoch's weights, scored as the history scored them.
    assert metrics["trained_validation_accuracy"] == pytest.approx(float(history[kept_epoch - 1][4]), abs=1e-6)
    better = max(metrics["trained_validation_accuracy"], metrics["moving_average_validation_accuracy"])
    assert metrics["validation_accuracy"] == better
    average_wins = metrics["moving_average_validation_accuracy"] > metrics["trained_validation_accuracy"]
    assert metrics["kept_weights"] == ("moving_average" if average_wins else "trained")

    from fashion.models.saving import load_trained_model

    images, labels = load_split(paths.PROCESSED_DIR, "validation")
    predicted = load_trained_model(paths.model_file("model_1")).predict(images, verbose=0).argmax(axis=1)
    assert float(np.mean(predicted == labels)) == pytest.approx(metrics["validation_accuracy"], abs=1e-6)


def test_a_moving_average_with_multi_worker_training_is_one_line_and_writes_nothing(processed_project, capsys):
    params = yaml.safe_load(paths.PARAMS_FILE.read_text())
    params["models"]["model_1"]["moving_average_momentum"] = 0.99
    write_params(processed_project, with_multi_worker_strategy(params))
    assert train.main(["--model", "model_1"]) == 1
    error = capsys.readouterr().err.strip()
    assert "model_1's moving_average_momentum needs Keras's own training loop" in error and "\n" not in error
    assert not any(path.exists() for path in paths.train_outputs("model_1"))
