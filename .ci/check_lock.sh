#!/usr/bin/env bash
# The locks are current and installable everywhere the README claims, without installing anything:
# 1. requirements*.lock still satisfy requirements*.in (re-resolving with each lock as constraints
#    changes nothing), so an edit to an .in file without `make lock` fails here;
# 2. each lock resolves, hash-checked, to wheels for each platform given as an argument (uv's names).
#    antlr4-python3-runtime, which DVC's hydra-core needs, is published as source only; it is pure
#    Python and builds on every platform, so it alone may come from source.
set -euo pipefail
cd "$(dirname "$0")/.."
compile=(uv pip compile --quiet --universal --python-version 3.11 --generate-hashes --no-header)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

"${compile[@]}" requirements.in -c requirements.lock -o "$scratch/requirements.lock"
"${compile[@]}" requirements-dev.in -c requirements.lock -c requirements-dev.lock -o "$scratch/requirements-dev.lock"
for lock in requirements.lock requirements-dev.lock; do
  if ! diff -q <(grep -Ev '^ *#' "$lock") <(grep -Ev '^ *#' "$scratch/$lock") >/dev/null; then
    echo "$lock does not match ${lock%.lock}.in: run \`make lock\` and commit both." >&2
    diff <(grep -Ev '^ *#' "$lock") <(grep -Ev '^ *#' "$scratch/$lock") | head -20 >&2
    exit 1
  fi
done
echo "locks: match requirements.in and requirements-dev.in"

for platform in "$@"; do
  for lock in requirements.lock requirements-dev.lock; do
    summary=$(uv pip install --dry-run --python-platform "$platform" --python-version 3.11 \
      --only-binary :all: --no-binary antlr4-python3-runtime --require-hashes --no-deps \
      -r "$lock" --target "$scratch/$platform" 2>&1 | grep 'Would install') || {
      echo "$lock does not install on $platform:" >&2
      uv pip install --dry-run --python-platform "$platform" --python-version 3.11 \
        --only-binary :all: --no-binary antlr4-python3-runtime --require-hashes --no-deps \
        -r "$lock" --target "$scratch/$platform" 2>&1 | tail -5 >&2
      exit 1
    }
    echo "$lock on $platform: ${summary}"
  done
done
