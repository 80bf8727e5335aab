"""Turn one validated `models:` entry into a compiled Keras model and its data.

Dense entries keep the study's recipe exactly: NumPy arrays into `Model.fit`,
Adam at a constant rate. Everything else (convolutional networks, schedules,
label smoothing, augmentation, bfloat16) trains from the tf.data pipeline of
`fashion.input_pipeline`, which is what lets a 2-core CPU keep up.
"""

import numpy as np

from fashion.convolutional import build_convolutional_model
from fashion.dataset import IMAGE_SIZE, NUMBER_OF_CLASSES
from fashion.input_pipeline import evaluation_dataset, steps_per_epoch, training_dataset
from fashion.models import STEPS_PER_EXECUTION, build_dense_model, make_optimizer
from fashion.params import ModelParams
from fashion.schedules import make_schedule
from fashion.tensorflow_setup import keras, tf

EVALUATION_BATCH_SIZE = 500


def uses_input_pipeline(params: ModelParams) -> bool:
    """False for the study's dense recipe, which keeps training from NumPy arrays as it always has.

    A model's own sweep ramps its rate over the pipeline's batches, so sweeping entries use it too.
    """
    plain = (
        params.architecture == "dense"
        and params.sweep is None
        and params.schedule == "constant"
        and params.label_smoothing == 0.0
        and not params.augmentation.enabled
        and params.precision == "float32"
    )
    return not plain


def build_model(params: ModelParams, precision: str) -> keras.Model:
    """The network `params` describes, taking (28, 28) images in [0, 1].

    `precision` is the resolved dtype policy (`fashion.precision`); dense entries are float32.
    """
    if params.architecture == "dense":
        return build_dense_model(
            params.hidden_units, params.activation, params.input_scaling, IMAGE_SIZE, NUMBER_OF_CLASSES, params.name
        )
    return build_convolutional_model(params.convolutional, IMAGE_SIZE, NUMBER_OF_CLASSES, precision, params.name)


def compile_model(
    model: keras.Model,
    params: ModelParams,
    learning_rate: float,
    training_examples: int,
    steps_per_execution: int = STEPS_PER_EXECUTION,
    one_hot_labels: bool | None = None,
    precision: str = "float32",
) -> None:
    """Compile with the entry's optimizer, schedule and loss.

    Models fed by the input pipeline get one-hot labels, so that the loss can
    smooth them (Keras's sparse cross-entropy cannot); `one_hot_labels`
    defaults to whether the entry uses it. In mixed float16 the optimizer
    scales the loss, so small gradients do not underflow.
    """
    steps = steps_per_epoch(training_examples, params.batch_size)
    rate = make_schedule(params.schedule, learning_rate, steps * params.epochs, steps * params.warmup_epochs)
    if one_hot_labels is None:
        one_hot_labels = uses_input_pipeline(params)
    if one_hot_labels:
        loss = keras.losses.CategoricalCrossentropy(label_smoothing=params.label_smoothing)
    else:
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=False)
    optimizer = make_optimizer(params.optimizer, rate, params.weight_decay, params.momentum)
    if precision == "mixed_float16":
        optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
    model.compile(
        optimizer=optimizer,
        loss=loss,
        metrics=["accuracy"],
        steps_per_execution=steps_per_execution,
    )


def one_hot(labels: np.ndarray) -> np.ndarray:
    """(n,) class indices -> (n, 10) float32 one-hot rows."""
    return np.eye(NUMBER_OF_CLASSES, dtype=np.float32)[labels]


def make_datasets(
    params: ModelParams, training: tuple[np.ndarray, np.ndarray], validation: tuple[np.ndarray, np.ndarray]
) -> tuple[tf.data.Dataset, tf.data.Dataset, int]:
    """(training batches, validation batches, steps per epoch) for the input pipeline."""
    training_batches = training_dataset(
        training[0], one_hot(training[1]), params.batch_size, params.seed, params.augmentation
    )
    validation_batches = evaluation_dataset(validation[0], one_hot(validation[1]), EVALUATION_BATCH_SIZE)
    return training_batches, validation_batches, steps_per_epoch(len(training[0]), params.batch_size)
