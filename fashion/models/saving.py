"""Save Keras models so that equal weights give equal bytes, and load them safely.

A `.keras` file is a zip archive; Keras stamps the save time into
`metadata.json` and into the zip entries, and writes Python object ids
(`shared_object_id`, different in every process) into `config.json` to mark an
object used in several places. Two runs that train bit-identical weights would
otherwise write different files, and DVC would record a new hash for every
model on every reproduction.
"""

import json
import zipfile
from pathlib import Path

from fashion.core.atomic import atomic_path
from fashion.core.bounded import check_archive
from fashion.core.dataset import IMAGE_SIZE, NUMBER_OF_CLASSES
from fashion.core.errors import PipelineError, shorten
from fashion.core.tensorflow_setup import keras

# Zip's earliest representable time: every entry gets it, whatever the clock says.
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
# The largest model archive loaded, unpacked: the committed networks take under 25 MB, ensembles their sum.
MODEL_BYTES = 2 << 30
RETRAIN = "Retrain it with `dvc repro --force`, or pull it from a remote you trust."


def save_model(model, target: Path) -> None:
    """Write `model`'s architecture and weights to `target` atomically, with no save time in it.

    What is saved is an uncompiled copy: the optimizer, its state and the
    learning-rate schedule belong to training, and leaving them out lets
    `keras.models.load_model(target)` open the file in any Python, without
    this project's schedule classes.
    """
    inference_model = type(model).from_config(model.get_config())  # clone_model would compile the copy too
    inference_model.set_weights(model.get_weights())
    with atomic_path(Path(target)) as temporary:
        inference_model.save(temporary)
        remove_save_time(temporary)


def renumber_shared_objects(config):
    """Return `config` with each distinct `shared_object_id` replaced by its order of first appearance.

    Keras only compares these ids with each other when it loads, so numbering
    them 0, 1, 2… keeps their meaning and removes the process-dependent value.
    """
    numbers: dict[int, int] = {}

    def renumber(value):
        if isinstance(value, dict):
            return {
                key: numbers.setdefault(item, len(numbers)) if key == "shared_object_id" else renumber(item)
                for key, item in value.items()
            }
        if isinstance(value, list):
            return [renumber(item) for item in value]
        return value

    return renumber(config)


def remove_save_time(path: Path) -> None:
    """Rewrite the `.keras` archive at `path` without its save time or object ids; nothing else changes."""
    with zipfile.ZipFile(path) as archive:
        entries = [(info, archive.read(info.filename)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w") as archive:
        for info, content in entries:
            if info.filename == "metadata.json":
                metadata = json.loads(content)
                metadata.pop("date_saved", None)
                content = json.dumps(metadata).encode()
            elif info.filename == "config.json":
                content = json.dumps(renumber_shared_objects(json.loads(content))).encode()
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            fixed.compress_type, fixed.external_attr = info.compress_type, info.external_attr
            archive.writestr(fixed, content)


def load_trained_model(path) -> keras.Model:
    """Load a saved model in Keras's safe mode (no arbitrary code), uncompiled; any refusal is one line.

    Safe mode still loads the pipeline's own registered layers, such as the
    ensembles' flip, once their module is imported. A file from a remote or a
    stranger can make Keras fail in many ways (a `TypeError` for a config that
    names `os.system` as an activation, a `KeyError` for a missing field): each
    is a bad file, reported as one line that names it.
    """
    from fashion.models import layers  # noqa: F401 -- registers HorizontalFlip

    check_archive(Path(path), MODEL_BYTES, "Keras model", RETRAIN, missing="Run `dvc repro` to train it first.")
    try:
        model = keras.models.load_model(path, compile=False, safe_mode=True)
        shapes = (tuple(model.input_shape[1:3]), tuple(model.output_shape[1:]))
    except Exception as error:  # Keras parses a file from anywhere: any failure is a bad file, not our bug
        raise PipelineError(
            f"{path} cannot be loaded in Keras's safe mode ({type(error).__name__}: {shorten(str(error))}). {RETRAIN}"
        ) from error
    if shapes != ((IMAGE_SIZE, IMAGE_SIZE), (NUMBER_OF_CLASSES,)):
        raise PipelineError(
            f"{path} maps inputs {shorten(model.input_shape)} to {shorten(model.output_shape)}, not 28x28 images "
            f"to {NUMBER_OF_CLASSES} class probabilities. {RETRAIN}"
        )
    return model


def release_models() -> None:
    """Free the models loaded so far before the next loads, so a stage's peak memory is that of its largest model.

    Keras keeps every loaded model's layers and compiled functions in its global
    state until the session is cleared; scored one after another, a dozen
    models and ensembles would otherwise pile up (evaluate), and a teacher would
    stay in memory while its student trains (distill).
    """
    keras.backend.clear_session()  # free_memory=True by default: it runs Python's garbage collector itself
