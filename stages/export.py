"""Stage export: the chosen model as a SavedModel and a TFLite file, for serving.

`export.model: best` picks the model (or student) with the highest validation accuracy of
its saved weights; the test set plays no part. The exports are checked against
the Keras model on the validation images (`fashion.serving.export`).
"""

from fashion.core import paths
from fashion.core.atomic import atomic_path, check_writable, write_json
from fashion.core.cli import stage_entry_point
from fashion.core.interrupts import exit_with
from fashion.core.params import load_params
from fashion.data.arrays import load_split


@stage_entry_point("export")
def main(argv=None) -> str:
    settings = load_params(paths.PARAMS_FILE)
    check_writable((paths.TFLITE_FILE, paths.EXPORT_METRICS_FILE))
    validation_images, _ = load_split(paths.PROCESSED_DIR, "validation")

    from fashion.evaluation.choice import choose_model
    from fashion.models.saving import load_trained_model
    from fashion.serving.export import export_and_check

    students = settings.students
    name = choose_model(settings.export.model, (*settings.trained_models, *students), paths.train_metrics_file)
    chosen = paths.student_file(name) if name in students else paths.model_file(name)
    made = export_and_check(load_trained_model(chosen), paths.SAVED_MODEL_DIR, validation_images, name)
    with atomic_path(paths.TFLITE_FILE) as temporary:
        temporary.write_bytes(made.tflite)
    write_json(
        paths.EXPORT_METRICS_FILE,
        {"model": name, "tflite_bytes": len(made.tflite), "trained_model_agreement": made.trained_model_agreement},
    )
    return f"exported {name} as SavedModel and TFLite; same classes as Keras on {made.images_checked} validation images"


if __name__ == "__main__":
    exit_with(main())
