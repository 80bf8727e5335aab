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
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from fashion.dataset import DATASET_FILES
from fashion.errors import PipelineError
from fashion.specs import GLOBAL_POOLINGS, POOLINGS, Augmentation, ConvolutionalArchitecture

SECTIONS = (
    "download", "normalize", "lr_find", "fast_lr_find", "models", "ensembles", "distribute", "evaluate", "export",
)  # fmt: skip
STRATEGIES = ("one_device", "mirrored", "multi_worker")
EXPORT_BEST = "best"
MIRROR_SCHEMES = ("https://", "http://", "file://")
ACTIVATIONS = ("relu", "gelu", "tanh", "sigmoid", "elu", "selu", "swish")
OPTIMIZERS = ("adam", "adamw", "sgd", "rmsprop")
STUDY_OPTIMIZERS = ("adam", "sgd", "rmsprop")
INPUT_SCALINGS = ("unit", "raw")
ARCHITECTURES = ("dense", "convolutional")
SCHEDULES = ("constant", "cosine", "one_cycle")
PRECISIONS = ("float32", "mixed_bfloat16")
LEARNING_RATE_FROM_LR_FIND = "lr_find"
LEARNING_RATE_FROM_OWN_SWEEP = "sweep"
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
class FastLrFindParams:
    start_learning_rate: float
    end_learning_rate: float
    epochs: int
    evaluate_every_steps: int
    validation_images: int
    smoothing: float
    suggestion_divisor: float


@dataclass(frozen=True)
class ModelParams:
    """One entry of `models:`. Dense entries use hidden_units, activation and
    input_scaling; convolutional ones `convolutional`. The recipe keys after
    `seed` are optional in params.yaml, with the study's plain defaults."""

    name: str
    architecture: str
    hidden_units: tuple[int, ...]
    activation: str
    input_scaling: str
    convolutional: ConvolutionalArchitecture | None
    optimizer: str
    learning_rate: float | None  # None: see learning_rate_source.
    learning_rate_source: str  # "params", "lr_find" (the lr_find stage) or "sweep" (the model's own).
    epochs: int
    batch_size: int
    seed: int
    weight_decay: float = 0.0
    momentum: float = 0.0
    schedule: str = "constant"
    warmup_epochs: int = 0
    label_smoothing: float = 0.0
    early_stopping_patience: int = 0  # 0: never stop early
    restore_best_epoch: bool = False  # keep the weights of the best validation epoch
    augmentation: Augmentation = field(default_factory=Augmentation)
    precision: str = "float32"


@dataclass(frozen=True)
class EnsembleParams:
    name: str
    members: tuple[str, ...]
    flip_test_time_augmentation: bool


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
        optimizer=_choice(section["optimizer"], "lr_find.optimizer", STUDY_OPTIMIZERS),
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


COMMON_MODEL_KEYS = ("optimizer", "learning_rate", "epochs", "batch_size", "seed")
DENSE_MODEL_KEYS = ("hidden_units", "activation", "input_scaling")
CONVOLUTIONAL_MODEL_KEYS = ("blocks",)
CONVOLUTIONAL_OPTIONAL_KEYS = (
    "kernel_size", "batch_normalization", "residual", "pooling", "block_dropout", "global_pooling",
    "dense_units", "head_dropout", "activation",
)  # fmt: skip
RECIPE_OPTIONAL_KEYS = (
    "architecture", "weight_decay", "momentum", "schedule", "warmup_epochs", "label_smoothing",
    "early_stopping_patience", "restore_best_epoch", "augmentation", "precision",
)  # fmt: skip
AUGMENTATION_KEYS = ("shift_pixels", "horizontal_flip", "erase_probability", "erase_max_fraction")


