"""Read `params.yaml` once and validate it into typed, frozen objects.

Every stage calls `load_params` and then the `parse_*` function of each
section it uses. Any problem -- a missing or unknown key, a wrong type, a value
out of range -- raises `PipelineError` with one sentence that names the key
and what is allowed, before the stage writes anything. Unknown keys are
rejected because `dvc exp run -S` silently adds a misspelled key and would
otherwise train with the default.
"""

import math
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from fashion.dataset import DATASET_FILES
from fashion.errors import PipelineError

SECTIONS = ("download", "normalize", "lr_find", "models", "distribute", "evaluate", "export")
STRATEGIES = ("one_device", "mirrored", "multi_worker")
EXPORT_BEST = "best"
MIRROR_SCHEMES = ("https://", "http://", "file://")
ACTIVATIONS = ("relu", "gelu", "tanh", "sigmoid", "elu", "selu", "swish")
OPTIMIZERS = ("adam", "sgd", "rmsprop")
INPUT_SCALINGS = ("unit", "raw")
LEARNING_RATE_FROM_LR_FIND = "lr_find"
MODEL_NAME_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class DownloadParams:
    mirrors: tuple[str, ...]
    sha256: dict[str, str]
    timeout_seconds: float
    attempts_per_mirror: int


@dataclass(frozen=True)
class NormalizeParams:
    validation_fraction: float
    seed: int


@dataclass(frozen=True)
class LrFindParams:
    hidden_units: tuple[int, ...]
    activation: str
    optimizer: str
    start_learning_rate: float
    epochs_per_decade: float
    epochs: int
    batch_size: int
    seed: int
    smoothing: float
    suggestion_divisor: float


@dataclass(frozen=True)
class ModelParams:
    name: str
    hidden_units: tuple[int, ...]
    activation: str
    input_scaling: str
    optimizer: str
    learning_rate: float | None  # None: take the suggestion of lr_find.
    epochs: int
    batch_size: int
    seed: int


@dataclass(frozen=True)
class EvaluateParams:
    grid_rows: int
    grid_columns: int
    seed: int


@dataclass(frozen=True)
class DistributeParams:
    strategy: str


@dataclass(frozen=True)
class ExportParams:
    model: str  # A model name, or "best": the highest validation accuracy.


def load_params(path: Path) -> dict:
    """Read the YAML params file and check its top-level sections."""
    try:
        text = Path(path).read_text()
    except OSError as error:
        raise PipelineError(f"Cannot read {path}: {error.strerror}. Run the stage from the repository root.") from error
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise PipelineError(f"{path} is not valid YAML: {error}. Fix the syntax.") from error
    _mapping(raw, str(path))
    unknown = sorted(set(raw) - set(SECTIONS))
    if unknown:
        raise PipelineError(f"params.yaml: unknown section '{unknown[0]}'; allowed sections are {', '.join(SECTIONS)}.")
    return raw


def parse_download(raw: dict) -> DownloadParams:
    section = _section(raw, "download", ("mirrors", "sha256", "timeout_seconds", "attempts_per_mirror"))
    mirrors = section["mirrors"]
    if not isinstance(mirrors, list) or not mirrors:
        raise _invalid("download.mirrors", "a non-empty list of URLs", mirrors)
    for index, mirror in enumerate(mirrors):
        if not isinstance(mirror, str) or not mirror.startswith(MIRROR_SCHEMES):
            raise _invalid(
                f"download.mirrors[{index}]",
                f"a URL starting with {', '.join(MIRROR_SCHEMES)}",
                mirror,
            )
    return DownloadParams(
        mirrors=tuple(mirrors),
        sha256=parse_checksums(raw),
        timeout_seconds=_number(section["timeout_seconds"], "download.timeout_seconds", 0.1),
        attempts_per_mirror=_integer(section["attempts_per_mirror"], "download.attempts_per_mirror", 1, maximum=10),
    )


