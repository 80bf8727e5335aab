"""dvclive's per-epoch logging for a Keras fit, imported after TensorFlow is set up.

`dvclive.keras` imports Keras, and so TensorFlow, itself. Importing dvclive
inside these functions, after `fashion.core.tensorflow_setup`, keeps TensorFlow's
start-up chatter silenced.
"""

from pathlib import Path

from fashion.core.tensorflow_setup import keras


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


def summarize_kept_epoch(live, history: dict, kept: int) -> None:
    """Make dvclive's summary (live/<model>/metrics.json) describe the saved epoch, not the last one.

    dvclive writes the last epoch's values; when an earlier epoch's weights
    were kept, the summary is rewritten so that every metric a user sees for
    the model describes the model that was saved.
    """
    if kept == len(history["loss"]):
        return
    index = kept - 1
    live.step = index
    for split, prefix in (("train", ""), ("eval", "val_")):
        for metric in ("loss", "accuracy"):
            live.summary.setdefault(split, {})[metric] = history[f"{prefix}{metric}"][index]
    live.make_summary()
