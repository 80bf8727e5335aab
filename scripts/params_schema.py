"""params.schema.json, the JSON Schema editors check params.yaml against, from the params' one declaration.

python scripts/params_schema.py --write    # regenerate params.schema.json
python scripts/params_schema.py --check    # exit 1 if it is stale (the test suite runs this)
"""

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_FILE = ROOT / "params.schema.json"


def main(argv=None) -> int:
    sys.path.insert(0, str(ROOT))
    from fashion.core.params.json_schema import params_json_schema

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true", help="write params.schema.json")
    mode.add_argument("--check", action="store_true", help="exit 1 unless params.schema.json is current")
    arguments = parser.parse_args(argv)
    text = json.dumps(params_json_schema(), indent=2) + "\n"
    if arguments.write:
        SCHEMA_FILE.write_text(text)
    elif not SCHEMA_FILE.exists() or SCHEMA_FILE.read_text() != text:
        print("params.schema.json is stale: run `python scripts/params_schema.py --write`.")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
