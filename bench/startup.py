"""Time a stage's start-up: its imports, TensorFlow's (if it uses it), and its data load.

`python bench/startup.py train` prints JSON with the seconds of each part,
measured in this fresh process, so bench/run.py can separate what every stage
pays before it starts its work from the work itself.
"""

import json
import sys
import time

STARTED = time.perf_counter()

# The splits each stage loads, and whether it imports TensorFlow.
STAGE_DATA = {
    "download": ((), False),
    "normalize": ((), False),
    "lr_find": (("train", "validation"), True),
    "train": (("train", "validation"), True),
    "baseline": (("train", "validation"), False),  # scikit-learn, imported after the data loads
    "ensemble": (("validation",), True),
    "evaluate": (("test",), True),
    "export": (("validation",), True),
}


def main(stage: str) -> dict:
    import importlib

    importlib.import_module(f"stages.{stage}")
    stage_imported = time.perf_counter()
    splits, uses_tensorflow = STAGE_DATA[stage]
    if uses_tensorflow:
        import fashion.core.tensorflow_setup  # noqa: F401
    tensorflow_imported = time.perf_counter()
    from fashion.core import paths
    from fashion.data.arrays import load_split

    for split in splits:
        load_split(paths.PROCESSED_DIR, split)
    data_loaded = time.perf_counter()
    return {
        "stage_import_seconds": stage_imported - STARTED,
        "tensorflow_import_seconds": tensorflow_imported - stage_imported,
        "data_load_seconds": data_loaded - tensorflow_imported,
    }


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1])))
