"""Print the `dvc exp run` options that train every convolutional entry of params.yaml for one epoch.

CI runs the whole pipeline on the real data. On a CPU with native bfloat16
the committed recipes fit its time limit (docs/benchmark.md); without it they
train in float32, about 3.7 times slower, and the full run would take about
2 hours (docs/precision.md). There CI still runs every stage on the real data, as an
experiment whose convolutional entries train one epoch each, and
`.ci/check_results.py --one-epoch` then checks what such a run can show.
"""

import sys
from pathlib import Path

import yaml


def one_epoch_overrides(params: dict) -> list[str]:
    """`-S` options setting `epochs` to 1 for every convolutional entry of `models:` and `lr_find_models:`."""
    options = []
    for section in ("models", "lr_find_models"):
        for name, entry in (params.get(section) or {}).items():
            if entry.get("architecture", "dense") == "convolutional":
                options += ["-S", f"{section}.{name}.epochs=1"]
    return options


if __name__ == "__main__":
    root = Path(__file__).resolve().parent.parent
    print(" ".join(one_epoch_overrides(yaml.safe_load((root / "params.yaml").read_text()))))
    sys.exit(0)
