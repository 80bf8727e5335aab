"""Bad params: one readable message naming the key, exit 1, nothing written."""

import copy

import pytest
import yaml
from synthetic import write_params

from fashion.params import parse_ensembles
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
ENSEMBLE_ENTRY = {"members": ["cnn", "model_4"], "flip_test_time_augmentation": False}

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
    (train, "models.model_1.learning_rate", "auto", "a positive number, 'lr_find' or 'sweep'"),
    (train, "models.model_1.weight_decay", 0.01, "models.model_1.weight_decay must be 0 unless the optimizer is adamw"),
    (train, "models.model_1.momentum", 0.9, "models.model_1.momentum must be 0 unless the optimizer is sgd"),
    (train, "models.model_1.schedule", "step", "must be one of constant, cosine, one_cycle"),
    (train, "models.model_1.warmup_epochs", 2, "models.model_1.warmup_epochs must be fewer than epochs (2)"),
    (train, "models.model_1.label_smoothing", 1.5, "models.model_1.label_smoothing must be a number between 0 and 1"),
    (train, "models.model_1.precision", "float16", "must be one of float32, mixed_bfloat16"),
    (train, "models.model_1.architecture", "transformer", "must be one of dense, convolutional"),
    (train, "models.model_1.augmentation", {"shift_pixels": 20}, "augmentation.shift_pixels must be an integer of"),
    (train, "models.model_1.augmentation", {"rotate": 10}, "unknown key 'models.model_1.augmentation.rotate'"),
    (train, "models.model_1.augmentation", [2], "models.model_1.augmentation must be a mapping"),
    (train, "models.model_1.restore_best_epoch", "yes", "models.model_1.restore_best_epoch must be true or false"),
    (train, "models.model_1.blocks", [[8]], "unknown key 'models.model_1.blocks'"),  # dense entries have none
    (train, "models.cnn.blocks", [], "models.cnn.blocks must be a non-empty list of blocks"),
    (train, "models.cnn.blocks", [[8], [0]], "models.cnn.blocks[1][0] must be an integer of at least 1"),
    (train, "models.cnn.kernel_size", 9, "models.cnn.kernel_size must be an integer of at least 1 and at most 7"),
    (train, "models.cnn.global_pooling", "min", "must be one of average, max, flatten"),
    (train, "models.cnn.hidden_units", [4], "unknown key 'models.cnn.hidden_units'"),
    (train, "models.cnn.head_dropout", -0.1, "models.cnn.head_dropout must be a number of at least 0.0"),
    (evaluate, "ensembles.ensemble", {**ENSEMBLE_ENTRY, "members": ["cnn"]}, "at least two, or one with flip_test"),
    (evaluate, "ensembles.ensemble.members", ["cnn", "cnn"], "a list of different model names"),
    (evaluate, "ensembles.ensemble.members", ["cnn", "model_9"], "ensembles.ensemble.members must be one of"),
    (evaluate, "ensembles.ensemble.flip_test_time_augmentation", 1, "must be true or false"),
    (evaluate, "ensembles.model_1", ENSEMBLE_ENTRY, "ensembles.model_1 must be a name that no entry of models: uses"),
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

    model = key.split(".")[1] if key.startswith("models.") else "model_1"
    exit_code = stage.main(["--model", model] if stage is train else [])

    captured = capsys.readouterr()
    assert exit_code == 1
    assert expected in captured.err
    assert len(captured.err.strip().splitlines()) == 1
    assert "Traceback" not in captured.err
    assert [name for name in OUTPUT_DIRECTORIES if (project / name).exists()] == []


def test_one_member_with_flips_is_that_model_with_test_time_augmentation(project):
    params = yaml.safe_load((project / "params.yaml").read_text())
    params["ensembles"] = {"cnn_flips": {"members": ["cnn"], "flip_test_time_augmentation": True}}
    parsed = parse_ensembles(params)["cnn_flips"]
    assert parsed.members == ("cnn",) and parsed.flip_test_time_augmentation


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


def test_bad_fast_sweep_settings_stop_a_model_that_sweeps(project, capsys):
    params = yaml.safe_load((project / "params.yaml").read_text())
    params["models"]["model_1"]["learning_rate"] = "sweep"
    params["fast_lr_find"]["end_learning_rate"] = 1e-6
    write_params(project, params)
    assert train.main(["--model", "model_1"]) == 1
    assert "fast_lr_find.end_learning_rate must be larger than start_learning_rate" in capsys.readouterr().err
    assert not (project / "models").exists()
