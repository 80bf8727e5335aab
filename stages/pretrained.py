"""Stage pretrained@<name>: fetch one entry of params.yaml's `pretrained_weights:`, pinned by its hash.

DVC caches the file, so it is fetched once per machine (or pulled from a
remote); a `transfer` entry naming it in `pretrained:` starts from it.
"""

import argparse

from fashion.core import paths
from fashion.core.atomic import check_writable
from fashion.core.cli import stage_entry_point
from fashion.core.interrupts import exit_with
from fashion.core.params import load_params
from fashion.data.pretrained import fetch_pretrained


@stage_entry_point("pretrained")
def main(argv=None) -> str:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--name", required=True, help="a key of `pretrained_weights:` in params.yaml")
    entry = load_params(paths.PARAMS_FILE).pretrained(parser.parse_args(argv).name)
    target = paths.pretrained_file(entry.name)
    check_writable((target,))
    sha256 = fetch_pretrained(entry, target)
    return f"{target} verified (sha256 {sha256})"


if __name__ == "__main__":
    exit_with(main())