def parse_checksums(raw: dict) -> dict[str, str]:
    """Only `download.sha256`: the pinned content hash of each dataset file."""
    section = _mapping(raw.get("download"), "download")
    checksums = _section(section, "sha256", DATASET_FILES, prefix="download.sha256")
    for file_name, digest in checksums.items():
        if not isinstance(digest, str) or not re.fullmatch(r"[0-9a-f]{64}", digest):
            raise _invalid(f"download.sha256.{file_name}", "64 lowercase hex digits", digest)
    return dict(checksums)


def parse_normalize(raw: dict) -> NormalizeParams:
    section = _section(raw, "normalize", ("validation_fraction", "seed"))
    fraction = _number(section["validation_fraction"], "normalize.validation_fraction", 0.0)
    if not 0.0 < fraction < 1.0:
        raise _invalid("normalize.validation_fraction", "a number strictly between 0 and 1", fraction)
    return NormalizeParams(
        validation_fraction=fraction,
        seed=_integer(section["seed"], "normalize.seed", 0),
    )


def parse_lr_find(raw: dict) -> LrFindParams:
    keys = (
        "hidden_units", "activation", "optimizer", "start_learning_rate", "epochs_per_decade", "epochs",
        "batch_size", "seed", "smoothing", "suggestion_divisor",
    )  # fmt: skip
    section = _section(raw, "lr_find", keys)
    smoothing = _number(section["smoothing"], "lr_find.smoothing", 0.0)
    if smoothing >= 1.0:
        raise _invalid("lr_find.smoothing", "a number in [0, 1)", smoothing)
    return LrFindParams(
        hidden_units=_units(section["hidden_units"], "lr_find.hidden_units"),
        activation=_choice(section["activation"], "lr_find.activation", ACTIVATIONS),
        optimizer=_choice(section["optimizer"], "lr_find.optimizer", OPTIMIZERS),
        start_learning_rate=_number(section["start_learning_rate"], "lr_find.start_learning_rate", 1e-12),
        epochs_per_decade=_number(section["epochs_per_decade"], "lr_find.epochs_per_decade", 1e-6),
        epochs=_integer(section["epochs"], "lr_find.epochs", 2),
        batch_size=_integer(section["batch_size"], "lr_find.batch_size", 1),
        seed=_integer(section["seed"], "lr_find.seed", 0),
        smoothing=smoothing,
        suggestion_divisor=_number(section["suggestion_divisor"], "lr_find.suggestion_divisor", 1.0),
    )


def parse_models(raw: dict) -> dict[str, ModelParams]:
    """Validate the whole `models:` mapping; the result keeps its order."""
    if "models" not in raw:
        raise PipelineError("params.yaml: missing section 'models'; add at least one model entry.")
    models = _mapping(raw["models"], "models")
    if not models:
        raise PipelineError("params.yaml: 'models' is empty; add at least one model entry.")
    return {name: parse_model(raw, name) for name in models}


def parse_model(raw: dict, name: str) -> ModelParams:
    """Validate one entry of `models:`."""
    models = _mapping(raw.get("models"), "models")
    if name not in models:
        known = ", ".join(models) or "none"
        raise PipelineError(f"params.yaml: no model named '{name}' under 'models' (known: {known}).")
    if not isinstance(name, str) or not MODEL_NAME_PATTERN.match(name):
        raise _invalid(f"models.{name}", "a name of letters, digits and underscores", name)
    where = f"models.{name}"
    keys = (
        "hidden_units", "activation", "input_scaling", "optimizer", "learning_rate", "epochs",
        "batch_size", "seed",
    )  # fmt: skip
    entry = _section(models, name, keys, prefix=where)
    learning_rate = entry["learning_rate"]
    if learning_rate != LEARNING_RATE_FROM_LR_FIND:
        if isinstance(learning_rate, str):
            raise _invalid(
                f"{where}.learning_rate",
                f"a positive number or '{LEARNING_RATE_FROM_LR_FIND}'",
                learning_rate,
            )
        learning_rate = _number(learning_rate, f"{where}.learning_rate", 1e-12)
    else:
        learning_rate = None
    return ModelParams(
        name=name,
        hidden_units=_units(entry["hidden_units"], f"{where}.hidden_units"),
        activation=_choice(entry["activation"], f"{where}.activation", ACTIVATIONS),
        input_scaling=_choice(entry["input_scaling"], f"{where}.input_scaling", INPUT_SCALINGS),
        optimizer=_choice(entry["optimizer"], f"{where}.optimizer", OPTIMIZERS),
        learning_rate=learning_rate,
        epochs=_integer(entry["epochs"], f"{where}.epochs", 1),
        batch_size=_integer(entry["batch_size"], f"{where}.batch_size", 1),
        seed=_integer(entry["seed"], f"{where}.seed", 0),
    )


