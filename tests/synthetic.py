"""Tiny synthetic Fashion-MNIST look-alikes for tests.

Each class k gets a bright horizontal band at its own height plus noise, so even
a Dense(4) network learns it in a couple of epochs. Files are real gzip IDX.
"""

import copy
import gzip
import hashlib
from pathlib import Path

import numpy as np
import yaml

from fashion.core.dataset import (
    NUMBER_OF_CLASSES,
    TEST_IMAGES_FILE,
    TEST_LABELS_FILE,
    TRAIN_IMAGES_FILE,
    TRAIN_LABELS_FILE,
)

REPOSITORY_ROOT = Path(__file__).resolve().parent.parent


def idx_bytes(array: np.ndarray) -> bytes:
    """Encode a uint8 array as IDX: magic, big-endian dimensions, data."""
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(size).to_bytes(4, "big") for size in array.shape)
    return header + array.astype(np.uint8).tobytes()


def write_idx_gz(path: Path, array: np.ndarray) -> str:
    """Write a gzip IDX file; return the SHA-256 of its decompressed content."""
    content = idx_bytes(array)
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wb") as stream:
        stream.write(content)
    return hashlib.sha256(content).hexdigest()


def make_images(per_class: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Learnable 28x28 uint8 images, `per_class` of each of the ten classes, shuffled."""
    generator = np.random.default_rng(seed)
    labels = np.repeat(np.arange(NUMBER_OF_CLASSES, dtype=np.uint8), per_class)
    generator.shuffle(labels)
    images = generator.integers(0, 60, size=(len(labels), 28, 28)).astype(np.uint8)
    for index, label in enumerate(labels):
        row = 2 + int(label) * 2
        images[index, row : row + 3, :] = 250
    return images, labels


def write_dataset(directory: Path, train_per_class: int = 30, test_per_class: int = 10) -> dict[str, str]:
    """Write the four dataset files into `directory`; return their content hashes."""
    train_images, train_labels = make_images(train_per_class, seed=1)
    test_images, test_labels = make_images(test_per_class, seed=2)
    arrays = {
        TRAIN_IMAGES_FILE: train_images,
        TRAIN_LABELS_FILE: train_labels,
        TEST_IMAGES_FILE: test_images,
        TEST_LABELS_FILE: test_labels,
    }
    return {name: write_idx_gz(Path(directory) / name, array) for name, array in arrays.items()}


def documented_sweep_entry() -> dict:
    """docs/models.md's example entry with its own fast sweep, as {name: entry}.

    No committed entry sweeps, so the tiny project adds this one: the tests of
    the sweep run what the documentation tells a user to add.
    """
    guide = (REPOSITORY_ROOT / "docs" / "models.md").read_text()
    after_heading = guide[guide.index("No committed entry sweeps") :]
    block = after_heading[after_heading.index("```yaml\n") + len("```yaml\n") :]
    return yaml.safe_load(block[: block.index("```")])


def documented_refit_entry() -> dict:
    """docs/models.md's example refit entry, as {name: entry}: no committed entry refits, so tests add it."""
    guide = (REPOSITORY_ROOT / "docs" / "models.md").read_text()
    after_heading = guide[guide.index("No committed entry refits") :]
    block = after_heading[after_heading.index("```yaml\n") + len("```yaml\n") :]
    return yaml.safe_load(block[: block.index("```")])


def tiny_params(mirrors: list[str], sha256: dict[str, str]) -> dict:
    """The project's params.yaml and docs/models.md's sweeping and refit entries, shrunk to seconds of work on
    synthetic data."""
    params = copy.deepcopy(yaml.safe_load((REPOSITORY_ROOT / "params.yaml").read_text()))
    params["models"].update({**documented_sweep_entry(), **documented_refit_entry()})
    params["download"]["mirrors"] = mirrors
    params["download"]["sha256"] = sha256
    params["download"]["timeout_seconds"] = 5
    params["normalize"]["validation_fraction"] = 0.2
    params["lr_find"].update(epochs=4, epochs_per_decade=2, batch_size=16)
    # The prediction grids (one per scored model) are the largest part of evaluate's time on tiny
    # data; four images show the same.
    params["evaluate"].update(grid_rows=2, grid_columns=2)
    for model in (*params["models"].values(), *params["lr_find_models"].values()):
        model.update(epochs=2, batch_size=16)
        if model.get("learning_rate") == "sweep":
            model.setdefault("sweep", {}).update(evaluate_every_steps=2, validation_images=20)
        elif "learning_rate" in model:
            model["learning_rate"] = 0.02  # Large steps: two epochs of 15 batches must learn.
        if model.get("architecture") == "convolutional":
            model.update(blocks=[[4], [8]], dense_units=[], warmup_epochs=min(model.get("warmup_epochs", 0), 1))
        if model.get("early_stopping_patience", 0) >= model["epochs"] - 1:
            model["early_stopping_patience"] = 0
    for baseline in (params.get("baselines") or {}).values():
        arguments = baseline.setdefault("arguments", {})
        if baseline["estimator"] in ("RandomForestClassifier", "ExtraTreesClassifier"):
            arguments["n_estimators"] = 5
        if baseline["estimator"] in ("MLPClassifier", "LogisticRegression"):
            arguments["max_iter"] = 20
    return params


def write_params(directory: Path, params: dict) -> None:
    (Path(directory) / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))


def with_multi_worker_strategy(params: dict) -> dict:
    """`params` set to multi-worker training, each sweeping entry given a fixed rate (a sweep is refused with it).

    So that a test of another key's refusal under multi_worker sees that refusal alone.
    """
    for entry in params["models"].values():
        if entry.get("learning_rate") == "sweep":
            entry["learning_rate"] = 0.01
            entry.pop("sweep", None)
    params["distribute"] = {"strategy": "multi_worker"}
    return params
