"""params.yaml read exactly as DVC reads it, and every value checked before any stage writes.

DVC records, diffs and sets params with ruamel.yaml (YAML 1.2); a stage that
read YAML 1.1 would train `epochs: 012` as 10 while `dvc params diff` records
12. Every case here is one line from `load_params` before anything runs.
"""

import json
import subprocess
import sys

import pytest
import yaml
from conftest import environment
from dvc.utils.serialize import load_yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from synthetic import REPOSITORY_ROOT, write_params

from fashion.core.errors import PipelineError
from fashion.core.params import load_params, read_yaml
from stages import download

PARAMS_TEXT = (REPOSITORY_ROOT / "params.yaml").read_text()


def with_line(text: str, section: str, key: str, value: str) -> str:
    """`text` with the first `key:` line after the line `section` set to `value` (its comment dropped)."""
    start = text.index(section)
    line = text.index(f" {key}: ", start) + 1
    indent = text.rindex("\n", 0, line) + 1
    return text[:indent] + " " * (line - indent) + f"{key}: {value}" + text[text.index("\n", line) :]


def refused_in_one_line(path) -> str:
    with pytest.raises(PipelineError) as raised:
        load_params(path)
    message = str(raised.value)
    assert "\n" not in message and len(message) < 600, message
    return message


# YAML 1.1 and 1.2 read these differently: octal-looking and sexagesimal numbers, yes/no/on/off,
# exponents without a dot, dates, nulls. Whatever the stage trains from must be what DVC records.
AMBIGUOUS_SCALARS = st.one_of(
    st.from_regex(r"0[0-7]{1,3}", fullmatch=True),
    st.from_regex(r"0o[0-7]{1,3}", fullmatch=True),
    st.from_regex(r"[1-9][0-9]?:[0-5][0-9]", fullmatch=True),
    st.sampled_from(["yes", "no", "on", "off", "y", "n", "Yes", "NO", "On", "OFF", "true", "False"]),
    st.from_regex(r"[1-9]e-?[0-9]", fullmatch=True),
    st.from_regex(r"[1-9]\.[0-9]e[+-]?[0-9]", fullmatch=True),
    st.sampled_from(["2024-01-31", "~", "null", "Null", "", "0x1A", "1_000", ".inf", ".nan"]),
)
# (section line, key, how the stage reads it)
READERS = {
    "epochs": ("  model_1:", lambda path: load_params(path).model("model_1").epochs),
    "restore_best_epoch": ("  cnn:", lambda path: load_params(path).model("cnn").restore_best_epoch),
    "learning_rate": ("  model_1:", lambda path: load_params(path).model("model_1").learning_rate),
    "seed": ("\nnormalize:\n", lambda path: load_params(path).normalize.seed),
    "epochs_per_decade": ("\nlr_find:\n", lambda path: load_params(path).lr_find.epochs_per_decade),
}
DVC_PATHS = {
    "epochs": ("models", "model_1", "epochs"),
    "restore_best_epoch": ("models", "cnn", "restore_best_epoch"),
    "learning_rate": ("models", "model_1", "learning_rate"),
    "seed": ("normalize", "seed"),
    "epochs_per_decade": ("lr_find", "epochs_per_decade"),
}


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=st.sampled_from(sorted(READERS)), scalar=AMBIGUOUS_SCALARS)
def test_what_the_stage_trains_from_is_what_dvc_records(tmp_path, key, scalar):
    section, read = READERS[key]
    path = tmp_path / "params.yaml"
    path.write_text(with_line(PARAMS_TEXT, section, key, scalar))
    recorded = load_yaml(path)  # DVC's own reader, as `dvc params diff` and `dvc exp show` use it
    for step in DVC_PATHS[key]:
        recorded = recorded[step]
    try:
        used = read(path)
    except PipelineError as error:
        assert "\n" not in str(error) and str(error).startswith("params.yaml: ")
        return
    assert type(used) is type(recorded) or (isinstance(used, float) and type(recorded) is int)
    assert used == recorded


