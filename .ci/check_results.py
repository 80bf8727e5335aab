"""Fail CI unless the full run produced every expected file and hit its targets."""

import json
import sys
from pathlib import Path

import yaml

MINIMUM_MODEL_4_ACCURACY = 0.80


def main() -> int:
    models = list(yaml.safe_load(Path("params.yaml").read_text())["models"])
    expected = [
        Path("metrics/data/train.json"),
        Path("metrics/data/validation.json"),
        Path("metrics/data/test.json"),
        Path("metrics/lr_find.json"),
        Path("plots/lr_find.csv"),
        Path("plots/lr_find.png"),
        Path("plots/learning_curves.csv"),
        Path("plots/learning_curves.png"),
        Path("metrics/export.json"),
        Path("export/model.tflite"),
        Path("export/saved_model/saved_model.pb"),
    ]
    for name in models:
        expected += [
            Path(f"models/{name}.keras"),
            Path(f"metrics/train/{name}.json"),
            Path(f"metrics/test/{name}.json"),
            Path(f"plots/history/{name}.csv"),
            Path(f"plots/confusion/{name}.csv"),
            Path(f"plots/confusion_heatmap/{name}.png"),
            Path(f"plots/predictions/{name}.png"),
            Path(f"plots/per_class/{name}.csv"),
            Path(f"live/{name}/metrics.json"),
        ]
    problems = [f"missing {path}" for path in expected if not path.is_file()]
    accuracy = {
        name: json.loads(Path(f"metrics/test/{name}.json").read_text())["test_accuracy"]
        for name in models
        if Path(f"metrics/test/{name}.json").is_file()
    }
    print("test accuracy:", ", ".join(f"{name} {value:.4f}" for name, value in accuracy.items()))
    if accuracy.get("model_4", 0.0) < MINIMUM_MODEL_4_ACCURACY:
        problems.append(f"model_4 test accuracy {accuracy.get('model_4')} is under {MINIMUM_MODEL_4_ACCURACY}")
    if "model_1_raw" in accuracy and "model_1" in accuracy and accuracy["model_1_raw"] >= accuracy["model_1"]:
        problems.append("model_1 on raw pixels is not below the same network on normalized pixels")
    for problem in problems:
        print(f"FAIL: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
