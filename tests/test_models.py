"""Model building from params: layers, shapes, parameter counts, input scaling."""

import itertools

import numpy as np
import pytest
from synthetic import REPOSITORY_ROOT

from fashion.core.architectures.dense import build_dense_model
from fashion.core.params import load_params
from fashion.core.tensorflow_setup import keras
from fashion.training.optimization import compile_classifier


def dense_parameters(layer_sizes):
    """Weights plus biases of a chain of Dense layers."""
    return sum(inputs * outputs + outputs for inputs, outputs in itertools.pairwise(layer_sizes))


@pytest.mark.parametrize(
    ("hidden_units", "input_scaling"), [((4, 4), "unit"), ((4, 4, 4), "unit"), ((4, 4), "raw"), ((32,), "unit")]
)
def test_shapes_and_parameter_counts(hidden_units, input_scaling):
    model = build_dense_model(hidden_units, "relu", input_scaling, image_size=28, classes=10)
    assert model.output_shape == (None, 10)
    assert model.count_params() == dense_parameters((784, *hidden_units, 10))
    dense_layers = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    assert [layer.units for layer in dense_layers] == [*hidden_units, 10]
    assert dense_layers[-1].activation is keras.activations.softmax
    probabilities = model.predict(np.random.default_rng(0).random((3, 28, 28), dtype=np.float32), verbose=0)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)


def test_raw_scaling_feeds_the_first_layer_0_to_255():
    model = build_dense_model((4,), "relu", "raw", image_size=28, classes=10)
    flatten_to_scaled = keras.Model(model.input, model.get_layer("raw_pixels").output)
    scaled = flatten_to_scaled.predict(np.full((1, 28, 28), 1.0, dtype=np.float32), verbose=0)
    np.testing.assert_allclose(scaled, 255.0)


def test_the_default_models_reproduce_the_study():
    settings = load_params(REPOSITORY_ROOT / "params.yaml")
    assert settings.model("model_1").hidden_units == (4, 4)
    assert settings.model("model_1_raw").input_scaling == "raw"
    assert settings.model("model_2").hidden_units == (4, 4, 4)
    assert settings.model("model_4").learning_rate_source == "lr_find"  # Taken from lr_find.


def test_compiled_loss_takes_probabilities_not_logits():
    model = build_dense_model((4,), "relu", "unit", image_size=28, classes=10)
    compile_classifier(model, "adam", 1e-3)
    assert model.loss.get_config()["from_logits"] is False
    assert float(model.optimizer.learning_rate) == pytest.approx(1e-3)


def test_many_steps_per_execution_give_bit_identical_training():
    from synthetic import make_images

    from fashion.core.tensorflow_setup import make_deterministic
    from fashion.data.input_pipeline import make_datasets
    from fashion.training.fit import fit

    images, labels = make_images(per_class=30, seed=0)
    images = images.astype(np.float32) / 255.0
    histories = []
    for steps_per_execution in (1, 64):
        make_deterministic(3)
        model = build_dense_model((4, 4), "relu", "unit", image_size=28, classes=10)
        compile_classifier(model, "adam", 0.01, steps_per_execution=steps_per_execution)
        training, validation, _ = make_datasets((images[:240], labels[:240]), (images[240:], labels[240:]), 8, 3)
        histories.append(fit(model, training, validation, 3, "spe"))
        assert int(model.optimizer.iterations.numpy()) == 3 * 30  # exactly 3 epochs of 240 / 8 steps
    assert histories[0] == histories[1]


def test_keep_best_epoch_restores_the_best_epoch_and_stops_after_patience():
    from fashion.training.fit import keep_best_epoch, kept_epoch

    model = build_dense_model((2,), "relu", "unit", image_size=28, classes=10)
    keeper = keep_best_epoch(patience=2, restore=True, epochs=4)
    keeper.set_model(model)
    keeper.on_train_begin()
    snapshots = []
    for epoch, accuracy in enumerate([0.5, 0.7, 0.6, 0.65]):
        model.set_weights([np.full_like(weight, epoch) for weight in model.get_weights()])
        snapshots.append(model.get_weights())
        model.stop_training = False
        keeper.on_epoch_end(epoch, {"val_accuracy": accuracy})
        assert model.stop_training == (epoch == 3)  # two epochs without beating 0.7
    keeper.on_train_end()
    assert kept_epoch(keeper, epochs_run=4) == 2
    for restored, kept in zip(model.get_weights(), snapshots[1], strict=True):
        np.testing.assert_array_equal(restored, kept)
