"""Read `params.yaml` once and validate it into typed, frozen objects.

Every stage calls `load_params`, which checks the whole file, and then the
`parse_*` function of each section it uses. Any problem -- a missing or unknown key, a wrong type, a value
out of range -- raises `PipelineError` with one sentence that names the key
and what is allowed, before the stage writes anything. Unknown keys are
rejected because `dvc exp run -S` silently adds a misspelled key and would
otherwise train with the default.
"""

import math
import re
from dataclasses import dataclass, replace
from pathlib import Path

import yaml

from fashion.core.dataset import DATASET_FILES
from fashion.core.errors import PipelineError

SECTIONS = (
    "download", "normalize", "lr_find", "models", "lr_find_models", "baselines", "ensembles", "students",
    "distribute", "evaluate", "export",
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
PRECISION_AUTO = "auto"
PRECISIONS = (PRECISION_AUTO, "float32", "mixed_bfloat16", "mixed_float16")
LEARNING_RATE_FROM_LR_FIND = "lr_find"
LEARNING_RATE_FROM_OWN_SWEEP = "sweep"
POOLINGS = ("max", "average")
GLOBAL_POOLINGS = ("average", "max", "flatten")
# Below this chance per image, random erasing leaves nearly every batch untouched: the key would be accepted
# and change nothing.
MINIMUM_ERASE_PROBABILITY = 0.01
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
class Augmentation:
    """What to do to each training image (built by `fashion.data.augment`); `off()` is the schema's defaults.

    `shift_pixels`: move the image by up to this many pixels in each direction,
    filling with zeros (the same as padding and cropping back to 28 x 28).
    `horizontal_flip`: mirror half of the images left to right.
    `erase_probability`, `erase_max_fraction`: with this probability, blank a
    random rectangle of up to this fraction of each side (random erasing).
    """

    shift_pixels: int
    horizontal_flip: bool
    erase_probability: float
    erase_max_fraction: float

    @classmethod
    def off(cls) -> "Augmentation":
        """No augmentation: each field's default in `MODEL_KEYS` (the study's plain batches)."""
        return cls(**{name: MODEL_KEYS_BY_NAME[f"augmentation.{name}"].default for name in cls.__dataclass_fields__})

    @property
    def enabled(self) -> bool:
        return self.shift_pixels > 0 or self.horizontal_flip or self.erase_probability > 0.0


@dataclass(frozen=True)
class SweepParams:
    """A model's own fast learning-rate sweep (`learning_rate: sweep`); see `fashion.training.lr_ramp`."""

    start_learning_rate: float
    end_learning_rate: float
    epochs: int
    evaluate_every_steps: int
    validation_images: int
    smoothing: float
    suggestion_divisor: float


@dataclass(frozen=True)
class ModelParams:
    """One entry of `models:` or `lr_find_models:`, validated against `MODEL_KEYS` (which holds the defaults).

    `network` holds the keys of the entry's architecture (hidden_units for a
    dense entry, blocks for a convolutional one...), which only its builder
    reads; the other fields are how it trains.
    """

    name: str
    architecture: str
    network: dict  # the architecture's own keys (`Key.architectures`), for its builder in `fashion.models.registry`
    optimizer: str
    learning_rate: float | None  # None: see learning_rate_source.
    learning_rate_source: str  # "params", "lr_find" (an entry of lr_find_models) or "sweep" (the model's own).
    epochs: int
    batch_size: int
    seed: int
    weight_decay: float
    momentum: float
    nesterov: bool  # Nesterov's form of SGD's momentum
    schedule: str
    warmup_epochs: int
    label_smoothing: float
    early_stopping_patience: int  # 0: never stop early
    restore_best_epoch: bool  # keep the weights of the best validation epoch
    moving_average_momentum: float  # 0: no moving average of the weights (`fashion.training.moving_average`)
    refit: bool  # train on the training and validation splits together; validation scores are then unavailable
    augmentation: Augmentation
    precision: str  # float32 for architectures without the key; auto is resolved by `fashion.training.precision`
    sweep: SweepParams | None  # the sweep's settings, with learning_rate: sweep


@dataclass(frozen=True)
class EnsembleParams:
    name: str
    members: tuple[str, ...]
    flip_test_time_augmentation: bool
    shift_test_time_augmentation: int  # pixels; 0: no shifted views


@dataclass(frozen=True)
class StudentParams:
    """One entry of `students:`: a `models:` entry's recipe trained on an ensemble's probabilities (distillation).

    `model` is the recipe's `ModelParams` under the student's name; the student
    is that network, trained the same way, with each training target mixed
    from the true label and the teacher's probabilities (`fashion.training.distillation`).
    """

    name: str
    model: ModelParams
    teacher: str  # an entry of `ensembles:`
    teacher_weight: float  # the teacher's share of each training target; the true label has the rest


@dataclass(frozen=True)
class BaselineParams:
    """One entry of `baselines:`: a scikit-learn classifier; see `fashion.baselines.estimators`."""

    name: str
    estimator: str  # a scikit-learn classifier's class name
    arguments: dict  # its keyword arguments, checked against the class by the baseline stage
    standardize: bool
    seed: int | None  # None: not given (the stage uses 0 where the estimator is random)


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


# libyaml's parser, which PyYAML's wheels carry, reads params.yaml with the same result about
# ten times faster than the pure-Python one (which stays the fallback); every stage reads it first.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _UniqueKeyLoader(_SAFE_LOADER):
    """YAML's safe loader, except that a key given twice in one mapping is an error.

    Plain YAML keeps the last of two equal keys without a word, so a second
    `epochs:` in an entry (or a second entry of the same name) would silently
    win over the first.
    """

    def construct_mapping(self, node, deep=False):
        seen = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise PipelineError(
                    f"params.yaml: the key '{key}' appears twice in one mapping (lines {seen[key]} and {line}); "
                    "keep one."
                )
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


def yaml_error_line(error: yaml.YAMLError) -> str:
    """PyYAML's error on one line: what is wrong and where, lines and columns counted from 1.

    PyYAML spreads it over four lines and names the file "<unicode string>".
    """
    if not isinstance(error, yaml.MarkedYAMLError) or not error.problem:
        return " ".join(str(error).split())

    def at(mark) -> str:
        return f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""

    context = f" ({error.context}{at(error.context_mark)})" if error.context else ""
    return f"{error.problem}{at(error.problem_mark)}{context}"


def load_params(path: Path) -> dict:
    """Read the YAML params file and check all of it (`check_params`), before any stage does any work."""
    try:
        text = Path(path).read_text()
    except OSError as error:
        raise PipelineError(f"Cannot read {path}: {error.strerror}. Run the stage from the repository root.") from error
    try:
        raw = yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.YAMLError as error:
        raise PipelineError(f"{path} is not valid YAML: {yaml_error_line(error)}. Fix the syntax.") from error
    check_params(_mapping(raw, str(path)))
    return raw


def check_params(raw: dict) -> None:
    """Validate every section and the rules between sections.

    Every stage runs this first, so a bad value anywhere stops `dvc repro`
    before its first stage rather than after hours of the stages before the
    one that reads it.
    """
    unknown = sorted(set(raw) - set(SECTIONS))
    if unknown:
        raise PipelineError(f"params.yaml: unknown section '{unknown[0]}'; allowed sections are {', '.join(SECTIONS)}.")
    parse_download(raw)
    parse_normalize(raw)
    parse_lr_find(raw)
    models = parse_models(raw)
    parse_ensembles(raw)
    parse_baselines(raw)
    students = parse_students(raw)
    strategy = parse_distribute(raw).strategy
    parse_evaluate(raw)
    parse_export(raw)
    swept = [model.name for model in models.values() if model.learning_rate_source == LEARNING_RATE_FROM_OWN_SWEEP]
    if swept and strategy == "multi_worker":
        raise PipelineError(
            f"params.yaml: models.{swept[0]}.learning_rate is sweep, which runs on one machine; with "
            "distribute.strategy: multi_worker give it a number (the rate its last sweep suggested)."
        )
    averaged = [model.name for model in models.values() if model.moving_average_momentum > 0]
    if averaged and strategy == "multi_worker":
        raise PipelineError(
            f"params.yaml: {averaged[0]}'s moving_average_momentum needs Keras's own training loop, which "
            "distribute.strategy multi_worker cannot use; set it to 0, or the strategy to one_device or mirrored."
        )
    if students and strategy == "multi_worker":
        raise PipelineError(
            f"params.yaml: students.{next(iter(students))} trains in the distill stage, which runs on one machine; "
            "with distribute.strategy multi_worker leave students: empty, or set the strategy to one_device."
        )
    refits = [model.name for model in models.values() if model.refit]
    if refits and strategy == "multi_worker":
        raise PipelineError(
            f"params.yaml: {refits[0]} has refit: true, which distribute.strategy multi_worker's training loop "
            "does not support; set refit to false, or the strategy to one_device or mirrored."
        )


def parse_download(raw: dict) -> DownloadParams:
    return DownloadParams(**_read_section(raw, "download", DOWNLOAD_KEYS))


def parse_checksums(raw: dict) -> dict[str, str]:
    """Only `download.sha256`: the pinned content hash of each dataset file."""
    section = _mapping(raw.get("download"), "download")
    if "sha256" not in section:
        raise PipelineError("params.yaml: missing key 'download.sha256' (SHA-256 of each dataset file's content).")
    return _check_key(DOWNLOAD_KEYS_BY_NAME["sha256"], section["sha256"], "download.sha256")


def parse_normalize(raw: dict) -> NormalizeParams:
    return NormalizeParams(**_read_section(raw, "normalize", NORMALIZE_KEYS))


def parse_lr_find(raw: dict) -> LrFindParams:
    return LrFindParams(**_read_section(raw, "lr_find", LR_FIND_KEYS))


def parse_models(raw: dict) -> dict[str, ModelParams]:
    """Validate `models:` and `lr_find_models:` together; the result keeps their order, `models:` first."""
    if "models" not in raw:
        raise PipelineError("params.yaml: missing section 'models'; add at least one model entry.")
    models = _mapping(raw["models"], "models")
    suggested = _mapping(raw.get("lr_find_models") or {}, "lr_find_models")
    if not models and not suggested:
        raise PipelineError("params.yaml: 'models' is empty; add at least one model entry.")
    for name in suggested:
        if name in models:
            raise _invalid(f"lr_find_models.{name}", "a name that no entry of models: uses", name)
    return {name: parse_model(raw, name) for name in (*models, *suggested)}


def model_names(raw: dict) -> tuple[str, ...]:
    """Every model's name, from `models:` and `lr_find_models:` (as `parse_models` orders them)."""
    models = _mapping(raw.get("models"), "models")
    return (*models, *_mapping(raw.get("lr_find_models") or {}, "lr_find_models"))


REQUIRED = object()  # the default of a key that every entry must give


@dataclass(frozen=True)
class Key:
    """One key of a model entry, declared once: how to check it, its default and what it means.

    `kind` names the checker (see `_check_key`); `minimum`/`maximum` bound
    numbers; `choices` lists the allowed strings; `architectures` says which
    entries may have the key. A dotted name ("augmentation.shift_pixels") is a
    key of a nested mapping.
    """

    name: str
    kind: str
    help: str
    default: object = REQUIRED
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    architectures: tuple[str, ...] = ()  # empty: a training key every entry may have


CONVOLUTIONAL = ("convolutional",)
DENSE = ("dense",)
MODEL_KEYS = (
    Key("architecture", "choice", "which builder makes the network", "dense", choices=ARCHITECTURES),
    Key("hidden_units", "units", "units of each hidden Dense layer", architectures=DENSE),
    Key("input_scaling", "choice", "unit: pixels in [0, 1]; raw: the original 0-255", choices=INPUT_SCALINGS,
        architectures=DENSE),
    Key("activation", "choice", "activation of every hidden layer", "relu", choices=ACTIVATIONS,
        architectures=ARCHITECTURES),
    Key("blocks", "blocks", "filters of each convolution, block by block", architectures=CONVOLUTIONAL),
    Key("kernel_size", "integer", "side of each convolution's kernel", 3, 1, 7, architectures=CONVOLUTIONAL),
    Key("batch_normalization", "boolean", "normalize after each convolution", True, architectures=CONVOLUTIONAL),
    Key("residual", "boolean", "add a shortcut around each block", False, architectures=CONVOLUTIONAL),
    Key("pooling", "choice", "2x2 pooling between blocks", "max", choices=POOLINGS, architectures=CONVOLUTIONAL),
    Key("block_dropout", "fraction", "dropout after each block", 0.0, 0.0, 0.9, architectures=CONVOLUTIONAL),
    Key("global_pooling", "choice", "how the last feature map becomes a vector", "average",
        choices=GLOBAL_POOLINGS, architectures=CONVOLUTIONAL),
    Key("dense_units", "optional_units", "units of each hidden Dense layer of the head", (),
        architectures=CONVOLUTIONAL),
    Key("head_dropout", "fraction", "dropout before each Dense layer of the head", 0.0, 0.0, 0.9,
        architectures=CONVOLUTIONAL),
    Key("precision", "choice", "auto: bfloat16 on CPUs with native bfloat16, float16 on NVIDIA GPUs, else float32",
        PRECISION_AUTO, choices=PRECISIONS, architectures=CONVOLUTIONAL),
    Key("optimizer", "choice", "the Keras optimizer", choices=OPTIMIZERS),
    Key("learning_rate", "learning_rate", "a number, or sweep: this entry's own fast sweep (see sweep)"),
    Key("epochs", "integer", "passes over the training split", minimum=1),
    Key("batch_size", "integer", "images per training step", minimum=1),
    Key("seed", "integer", "seeds weights, shuffling and augmentation", minimum=0),
    Key("weight_decay", "number", "decoupled weight decay (adamw and sgd)", 0.0, 0.0),
    Key("momentum", "fraction", "momentum (sgd only)", 0.0, 0.0, 0.99),
    Key("nesterov", "boolean", "Nesterov's momentum: the gradient taken after the momentum step (sgd with"
        " momentum only)", False),
    Key("schedule", "choice", "learning-rate schedule over the training steps", "constant", choices=SCHEDULES),
    Key("warmup_epochs", "integer", "linear warm-up before the cosine decay (cosine only)", 0, 0),
    Key("label_smoothing", "fraction", "weight moved from the true class to all classes", 0.0, 0.0, 0.99),
    Key("early_stopping_patience", "integer", "stop after this many epochs without a better validation accuracy"
        " (0: never)", 0, 0),
    Key("restore_best_epoch", "boolean", "save the weights of the best validation epoch, not the last", False),
    Key("moving_average_momentum", "fraction", "keep an exponential moving average of the weights with this"
        " momentum, saved instead when better on validation (0: off)", 0.0, 0.0, 0.9999),
    Key("refit", "boolean", "train on the training and validation splits together (60,000 images) for `epochs`;"
        " the model then has no validation scores", False),
    Key("augmentation.shift_pixels", "integer", "random shift of up to this many pixels", 0, 0, 8),
    Key("augmentation.horizontal_flip", "boolean", "mirror half of the images", False),
    Key("augmentation.erase_probability", "fraction", "chance of blanking a random rectangle", 0.0, 0.0, 1.0),
    Key("augmentation.erase_max_fraction", "fraction", "largest erased side, as a fraction of the image's",
        0.5, 0.01, 1.0),
    Key("sweep.start_learning_rate", "number", "the ramp's first rate", 1.0e-5, 1e-12),
    Key("sweep.end_learning_rate", "number", "the ramp's last rate", 1.0, 1e-12),
    Key("sweep.epochs", "integer", "epochs the ramp lasts", 1, 1, 5),
    Key("sweep.evaluate_every_steps", "integer", "training steps between two validation losses", 8, 1),
    Key("sweep.validation_images", "integer", "validation images each loss is measured on", 1000, 1),
    Key("sweep.smoothing", "fraction", "exponential smoothing of the losses before their minimum", 0.6, 0.0, 0.99),
    Key("sweep.suggestion_divisor", "number", "the suggestion is the minimum-loss rate divided by this", 4.0, 1.0),
)  # fmt: skip
MODEL_KEYS_BY_NAME = {key.name: key for key in MODEL_KEYS}

# The other sections, declared the same way; each is read by `_read_section`.
DOWNLOAD_KEYS = (
    Key("mirrors", "urls", "base URLs tried in order; a file is taken from the first whose copy matches sha256"),
    Key("sha256", "checksums", "SHA-256 of each dataset file's decompressed content"),
    Key("timeout_seconds", "number", "seconds a network read may stall before the mirror counts as failed",
        minimum=0.1),
    Key("attempts_per_mirror", "integer", "tries after a timeout or broken connection, before the next mirror",
        minimum=1, maximum=10),
)  # fmt: skip
DOWNLOAD_KEYS_BY_NAME = {key.name: key for key in DOWNLOAD_KEYS}
NORMALIZE_KEYS = (
    Key("validation_fraction", "fraction", "share of the training images held out for validation, by class"),
    Key("seed", "integer", "seeds the stratified split", minimum=0),
)
LR_FIND_KEYS = (
    Key("hidden_units", "units", "units of each hidden Dense layer of the swept network"),
    Key("activation", "choice", "activation of every hidden layer", choices=ACTIVATIONS),
    Key("optimizer", "choice", "the Keras optimizer", choices=STUDY_OPTIMIZERS),
    Key("start_learning_rate", "number", "the rate of the first epoch", minimum=1e-12),
    Key("epochs_per_decade", "number", "epochs over which the rate grows tenfold", minimum=1e-6),
    Key("epochs", "integer", "epochs the sweep lasts", minimum=2),
    Key("batch_size", "integer", "images per training step", minimum=1),
    Key("seed", "integer", "seeds weights and shuffling", minimum=0),
    Key("smoothing", "fraction", "exponential smoothing of the validation loss before its minimum", maximum=0.99),
    Key("suggestion_divisor", "number", "the suggestion is the minimum-loss rate divided by this", minimum=1.0),
)
ENSEMBLE_KEYS = (
    Key("members", "names", "the models whose probabilities are averaged"),
    Key("flip_test_time_augmentation", "boolean",
        "also average each member's view of the mirrored images (members trained with horizontal_flip)"),
    Key("shift_test_time_augmentation", "integer",
        "also average views shifted this many pixels up, down, left and right (members trained with shifts of at "
        "least this; 0: none)", 0, 0, 4),
)  # fmt: skip
STUDENT_KEYS = (
    Key("recipe", "name", "the models: entry whose network and training the student repeats"),
    Key("teacher", "name", "the ensembles: entry whose probabilities the student learns from"),
    # Above 0: a student without its teacher is its recipe again. At 1 the targets are the teacher's alone.
    Key("teacher_weight", "fraction", "the teacher's share of each training target; the true label has the rest",
        minimum=0.05, maximum=1.0),
)  # fmt: skip
BASELINE_KEYS = (
    Key("estimator", "name", "a scikit-learn classifier's class name, such as RandomForestClassifier"),
    Key("arguments", "arguments", "its keyword arguments (checked against the class by the baseline stage)", {}),
    Key("standardize", "boolean", "scale each pixel to mean 0 and variance 1 first, as the published benchmark",
        True),
    Key("seed", "optional_integer", "the estimator's random_state (only for estimators with one)", None,
        minimum=0),
)  # fmt: skip
EVALUATE_KEYS = (
    Key("grid_rows", "integer", "rows of the prediction grid", minimum=1, maximum=10),
    Key("grid_columns", "integer", "columns of the prediction grid", minimum=1, maximum=10),
    Key("seed", "integer", "picks the grid's test images", minimum=0),
)
DISTRIBUTE_KEYS = (Key("strategy", "choice", "how the train stages use devices and machines", choices=STRATEGIES),)
EXPORT_KEYS = (Key("model", "name", f"the model to export, or {EXPORT_BEST}: the highest validation accuracy"),)
SECTION_KEYS = {
    "download": DOWNLOAD_KEYS, "normalize": NORMALIZE_KEYS, "lr_find": LR_FIND_KEYS, "ensembles.<name>": ENSEMBLE_KEYS,
    "students.<name>": STUDENT_KEYS, "baselines.<name>": BASELINE_KEYS,
    "evaluate": EVALUATE_KEYS, "distribute": DISTRIBUTE_KEYS, "export": EXPORT_KEYS,
}  # fmt: skip
# Rules a single key's bounds cannot say: (broken, key, what is allowed).
SECTION_RULES = {
    "normalize": (
        (lambda values: not 0.0 < values["validation_fraction"] < 1.0, "validation_fraction",
         "a number strictly between 0 and 1"),
    ),
}  # fmt: skip
# Keys that only some architectures take but that the training code reads, not the builder.
TRAINING_KEYS_OF_SOME_ARCHITECTURES = ("precision",)
NESTED_SECTIONS = ("augmentation", "sweep")


def known_architectures() -> tuple[str, ...]:
    """Every architecture some key of `MODEL_KEYS` belongs to: declaring its keys declares it."""
    return tuple(dict.fromkeys(name for key in MODEL_KEYS for name in key.architectures))


def model_keys(architecture: str) -> tuple[Key, ...]:
    """The keys an entry of this architecture may have: every training key and the architecture's own."""
    return tuple(key for key in MODEL_KEYS if not key.architectures or architecture in key.architectures)


def model_entry_location(raw: dict, name: str) -> str:
    """`models` or `lr_find_models`: the section holding the entry called `name`."""
    for section in ("models", "lr_find_models"):
        if name in _mapping(raw.get(section) or {}, section):
            return section
    known = ", ".join(str(model) for model in model_names(raw)) or "none"
    raise PipelineError(f"params.yaml: no model named '{name}' under 'models' or 'lr_find_models' (known: {known}).")


def parse_model(raw: dict, name: str) -> ModelParams:
    """Validate one entry of `models:` or `lr_find_models:` against `MODEL_KEYS` and the rules between keys."""
    section = model_entry_location(raw, name)
    where = f"{section}.{name}"
    _check_entry_name(name, where)
    entry = _mapping(raw[section][name], where)
    architecture = _choice(entry.get("architecture", "dense"), f"{where}.architecture", known_architectures())
    from_lr_find = section == "lr_find_models"
    if from_lr_find and "learning_rate" in entry:
        raise PipelineError(
            f"params.yaml: {where}.learning_rate is set, but entries of lr_find_models train at the rate the "
            "lr_find stage suggests; remove the key, or move the entry to models:."
        )
    allowed = [key for key in model_keys(architecture) if not (from_lr_find and key.name == "learning_rate")]
    given = _flatten_entry(entry, where, allowed)
    # architecture was checked above, against every architecture declared.
    others = [key for key in allowed if key.name != "architecture"]
    given_others = {name: value for name, value in given.items() if name != "architecture"}
    values = {"architecture": architecture, **_read_keys(given_others, where, others)}
    if from_lr_find:
        values["learning_rate"] = LEARNING_RATE_FROM_LR_FIND
    _check_combinations(values, given, where, architecture)
    return _model_params(name, architecture, values)


def _flatten_entry(entry: dict, where: str, allowed: list[Key]) -> dict:
    """The entry's keys, nested sections spelled with dots; an unknown key is an error."""
    names = {key.name for key in allowed}
    flat = {}
    for name, value in entry.items():
        if name in NESTED_SECTIONS:
            for nested, nested_value in _mapping(value, f"{where}.{name}").items():
                flat[f"{name}.{nested}"] = nested_value
        else:
            flat[name] = value
    unknown = sorted(str(key) for key in set(flat) - names)
    if unknown:
        allowed_names = ", ".join(dict.fromkeys(key.name.split(".")[0] for key in allowed))
        raise PipelineError(f"params.yaml: unknown key '{where}.{unknown[0]}'; allowed keys are {allowed_names}.")
    return flat


def _check_key(key: Key, value, where: str):
    """`value` checked against `key`'s kind and bounds."""
    if key.kind == "choice":
        return _choice(value, where, key.choices)
    if key.kind == "boolean":
        return _boolean(value, where)
    if key.kind == "integer":
        return _integer(value, where, int(key.minimum or 0), None if key.maximum is None else int(key.maximum))
    if key.kind in ("number", "fraction"):
        number = _number(value, where, key.minimum or 0.0)
        if key.maximum is not None and number > key.maximum:
            raise _invalid(where, f"a number between {key.minimum or 0.0} and {key.maximum}", value)
        return number
    if key.kind == "units":
        return _units(value, where)
    if key.kind == "optional_units":
        return () if value == [] else _units(value, where)
    if key.kind == "blocks":
        if not isinstance(value, list) or not value:
            raise _invalid(where, "a non-empty list of blocks, each a list of filter counts", value)
        return tuple(_units(block, f"{where}[{index}]") for index, block in enumerate(value))
    if key.kind == "learning_rate":
        return _learning_rate(value, where)
    if key.kind == "optional_integer":
        return None if value is None else _integer(value, where, int(key.minimum or 0))
    if key.kind == "arguments":
        arguments = _mapping(value, where)
        for name, argument in arguments.items():
            if not isinstance(name, str) or not (argument is None or isinstance(argument, (str, int, float, list))):
                raise _invalid(f"{where}.{name}", "a number, string, list or null", argument)
        return {
            name: tuple(argument) if isinstance(argument, list) else argument for name, argument in arguments.items()
        }
    if key.kind == "name":
        if not isinstance(value, str):
            raise _invalid(where, "a name", value)
        return value
    if key.kind == "names":
        if not isinstance(value, list) or not value or len(set(map(str, value))) != len(value):
            raise _invalid(where, "a list of different model names", value)
        return tuple(value)
    if key.kind == "urls":
        if not isinstance(value, list) or not value:
            raise _invalid(where, "a non-empty list of URLs", value)
        for index, url in enumerate(value):
            if not isinstance(url, str) or not url.startswith(MIRROR_SCHEMES):
                raise _invalid(f"{where}[{index}]", f"a URL starting with {', '.join(MIRROR_SCHEMES)}", url)
        return tuple(value)
    if key.kind == "checksums":
        checksums = _read_keys(_mapping(value, where), where, [Key(name, "sha256", "") for name in DATASET_FILES])
        return dict(checksums)
    if key.kind == "sha256":
        if not isinstance(value, str) or not re.fullmatch(r"[0-9a-f]{64}", value):
            raise _invalid(where, "64 lowercase hex digits", value)
        return value
    raise ValueError(f"unknown kind {key.kind!r} of key {key.name}")


def _learning_rate(value, where: str):
    """A positive number, or `sweep`."""
    if value == LEARNING_RATE_FROM_LR_FIND:
        raise PipelineError(
            f"params.yaml: {where} is lr_find: move the entry to lr_find_models:, whose entries "
            "train at the rate the lr_find stage suggests."
        )
    if value == LEARNING_RATE_FROM_OWN_SWEEP:
        return value
    if isinstance(value, str):
        raise _invalid(where, f"a positive number or '{LEARNING_RATE_FROM_OWN_SWEEP}'", value)
    return _number(value, where, 1e-12)


# What a refit entry's `epochs` should be: what its validated twin kept.
REFIT_EPOCHS_ADVICE = "set epochs to the kept_epoch of the same recipe trained with validation"


def _check_combinations(values: dict, given: dict, where: str, architecture: str) -> None:
    """Reject a key whose value the rest of the entry would ignore, with one line naming both."""
    epochs, patience, warmup = values["epochs"], values["early_stopping_patience"], values["warmup_epochs"]
    rules = (
        (values["weight_decay"] > 0 and values["optimizer"] not in ("adamw", "sgd"),
         "weight_decay", "0 unless the optimizer is adamw or sgd"),
        (values["momentum"] > 0 and values["optimizer"] != "sgd", "momentum", "0 unless the optimizer is sgd"),
        (values["nesterov"] and values["momentum"] == 0, "nesterov",
         "false unless the optimizer is sgd with momentum above 0 (it looks ahead by the momentum step)"),
        (warmup > 0 and values["schedule"] != "cosine",
         "warmup_epochs", "0 unless the schedule is cosine (one_cycle has its own rise, constant none)"),
        (warmup > 0 and warmup >= epochs, "warmup_epochs", f"fewer than epochs ({epochs})"),
        (patience > 0 and patience >= epochs - 1, "early_stopping_patience",
         f"0, or fewer than epochs - 1 ({epochs - 1}): a larger patience can never stop training early"),
        (0 < values["augmentation.erase_probability"] < MINIMUM_ERASE_PROBABILITY, "augmentation.erase_probability",
         f"0, or at least {MINIMUM_ERASE_PROBABILITY} (a smaller chance erases almost no image)"),
        ("augmentation.erase_max_fraction" in given and values["augmentation.erase_probability"] == 0,
         "augmentation.erase_max_fraction", "left out unless augmentation.erase_probability is above 0"),
        (architecture == "convolutional" and "pooling" in given and len(values["blocks"]) == 1,
         "pooling", "left out when there is one block (pooling runs between blocks)"),
        (values["sweep.end_learning_rate"] <= values["sweep.start_learning_rate"], "sweep.end_learning_rate",
         f"larger than sweep.start_learning_rate ({values['sweep.start_learning_rate']})"),
        # A refit trains on the validation images, so nothing may be chosen by them while it trains.
        (values["refit"] and values["restore_best_epoch"], "restore_best_epoch",
         f"false when refit is true (no validation split to pick an epoch by; {REFIT_EPOCHS_ADVICE})"),
        (values["refit"] and patience > 0, "early_stopping_patience",
         f"0 when refit is true (no validation split to stop by; {REFIT_EPOCHS_ADVICE})"),
        (values["refit"] and values["moving_average_momentum"] > 0, "moving_average_momentum",
         "0 when refit is true (the average is kept only when better on validation)"),
        (values["refit"] and values["learning_rate"] == LEARNING_RATE_FROM_OWN_SWEEP, "learning_rate",
         "a number when refit is true (the sweep reads validation losses): the rate the entry's sweep suggested"),
    )  # fmt: skip
    for broken, key, allowed in rules:
        if broken:
            raise _invalid(f"{where}.{key}", allowed, values[key])
    sweep_keys = [name for name in given if name.startswith("sweep.")]
    if sweep_keys and values["learning_rate"] != LEARNING_RATE_FROM_OWN_SWEEP:
        raise PipelineError(
            f"params.yaml: {where}.{sweep_keys[0]} is set, but the entry's learning_rate is not sweep; "
            "remove the sweep settings, or set learning_rate: sweep."
        )


def _model_params(name: str, architecture: str, values: dict) -> ModelParams:
    """The validated values as a `ModelParams`."""
    learning_rate = values["learning_rate"]
    source = learning_rate if isinstance(learning_rate, str) else "params"
    sweep = None
    if source == LEARNING_RATE_FROM_OWN_SWEEP:
        sweep = SweepParams(**{field: values[f"sweep.{field}"] for field in SweepParams.__dataclass_fields__})
    augmentation = Augmentation(
        **{field: values[f"augmentation.{field}"] for field in Augmentation.__dataclass_fields__}
    )
    network = {
        key.name: values[key.name]
        for key in model_keys(architecture)
        if key.architectures and key.name not in TRAINING_KEYS_OF_SOME_ARCHITECTURES
    }
    recipe = {
        field: values[field]
        for field in ("optimizer", "epochs", "batch_size", "seed", "weight_decay", "momentum", "nesterov",
                      "schedule", "warmup_epochs", "label_smoothing", "early_stopping_patience",
                      "restore_best_epoch", "moving_average_momentum", "refit")
    }  # fmt: skip
    return ModelParams(
        name=name,
        architecture=architecture,
        network=network,
        learning_rate=None if isinstance(learning_rate, str) else learning_rate,
        learning_rate_source=source,
        augmentation=augmentation,
        precision=values.get("precision", "float32"),
        sweep=sweep,
        **recipe,
    )


def check_batch_size(params: ModelParams, training_images: int) -> None:
    """A batch larger than the training split would silently train on fewer images per step than asked."""
    if params.batch_size > training_images:
        raise PipelineError(
            f"params.yaml: {params.name}'s batch_size ({params.batch_size}) is larger than the training split "
            f"({training_images} images); lower it."
        )


def parse_ensembles(raw: dict) -> dict[str, EnsembleParams]:
    """Validate `ensembles:` (may be absent or empty): each averages models of `models:`."""
    ensembles = _mapping(raw.get("ensembles", {}) or {}, "ensembles")
    models = model_names(raw)
    parsed = {}
    for name in ensembles:
        where = f"ensembles.{name}"
        _check_entry_name(name, where, models, "model entry")
        values = _read_keys(_mapping(ensembles[name], where), where, ENSEMBLE_KEYS)
        members = values["members"]
        for member in members:
            _choice(member, f"{where}.members", models)
        augmentations = [parse_model(raw, member).augmentation for member in members]
        _check_test_time_views(values, augmentations, where)
        parsed[name] = EnsembleParams(name=name, **values)
    return parsed


def student_names(raw: dict) -> tuple[str, ...]:
    """Every entry of `students:` (may be absent or empty)."""
    return tuple(_mapping(raw.get("students") or {}, "students"))


def parse_students(raw: dict) -> dict[str, StudentParams]:
    """Validate `students:`: each names a recipe of `models:` and a teacher of `ensembles:`, and a new name.

    A refit recipe is refused (the distill stage keeps validation for the
    student's scores), and so is a teacher with a refit member: it learnt the
    validation images, so the student would learn them through its targets.
    """
    students = _mapping(raw.get("students") or {}, "students")
    recipes = tuple(_mapping(raw.get("models"), "models"))
    ensembles = parse_ensembles(raw)
    taken = (*model_names(raw), *ensembles, *baseline_names(raw))
    parsed = {}
    for name in students:
        where = f"students.{name}"
        _check_entry_name(name, where, taken, "model, ensemble or baseline")
        values = _read_keys(_mapping(students[name], where), where, STUDENT_KEYS)
        recipe = parse_model(raw, _choice(values["recipe"], f"{where}.recipe", recipes))
        if recipe.refit:
            raise _invalid(f"{where}.recipe", "an entry without refit: true (the student is scored on validation)",
                           recipe.name)  # fmt: skip
        teacher = ensembles.get(_choice(values["teacher"], f"{where}.teacher", tuple(ensembles)))
        refit_members = [member for member in teacher.members if parse_model(raw, member).refit]
        if refit_members:
            raise _invalid(f"{where}.teacher", f"an ensemble without refit members ({refit_members[0]} learnt the "
                           "validation images, which the student's targets would pass on)", teacher.name)  # fmt: skip
        model = replace(recipe, name=name)  # the recipe, trained under the student's name
        parsed[name] = StudentParams(name, model, teacher.name, values["teacher_weight"])
    return parsed


def baseline_names(raw: dict) -> tuple[str, ...]:
    """Every entry of `baselines:` (may be absent or empty)."""
    return tuple(_mapping(raw.get("baselines") or {}, "baselines"))


def parse_baselines(raw: dict) -> dict[str, BaselineParams]:
    """Validate `baselines:`: each entry's keys, and names no model or ensemble uses."""
    return {name: parse_baseline(raw, name) for name in baseline_names(raw)}


def parse_baseline(raw: dict, name: str) -> BaselineParams:
    """One entry of `baselines:`; the estimator and its arguments are checked against scikit-learn by its stage."""
    baselines = _mapping(raw.get("baselines") or {}, "baselines")
    where = f"baselines.{name}"
    if name not in baselines:
        raise PipelineError(f"params.yaml: no baseline named '{name}' (known: {', '.join(baselines) or 'none'}).")
    taken = (*model_names(raw), *_mapping(raw.get("ensembles") or {}, "ensembles"))
    _check_entry_name(name, where, taken, "model or ensemble")
    return BaselineParams(name=name, **_read_keys(_mapping(baselines[name], where), where, BASELINE_KEYS))


def _check_test_time_views(values: dict, augmentations: list[Augmentation], where: str) -> None:
    """Test-time views go only to members trained on them; a view no member takes, or an ensemble of one
    member that sees nothing but the image itself (a copy of the model), is rejected."""
    flips, shift = values["flip_test_time_augmentation"], values["shift_test_time_augmentation"]
    if flips and not any(augmentation.horizontal_flip for augmentation in augmentations):
        raise _invalid(f"{where}.flip_test_time_augmentation",
                       "false: no member trained with augmentation.horizontal_flip", flips)  # fmt: skip
    if shift and not any(augmentation.shift_pixels >= shift for augmentation in augmentations):
        raise _invalid(f"{where}.shift_test_time_augmentation",
                       "0, or at most a member's augmentation.shift_pixels", shift)  # fmt: skip
    if len(values["members"]) < 2 and not (flips or shift):
        raise _invalid(
            f"{where}.members",
            "a list of different model names: at least two, or one with test-time augmentation",
            list(values["members"]),
        )


def parse_evaluate(raw: dict) -> EvaluateParams:
    return EvaluateParams(**_read_section(raw, "evaluate", EVALUATE_KEYS))


def parse_distribute(raw: dict) -> DistributeParams:
    return DistributeParams(**_read_section(raw, "distribute", DISTRIBUTE_KEYS))


def parse_export(raw: dict) -> ExportParams:
    model = _read_section(raw, "export", EXPORT_KEYS)["model"]
    return ExportParams(model=_choice(model, "export.model", (EXPORT_BEST, *model_names(raw), *student_names(raw))))


def _read_section(raw: dict, name: str, keys: tuple[Key, ...]) -> dict:
    """The section `name` of params.yaml, checked against its `keys`: a dict of their validated values."""
    if name not in raw:
        raise PipelineError(
            f"params.yaml: missing section '{name}'; it needs the keys {', '.join(key.name for key in keys)}."
        )
    values = _read_keys(_mapping(raw[name], name), name, keys)
    for broken, key, allowed in SECTION_RULES.get(name, ()):
        if broken(values):
            raise _invalid(f"{name}.{key}", allowed, values[key])
    return values


def _read_keys(given: dict, where: str, keys) -> dict:
    """Each of `keys` from the mapping `given`, checked, or its default; an unknown or missing key is an error."""
    names = [key.name for key in keys]
    unknown = sorted(str(key) for key in set(given) - set(names))
    if unknown:
        raise PipelineError(f"params.yaml: unknown key '{where}.{unknown[0]}'; allowed keys are {', '.join(names)}.")
    values = {}
    for key in keys:
        if key.name in given:
            values[key.name] = _check_key(key, given[key.name], f"{where}.{key.name}")
        elif key.default is REQUIRED:
            raise PipelineError(f"params.yaml: missing key '{where}.{key.name}' ({key.help}).")
        else:
            values[key.name] = key.default
    return values


# Small checkers. Each returns the validated value or raises PipelineError.


def _check_entry_name(name, where: str, taken: tuple[str, ...] = (), taken_by: str = "") -> None:
    """An entry's name must be a plain identifier (it names files and stages) and not one `taken` by `taken_by`."""
    if not isinstance(name, str) or not MODEL_NAME_PATTERN.match(name):
        raise _invalid(where, "a name of letters, digits and underscores", name)
    if name in taken:
        raise _invalid(where, f"a name that no {taken_by} uses", name)


def _invalid(key: str, allowed: str, value) -> PipelineError:
    return PipelineError(f"params.yaml: {key} must be {allowed}, got {value!r}.")


def _mapping(value, where: str) -> dict:
    if not isinstance(value, dict):
        raise _invalid(where, "a mapping of keys to values", value)
    return value


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
