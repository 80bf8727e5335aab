"""docs/models.md's tables of params keys, from their one declaration in fashion/core/params/schema.py."""

import json


def allowed_values(key) -> str:
    """What a key accepts, in words: its choices, its bounds, or its kind."""
    if key.choices:
        return ", ".join(key.choices)
    if key.minimum is not None or key.maximum is not None:
        low = "" if key.minimum is None else f"{key.minimum:g} ≤ "
        high = "" if key.maximum is None else f" ≤ {key.maximum:g}"
        return f"{low}{key.kind}{high}"
    return key.kind.replace("_", " ")


def default_value(key) -> str:
    from fashion.core.params import REQUIRED

    return "required" if key.default is REQUIRED else f"`{json.dumps(key.default)}`"


def keys_table() -> str:
    """Every key of a `models:` entry, from its one declaration in fashion/core/params/schema.py."""
    from fashion.core.params import MODEL_KEYS

    lines = ["| key | architectures | default | allowed | meaning |", "|---|---|---|---|---|"]
    for key in MODEL_KEYS:
        architectures = ", ".join(key.architectures) or "every"
        lines.append(f"| `{key.name}` | {architectures} | {default_value(key)} | {allowed_values(key)} | {key.help} |")
    return "\n".join(lines)


def section_keys_table() -> str:
    """Every key of the other sections of params.yaml, from their declarations in fashion/core/params/schema.py."""
    from fashion.core.params import SECTION_KEYS

    lines = ["| key | default | allowed | meaning |", "|---|---|---|---|"]
    for section, keys in SECTION_KEYS.items():
        lines += [
            f"| `{section}.{key.name}` | {default_value(key)} | {allowed_values(key)} | {key.help} |" for key in keys
        ]
    return "\n".join(lines)
