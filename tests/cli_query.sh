#!/usr/bin/env bash
# `rerun query` end to end on a recording written by examples/scalars_plot:
# the table (columns, one row per step, static styles on every row), CSV and
# JSON with a contents filter, a selection and a range, latest-at fill, static
# only, an Arrow IPC stream that `rerun arrow to-json` reads back with every
# row, the recording read from standard input ("-": a pipe from the example's
# --stdout, and a file redirected in) with the same answers as from the file,
# and the error contract (one line on stderr; exit 1, usage errors 2).
set -u

BUILD="${RR_BUILD_DIR:?RR_BUILD_DIR not set}"
RERUN="$BUILD/rerun"
EX="$BUILD/examples/scalars_plot"
for exe in "$RERUN" "$EX"; do
    if [ ! -x "$exe" ]; then
        echo "cli_query: FAIL: $exe not built"
        exit 1
    fi
done

NAME=cli_query
# shellcheck source=lib/cli_check.sh
. "$(dirname "$0")/lib/cli_check.sh"

run example 0 "$EX" --save "$TMP/sp.rrd" --recording-id q-test || exit 1

# ---- table ----
run table 0 "$RERUN" query "$TMP/sp.rrd" --index step
T="$TMP/table.out"
head -1 "$T" | grep -q "step  */trig/cos:Scalars:scalars  */trig/cos:SeriesLines:colors" ||
    fail "table: header: $(head -1 "$T")"
rows=$(($(wc -l <"$T") - 1))
[ "$rows" = 1256 ] || fail "table: $rows rows, expected 1256"
# every row has the static name of each series
n=$(grep -c '\["sin(0.01t)"\]' "$T")
[ "$n" = 1256 ] || fail "table: static name on $n rows"

# ---- csv: filter, range ----
run csv 0 "$RERUN" query "$TMP/sp.rrd" --index step --contents "+ /trig/** - /trig/cos" --range 10..12 --format csv
C="$TMP/csv.out"
[ "$(wc -l <"$C")" = 4 ] || fail "csv: $(wc -l <"$C") lines, expected 4"
head -1 "$C" | grep -q "cos" && fail "csv: the excluded entity is there: $(head -1 "$C")"
sed -n 2p "$C" | grep -q ",10,\[0.09983341664682815\]," || fail "csv: row of step 10: $(sed -n 2p "$C")"

# ---- json: selection ----
run json 0 "$RERUN" query "$TMP/sp.rrd" --index step --range ..1 --select step,/trig/sin:Scalars:scalars --format json
J="$TMP/json.out"
grep -q '{"step": 0, "/trig/sin:Scalars:scalars": \[0\]}' "$J" || fail "json: row 0: $(cat "$J")"
grep -q '{"step": 1, "/trig/sin:Scalars:scalars": \[0.009999833334166664\]}' "$J" || fail "json: row 1: $(cat "$J")"
[ "$(grep -c step "$J")" = 2 ] || fail "json: rows: $(cat "$J")"

# ---- fill: a filter value between data rows fills from the row before ----
run nofill 0 "$RERUN" query "$TMP/sp.rrd" --index step --components Scalars:scalars --range 5..5 --format csv
run fill 0 "$RERUN" query "$TMP/sp.rrd" --index step --components Scalars:scalars --range 5..5 --fill --format csv
head -1 "$TMP/fill.out" | grep -q "SeriesLines" && fail "components: styles not filtered out: $(head -1 "$TMP/fill.out")"
[ "$(wc -l <"$TMP/fill.out")" = 2 ] || fail "fill: $(cat "$TMP/fill.out")"

# ---- static only ----
run static 0 "$RERUN" query "$TMP/sp.rrd" --static --format json
grep -q '"/trig/cos:SeriesLines:names": \["cos(0.01t)"\]' "$TMP/static.out" || fail "static: $(cat "$TMP/static.out")"
grep -q '"step": null' "$TMP/static.out" || fail "static: step not null: $(cat "$TMP/static.out")"

# ---- arrow stream, read back ----
run arrow 0 "$RERUN" query "$TMP/sp.rrd" --index step --format arrow -o "$TMP/out.arrows"
run tojson 0 "$RERUN" arrow to-json "$TMP/out.arrows"
n=$(grep -o '"count": [0-9]*' "$TMP/tojson.out" | awk '{s += $2} END {print s}')
# batches' counts plus each column's count: the batches alone sum to the rows
grep -q '"name": "/trig/sin:Scalars:scalars"' "$TMP/tojson.out" || fail "arrow: no sin column"
grep -q '"key": "rerun:entity_path"' "$TMP/tojson.out" || fail "arrow: no entity path metadata"
[ -n "$n" ] && [ "$n" -gt 1256 ] || fail "arrow: counts sum $n"
run arrow-stdout 0 "$RERUN" query "$TMP/sp.rrd" --index step --format arrow
cmp -s "$TMP/arrow-stdout.out" "$TMP/out.arrows" || fail "arrow: stdout and -o differ"

