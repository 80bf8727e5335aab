"""Classify your own images with a trained model.

    fashion-predict shirt.jpg boots.png                       # the exported model, top 3
    fashion-predict --model models/model_1.keras --top-k 1 --json data/*.gz

(`fashion-predict` is `python predict.py`, installed by `make setup` or `pip install -e .`.)
The model by default is the one the export stage exported (metrics/export.json
names it: the highest validation accuracy, or `export.model`).

Pictures (PNG or JPEG, any size or mode) are converted to look like the
training data: grayscale, a light garment on a dark background, centred and
padded to a square, 28x28 (see fashion/images.py). IDX files (gzip or not) are
classified image by image. Exit status 1 if any file could not be read.
"""

import argparse
import json
import sys
from pathlib import Path

from fashion.core.errors import PipelineError
from fashion.serving.predict import classify, exported_model_file, format_result


def parse_arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="+", type=Path, help="PNG, JPEG or IDX files")
    parser.add_argument("--model", type=Path, help="a trained .keras model (default: the exported model)")
    parser.add_argument("--top-k", type=int, default=3, choices=range(1, 11), metavar="1..10")
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of lines")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    arguments = parse_arguments(argv)
    from fashion.models.saving import load_trained_model

    try:
        model = load_trained_model(arguments.model or exported_model_file())
    except PipelineError as error:
        print(f"predict: error: {error}", file=sys.stderr)
        return 1
    results = classify(model, arguments.files, arguments.top_k)
    if arguments.json:
        print(json.dumps(results, indent=2))
    else:
        for result in results:
            print(format_result(result), file=sys.stderr if "error" in result else sys.stdout)
    return 1 if any("error" in result for result in results) else 0


if __name__ == "__main__":
    sys.exit(main())
