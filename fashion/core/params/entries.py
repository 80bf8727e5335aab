"""Entries of `models:` and `lr_find_models:`: the training keys every entry has, whatever its network.

A `ModelEntry` holds the training keys and the rules between them; each
architecture's module in `fashion.core.architectures` subclasses it with its
network's keys, description, capabilities and builder.
"""

import math
from typing import Annotated, ClassVar, Literal

from pydantic import Field, PlainValidator, WithJsonSchema, model_validator

from fashion.core.params.base import Entry, Section
from fashion.core.params.messages import RuleError

ACTIVATION = Literal["relu", "gelu", "tanh", "sigmoid", "elu", "selu", "swish"]
PRECISION_AUTO = "auto"
LEARNING_RATE_FROM_OWN_SWEEP = "sweep"
# Below this chance per image, random erasing leaves nearly every batch untouched: the key would be accepted
# and change nothing.
MINIMUM_ERASE_PROBABILITY = 0.01
# What a refit entry's `epochs` should be: what its validated twin kept.
REFIT_EPOCHS_ADVICE = "set epochs to the kept_epoch of the same recipe trained with validation"


class Augmentation(Section):
    """What to do to each training image (built by `fashion.data.augment`); the defaults do nothing."""

    shift_pixels: int = Field(0, ge=0, le=8, description="random shift of up to this many pixels")
    horizontal_flip: bool = Field(False, description="mirror half of the images")
    erase_probability: float = Field(0.0, ge=0.0, le=1.0, description="chance of blanking a random rectangle")
    erase_max_fraction: float = Field(0.5, ge=0.01, le=1.0,
                                      description="largest erased side, as a fraction of the image's")  # fmt: skip

    @classmethod
    def off(cls) -> "Augmentation":
        """No augmentation: the study's plain batches."""
        return cls()

    @property
    def enabled(self) -> bool:
        return self.shift_pixels > 0 or self.horizontal_flip or self.erase_probability > 0.0

    @model_validator(mode="after")
    def _each_key_acts(self) -> "Augmentation":
        if 0 < self.erase_probability < MINIMUM_ERASE_PROBABILITY:
            raise RuleError("erase_probability", f"0, or at least {MINIMUM_ERASE_PROBABILITY} (a smaller chance erases "
                       "almost no image)", self.erase_probability)  # fmt: skip
        if "erase_max_fraction" in self.model_fields_set and self.erase_probability == 0:
            raise RuleError("erase_max_fraction", "left out unless augmentation.erase_probability is above 0",
                       self.erase_max_fraction)  # fmt: skip
        return self


class Sweep(Section):
    """A model's own fast learning-rate sweep (`learning_rate: sweep`); see `fashion.training.lr_ramp`."""

    start_learning_rate: float = Field(1.0e-5, ge=1e-12, description="the ramp's first rate")
    end_learning_rate: float = Field(1.0, ge=1e-12, description="the ramp's last rate")
    epochs: int = Field(1, ge=1, le=5, description="epochs the ramp lasts")
    evaluate_every_steps: int = Field(8, ge=1, description="training steps between two validation losses")
    validation_images: int = Field(1000, ge=1, description="validation images each loss is measured on")
    smoothing: float = Field(0.6, ge=0.0, le=0.99, description="exponential smoothing of the losses before their "
                             "minimum")  # fmt: skip
    suggestion_divisor: float = Field(4.0, ge=1.0, description="the suggestion is the minimum-loss rate divided by "
                                      "this")  # fmt: skip

    @model_validator(mode="after")
    def _rising(self) -> "Sweep":
        if self.end_learning_rate <= self.start_learning_rate:
            raise RuleError("end_learning_rate", f"larger than sweep.start_learning_rate ({self.start_learning_rate})",
                       self.end_learning_rate)  # fmt: skip
        return self


def _learning_rate(value):
    """A positive number or `sweep`; `lr_find` belongs to the other section."""
    if value == LEARNING_RATE_FROM_OWN_SWEEP:
        return value
    if value == "lr_find":
        raise RuleError("", sentence="is lr_find: move the entry to lr_find_models:, whose entries train at the rate "
                   "the lr_find stage suggests.")  # fmt: skip
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 1e-12:
        raise ValueError(f"a positive number or '{LEARNING_RATE_FROM_OWN_SWEEP}'")
    return float(value)


LearningRate = Annotated[
    float | Literal["sweep"] | None,
    PlainValidator(_learning_rate),
    WithJsonSchema(
        {
            "anyOf": [{"type": "number", "exclusiveMinimum": 0}, {"const": LEARNING_RATE_FROM_OWN_SWEEP}],
            "allowed": "a positive number or 'sweep'",
        }
    ),
]


