"""The whole of params.yaml as one model: its sections, and the rules between them and against the data.

`validate_params` is the check every stage runs first, so a bad value anywhere
stops `dvc repro` before its first stage rather than after hours of the
stages before the one that reads it.
"""

import functools
import re

from pydantic import Field, ValidationError, field_validator, model_validator

from fashion.core import architectures
from fashion.core.errors import PipelineError
from fashion.core.params import data_rules
from fashion.core.params.base import Section
from fashion.core.params.entries import LEARNING_RATE_FROM_OWN_SWEEP, ModelEntry
from fashion.core.params.messages import invalid_value, one_line
from fashion.core.params.sections import (
    EXPORT_BEST,
    Baseline,
    Distribute,
    Download,
    Ensemble,
    Evaluate,
    Export,
    LrFind,
    Normalize,
    PretrainedWeights,
    Student,
)

ENTRY_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")  # matched whole (fullmatch): no trailing newline
RESERVED_NAMES = (EXPORT_BEST,)  # export.model: best names the best model by validation accuracy
ENTRY_SECTIONS = ("models", "lr_find_models", "baselines", "ensembles", "students", "pretrained_weights")
MODEL_SECTIONS = ("models", "lr_find_models")
OPTIONAL = {"allowed": "a mapping of entries (write {} for none)"}


