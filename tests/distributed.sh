#!/usr/bin/env bash
# A distributed recording (examples/distributed): two processes, running at
# the same time, log with the same --recording-id into two files, different
# entities on the same `step` timeline. Each file holds one store with that
# recording id; `rerun rrd print a.rrd b.rrd` shows the same id for both;
# `rerun rrd merge` of the two gives ONE store holding both processes'
# chunks (every row of each), which verify accepts. A third process with
# another id stays a separate store when merged.
set -u

BUILD="$(cd "${RR_BUILD_DIR:?RR_BUILD_DIR not set}" && pwd)"
RERUN="$BUILD/rerun"
EX="$BUILD/examples/distributed"
for exe in "$RERUN" "$EX"; do
    if [ ! -x "$exe" ]; then
        echo "distributed: FAIL: $exe not built"
        exit 1
    fi
done
NAME=distributed
# shellcheck source=lib/cli_check.sh
. "$(dirname "$0")/lib/cli_check.sh"

RID=rec_distributed_test_42
# Both workers at once, as two separate processes.
"$EX" --worker alpha --recording-id "$RID" --save "$TMP/a.rrd" >"$TMP/a.out" 2>"$TMP/a.err" &
pid_a=$!
"$EX" --worker beta --recording-id "$RID" --save "$TMP/b.rrd" >"$TMP/b.out" 2>"$TMP/b.err" &
pid_b=$!
wait "$pid_a" || fail "worker alpha: exit $?: $(head -c 300 "$TMP/a.err")"
wait "$pid_b" || fail "worker beta: exit $?: $(head -c 300 "$TMP/b.err")"
grep -qE "Sanitizer|runtime error" "$TMP/a.err" "$TMP/b.err" && fail "sanitizer report in a worker"
[ "$failures" = 0 ] || finish

run verify 0 "$RERUN" rrd verify "$TMP/a.rrd" "$TMP/b.rrd"

# Each file: one store, the shared id, its own entities only.
run print-ab 0 "$RERUN" rrd print "$TMP/a.rrd" "$TMP/b.rrd"
P="$TMP/print-ab.out"
ids=$(grep -o "^store [0-9]*: recording [^ ]* recording_id=[^ ]*" "$P" | sed 's/.*recording_id=//' | sort -u)
n_store_lines=$(grep -c "^store " "$P")
[ "$n_store_lines" = 2 ] || fail "print a b: $n_store_lines store lines, expected one per file"
[ "$ids" = "$RID" ] || fail "print a b: recording ids '$ids', expected only $RID"
grep -q "^store .* application_id=rerun_example_distributed " "$P" || fail "print a b: wrong application id"
run print-a 0 "$RERUN" rrd print "$TMP/a.rrd"
grep -q "^  chunk /alpha/signal " "$TMP/print-a.out" || fail "a.rrd: no /alpha/signal"
grep -q "^  chunk /beta/" "$TMP/print-a.out" && fail "a.rrd holds beta's entities"

# Merged: one store, both workers' chunks, all rows, both on `step` 0..99.
run merge 0 "$RERUN" rrd merge -o "$TMP/m.rrd" "$TMP/a.rrd" "$TMP/b.rrd" || finish
run verify-m 0 "$RERUN" rrd verify "$TMP/m.rrd"
run print-m 0 "$RERUN" rrd print "$TMP/m.rrd"
M="$TMP/print-m.out"
n_stores=$(grep -c "^store " "$M")
[ "$n_stores" = 1 ] || fail "merged: $n_stores stores, expected 1: $(grep '^store' "$M")"
grep -q "^store 1: recording application_id=rerun_example_distributed recording_id=$RID " "$M" ||
    fail "merged: no store line with recording_id=$RID: $(grep '^store' "$M")"
grep "^  chunk " "$M" | grep -qv " store=1 " && fail "merged: a chunk outside store 1"
for w in alpha beta; do
    rows=$(grep "^  chunk /$w/signal store=1 " "$M" | grep -o " rows=[0-9]*" | cut -d= -f2 | awk '{ s += $1 } END { print s + 0 }')
    [ "$rows" = 100 ] || fail "merged: /$w/signal has $rows rows, expected 100"
    grep "^  chunk /$w/signal " "$M" | grep -q " step=#" || fail "merged: /$w/signal not on the step timeline"
    grep -q "^  chunk /$w/log store=1 .*components=TextLog:level,TextLog:text" "$M" || fail "merged: no /$w/log TextLog"
done
rows_ab=$(grep -ho " rows=[0-9]*" "$TMP/print-a.out" <("$RERUN" rrd print "$TMP/b.rrd") | cut -d= -f2 | awk '{ s += $1 } END { print s }')
rows_m=$(grep -o " rows=[0-9]*" "$M" | cut -d= -f2 | awk '{ s += $1 } END { print s }')
[ "$rows_m" = "$rows_ab" ] || fail "merged: $rows_m rows, the two files hold $rows_ab"
run verbose-m 0 "$RERUN" rrd print -v "$TMP/m.rrd"
grep -q "Hello from alpha" "$TMP/verbose-m.out" || fail "merged: alpha's greeting is missing"
grep -q "Hello from beta" "$TMP/verbose-m.out" || fail "merged: beta's greeting is missing"

# Another recording id is another recording: merged, two stores.
run other 0 "$EX" --worker gamma --recording-id rec_other --save "$TMP/c.rrd"
run merge-c 0 "$RERUN" rrd merge -o "$TMP/mc.rrd" "$TMP/a.rrd" "$TMP/c.rrd"
run print-mc 0 "$RERUN" rrd print "$TMP/mc.rrd"
n=$(grep -c "^store " "$TMP/print-mc.out")
[ "$n" = 2 ] || fail "merge of two recording ids: $n stores, expected 2"

# Without --recording-id every run shares the example's fixed id.
run default-a 0 "$EX" --worker d1 --save "$TMP/d1.rrd"
run default-b 0 "$EX" --worker d2 --save "$TMP/d2.rrd"
run print-d 0 "$RERUN" rrd print "$TMP/d1.rrd" "$TMP/d2.rrd"
n=$(grep -o "recording_id=[^ ]*" "$TMP/print-d.out" | sort -u | wc -l)
[ "$n" = 1 ] || fail "two runs without --recording-id: $n different ids"

finish
