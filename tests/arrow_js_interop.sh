#!/usr/bin/env bash
# Interop with a second Arrow implementation (npm apache-arrow, tests/js):
#  1. for every gold file, our writer's re-encoding of its JSON (`rerun arrow
#     from-json`) reads in apache-arrow to the same data as the gold stream;
#  2. apache-arrow's own re-encoding of the gold stream reads in rerun-c to
#     the data of the gold JSON (`rerun arrow diff`).
# Gold files whose types apache-arrow JS cannot read or write are listed in
# JS_UNSUPPORTED with the reason; everything else must pass.
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

# name -> why apache-arrow (JS) cannot take part for that file.
declare -A JS_UNSUPPORTED=(
)

pass=0 fail=0 skip=0
for json in "$data"/arrow-ipc/*/generated_*.json.gz; do
  name=$(basename "$json" .json.gz)
  gold=${json%.json.gz}.stream
  if [ -n "${JS_UNSUPPORTED[$name]:-}" ]; then
    echo "skip $name: ${JS_UNSUPPORTED[$name]}"
    skip=$((skip + 1))
    continue
  fi
  ok=1
  if ! "$bin" arrow from-json "$json" -o "$tmp/$name.ours.stream" 2>"$tmp/err"; then
    echo "FAIL $name: from-json: $(cat "$tmp/err")"; ok=0
  elif ! $check same "$tmp/$name.ours.stream" "$gold" >/dev/null 2>"$tmp/err"; then
    echo "FAIL $name: apache-arrow reading our stream: $(cat "$tmp/err")"; ok=0
  fi
  if ! $check rewrite "$gold" "$tmp/$name.js.stream" 2>"$tmp/err"; then
    echo "FAIL $name: apache-arrow rewriting the gold stream: $(cat "$tmp/err")"; ok=0
  elif ! "$bin" arrow diff "$tmp/$name.js.stream" "$json" >"$tmp/out" 2>&1; then
    echo "FAIL $name: rerun-c reading apache-arrow's stream: $(head -c 300 "$tmp/out")"; ok=0
  fi
  if [ $ok = 1 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
done
echo "arrow-js interop: $pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
