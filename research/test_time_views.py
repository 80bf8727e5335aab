"""Validation accuracy of the trained networks under each choice of test-time views.

    python research/test_time_views.py          # after dvc repro; about 3 minutes on 2 cores

For single networks and ensembles of them: no views, flips, 1-pixel shifts,
flips and 1-pixel shifts, flips and 2-pixel shifts, each member seeing only the
views its training augmentation covers (fashion.models.ensemble). Validation
split only: this is how `ensembles:` in params.yaml was chosen.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fashion.core import paths  # noqa: E402
from fashion.core.dataset import INFERENCE_BATCH_SIZE  # noqa: E402
from fashion.core.params import Params, load_params  # noqa: E402
from fashion.data.arrays import load_split  # noqa: E402

CHOICES = {"none": (False, 0), "flips": (True, 0), "shift 1": (False, 1), "flips + shift 1": (True, 1),
           "flips + shift 2": (True, 2)}  # fmt: skip


def validated_groups(settings: Params) -> list[list[str]]:
    """Each network of `models:` trained with shifts or flips (the views it can be shown) alone, then all together.

    Networks with validation scores only: a refit one trained on these images.
    """
    networks = [
        entry.name for entry in settings.models.values()
        if (entry.augmentation.horizontal_flip or entry.augmentation.shift_pixels) and not entry.refit
    ]  # fmt: skip
    return [[name] for name in networks] + ([networks] if len(networks) > 1 else [])


def main() -> int:
    from fashion.models.ensemble import build_ensemble, member_views
    from fashion.models.saving import load_trained_model

    settings = load_params(ROOT / paths.PARAMS_FILE)
    groups = validated_groups(settings)
    images, labels = load_split(ROOT / paths.PROCESSED_DIR, "validation")
    names = sorted({name for group in groups for name in group})
    models = {name: load_trained_model(ROOT / paths.model_file(name)) for name in names}
    trained = {name: settings.models[name].augmentation for name in names}
    print("| members | " + " | ".join(CHOICES) + " |")
    print("|---|" + "---|" * len(CHOICES))
    for group in groups:
        cells = []
        for flips, shift in CHOICES.values():
            views = [member_views(flips, shift, trained[name].horizontal_flip, trained[name].shift_pixels)
                     for name in group]  # fmt: skip
            if len(group) == 1 and views[0].count == 1 and (flips or shift):
                cells.append("—")
                continue
            ensemble = build_ensemble([models[name] for name in group], views, "views")
            probabilities = ensemble.predict(images, batch_size=INFERENCE_BATCH_SIZE, verbose=0)
            cells.append(f"{(probabilities.argmax(axis=1) == labels).mean():.4f}")
        print(f"| {' + '.join(group)} | " + " | ".join(cells) + " |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
