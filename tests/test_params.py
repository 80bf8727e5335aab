"""Bad params: one readable message naming the key, exit 1, nothing written."""

import copy

import pytest
import yaml
from synthetic import write_params

from stages import download, evaluate, lr_find, normalize, train

OUTPUT_DIRECTORIES = ("data", "models", "metrics", "plots")


def mutate(params: dict, dotted_key: str, value) -> dict:
    """A copy of `params` with `dotted_key` set to `value` (or deleted if value is DELETE).

    The dataset file names contain dots, so at most three levels are split off.
    """
    changed = copy.deepcopy(params)
    *parents, last = dotted_key.split(".", 2)
    node = changed
    for key in parents:
        node = node[key]
    if value is DELETE:
        del node[last]
    else:
        node[last] = value
    return changed


DELETE = object()

CASES = [
    # (stage, key, value, words the message must contain)
    (download, "download.mirrors", [], "download.mirrors must be a non-empty list"),
    (download, "download.mirrors", ["ftp://example.org/"], "download.mirrors[0] must be a URL starting with"),
    (download, "download.timeout_seconds", "fast", "download.timeout_seconds must be a positive number"),
    (download, "download.sha256.t10k-images-idx3-ubyte.gz", "abc", "must be 64 lowercase hex digits"),
    (download, "download.retries", 3, "unknown key 'download.retries'"),
    (normalize, "normalize.validation_fraction", 1.5, "strictly between 0 and 1"),
    (normalize, "normalize.seed", -1, "normalize.seed must be an integer of at least 0"),
    (normalize, "normalize.seed", DELETE, "missing key 'normalize.seed'"),
    (lr_find, "lr_find.epochs", 1, "lr_find.epochs must be an integer of at least 2"),
    (lr_find, "lr_find.hidden_units", [4, 0], "lr_find.hidden_units[1] must be an integer of at least 1"),
    (lr_find, "lr_find.smoothing", 1.0, "lr_find.smoothing must be a number in [0, 1)"),
    (lr_find, "lr_find.optimizer", "adamw", "lr_find.optimizer must be one of adam, sgd, rmsprop"),
    (train, "models.model_1.learning_rate", 0, "models.model_1.learning_rate must be a positive number"),
    (train, "models.model_1.learning_rate", "auto", "a positive number or 'lr_find'"),
    (train, "models.model_1.epochs", 2.5, "models.model_1.epochs must be an integer"),
    (train, "models.model_1.batch_size", True, "models.model_1.batch_size must be an integer"),
    (train, "models.model_1.activation", "relu6", "models.model_1.activation must be one of"),
    (train, "models.model_1.input_scaling", "standard", "must be one of unit, raw"),
    (train, "models.model_1.epoch", 3, "unknown key 'models.model_1.epoch'"),
    (train, "models.model_1.hidden_units", [], "must be a non-empty list of positive integers"),
    (evaluate, "evaluate.grid_rows", 0, "evaluate.grid_rows must be an integer of at least 1"),
    (evaluate, "models", {}, "'models' is empty"),
    (evaluate, "training", {"epochs": 3}, "unknown section 'training'"),
]


@pytest.mark.parametrize(("stage", "key", "value", "expected"), CASES, ids=[case[1] for case in CASES])
def test_bad_param_gives_one_line_and_writes_nothing(project, capsys, stage, key, value, expected):
    params = yaml.safe_load((project / "params.yaml").read_text())
    write_params(project, mutate(params, key, value))

    exit_code = stage.main(["--model", "model_1"] if stage is train else [])

    captured = capsys.readouterr()
    assert exit_code == 1
    assert expected in captured.err
    assert len(captured.err.strip().splitlines()) == 1
    assert "Traceback" not in captured.err
    assert [name for name in OUTPUT_DIRECTORIES if (project / name).exists()] == []


def test_unknown_model_name_lists_the_known_ones(project, capsys):
    assert train.main(["--model", "model_9"]) == 1
    assert "no model named 'model_9'" in capsys.readouterr().err


def test_missing_params_file_and_invalid_yaml(project, capsys):
    (project / "params.yaml").write_text("models: [unclosed\n")
    assert normalize.main([]) == 1
    assert "params.yaml is not valid YAML" in capsys.readouterr().err
    (project / "params.yaml").unlink()
    assert normalize.main([]) == 1
    assert "Cannot read params.yaml" in capsys.readouterr().err