def parse_evaluate(raw: dict) -> EvaluateParams:
    section = _section(raw, "evaluate", ("grid_rows", "grid_columns", "seed"))
    return EvaluateParams(
        grid_rows=_integer(section["grid_rows"], "evaluate.grid_rows", 1, maximum=10),
        grid_columns=_integer(section["grid_columns"], "evaluate.grid_columns", 1, maximum=10),
        seed=_integer(section["seed"], "evaluate.seed", 0),
    )


def parse_distribute(raw: dict) -> DistributeParams:
    section = _section(raw, "distribute", ("strategy",))
    return DistributeParams(strategy=_choice(section["strategy"], "distribute.strategy", STRATEGIES))


def parse_export(raw: dict) -> ExportParams:
    section = _section(raw, "export", ("model",))
    models = _mapping(raw.get("models"), "models")
    model = _choice(section["model"], "export.model", (EXPORT_BEST, *models))
    return ExportParams(model=model)


# Small checkers. Each returns the validated value or raises PipelineError.


def _invalid(key: str, allowed: str, value) -> PipelineError:
    return PipelineError(f"params.yaml: {key} must be {allowed}, got {value!r}.")


def _mapping(value, where: str) -> dict:
    if not isinstance(value, dict):
        raise _invalid(where, "a mapping of keys to values", value)
    return value


def _section(parent: dict, name: str, keys: tuple[str, ...], prefix: str | None = None) -> dict:
    """Return `parent[name]`, checking that it holds exactly `keys`."""
    where = prefix or name
    if name not in parent:
        raise PipelineError(f"params.yaml: missing '{where}'; it needs the keys {', '.join(keys)}.")
    section = _mapping(parent[name], where)
    unknown = sorted(str(key) for key in set(section) - set(keys))
    if unknown:
        raise PipelineError(f"params.yaml: unknown key '{where}.{unknown[0]}'; allowed keys are {', '.join(keys)}.")
    missing = [key for key in keys if key not in section]
    if missing:
        raise PipelineError(f"params.yaml: missing key '{where}.{missing[0]}'.")
    return section


def _integer(value, key: str, minimum: int, maximum: int | None = None) -> int:
    in_range = isinstance(value, int) and not isinstance(value, bool) and value >= minimum
    if not in_range or (maximum is not None and value > maximum):
        upper = f" and at most {maximum}" if maximum is not None else ""
        raise _invalid(key, f"an integer of at least {minimum}{upper}", value)
    return value


def _number(value, key: str, minimum: float) -> float:
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not is_number or not math.isfinite(value) or value < minimum:
        allowed = "a positive number" if minimum > 0 else f"a number of at least {minimum}"
        raise _invalid(key, allowed, value)
    return float(value)


def _choice(value, key: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise _invalid(key, f"one of {', '.join(choices)}", value)
    return value


def _units(value, key: str) -> tuple[int, ...]:
    if not isinstance(value, list) or not value:
        raise _invalid(key, "a non-empty list of positive integers", value)
    return tuple(_integer(units, f"{key}[{index}]", 1) for index, units in enumerate(value))
