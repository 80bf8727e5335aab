"""Rules that depend on the data's size and shape, and on scikit-learn, checked before any stage writes.

The whole-file check runs before `download`, so the rules here use what the
dataset is known to be (60,000 training images of 28x28 in ten classes) rather
than files that may not exist yet; the train and distill stages check the batch
size again against the split they actually load.
"""

import functools
import inspect

from fashion.core.dataset import IMAGE_SIZE, NUMBER_OF_CLASSES
from fashion.core.errors import PipelineError, shorten
from fashion.core.params.entries import ModelEntry
from fashion.core.params.sections import Baseline

TRAINING_FILE_IMAGES = 60_000
# Arguments a baseline entry may not give, and why: each would be a second, silent way to say something.
NOT_ACCEPTED = {
    "random_state": "is set from the entry's `seed`; remove it and give `seed` instead",
    "n_jobs": "is set by the stage to every core (it changes speed, not the result); remove it",
    "verbose": "changes only what is printed, not the result; remove it",
}


def validation_images(validation_fraction: float) -> int:
    """The validation split's size, as normalize cuts it from the training file."""
    return int(TRAINING_FILE_IMAGES * validation_fraction)


def check_sweep(model: ModelEntry, validation: int) -> None:
    """A sweep measures its loss on the first `sweep.validation_images`; more than the split has is a mistake."""
    if model.sweep is not None and model.sweep.validation_images > validation:
        raise PipelineError(
            f"params.yaml: {model.where}.sweep.validation_images ({model.sweep.validation_images:,}) is more "
            f"than the validation split holds ({validation:,} images); lower it."
        )


def check_split(validation_fraction: float) -> int:
    """The training split's size; both splits must keep at least one image of each class."""
    validation = validation_images(validation_fraction)
    if min(validation, TRAINING_FILE_IMAGES - validation) < NUMBER_OF_CLASSES:
        raise PipelineError(
            f"params.yaml: normalize.validation_fraction {validation_fraction:g} leaves {validation} of "
            f"{TRAINING_FILE_IMAGES:,} images for validation; each split needs at least one image per class "
            f"({NUMBER_OF_CLASSES})."
        )
    return TRAINING_FILE_IMAGES - validation


def check_batch(where: str, batch_size: int, training_images: int) -> None:
    """A batch larger than the training split would silently train on fewer images per step than asked."""
    if batch_size > training_images:
        raise PipelineError(
            f"params.yaml: {where}.batch_size ({batch_size:,}) is larger than the training split "
            f"({training_images:,} images); lower it."
        )


def check_depth(model: ModelEntry) -> None:
    """Pooling halves the image after every block but the last; a block must still see at least one pixel."""
    blocks = getattr(model, "blocks", None)
    if not blocks:
        return
    size = IMAGE_SIZE
    for _ in range(len(blocks) - 1):
        size //= 2
    if size < 1:
        raise PipelineError(
            f"params.yaml: {model.where}.blocks has {len(blocks)} blocks, but a {IMAGE_SIZE}x{IMAGE_SIZE} "
            f"image pooled after each of the first {len(blocks) - 1} shrinks to nothing; use at most 5."
        )


@functools.cache
def classifier_classes() -> dict[str, type]:
    """Every classifier scikit-learn provides, by class name (imports scikit-learn, once per process)."""
    from sklearn.utils import all_estimators

    return dict(all_estimators(type_filter="classifier"))


def check_baseline(params: Baseline) -> type:
    """The entry's classifier class, with its arguments checked by scikit-learn's own constraints; nothing is built."""
    where = f"params.yaml: {params.where}"
    classes = classifier_classes()
    if params.estimator not in classes:
        raise PipelineError(
            f"{where}.estimator {shorten(params.estimator)} is not a scikit-learn classifier; use a class name such "
            "as LogisticRegression, RandomForestClassifier, KNeighborsClassifier, MLPClassifier or SVC."
        )
    estimator_class = classes[params.estimator]
    signature = inspect.signature(estimator_class.__init__)
    arguments = list(signature.parameters.values())[1:]  # after self
    required = [argument.name for argument in arguments if argument.default is inspect.Parameter.empty
                and argument.kind is argument.POSITIONAL_OR_KEYWORD]  # fmt: skip
    if required:
        raise PipelineError(
            f"{where}.estimator {params.estimator} needs another estimator as its {required[0]}, which "
            "params.yaml cannot give; choose a classifier that stands alone."
        )
    accepted = [name for name in signature.parameters if name != "self"]
    for argument in params.arguments:
        if argument in NOT_ACCEPTED:
            raise PipelineError(f"{where}.arguments.{argument} {NOT_ACCEPTED[argument]}.")
        if argument not in accepted:
            raise PipelineError(
                f"{where}.arguments.{argument} is not an argument of {params.estimator}; it takes "
                f"{', '.join(sorted(accepted))}."
            )
    if params.seed is not None and "random_state" not in accepted:
        raise PipelineError(f"{where}.seed is set, but {params.estimator} has no randomness; remove it.")
    _check_constraints(estimator_class, params, where)
    return estimator_class


def _check_constraints(estimator_class: type, params: Baseline, where: str) -> None:
    """scikit-learn's declared constraints on each given argument (the check `fit` runs first), without fitting."""
    from sklearn.utils._param_validation import InvalidParameterError, validate_parameter_constraints

    constraints = getattr(estimator_class, "_parameter_constraints", {})
    given = {name: list(value) if isinstance(value, tuple) else value for name, value in params.arguments.items()}
    try:
        validate_parameter_constraints(
            {name: constraints[name] for name in given if name in constraints}, given, params.estimator
        )
    except InvalidParameterError as error:
        raise PipelineError(f"{where}.arguments: {' '.join(str(error).split())[:300]}") from error
