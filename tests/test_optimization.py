"""The optimizer a `models:` entry names gets exactly the settings the entry gives it."""

import pytest

from fashion.core.architectures.dense import DenseEntry
from fashion.training.optimization import entry_optimizer

SGD_ENTRY = {
    "hidden_units": [4],
    "activation": "relu",
    "input_scaling": "unit",
    "optimizer": "sgd",
    "learning_rate": 0.1,
    "epochs": 1,
    "batch_size": 8,
    "seed": 0,
}


def optimizer_for(entry: dict):
    return entry_optimizer(DenseEntry.model_validate(entry), 0.1)


@pytest.mark.parametrize("nesterov", [False, True])
def test_sgd_gets_its_momentum_nesterov_and_decay(nesterov):
    optimizer = optimizer_for({**SGD_ENTRY, "momentum": 0.9, "nesterov": nesterov, "weight_decay": 0.0005})
    assert optimizer.nesterov is nesterov
    assert optimizer.momentum == 0.9
    assert optimizer.weight_decay == 0.0005


def test_sgd_without_decay_has_no_decay_term():
    """Keras skips the decay step only for None; a decay of 0 would still add its (useless) update."""
    optimizer = optimizer_for(SGD_ENTRY)
    assert optimizer.weight_decay is None and optimizer.nesterov is False and optimizer.momentum == 0.0
