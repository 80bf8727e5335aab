"""Save Keras models so that equal weights give equal bytes.

A `.keras` file is a zip archive; Keras stamps the save time into
`metadata.json` and into the zip entries, and writes Python object ids
(`shared_object_id`, different in every process) into `config.json` to mark an
object used in several places. Two runs that train bit-identical weights would
otherwise write different files, and DVC would record a new hash for every
model on every reproduction.
"""

import json
import zipfile
from pathlib import Path

from fashion.atomic import atomic_path

# Zip's earliest representable time: every entry gets it, whatever the clock says.
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def save_model(model, target: Path) -> None:
    """Write `model` to `target` atomically, with no save time in it."""
    with atomic_path(Path(target)) as temporary:
        model.save(temporary)
        remove_save_time(temporary)


def renumber_shared_objects(config):
    """Return `config` with each distinct `shared_object_id` replaced by its order of first appearance.

    Keras only compares these ids with each other when it loads, so numbering
    them 0, 1, 2… keeps their meaning and removes the process-dependent value.
    """
    numbers: dict[int, int] = {}

    def renumber(value):
        if isinstance(value, dict):
            return {
                key: numbers.setdefault(item, len(numbers)) if key == "shared_object_id" else renumber(item)
                for key, item in value.items()
            }
        if isinstance(value, list):
            return [renumber(item) for item in value]
        return value

    return renumber(config)


def remove_save_time(path: Path) -> None:
    """Rewrite the `.keras` archive at `path` without its save time or object ids; nothing else changes."""
    with zipfile.ZipFile(path) as archive:
        entries = [(info, archive.read(info.filename)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w") as archive:
        for info, content in entries:
            if info.filename == "metadata.json":
                metadata = json.loads(content)
                metadata.pop("date_saved", None)
                content = json.dumps(metadata).encode()
            elif info.filename == "config.json":
                content = json.dumps(renumber_shared_objects(json.loads(content))).encode()
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            fixed.compress_type, fixed.external_attr = info.compress_type, info.external_attr
            archive.writestr(fixed, content)
