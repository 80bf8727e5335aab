"""Stage evaluate: score every model, baseline and ensemble on the test set -- the only stage that reads it."""

from fashion.core import paths
from fashion.core.cli import stage_entry_point
from fashion.core.interrupts import exit_with
from fashion.core.params import load_params
from fashion.data.arrays import load_split
from fashion.evaluation.choice import choose_model
from fashion.training.history import read_history


@stage_entry_point("evaluate")
def main(argv=None) -> str:
    settings = load_params(paths.PARAMS_FILE)
    models, students, params = settings.trained_models, settings.students, settings.evaluate
    saved = paths.scored_files(models, settings.baselines, settings.ensembles, students)
    images, labels = load_split(paths.PROCESSED_DIR, "test")
    histories = {name: read_history(paths.history_file(name)) for name in (*models, *students)}

    exported = choose_model(settings.export.model, (*models, *students))

    from fashion.evaluation.report import evaluate_all, write_learning_curves  # TensorFlow loads only now

    accuracies = evaluate_all(saved, images, labels, exported, params, settings.ensembles)
    write_learning_curves(histories)
    return (
        f"{len(saved)} models scored on {len(labels)} test images; the exported {exported}: {accuracies[exported]:.4f}"
    )


if __name__ == "__main__":
    exit_with(main())
