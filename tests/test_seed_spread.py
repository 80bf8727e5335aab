"""research/seed_spread.py on a `dvc exp show --json` of two networks and an ensemble of both.

The queued grid in tests/test_experiments.py runs the script on a real `dvc exp
show`; these cases give it what a one-network grid cannot: an ensemble, whose
score changes with either member's seed while the other member's does not; and
the command run again, and against a file that holds another score.
"""

import json

import pytest
from synthetic import REPOSITORY_ROOT


@pytest.fixture
def seed_spread(monkeypatch):
    monkeypatch.syspath_prepend(str(REPOSITORY_ROOT / "research"))
    import seed_spread

    return seed_spread


SPREAD = {"models": ["first", "pair"], "networks": {"first": ["first"], "pair": ["first", "second"]}, "runs": []}


def revision(name: str, first_seed: int, second_seed: int, scores: dict, learning_rate: float = 0.1) -> tuple:
    """(name, data) as `dvc exp show --json` gives a revision: its params and its models' summaries."""
    params = {
        "models": {"first": {"seed": first_seed, "learning_rate": learning_rate}, "second": {"seed": second_seed}}
    }
    metrics = {f"metrics/summary/{model}.json": {"data": summary} for model, summary in scores.items()}
    return name, {"params": {"params.yaml": {"data": params}}, "metrics": metrics}


def exp_show(commit: tuple, *experiments: tuple, states: dict | None = None) -> list:
    """`dvc exp show --json` of one commit and its experiments; `states` {name: DVC's state} for unfinished ones."""
    states = states or {}
    return [
        {"rev": "workspace", "data": commit[1]},
        {
            "rev": "0123456789abcdef",
            "name": commit[0],
            "data": commit[1],
            "experiments": [
                {
                    "name": name,
                    "revs": [{"rev": name, "name": name, "data": data}],
                    "executor": {"state": states[name], "name": "workspace"} if name in states else None,
                }
                for name, data in experiments
            ],
        },
    ]


def scores(test_accuracy: float, validation_accuracy: float | None = 0.9) -> dict:
    summary = {"test_accuracy": test_accuracy, "test_macro_f1": test_accuracy}
    if validation_accuracy is not None:  # DVC leaves a null out of what it shows
        summary["validation_accuracy"] = validation_accuracy
    return summary


def recorded(test_accuracy: float, validation_accuracy: float | None = None) -> dict:
    """A model's scores as the seed-spread file records them (null: a refit member, no validation score)."""
    return {"validation_accuracy": validation_accuracy, "test_accuracy": test_accuracy}


def test_each_models_score_joins_once_per_combination_of_its_networks_seeds(seed_spread):
    committed = revision("main", 42, 42, {"first": scores(0.90), "pair": scores(0.92, None)})
    second_reseeded = revision("exp-second", 42, 1, {"first": scores(0.90), "pair": scores(0.93, None)})
    first_reseeded = revision("exp-first", 1, 42, {"first": scores(0.89), "pair": scores(0.91, None)})
    retuned = revision("exp-rate", 42, 42, {"first": scores(0.95), "pair": scores(0.95, None)}, learning_rate=0.2)
    shown = exp_show(committed, second_reseeded, first_reseeded, retuned)

    revisions, skipped = seed_spread.seed_runs(shown, {"first", "second"})
    assert [name for name, _ in revisions] == ["main", "exp-second", "exp-first"]
    assert skipped == ["skipped exp-rate: it changes models.first.learning_rate, not only a seed (its commit: main)"]

    added, conflicts = seed_spread.add_runs(SPREAD, revisions)
    assert conflicts == []
    assert added == [
        {"seeds": {"first": 42, "second": 42}, "results": {"first": recorded(0.9, 0.9), "pair": recorded(0.92)}},
        # `first` did not change here: its seed-42 score is not counted twice.
        {"seeds": {"first": 42, "second": 1}, "results": {"pair": recorded(0.93)}},
        {"seeds": {"first": 1, "second": 42}, "results": {"first": recorded(0.89, 0.9), "pair": recorded(0.91)}},
    ]

    # Collected again into the file that holds them: nothing new, nothing in conflict.
    assert seed_spread.add_runs({**SPREAD, "runs": added}, revisions) == ([], [])


