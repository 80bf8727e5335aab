"""The ensemble stage chooses members and views on the validation split alone, by the rule in params.yaml.

Greedy forward selection with replacement (Caruana et al. 2004): the rule is
checked on probabilities built by hand, where validation and test disagree
about the best choice, and the real stage runs with the test split deleted.
"""

import copy
import json
import shutil
import warnings

import numpy as np
import pytest
import yaml
from conftest import read_json, run

from fashion.core import paths
from fashion.core.bounded import read_ensemble_choice
from fashion.core.errors import PipelineError
from fashion.core.params import validate_params
from fashion.evaluation.selection import greedy_selection, validation_scores


def one_hot_votes(predicted: list[int]) -> np.ndarray:
    """Probabilities that put 0.9 on each predicted class and spread the rest."""
    probabilities = np.full((len(predicted), 10), 0.1 / 9)
    probabilities[np.arange(len(predicted)), predicted] = 0.9
    return probabilities


def test_greedy_selection_follows_the_validation_labels_where_the_test_labels_prefer_another():
    # Candidate `left` is right on images 0-2 and `right` on images 3-5 (both predict class 0 or 1).
    candidates = {"left": one_hot_votes([0, 0, 0, 1, 1, 1]), "right": one_hot_votes([1, 1, 1, 0, 0, 0])}
    validation_labels = np.array([0, 0, 0, 1, 1, 0])  # `left` right on 5 of 6, `right` on 1, their mean on 4
    test_labels = np.array([1, 1, 1, 0, 0, 0])  # `right` right on every image: the test split prefers it
    chosen = greedy_selection(candidates, validation_labels, rounds=3).weights
    assert chosen["left"] > chosen.get("right", 0)  # validation's choice votes as `left` does (log loss adds a little
    mixed = sum(weight * candidates[name] for name, weight in chosen.items())  # `right` to soften its one mistake)
    assert np.array_equal(mixed.argmax(axis=1), candidates["left"].argmax(axis=1))
    assert greedy_selection(candidates, test_labels, rounds=3).weights == {"right": 1}  # what reading test would pick


def test_greedy_selection_adds_with_replacement_and_keeps_the_best_round():
    labels = np.array([0, 1, 2, 3])
    strong = one_hot_votes([0, 1, 2, 0])  # 3 of 4
    helper = np.full((4, 10), 0.1)
    helper[3] = np.eye(10)[3]  # alone it is 2 of 4, but it mends the strong one's mistake when averaged
    weak = one_hot_votes([5, 5, 5, 5])  # never right: every round that adds it loses
    selection = greedy_selection({"strong": strong, "helper": helper, "weak": weak}, labels, rounds=6)
    assert selection.rounds[0]["added"] == "strong" and selection.rounds[0]["validation_accuracy"] == 0.75
    assert selection.rounds[1]["added"] == "helper" and selection.rounds[1]["validation_accuracy"] == 1.0
    assert len(selection.rounds) == 6  # every round is recorded ...
    best = max(round_["validation_accuracy"] for round_ in selection.rounds)
    assert best == 1.0 and "weak" not in selection.weights  # ... and the best round is kept
    kept = sum(selection.weights.values())
    assert selection.rounds[kept - 1]["validation_accuracy"] == best
    assert all(selection.rounds[index]["validation_accuracy"] < best for index in range(kept - 1))
    average = sum(weight * {"strong": strong, "helper": helper}[name] for name, weight in selection.weights.items())
    assert validation_scores(labels, average / kept)["validation_accuracy"] == best


