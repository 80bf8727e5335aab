"""Distillation: a student is its recipe trained on targets mixed from a teacher ensemble and the labels.

The targets' arithmetic on synthetic probabilities; every refused `students:`
entry, in one line; and the distill stage on a tiny project: the teacher
changes what the student learns, the student is scored, exported and tabled
like any model, and a failed run leaves nothing behind.
"""

import copy
import json
import re

import numpy as np
import pytest
import yaml
from conftest import make_repository, run
from synthetic import REPOSITORY_ROOT, with_multi_worker_strategy, write_params

from fashion.core import paths
from fashion.core.errors import PipelineError
from fashion.core.params import read_yaml, validate_params
from fashion.training.distillation import distillation_targets
from stages import distill, ensemble, evaluate, export, train


def test_targets_mix_the_teachers_probabilities_with_the_one_hot_labels():
    labels = np.array([0, 2, 1])
    teacher = np.full((3, 10), 0.05, dtype=np.float32)
    teacher[0, 0], teacher[1, 1], teacher[2, 1] = 0.55, 0.55, 0.55  # the teacher is wrong about image 1
    targets = distillation_targets(labels, teacher, 0.6)
    assert targets.dtype == np.float32 and targets.shape == (3, 10)
    np.testing.assert_allclose(targets.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(targets[0, 0], 0.6 * 0.55 + 0.4)
    np.testing.assert_allclose(targets[1, 2], 0.6 * 0.05 + 0.4)  # the true class keeps the label's share
    np.testing.assert_allclose(targets[1, 1], 0.6 * 0.55)
    np.testing.assert_allclose(targets[1, 5], 0.6 * 0.05)
    np.testing.assert_allclose(distillation_targets(labels, teacher, 1.0), teacher)


@pytest.mark.parametrize(
    ("probabilities", "problem"),
    [(np.full((3, 9), 1 / 9), "shape"), (np.full((2, 10), 0.1), "shape"), (np.full((3, 10), 0.2), "sum to 1")],
)
def test_targets_refuse_what_no_teacher_gives(probabilities, problem):
    with pytest.raises(PipelineError, match=re.escape(problem)):
        distillation_targets(np.array([0, 1, 2]), probabilities.astype(np.float32), 0.5)


def student_params(params: dict, **student) -> dict:
    """Two small dense models, their ensemble as the teacher, and a student of model_1's recipe."""
    params = copy.deepcopy(params)
    params["models"] = {name: params["models"][name] for name in ("model_1_raw", "model_1")}
    params["models"]["model_1"].update(hidden_units=[16], epochs=3)
    params["lr_find_models"], params["baselines"] = {}, {}
    params["ensembles"] = {
        "pair": {"members": ["model_1_raw", "model_1"], "flip_test_time_augmentation": False}
    }  # fmt: skip
    params["students"] = {"student": {"recipe": "model_1", "teacher": "pair", "teacher_weight": 0.8, **student}}
    params["export"] = {"model": "best"}
    return params


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"recipe": "nothing"}, "students.student.recipe must be one of model_1_raw, model_1"),
        ({"teacher": "model_1"}, "students.student.teacher must be one of pair"),
        ({"teacher_weight": 0}, "students.student.teacher_weight must be a number between 0.05 and 1.0"),
        ({"teacher_weight": 1.5}, "students.student.teacher_weight must be a number between 0.05 and 1.0"),
        ({"temperature": 2}, "unknown key 'students.student.temperature'"),
    ],
)
def test_a_bad_student_entry_is_refused_in_one_line(processed_project, change, message):
    params = student_params(yaml.safe_load(paths.PARAMS_FILE.read_text()), **change)
    with pytest.raises(PipelineError, match=re.escape(message)) as refused:
        validate_params(params)
    assert "\n" not in str(refused.value)


def test_students_refuse_refit_recipes_refit_teachers_taken_names_and_multi_worker(processed_project):
    params = student_params(yaml.safe_load(paths.PARAMS_FILE.read_text()))
    refit = copy.deepcopy(params)
    refit["models"]["model_1_refit"] = {**refit["models"]["model_1"], "refit": True}
    refit["students"]["student"]["recipe"] = "model_1_refit"
    with pytest.raises(PipelineError, match=re.escape("recipe must be an entry without refit")):
        validate_params(refit)
    refit["students"]["student"]["recipe"] = "model_1"  # a validated recipe, but a teacher with a refit member,
    refit["ensembles"]["pair"]["members"].append("model_1_refit")
    with pytest.raises(PipelineError, match=re.escape("members must be models without refit: true")):
        validate_params(refit)  # which no ensemble may have
    taken = copy.deepcopy(params)
    taken["students"] = {"pair": taken["students"]["student"]}
    taken_message = "students.pair must be a name that no entry of ensembles: uses"
    with pytest.raises(PipelineError, match=re.escape(taken_message)):
        validate_params(taken)
    with pytest.raises(PipelineError, match=re.escape("students.student trains in the distill stage, which runs")):
        validate_params(with_multi_worker_strategy(copy.deepcopy(params)))


