"""Bad params: one readable message naming the key, exit 1, nothing written."""

import copy

import pytest
import yaml
from synthetic import REPOSITORY_ROOT, write_params

from fashion.core.params import read_yaml, validate_params
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

ONE_BLOCK_WITH_POOLING = {
    "architecture": "convolutional", "blocks": [[8]], "pooling": "average", "optimizer": "adam",
    "learning_rate": 0.01, "epochs": 2, "batch_size": 16, "seed": 0,
}  # fmt: skip

CASES = [
    # (stage, key, value, words the message must contain)
    (download, "download.mirrors", [], "download.mirrors must be a non-empty list"),
    (download, "download.mirrors", ["ftp://example.org/"], "download.mirrors[0] must be a URL starting with"),
    (download, "download.timeout_seconds", "fast", "download.timeout_seconds must be a number between 0.1 and 3600.0"),
    (download, "download.sha256.t10k-images-idx3-ubyte.gz", "abc", "must be 64 lowercase hex digits"),
    (download, "download.retries", 3, "unknown key 'download.retries'"),
    (normalize, "normalize.validation_fraction", 1.5, "strictly between 0 and 1"),
    (normalize, "normalize.seed", -1, "normalize.seed must be an integer of at least 0"),
    (normalize, "normalize.seed", DELETE, "missing key 'normalize.seed'"),
    (lr_find, "lr_find.epochs", 1, "lr_find.epochs must be an integer of at least 2"),
    (lr_find, "lr_find.hidden_units", [4, 0], "lr_find.hidden_units[1] must be an integer of at least 1"),
    (lr_find, "lr_find.smoothing", 1.0, "lr_find.smoothing must be a number between 0.0 and 0.99"),
    (lr_find, "lr_find.optimizer", "adamw", "lr_find.optimizer must be one of adam, sgd, rmsprop"),
    (train, "models.model_1.learning_rate", 0, "models.model_1.learning_rate must be a positive number"),
    (train, "models.model_1.learning_rate", "auto", "a positive number or 'sweep'"),
    (train, "models.model_1.learning_rate", "lr_find", "move the entry to lr_find_models:"),
    (train, "lr_find_models.model_4.learning_rate", 0.01, "entries of lr_find_models train at the rate the lr_find"),
    (train, "lr_find_models.model_1", {"hidden_units": [4]}, "lr_find_models.model_1 must be a name that no entry"),
    (train, "models.model_1.weight_decay", 0.01, "model_1.weight_decay must be 0 unless the optimizer is adamw or sgd"),
    (train, "models.model_1.momentum", 0.9, "models.model_1.momentum must be 0 unless the optimizer is sgd"),
    (train, "models.model_1.nesterov", True, "nesterov must be false unless the optimizer is sgd with momentum"),
    (train, "models.model_1.schedule", "step", "must be one of constant, cosine, one_cycle"),
    (train, "models.model_1.warmup_epochs", 1, "warmup_epochs must be 0 unless the schedule is cosine"),
    (train, "models.cnn.sweep", {"epochs": 2}, "models.cnn.sweep.epochs is set, but the entry's learning_rate is not"),
    (train, "models.cnn_sweep.sweep", {"end_learning_rate": 1e-6}, "sweep.end_learning_rate must be larger than"),
    (train, "models.model_1.early_stopping_patience", 1, "early_stopping_patience must be 0, or fewer than epochs"),
    (train, "models.model_1.augmentation", {"erase_max_fraction": 0.3}, "erase_max_fraction must be left out unless"),
    (train, "models.cnn_fast", ONE_BLOCK_WITH_POOLING, "models.cnn_fast.pooling must be left out when there is one"),
    (train, "models.model_1.precision", "mixed_bfloat16", "unknown key 'models.model_1.precision'"),
    (train, "distribute.strategy", "multi_worker", "models.cnn_sweep.learning_rate is sweep, which runs on one"),
    (normalize, "models.model_2.epochs", 0, "models.model_2.epochs must be an integer of at least 1"),
    (
        train,
        "models.model_1.label_smoothing",
        1.5,
        "models.model_1.label_smoothing must be a number between 0.0 and 0.99",
    ),
    (train, "models.cnn.precision", "float16", "must be one of auto, float32, mixed_bfloat16, mixed_float16"),
    (train, "models.model_1.architecture", "transformer", "must be one of dense, convolutional"),
    (train, "models.model_1.augmentation", {"shift_pixels": 20}, "augmentation.shift_pixels must be an integer of"),
    (train, "models.model_1.augmentation", {"rotate": 10}, "unknown key 'models.model_1.augmentation.rotate'"),
    (train, "models.model_1.augmentation", [2], "models.model_1.augmentation must be a mapping"),
    (train, "models.model_1.restore_best_epoch", "yes", "models.model_1.restore_best_epoch must be true or false"),
    (train, "models.model_1.blocks", [[8]], "unknown key 'models.model_1.blocks'"),  # dense entries have none
    (train, "models.cnn.blocks", [], "models.cnn.blocks must be a non-empty list of lists of positive integers"),
    (train, "models.cnn.blocks", [[8], [0]], "models.cnn.blocks[1][0] must be an integer of at least 1"),
    (train, "models.cnn.kernel_size", 9, "models.cnn.kernel_size must be an integer of at least 1 and at most 7"),
    (train, "models.cnn.global_pooling", "min", "must be one of average, max, flatten"),
    (train, "models.cnn.hidden_units", [4], "unknown key 'models.cnn.hidden_units'"),
    (train, "models.cnn.head_dropout", -0.1, "models.cnn.head_dropout must be a number between 0.0 and 0.9"),
    (evaluate, "ensembles.ensemble", {**ENSEMBLE_ENTRY, "members": ["cnn"]}, "or one with test-time augmentation"),
    (evaluate, "ensembles.ensemble.members", ["cnn", "cnn"], "a list of different model names"),
    (evaluate, "ensembles.ensemble.members", ["cnn", "model_9"], "ensembles.ensemble.members must be one of"),
    (evaluate, "ensembles.ensemble.flip_test_time_augmentation", 1, "must be true or false"),
    (evaluate, "ensembles.ensemble.shift_test_time_augmentation", 3, "0, or at most a member's augmentation.shift"),
    (
        evaluate,
        "ensembles.ensemble",
        {"members": ["model_1", "model_2"], "flip_test_time_augmentation": True},
        "flip_test_time_augmentation must be false: no member trained with augmentation.horizontal_flip",
    ),
    (evaluate, "ensembles.model_1", ENSEMBLE_ENTRY, "ensembles.model_1 must be a name that no entry of models: uses"),
    (train, "models.model_1.epochs", 2.5, "models.model_1.epochs must be an integer"),
    (train, "models.model_1.batch_size", True, "models.model_1.batch_size must be an integer"),
    (train, "models.model_1.activation", "relu6", "models.model_1.activation must be one of"),
    (train, "models.model_1.input_scaling", "standard", "must be one of unit, raw"),
    (train, "models.model_1.epoch", 3, "unknown key 'models.model_1.epoch'"),
    (train, "models.model_1.hidden_units", [], "must be a non-empty list of positive integers"),
    (evaluate, "evaluate.grid_rows", 0, "evaluate.grid_rows must be an integer of at least 1"),
    (evaluate, "models", {}, "ensembles.cnn_tta.members must be one of model_4, got 'cnn'"),
    (evaluate, "training", {"epochs": 3}, "unknown key 'training'; allowed keys are download, normalize"),
]


