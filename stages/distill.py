"""Stage distill@<student>: train an entry of params.yaml's `students:` on its teacher ensemble's probabilities.

The student repeats its recipe (an entry of `models:`): the same network,
trained the same way, on training targets mixed from the teacher's
probabilities and the true labels (`fashion.training.distillation`). The
teacher sees only the training images; validation keeps the true labels, so
the student's validation scores compare with its recipe's own.
"""

import argparse
import time

from fashion.core import paths
from fashion.core.atomic import check_writable
from fashion.core.cli import stage_entry_point
from fashion.core.interrupts import exit_with
from fashion.core.params import load_params
from fashion.core.params.data_rules import check_batch
from fashion.data.arrays import load_split


@stage_entry_point("distill")
def main(argv=None) -> str:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--student", required=True, help="a key of `students:` in params.yaml")
    name = parser.parse_args(argv).student
    settings = load_params(paths.PARAMS_FILE)
    student, strategy = settings.student(name), settings.distribute.strategy
    check_writable(paths.student_outputs(name))
    started = time.perf_counter()
    training, validation = (load_split(paths.PROCESSED_DIR, split) for split in ("train", "validation"))
    check_batch(student.where, student.model.batch_size, len(training[0]))
    loaded = time.perf_counter()

    from fashion.models.saving import load_trained_model, release_models  # TensorFlow loads only now
    from fashion.training.distillation import distillation_targets, teacher_probabilities
    from fashion.training.run import train_model

    imported = time.perf_counter()
    probabilities = teacher_probabilities(load_trained_model(paths.ensemble_file(student.teacher)), training[0])
    release_models()  # the teacher's memory, before the student trains
    targets = distillation_targets(training[1], probabilities, student.teacher_weight)
    model = student.model
    rate = model.learning_rate if model.learning_rate_source == "params" else None  # None: its own sweep picks
    result = train_model(model, rate, strategy, training, validation, paths.live_dir(name), targets)
    result.write(name, paths.student_file(name), model.epochs, loaded - started, imported - loaded)
    return f"{result.summary(name)}; teacher {student.teacher} at weight {student.teacher_weight}"


if __name__ == "__main__":
    exit_with(main())
