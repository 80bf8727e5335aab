"""What checking params.yaml costs a stage's start-up, against importing pydantic (fresh processes, median of 7).

    .venv/bin/python bench/params_import_cost.py

Run from the repository root; docs/design.md quotes its output.
"""

import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
cases = {
    "python alone": "pass",
    "import ruamel.yaml (DVC's YAML reader, which the stages share)": "from ruamel.yaml import YAML",
    "import scikit-learn and list its classifiers (the baselines' check)": (
        "from sklearn.utils import all_estimators\nall_estimators(type_filter='classifier')"
    ),
    "import pydantic": "import pydantic",
    "pydantic: import and build one model class": (
        "import pydantic\nclass M(pydantic.BaseModel):\n    epochs: int = 1\nM(epochs=2)"
    ),
    "our check: import fashion.core.params, load and check params.yaml": (
        "from pathlib import Path\nfrom fashion.core import params\nparams.load_params(Path('params.yaml'))"
    ),
}
for name, code in cases.items():
    times = []
    for _ in range(7):
        timed = f"import time\nstarted = time.perf_counter()\n{code}\nprint(time.perf_counter() - started)"
        output = subprocess.run([sys.executable, "-c", timed], cwd=ROOT, capture_output=True, text=True, check=True)
        times.append(float(output.stdout.strip().splitlines()[-1]))
    print(f"{name}: {statistics.median(times) * 1000:.1f} ms")
