#!/usr/bin/env bash
# The committed generated archetype code (include/rerun_archetypes.h and
# src/sdk/generated/) is exactly what tools/typegen makes from types/:
# regenerate into a temporary directory and compare.
set -euo pipefail
src=${RR_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
build=${RR_BUILD_DIR:-$src/build}
gen=$build/tools/typegen
if [ ! -x "$gen" ]; then
    echo "typegen_fresh: $gen not built; skipping"
    exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The generator is a one-shot host tool that leaves its memory to the OS.
ASAN_OPTIONS=detect_leaks=0 "$gen" "$src" "$tmp"
status=0
diff -u "$src/include/rerun_archetypes.h" "$tmp/include/rerun_archetypes.h" || status=1
diff -ru "$src/src/sdk/generated" "$tmp/src/sdk/generated" || status=1
if [ $status -ne 0 ]; then
    echo "typegen_fresh: generated code is stale; run 'make generate' and commit" >&2
    exit 1
fi
echo "typegen_fresh: $(ls "$tmp/src/sdk/generated" | wc -l) generated files up to date"
