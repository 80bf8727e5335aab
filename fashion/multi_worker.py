"""A training loop for `tf.distribute.MultiWorkerMirroredStrategy`.

Keras 3's `Model.fit` fails under this strategy (keras-team/keras#20585: the
first step's symbolic build reduces a per-replica value it cannot convert), so
multi-worker runs use this small custom loop instead. It computes the same
per-epoch history as `fit` (loss and accuracy on the training and validation
splits) and calls the same callbacks at the end of each epoch.
"""

import math

import numpy as np

from fashion.tensorflow_setup import keras, tf


def as_dataset(arrays: tuple[np.ndarray, np.ndarray], batch_size: int, shuffle_seed: int | None = None):
    """A batched `tf.data` pipeline over (images, labels), sharded by element across workers."""
    dataset = tf.data.Dataset.from_tensor_slices(arrays)
    if shuffle_seed is not None:
        dataset = dataset.shuffle(len(arrays[1]), seed=shuffle_seed, reshuffle_each_iteration=True)
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return dataset.batch(batch_size).prefetch(tf.data.AUTOTUNE).with_options(options)


def fit_multi_worker(model, strategy, training, validation, epochs: int, batch_size: int, seed: int, callbacks=()):
    """Train `model` (built and compiled in `strategy.scope()`); return Keras-style history."""
    loss_function = keras.losses.SparseCategoricalCrossentropy(reduction=None)
    training_data = strategy.experimental_distribute_dataset(as_dataset(training, batch_size, shuffle_seed=seed))
    validation_data = strategy.experimental_distribute_dataset(as_dataset(validation, batch_size))

    def sums(images, labels, training_step: bool):
        """Summed loss, correct predictions and count of one replica's batch."""
        labels = tf.cast(labels, tf.int64)
        with tf.GradientTape() as tape:
            probabilities = model(images, training=training_step)
            per_example = loss_function(labels, probabilities)
            mean_loss = tf.nn.compute_average_loss(per_example, global_batch_size=batch_size)
        if training_step:
            gradients = tape.gradient(mean_loss, model.trainable_variables)
            model.optimizer.apply_gradients(zip(gradients, model.trainable_variables, strict=True))
        correct = tf.reduce_sum(tf.cast(tf.equal(tf.argmax(probabilities, axis=1), labels), tf.float32))
        return tf.reduce_sum(per_example), correct, tf.cast(tf.size(labels), tf.float32)

    @tf.function
    def distributed_step(batch, training_step: bool):
        results = strategy.run(sums, args=(*batch, training_step))
        return [strategy.reduce(tf.distribute.ReduceOp.SUM, value, axis=None) for value in results]

    history = {"loss": [], "accuracy": [], "val_loss": [], "val_accuracy": []}
    callback_list = keras.callbacks.CallbackList(list(callbacks), model=model)
    callback_list.on_train_begin()
    for epoch in range(epochs):
        callback_list.on_epoch_begin(epoch)
        logs = {}
        for prefix, data, training_step in (("", training_data, True), ("val_", validation_data, False)):
            totals = np.zeros(3)
            for batch in data:
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
