"""Checkers of single values against a declared `Key`; each returns the value or raises `PipelineError`.

Every message has one shape, "params.yaml: <key> must be <what is allowed>,
got <value>.", so a user reads the same kind of line whatever went wrong.
"""

import math
import re

from fashion.core.dataset import DATASET_FILES
from fashion.core.errors import PipelineError, shorten
from fashion.core.params.schema import (
    LEARNING_RATE_FROM_LR_FIND,
    LEARNING_RATE_FROM_OWN_SWEEP,
    MIRROR_SCHEMES,
    MODEL_NAME_PATTERN,
    REQUIRED,
    RESERVED_NAMES,
    Key,
)


def check_key(key: Key, value, where: str):
    """`value` checked against `key`'s kind and bounds."""
    if key.kind == "choice":
        return check_choice(value, where, key.choices)
    if key.kind == "boolean":
        return check_boolean(value, where)
    if key.kind == "integer":
        return check_integer(value, where, int(key.minimum or 0), None if key.maximum is None else int(key.maximum))
    if key.kind in ("number", "fraction"):
        number = check_number(value, where, key.minimum or 0.0)
        if key.maximum is not None and number > key.maximum:
            raise invalid_value(where, f"a number between {key.minimum or 0.0} and {key.maximum}", value)
        return number
    if key.kind == "units":
        return check_units(value, where)
    if key.kind == "optional_units":
        return () if value == [] else check_units(value, where)
    if key.kind == "blocks":
        if not isinstance(value, list) or not value:
            raise invalid_value(where, "a non-empty list of blocks, each a list of filter counts", value)
        return tuple(check_units(block, f"{where}[{index}]") for index, block in enumerate(value))
    if key.kind == "learning_rate":
        return check_learning_rate(value, where)
    if key.kind == "optional_integer":
        return None if value is None else check_integer(value, where, int(key.minimum or 0))
    if key.kind == "arguments":
        arguments = check_mapping(value, where)
        scalar = (str, int, float, type(None))
        for name, argument in arguments.items():
            is_list = isinstance(argument, list) and all(isinstance(item, scalar) for item in argument)
            if not isinstance(name, str) or not (isinstance(argument, scalar) or is_list):
                raise invalid_value(f"{where}.{name}", "a number, string, null or a list of them", argument)
        return {
            name: tuple(argument) if isinstance(argument, list) else argument for name, argument in arguments.items()
        }
    if key.kind == "name":
        if not isinstance(value, str):
            raise invalid_value(where, "a name", value)
        return value
    if key.kind == "names":
        if not isinstance(value, list) or not value or len(set(map(str, value))) != len(value):
            raise invalid_value(where, "a list of different model names", value)
        return tuple(value)
    if key.kind == "urls":
        if not isinstance(value, list) or not value:
            raise invalid_value(where, "a non-empty list of URLs", value)
        for index, url in enumerate(value):
            if not isinstance(url, str) or not url.startswith(MIRROR_SCHEMES) or "?" in url or "#" in url:
                allowed = f"a URL starting with {', '.join(MIRROR_SCHEMES)}, with no query (?) or fragment (#)"
                raise invalid_value(f"{where}[{index}]", allowed, url)
        return tuple(value)
    if key.kind == "checksums":
        checksums = read_keys(check_mapping(value, where), where, [Key(name, "sha256", "") for name in DATASET_FILES])
        return dict(checksums)
    if key.kind == "sha256":
        if not isinstance(value, str) or not re.fullmatch(r"[0-9a-f]{64}", value):
            raise invalid_value(where, "64 lowercase hex digits", value)
        return value
    raise ValueError(f"unknown kind {key.kind!r} of key {key.name}")


def check_learning_rate(value, where: str):
    """A positive number, or `sweep`."""
    if value == LEARNING_RATE_FROM_LR_FIND:
        raise PipelineError(
            f"params.yaml: {where} is lr_find: move the entry to lr_find_models:, whose entries "
            "train at the rate the lr_find stage suggests."
        )
    if value == LEARNING_RATE_FROM_OWN_SWEEP:
        return value
    if isinstance(value, str):
        raise invalid_value(where, f"a positive number or '{LEARNING_RATE_FROM_OWN_SWEEP}'", value)
    return check_number(value, where, 1e-12)


def read_keys(given: dict, where: str, keys) -> dict:
    """Each of `keys` from the mapping `given`, checked, or its default; an unknown or missing key is an error."""
    names = [key.name for key in keys]
    unknown = sorted(str(key) for key in set(given) - set(names))
    if unknown:
        raise PipelineError(f"params.yaml: unknown key '{where}.{unknown[0]}'; allowed keys are {', '.join(names)}.")
    values = {}
    for key in keys:
        if key.name in given:
            values[key.name] = check_key(key, given[key.name], f"{where}.{key.name}")
        elif key.default is REQUIRED:
            raise PipelineError(f"params.yaml: missing key '{where}.{key.name}' ({key.help}).")
        else:
            values[key.name] = key.default
    return values


def check_entry_name(name, where: str, taken: tuple[str, ...] = (), taken_by: str = "") -> None:
    """An entry's name must be a plain identifier (it names files and stages) and not one `taken` by `taken_by`."""
    if not isinstance(name, str) or not MODEL_NAME_PATTERN.fullmatch(name):
        raise invalid_value(where, "a name of letters, digits and underscores", name)
    if name in RESERVED_NAMES:
        raise invalid_value(where, f"a name other than {', '.join(RESERVED_NAMES)} (export.model's choice)", name)
    if name in taken:
        raise invalid_value(where, f"a name that no {taken_by} uses", name)


def invalid_value(key: str, allowed: str, value) -> PipelineError:
    key = re.sub(r"[\x00-\x1f]", lambda control: repr(control[0])[1:-1], key)  # a name may hold a newline
    return PipelineError(f"params.yaml: {key} must be {allowed}, got {shorten(value)}.")


def optional_section(raw: dict, name: str) -> dict:
    """A section of entries that may be left out or written `{}`; `[]`, `0`, `false` or an empty value is an error."""
    value = raw.get(name, {})
    if not isinstance(value, dict):
        raise invalid_value(name, "a mapping of entries (write {} for none)", value)
    return value


def check_mapping(value, where: str) -> dict:
    if not isinstance(value, dict):
        raise invalid_value(where, "a mapping of keys to values", value)
    return value


def check_integer(value, key: str, minimum: int, maximum: int | None = None) -> int:
    in_range = isinstance(value, int) and not isinstance(value, bool) and value >= minimum
    if not in_range or (maximum is not None and value > maximum):
        upper = f" and at most {maximum}" if maximum is not None else ""
        raise invalid_value(key, f"an integer of at least {minimum}{upper}", value)
    return value


def check_number(value, key: str, minimum: float) -> float:
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not is_number or not math.isfinite(value) or value < minimum:
        allowed = "a positive number" if minimum > 0 else f"a number of at least {minimum}"
        raise invalid_value(key, allowed, value)
    return float(value)


def check_boolean(value, key: str) -> bool:
    if not isinstance(value, bool):
        raise invalid_value(key, "true or false", value)
    return value


def check_choice(value, key: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise invalid_value(key, f"one of {', '.join(choices)}", value)
    return value


def check_units(value, key: str) -> tuple[int, ...]:
    if not isinstance(value, list) or not value:
        raise invalid_value(key, "a non-empty list of positive integers", value)
    return tuple(check_integer(units, f"{key}[{index}]", 1) for index, units in enumerate(value))