def test_dvc_params_diff_records_the_values_the_stages_use(tmp_path):
    """The issue's cases, through the real `dvc params diff`: 012 is 12 for both, 1:30 and on are refused."""
    repository = tmp_path / "repository"
    repository.mkdir()
    (repository / "params.yaml").write_text(PARAMS_TEXT)
    (repository / "dvc.yaml").write_text(
        "stages:\n  train:\n    cmd: 'true'\n    params: [models.model_1.epochs, models.model_1.learning_rate]\n"
    )
    for command in (
        ["git", "init", "-q"],
        ["dvc", "init", "-q"],
        ["git", "add", "-A"],
        ["git", "commit", "-qm", "base"],
    ):
        subprocess.run(command, cwd=repository, env=environment(), check=True, capture_output=True)
    text = with_line(PARAMS_TEXT, "  model_1:", "epochs", "012")
    (repository / "params.yaml").write_text(with_line(text, "  model_1:", "learning_rate", "2e-3"))
    diff = subprocess.run(
        [sys.executable, "-m", "dvc", "params", "diff", "--json"],
        cwd=repository, env=environment(), check=True, capture_output=True, text=True,
    )  # fmt: skip
    recorded = json.loads(diff.stdout)["params.yaml"]
    model = load_params(repository / "params.yaml").model("model_1")
    assert recorded["models.model_1.epochs"]["new"] == model.epochs == 12
    assert recorded["models.model_1.learning_rate"]["new"] == model.learning_rate == 0.002
    for entry, key, value in (("model_1", "epochs", "1:30"), ("cnn", "restore_best_epoch", "on")):
        (repository / "params.yaml").write_text(with_line(PARAMS_TEXT, f"  {entry}:", key, value))
        assert f"models.{entry}.{key} must be" in refused_in_one_line(repository / "params.yaml")


def test_aliases_and_merge_keys_are_read_as_dvc_reads_them(tmp_path):
    text = PARAMS_TEXT.replace("  model_2:", "  model_2: &dense_study", 1)
    text = text.replace(
        "\nlr_find_models:\n", "\n  model_3:\n    <<: *dense_study\n    epochs: 3\nlr_find_models:\n", 1
    )
    path = tmp_path / "params.yaml"
    path.write_text(text)
    params = read_yaml(path)
    load_params(path)  # and the stages accept it
    assert params == load_yaml(path)
    assert params["models"]["model_3"] == {**params["models"]["model_2"], "epochs": 3}


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (PARAMS_TEXT.replace("# ", "# caf\xe9 ", 1).encode("latin-1"), "is not UTF-8: byte 0xe9 at line 1"),
        (PARAMS_TEXT + "? [a, b]\n: 1\n", "the key ('a', 'b') at the top level is not a plain string"),
        (PARAMS_TEXT + "1: one\n", "the key 1 at the top level is not a plain string"),
        (
            PARAMS_TEXT.replace(
                "  model_1:  # the same network on normalized pixels\n", "  model_1:\n    ? [x]\n    : 2\n", 1
            ),
            "under models.model_1",
        ),
    ],
)
def test_bytes_and_keys_the_reader_cannot_take_are_one_line(tmp_path, text, problem):
    path = tmp_path / "params.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    assert problem in refused_in_one_line(path)


def hostile_baseline(estimator: str, **arguments):
    def change(params):
        params["baselines"]["hostile"] = {"estimator": estimator, "arguments": arguments}

    return change


def set_key(*path, value):
    def change(params):
        entry = params
        for step in path[:-1]:
            entry = entry[step]
        entry[path[-1]] = value

    return change


def sweep_validation_images(count: int):
    def change(params):
        swept = next(entry for entry in params["models"].values() if entry.get("learning_rate") == "sweep")
        swept["sweep"]["validation_images"] = count

    return change


