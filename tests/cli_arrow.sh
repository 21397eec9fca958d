#!/usr/bin/env bash
# `rerun arrow` end to end on the Arrow gold files: to-json, from-json (stream
# and file, compressed), diff (equal, different, bad input), and the error
# contract: one line on stderr and a non-zero exit for bad files, exit 2 for
# usage errors. Skips (77) when the shared test data is absent.
set -u

RERUN="${RR_BUILD_DIR:?RR_BUILD_DIR not set}/rerun"
GOLD="${RR_TESTDATA:-}/arrow-ipc/1.0.0-littleendian"
if [ -z "${RR_TESTDATA:-}" ] || [ ! -d "$GOLD" ]; then
    echo "cli_arrow: SKIPPED: no Arrow gold files (RR_TESTDATA/arrow-ipc absent)"
    exit 77
fi
if [ ! -x "$RERUN" ]; then
    echo "cli_arrow: FAIL: $RERUN not built"
    exit 1
fi

NAME=cli_arrow
# shellcheck source=lib/cli_check.sh
. "$(dirname "$0")/lib/cli_check.sh"

for name in generated_primitive generated_nested_dictionary generated_union generated_decimal256; do
    src="$GOLD/$name.stream"
    run "$name.to-json" 0 "$RERUN" arrow to-json "$src" || continue
    cp "$TMP/$name.to-json.out" "$TMP/$name.json"
    [ -s "$TMP/$name.json" ] || fail "$name: to-json printed nothing"
    run "$name.from-json-stream" 0 "$RERUN" arrow from-json "$TMP/$name.json" -o "$TMP/$name.stream"
    run "$name.from-json-file" 0 "$RERUN" arrow from-json "$TMP/$name.json" -o "$TMP/$name.arrow" \
        --file --compression lz4
    run "$name.from-json-gz" 0 "$RERUN" arrow from-json "$GOLD/$name.json.gz" -o "$TMP/$name.z.stream" \
        --compression zstd
    [ "$(head -c 6 "$TMP/$name.arrow")" = "ARROW1" ] || fail "$name: --file output lacks the ARROW1 magic"
    run "$name.diff-stream" 0 "$RERUN" arrow diff "$src" "$TMP/$name.stream"
    run "$name.diff-file" 0 "$RERUN" arrow diff "$src" "$TMP/$name.arrow"
    run "$name.diff-gz" 0 "$RERUN" arrow diff "$GOLD/$name.arrow_file" "$TMP/$name.z.stream"
    run "$name.diff-json" 0 "$RERUN" arrow diff "$GOLD/$name.json.gz" "$TMP/$name.json"
done

# Two different gold files: exit 1 and a message saying where.
if run diff-different 1 "$RERUN" arrow diff "$GOLD/generated_primitive.stream" "$GOLD/generated_nested.stream"; then
    grep -q "differ" "$TMP/diff-different.out" || fail "diff-different: no message on stdout"
fi
# The same data under two codecs is equal; the same schema with other data is not.
if [ -f "${RR_TESTDATA}/arrow-ipc/2.0.0-compression/generated_lz4.stream" ]; then
    run diff-lz4-zstd 0 "$RERUN" arrow diff "${RR_TESTDATA}/arrow-ipc/2.0.0-compression/generated_lz4.stream" \
        "${RR_TESTDATA}/arrow-ipc/2.0.0-compression/generated_zstd.stream"
fi

sed 's/"DATA": \[-2147483648/"DATA": [-2147483647/' "$TMP/generated_union.json" >"$TMP/changed.json"
if ! cmp -s "$TMP/changed.json" "$TMP/generated_union.json"; then
    run diff-data 1 "$RERUN" arrow diff "$TMP/generated_union.json" "$TMP/changed.json" &&
        { grep -q "batch" "$TMP/diff-data.out" || fail "diff-data: message does not name the batch"; }
fi

# Bad input: a truncated stream, a garbage file, a truncated and a garbage JSON.
head -c 200 "$GOLD/generated_primitive.stream" >"$TMP/truncated.stream"
head -c 4096 /dev/urandom >"$TMP/garbage.bin"
printf '\x00\x01garbage' >>"$TMP/garbage.bin"
head -c 2000 "$TMP/generated_primitive.json" >"$TMP/truncated.json"
printf '{"schema": {"fields": 7}, "batches": []}' >"$TMP/bad-schema.json"
for f in truncated.stream garbage.bin; do
    run "to-json-$f" 1 "$RERUN" arrow to-json "$TMP/$f" && one_line "to-json-$f"
    grep -q "$f" "$TMP/to-json-$f.err" || fail "to-json-$f: error does not name the file"
    run "diff-$f" 2 "$RERUN" arrow diff "$TMP/$f" "$GOLD/generated_primitive.stream" && one_line "diff-$f"
done
for f in truncated.json bad-schema.json garbage.bin; do
    run "from-json-$f" 1 "$RERUN" arrow from-json "$TMP/$f" -o "$TMP/out.stream" && one_line "from-json-$f"
    grep -q "$f" "$TMP/from-json-$f.err" || fail "from-json-$f: error does not name the file"
done
run missing-file 1 "$RERUN" arrow to-json "$TMP/does-not-exist" && one_line missing-file

# Usage errors exit 2.
run usage-none 2 "$RERUN" arrow
run usage-to-json 2 "$RERUN" arrow to-json && one_line usage-to-json
run usage-from-json-no-out 2 "$RERUN" arrow from-json "$TMP/generated_primitive.json" && one_line usage-from-json-no-out
run usage-from-json-no-in 2 "$RERUN" arrow from-json -o "$TMP/x.stream"
run usage-compression 2 "$RERUN" arrow from-json "$TMP/generated_primitive.json" -o "$TMP/x" --compression gzip
run usage-diff 2 "$RERUN" arrow diff "$GOLD/generated_primitive.stream"
run usage-sub 2 "$RERUN" arrow frobnicate
run help 0 "$RERUN" arrow --help

finish
