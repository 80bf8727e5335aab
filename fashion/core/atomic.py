"""Write outputs so that a crash never leaves a half-written file behind.

Each writer produces a temporary file next to the target and renames it into
place only once it is complete; `os.replace` is atomic on POSIX file systems.
A temporary left by a killed run (SIGKILL skips every clean-up) is removed the
next time the same target is written. Targets must lie inside the current
directory, the repository root where DVC runs every stage.
"""

import contextlib
import csv
import json
import os
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from fashion.core.errors import PipelineError


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside `target`; rename it over `target` on success.

    The temporary name keeps the target's suffix, because some writers (Keras,
    matplotlib) choose the format from it. On any exception it is removed.
    """
    target = Path(target)
    check_inside_repository(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        for stale in target.parent.glob(_temporary_pattern(target)):
            stale.unlink(missing_ok=True)
        handle, temporary_name = tempfile.mkstemp(
            prefix=f".{target.stem}.", suffix=f".tmp{target.suffix}", dir=target.parent
        )
        os.close(handle)
    except OSError as error:
        raise _cannot_write(target.parent, error) from error
    temporary = Path(temporary_name)
    try:
        yield temporary
        os.replace(temporary, target)
    except OSError as error:
        raise PipelineError(
            f"Writing {target} failed: {error.strerror or error}. "
            "Check that the directory is writable and the disk is not full."
        ) from error
    finally:
        temporary.unlink(missing_ok=True)


def _temporary_pattern(target: Path) -> str:
    """The glob that matches every temporary file made for `target`."""
    return f".{target.stem}.*.tmp{target.suffix}"


def check_inside_repository(target: Path) -> None:
    """Refuse to write anywhere but below the current directory (the repository root)."""
    root = Path.cwd().resolve()
    if not Path(target).resolve().is_relative_to(root):
        raise PipelineError(f"Refusing to write {target}: it is outside the repository {root}.")


def check_writable(targets) -> None:
    """Fail now, not after an hour of training, if any target cannot be written.

    Creates each target's directory and a throw-away file in it.
    """
    for target in targets:
        target = Path(target)
        check_inside_repository(target)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=target.parent):
                pass
        except OSError as error:
            raise _cannot_write(target.parent, error) from error


def _cannot_write(directory: Path, error: OSError) -> PipelineError:
    return PipelineError(
        f"Cannot write to {directory}: {error.strerror}. Check that the directory is writable and the disk is not full."
    )


def write_json(target: Path, data: dict) -> None:
    """Write `data` as indented JSON, atomically."""
    with atomic_path(target) as temporary:
        temporary.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n")


def write_csv(target: Path, header: Sequence[str], rows: Sequence[Sequence]) -> None:
    """Write a CSV table with a header row, atomically."""
    with atomic_path(target) as temporary, temporary.open("w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(header)
        writer.writerows(rows)
