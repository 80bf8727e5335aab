"""Reading params.yaml exactly as DVC reads it, and the check of the whole file that every stage runs first.

DVC records, diffs and sets params with ruamel.yaml's safe loader (YAML 1.2:
`dvc.utils.serialize.parse_yaml`); the stages read the file with the very same
loader, so `epochs: 012` is 12, `on` is a string and `1e-3` a number for both,
and an experiment's record always states what was trained. A key given twice
(which DVC refuses too), bytes that are not UTF-8, a key that is not a plain
string and any syntax error are one line naming the place.
"""

import re
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.constructor import DuplicateKeyError
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, SequenceNode

from fashion.core.errors import PipelineError, shorten
from fashion.core.params.checks import check_mapping
from fashion.core.params.data_rules import (
    check_baseline,
    check_batch,
    check_depth,
    check_split,
    check_sweep,
    validation_images,
)
from fashion.core.params.model_entries import model_entry_location, parse_models
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

# The largest params.yaml read: the committed one is 11 KB.
PARAMS_BYTES = 1 << 20


def read_yaml(path: Path):
    """The YAML document at `path`, read by DVC's own loader; anything it cannot take is one line."""
    path = Path(path)
    try:
        content = path.read_bytes()[: PARAMS_BYTES + 1]
    except OSError as error:
        raise PipelineError(f"Cannot read {path}: {error.strerror}. Run the stage from the repository root.") from error
    if len(content) > PARAMS_BYTES:
        raise PipelineError(f"{path} is over {PARAMS_BYTES:,} bytes; a params file is a few kilobytes.")
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as error:
        line = content[: error.start].count(b"\n") + 1
        raise PipelineError(
            f"{path} is not UTF-8: byte 0x{content[error.start]:02x} at line {line}; save the file as UTF-8."
        ) from error
    try:
        document = YAML(typ="safe").load(text)
    except DuplicateKeyError as error:
        raise PipelineError(duplicate_key_line(path, text, error)) from error
    except YAMLError as error:
        raise PipelineError(f"{path} is not valid YAML: {yaml_error_line(error)}. Fix the syntax.") from error
    except RecursionError as error:
        raise PipelineError(f"{path} nests too deeply to read; a params file is a few levels deep.") from error
    check_keys(document)
    return document


def yaml_error_line(error: YAMLError) -> str:
    """ruamel.yaml's error on one line: what is wrong and where, lines and columns counted from 1."""
    if not isinstance(error, MarkedYAMLError) or not error.problem:
        return shorten(" ".join(str(error).split()))

    def at(mark) -> str:
        return f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""

    context = f" ({error.context}{at(error.context_mark)})" if error.context else ""
    return f"{error.problem}{at(error.problem_mark)}{context}"


def duplicate_key_line(path: Path, text: str, error: DuplicateKeyError) -> str:
    """'the key 'epochs' appears twice in one mapping (lines N and M)', found again in the composed document."""
    match = re.match(r'found duplicate key "(.*)" with value', error.problem or "")
    key = match[1] if match else "?"
    lines = _key_lines(YAML(typ="safe").compose(text), key)
    where = f"lines {lines[0]} and {lines[1]}" if len(lines) == 2 else f"line {error.problem_mark.line + 1}"
    return f"{path.name}: the key {shorten(key)} appears twice in one mapping ({where}); keep one."


def _key_lines(node, key: str) -> list[int]:
    """The lines of the first two equal keys named `key` in one mapping under `node`."""
    if isinstance(node, MappingNode):
        lines = [name.start_mark.line + 1 for name, _ in node.value if getattr(name, "value", None) == key]
        if len(lines) >= 2:
            return lines[:2]
        children = [value for _, value in node.value]
    elif isinstance(node, SequenceNode):
        children = node.value
    else:
        return []
    for child in children:
        if found := _key_lines(child, key):
            return found
    return []


def check_keys(value, where: str = "", seen: set[int] | None = None) -> None:
    """Every key of every mapping is a plain string: DVC names params by dotted paths of such keys.

    A node reached twice through YAML aliases is checked once, so an alias bomb costs no time here.
    """
    seen = set() if seen is None else seen
    if not isinstance(value, (dict, list)) or id(value) in seen:
        return
    seen.add(id(value))
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                place = f"under {where}" if where else "at the top level"
                raise PipelineError(f"params.yaml: the key {shorten(key)} {place} is not a plain string; write a name.")
            check_keys(item, f"{where}.{key}" if where else key, seen)
    else:
        for index, item in enumerate(value):
            check_keys(item, f"{where}[{index}]", seen)


def check_names_differ_in_more_than_case(names: tuple[str, ...]) -> None:
    """Entry names name files: `MODEL_1` beside `model_1` would be one file on macOS and Windows."""
    seen = {}
    for name in names:
        if name.lower() in seen:
            raise PipelineError(
                f"params.yaml: the entries {seen[name.lower()]} and {name} differ only in case, and would share "
                "files on macOS and Windows; rename one."
            )
        seen[name.lower()] = name


def load_params(path: Path) -> dict:
    """Read the YAML params file and check all of it (`check_params`), before any stage does any work."""
    raw = read_yaml(path)
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
    fraction = parse_normalize(raw).validation_fraction
    training_images = check_split(fraction)
    check_batch("lr_find", parse_lr_find(raw).batch_size, training_images)
    models = parse_models(raw)
    for model in models.values():
        check_batch(model_entry_location(raw, model.name), model.batch_size, training_images)
        check_depth(model)
        check_sweep(model, validation_images(fraction))
    ensembles = parse_ensembles(raw)
    baselines = parse_baselines(raw)
    students = parse_students(raw)
    check_names_differ_in_more_than_case((*models, *ensembles, *baselines, *students))
    strategy = parse_distribute(raw).strategy
    parse_evaluate(raw)
    parse_export(raw)
    for baseline in baselines.values():
        check_baseline(baseline)  # last: it imports scikit-learn
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