def parse_model(raw: dict, name: str) -> ModelParams:
    """Validate one entry of `models:`."""
    models = _mapping(raw.get("models"), "models")
    if name not in models:
        known = ", ".join(str(model) for model in models) or "none"
        raise PipelineError(f"params.yaml: no model named '{name}' under 'models' (known: {known}).")
    if not isinstance(name, str) or not MODEL_NAME_PATTERN.match(name):
        raise _invalid(f"models.{name}", "a name of letters, digits and underscores", name)
    where = f"models.{name}"
    declared = _mapping(models[name], where).get("architecture", "dense")
    architecture = _choice(declared, f"{where}.architecture", ARCHITECTURES)
    if architecture == "dense":
        required, optional = (*DENSE_MODEL_KEYS, *COMMON_MODEL_KEYS), RECIPE_OPTIONAL_KEYS
    else:
        required = (*CONVOLUTIONAL_MODEL_KEYS, *COMMON_MODEL_KEYS)
        optional = (*CONVOLUTIONAL_OPTIONAL_KEYS, *RECIPE_OPTIONAL_KEYS)
    entry = _section(models, name, required, prefix=where, optional=optional)
    learning_rate, source = _learning_rate(entry["learning_rate"], f"{where}.learning_rate")
    optimizer = _choice(entry["optimizer"], f"{where}.optimizer", OPTIMIZERS)
    epochs = _integer(entry["epochs"], f"{where}.epochs", 1)
    warmup_epochs = _integer(entry.get("warmup_epochs", 0), f"{where}.warmup_epochs", 0)
    if warmup_epochs >= epochs and warmup_epochs > 0:
        raise _invalid(f"{where}.warmup_epochs", f"fewer than epochs ({epochs})", warmup_epochs)
    weight_decay = _number(entry.get("weight_decay", 0.0), f"{where}.weight_decay", 0.0)
    if weight_decay > 0 and optimizer != "adamw":
        raise _invalid(f"{where}.weight_decay", "0 unless the optimizer is adamw", weight_decay)
    momentum = _fraction(entry.get("momentum", 0.0), f"{where}.momentum")
    if momentum > 0 and optimizer != "sgd":
        raise _invalid(f"{where}.momentum", "0 unless the optimizer is sgd", momentum)
    is_dense = architecture == "dense"
    return ModelParams(
        name=name,
        architecture=architecture,
        hidden_units=_units(entry["hidden_units"], f"{where}.hidden_units") if is_dense else (),
        activation=_choice(entry.get("activation", "relu"), f"{where}.activation", ACTIVATIONS),
        input_scaling=_choice(entry["input_scaling"], f"{where}.input_scaling", INPUT_SCALINGS) if is_dense else "unit",
        convolutional=None if is_dense else _convolutional(entry, where),
        optimizer=optimizer,
        learning_rate=learning_rate,
        learning_rate_source=source,
        epochs=epochs,
        batch_size=_integer(entry["batch_size"], f"{where}.batch_size", 1),
        seed=_integer(entry["seed"], f"{where}.seed", 0),
        weight_decay=weight_decay,
        momentum=momentum,
        schedule=_choice(entry.get("schedule", "constant"), f"{where}.schedule", SCHEDULES),
        warmup_epochs=warmup_epochs,
        label_smoothing=_fraction(entry.get("label_smoothing", 0.0), f"{where}.label_smoothing"),
        early_stopping_patience=_integer(
            entry.get("early_stopping_patience", 0), f"{where}.early_stopping_patience", 0
        ),
        restore_best_epoch=_boolean(entry.get("restore_best_epoch", False), f"{where}.restore_best_epoch"),
        augmentation=_augmentation(entry.get("augmentation", {}), f"{where}.augmentation"),
        precision=_choice(entry.get("precision", "float32"), f"{where}.precision", PRECISIONS),
    )


def _learning_rate(value, key: str) -> tuple[float | None, str]:
    """(rate, source): a number from params, or None and where the rate comes from."""
    if value == LEARNING_RATE_FROM_LR_FIND:
        return None, "lr_find"
    if value == LEARNING_RATE_FROM_OWN_SWEEP:
        return None, "sweep"
    if isinstance(value, str):
        allowed = f"a positive number, '{LEARNING_RATE_FROM_LR_FIND}' or '{LEARNING_RATE_FROM_OWN_SWEEP}'"
        raise _invalid(key, allowed, value)
    return _number(value, key, 1e-12), "params"


def _convolutional(entry: dict, where: str) -> ConvolutionalArchitecture:
    blocks = entry["blocks"]
    if not isinstance(blocks, list) or not blocks:
        raise _invalid(f"{where}.blocks", "a non-empty list of blocks, each a list of filter counts", blocks)
    defaults = ConvolutionalArchitecture(blocks=())
    kernel_size = _integer(entry.get("kernel_size", defaults.kernel_size), f"{where}.kernel_size", 1, maximum=7)
    dense_units = entry.get("dense_units", [])
    if dense_units != []:
        dense_units = _units(dense_units, f"{where}.dense_units")
    return ConvolutionalArchitecture(
        blocks=tuple(_units(block, f"{where}.blocks[{index}]") for index, block in enumerate(blocks)),
        kernel_size=kernel_size,
        batch_normalization=_boolean(entry.get("batch_normalization", True), f"{where}.batch_normalization"),
        residual=_boolean(entry.get("residual", False), f"{where}.residual"),
        pooling=_choice(entry.get("pooling", defaults.pooling), f"{where}.pooling", POOLINGS),
        block_dropout=_fraction(entry.get("block_dropout", 0.0), f"{where}.block_dropout"),
        global_pooling=_choice(
            entry.get("global_pooling", defaults.global_pooling), f"{where}.global_pooling", GLOBAL_POOLINGS
        ),
        dense_units=tuple(dense_units),
        head_dropout=_fraction(entry.get("head_dropout", 0.0), f"{where}.head_dropout"),
        activation=_choice(entry.get("activation", "relu"), f"{where}.activation", ACTIVATIONS),
    )


