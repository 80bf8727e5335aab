#!/usr/bin/env bash
# The locks are current and install everywhere the README claims, without installing anything:
# 1. each lock still satisfies its .in file: re-resolving it with the locks as constraints changes
#    nothing, so an edit to an .in file without `make lock` fails here;
# 2. each lock resolves, hash-checked, to wheels for each of its platforms (uv's platform names).
#    antlr4-python3-runtime, which DVC's hydra-core needs, is published as source only; it is pure
#    Python and builds anywhere, so it alone may come from source.
set -euo pipefail
cd "$(dirname "$0")/.."
EVERYWHERE="x86_64-unknown-linux-gnu aarch64-unknown-linux-gnu aarch64-apple-darwin x86_64-pc-windows-msvc"
declare -A PLATFORMS=(
  [requirements.lock]="$EVERYWHERE"
  [requirements-dev.lock]="$EVERYWHERE"
  [requirements-gpu.lock]="x86_64-unknown-linux-gnu"  # CUDA wheels exist for Linux x86_64 only
)
compile=(uv pip compile --quiet --universal --python-version 3.11 --generate-hashes --no-header)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
without_comments() { grep -Ev '^ *#' "$1"; }

for lock in requirements.lock requirements-dev.lock requirements-gpu.lock; do
  "${compile[@]}" "${lock%.lock}.in" -c requirements.lock -c "$lock" -o "$scratch/$lock"
  if ! diff -q <(without_comments "$lock") <(without_comments "$scratch/$lock") >/dev/null; then
    echo "$lock does not match ${lock%.lock}.in: run \`make lock\` and commit the locks." >&2
    diff <(without_comments "$lock") <(without_comments "$scratch/$lock") | head -20 >&2
    exit 1
  fi
done
echo "locks: each matches its .in file"

for lock in requirements.lock requirements-dev.lock requirements-gpu.lock; do
  for platform in ${PLATFORMS[$lock]}; do
    install=(uv pip install --dry-run --python-platform "$platform" --python-version 3.11 --only-binary :all:
             --no-binary antlr4-python3-runtime --require-hashes --no-deps -r "$lock" --target "$scratch/$platform")
    if ! output=$("${install[@]}" 2>&1); then
      echo "$lock does not install on $platform:" >&2
      echo "$output" | tail -5 >&2
      exit 1
    fi
    echo "$lock on $platform: $(echo "$output" | grep 'Would install')"
  done
done
