"""The README's results table is the one generated from the committed metrics."""

import subprocess
import sys

from synthetic import REPOSITORY_ROOT


def test_the_readme_table_is_generated_from_the_committed_metrics():
    result = subprocess.run(
        [sys.executable, "scripts/results_table.py", "--check"], cwd=REPOSITORY_ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