# ---- standard input: a pipe and a redirected file answer as the file does ----
for fmt in csv json; do
    run "file-$fmt" 0 "$RERUN" query "$TMP/sp.rrd" --index step --fill --format "$fmt"
    run "redirect-$fmt" 0 sh -c '"$1" query - --index step --fill --format "$2" <"$3"' sh "$RERUN" "$fmt" "$TMP/sp.rrd"
    cmp -s "$TMP/file-$fmt.out" "$TMP/redirect-$fmt.out" || fail "stdin ($fmt): a redirected file answers differently from the file"
done
# the example writes a new recording (new row ids, wall-clock log times):
# compare the step and the values
SEL="step,/trig/sin:Scalars:scalars,/trig/cos:Scalars:scalars"
run pipe 0 sh -c '"$1" --stdout --recording-id q-test | "$2" query - --index step --select "$3" --format csv' sh "$EX" "$RERUN" "$SEL"
[ "$(wc -l <"$TMP/pipe.out")" = 1257 ] || fail "pipe: $(wc -l <"$TMP/pipe.out") lines, expected 1257"
run csv-sel 0 "$RERUN" query "$TMP/sp.rrd" --index step --select "$SEL" --format csv
cmp -s "$TMP/pipe.out" "$TMP/csv-sel.out" || fail "pipe: differs from the file's table: $(diff "$TMP/pipe.out" "$TMP/csv-sel.out" | head -5)"
# a file and stdin together merge into one recording (duplicate chunks ignored)
run csv-all 0 "$RERUN" query "$TMP/sp.rrd" --index step --format csv
run file-and-stdin 0 sh -c '"$1" query "$2" - --index step --format csv <"$2"' sh "$RERUN" "$TMP/sp.rrd"
cmp -s "$TMP/file-and-stdin.out" "$TMP/csv-all.out" || fail "file + stdin: duplicates not merged"
printf 'not an rrd' >"$TMP/bad-stdin.rrd"
run bad-stdin 1 sh -c '"$1" query - --index step <"$2"' sh "$RERUN" "$TMP/bad-stdin.rrd" && one_line bad-stdin
grep -q "stdin" "$TMP/bad-stdin.err" || fail "bad-stdin: input not named: $(cat "$TMP/bad-stdin.err")"

# ---- errors ----
run no-timeline 1 "$RERUN" query "$TMP/sp.rrd" --index nope && one_line no-timeline
grep -q "no such timeline" "$TMP/no-timeline.err" || fail "no-timeline: $(cat "$TMP/no-timeline.err")"
run missing 1 "$RERUN" query "$TMP/none.rrd" --index step && one_line missing
grep -q "none.rrd" "$TMP/missing.err" || fail "missing: file not named: $(cat "$TMP/missing.err")"
printf 'not an rrd' >"$TMP/bad.rrd"
run bad 1 "$RERUN" query "$TMP/bad.rrd" --index step && one_line bad
grep -q "bad.rrd" "$TMP/bad.err" || fail "bad: file not named: $(cat "$TMP/bad.err")"
run no-index 2 "$RERUN" query "$TMP/sp.rrd" && one_line no-index
run no-file 2 "$RERUN" query --index step && one_line no-file
run bad-filter 2 "$RERUN" query "$TMP/sp.rrd" --index step --contents "+ /a:b" && one_line bad-filter
grep -q "rule '+ /a:b' at byte 0" "$TMP/bad-filter.err" || fail "bad-filter: $(cat "$TMP/bad-filter.err")"
run bad-range 2 "$RERUN" query "$TMP/sp.rrd" --index step --range 5..x && one_line bad-range
run bad-format 2 "$RERUN" query "$TMP/sp.rrd" --index step --format xml && one_line bad-format
run bad-option 2 "$RERUN" query "$TMP/sp.rrd" --index step --frobnicate && one_line bad-option
run bad-out 1 "$RERUN" query "$TMP/sp.rrd" --index step -o "$TMP/no/such/dir/x" && one_line bad-out
run help 0 "$RERUN" query --help

finish
