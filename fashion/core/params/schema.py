"""What params.yaml may hold: its sections, each key declared once (type, default, bounds, help).

The checkers in `checks` and the parsers in `model_entries` and `sections`
read these declarations; `docs/models.md`'s table of keys is generated from
`MODEL_KEYS`. Declaring a key for a new `architectures` value declares that
architecture (`known_architectures`).
"""

import re
from dataclasses import dataclass

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
MODEL_NAME_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_]*")  # matched whole (fullmatch): no trailing newline
RESERVED_NAMES = ("best",)  # export.model: best names the best model by validation accuracy


REQUIRED = object()  # the default of a key that every entry must give


@dataclass(frozen=True)
class Key:
    """One key of a model entry, declared once: how to check it, its default and what it means.

    `kind` names the checker (see `checks.check_key`); `minimum`/`maximum` bound
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

# The other sections, declared the same way; each is read by `sections._read_section`.
DOWNLOAD_KEYS = (
    Key("mirrors", "urls", "base URLs tried in order; a file is taken from the first whose copy matches sha256"),
    Key("sha256", "checksums", "SHA-256 of each dataset file's decompressed content"),
    Key("timeout_seconds", "number", "seconds a network read may stall before the mirror counts as failed",
        minimum=0.1, maximum=3600),
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