class ModelEntry(Entry):
    """The training keys every entry has, whatever its network; the rules between them."""

    # A capability each architecture declares, so that no tool matches on its name: True for networks
    # that take minutes per epoch on a laptop CPU (CI trains them one epoch on a CPU without bfloat16,
    # and their floors use the seed spread measured for such networks).
    slow_to_train: ClassVar[bool] = False

    @property
    def description(self) -> str:
        """The network in a few words, for the README's tables (each architecture says its own)."""
        return self.architecture

    @property
    def weights_file_entry(self) -> str | None:
        """The entry of `pretrained_weights:` whose file the network starts from; None for random initial weights."""
        return None

    def build(self, precision: str):
        """The uncompiled Keras network, named after the entry: (28, 28) images in [0, 1] in, 10 softmax
        probabilities out, in the resolved `precision` (`fashion.training.precision`)."""
        raise NotImplementedError(f"architecture {self.architecture} has no builder")

    architecture: str
    optimizer: Literal["adam", "adamw", "sgd", "rmsprop"] = Field(description="the Keras optimizer")
    learning_rate: LearningRate = Field(None, description="a number, or sweep: this entry's own fast sweep (see "
                                        "sweep); left out in lr_find_models: lr_find's suggestion")  # fmt: skip
    epochs: int = Field(ge=1, description="passes over the training split")
    batch_size: int = Field(ge=1, description="images per training step")
    seed: int = Field(ge=0, description="seeds weights, shuffling and augmentation")
    weight_decay: float = Field(0.0, ge=0.0, description="decoupled weight decay (adamw and sgd)")
    momentum: float = Field(0.0, ge=0.0, le=0.99, description="momentum (sgd only)")
    nesterov: bool = Field(False, description="Nesterov's momentum: the gradient taken after the momentum step "
                           "(sgd with momentum only)")  # fmt: skip
    schedule: Literal["constant", "cosine", "one_cycle"] = Field(
        "constant", description="learning-rate schedule over the training steps"
    )
    warmup_epochs: int = Field(0, ge=0, description="linear warm-up before the cosine decay (cosine only)")
    label_smoothing: float = Field(0.0, ge=0.0, le=0.99, description="weight moved from the true class to all "
                                   "classes")  # fmt: skip
    early_stopping_patience: int = Field(0, ge=0, description="stop after this many epochs without a better "
                                         "validation accuracy (0: never)")  # fmt: skip
    restore_best_epoch: bool = Field(False, description="save the weights of the best validation epoch, not the "
                                     "last")  # fmt: skip
    moving_average_momentum: float = Field(0.0, ge=0.0, le=0.9999, description="keep an exponential moving "
        "average of the weights with this momentum, saved instead when better on validation (0: off)")  # fmt: skip
    refit: bool = Field(False, description="train on the training and validation splits together (60,000 images) "
                        "for `epochs`; the model then has no validation scores")  # fmt: skip
    augmentation: Augmentation = Field(Augmentation(), description="random changes to each training image")
    sweep: Sweep | None = Field(None, description="the entry's own sweep (with learning_rate: sweep)")

    @property
    def learning_rate_source(self) -> str:
        """params (a number), sweep (the entry's own) or lr_find (the stage's suggestion, in lr_find_models:)."""
        if self.learning_rate is None:
            return "lr_find"
        return LEARNING_RATE_FROM_OWN_SWEEP if self.learning_rate == LEARNING_RATE_FROM_OWN_SWEEP else "params"

    @property
    def requested_precision(self) -> str:
        """The entry's `precision` where its architecture has the key; float32 (always safe) elsewhere."""
        return self.__dict__.get("precision", "float32")

    @property
    def network(self) -> dict:
        """The keys only its architecture has: what its builder reads."""
        return {name: getattr(self, name) for name in type(self).model_fields
                if name not in ModelEntry.model_fields and name != "precision"}  # fmt: skip

    @model_validator(mode="before")
    @classmethod
    def _sweep_defaults(cls, data):
        """`learning_rate: sweep` without a `sweep:` mapping sweeps with its defaults."""
        if isinstance(data, dict) and data.get("learning_rate") == LEARNING_RATE_FROM_OWN_SWEEP:
            return {"sweep": {}, **data}
        return data

    @model_validator(mode="after")
    def _each_key_acts(self) -> "ModelEntry":
        """Reject a key whose value the rest of the entry would ignore, with one line naming both."""
        epochs, patience, warmup = self.epochs, self.early_stopping_patience, self.warmup_epochs
        rules = (
            (self.weight_decay > 0 and self.optimizer not in ("adamw", "sgd"),
             "weight_decay", "0 unless the optimizer is adamw or sgd"),
            (self.momentum > 0 and self.optimizer != "sgd", "momentum", "0 unless the optimizer is sgd"),
            (self.nesterov and self.momentum == 0, "nesterov",
             "false unless the optimizer is sgd with momentum above 0 (it looks ahead by the momentum step)"),
            (warmup > 0 and self.schedule != "cosine",
             "warmup_epochs", "0 unless the schedule is cosine (one_cycle has its own rise, constant none)"),
            (warmup > 0 and warmup >= epochs, "warmup_epochs", f"fewer than epochs ({epochs})"),
            (patience > 0 and patience >= epochs - 1, "early_stopping_patience",
             f"0, or fewer than epochs - 1 ({epochs - 1}): a larger patience can never stop training early"),
            # A refit trains on the validation images, so nothing may be chosen by them while it trains.
            (self.refit and self.restore_best_epoch, "restore_best_epoch",
             f"false when refit is true (no validation split to pick an epoch by; {REFIT_EPOCHS_ADVICE})"),
            (self.refit and patience > 0, "early_stopping_patience",
             f"0 when refit is true (no validation split to stop by; {REFIT_EPOCHS_ADVICE})"),
            (self.refit and self.moving_average_momentum > 0, "moving_average_momentum",
             "0 when refit is true (the average is kept only when better on validation)"),
            (self.refit and self.learning_rate == LEARNING_RATE_FROM_OWN_SWEEP, "learning_rate",
             "a number when refit is true (the sweep reads validation losses): the rate the entry's sweep suggested"),
        )  # fmt: skip
        for broken, key, allowed in rules:
            if broken:
                raise RuleError(key, allowed, getattr(self, key))
        if self.sweep is not None and self.learning_rate != LEARNING_RATE_FROM_OWN_SWEEP:
            given = sorted(self.sweep.model_fields_set) or ["sweep"]
            key = f"sweep.{given[0]}" if self.sweep.model_fields_set else "sweep"
            raise RuleError(key, sentence="is set, but the entry's learning_rate is not sweep; remove the sweep "
                       "settings, or set learning_rate: sweep.")  # fmt: skip
        return self