@pytest.mark.parametrize(("stage", "key", "value", "expected"), CASES, ids=[case[1] for case in CASES])
def test_bad_param_gives_one_line_and_writes_nothing(project, capsys, stage, key, value, expected):
    params = yaml.safe_load((project / "params.yaml").read_text())
    write_params(project, mutate(params, key, value))

    model = key.split(".")[1] if key.startswith(("models.", "lr_find_models.")) else "model_1"
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
    parsed = validate_params(params).ensembles["cnn_flips"]
    assert parsed.members == ("cnn",) and parsed.flip_test_time_augmentation


def test_unknown_model_name_lists_the_known_ones(project, capsys):
    assert train.main(["--model", "model_9"]) == 1
    assert "no model named 'model_9'" in capsys.readouterr().err


def test_params_read_as_dvc_reads_them():
    """The stages read params.yaml with DVC's own loader (`dvc.utils.serialize.load_yaml`)."""
    from dvc.utils.serialize import load_yaml

    assert read_yaml(REPOSITORY_ROOT / "params.yaml") == load_yaml(REPOSITORY_ROOT / "params.yaml")


def test_missing_params_file_and_invalid_yaml(project, capsys):
    (project / "params.yaml").write_text("models: [unclosed\n")
    assert normalize.main([]) == 1
    error = capsys.readouterr().err
    assert error.startswith("normalize: error: params.yaml is not valid YAML: ") and "\n" not in error.strip()
    assert "at line 2, column 1 (while parsing a flow sequence at line 1, column 9)" in error
    (project / "params.yaml").write_text("models:\n  model_1: 1\n   model_2: 2\n")
    assert normalize.main([]) == 1
    error = capsys.readouterr().err
    assert "is not valid YAML: mapping values are not allowed" in error and " at line 3, column " in error, error
    assert "\n" not in error.strip()
    (project / "params.yaml").unlink()
    assert normalize.main([]) == 1
    assert "Cannot read params.yaml" in capsys.readouterr().err


def test_a_key_given_twice_is_an_error_naming_the_key_and_its_lines(project, capsys):
    text = (project / "params.yaml").read_text()
    entry = text.index("  model_1:\n")
    epochs = text.index("    epochs:", entry)
    doubled = text[:epochs] + "    epochs: 7\n" + text[epochs:]
    (project / "params.yaml").write_text(doubled)
    assert normalize.main([]) == 1
    error = capsys.readouterr().err
    assert "the key 'epochs' appears twice in one mapping (lines" in error
    assert len(error.strip().splitlines()) == 1
    assert not (project / "data").exists()


def test_a_model_entry_given_twice_is_an_error(project, capsys):
    text = (project / "params.yaml").read_text()
    start = text.index("  model_1:\n")
    end = text.index("  model_2:\n")
    (project / "params.yaml").write_text(text[:end] + text[start:end] + text[end:])
    assert download.main([]) == 1
    assert "the key 'model_1' appears twice" in capsys.readouterr().err


def test_a_batch_larger_than_the_training_split_is_an_error(processed_project, capsys):
    params = yaml.safe_load((processed_project / "params.yaml").read_text())
    params["models"]["model_1"]["batch_size"] = 10_000
    write_params(processed_project, params)
    assert train.main(["--model", "model_1"]) == 1
    error = capsys.readouterr().err
    assert "batch_size (10,000) is larger than the training split (240 images)" in error
    assert not (processed_project / "models" / "model_1.keras").exists()
