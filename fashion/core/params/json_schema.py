"""params.yaml as a JSON Schema, made from the one declaration of each key, for editors to check as you type.

`params.schema.json` (written by `scripts/params_schema.py`) is what the YAML
language server of VS Code and JetBrains reads through params.yaml's first
line: keys complete, their help shows on hover, and a wrong type or a value
out of bounds is underlined. The stages' own check (`check_params`) stays the
authority: it also checks the rules between keys, which a schema cannot say.
"""

from fashion.core.dataset import DATASET_FILES
from fashion.core.params.schema import (
    LEARNING_RATE_FROM_OWN_SWEEP,
    MODEL_KEYS,
    MODEL_NAME_PATTERN,
    REQUIRED,
    SECTION_KEYS,
    SECTIONS,
    Key,
)

SHA256 = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
POSITIVE_INTEGERS = {"type": "array", "items": {"type": "integer", "minimum": 1}, "minItems": 1}
SCALAR = {"type": ["string", "number", "null"]}
# Each kind of `Key` (see `checks.check_key`) as JSON Schema, before bounds, choices and help.
KINDS = {
    "boolean": {"type": "boolean"},
    "integer": {"type": "integer"},
    "number": {"type": "number"},
    "fraction": {"type": "number"},
    "units": POSITIVE_INTEGERS,
    "optional_units": {"type": "array", "items": {"type": "integer", "minimum": 1}},
    "blocks": {"type": "array", "items": POSITIVE_INTEGERS, "minItems": 1},
    "learning_rate": {"anyOf": [{"type": "number", "exclusiveMinimum": 0}, {"const": LEARNING_RATE_FROM_OWN_SWEEP}]},
    "optional_integer": {"type": ["integer", "null"]},
    "arguments": {"type": "object", "additionalProperties": {"anyOf": [SCALAR, {"type": "array", "items": SCALAR}]}},
    "name": {"type": "string"},
    "names": {"type": "array", "items": {"type": "string"}, "minItems": 1, "uniqueItems": True},
    "urls": {"type": "array", "minItems": 1, "items": {"type": "string", "pattern": "^(https?|file)://[^?#]*$"}},
    "checksums": {
        "type": "object", "properties": dict.fromkeys(DATASET_FILES, SHA256),
        "required": list(DATASET_FILES), "additionalProperties": False,
    },
    "sha256": SHA256,
}  # fmt: skip


def key_schema(key: Key) -> dict:
    """One key: its kind, bounds, choices, default and help."""
    schema = {"enum": list(key.choices)} if key.choices else dict(KINDS[key.kind])
    if key.minimum is not None and key.kind not in ("learning_rate",):
        schema["minimum"] = key.minimum
    if key.maximum is not None:
        schema["maximum"] = key.maximum
    if key.default is not REQUIRED:
        schema["default"] = list(key.default) if isinstance(key.default, tuple) else key.default
    return {"description": key.help, **schema}


def mapping_schema(keys: tuple[Key, ...]) -> dict:
    """A mapping of `keys`; a dotted key ("sweep.epochs") is a key of a nested mapping."""
    properties, nested = {}, {}
    for key in keys:
        parent, _, child = key.name.rpartition(".")
        if parent:
            nested.setdefault(parent, []).append(Key(child, key.kind, key.help, key.default, key.minimum,
                                                     key.maximum, key.choices))  # fmt: skip
        else:
            properties[key.name] = key_schema(key)
    for parent, children in nested.items():
        properties[parent] = mapping_schema(tuple(children))
    required = [key.name for key in keys if key.default is REQUIRED and "." not in key.name]
    return {"type": "object", "properties": properties, "additionalProperties": False,
            **({"required": required} if required else {})}  # fmt: skip


def entries_schema(entry: dict) -> dict:
    """A section of named entries (`models:`, `ensembles:`...), each name a plain identifier."""
    return {"type": "object", "propertyNames": {"pattern": f"^{MODEL_NAME_PATTERN.pattern}$"},
            "additionalProperties": entry}  # fmt: skip


def params_json_schema() -> dict:
    """The whole of params.yaml."""
    sections = {name: mapping_schema(keys) for name, keys in SECTION_KEYS.items() if "." not in name}
    for name, keys in SECTION_KEYS.items():
        if name.endswith(".<name>"):
            sections[name.removesuffix(".<name>")] = entries_schema(mapping_schema(keys))
    model_entry = mapping_schema(MODEL_KEYS)
    model_entry.pop("required", None)  # which keys are required depends on the section and architecture
    sections["models"] = entries_schema(model_entry)
    sections["lr_find_models"] = entries_schema(model_entry)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "params.yaml of the Fashion-MNIST pipeline",
        "description": "Generated from fashion/core/params/schema.py by scripts/params_schema.py; do not edit.",
        "type": "object",
        "properties": {name: sections[name] for name in SECTIONS},
        "required": ["download", "normalize", "lr_find", "models", "distribute", "evaluate", "export"],
        "additionalProperties": False,
    }
