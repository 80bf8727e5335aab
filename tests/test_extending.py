"""docs/extending.md's examples, carried out: each one works as written there."""

import json
import shutil
import sys

import pytest
import yaml
from synthetic import REPOSITORY_ROOT, write_params

from fashion.core import params, paths
from stages import train

GUIDE = (REPOSITORY_ROOT / "docs" / "extending.md").read_text()


def test_a_new_architecture_is_one_module_and_its_params_entry(processed_project, tmp_path, monkeypatch):
    """docs/extending.md, "Add an architecture": the guide's module, found by name, trains with the real stage."""
    from fashion.core import architectures

    # 1. The module, as the guide writes it, in a folder of the architectures package.
    assert "`fashion/core/architectures/wide.py`" in GUIDE
    folder = tmp_path / "architectures"
    folder.mkdir()
    (folder / "wide.py").write_text(guide_block("**Add an architecture**", "python"))
    monkeypatch.setattr(architectures, "__path__", [*architectures.__path__, str(folder)])
    monkeypatch.delitem(sys.modules, "fashion.core.architectures.wide", raising=False)
    monkeypatch.setattr(architectures, "ENTRY_CLASSES", architectures.discover())
    assert list(architectures.ENTRY_CLASSES) == ["dense", "convolutional", "transfer", "wide"]
    # 2. An entry in params.yaml.
    settings = yaml.safe_load(paths.PARAMS_FILE.read_text())
    settings["models"]["wide_1"] = {"architecture": "wide", "width": 8, "optimizer": "adam", "learning_rate": 0.01,
                                    "epochs": 2, "batch_size": 32, "seed": 1}  # fmt: skip
    write_params(processed_project, settings)

    assert train.main(["--model", "wide_1"]) == 0
    assert json.loads(paths.cost_metrics_file("wide_1").read_text())["parameters"] == 28 * 28 * 8 + 8 + 8 * 10 + 10
    assert json.loads(paths.train_metrics_file("wide_1").read_text())["epochs"] == 2
    assert params.load_params(paths.PARAMS_FILE).model("wide_1").description == "one hidden layer of 8"
    sys.modules.pop("fashion.core.architectures.wide", None)


def test_an_unregistered_architecture_is_a_params_error(processed_project, capsys):
    settings = yaml.safe_load(paths.PARAMS_FILE.read_text())
    settings["models"]["model_1"]["architecture"] = "wide"
    write_params(processed_project, settings)
    assert train.main(["--model", "model_1"]) == 1
    assert "models.model_1.architecture must be one of dense, convolutional" in capsys.readouterr().err


def test_every_architecture_builds_its_entries_and_nothing_outside_its_module_names_it():
    """Each architecture's module holds its keys and builder; the tools ask the entry, never match its name."""
    from fashion.core import architectures

    assert list(architectures.ENTRY_CLASSES) == ["dense", "convolutional", "transfer"]
    for entry_class in architectures.ENTRY_CLASSES.values():
        assert entry_class.build is not params.ModelEntry.build
        assert entry_class.description is not params.ModelEntry.description
    outside = [REPOSITORY_ROOT / folder for folder in ("scripts", "bench", ".ci", "research", "stages")]
    outside += [path for path in (REPOSITORY_ROOT / "fashion").iterdir() if path.name not in ("core", "__init__.py")]
    for folder in outside:
        for module in folder.rglob("*.py") if folder.is_dir() else [folder]:
            text = module.read_text()
            for name in architectures.ENTRY_CLASSES:
                assert f'"{name}"' not in text, f"{module.relative_to(REPOSITORY_ROOT)} matches on {name!r}"


