"""`--set KEY=VALUE` for the bench scripts that train one `models:` entry: change a key for one run.

The key is dotted inside the entry (`augmentation.erase_probability`), the
value is read as YAML (`0.9`, `true`, `[[32], [64]]`), and `null` leaves the
key out so that its default holds. The params schema then checks the changed
entry, as it checks params.yaml, so a run can only train what a stage could.
Needs nothing but PyYAML: research/gpu_tier.py imports it on machines without
TensorFlow.
"""

import yaml


def setting_of(text: str) -> tuple[list[str], object]:
    """`augmentation.erase_probability=0` -> (["augmentation", "erase_probability"], 0): dotted key, YAML value."""
    key, separator, value = text.partition("=")
    if not separator or not key:
        raise SystemExit(f"--set {text}: expected KEY=VALUE, e.g. augmentation.erase_probability=0")
    return key.split("."), yaml.safe_load(value)


def set_key(entry: dict, keys: list[str], value) -> None:
    """Set `value` at the dotted `keys` inside the entry, or with `null` leave the key out (its default then holds)."""
    for key in keys[:-1]:
        entry = entry.setdefault(key, {})
    if value is None:
        entry.pop(keys[-1], None)
    else:
        entry[keys[-1]] = value


def changed_entry(model: str, changes: list[tuple[list[str], object]]):
    """(the validated `models:` entry `model` of ./params.yaml with `changes` applied, the distribution strategy).

    The whole file is validated again, so a change is checked as params.yaml
    is. The entry must train with validation at a fixed learning rate (no
    refit, no sweep), as a comparison on validation needs. PipelineError otherwise.
    """
    from fashion.core import paths
    from fashion.core.errors import PipelineError
    from fashion.core.params import read_yaml, validate_params

    raw = read_yaml(paths.PARAMS_FILE)
    entry = raw.get("models", {}).get(model)
    if not isinstance(entry, dict):
        raise PipelineError(f"params.yaml: no entry {model!r} in models:; name one of its keys.")
    for keys, value in changes:
        set_key(entry, keys, value)
    settings = validate_params(raw)
    params = settings.model(model)
    if params.refit or params.learning_rate_source != "params":
        raise PipelineError(
            f"{model} must train with validation at a fixed learning rate (no refit, no sweep); "
            "pick another entry, or --set refit=false or learning_rate=<number>."
        )
    return params, settings.distribute.strategy
