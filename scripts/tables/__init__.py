"""The generated tables of the documents, one module per subject; scripts/results_table.py puts them in place.

Each table is made from committed files (params.yaml, metrics, bench/results.json,
the seed-spread files, the params schema), so that no number or default is copied
by hand.
"""

import sys
from pathlib import Path

# The repository root, for the modules that import the project's own code: the params
# schema (keys.py) and research/gpu_tier.py (gpu_tier.py), when run as `python scripts/...`.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))