def test_a_new_test_metric_is_one_entry(processed_project, monkeypatch):
    """docs/extending.md, "Add a test metric": one entry in TEST_METRICS, and evaluate writes it for every model."""
    from sklearn.metrics import top_k_accuracy_score

    from fashion.evaluation import report
    from stages import baseline, ensemble, evaluate

    monkeypatch.setitem(
        report.TEST_METRICS,
        "test_top_2_accuracy",
        lambda labels, probabilities: top_k_accuracy_score(labels, probabilities, k=2, labels=report.EVERY_CLASS),
    )  # fmt: skip
    assert "top_k_accuracy_score(labels, probabilities, k=2, labels=EVERY_CLASS)" in GUIDE
    # One of each kind evaluate scores (a network, a baseline, an ensemble) shows "every model";
    # training the whole tiny project would add a minute and nothing more.
    settings = yaml.safe_load(paths.PARAMS_FILE.read_text())
    settings.update(
        models={name: settings["models"][name] for name in ("model_1_raw", "model_1")}, lr_find_models={},
        baselines={"logistic_regression": settings["baselines"]["logistic_regression"]},
        ensembles={"pair": {"members": ["model_1_raw", "model_1"], "flip_test_time_augmentation": False,
                             "shift_test_time_augmentation": 0}},
    )  # fmt: skip
    write_params(paths.PARAMS_FILE.parent, settings)
    assert all(train.main(["--model", name]) == 0 for name in settings["models"])
    assert baseline.main(["--name", "logistic_regression"]) == 0
    assert ensemble.main([]) == 0 and evaluate.main([]) == 0
    for name in (*settings["models"], "logistic_regression", "pair"):
        scores = json.loads(paths.test_metrics_file(name).read_text())
        assert scores["test_accuracy"] <= scores["test_top_2_accuracy"] <= 1.0


CLASS_BALANCE_STAGE = '''"""Stage class_balance: how far each split is from equal classes (an example stage)."""

import json
import sys

from fashion.core import paths
from fashion.core.atomic import write_json
from fashion.core.cli import stage_entry_point
from fashion.core.dataset import CLASS_NAMES


@stage_entry_point("class_balance")
def main(argv=None) -> str:
    ratios = {}
    for split in ("train", "validation", "test"):
        counts = json.loads(paths.data_metrics_file(split).read_text())
        ratios[split] = max(counts[name] for name in CLASS_NAMES) / min(counts[name] for name in CLASS_NAMES)
    write_json(paths.METRICS_DIR / "class_balance.json", ratios)
    return "largest / smallest class: " + ", ".join(f"{split} {ratio:.2f}" for split, ratio in ratios.items())


if __name__ == "__main__":
    sys.exit(main())
'''


def guide_block(after: str, language: str) -> str:
    """The first ```language block of docs/extending.md after the text `after`."""
    rest = GUIDE[GUIDE.index(after) :]
    start = rest.index(f"```{language}\n") + len(language) + 4
    return rest[start : rest.index("```", start)]


@pytest.mark.slow
@pytest.mark.xdist_group("reproduced_repository")  # one worker builds the shared repository
def test_a_new_stage_is_a_script_and_a_dvc_yaml_entry(reproduced_repository, tmp_path):
    """docs/extending.md, "Add a stage": its dvc.yaml entry, as written there, runs under the real `dvc repro`."""
    from conftest import run

    repository = tmp_path / "repository"
    shutil.copytree(reproduced_repository, repository, symlinks=True)
    (repository / "stages" / "class_balance.py").write_text(CLASS_BALANCE_STAGE)
    definition = (repository / "dvc.yaml").read_text()  # the entry goes at the end of `stages:`
    stage = guide_block("**Add a stage**", "yaml")
    (repository / "dvc.yaml").write_text(definition.replace("\nartifacts:", f"\n{stage}\nartifacts:", 1))
    run(["dvc", "repro", "class_balance"], repository)
    assert json.loads((repository / "metrics" / "class_balance.json").read_text()) == {
        "train": 1.0, "validation": 1.0, "test": 1.0,  # the synthetic classes are balanced
    }  # fmt: skip
    assert "metrics/class_balance.json" in run(["dvc", "metrics", "show"], repository)
    assert "class_balance" not in run(["dvc", "status"], repository)  # up to date after its run
