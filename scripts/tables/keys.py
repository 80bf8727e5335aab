"""docs/models.md's tables of params keys, from their one declaration in the models of fashion/core/params."""

import json


def default_value(schema: dict, required: bool) -> str:
    if required or "default" not in schema:
        return "required"
    return "left out" if schema["default"] is None else f"`{json.dumps(schema['default'])}`"


def keys_table() -> str:
    """Every key of a `models:` entry: the training keys, then each architecture's own."""
    from fashion.core.params.json_schema import model_entry_keys
    from fashion.core.params.messages import allowed_words

    lines = ["| key | architectures | default | allowed | meaning |", "|---|---|---|---|---|"]
    for name, architectures, schema, required in model_entry_keys():
        lines.append(
            f"| `{name}` | {', '.join(architectures) or 'every'} | {default_value(schema, required)} | "
            f"{allowed_words(schema)} | {schema.get('description', '')} |"
        )
    return "\n".join(lines)


def section_keys_table() -> str:
    """Every key of the other sections of params.yaml."""
    from fashion.core.params import Baseline, Ensemble, Params, Student
    from fashion.core.params.json_schema import section_keys
    from fashion.core.params.messages import allowed_words

    sections = {
        name: field.annotation
        for name, field in Params.model_fields.items()
        if hasattr(field.annotation, "model_fields")
    }
    sections |= {"ensembles.<name>": Ensemble, "students.<name>": Student, "baselines.<name>": Baseline}
    lines = ["| key | default | allowed | meaning |", "|---|---|---|---|"]
    for section, model in sections.items():
        for name, schema, required in section_keys(model):
            lines.append(
                f"| `{section}.{name}` | {default_value(schema, required)} | {allowed_words(schema)} | "
                f"{schema.get('description', '')} |"
            )
    return "\n".join(lines)
