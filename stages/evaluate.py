"""Stage evaluate: score every model, baseline and ensemble on the test set -- the only stage that reads it."""

import sys

from fashion.core import paths
from fashion.core.cli import stage_entry_point
from fashion.core.params import load_params
from fashion.data.arrays import load_split
from fashion.training.history import read_history


@stage_entry_point("evaluate")
def main(argv=None) -> str:
    settings = load_params(paths.PARAMS_FILE)
    models, students, params = settings.trained_models, settings.students, settings.evaluate
    saved = paths.scored_files(models, settings.baselines, settings.ensembles, students)
    images, labels = load_split(paths.PROCESSED_DIR, "test")
    histories = {name: read_history(paths.history_file(name)) for name in (*models, *students)}

    from fashion.evaluation.report import evaluate_all, write_learning_curves  # TensorFlow loads only now

    accuracies = evaluate_all(saved, images, labels, params)
    write_learning_curves(histories)
    best = max(accuracies, key=accuracies.get)
    return f"{len(saved)} models scored on {len(labels)} test images; best {best} at {accuracies[best]:.4f}"


if __name__ == "__main__":
    sys.exit(main())
