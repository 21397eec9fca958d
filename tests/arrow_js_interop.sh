#!/usr/bin/env bash
# Interop with a second Arrow implementation (npm apache-arrow, tests/js):
#  1. for every gold file, our writer's re-encoding of its JSON (`rerun arrow
#     from-json`, uncompressed, LZ4 and ZSTD) reads in apache-arrow to the same
#     data as the gold stream;
#  2. apache-arrow's own re-encoding of the gold stream reads in rerun-c to
#     the data of the gold JSON (`rerun arrow diff`).
# apache-arrow 21.2.0 re-encodes uncompressed only: its writer puts the
# compressed length where the format wants the uncompressed one (the
# `byteLength` prefix in src/ipc/writer.ts, _compressBodyBuffers), so its
# compressed output is invalid and we rightly reject it.
# Gold files that apache-arrow cannot re-encode faithfully are listed in
# JS_REWRITE_UNSUPPORTED with the reason; everything else must pass.
set -uo pipefail
src=${RR_SOURCE_DIR:?}
bin=${RR_BUILD_DIR:?}/rerun
data=${RR_TESTDATA:-$src/../shared/testdata}
if [ ! -d "$data/arrow-ipc" ]; then
  echo "SKIP: test data not found at $data/arrow-ipc (../shared/testdata is absent)"
  exit 77
fi
if [ ! -d "$src/tests/js/node_modules/apache-arrow" ]; then
  echo "FAIL: tests/js/node_modules missing: run scripts/install-deps"
  exit 1
fi
check="node $src/tests/js/arrow_check.mjs"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# name -> why apache-arrow (JS) cannot re-encode that file faithfully.
dup="apache-arrow keys a table's columns by name: columns sharing a name collapse when it re-encodes"
declare -A JS_REWRITE_UNSUPPORTED=(
  [generated_duplicate_fieldnames]=$dup
  [generated_union]="$dup (the schema repeats 'sparse' and 'dense')"
  [generated_map_non_canonical]="apache-arrow renames map entries to entries/key/value when it re-encodes"
)

pass=0 fail=0 skip=0
for json in "$data"/arrow-ipc/*/generated_*.json.gz; do
  name=$(basename "$json" .json.gz)
  gold=${json%.json.gz}.stream
  ok=1
  for comp in none lz4 zstd; do
    ours=$tmp/$name.ours-$comp.stream
    if ! "$bin" arrow from-json "$json" -o "$ours" --compression $comp 2>"$tmp/err"; then
      echo "FAIL $name: from-json --compression $comp: $(cat "$tmp/err")"; ok=0
    elif ! $check same "$ours" "$gold" >/dev/null 2>"$tmp/err"; then
      echo "FAIL $name: apache-arrow reading our $comp stream: $(cat "$tmp/err")"; ok=0
    fi
  done
  if [ -n "${JS_REWRITE_UNSUPPORTED[$name]:-}" ]; then
    echo "skip re-encoding $name by apache-arrow: ${JS_REWRITE_UNSUPPORTED[$name]}"
    skip=$((skip + 1))
  elif ! $check rewrite "$gold" "$tmp/$name.js.stream" 2>"$tmp/err"; then
    echo "FAIL $name: apache-arrow rewriting the gold stream: $(cat "$tmp/err")"; ok=0
  elif ! "$bin" arrow diff "$tmp/$name.js.stream" "$json" >"$tmp/out" 2>&1; then
    echo "FAIL $name: rerun-c reading apache-arrow's stream: $(head -c 300 "$tmp/out")"; ok=0
  fi
  if [ $ok = 1 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
done
echo "arrow-js interop: $pass files passed, $fail failed ($skip re-encodings by apache-arrow skipped)"
[ "$fail" = 0 ]
