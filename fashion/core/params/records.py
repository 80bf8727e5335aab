"""The typed, frozen objects the parsers return: what a stage receives instead of raw YAML."""

from dataclasses import dataclass

from fashion.core.params.schema import MODEL_KEYS_BY_NAME


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
