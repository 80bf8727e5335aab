"""Reading params.yaml: a YAML loader that refuses duplicate keys, one-line syntax errors, and the check of
the whole file that every stage runs first."""

from pathlib import Path

import yaml

from fashion.core.errors import PipelineError
from fashion.core.params.checks import check_mapping
from fashion.core.params.model_entries import parse_models
from fashion.core.params.schema import LEARNING_RATE_FROM_OWN_SWEEP, SECTIONS
from fashion.core.params.sections import (
    parse_baselines,
    parse_distribute,
    parse_download,
    parse_ensembles,
    parse_evaluate,
    parse_export,
    parse_lr_find,
    parse_normalize,
    parse_students,
)

# libyaml's parser, which PyYAML's wheels carry, reads params.yaml with the same result about
# ten times faster than the pure-Python one (which stays the fallback); every stage reads it first.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _UniqueKeyLoader(_SAFE_LOADER):
    """YAML's safe loader, except that a key given twice in one mapping is an error.

    Plain YAML keeps the last of two equal keys without a word, so a second
    `epochs:` in an entry (or a second entry of the same name) would silently
    win over the first.
    """

    def construct_mapping(self, node, deep=False):
        seen = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise PipelineError(
                    f"params.yaml: the key '{key}' appears twice in one mapping (lines {seen[key]} and {line}); "
                    "keep one."
                )
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


def yaml_error_line(error: yaml.YAMLError) -> str:
    """PyYAML's error on one line: what is wrong and where, lines and columns counted from 1.

    PyYAML spreads it over four lines and names the file "<unicode string>".
    """
    if not isinstance(error, yaml.MarkedYAMLError) or not error.problem:
        return " ".join(str(error).split())

    def at(mark) -> str:
        return f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""

    context = f" ({error.context}{at(error.context_mark)})" if error.context else ""
    return f"{error.problem}{at(error.problem_mark)}{context}"


def load_params(path: Path) -> dict:
    """Read the YAML params file and check all of it (`check_params`), before any stage does any work."""
    try:
        text = Path(path).read_text()
    except OSError as error:
        raise PipelineError(f"Cannot read {path}: {error.strerror}. Run the stage from the repository root.") from error
    try:
        raw = yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.YAMLError as error:
        raise PipelineError(f"{path} is not valid YAML: {yaml_error_line(error)}. Fix the syntax.") from error
    check_params(check_mapping(raw, str(path)))
    return raw


def check_params(raw: dict) -> None:
    """Validate every section and the rules between sections.

    Every stage runs this first, so a bad value anywhere stops `dvc repro`
    before its first stage rather than after hours of the stages before the
    one that reads it.
    """
    unknown = sorted(set(raw) - set(SECTIONS))
    if unknown:
        raise PipelineError(f"params.yaml: unknown section '{unknown[0]}'; allowed sections are {', '.join(SECTIONS)}.")
    parse_download(raw)
    parse_normalize(raw)
    parse_lr_find(raw)
    models = parse_models(raw)
    parse_ensembles(raw)
    parse_baselines(raw)
    students = parse_students(raw)
    strategy = parse_distribute(raw).strategy
    parse_evaluate(raw)
    parse_export(raw)
    swept = [model.name for model in models.values() if model.learning_rate_source == LEARNING_RATE_FROM_OWN_SWEEP]
    if swept and strategy == "multi_worker":
        raise PipelineError(
            f"params.yaml: models.{swept[0]}.learning_rate is sweep, which runs on one machine; with "
            "distribute.strategy: multi_worker give it a number (the rate its last sweep suggested)."
        )
    averaged = [model.name for model in models.values() if model.moving_average_momentum > 0]
    if averaged and strategy == "multi_worker":
        raise PipelineError(
            f"params.yaml: {averaged[0]}'s moving_average_momentum needs Keras's own training loop, which "
            "distribute.strategy multi_worker cannot use; set it to 0, or the strategy to one_device or mirrored."
        )
    if students and strategy == "multi_worker":
        raise PipelineError(
            f"params.yaml: students.{next(iter(students))} trains in the distill stage, which runs on one machine; "
            "with distribute.strategy multi_worker leave students: empty, or set the strategy to one_device."
        )
    refits = [model.name for model in models.values() if model.refit]
    if refits and strategy == "multi_worker":
        raise PipelineError(
            f"params.yaml: {refits[0]} has refit: true, which distribute.strategy multi_worker's training loop "
            "does not support; set refit to false, or the strategy to one_device or mirrored."
        )
