"""Save Keras models so that equal weights give equal bytes.

A `.keras` file is a zip archive; Keras stamps the save time into
`metadata.json` and into the zip entry of the weights. Two runs that train
bit-identical weights would otherwise write different files, and DVC would
record a new hash for every model on every reproduction.
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


def remove_save_time(path: Path) -> None:
    """Rewrite the `.keras` archive at `path` without its save time; its contents are otherwise unchanged."""
    with zipfile.ZipFile(path) as archive:
        entries = [(info, archive.read(info.filename)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w") as archive:
        for info, content in entries:
            if info.filename == "metadata.json":
                metadata = json.loads(content)
                metadata.pop("date_saved", None)
                content = json.dumps(metadata).encode()
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            fixed.compress_type, fixed.external_attr = info.compress_type, info.external_attr
            archive.writestr(fixed, content)
