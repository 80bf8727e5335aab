"""Write outputs so that a crash never leaves a half-written file behind.

Each writer produces a temporary file next to the target and renames it into
place only once it is complete; `os.replace` is atomic on POSIX file systems.
"""

import contextlib
import csv
import json
import os
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from fashion.errors import PipelineError


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside `target`; rename it over `target` on success.

    The temporary name keeps the target's suffix, because some writers (Keras,
    matplotlib) choose the format from it. On any exception it is removed.
    """
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary_name = tempfile.mkstemp(
            prefix=f".{target.stem}.", suffix=f".tmp{target.suffix}", dir=target.parent
        )
        os.close(handle)
    except OSError as error:
        raise PipelineError(
            f"Cannot write to {target.parent}: {error.strerror}. "
            "Check that the directory is writable and the disk is not full."
        ) from error
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
