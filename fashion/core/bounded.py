"""Reads of files this process did not write, each bounded in size before any parsing.

A model, baseline, metrics file or image may come from a shared DVC remote,
a colleague's branch or a stranger. Nothing in such a file may choose how much
memory or time reading it takes: these helpers look at the size first (the
file's, or the sizes a zip archive declares for its members) and refuse with
one line naming the file and the limit.
"""

import json
import math
import stat
import zipfile
from pathlib import Path

from fashion.core.errors import PipelineError, shorten

MEBIBYTE = 1 << 20
# The largest JSON file one stage hands to another (metrics/*.json are under a kilobyte).
HANDOFF_JSON_BYTES = MEBIBYTE
# The most members a saved model or baseline archive holds (ours hold under a hundred).
ARCHIVE_MEMBERS = 10_000


def regular_file_size(path: Path, limit: int, what: str, fix: str, missing: str = "") -> int:
    """The size of `path`, which must be a regular file (not a device, pipe or folder) of at most `limit` bytes.

    `fix` says how to replace a bad file; `missing`, how to make an absent one (default: `fix`).
    """
    path = Path(path)
    try:
        status = path.stat()
    except FileNotFoundError as error:
        raise PipelineError(f"{path} is missing. {missing or fix}") from error
    except OSError as error:
        raise PipelineError(f"{path} cannot be read ({error.strerror}).") from error
    if not stat.S_ISREG(status.st_mode):
        raise PipelineError(f"{path} is not a regular file; {what} must be one.")
    if status.st_size > limit:
        raise PipelineError(f"{path} holds {status.st_size:,} bytes, more than the {limit:,} a {what} may. {fix}")
    return status.st_size


def check_archive(path: Path, limit: int, what: str, fix: str, missing: str = "") -> None:
    """`path` is a zip archive whose members, uncompressed, add up to at most `limit` bytes.

    Zip stores each member's uncompressed size in its directory, and Python's
    reader never inflates a member past it, so this bounds what loading can
    decompress (a zip bomb declares its true size, or fails its CRC).
    """
    regular_file_size(path, limit, what, fix, missing)
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise PipelineError(f"{path} is not a {what} (not a zip archive: {shorten(str(error))}). {fix}") from error
    if len(members) > ARCHIVE_MEMBERS:
        raise PipelineError(f"{path} holds {len(members):,} files, more than a {what} has. {fix}")
    unpacked = sum(member.file_size for member in members)
    if unpacked > limit:
        raise PipelineError(f"{path} unpacks to {unpacked:,} bytes, more than the {limit:,} a {what} may. {fix}")


def read_handoff_json(path: Path, fix: str, missing: str = "") -> dict:
    """The JSON object another stage wrote at `path`, read only if it is a small regular file."""
    path = Path(path)
    regular_file_size(path, HANDOFF_JSON_BYTES, "metrics file", fix, missing)
    try:
        record = json.loads(path.read_bytes())
    except (ValueError, RecursionError, OSError) as error:
        raise PipelineError(f"{path} is not valid JSON ({shorten(str(error))}). {fix}") from error
    if not isinstance(record, dict):
        raise PipelineError(f"{path} holds {shorten(record)}, not a JSON object. {fix}")
    return record


def handoff_number(path: Path, record: dict, key: str, *, minimum: float, maximum: float, fix: str) -> float:
    """`record[key]`, a finite number in [minimum, maximum]; anything else is one line naming the file."""
    value = record.get(key)
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not is_number or not math.isfinite(value) or not minimum <= value <= maximum:
        raise PipelineError(
            f"{path}: {key} is {shorten(value)}, not a number between {minimum:g} and {maximum:g}. {fix}"
        )
    return float(value)


def read_validation_accuracy(path: Path) -> float | None:
    """The `validation_accuracy` a train, ensemble or baseline stage recorded: in [0, 1], or null for a refit."""
    fix = "Run `dvc repro --force` on the stage that wrote it."
    record = read_handoff_json(path, fix, missing="Run `dvc repro` to train it first.")
    if "validation_accuracy" in record and record["validation_accuracy"] is None:
        return None
    return handoff_number(path, record, "validation_accuracy", minimum=0.0, maximum=1.0, fix=fix)


def read_ensemble_choice(path: Path) -> str:
    """An ensemble's chosen candidates with their shares of the vote, as one line: `cnn (flip) 0.67, cnn 0.33`.

    From the `chosen` mapping the ensemble stage recorded: each name a short
    string, each share a number in (0, 1].
    """
    fix = "Run `dvc repro --force ensemble` to choose it again."
    chosen = read_handoff_json(path, fix, missing="Run `dvc repro ensemble` first.").get("chosen")
    if (
        not isinstance(chosen, dict)
        or not chosen
        or any(not isinstance(name, str) or len(name) > 200 for name in chosen)
    ):
        raise PipelineError(f"{path}: chosen is {shorten(chosen)}, not a mapping of candidate names to shares. {fix}")
    keyed = {f"chosen.{name}": share for name, share in chosen.items()}
    shares = {
        name: handoff_number(path, keyed, f"chosen.{name}", minimum=1e-9, maximum=1.0, fix=fix) for name in chosen
    }
    return ", ".join(f"{name} {share:.2f}" for name, share in sorted(shares.items(), key=lambda item: -item[1]))
