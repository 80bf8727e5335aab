"""Validation accuracy of a `models:` entry trained on a stratified share of the training split, or for other epochs.

    python research/training_size.py --model cnn --fraction 0.9    # after dvc repro; cnn: about 14 minutes on 2 cores
    python research/training_size.py --model cnn --epochs 24       # every image, 24 epochs: a point of the budget curve

What refitting on every training image is worth, estimated on the validation
split alone: if training on 90% of the training split instead of all of it
costs accuracy, handing the model the validation split's images as well (a
refit, 60,000 images instead of 54,000) can be expected to gain about as much.
The entry trains exactly as its train stage would (same recipe, seed and
kept epoch), on fewer images; nothing is written to the project.

With `--epochs` (and every image), the same recipe trains for another number
of epochs, its schedule stretched to match: validation accuracy against
training minutes, the curve that says what a larger budget would buy.

With `--set KEY=VALUE` (`research/entry_settings.py`), a key of the entry
changes for this run, checked by the params schema: a lever screened on
validation without editing params.yaml, for example SGD with Nesterov
momentum in place of AdamW (docs/notebook/experiments.md):

    python research/training_size.py --model cnn --fraction 1 --epochs 5 \
        --set optimizer=sgd --set momentum=0.9 --set nesterov=true --set weight_decay=0.0005 --set learning_rate=0.1

It reads params.yaml and data/processed from the current directory (the
project's root, after `dvc repro`), prints one JSON report, and writes
nothing to the project. A rejected value, or a rate at which training diverges,
stops it with one line.
"""

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fashion.core import paths  # noqa: E402
from fashion.core.errors import PipelineError  # noqa: E402
from fashion.data.arrays import load_split  # noqa: E402
from fashion.data.split import stratified_split  # noqa: E402
from research.entry_settings import changed_entry, setting_of  # noqa: E402


def screen(arguments, changes: list[tuple[list[str], object]]) -> dict:
    """Train the entry, changed as asked, on its share of the images; the report. PipelineError if it cannot."""
    if arguments.epochs is not None:
        changes = [*changes, (["epochs"], arguments.epochs)]
    params, strategy = changed_entry(arguments.model, changes)
    images, labels = load_split(paths.PROCESSED_DIR, "train")
    validation = load_split(paths.PROCESSED_DIR, "validation")
    kept = np.arange(len(labels))
    if arguments.fraction < 1:  # stratified_split's "validation" part is the share left out here
        kept, _ = stratified_split(labels, 1 - arguments.fraction, arguments.seed)

    from fashion.training.run import train_model

    started = time.perf_counter()
    live = Path(tempfile.mkdtemp()) / "live"
    result = train_model(params, params.learning_rate, strategy, (images[kept], labels[kept]), validation, live)
    return {
        "model": arguments.model,
        "changes": arguments.set,
        "fraction": arguments.fraction,
        "training_images": len(kept),
        "epochs": params.epochs,
        "training_seconds": round(result.training_seconds, 1),
        "kept_epoch": result.kept_epoch,
        "validation_accuracy": result.kept_validation_score("validation_accuracy"),
        "validation_accuracy_per_epoch": [round(value, 4) for value in result.history["val_accuracy"]],
        "seconds": round(time.perf_counter() - started, 1),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, help="a key of models: in params.yaml (not a refit one)")
    parser.add_argument("--fraction", type=float, default=0.9, help="share of the training split kept, by class")
    parser.add_argument("--seed", type=int, default=0, help="seeds which images are left out")
    parser.add_argument("--epochs", type=int, help="train for this many epochs instead of the entry's")
    parser.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE",
        help="change one key of the entry for this run, dotted inside it, the value read as YAML; null leaves it out",
    )  # fmt: skip
    arguments = parser.parse_args(argv)
    if not 0 < arguments.fraction <= 1:
        parser.error("--fraction must be above 0 and at most 1")
    changes = [setting_of(text) for text in arguments.set]
    try:
        report = screen(arguments, changes)
    except PipelineError as error:  # a rejected value, missing data, or a diverging rate, as the stages say it
        print(f"training_size: {error}", file=sys.stderr)
        return 1
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
