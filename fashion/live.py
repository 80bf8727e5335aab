"""dvclive's per-epoch logging for a Keras fit, imported after TensorFlow is set up.

`dvclive.keras` imports Keras, and so TensorFlow, itself. Importing dvclive
inside these functions, after `fashion.tensorflow_setup`, keeps TensorFlow's
start-up chatter silenced.
"""

from pathlib import Path

from fashion.tensorflow_setup import keras


def open_live_log(directory: Path):
    """A dvclive `Live` logger in `directory` that neither edits dvc.yaml nor makes experiments.

    `dvc.yaml` is written by hand (dvcyaml=None); `dvc exp run` makes the
    experiments (save_dvc_exp=False).
    """
    from dvclive import Live

    return Live(dir=str(directory), dvcyaml=None, save_dvc_exp=False, report=None)


def live_callback(live) -> keras.callbacks.Callback:
    """Keras callback that logs train/<metric> and eval/<metric> to `live` every epoch."""
    from dvclive.keras import DVCLiveCallback

    return DVCLiveCallback(live=live)
