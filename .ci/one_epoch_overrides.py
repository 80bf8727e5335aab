"""Print the `dvc exp run` options that train every slow-to-train entry of params.yaml for one epoch.

CI runs the whole pipeline on the real data. On a CPU with native bfloat16
the committed recipes fit its time limit (docs/benchmark.md); without it they
train in float32, about 3.7 times slower, and the full run would take about
2 hours (docs/precision.md). There CI still runs every stage on the real data, as an
experiment whose slow-to-train entries train one epoch each, and
`.ci/check_results.py --one-epoch` then checks what such a run can show.
"""

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the pipeline's packages, for the params schema

from fashion.core.params import validate_params  # noqa: E402


def one_epoch_overrides(params: dict) -> list[str]:
    """`-S` options setting `epochs` to 1 for every slow-to-train entry of `models:` and `lr_find_models:`.

    The params are validated and read through the schema, so an entry's architecture is its default when left out.
    """
    return [
        option
        for model in validate_params(params).trained_models.values()
        if model.slow_to_train
        for option in ("-S", f"{model.where}.epochs=1")
    ]


if __name__ == "__main__":
    print(" ".join(one_epoch_overrides(yaml.safe_load((ROOT / "params.yaml").read_text()))))
