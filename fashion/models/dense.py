"""The study's dense classifiers: flatten, a few small Dense layers, softmax."""

from fashion.core.tensorflow_setup import keras

# Raw pixels are restored inside the model, so every saved model takes the same
# [0, 1] input and the evaluate stage treats all models alike.
INPUT_SCALE = {"unit": 1.0, "raw": 255.0}


def build_dense_model(
    hidden_units: tuple[int, ...],
    activation: str,
    input_scaling: str,
    image_size: int,
    classes: int,
    name: str = "dense",
) -> keras.Model:
    """Flatten -> Dense(units, activation) for each hidden layer -> Dense(classes, softmax).

    `input_scaling="raw"` multiplies the [0, 1] input by 255 first, which
    reproduces the study's network trained on unnormalized 0-255 pixels.
    """
    inputs = keras.Input(shape=(image_size, image_size), name="image")
    features = keras.layers.Flatten(name="flatten")(inputs)
    scale = INPUT_SCALE[input_scaling]
    if scale != 1.0:
        features = keras.layers.Rescaling(scale, name="raw_pixels")(features)
    for index, units in enumerate(hidden_units, start=1):
        features = keras.layers.Dense(units, activation=activation, name=f"hidden_{index}")(features)
    outputs = keras.layers.Dense(classes, activation="softmax", name="probabilities")(features)
    return keras.Model(inputs, outputs, name=name)
