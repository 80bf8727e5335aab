"""research/training_size.py: one entry trained for a share of the images, other epochs, or with a key changed."""

import json

import numpy as np
import pytest

from fashion.core import paths
from research.training_size import main as training_size_main


def test_a_changed_key_trains_and_is_recorded(processed_project, capsys):
    """The notebook's SGD-with-Nesterov screen (docs/notebook/experiments.md), on tiny data; `--set epochs=1`
    shows that a change trains."""
    changes = ["optimizer=sgd", "momentum=0.9", "nesterov=true", "weight_decay=0.0005", "learning_rate=0.05"]
    changes.append("epochs=1")
    arguments = ["--model", "cnn", "--fraction", "1"] + [word for change in changes for word in ("--set", change)]
    assert training_size_main(arguments) == 0, capsys.readouterr().err
    report = json.loads(capsys.readouterr().out)
    assert report["changes"] == changes
    assert report["epochs"] == 1 and len(report["validation_accuracy_per_epoch"]) == 1  # the entry has 2
    assert report["training_images"] == len(np.load(paths.PROCESSED_DIR / "train_labels.npy"))
    assert 0.0 <= report["validation_accuracy"] <= 1.0


@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        (["--model", "cnn", "--set", "nesterov=true"], "models.cnn.nesterov must be false unless the optimizer is sgd"),
        (["--model", "model_2_refit"], "model_2_refit must train with validation at a fixed learning rate"),
        (["--model", "model_9"], "no entry 'model_9' in models:"),
        (["--model", "model_1", "--epochs", "1", "--set", "input_scaling=raw", "--set", "learning_rate=1.0e+38"],
         "Training of model_1 diverged at epoch 1"),
    ],
)  # fmt: skip
def test_bad_input_stops_it_with_one_line(processed_project, capsys, arguments, named):
    assert training_size_main(arguments) == 1
    captured = capsys.readouterr()
    *before, message = captured.err.rstrip("\n").split("\n")
    assert message.startswith("training_size: ") and named in message
    assert all("epoch/s" in line for line in before)  # before it, at most the training's progress bar
    assert captured.out == ""
