"""pydantic's validation errors as the one line a user reads: the key's path, what is allowed, the value given.

What is allowed is read from the JSON Schema of the model that refused the
value, so the words come from the same `Field` declaration as the check:
"params.yaml: models.cnn.kernel_size must be an integer of at least 1 and at
most 7, got 9." A rule between keys raises `RuleError`, which names its own key.
"""

import re

from pydantic import BaseModel, ValidationError

from fashion.core.errors import PipelineError, shorten


class RuleError(ValueError):
    """A rule between keys of one mapping is broken: `key` must be `allowed`, and is `value`.

    Raised inside a model validator; pydantic carries it in the error's context.
    A `sentence` replaces the "must be ..., got ..." shape where that reads badly.
    """

    def __init__(self, key: str, allowed: str = "", value=None, sentence: str = ""):
        super().__init__(sentence or f"{key} must be {allowed}")
        self.key, self.allowed, self.value, self.sentence = key, allowed, value, sentence


def invalid_value(where: str, allowed: str, value) -> PipelineError:
    """The message of every refused value: 'params.yaml: <key> must be <allowed>, got <value>.'"""
    where = re.sub(r"[\x00-\x1f]", lambda control: repr(control[0])[1:-1], where)  # a name may hold a newline
    return PipelineError(f"params.yaml: {where} must be {allowed}, got {shorten(value)}.")


def one_line(error: ValidationError, model: type[BaseModel], prefix: tuple = ()) -> PipelineError:
    """The first problem pydantic found, in one line (the others are often the same problem seen from above)."""
    problems = error.errors(include_url=False)
    first = problems[0]
    location = (*prefix, *first["loc"])
    schema = model.model_json_schema()
    local = first["loc"]
    if first["type"] == "missing":
        help_text = _subschema(schema, schema, local).get("description", "")
        message = f"params.yaml: missing key '{dotted(location)}'" + (f" ({help_text})." if help_text else ".")
    elif first["type"] == "extra_forbidden":
        allowed = ", ".join(_subschema(schema, schema, local[:-1]).get("properties", {}))
        message = f"params.yaml: unknown key '{dotted(location)}'; allowed keys are {allowed}."
    elif isinstance(rule := (first.get("ctx") or {}).get("error"), RuleError):
        where = dotted(location) + (rule.key if rule.key.startswith("[") or not rule.key else f".{rule.key}")
        message = (
            f"params.yaml: {where} {rule.sentence}"
            if rule.sentence
            else str(invalid_value(where, rule.allowed, rule.value))
        )
    elif first["type"] == "value_error":
        message = str(invalid_value(dotted(location), str(first["ctx"]["error"]), first["input"]))
    else:
        message = str(invalid_value(dotted(location), allowed_words(_subschema(schema, schema, local)), first["input"]))
    return PipelineError(message)


def dotted(location) -> str:
    """('models', 'cnn', 'blocks', 1, 0) as models.cnn.blocks[1][0]."""
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def allowed_words(schema: dict) -> str:
    """What a JSON Schema allows, in words."""
    if "allowed" in schema:
        return schema["allowed"]
    if "const" in schema:
        return str(schema["const"])
    if "enum" in schema:
        return "one of " + ", ".join(str(choice) for choice in schema["enum"])
    if "anyOf" in schema:
        return " or ".join("null" if option.get("type") == "null" else allowed_words(option)
                           for option in schema["anyOf"])  # fmt: skip
    kind, low, high = schema.get("type"), schema.get("minimum"), schema.get("maximum")
    if kind == "boolean":
        return "true or false"
    if kind == "integer":
        words = "an integer" + (f" of at least {low}" if low is not None else "")
        return words + (f" and at most {high}" if high is not None else "")
    if kind == "number":
        if low is not None and high is not None:
            return f"a number between {float(low)} and {float(high)}"
        if schema.get("exclusiveMinimum") == 0 or (low is not None and low > 0):
            return "a positive number"
        return f"a number of at least {float(low)}" if low is not None else "a number"
    if kind == "array":
        items = schema.get("items", {})
        what = {"string": "names", "integer": "positive integers"}.get(items.get("type"), "lists of positive integers")
        return ("a non-empty list of " if schema.get("minItems") else "a list of ") + what
    if kind == "object":
        return "a mapping of keys to values"
    return "a name" if kind == "string" else "a valid value"


def _subschema(root: dict, schema: dict, location) -> dict:
    """The part of `root` that describes the value at `location` (keys, entry names and list indexes)."""
    for part in location:
        schema = _resolve(root, schema)
        if isinstance(part, int) and schema.get("type") == "array":
            schema = schema.get("items", {})
        elif part in schema.get("properties", {}):
            schema = schema["properties"][part]
        elif isinstance(schema.get("additionalProperties"), dict):
            schema = schema["additionalProperties"]
        else:
            return {}
    return _resolve(root, schema)


def _resolve(root: dict, schema: dict) -> dict:
    """A `$ref` followed, and an optional value (anyOf with null) taken as what it is when given."""
    if "$ref" in schema:
        schema = {**root["$defs"][schema["$ref"].rsplit("/", 1)[1]], **{k: v for k, v in schema.items() if k != "$ref"}}
    options = [option for option in schema.get("anyOf", []) if option.get("type") != "null"]
    if len(options) == 1 and "$ref" in options[0]:
        return _resolve(root, options[0])
    return schema
