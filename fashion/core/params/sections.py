"""The sections of params.yaml other than the model entries, each key declared once with its help and bounds."""

from typing import Annotated, Any, Literal, get_args

from pydantic import Field, PrivateAttr, Strict, field_validator, model_validator

from fashion.core.dataset import TEST_IMAGES_FILE, TEST_LABELS_FILE, TRAIN_IMAGES_FILE, TRAIN_LABELS_FILE
from fashion.core.params.base import Entry, Section, Units
from fashion.core.params.entries import ACTIVATION
from fashion.core.params.messages import RuleError

MIRROR_SCHEMES = ("https://", "http://", "file://")
EXPORT_BEST = "best"
STRATEGY = Literal["one_device", "mirrored", "multi_worker"]
STRATEGIES = get_args(STRATEGY)
SHA256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$", json_schema_extra={"allowed": "64 lowercase hex digits"})]


CONTENT = "SHA-256 of the file's decompressed content"


class Checksums(Section):
    """SHA-256 of each dataset file's decompressed content; the keys are the file names (aliases)."""

    train_images: SHA256 = Field(alias=TRAIN_IMAGES_FILE, description=CONTENT)
    train_labels: SHA256 = Field(alias=TRAIN_LABELS_FILE, description=CONTENT)
    test_images: SHA256 = Field(alias=TEST_IMAGES_FILE, description=CONTENT)
    test_labels: SHA256 = Field(alias=TEST_LABELS_FILE, description=CONTENT)


class Download(Section):
    sha256: Checksums = Field(description="SHA-256 of each dataset file's decompressed content")
    mirrors: Annotated[tuple[str, ...], Strict(False)] = Field(
        min_length=1, description="base URLs tried in order; a file is taken from the first whose copy matches sha256",
        json_schema_extra={"items": {"type": "string", "pattern": "^(https?|file)://[^?#]*$"},
                           "allowed": "a non-empty list of URLs"})  # fmt: skip
    timeout_seconds: float = Field(ge=0.1, le=3600, description="seconds a network read may stall before the "
                                   "mirror counts as failed")  # fmt: skip
    attempts_per_mirror: int = Field(ge=1, le=10, description="tries after a timeout or broken connection, before "
                                     "the next mirror")  # fmt: skip

    @property
    def checksums(self) -> dict[str, str]:
        """Each dataset file's pinned SHA-256, by file name."""
        return self.sha256.model_dump(by_alias=True)

    @field_validator("mirrors")
    @classmethod
    def _plain_urls(cls, mirrors: tuple[str, ...]) -> tuple[str, ...]:
        for index, url in enumerate(mirrors):
            if not url.startswith(MIRROR_SCHEMES) or "?" in url or "#" in url:
                raise RuleError(f"[{index}]", f"a URL starting with {', '.join(MIRROR_SCHEMES)}, with no query (?) or "
                           "fragment (#)", url)  # fmt: skip
        return mirrors


class Normalize(Section):
    validation_fraction: float = Field(gt=0.0, lt=1.0, description="share of the training images held out for "
                                       "validation, by class", json_schema_extra={"allowed": "a number strictly "
                                       "between 0 and 1"})  # fmt: skip
    seed: int = Field(ge=0, description="seeds the stratified split")


class LrFind(Section):
    hidden_units: Units = Field(description="units of each hidden Dense layer of the swept network")
    activation: ACTIVATION = Field(description="activation of every hidden layer")
    optimizer: Literal["adam", "sgd", "rmsprop"] = Field(description="the Keras optimizer")
    start_learning_rate: float = Field(ge=1e-12, description="the rate of the first epoch")
    epochs_per_decade: float = Field(ge=1e-6, description="epochs over which the rate grows tenfold")
    epochs: int = Field(ge=2, description="epochs the sweep lasts")
    batch_size: int = Field(ge=1, description="images per training step")
    seed: int = Field(ge=0, description="seeds weights and shuffling")
    smoothing: float = Field(ge=0.0, le=0.99, description="exponential smoothing of the validation loss before its "
                             "minimum")  # fmt: skip
    suggestion_divisor: float = Field(ge=1.0, description="the suggestion is the minimum-loss rate divided by this")


class Ensemble(Entry):
    members: Annotated[tuple[str, ...], Strict(False)] = Field(
        min_length=1, description="the models whose probabilities are averaged (with selection: greedy, the "
        "candidates)")  # fmt: skip
    flip_test_time_augmentation: bool = Field(description="also average each member's view of the mirrored images "
                                              "(members trained with horizontal_flip)")  # fmt: skip
    shift_test_time_augmentation: int = Field(0, ge=0, le=4, description="also average views shifted this many "
        "pixels up, down, left and right (members trained with shifts of at least this; 0: none)")  # fmt: skip
    selection: Literal["average", "greedy"] = Field(
        "average", description="average: every member with every view asked for; greedy: forward selection with "
        "replacement on the validation split (Caruana et al. 2004) among each member with each subset of those "
        "views, keeping the best round")  # fmt: skip
    selection_rounds: int = Field(0, ge=0, le=100, description="additions greedy selection tries (0 with "
                                  "selection: average)")  # fmt: skip

    @model_validator(mode="after")
    def _rounds_with_greedy(self) -> "Ensemble":
        if (self.selection == "greedy") != (self.selection_rounds > 0):
            raise RuleError("selection_rounds", "at least 1 with selection: greedy, and 0 (or left out) with "
                            "selection: average", self.selection_rounds)  # fmt: skip
        return self

    @field_validator("members")
    @classmethod
    def _different(cls, members: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(members)) != len(members):
            raise ValueError("a list of different model names")
        return members


