"""Convolutional builders: shapes, parameter counts and FLOPs worked out by hand."""

import numpy as np
import pytest

from fashion.core.architectures.convolutional import ConvolutionalNetwork, build_convolutional_model
from fashion.core.architectures.dense import build_dense_model
from fashion.core.tensorflow_setup import keras
from fashion.models.cost import forward_flops
from fashion.training.precision import bfloat16_convolutions_run

TWO_BLOCKS = ((8,), (16, 16))  # conv 8 at 28x28, pool, conv 16 and conv 16 at 14x14

# Weights: 3x3 kernels without bias (batch normalization has 4 per channel), softmax head.
PLAIN_PARAMETERS = (9 * 1 * 8 + 4 * 8) + (9 * 8 * 16 + 4 * 16) + (9 * 16 * 16 + 4 * 16) + (16 * 10 + 10)
# Residual: a 1x1 projection (+ its normalization) wherever the channel count changes.
PROJECTION_PARAMETERS = (1 * 8 + 4 * 8) + (8 * 16 + 4 * 16)
# FLOPs: 2 per multiply-add of every convolution and dense layer.
PLAIN_FLOPS = 2 * (28 * 28 * 9 * 1 * 8 + 14 * 14 * 9 * 8 * 16 + 14 * 14 * 9 * 16 * 16 + 16 * 10)
PROJECTION_FLOPS = 2 * (28 * 28 * 1 * 8 + 14 * 14 * 8 * 16)


@pytest.mark.parametrize(
    ("architecture", "parameters", "flops"),
    [
        (ConvolutionalNetwork(blocks=TWO_BLOCKS), PLAIN_PARAMETERS, PLAIN_FLOPS),
        (
            ConvolutionalNetwork(blocks=TWO_BLOCKS, residual=True),
            PLAIN_PARAMETERS + PROJECTION_PARAMETERS,
            PLAIN_FLOPS + PROJECTION_FLOPS,
        ),
        (
            ConvolutionalNetwork(blocks=TWO_BLOCKS, dense_units=(32,), head_dropout=0.5),
            PLAIN_PARAMETERS - (16 * 10 + 10) + (16 * 32 + 32) + (32 * 10 + 10),
            PLAIN_FLOPS - 2 * 16 * 10 + 2 * (16 * 32 + 32 * 10),
        ),
        (
            # No normalization: every convolution gets a bias instead.
            ConvolutionalNetwork(blocks=((4,),), batch_normalization=False, global_pooling="flatten"),
            (9 * 4 + 4) + (28 * 28 * 4 * 10 + 10),
            2 * (28 * 28 * 9 * 4 + 28 * 28 * 4 * 10),
        ),
    ],
)
def test_parameter_counts_and_flops(architecture, parameters, flops):
    model = build_convolutional_model(architecture, image_size=28, classes=10)
    assert model.input_shape == (None, 28, 28)
    assert model.output_shape == (None, 10)
    assert model.count_params() == parameters
    assert forward_flops(model) == flops
    probabilities = model.predict(np.random.default_rng(0).random((4, 28, 28), dtype=np.float32), verbose=0)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)


def test_pooling_follows_every_block_but_the_last():
    model = build_convolutional_model(ConvolutionalNetwork(blocks=((4,), (4,), (4,))), 28, 10)
    assert [layer.name for layer in model.layers if "pool" in layer.name] == [
        "block_1_pool", "block_2_pool", "global_pool",
    ]  # fmt: skip
    assert model.get_layer("block_3_conv_1").output.shape[1:3] == (7, 7)


@pytest.mark.skipif(not bfloat16_convolutions_run(), reason="no bfloat16 convolutions on this CPU (AVX2 alone)")
def test_bfloat16_computes_in_bfloat16_but_answers_in_float32():
    model = build_convolutional_model(ConvolutionalNetwork(blocks=TWO_BLOCKS), 28, 10, "mixed_bfloat16")
    assert model.get_layer("block_2_conv_2").compute_dtype == "bfloat16"
    assert model.get_layer("block_2_conv_2").kernel.dtype == "float32"  # weights stay float32
    assert model.get_layer("probabilities").compute_dtype == "float32"
    output = model(np.zeros((2, 28, 28), np.float32))
    assert output.dtype == "float32"


def test_dense_flops():
    model = build_dense_model((4, 4), "relu", "unit", 28, 10)
    assert forward_flops(model) == 2 * (784 * 4 + 4 * 4 + 4 * 10)


def test_saved_convolutional_model_loads_in_safe_mode(tmp_path):
    from fashion.models.saving import load_trained_model

    model = build_convolutional_model(ConvolutionalNetwork(blocks=TWO_BLOCKS, residual=True), 28, 10)
    model.save(tmp_path / "model.keras")
    loaded = load_trained_model(tmp_path / "model.keras")
    images = np.random.default_rng(1).random((3, 28, 28), dtype=np.float32)
    np.testing.assert_array_equal(loaded.predict(images, verbose=0), model.predict(images, verbose=0))
    assert isinstance(loaded.get_layer("block_2_residual"), keras.layers.Add)
