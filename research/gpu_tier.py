"""Train docs/gpu.md's benchmark-grade entry with Keras on the backend at hand: `python research/gpu_tier.py`.

A user with an NVIDIA GPU trains this entry with the pipeline itself
(docs/gpu.md's `dvc exp run` command). This script is for a GPU machine that
cannot install TensorFlow (no package registry, or another CUDA than
TensorFlow's) but has Keras's JAX backend: it trains the same entry, as much
as possible with the pipeline's own code, and records the card, the time and
the accuracies. With TensorFlow installed it runs on TensorFlow (the tests run
it so, on tiny data, on the CPU).

Shared with the pipeline:
  - the entry: the `+models.wide_residual=` and `+ensembles.wide_residual_tta=`
    values of docs/gpu.md's command, added to params.yaml's models and checked
    by the params schema (`--epochs`, `--seed` and `--set` change it for one run);
  - the split and the pixel scale (`read_splits`, `scale_pixels`);
  - the network, precision, optimizer, loss, schedule and compile
    (the entry's `build`, `resolve_precision`, `compile_model`);
  - the best-epoch and moving-average rules (`keep_best_epoch`, `keep_better_weights`);
  - the test-time views (`member_views`, `build_ensemble`).
Its own:
  - batches come from NumPy arrays (`Model.fit` shuffles them), not tf.data;
  - augmentation is `fashion.data.augment.TrainingAugmentation`: the
    pipeline's transforms, drawn from Keras's seed generator instead of
    TensorFlow's stateless ops. A run is therefore not batch for batch the pipeline's.
Without TensorFlow, the pipeline's modules still import
`fashion.core.tensorflow_setup`: research/keras_backend.py puts a stand-in there
(`install_tensorflow_stand_in`).

The test split is scored once, after validation has chosen the kept weights.
It writes one JSON file (`--output`). It is not a test and asserts nothing.
"""

import argparse
import json
import math
import os
import re
import shlex
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the pipeline's packages
from research.entry_settings import set_key, setting_of  # noqa: E402
from research.keras_backend import card_description, count_gpus, import_keras, peak_gpu_bytes  # noqa: E402

GPU_DOCUMENT = ROOT / "docs" / "gpu.md"
MARKER = "<!-- gpu-tier-command:"
MODEL_NAME = "wide_residual"
ENSEMBLE_NAME = "wide_residual_tta"
# Every recorded run, one JSON file each; scripts/results_table.py makes docs/gpu.md's table of them.
RESULTS_DIRECTORY = ROOT / "research" / "gpu_tier"
# What a budget-shortened run keeps back for the test-time views and the JSON file, in seconds.
FINISHING_SECONDS = 30.0


def documented_overrides(document: Path = GPU_DOCUMENT) -> list[str]:
    """The `-S` values of the `dvc exp run` command that follows the marker in docs/gpu.md."""
    text = document.read_text()
    block = re.search(r"```bash\n(.*?)```", text[text.index(MARKER) :], re.DOTALL).group(1)
    words = shlex.split(block.replace("\\\n", " "))
    return [words[index + 1] for index, word in enumerate(words) if word == "-S"]


def documented_entries(document: Path = GPU_DOCUMENT) -> dict[str, dict]:
    """{"models": {name: entry}, "ensembles": {name: entry}}: each `+section.name={...}` value, read as YAML."""
    entries = {"models": {}, "ensembles": {}}
    for override in documented_overrides(document):
        key, _, value = override.partition("=")
        section, name = key.removeprefix("+").split(".", 1)
        entries[section][name] = yaml.safe_load(value)
    return entries


def read_data(raw: dict, raw_directory: Path, limit: int | None) -> dict:
    """{"train", "validation", "test"} -> (float images in [0, 1], labels): the pipeline's split of the raw files."""
    from fashion.core.dataset import scale_pixels
    from fashion.core.params import validate_params
    from fashion.data.split import read_splits

    settings = validate_params(raw)
    normalize = settings.normalize
    splits = read_splits(raw_directory, settings.download.checksums, normalize.validation_fraction, normalize.seed)
    return {name: (scale_pixels(images[:limit]), labels[:limit]) for name, (images, labels) in splits.items()}