class Params(Section):
    """params.yaml: every section, each entry named, checked together before any stage writes."""

    download: Download = Field(description="where the dataset comes from and what its files must hold")
    normalize: Normalize = Field(description="the validation split")
    lr_find: LrFind = Field(description="the study's learning-rate sweep")
    models: dict[str, ModelEntry] = Field(description="the networks, one train stage each")
    lr_find_models: dict[str, ModelEntry] = Field(
        {}, description="networks trained at lr_find's suggested rate", json_schema_extra=OPTIONAL
    )
    baselines: dict[str, Baseline] = Field(
        {}, description="scikit-learn classifiers, one baseline stage each", json_schema_extra=OPTIONAL
    )
    ensembles: dict[str, Ensemble] = Field(
        {}, description="averages of trained models' probabilities", json_schema_extra=OPTIONAL
    )
    students: dict[str, Student] = Field(
        {}, description="recipes distilled from a teacher ensemble", json_schema_extra=OPTIONAL
    )
    pretrained_weights: dict[str, PretrainedWeights] = Field(
        {}, description="weights files for backbones, one pretrained stage each", json_schema_extra=OPTIONAL
    )
    distribute: Distribute = Field(description="how the train stages use devices and machines")
    evaluate: Evaluate = Field(description="the test report")
    export: Export = Field(description="the model exported for serving")

    @functools.cached_property
    def trained_models(self) -> dict[str, ModelEntry]:
        """Every network the train stages make: `models:` then `lr_find_models:` (computed once per document)."""
        return {**self.models, **self.lr_find_models}

    def model(self, name: str) -> ModelEntry:
        return _named(self.trained_models, name, "model", "under 'models' or 'lr_find_models'")

    def baseline(self, name: str) -> Baseline:
        return _named(self.baselines, name, "baseline", "under 'baselines'")

    def student(self, name: str) -> Student:
        return _named(self.students, name, "student", "under 'students'")

    def pretrained(self, name: str) -> PretrainedWeights:
        return _named(self.pretrained_weights, name, "weights file", "under 'pretrained_weights'")

    @model_validator(mode="before")
    @classmethod
    def _entry_names(cls, data):
        """Entry names name files and stages: plain identifiers, none reserved, none twice when case is ignored."""
        if not isinstance(data, dict):
            return data
        seen = {}
        for section in ENTRY_SECTIONS:
            entries = data.get(section)
            for name in entries if isinstance(entries, dict) else ():
                where = f"{section}.{name}"
                if not isinstance(name, str) or not ENTRY_NAME.fullmatch(name):
                    raise invalid_value(where, "a name of letters, digits and underscores", name)
                if name in RESERVED_NAMES:
                    raise invalid_value(where, f"a name other than {', '.join(RESERVED_NAMES)} (export.model's "
                                        "choice)", name)  # fmt: skip
                if name.lower() in seen and seen[name.lower()][1] == name:
                    raise invalid_value(where, f"a name that no entry of {seen[name.lower()][0]}: uses", name)
                if name.lower() in seen:
                    raise PipelineError(
                        f"params.yaml: the entries {seen[name.lower()][1]} and {name} differ only in case, and "
                        "would share files on macOS and Windows; rename one."
                    )
                seen[name.lower()] = (section, name)
        return data

    @field_validator("models", "lr_find_models", mode="before")
    @classmethod
    def _model_entries(cls, entries, info):
        """Each entry validated by its architecture's class (`ENTRY_CLASSES`)."""
        if not isinstance(entries, dict):
            return entries  # pydantic then says it is not a mapping
        return {name: _model_entry(info.field_name, name, entry) for name, entry in entries.items()}

    @model_validator(mode="after")
    def _between_sections(self) -> "Params":
        for section in ("baselines", "ensembles", "students", "pretrained_weights"):
            for name, entry in getattr(self, section).items():
                entry.named(section, name)
        if not self.trained_models:
            raise PipelineError("params.yaml: 'models' is empty; add at least one model entry.")
        for model in self.trained_models.values():
            pretrained = model.weights_file_entry
            if pretrained is not None and pretrained not in self.pretrained_weights:
                known = ", ".join(self.pretrained_weights) or "none"
                raise invalid_value(f"{model.where}.pretrained", f"an entry of pretrained_weights: ({known}), or "
                                    "left out", pretrained)  # fmt: skip
        for ensemble in self.ensembles.values():
            self._check_ensemble(ensemble)
        for student in self.students.values():
            self._check_student(student)
        exportable = (EXPORT_BEST, *self.trained_models, *self.students)
        if self.export.model not in exportable:
            raise invalid_value("export.model", f"one of {', '.join(exportable)}", self.export.model)
        self._check_against_the_data()
        self._check_distribution()
        for baseline in self.baselines.values():
            data_rules.check_baseline(baseline)  # last: it imports scikit-learn
        return self

    def _check_ensemble(self, ensemble: Ensemble) -> None:
        """Members are trained models with validation scores; test-time views go only to members trained on them.

        A refit member is refused: it learnt the validation images that every ensemble is chosen and scored on,
        so it could only be chosen by its test score.
        """
        for member in ensemble.members:
            if member not in self.trained_models:
                raise invalid_value(f"{ensemble.where}.members", f"one of {', '.join(self.trained_models)}", member)
            if self.trained_models[member].refit:
                raise invalid_value(f"{ensemble.where}.members", "models without refit: true (a refit learnt the "
                                    "validation images an ensemble is chosen and scored on)", member)  # fmt: skip
        augmentations = [self.trained_models[member].augmentation for member in ensemble.members]
        flips, shift = ensemble.flip_test_time_augmentation, ensemble.shift_test_time_augmentation
        if flips and not any(augmentation.horizontal_flip for augmentation in augmentations):
            raise invalid_value(f"{ensemble.where}.flip_test_time_augmentation",
                                "false: no member trained with augmentation.horizontal_flip", flips)  # fmt: skip
        if shift and not any(augmentation.shift_pixels >= shift for augmentation in augmentations):
            raise invalid_value(f"{ensemble.where}.shift_test_time_augmentation",
                                "0, or at most a member's augmentation.shift_pixels", shift)  # fmt: skip
        if len(ensemble.members) < 2 and not (flips or shift):
            raise invalid_value(f"{ensemble.where}.members", "a list of different model names: at least two, or one "
                                "with test-time augmentation", list(ensemble.members))  # fmt: skip

    def _check_student(self, student: Student) -> None:
        """A refit recipe is refused: the distill stage keeps validation for the student's scores. (A teacher has
        no refit member: ensembles refuse them.)"""
        if student.recipe not in self.models:
            raise invalid_value(f"{student.where}.recipe", f"one of {', '.join(self.models)}", student.recipe)
        if student.teacher not in self.ensembles:
            raise invalid_value(f"{student.where}.teacher", f"one of {', '.join(self.ensembles) or 'no ensemble'}",
                                student.teacher)  # fmt: skip
        recipe = self.models[student.recipe]
        if recipe.refit:
            raise invalid_value(f"{student.where}.recipe", "an entry without refit: true (the student is scored on "
                                "validation)", recipe.name)  # fmt: skip
        student._model = recipe.model_copy().named("students", student.name)  # the recipe, under the student's name

    def _check_against_the_data(self) -> None:
        """Batch sizes, network depth and the sweep's images against the dataset's known size and shape."""
        training_images = data_rules.check_split(self.normalize.validation_fraction)
        validation_images = data_rules.validation_images(self.normalize.validation_fraction)
        data_rules.check_batch("lr_find", self.lr_find.batch_size, training_images)
        for model in self.trained_models.values():
            data_rules.check_batch(model.where, model.batch_size, training_images)
            data_rules.check_depth(model)
            data_rules.check_sweep(model, validation_images)

    def _check_distribution(self) -> None:
        """What multi_worker's training loop, on several machines, cannot do."""
        if self.distribute.strategy != "multi_worker":
            return
        models = self.trained_models.values()
        swept = [model for model in models if model.learning_rate == LEARNING_RATE_FROM_OWN_SWEEP]
        if swept:
            raise PipelineError(
                f"params.yaml: {swept[0].where}.learning_rate is sweep, which runs on one machine; with "
                "distribute.strategy: multi_worker give it a number (the rate its last sweep suggested)."
            )
        averaged = [model.name for model in models if model.moving_average_momentum > 0]
        if averaged:
            raise PipelineError(
                f"params.yaml: {averaged[0]}'s moving_average_momentum needs Keras's own training loop, which "
                "distribute.strategy multi_worker cannot use; set it to 0, or the strategy to one_device or mirrored."
            )
        if self.students:
            raise PipelineError(
                f"params.yaml: students.{next(iter(self.students))} trains in the distill stage, which runs on one "
                "machine; with distribute.strategy multi_worker leave students: empty, or set the strategy to "
                "one_device."
            )
        refits = [model.name for model in models if model.refit]
        if refits:
            raise PipelineError(
                f"params.yaml: {refits[0]} has refit: true, which distribute.strategy multi_worker's training loop "
                "does not support; set refit to false, or the strategy to one_device or mirrored."
            )


