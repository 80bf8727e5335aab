"""Stage export: the chosen model as a SavedModel and a TFLite file, for serving.

`export.model: best` picks the model with the highest validation accuracy of
its saved weights (the kept epoch of models that keep their best one, the last
epoch of the others); the test set plays no part. The exports are checked against the Keras model on the
validation images: both must predict the same class for every image. A model
trained in mixed bfloat16 is exported as its float32 twin (TFLite has no
bfloat16 kernels); how often the twin agrees with it is reported too.
"""

import json
import sys

import numpy as np

from fashion.core import paths
from fashion.core.atomic import atomic_path, check_writable, write_json
from fashion.core.cli import stage_entry_point
from fashion.core.dataset import INFERENCE_BATCH_SIZE
from fashion.core.errors import PipelineError
from fashion.core.params import EXPORT_BEST, load_params, model_names, parse_export
from fashion.data.arrays import load_split


def choose_model(choice: str, model_names) -> str:
    """The named model, or the one with the highest final validation accuracy."""
    if choice != EXPORT_BEST:
        return choice
    accuracies = {}
    for name in model_names:
        path = paths.train_metrics_file(name)
        try:
            accuracies[name] = json.loads(path.read_text())["validation_accuracy"]
        except (OSError, ValueError, KeyError) as error:
            raise PipelineError(f"{path} is missing or invalid ({error}). Run `dvc repro train@{name}`.") from error
    return max(accuracies, key=accuracies.get)


@stage_entry_point("export")
def main(argv=None) -> str:
    raw = load_params(paths.PARAMS_FILE)
    params = parse_export(raw)
    name = choose_model(params.model, model_names(raw))
    check_writable((paths.TFLITE_FILE, paths.EXPORT_METRICS_FILE))
    validation_images, _ = load_split(paths.PROCESSED_DIR, "validation")

    from fashion.models.saving import load_trained_model
    from fashion.serving import export

    trained = load_trained_model(paths.model_file(name))
    model = trained if export.computes_in_float32(trained) else export.float32_copy(trained)
    export.export_saved_model(model, paths.SAVED_MODEL_DIR)
    flat_buffer = export.convert_to_tflite(paths.SAVED_MODEL_DIR)
    batch_size = INFERENCE_BATCH_SIZE
    keras_classes = model.predict(validation_images, batch_size=batch_size, verbose=0).argmax(axis=1)
    trained_classes = trained.predict(validation_images, batch_size=batch_size, verbose=0).argmax(axis=1)
    exported_classes = {
        "saved_model": export.saved_model_predict(paths.SAVED_MODEL_DIR, validation_images).argmax(axis=1),
        "tflite": export.tflite_predict(flat_buffer, validation_images).argmax(axis=1),
    }
    # A check, not a metric: the stage fails unless both exports agree on every image.
    agreement = {kind: float(np.mean(classes == keras_classes)) for kind, classes in exported_classes.items()}
    if min(agreement.values()) < 1.0:
        raise PipelineError(f"The exported {name} disagrees with the Keras model on validation images: {agreement}.")
    with atomic_path(paths.TFLITE_FILE) as temporary:
        temporary.write_bytes(flat_buffer)
    write_json(
        paths.EXPORT_METRICS_FILE,
        {
            "model": name,
            "tflite_bytes": len(flat_buffer),
            # 1.0 unless the model trained in bfloat16: then the float32 export can
            # differ from it on a few borderline images.
            "trained_model_agreement": float(np.mean(trained_classes == keras_classes)),
        },
    )
    checked = len(keras_classes)
    return f"exported {name} as SavedModel and TFLite; same classes as Keras on {checked} validation images"


if __name__ == "__main__":
    sys.exit(main())