def epochs_within_budget(
    first_two_epoch_seconds: list[float], elapsed: float, epochs: int, budget_seconds: float
) -> int | None:
    """None if the run, two epochs in after `elapsed` seconds, ends within the budget; else the epochs a new run fits.

    A new run pays compiling again: the first epoch's excess over the second.
    `FINISHING_SECONDS` stay back for scoring; at least one epoch is trained.
    """
    first, second = first_two_epoch_seconds
    available = budget_seconds - FINISHING_SECONDS
    if elapsed + second * (epochs - 2) <= available:
        return None
    return max(1, int((available - elapsed - (first - second)) // second))


def train(keras, params, precision: str, data: dict, budget_seconds: float | None):
    """Train `params`'s entry; returns (network, record), or (None, record) when the run would outlast the budget.

    The budget is checked after the second epoch (the first includes
    compiling): if the epochs left would end past it, training stops and the
    record says how many epochs would fit.
    """
    from fashion.core.dataset import INFERENCE_BATCH_SIZE
    from fashion.data.augment import TrainingAugmentation
    from fashion.data.input_pipeline import one_hot
    from fashion.training.fit import keep_best_epoch, kept_epoch
    from fashion.training.moving_average import LastEpochWeights, keep_better_weights
    from fashion.training.optimization import compile_model

    class Batches(keras.utils.PyDataset):
        """(images, one-hot labels) batches of one split, for `evaluate`, which the weight choice calls twice."""

        def __init__(self, images, labels):
            super().__init__()
            self.images, self.targets = images, one_hot(labels)

        def __len__(self):
            return math.ceil(len(self.images) / INFERENCE_BATCH_SIZE)

        def __getitem__(self, index):
            window = slice(index * INFERENCE_BATCH_SIZE, (index + 1) * INFERENCE_BATCH_SIZE)
            return self.images[window], self.targets[window]

    class EpochClock(keras.callbacks.Callback):
        """Seconds per epoch (validation included); stops training when the rest would outlast the budget."""

        def __init__(self):
            super().__init__()
            self.seconds, self.started, self.epochs_that_fit = [], time.perf_counter(), None

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch_started = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.seconds.append(time.perf_counter() - self.epoch_started)
            print(f"epoch {epoch + 1}: {self.seconds[-1]:.1f} s, validation accuracy {logs['val_accuracy']:.4f}")
            if budget_seconds is not None and len(self.seconds) == 2:
                elapsed = time.perf_counter() - self.started
                self.epochs_that_fit = epochs_within_budget(self.seconds, elapsed, params.epochs, budget_seconds)
                self.model.stop_training = self.epochs_that_fit is not None

    (train_images, train_labels), validation = data["train"], data["validation"]
    keras.utils.set_random_seed(params.seed)
    network = params.build(precision)
    inputs = keras.Input(shape=train_images.shape[1:], name="image")
    augmented = TrainingAugmentation(params.augmentation, params.seed, name="training_augmentation")(inputs)
    trainer = keras.Model(inputs, network(augmented), name="trainer")
    compile_model(trainer, params, params.learning_rate, len(train_images), precision=precision)
    averaging = params.moving_average_momentum > 0
    best = keep_best_epoch(params.early_stopping_patience, params.restore_best_epoch, params.epochs)
    last = LastEpochWeights() if averaging and not params.restore_best_epoch else None
    clock = EpochClock()
    started = time.perf_counter()
    callbacks = [best, clock, *([last] if last else [])]
    history = trainer.fit(
        train_images, one_hot(train_labels), batch_size=params.batch_size,
        epochs=params.epochs, validation_data=Batches(*validation), shuffle=True, verbose=0, callbacks=callbacks,
    ).history  # fmt: skip
    training_seconds = time.perf_counter() - started
    record = {
        "epochs": params.epochs,
        "epochs_run": len(history["loss"]),
        "training_seconds": round(training_seconds, 1),
        "first_epoch_seconds": round(clock.seconds[0], 2),
        "median_epoch_seconds": round(statistics.median(clock.seconds[1:] or clock.seconds), 2),
        "validation_accuracy_by_epoch": [round(value, 4) for value in history["val_accuracy"]],
    }
    if clock.epochs_that_fit is not None:
        return None, {**record, "epochs_that_fit": clock.epochs_that_fit}
    record["kept_epoch"] = kept_epoch(best, len(history["loss"]))
    if averaging:
        trained_weights = best.best_weights if params.restore_best_epoch else last.weights
        record.update(keep_better_weights(trainer, trained_weights, Batches(*validation)))
    return network, record


def evaluate_views(keras, network, params, ensemble, data: dict) -> dict:
    """Validation and test accuracy of the network alone, with mirrored views, and with the ensemble entry's views."""
    from fashion.core.dataset import INFERENCE_BATCH_SIZE
    from fashion.models.ensemble import Views, build_ensemble, member_views

    asked = member_views(
        ensemble.flip_test_time_augmentation, ensemble.shift_test_time_augmentation,
        params.augmentation.horizontal_flip, params.augmentation.shift_pixels,
    )  # fmt: skip
    candidates = {
        "plain": network,
        "flips": build_ensemble([network], [Views(flips=asked.flips, shift=0)], "flips"),
        ENSEMBLE_NAME: build_ensemble([network], [asked], ENSEMBLE_NAME),
    }
    scores = {name: {"views": 1} for name in candidates}
    scores["flips"]["views"], scores[ENSEMBLE_NAME]["views"] = Views(asked.flips, 0).count, asked.count
    # The weights were chosen on validation before this; both splits go through each model in one call.
    images = np.concatenate([data["validation"][0], data["test"][0]])
    validation_images = len(data["validation"][0])
    for name, model in candidates.items():
        predicted = np.argmax(model.predict(images, batch_size=INFERENCE_BATCH_SIZE, verbose=0), axis=1)
        for split, guesses in (("validation", predicted[:validation_images]), ("test", predicted[validation_images:])):
            scores[name][f"{split}_accuracy"] = round(float(np.mean(guesses == data[split][1])), 4)
    return scores


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, help="train this many epochs instead of the entry's")
    parser.add_argument("--seed", type=int, help="train with this seed instead of the entry's")
    parser.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE",
        help="change one key of the entry, dotted inside it, the value read as YAML; null leaves the key out",
    )  # fmt: skip
    parser.add_argument("--budget-seconds", type=float, help="stop after two epochs if the rest would end past this")
    parser.add_argument("--raw-directory", type=Path, default=Path("data/raw"), help="the four dataset files")
    parser.add_argument("--limit", type=int, help="use only the first N images of each split (a quick check)")
    parser.add_argument(
        "--output",
        type=Path,
        help="the JSON file to write (default: research/gpu_tier/<device>-seed<seed>-<epochs>epochs.json)",
    )
    args = parser.parse_args(argv)

    changes = [setting_of(text) for text in args.set]
    keras = import_keras()
    from fashion.core.errors import PipelineError
    from fashion.core.params import read_yaml, validate_params
    from fashion.training.precision import cpu_has_native_bfloat16, resolve_precision

    entries = documented_entries()
    entry = entries["models"][MODEL_NAME]
    for keys, value in changes:
        set_key(entry, keys, value)
    for key, value in (("epochs", args.epochs), ("seed", args.seed)):
        if value is not None:
            entry[key] = value
    try:
        raw = read_yaml(Path("params.yaml"))
        for section, named in entries.items():
            raw.setdefault(section, {}).update(named)
        settings = validate_params(raw)
        data = read_data(raw, args.raw_directory, args.limit)
    except PipelineError as error:
        print(f"gpu_tier: {error}", file=sys.stderr)
        return 1
    params = settings.model(MODEL_NAME)
    ensemble = settings.ensembles[ENSEMBLE_NAME]
    precision = resolve_precision(params.requested_precision, count_gpus(keras), cpu_has_native_bfloat16())
    print(f"{MODEL_NAME}: {params.epochs} epochs in {precision} on {keras.backend.backend()}", flush=True)

    network, record = train(keras, params, precision, data, args.budget_seconds)
    if network is None:
        asked, fit = params.epochs, record["epochs_that_fit"]
        print(f"{asked} epochs would outlast {args.budget_seconds:.0f} s; retraining for {fit}", flush=True)
        raw["models"][MODEL_NAME]["epochs"] = fit  # the recorded entry is then the one trained
        params = validate_params(raw).model(MODEL_NAME)
        network, record = train(keras, params, precision, data, budget_seconds=None)
        record["shortened_from_epochs"] = asked
    result = {
        "command": "python research/gpu_tier.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "machine": card_description(keras),
        "precision": precision,
        "training_images": len(data["train"][0]),
        "entry": entry,
        **record,
        "scores": evaluate_views(keras, network, params, ensemble, data),
        "peak_gpu_bytes": peak_gpu_bytes(keras),
        "environment": {name: os.environ[name] for name in ("KERAS_BACKEND",) if name in os.environ},
    }
    device = re.sub(r"[^a-z0-9]+", "-", result["machine"].get("device", "cpu").lower()).strip("-")
    changed = "".join(f"-{keys[-1]}-{'null' if value is None else value}" for keys, value in changes)
    output = args.output or RESULTS_DIRECTORY / f"{device}-seed{params.seed}-{record['epochs']}epochs{changed}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {output}")
    print(json.dumps(result["scores"], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
