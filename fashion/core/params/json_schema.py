"""params.yaml as a JSON Schema, generated from the pydantic models, for editors to check as you type.

`params.schema.json` (written by `scripts/params_schema.py`) is what the YAML
language server of VS Code and JetBrains reads through params.yaml's first
line: keys complete, their help shows on hover, and a wrong type or a value
out of bounds is underlined. The stages' own check (`validate_params`) stays
the authority: it also checks the rules between keys, which a schema cannot say.
"""

from pydantic import BaseModel

from fashion.core.architectures import DEFAULT_ARCHITECTURE, ENTRY_CLASSES
from fashion.core.params.document import ENTRY_NAME, ENTRY_SECTIONS, Params


def params_json_schema() -> dict:
    """The whole of params.yaml; a model entry is one of the architectures' entries."""
    schema = Params.model_json_schema()
    definitions = schema.setdefault("$defs", {})
    architectures = []
    for entry_class in ENTRY_CLASSES.values():
        entry = entry_class.model_json_schema(ref_template="#/$defs/{model}")
        definitions.update(entry.pop("$defs", {}))
        definitions[entry_class.__name__] = entry
        architectures.append({"$ref": f"#/$defs/{entry_class.__name__}"})
    rate = {"required": ["learning_rate"]}
    entries = {
        "models": {"allOf": [{"oneOf": architectures}, rate]},
        "lr_find_models": {"allOf": [{"oneOf": architectures}, {"not": rate}]},
    }
    for section in ENTRY_SECTIONS:
        property_schema = schema["properties"][section]
        property_schema["propertyNames"] = {"pattern": f"^{ENTRY_NAME.pattern}$"}
        if section in entries:
            property_schema["additionalProperties"] = entries[section]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "params.yaml of the Fashion-MNIST pipeline",
        **_without_titles(schema),
        "description": "Generated from the models of fashion/core/params by scripts/params_schema.py; do not edit.",
    }


def _without_titles(node):
    """pydantic titles each key with its own name again; editors show the description instead."""
    if isinstance(node, dict):
        return {key: _without_titles(value) for key, value in node.items() if key != "title"}
    if isinstance(node, list):
        return [_without_titles(item) for item in node]
    return node


def section_keys(model: type[BaseModel]) -> list[tuple[str, dict, bool]]:
    """(dotted name, JSON Schema, required) of each key of `model`, keys of nested mappings spelled with dots."""
    schema = model.model_json_schema()
    return list(_flattened(schema, schema, ""))


def model_entry_keys() -> list[tuple[str, tuple[str, ...], dict, bool]]:
    """Every key a model entry may have: (dotted name, the architectures that take it, JSON Schema, required)."""
    keys: dict[str, tuple[list[str], dict, bool]] = {}
    for architecture, entry_class in ENTRY_CLASSES.items():
        for name, schema, required in section_keys(entry_class):
            keys.setdefault(name, ([], schema, required))[0].append(architecture)
    architecture = keys["architecture"]  # each class allows its own name: the key allows all of them
    keys["architecture"] = (
        architecture[0],
        {
            **{key: value for key, value in architecture[1].items() if key != "const"},
            "enum": list(ENTRY_CLASSES),
            "default": DEFAULT_ARCHITECTURE,
        },
        False,
    )
    every = list(ENTRY_CLASSES)
    return [(name, () if architectures == every else tuple(architectures), schema, required)
            for name, (architectures, schema, required) in keys.items()]  # fmt: skip


def _flattened(root: dict, schema: dict, prefix: str):
    required = schema.get("required", [])
    for name, field in schema.get("properties", {}).items():
        nested = _nested_mapping(root, field)
        if nested is not None:
            yield from _flattened(root, nested, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}", field, name in required


def _nested_mapping(root: dict, field: dict) -> dict | None:
    """The schema of a nested section (augmentation, sweep), or None for a plain value."""
    for option in [field, *field.get("anyOf", [])]:
        if "$ref" in option:
            return root["$defs"][option["$ref"].rsplit("/", 1)[1]]
    return None