def test_float32_probabilities_averaged_in_float64_score_without_a_warning_and_as_their_normalized_rows():
    generator = np.random.default_rng(0)
    logits = generator.normal(size=(200, 10)).astype(np.float32)
    softmax = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)  # float32 rows: sums off by ~1e-7
    averaged = np.mean([softmax, softmax[:, ::-1]], axis=0, dtype=np.float64)  # as the ensemble stage averages
    assert not np.allclose(averaged.sum(axis=1), 1.0, rtol=np.sqrt(np.finfo(np.float64).eps), atol=0)
    labels = generator.integers(0, 10, size=200)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # scikit-learn's "do not sum to one" would fail here
        scores = validation_scores(labels, averaged)
    normalized = averaged / averaged.sum(axis=1, keepdims=True)
    expected = -np.mean(np.log(normalized[np.arange(200), labels]))
    assert scores["validation_loss"] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"selection": "greedy", "selection_rounds": 0}, "selection_rounds must be at least 1 with selection: greedy"),
        (
            {"selection": "average", "selection_rounds": 3},
            "selection_rounds must be at least 1 with selection: greedy, "
            "and 0 \\(or left out\\) with selection: average",
        ),
        ({"selection": "best_on_test"}, "selection"),
    ],
)
def test_a_selection_rule_that_would_be_ignored_or_is_unknown_is_refused_in_one_line(project, changes, named):
    params = yaml.safe_load(paths.PARAMS_FILE.read_text())
    params["ensembles"]["ensemble"].update(changes)
    with pytest.raises(PipelineError, match=named) as raised:
        validate_params(params)
    assert "\n" not in str(raised.value)


@pytest.mark.slow
@pytest.mark.xdist_group("reproduced_repository")
def test_the_stage_chooses_without_the_test_split_and_the_summary_shows_the_choice(reproduced_repository, tmp_path):
    """The real stage in a copy of the tiny reproduced project whose test images and labels are gone."""
    repository = tmp_path / "repository"
    shutil.copytree(reproduced_repository, repository, symlinks=True)
    params = yaml.safe_load((repository / "params.yaml").read_text())
    greedy = {name: entry for name, entry in params["ensembles"].items() if entry.get("selection") == "greedy"}
    assert greedy  # the committed ensembles choose
    committed = {name: read_json(repository / "metrics" / "ensemble" / f"{name}.json") for name in greedy}
    for split_file in ("test_images.npy", "test_labels.npy"):
        (repository / "data" / "processed" / split_file).unlink()
    run(["dvc", "repro", "--force", "--single-item", "ensemble"], repository)

    for name, entry in greedy.items():
        record = read_json(repository / "metrics" / "ensemble" / f"{name}.json")
        assert record == committed[name]  # the same choice without the test split: it never read it
        assert len(record["rounds"]) == entry["selection_rounds"]
        for member in entry["members"]:  # every member is a candidate, alone or with views
            assert any(candidate.startswith(f"{member} (") for candidate in record["candidates"])
        assert set(record["member_shares"]) <= set(entry["members"])
        assert abs(sum(record["chosen"].values()) - 1) < 1e-9 and set(record["chosen"]) <= set(record["candidates"])
        best = max(round_["validation_accuracy"] for round_ in record["rounds"])
        assert record["validation_accuracy"] == pytest.approx(best, abs=1e-9)  # the saved model scores the kept round
        summary = read_json(reproduced_repository / "metrics" / "summary" / f"{name}.json")
        assert summary["chosen"] == read_ensemble_choice(repository / "metrics" / "ensemble" / f"{name}.json")
    shown = json.loads(run(["dvc", "metrics", "show", "--json"], reproduced_repository))
    rows = next(iter(shown.values()))["data"]
    assert any("chosen" in str(values) for values in rows.values())  # DVC reads the choice as a metric


def test_a_forged_choice_is_refused_in_one_line(tmp_path):
    path = tmp_path / "ensemble.json"
    for chosen in ({}, {"cnn": 2.0}, {"cnn": "all"}, ["cnn"], {"x" * 300: 1.0}):
        path.write_text(json.dumps({"chosen": chosen}))
        with pytest.raises(PipelineError, match="chosen") as raised:
            read_ensemble_choice(path)
        assert "\n" not in str(raised.value)
    path.write_text(json.dumps({"chosen": {"cnn (flip)": 2 / 3, "cnn": 1 / 3}}))
    assert read_ensemble_choice(path) == "cnn (flip) 0.67, cnn 0.33"


def test_ensembles_refuse_a_refit_member(project):
    params = yaml.safe_load(paths.PARAMS_FILE.read_text())
    refit = copy.deepcopy(params["models"]["model_2"]) | {"refit": True}
    params["models"]["model_2_refit"] = refit
    params["ensembles"]["ensemble"]["members"].append("model_2_refit")
    with pytest.raises(PipelineError, match="members must be models without refit: true"):
        validate_params(params)
