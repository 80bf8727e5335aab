"""What a model costs: parameters and forward floating-point operations per image.

FLOPs are counted from the layers' shapes, two per multiply-add, for the
layers that dominate (convolutions, depthwise convolutions and dense layers); normalization,
activations and pooling add well under 1% for these networks and are left out,
as the published tables do. Nested models (an ensemble's members) are summed.
"""

from fashion.core.tensorflow_setup import keras


def forward_flops(model: keras.Model) -> int:
    """Multiply-add FLOPs (x2) of one forward pass of one image."""
    total = 0
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            total += forward_flops(layer)
        elif isinstance(layer, keras.layers.Conv2D):
            _, height, width, filters = layer.output.shape
            kernel_height, kernel_width = layer.kernel_size
            input_channels = layer.input.shape[-1]
            total += 2 * height * width * kernel_height * kernel_width * input_channels * filters
        elif isinstance(layer, keras.layers.DepthwiseConv2D):  # one kernel per input channel
            _, height, width, channels = layer.output.shape
            kernel_height, kernel_width = layer.kernel_size
            total += 2 * height * width * kernel_height * kernel_width * channels
        elif isinstance(layer, keras.layers.Dense):
            total += 2 * layer.input.shape[-1] * layer.units
    return int(total)
