"""Save and load fitted baselines with skops, a format that runs no code on load (unlike pickle).

skops refuses to build any type not trusted at load time; `load_baseline`
trusts only scikit-learn's and NumPy's own types, so a file that asks for
anything else is refused rather than executed.
"""

import io
import re
import zipfile
from pathlib import Path

import skops.io

from fashion.core.atomic import atomic_path
from fashion.core.errors import PipelineError

TRUSTED_PREFIXES = ("sklearn.", "numpy.", "builtins.", "collections.")
SCHEMA_FILE = "schema.json"
# A fixed timestamp for every member of the archive (the earliest a zip file can hold).
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def save_baseline(pipeline, path: Path) -> None:
    """Write the fitted pipeline atomically, byte for byte the same for the same fit (`canonical_archive`)."""
    with atomic_path(Path(path)) as temporary:
        temporary.write_bytes(canonical_archive(skops.io.dumps(pipeline)))


def canonical_archive(archive: bytes) -> bytes:
    """The skops archive with its object ids renumbered in order of appearance and its timestamps fixed.

    skops names each stored array, and tags each object, by its Python `id()`,
    and stamps each member with the time of writing; the same fitted estimator
    would otherwise be written as different bytes by every run, and DVC would
    record a change for an identical result.
    """
    source = zipfile.ZipFile(io.BytesIO(archive))
    schema = source.read(SCHEMA_FILE).decode()
    ids = re.findall(r'"__id__": (\d+)|"(\d+)\.npy"', schema)
    order = list(dict.fromkeys(number for pair in ids for number in pair if number))
    renumbered = {number: str(index) for index, number in enumerate(order)}
    schema = re.sub(r"(?<=\D)(\d{6,})(?=\D)", lambda match: renumbered.get(match[1], match[1]), schema)
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as target:
        for member in source.infolist():
            name = member.filename
            data = schema.encode() if name == SCHEMA_FILE else source.read(name)
            stem = name.removesuffix(".npy")
            renamed = f"{renumbered[stem]}.npy" if name.endswith(".npy") and stem in renumbered else name
            info = zipfile.ZipInfo(renamed, date_time=ZIP_EPOCH)
            info.compress_type = member.compress_type
            target.writestr(info, data)
    return output.getvalue()


def load_baseline(path: Path):
    """The fitted pipeline saved at `path`, refusing types from outside scikit-learn and NumPy."""
    path = Path(path)
    if not path.exists():
        raise PipelineError(f"{path} is missing. Run `dvc repro` to train the baselines.")
    untrusted = skops.io.get_untrusted_types(file=path)
    refused = [name for name in untrusted if not name.startswith(TRUSTED_PREFIXES)]
    if refused:
        raise PipelineError(f"{path} asks to load {refused[0]}, which is not a scikit-learn type; refusing it.")
    return skops.io.load(path, trusted=untrusted)
