"""Reading params.yaml exactly as DVC reads it; `load_params` then checks the whole file (`validate_params`).

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
from fashion.core.params.document import Params, validate_params

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


def load_params(path: Path) -> Params:
    """Read the YAML params file and check all of it (`validate_params`), before any stage does any work."""
    return validate_params(read_yaml(path))