def rename_model(old: str, new: str):
    def change(params):
        params["models"] = {new if name == old else name: entry for name, entry in params["models"].items()}

    return change


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (hostile_baseline("os.system"), "baselines.hostile.estimator 'os.system' is not a scikit-learn classifier"),
        (hostile_baseline("subprocess.Popen"), "'subprocess.Popen' is not a scikit-learn classifier"),
        (hostile_baseline("StandardScaler"), "'StandardScaler' is not a scikit-learn classifier"),
        (hostile_baseline("OneVsRestClassifier"), "OneVsRestClassifier needs another estimator as its estimator"),
        (set_key("baselines", "mlp", "arguments", "hidden_layer_sizes", value=[{"a": 1}]),
         "baselines.mlp.arguments.hidden_layer_sizes must be a number, string, boolean, null or a list of them"),
        (set_key("baselines", "random_forest", "arguments", "n_estimators", value=1e12),
         "The 'n_estimators' parameter of RandomForestClassifier must be an int"),
        (set_key("lr_find", "batch_size", value=10**9), "lr_find.batch_size (1,000,000,000) is larger than the"),
        (set_key("models", "cnn_fast", "blocks", value=[[8]] * 6), "models.cnn_fast.blocks has 6 blocks"),
        (set_key("normalize", "validation_fraction", value=0.0001), "leaves 6 of 60,000 images for validation"),
        (sweep_validation_images(20_000), "sweep.validation_images (20,000) is more than the validation split holds"),
        (set_key("students", value=0), "students must be a mapping of entries"),
        (set_key("students", value=None), "students must be a mapping of entries"),
        (set_key("ensembles", value=[]), "ensembles must be a mapping of entries"),
        (set_key("baselines", value=False), "baselines must be a mapping of entries"),
        (set_key("lr_find_models", value=0), "lr_find_models must be a mapping of entries"),
        (rename_model("model_1", "best"), "must be a name other than best"),
        (rename_model("model_1", "model_x\n"), "letters, digits and underscores"),
        (rename_model("model_2", "MODEL_1"), "model_1 and MODEL_1 differ only in case"),
    ],
)  # fmt: skip
def test_each_bad_value_is_refused_before_any_stage_writes(project, capsys, change, problem):
    params = yaml.safe_load((project / "params.yaml").read_text())
    change(params)
    write_params(project, params)
    assert download.main([]) == 1
    message = capsys.readouterr().err
    assert problem in message and message.count("\n") == 1, message
    assert not (project / "data").exists()


def test_dvcs_writer_changes_one_line_per_value_and_keeps_every_comment(tmp_path):
    """`dvc exp run -S` rewrites params.yaml through DVC's writer: the committed file is already in its form."""
    from dvc.utils.hydra import apply_overrides

    comments = [line.strip() for line in PARAMS_TEXT.splitlines() if "#" in line]
    for override, changed in (
        ("models.model_2.epochs=21", "    epochs: 21"),
        ("download.timeout_seconds=31", "  timeout_seconds: 31"),
        ("models.cnn.seed=1", "    seed: 1"),
        ("normalize.validation_fraction=0.2", "  validation_fraction: 0.2"),
    ):
        path = tmp_path / "params.yaml"
        path.write_text(PARAMS_TEXT)
        apply_overrides(path, [override])
        before, after = PARAMS_TEXT.splitlines(), path.read_text().splitlines()
        assert len(before) == len(after)
        differences = [(old, new) for old, new in zip(before, after, strict=True) if old != new]
        assert len(differences) == 1 and differences[0][1].startswith(changed), differences
        assert [line.strip() for line in after if "#" in line] == [
            comment.replace(differences[0][0].strip(), differences[0][1].strip()) for comment in comments
        ]


def test_editors_check_params_against_a_current_schema(tmp_path):
    """params.yaml names params.schema.json for the YAML language server; the schema is generated and current."""
    import jsonschema

    assert PARAMS_TEXT.splitlines()[0] == "# yaml-language-server: $schema=params.schema.json"
    check = subprocess.run([sys.executable, "scripts/params_schema.py", "--check"], cwd=REPOSITORY_ROOT,
                           capture_output=True, text=True)  # fmt: skip
    assert check.returncode == 0, check.stdout
    schema = json.loads((REPOSITORY_ROOT / "params.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    assert list(validator.iter_errors(load_yaml(REPOSITORY_ROOT / "params.yaml"))) == []
    for change in (
        set_key("models", "cnn", "epochs", value=0),
        set_key("models", "cnn", "epoch", value=3),
        set_key("models", "cnn", "augmentation", "shift_pixels", value="two"),
        set_key("download", "mirrors", value=["file:///dev/zero#"]),
        rename_model("model_1", "model-1"),
    ):
        params = load_yaml(REPOSITORY_ROOT / "params.yaml")
        change(params)
        assert list(validator.iter_errors(params)), change  # the editor underlines it
        write_params(tmp_path, params)
        refused_in_one_line(tmp_path / "params.yaml")  # and the stages refuse it
