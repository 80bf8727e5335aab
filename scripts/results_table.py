"""The documents' generated tables, made from committed files so that no number or default is copied by hand.

    python scripts/results_table.py            # print the tables
    python scripts/results_table.py --write    # put each into its document, between its markers
    python scripts/results_table.py --check    # exit 1 if a document's table is not the generated one

The results table (README.md) reads params.yaml (which models and ensembles
exist, and their shapes), metrics/train, metrics/ensemble, metrics/test and
metrics/cost, and the training seconds the benchmark measured; the benchmark
table (docs/benchmark.md) reads bench/results.json; the model keys table
and the section keys table (docs/models.md) read the params models'
JSON Schema (fashion/core/params); the seed spreads (docs/reproducibility.md, and their
summary in README.md) read docs/seed_spread.json (runs in bfloat16, as committed) and
docs/seed_spread_float32.json (runs in float32), each measured as the file says; the GPU tier
table (docs/notebook/gpu.md) reads research/gpu_tier/, one file per run of research/gpu_tier.py; the costs table
(README.md) reads bench/results.json and bench/costs/, one file per run of bench/costs.py. The test suite runs
--check, so a run committed without regenerating the tables fails CI. Each table is
made by a module of scripts/tables/ (results, benchmark, keys, seeds, gpu_tier, costs); this
script puts them in their documents.
"""

import argparse
import json
import sys
from pathlib import Path

from tables import benchmark, costs, gpu_tier, keys, results, seeds

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = {
    "results": "README.md", "ranking": "docs/models.md", "benchmark": "docs/benchmark.md",
    "model keys": "docs/models.md", "section keys": "docs/models.md", "seed spread": "docs/reproducibility.md",
    "seed spread float32": "docs/reproducibility.md", "seed summary": "README.md", "gpu tier": "docs/notebook/gpu.md",
    "costs": "README.md",
}  # fmt: skip
MARKERS = {name: (f"<!-- {name} table: start -->", f"<!-- {name} table: end -->") for name in DOCUMENTS}


def with_table(document: str, name: str, text: str) -> str:
    """`document` with the text between `name`'s markers replaced by `text`."""
    start, end = MARKERS[name]
    if start not in document or end not in document:
        raise SystemExit(f"{DOCUMENTS[name]} has no {start} ... {end} markers")
    before, rest = document.split(start, 1)
    _, after = rest.split(end, 1)
    return f"{before}{start}\n{text}\n{end}{after}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help="replace the tables in their documents")
    mode.add_argument("--check", action="store_true", help="exit 1 unless every document's table is current")
    arguments = parser.parse_args(argv)
    spreads = {name: json.loads(path.read_text()) for name, path in seeds.SEED_SPREAD_FILES.items()}
    generated = {
        "results": results.results_table(), "ranking": results.ranking_table(),
        "benchmark": benchmark.benchmark_table(), "model keys": keys.keys_table(),
        "section keys": keys.section_keys_table(),
        **{name: seeds.seed_spread_table(spread) for name, spread in spreads.items()},
        "seed summary": seeds.seed_summary(list(spreads.values())), "gpu tier": gpu_tier.gpu_tier_table(),
        "costs": costs.costs_table(),
    }  # fmt: skip
    if not (arguments.write or arguments.check):
        print("\n\n".join(generated.values()))
        return 0
    stale = []
    for name, text in generated.items():
        path = ROOT / DOCUMENTS[name]
        document = path.read_text()
        current = with_table(document, name, text)
        if arguments.write:
            path.write_text(current)
        elif current != document:
            stale.append(DOCUMENTS[name])
    if arguments.check and stale:
        print(f"Generated tables are stale in {', '.join(stale)}: run `python scripts/results_table.py --write`.")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
