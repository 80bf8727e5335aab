"""Entries of `models:` and `lr_find_models:`: each checked against `MODEL_KEYS` and the rules between keys."""

from fashion.core.errors import PipelineError
from fashion.core.params.checks import (
    check_choice,
    check_entry_name,
    check_mapping,
    invalid_value,
    optional_section,
    read_keys,
)
from fashion.core.params.records import Augmentation, ModelParams, SweepParams
from fashion.core.params.schema import (
    LEARNING_RATE_FROM_LR_FIND,
    LEARNING_RATE_FROM_OWN_SWEEP,
    MINIMUM_ERASE_PROBABILITY,
    NESTED_SECTIONS,
    TRAINING_KEYS_OF_SOME_ARCHITECTURES,
    Key,
    known_architectures,
    model_keys,
)


def parse_models(raw: dict) -> dict[str, ModelParams]:
    """Validate `models:` and `lr_find_models:` together; the result keeps their order, `models:` first."""
    if "models" not in raw:
        raise PipelineError("params.yaml: missing section 'models'; add at least one model entry.")
    models = check_mapping(raw["models"], "models")
    suggested = optional_section(raw, "lr_find_models")
    if not models and not suggested:
        raise PipelineError("params.yaml: 'models' is empty; add at least one model entry.")
    for name in suggested:
        if name in models:
            raise invalid_value(f"lr_find_models.{name}", "a name that no entry of models: uses", name)
    return {name: parse_model(raw, name) for name in (*models, *suggested)}


def model_names(raw: dict) -> tuple[str, ...]:
    """Every model's name, from `models:` and `lr_find_models:` (as `parse_models` orders them)."""
    models = check_mapping(raw.get("models"), "models")
    return (*models, *optional_section(raw, "lr_find_models"))


def model_entry_location(raw: dict, name: str) -> str:
    """`models` or `lr_find_models`: the section holding the entry called `name`."""
    for section in ("models", "lr_find_models"):
        if name in optional_section(raw, section):
            return section
    known = ", ".join(str(model) for model in model_names(raw)) or "none"
    raise PipelineError(f"params.yaml: no model named '{name}' under 'models' or 'lr_find_models' (known: {known}).")


def parse_model(raw: dict, name: str) -> ModelParams:
    """Validate one entry of `models:` or `lr_find_models:` against `MODEL_KEYS` and the rules between keys."""
    section = model_entry_location(raw, name)
    where = f"{section}.{name}"
    check_entry_name(name, where)
    entry = check_mapping(raw[section][name], where)
    architecture = check_choice(entry.get("architecture", "dense"), f"{where}.architecture", known_architectures())
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
    values = {"architecture": architecture, **read_keys(given_others, where, others)}
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
            for nested, nested_value in check_mapping(value, f"{where}.{name}").items():
                flat[f"{name}.{nested}"] = nested_value
        else:
            flat[name] = value
    unknown = sorted(str(key) for key in set(flat) - names)
    if unknown:
        allowed_names = ", ".join(dict.fromkeys(key.name.split(".")[0] for key in allowed))
        raise PipelineError(f"params.yaml: unknown key '{where}.{unknown[0]}'; allowed keys are {allowed_names}.")
    return flat


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
            raise invalid_value(f"{where}.{key}", allowed, values[key])
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