def _augmentation(value, where: str) -> Augmentation:
    section = _section({"augmentation": value}, "augmentation", (), prefix=where, optional=AUGMENTATION_KEYS)
    defaults = Augmentation()
    return Augmentation(
        shift_pixels=_integer(section.get("shift_pixels", 0), f"{where}.shift_pixels", 0, maximum=8),
        horizontal_flip=_boolean(section.get("horizontal_flip", False), f"{where}.horizontal_flip"),
        erase_probability=_fraction(section.get("erase_probability", 0.0), f"{where}.erase_probability"),
        erase_max_fraction=_fraction(
            section.get("erase_max_fraction", defaults.erase_max_fraction), f"{where}.erase_max_fraction"
        ),
    )


def parse_fast_lr_find(raw: dict) -> FastLrFindParams:
    keys = (
        "start_learning_rate", "end_learning_rate", "epochs", "evaluate_every_steps", "validation_images",
        "smoothing", "suggestion_divisor",
    )  # fmt: skip
    section = _section(raw, "fast_lr_find", keys)
    start = _number(section["start_learning_rate"], "fast_lr_find.start_learning_rate", 1e-12)
    end = _number(section["end_learning_rate"], "fast_lr_find.end_learning_rate", 1e-12)
    if end <= start:
        raise _invalid("fast_lr_find.end_learning_rate", f"larger than start_learning_rate ({start})", end)
    smoothing = _fraction(section["smoothing"], "fast_lr_find.smoothing")
    if smoothing >= 1.0:
        raise _invalid("fast_lr_find.smoothing", "a number in [0, 1)", smoothing)
    return FastLrFindParams(
        start_learning_rate=start,
        end_learning_rate=end,
        epochs=_integer(section["epochs"], "fast_lr_find.epochs", 1, maximum=5),
        evaluate_every_steps=_integer(section["evaluate_every_steps"], "fast_lr_find.evaluate_every_steps", 1),
        validation_images=_integer(section["validation_images"], "fast_lr_find.validation_images", 1),
        smoothing=smoothing,
        suggestion_divisor=_number(section["suggestion_divisor"], "fast_lr_find.suggestion_divisor", 1.0),
    )


def parse_ensembles(raw: dict) -> dict[str, EnsembleParams]:
    """Validate `ensembles:` (may be absent or empty): each averages models of `models:`."""
    ensembles = _mapping(raw.get("ensembles", {}) or {}, "ensembles")
    models = _mapping(raw.get("models"), "models")
    parsed = {}
    for name in ensembles:
        where = f"ensembles.{name}"
        if not isinstance(name, str) or not MODEL_NAME_PATTERN.match(name):
            raise _invalid(where, "a name of letters, digits and underscores", name)
        if name in models:
            raise _invalid(where, "a name that no entry of models: uses", name)
        entry = _section(ensembles, name, ("members", "flip_test_time_augmentation"), prefix=where)
        flips = _boolean(entry["flip_test_time_augmentation"], f"{where}.flip_test_time_augmentation")
        # One member with flips is that model with test-time augmentation; one
        # member without them would only be a copy of the model.
        fewest = 1 if flips else 2
        members = entry["members"]
        if not isinstance(members, list) or len(members) < fewest or len(set(map(str, members))) != len(members):
            raise _invalid(
                f"{where}.members",
                "a list of different model names: at least two, or one with flip_test_time_augmentation: true",
                members,
            )
        for member in members:
            _choice(member, f"{where}.members", tuple(models))
        parsed[name] = EnsembleParams(name=name, members=tuple(members), flip_test_time_augmentation=flips)
    return parsed


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


def _section(
    parent: dict, name: str, keys: tuple[str, ...], prefix: str | None = None, optional: tuple[str, ...] = ()
) -> dict:
    """Return `parent[name]`, checking that it holds all of `keys` and nothing but `keys` and `optional`."""
    where = prefix or name
    if name not in parent:
        raise PipelineError(f"params.yaml: missing '{where}'; it needs the keys {', '.join(keys)}.")
    section = _mapping(parent[name], where)
    allowed = (*keys, *optional)
    unknown = sorted(str(key) for key in set(section) - set(allowed))
    if unknown:
        raise PipelineError(f"params.yaml: unknown key '{where}.{unknown[0]}'; allowed keys are {', '.join(allowed)}.")
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


def _fraction(value, key: str) -> float:
    number = _number(value, key, 0.0)
    if number > 1.0:
        raise _invalid(key, "a number between 0 and 1", value)
    return number


def _boolean(value, key: str) -> bool:
    if not isinstance(value, bool):
        raise _invalid(key, "true or false", value)
    return value


def _choice(value, key: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise _invalid(key, f"one of {', '.join(choices)}", value)
    return value


def _units(value, key: str) -> tuple[int, ...]:
    if not isinstance(value, list) or not value:
        raise _invalid(key, "a non-empty list of positive integers", value)
    return tuple(_integer(units, f"{key}[{index}]", 1) for index, units in enumerate(value))
