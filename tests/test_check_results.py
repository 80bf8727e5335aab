"""CI's floors (`.ci/check_results.py`): one per committed model, baseline and ensemble, read from the commit."""

import json
import sys

import pytest
import yaml
from synthetic import REPOSITORY_ROOT

sys.path.insert(0, str(REPOSITORY_ROOT / ".ci"))
import check_results

PARAMS = yaml.safe_load((REPOSITORY_ROOT / "params.yaml").read_text())


@pytest.fixture
def committed(monkeypatch) -> dict[str, float]:
    """Every committed test accuracy, read as CI reads it (from the commit), with the repository as cwd."""
    monkeypatch.chdir(REPOSITORY_ROOT)
    scored = [*PARAMS["models"], *PARAMS["lr_find_models"], *PARAMS["baselines"], *PARAMS["ensembles"]]
    return {name: check_results.committed_accuracy(name) for name in scored}


def test_every_committed_model_baseline_and_ensemble_has_a_floor_it_meets(committed, capsys):
    assert None not in committed.values()
    assert check_results.floor_problems(PARAMS, committed, one_epoch=False) == []
    floors = capsys.readouterr().out
    assert all(f"{name} " in floors for name in committed)


@pytest.mark.parametrize("name", ["cnn_fast", "cnn_tta", "random_forest", "model_2"])
def test_a_model_a_point_under_its_committed_score_fails_by_name(committed, name):
    broken = {**committed, name: committed[name] - 0.01 if name != "model_2" else 0.5}
    problems = check_results.floor_problems(PARAMS, broken, one_epoch=False)
    assert len(problems) == 1 and problems[0].startswith(f"{name} test accuracy")


def test_margins_come_from_the_measured_seed_spreads():
    spreads = check_results.measured_spreads()
    assert set(spreads) >= {"cnn", "cnn_tta", "ensemble"}
    assert check_results.floor_margin("baseline", spreads) == check_results.MINIMUM_MARGIN
    assert check_results.floor_margin("slow_to_train", spreads) == max(0.005, 3 * max(spreads.values()))
    assert 0.05 < check_results.floor_margin("quick_to_train", spreads) < 0.2  # four-unit networks spread by points


def test_one_epoch_convolutional_models_must_cover_half_the_way_from_chance(committed):
    halfway = {name: (0.1 + committed[name]) / 2 for name in ("cnn", "cnn_tta")}
    one_epoch = {**committed, "cnn": halfway["cnn"] + 0.01, "cnn_tta": halfway["cnn_tta"] - 0.01}
    problems = check_results.floor_problems(PARAMS, one_epoch, one_epoch=True)
    assert problems == [
        f"cnn_tta test accuracy {one_epoch['cnn_tta']:.4f} is under its floor {halfway['cnn_tta']:.4f} (halfway from "
        f"chance to the committed {committed['cnn_tta']:.4f})"
    ]


def test_a_model_new_in_a_change_has_no_floor_yet(committed, capsys):
    params = json.loads(json.dumps(PARAMS))
    params["models"]["cnn_new"] = params["models"]["cnn_fast"]
    assert check_results.floor_problems(params, {**committed, "cnn_new": 0.1}, one_epoch=False) == []
    assert "cnn_new: no committed score, so no floor" in capsys.readouterr().out


def test_goals_are_reported_for_what_validation_chose_and_judged_on_the_seed_mean(committed, capsys):
    exported = json.loads((REPOSITORY_ROOT / "metrics" / "export.json").read_text())["model"]
    ensembles = list(PARAMS["ensembles"])
    flattering = {**committed, "cnn_fast": 0.99, **dict.fromkeys(ensembles, 0.99)}  # a test score that would win
    check_results.accuracy_goals(PARAMS, flattering, ensembles)
    report = capsys.readouterr().out
    assert f"single model chosen on validation: {exported} at" in report and "cnn_fast" not in report
    means = check_results.seed_means()
    for name in ensembles:
        line = next(line for line in report.splitlines() if line.startswith("goal") and f" for {name}:" in line)
        assert "this run 0.9900" in line
        one_network = len(PARAMS["ensembles"][name]["members"]) == 1
        goal = check_results.SINGLE_MODEL_GOAL if one_network else check_results.ENSEMBLE_GOAL
        assert (": yes" in line) == (name in means and means[name][0] >= goal)
