"""dvc.yaml agrees with the code: deps, params and paths.

A param the code reads but dvc.yaml does not declare, or a module a stage
imports but does not depend on, would let DVC skip a stage that changed.
"""

import ast
from pathlib import Path

import pytest
import yaml
from synthetic import REPOSITORY_ROOT

from fashion.core import params, paths

DVC_YAML = yaml.safe_load((REPOSITORY_ROOT / "dvc.yaml").read_text())
STAGES = DVC_YAML["stages"]


def stage_definition(name: str) -> dict:
    return STAGES[name]["do"] if "foreach" in STAGES[name] else STAGES[name]


def module_file(name: str) -> Path | None:
    """The file of a dotted `fashion` module name: a module's .py, or a package's __init__.py; None for neither."""
    base = REPOSITORY_ROOT / name.replace(".", "/")
    for path in (base.with_name(base.name + ".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def local_imports(module_path: Path) -> set[str]:
    """The `fashion` modules a file imports, followed transitively (a package's __init__.py counts as a module)."""
    found: set[str] = set()
    pending = [module_path]
    while pending:
        tree = ast.parse(pending.pop().read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("fashion"):
                names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            for name in names:
                path = module_file(name) if name.startswith("fashion") else None
                if path is not None and (relative := path.relative_to(REPOSITORY_ROOT).as_posix()) not in found:
                    found.add(relative)
                    pending.append(path)
    return found


def test_imports_are_followed_into_subpackages():
    """`fashion.core.params` is a package: its modules, and what they import, must be followed too."""
    imported = local_imports(REPOSITORY_ROOT / "stages" / "download.py")
    assert {"fashion/core/params/__init__.py", "fashion/core/params/entries.py", "fashion/core/dataset.py"} <= imported


def package_of(module: str) -> str:
    """fashion/<package>/<module>.py -> fashion/<package>: the unit a stage depends on."""
    return "/".join(module.split("/")[:2])


@pytest.mark.parametrize("stage", list(STAGES))
def test_every_imported_package_is_a_dependency(stage):
    definition = stage_definition(stage)
    script = "stages/train.py" if stage == "train_lr_find" else f"stages/{stage}.py"
    imported = {package_of(module) for module in local_imports(REPOSITORY_ROOT / script)} - {"fashion/__init__.py"}
    declared = {dep for dep in definition["deps"] if dep.startswith(("stages/", "fashion/"))}
    assert declared == {script, *imported}


# Each package may import only those before it: no module imports upward.
PACKAGE_ORDER = ("core", "data", "baselines", "models", "training", "evaluation", "serving")


@pytest.mark.parametrize("package", PACKAGE_ORDER)
def test_no_package_imports_a_later_one(package):
    allowed = {f"fashion/{name}" for name in PACKAGE_ORDER[: PACKAGE_ORDER.index(package) + 1]}
    for module in sorted((REPOSITORY_ROOT / "fashion" / package).rglob("*.py")):
        imported = {package_of(found) for found in local_imports(module)} - {"fashion/__init__.py"}
        assert imported <= allowed, f"{module.relative_to(REPOSITORY_ROOT)} imports {sorted(imported - allowed)}"


def test_every_package_is_in_the_order():
    packages = {path.parent.name for path in (REPOSITORY_ROOT / "fashion").glob("*/__init__.py")}
    assert packages == set(PACKAGE_ORDER)
    assert not list((REPOSITORY_ROOT / "fashion").glob("[!_]*.py")), "a module outside the packages"


def fields(section: str) -> set[str]:
    """Every key of a section of params.yaml, as the params models declare them."""
    return {f"{section}.{name}" for name in params.Params.model_fields[section].annotation.model_fields}


def test_declared_params_are_exactly_the_validated_ones():
    assert set(stage_definition("download")["params"]) == fields("download")
    assert set(stage_definition("normalize")["params"]) == {"download.sha256"} | fields("normalize")
    assert set(stage_definition("lr_find")["params"]) == fields("lr_find")
    distribute = sorted(fields("distribute"))
    assert stage_definition("train")["params"] == ["models.${key}", *distribute]
    assert stage_definition("train_lr_find")["params"] == ["lr_find_models.${key}", *distribute]
    # A student repeats a models: recipe, so its stage reads that whole section.
    assert stage_definition("distill")["params"] == ["students.${key}", "models", *distribute]
    every_model = {"models", "lr_find_models"}
    assert set(stage_definition("export")["params"]) == every_model | {"students"} | fields("export")
    assert set(stage_definition("ensemble")["params"]) == every_model | {"ensembles"}
    # evaluate draws the exported model's confusion matrix, so it reads which model export exports.
    scored = every_model | {"baselines", "ensembles", "students"}
    assert set(stage_definition("evaluate")["params"]) == scored | fields("evaluate") | {"export.model"}
    assert stage_definition("baseline")["params"] == ["baselines.${key}"]
    assert stage_definition("pretrained")["params"] == ["pretrained_weights.${key}"]


def out_paths(stage: str) -> set[str]:
    definition = stage_definition(stage)
    entries = definition.get("outs", []) + definition.get("metrics", []) + definition.get("plots", [])
    return {entry if isinstance(entry, str) else next(iter(entry)) for entry in entries}


def test_outputs_match_the_paths_module():
    key = "${key}"
    assert out_paths("download") == {paths.RAW_DIR.as_posix()}
    assert out_paths("normalize") == {paths.PROCESSED_DIR.as_posix(), paths.DATA_METRICS_DIR.as_posix()}
    assert out_paths("lr_find") == {
        paths.LR_FIND_METRICS_FILE.as_posix(),
        paths.LR_FIND_PLOT_FILE.as_posix(),
    }
    assert (
        out_paths("train")
        == out_paths("train_lr_find")
        == {
            paths.model_file(key).as_posix(),
            paths.history_file(key).as_posix(),
            paths.train_metrics_file(key).as_posix(),
            paths.cost_metrics_file(key).as_posix(),
            paths.sweep_file(key).as_posix(),
            paths.live_dir(key).as_posix(),  # dvclive's whole folder, drawn by no plot
        }
    )
    # A student writes what a train stage writes, its model under students/.
    assert out_paths("distill") == {
        *(
            path.as_posix()
            for path in paths.student_outputs(key)
            if path.parent not in (paths.TIMINGS_DIR, paths.live_dir(key))
        ),
        paths.live_dir(key).as_posix(),
    }
    assert out_paths("ensemble") == {paths.ENSEMBLES_DIR.as_posix(), paths.ENSEMBLE_METRICS_DIR.as_posix()}
    assert out_paths("pretrained") == {paths.pretrained_file(key).as_posix()}
    for training in ("train", "train_lr_find", "distill"):  # any entry may start from a fetched backbone
        assert paths.PRETRAINED_DIR.as_posix() in stage_definition(training)["deps"]
    assert out_paths("export") == {
        paths.SAVED_MODEL_DIR.as_posix(),
        paths.TFLITE_FILE.as_posix(),
        paths.EXPORT_METRICS_FILE.as_posix(),
    }
    assert out_paths("baseline") == {paths.baseline_file(key).as_posix(), paths.baseline_metrics_file(key).as_posix()}
    assert out_paths("evaluate") == {
        path.as_posix()
        for path in (
            paths.SUMMARY_METRICS_DIR,
            paths.TEST_METRICS_DIR,
            paths.LEARNING_CURVES_FILE,
            paths.PER_CLASS_FILE,
            paths.CONFUSION_FILE,
            paths.PREDICTIONS_FIGURE_FILE,
        )
    }


def test_only_the_models_that_take_lr_finds_rate_depend_on_it():
    lr_find_output = paths.LR_FIND_METRICS_FILE.as_posix()
    assert lr_find_output not in stage_definition("train")["deps"]
    assert lr_find_output in stage_definition("train_lr_find")["deps"]
    assert set(stage_definition("train")["deps"]) == set(stage_definition("train_lr_find")["deps"]) - {lr_find_output}


def test_only_the_summaries_are_metrics():
    """`dvc metrics show` prints one row per model with the same columns: no other file is declared."""
    declared = {
        next(iter(entry)) for definition in map(stage_definition, STAGES) for entry in definition.get("metrics", [])
    }
    assert declared == {paths.SUMMARY_METRICS_DIR.as_posix()}


def test_baselines_re_run_neither_ensembles_nor_export():
    for stage in ("ensemble", "export"):
        deps = stage_definition(stage)["deps"]
        assert not {paths.BASELINES_DIR.as_posix(), paths.BASELINE_METRICS_DIR.as_posix()} & set(deps), stage
        assert "baselines" not in stage_definition(stage)["params"], stage


def test_serving_and_evaluation_code_never_re_run_training():
    for stage in ("lr_find", "train", "train_lr_find"):
        assert "fashion/serving" not in stage_definition(stage)["deps"], stage
    for stage in ("train", "train_lr_find"):
        assert "fashion/evaluation" not in stage_definition(stage)["deps"], stage


def test_small_outputs_are_tracked_by_git_not_the_cache():
    for stage in STAGES:
        definition = stage_definition(stage)
        for entry in definition.get("outs", []) + definition.get("metrics", []) + definition.get("plots", []):
            path = entry if isinstance(entry, str) else next(iter(entry))
            if path.startswith(("metrics/", "plots/", "live/")):
                assert entry[path]["cache"] is False, path


def test_dvc_lock_records_the_code_as_committed():
    """Every code dependency's hash in dvc.lock is the code's: a change of code without `dvc repro` (or a
    re-recorded lock) would make the committed run claim outputs of code it never ran."""
    from dvc.repo import Repo

    repository = Repo(str(REPOSITORY_ROOT))
    stale = []
    for stage in repository.index.stages:
        for dependency in stage.deps:
            if dependency.def_path.split("/")[0] in ("fashion", "stages") and dependency.exists:
                recorded = dependency.hash_info.value
                if recorded != dependency.get_hash().value:
                    stale.append(f"{stage.addressing}: {dependency.def_path}")
    assert not stale, f"dvc.lock is stale for {stale[:5]}"