def test_another_score_under_seeds_the_file_holds_is_a_conflict(seed_spread):
    held = {"seeds": {"first": 42, "second": 42}, "results": {"first": recorded(0.90, 0.9)}}
    rerun = revision("main", 42, 42, {"first": scores(0.88), "pair": scores(0.92, None)})
    added, conflicts = seed_spread.add_runs({**SPREAD, "runs": [held]}, [rerun])
    assert conflicts == ["main: first with seeds [42] scored {'validation_accuracy': 0.9, 'test_accuracy': 0.88}, "
                         "the file's run {'validation_accuracy': 0.9, 'test_accuracy': 0.9}"]  # fmt: skip
    assert [run["results"] for run in added] == [{"pair": recorded(0.92)}]  # the ensemble's seeds were new


def test_a_revision_without_params_is_skipped_with_a_line(seed_spread):
    committed = revision("main", 42, 42, {"first": scores(0.90)})
    queued = ("exp-queued", {})
    revisions, skipped = seed_spread.seed_runs(exp_show(committed, queued), {"first", "second"})
    assert [name for name, _ in revisions] == ["main"]
    assert skipped == ["skipped exp-queued: DVC shows no params for it"]


def test_an_unfinished_experiment_is_skipped_even_where_dvc_shows_its_params(seed_spread):
    """A running experiment shows its new seed beside the scores of the run it started from: not a run."""
    committed = revision("main", 42, 42, {"first": scores(0.90)})
    running = revision("exp-running", 2, 42, {"first": scores(0.90)})  # seed 2, with seed 42's scores
    failed = revision("exp-failed", 3, 42, {})
    shown = exp_show(committed, running, failed, states={"exp-running": "running", "exp-failed": "failed"})
    revisions, skipped = seed_spread.seed_runs(shown, {"first", "second"})
    assert [name for name, _ in revisions] == ["main"]
    assert skipped == ["skipped exp-running: DVC shows it as running", "skipped exp-failed: DVC shows it as failed"]
    succeeded = exp_show(committed, running, states={"exp-running": "success"})  # a queued one, finished
    assert [name for name, _ in seed_spread.seed_runs(succeeded, {"first", "second"})[0]] == ["main", "exp-running"]


def test_the_command_adds_new_runs_once_and_a_conflict_writes_nothing(seed_spread, tmp_path, capsys):
    saved = tmp_path / "exp_show.json"
    committed = revision("main", 42, 42, {"first": scores(0.90), "pair": scores(0.92)})
    first_reseeded = revision("exp-first", 1, 42, {"first": scores(0.89), "pair": scores(0.91)})
    saved.write_text(json.dumps(exp_show(committed, first_reseeded)))
    spread = tmp_path / "seed_spread.json"
    spread.write_text(json.dumps(SPREAD))
    collect = ["--input", str(saved), "--spread", str(spread)]

    assert seed_spread.main(collect) == 0  # without --write: printed, not written
    assert "new run: seeds {'first': 1, 'second': 42}" in capsys.readouterr().out
    assert json.loads(spread.read_text()) == SPREAD
    assert seed_spread.main([*collect, "--write"]) == 0
    assert "Added 2 runs" in capsys.readouterr().out
    collected = spread.read_text()
    assert len(json.loads(collected)["runs"]) == 2
    assert seed_spread.main([*collect, "--write"]) == 0  # again: nothing new
    assert "No new seed runs" in capsys.readouterr().out and spread.read_text() == collected

    altered = json.loads(collected)
    altered["runs"][0]["results"]["first"]["test_accuracy"] += 0.1
    spread.write_text(json.dumps(altered))
    assert seed_spread.main([*collect, "--write"]) == 1
    error = capsys.readouterr().err
    assert "seed_spread: error: main: first with seeds [42] scored" in error and "is unchanged" in error
    assert json.loads(spread.read_text()) == altered
    assert [path.name for path in tmp_path.iterdir() if path.name.endswith(".tmp")] == []