def trained_weights(path) -> list[np.ndarray]:
    from fashion.models.saving import load_trained_model

    return load_trained_model(path).get_weights()


def test_the_teacher_changes_what_the_student_learns_and_the_student_is_scored_like_any_model(processed_project):
    params = student_params(yaml.safe_load(paths.PARAMS_FILE.read_text()))
    write_params(processed_project, params)
    assert all(train.main(["--model", name]) == 0 for name in params["models"])
    assert ensemble.main([]) == 0
    assert distill.main(["--student", "student"]) == 0

    # Its recipe, the same seed, but other targets: other weights. Another teacher weight: others again.
    student = trained_weights(paths.student_file("student"))
    recipe = trained_weights(paths.model_file("model_1"))
    assert [weights.shape for weights in student] == [weights.shape for weights in recipe]
    assert any(not np.array_equal(first, second) for first, second in zip(student, recipe, strict=True))
    params["students"]["student"]["teacher_weight"] = 0.3
    write_params(processed_project, params)
    assert distill.main(["--student", "student"]) == 0
    lighter = trained_weights(paths.student_file("student"))
    assert any(not np.array_equal(first, second) for first, second in zip(student, lighter, strict=True))

    trained = json.loads(paths.train_metrics_file("student").read_text())
    assert 0 < trained["validation_accuracy"] <= 1  # scored on the true validation labels
    assert all(path.exists() for path in paths.student_outputs("student"))
    assert not paths.model_file("student").exists()  # students/, never models/, which the teacher is made from

    assert evaluate.main([]) == 0
    summary = json.loads(paths.summary_metrics_file("student").read_text())
    assert summary["validation_accuracy"] == trained["validation_accuracy"] and 0 <= summary["test_accuracy"] <= 1
    params["export"] = {"model": "student"}
    write_params(processed_project, params)
    assert export.main([]) == 0
    assert json.loads(paths.EXPORT_METRICS_FILE.read_text())["model"] == "student"


def test_a_student_whose_teacher_is_missing_fails_in_one_line_and_writes_nothing(processed_project, capsys):
    write_params(processed_project, student_params(yaml.safe_load(paths.PARAMS_FILE.read_text())))
    assert distill.main(["--student", "student"]) == 1
    error = capsys.readouterr().err.strip()
    assert error.startswith("distill: error: ensembles/pair.keras is missing") and "\n" not in error
    assert not any(path.exists() for path in paths.student_outputs("student"))
    assert distill.main(["--student", "nobody"]) == 1
    assert "no student named 'nobody' under 'students' (known: student)" in capsys.readouterr().err


def test_dvc_runs_a_student_after_its_teacher_and_before_evaluate_and_export(tmp_path):
    """The README's command adds a student; DVC then places distill@<student> between ensemble and evaluate."""
    root = make_repository(tmp_path)
    params = yaml.safe_load((root / "params.yaml").read_text())
    assert params["students"] == {}  # off as committed: no distill stage
    assert "distill@" not in run(["dvc", "stage", "list"], root)
    write_params(root, student_params(params))
    edges = run(["dvc", "dag", "--dot"], root)
    for before, after in (("ensemble", "distill@student"), ("distill@student", "evaluate"),
                          ("distill@student", "export")):  # fmt: skip
        assert f'"{before}" -> "{after}"' in edges, edges


def test_the_readmes_distillation_command_adds_a_valid_student_to_the_committed_params():
    """The README's `-S '+students.<name>={...}'` (Hydra's syntax for a new key) gives an entry the params accept."""
    readme = (REPOSITORY_ROOT / "README.md").read_text()
    found = re.search(r"-S '\+students\.(\w+)=(\{[^']*\})'", readme)
    assert found, "the README shows how to add a student"
    name, entry = found.group(1), yaml.safe_load(found.group(2))
    params = read_yaml(REPOSITORY_ROOT / "params.yaml")
    params["students"] = {name: entry}
    validate_params(params)
    student = validate_params(params).students[name]
    assert student.model.network == validate_params(params).model(entry["recipe"]).network  # the recipe's network
    assert student.teacher in params["ensembles"] and student.model.name == name