MD5 = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$", json_schema_extra={"allowed": "32 lowercase hex digits"})]


class PretrainedWeights(Entry):
    """A weights file for a backbone (e.g. Keras Applications' ImageNet weights), fetched by pretrained@<name>.

    Pinned by its SHA-256, or by the MD5 Keras itself publishes for its files
    (exactly one): the stage refuses any other content and prints the SHA-256 of what it kept.
    """

    url: str = Field(description="where the file is: https://, http:// or file://, no query or fragment",
                     json_schema_extra={"pattern": "^(https?|file)://[^?#]*$"})  # fmt: skip
    sha256: SHA256 | None = Field(None, description="SHA-256 of the file's bytes")
    md5: MD5 | None = Field(None, description="MD5 of the file's bytes, as Keras publishes for its weights (use "
                            "sha256 where known)")  # fmt: skip
    maximum_megabytes: int = Field(100, ge=1, le=2048, description="the most the file may take; a larger one is "
                                   "refused before it is written")  # fmt: skip
    timeout_seconds: float = Field(60, ge=0.1, le=3600, description="seconds the download may stall")

    @field_validator("url")
    @classmethod
    def _plain_url(cls, url: str) -> str:
        if not url.startswith(MIRROR_SCHEMES) or "?" in url or "#" in url:
            raise ValueError(f"a URL starting with {', '.join(MIRROR_SCHEMES)}, with no query (?) or fragment (#)")
        return url

    @model_validator(mode="after")
    def _one_pin(self) -> "PretrainedWeights":
        if (self.sha256 is None) == (self.md5 is None):
            raise RuleError("sha256", "given, or md5 instead (exactly one pins the file)", self.sha256)
        return self


class Student(Entry):
    """A `models:` entry's recipe trained on an ensemble's probabilities (distillation)."""

    recipe: str = Field(description="the models: entry whose network and training the student repeats")
    teacher: str = Field(description="the ensembles: entry whose probabilities the student learns from")
    # Above 0: a student without its teacher is its recipe again. At 1 the targets are the teacher's alone.
    _model = PrivateAttr(None)
    teacher_weight: float = Field(ge=0.05, le=1.0, description="the teacher's share of each training target; the "
                                  "true label has the rest")  # fmt: skip

    @property
    def model(self):
        """The recipe's entry under the student's name: the network it trains (set by `Params`)."""
        return self._model


ARGUMENT_SCHEMA = {
    "anyOf": [
        {"type": ["string", "number", "boolean", "null"]},
        {"type": "array", "items": {"type": ["string", "number", "boolean", "null"]}},
    ]
}


def _argument(value):
    """A number, string, boolean or null, or a list of them (as a tuple)."""
    scalar = (str, int, float, type(None))
    if isinstance(value, list) and all(isinstance(item, scalar) for item in value):
        return tuple(value)
    if isinstance(value, scalar):
        return value
    raise ValueError("a number, string, boolean, null or a list of them")


class Baseline(Entry):
    """A scikit-learn classifier; see `fashion.baselines.estimators` (checked against scikit-learn first)."""

    estimator: str = Field(description="a scikit-learn classifier's class name, such as RandomForestClassifier")
    arguments: dict[str, Any] = Field(
        {},
        description="its keyword arguments, checked with scikit-learn's own constraints",
        json_schema_extra={"additionalProperties": ARGUMENT_SCHEMA},
    )
    standardize: bool = Field(True, description="scale each pixel to mean 0 and variance 1 first, as the "
                              "published benchmark")  # fmt: skip
    seed: int | None = Field(None, ge=0, description="the estimator's random_state (only for estimators with one)")

    @model_validator(mode="before")
    @classmethod
    def _arguments(cls, data):
        if isinstance(data, dict) and isinstance(data.get("arguments"), dict):
            arguments = data["arguments"]
            for name, value in arguments.items():
                try:
                    _argument(value)
                except ValueError as error:
                    raise RuleError(f"arguments.{name}", str(error), value) from None
            return {**data, "arguments": {name: _argument(value) for name, value in arguments.items()}}
        return data


class Evaluate(Section):
    grid_rows: int = Field(ge=1, le=10, description="rows of the prediction grid")
    grid_columns: int = Field(ge=1, le=10, description="columns of the prediction grid")
    seed: int = Field(ge=0, description="picks the grid's test images")


class Distribute(Section):
    strategy: STRATEGY = Field(description="how the train stages use devices and machines")


class Export(Section):
    model: str = Field(description=f"the model to export, or {EXPORT_BEST}: the highest validation accuracy")
