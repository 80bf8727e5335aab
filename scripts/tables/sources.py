"""Where the tables' inputs are, and how a committed JSON file is read."""

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
PUBLISHED_FILE = ROOT / "docs" / "published_benchmark.yaml"
# The names the tables give to metrics/cost's precision policies.
PRECISION_NAMES = {"float32": "float32", "mixed_bfloat16": "bf16", "mixed_float16": "fp16"}


def read(relative: str) -> dict:
    """A committed JSON file, by its path from the repository root."""
    return json.loads((ROOT / relative).read_text())