def _model_entry(section: str, name: str, entry) -> ModelEntry:
    """One entry of `models:` or `lr_find_models:`, validated by its architecture's class."""
    where = f"{section}.{name}"
    if not isinstance(entry, dict):
        raise invalid_value(where, "a mapping of keys to values", entry)
    entry_classes = architectures.ENTRY_CLASSES  # read here: that package imports this one
    architecture = entry.get("architecture", architectures.DEFAULT_ARCHITECTURE)
    if architecture not in entry_classes:
        raise invalid_value(f"{where}.architecture", f"one of {', '.join(entry_classes)}", architecture)
    if section == "lr_find_models" and "learning_rate" in entry:
        raise PipelineError(
            f"params.yaml: {where}.learning_rate is set, but entries of lr_find_models train at the rate the "
            "lr_find stage suggests; remove the key, or move the entry to models:."
        )
    if section == "models" and "learning_rate" not in entry:
        raise PipelineError(
            f"params.yaml: missing key '{where}.learning_rate' (a number, or sweep; or move the entry to "
            "lr_find_models: to train at the rate the lr_find stage suggests)."
        )
    entry_class = entry_classes[architecture]
    try:
        return entry_class.model_validate(entry).named(section, name)
    except ValidationError as error:
        raise one_line(error, entry_class, (section, name)) from None


def _named(entries: dict, name: str, kind: str, where: str):
    if name not in entries:
        known = ", ".join(entries) or "none"
        raise PipelineError(f"params.yaml: no {kind} named '{name}' {where} (known: {known}).")
    return entries[name]


def validate_params(raw) -> Params:
    """`raw` (params.yaml as read) checked whole: every section, every rule between sections, the data rules."""
    if not isinstance(raw, dict):
        raise invalid_value("params.yaml", "a mapping of sections", raw)
    try:
        return Params.model_validate(raw)
    except ValidationError as error:
        raise one_line(error, Params) from None
