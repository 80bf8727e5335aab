"""A training loop for `tf.distribute.MultiWorkerMirroredStrategy`.

Keras 3's `Model.fit` fails under this strategy (keras-team/keras#20585: the
first step's symbolic build reduces a per-replica value it cannot convert), so
multi-worker runs use this small custom loop instead. It trains with the loss
the model was compiled with (label smoothing included), the compiled optimizer
(its schedule, and loss scaling under float16), computes the same per-epoch
history as `fit` (loss and accuracy on the training and validation splits) and
calls the same callbacks at the end of each epoch, so keeping the best epoch
and stopping early work as on one device.
"""

import math

import numpy as np

from fashion.core.tensorflow_setup import keras, tf


def shard_by_data(dataset):
    """Every worker reads the whole pipeline and keeps its share of each batch (no input files to split)."""
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return dataset.with_options(options)


def unreduced(loss: keras.losses.Loss) -> keras.losses.Loss:
    """The same loss (class and settings) giving one value per example, for `compute_average_loss`."""
    return type(loss).from_config({**loss.get_config(), "reduction": None})


def fit_multi_worker(model, strategy, training, validation, epochs: int, callbacks=()):
    """Train `model` (built and compiled in `strategy.scope()`); return Keras-style history.

    `training` is the input pipeline's dataset of one epoch of global
    batches, iterated afresh every epoch as `fit` does; `validation` likewise.
    """
    loss_function = unreduced(model.loss)
    optimizer = model.optimizer
    training_data = strategy.experimental_distribute_dataset(shard_by_data(training))
    validation_data = strategy.experimental_distribute_dataset(shard_by_data(validation))

    def sums(images, labels, training_step: bool):
        """Summed loss, correct predictions and count of one replica's batch."""
        with tf.GradientTape() as tape:
            probabilities = model(images, training=training_step)
            per_example = loss_function(labels, probabilities)
            mean_loss = tf.nn.compute_average_loss(per_example)
            scaled_loss = optimizer.scale_loss(mean_loss) if training_step else mean_loss
        if training_step:
            gradients = tape.gradient(scaled_loss, model.trainable_variables)
            optimizer.apply_gradients(zip(gradients, model.trainable_variables, strict=True))
        true_classes = labels if labels.shape.rank == 1 else tf.argmax(labels, axis=1)
        predicted = tf.argmax(probabilities, axis=1)
        correct = tf.reduce_sum(tf.cast(tf.equal(predicted, tf.cast(true_classes, predicted.dtype)), tf.float32))
        return tf.reduce_sum(tf.cast(per_example, tf.float32)), correct, tf.cast(tf.shape(labels)[0], tf.float32)

    @tf.function
    def distributed_step(batch, training_step: bool):
        results = strategy.run(sums, args=(*batch, training_step))
        return [strategy.reduce(tf.distribute.ReduceOp.SUM, value, axis=None) for value in results]

    history = {"loss": [], "accuracy": [], "val_loss": [], "val_accuracy": []}
    callback_list = keras.callbacks.CallbackList(list(callbacks), model=model, epochs=epochs, verbose=0)
    callback_list.on_train_begin()
    for epoch in range(epochs):
        callback_list.on_epoch_begin(epoch)
        logs = {}
        for prefix, batches, training_step in (("", training_data, True), ("val_", validation_data, False)):
            totals = np.zeros(3)
            for batch in batches:
                totals += [float(value) for value in distributed_step(batch, training_step)]
            logs[f"{prefix}loss"] = totals[0] / totals[2]
            logs[f"{prefix}accuracy"] = totals[1] / totals[2]
        for key, value in logs.items():
            history[key].append(value)
        callback_list.on_epoch_end(epoch, logs)
        if not math.isfinite(logs["loss"]) or model.stop_training:
            break
    callback_list.on_train_end()
    return history
