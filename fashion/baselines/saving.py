"""Save and load fitted baselines with skops, a format that runs no code on load (unlike pickle).

skops builds only the types it trusts by default (scikit-learn's estimators,
NumPy's arrays and the builtin containers) and those it is told to trust. We
tell it exactly `STORED_TYPES`: the types beyond skops's defaults that our
baselines store, by full name, never a module or a prefix. A file that asks
for anything else (`builtins.exec`, `numpy.load`, an `operator` or
`functools` gadget, a class from another package deep inside a pipeline) is
refused with one line before anything in it is built. `save_baseline` checks
what it writes against the same list, so a new kind of baseline that stores
another type stops at its own stage, naming the type to review and add.
"""

import io
import re
import zipfile
from pathlib import Path

import skops.io
from sklearn.pipeline import Pipeline

from fashion.core.atomic import atomic_path
from fashion.core.bounded import check_archive
from fashion.core.errors import PipelineError, shorten

# Every type our baselines store that skops does not trust by default; tests/test_security.py checks that
# each committed `baselines:` entry writes nothing else, and that no entry here is a module or a builtin.
STORED_TYPES = (
    "sklearn.neural_network._stochastic_optimizers.AdamOptimizer",  # MLPClassifier's solver state
    "sklearn.neural_network._stochastic_optimizers.SGDOptimizer",  # MLPClassifier with solver: sgd
    "sklearn.tree._tree.Tree",  # each tree of a RandomForestClassifier
)
# The largest baseline archive, unpacked: k_neighbors keeps the training images (about 170 MB).
BASELINE_BYTES = 2 << 30
SCHEMA_FILE = "schema.json"
RETRAIN = "Retrain it with `dvc repro --force baseline@<name>`, or pull it from a remote you trust."
# A fixed timestamp for every member of the archive (the earliest a zip file can hold).
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def save_baseline(pipeline, path: Path) -> None:
    """Write the fitted pipeline atomically, byte for byte the same for the same fit (`canonical_archive`)."""
    archive = canonical_archive(skops.io.dumps(pipeline))
    untrusted = refused_types(skops.io.get_untrusted_types(data=archive))
    if untrusted:
        raise PipelineError(
            f"this baseline stores {untrusted[0]}, which fashion/baselines/saving.py does not trust on load; "
            "review that type and add it to STORED_TYPES there if it is safe."
        )
    with atomic_path(Path(path)) as temporary:
        temporary.write_bytes(archive)


def refused_types(untrusted: list[str]) -> list[str]:
    """The types of `untrusted` (skops's list for a file) that are not exactly one of `STORED_TYPES`."""
    return [name for name in untrusted if name not in STORED_TYPES]


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


def load_baseline(path: Path) -> Pipeline:
    """The fitted pipeline saved at `path`; any other file, or one asking for another type, is one line."""
    path = Path(path)
    check_archive(path, BASELINE_BYTES, "skops baseline", RETRAIN, missing="Run `dvc repro` to train the baselines.")
    try:
        untrusted = skops.io.get_untrusted_types(file=path)
    except Exception as error:  # skops parses a file from anywhere: any failure is a bad file, not our bug
        raise unreadable(path, error) from error
    refused = refused_types(untrusted)
    if refused:
        raise PipelineError(
            f"{path} asks to load {shorten(refused[0])}, which no baseline of this project stores; refusing it. "
            f"{RETRAIN}"
        )
    try:
        pipeline = skops.io.load(path, trusted=list(untrusted))
    except Exception as error:  # as above: a malformed tree of trusted types
        raise unreadable(path, error) from error
    if not isinstance(pipeline, Pipeline):
        raise PipelineError(f"{path} holds a {type(pipeline).__name__}, not a scikit-learn pipeline. {RETRAIN}")
    return pipeline


def unreadable(path: Path, error: Exception) -> PipelineError:
    return PipelineError(
        f"{path} is not a readable skops baseline ({type(error).__name__}: {shorten(str(error))}). {RETRAIN}"
    )
