#!/usr/bin/env bash
# `rerun rrd` end to end on recordings written by examples/rrd_demo: print
# (entities, timelines, ranges), stats, verify; damaged files (truncated, a
# bit flip and an absurd length in a chunk in the middle, wrong magic) fail
# verify with the offset while print still shows the chunks before the
# damage; merge keeps both stores and every row; compact makes fewer chunks
# with the same rows and data; concatenated recordings read from stdin; the
# error contract (one line on stderr, exit 1; usage errors exit 2).
set -u

BUILD="${RR_BUILD_DIR:?RR_BUILD_DIR not set}"
RERUN="$BUILD/rerun"
DEMO="$BUILD/examples/rrd_demo"
for exe in "$RERUN" "$DEMO"; do
    if [ ! -x "$exe" ]; then
        echo "cli_rrd: FAIL: $exe not built"
        exit 1
    fi
done

NAME=cli_rrd
# shellcheck source=lib/cli_check.sh
. "$(dirname "$0")/lib/cli_check.sh"

# field FILE KEY : the values of KEY=... on the lines of FILE
field() { grep -o " $2=[^ ]*" "$1" | cut -d= -f2-; }

# ---- the demo recording ----
run demo 0 "$DEMO" "$TMP/a.rrd" --recording-id rec-a || exit 1
[ -s "$TMP/demo.out" ] && fail "demo: wrote to stdout: $(head -c 200 "$TMP/demo.out")"
run demo-b 0 "$DEMO" "$TMP/b.rrd" || exit 1
run demo-usage 1 "$DEMO"

run print 0 "$RERUN" rrd print "$TMP/a.rrd"
P="$TMP/print.out"
grep -q "^store 1: recording application_id=rerun_c_demo recording_id=rec-a source=\"C SDK\" version=0.33.0$" "$P" ||
    fail "print: no store line with the demo's ids: $(grep store "$P")"
for e in /world /readme /world/points /plots/sine /plots/cosine /logs; do
    grep -q "^  chunk $e store=1 " "$P" || fail "print: no chunk of $e"
done
grep -q "^  chunk /world store=1 rows=1 static components=ViewCoordinates:xyz " "$P" ||
    fail "print: /world is not a static ViewCoordinates chunk"
grep -q "^  chunk /readme store=1 rows=1 static " "$P" || fail "print: /readme is not static"
# Frames 0..99 over the point chunks: the first starts at #0, the last ends at #99.
frames=$(grep "^  chunk /world/points " "$P" | field /dev/stdin frame)
[ "$(echo "$frames" | head -1 | cut -d. -f1)" = "#0" ] || fail "print: points do not start at frame #0: $frames"
[ "$(echo "$frames" | tail -1 | sed 's/.*\.\.//')" = "#99" ] || fail "print: points do not end at frame #99: $frames"
pts_rows=$(grep "^  chunk /world/points " "$P" | field /dev/stdin rows | awk '{ s += $1 } END { print s }')
[ "$pts_rows" = 100 ] || fail "print: /world/points has $pts_rows rows, expected 100"
grep "^  chunk /plots/sine " "$P" | grep -qE " log_time=20[0-9-]+T[0-9:.]+Z\.\.20[0-9-]+T[0-9:.]+Z " ||
    fail "print: /plots/sine has no timestamp range on log_time"
grep "^  chunk /world/points " "$P" | grep -q "components=Points3D:colors,Points3D:positions,Points3D:radii " ||
    fail "print: points lack their component columns"
grep "^  chunk /logs " "$P" | grep -q "components=TextLog:level,TextLog:text " || fail "print: no TextLog columns"
n_chunks=$(grep -c "^  chunk " "$P")
[ "$n_chunks" = 21 ] || fail "print: $n_chunks chunks, expected 21"

run print-v 0 "$RERUN" rrd print -v "$TMP/a.rrd"
grep -q '^    row /world [0-9A-Fa-f]\{32\} ViewCoordinates:xyz=\[\[3, 5, 1\]\]$' "$TMP/print-v.out" ||
    fail "print -v: no ViewCoordinates row"
grep -q '^    row /logs .* TextLog:level=\["ERROR"\] TextLog:text=\["step 6 of 8: the sine went negative"\]$' \
    "$TMP/print-v.out" || fail "print -v: no TextLog row"
grep -q '^    row /plots/sine .* log_time=.* Scalars:scalars=\[0\]$' "$TMP/print-v.out" ||
    fail "print -v: the first sine sample is not 0"
[ "$(grep -c '^    row ' "$TMP/print-v.out")" = 510 ] || fail "print -v: expected 510 row lines"

run stats 0 "$RERUN" rrd stats "$TMP/a.rrd"
grep -q "^  messages=22 chunks=21 rows=510 " "$TMP/stats.out" || fail "stats: counts: $(cat "$TMP/stats.out")"
grep -q "^  entity /world/points chunks=10 rows=100 " "$TMP/stats.out" || fail "stats: no /world/points totals"
# The chunk store holds every row, in fewer chunks once compacted.
store_line=$(grep "^  in a chunk store: " "$TMP/stats.out")
case "$store_line" in
*" rows=510 "*) ;;
*) fail "stats: chunk store line: $store_line" ;;
esac
store_chunks=$(echo "$store_line" | sed -n 's/.* chunks=\([0-9]*\) .*/\1/p')
[ -n "$store_chunks" ] && [ "$store_chunks" -lt 21 ] || fail "stats: the store did not compact: $store_line"
grep -q "^  entity /plots/sine chunks=4 rows=200 " "$TMP/stats.out" || fail "stats: no /plots/sine totals"
grep -q "^total: stores=1 messages=22 chunks=21 rows=510 file_bytes=$(stat -c %s "$TMP/a.rrd") " "$TMP/stats.out" ||
    fail "stats: total line: $(grep total "$TMP/stats.out")"
ratio=$(field "$TMP/stats.out" compression_ratio | tail -1)
awk -v r="$ratio" 'BEGIN { exit !(r > 1.0) }' || fail "stats: LZ4 gives no compression (ratio $ratio)"

run verify 0 "$RERUN" rrd verify "$TMP/a.rrd" "$TMP/b.rrd"
[ "$(grep -c ': ok (' "$TMP/verify.out")" = 2 ] || fail "verify: expected two ok lines: $(cat "$TMP/verify.out")"

# Uncompressed recordings verify too, at a ratio near 1.
run demo-raw 0 "$DEMO" "$TMP/raw.rrd" --no-compression &&
    run verify-raw 0 "$RERUN" rrd verify "$TMP/raw.rrd"

# ---- damaged files ----
size=$(stat -c %s "$TMP/a.rrd")
# The 11th chunk is in the middle; its frame header is at the printed offset.
mid=$(grep "^  chunk " "$P" | sed -n 11p | field /dev/stdin offset)
[ -n "$mid" ] || fail "print: no offsets"
grep "^  chunk " "$P" | head -10 >"$TMP/before-mid.txt"

# damaged NAME : verify fails with one line naming the file and an offset;
# print exits 1 and still shows (at least) the given chunks first.
damaged() {
    local name="$1" before="$2"
    run "verify-$name" 1 "$RERUN" rrd verify "$TMP/$name.rrd" && one_line "verify-$name"
    grep -q "$name.rrd: offset [0-9]\+: " "$TMP/verify-$name.err" ||
        fail "verify-$name: no file and offset in: $(cat "$TMP/verify-$name.err")"
    run "print-$name" 1 "$RERUN" rrd print "$TMP/$name.rrd" && one_line "print-$name"
    if [ -n "$before" ]; then
        local n
        n=$(wc -l <"$before")
        grep "^  chunk " "$TMP/print-$name.out" | head -"$n" | cmp -s - "$before" ||
            fail "print-$name: the chunks before the damage are not all shown"
    fi
}

head -c $((size / 2)) "$TMP/a.rrd" >"$TMP/truncated.rrd"
# The chunks that end before the cut: those whose successor starts before it.
grep "^  chunk " "$P" | awk -v lim=$((size / 2)) '{ line[NR] = $0; off[NR] = $NF; sub(/^offset=/, "", off[NR]) }
    END { for (i = 1; i < NR; i++) if (off[i + 1] + 0 <= lim) print line[i] }' >"$TMP/before-trunc.txt"
damaged truncated "$TMP/before-trunc.txt"
grep -q "input ends inside" "$TMP/verify-truncated.err" || fail "verify-truncated: $(cat "$TMP/verify-truncated.err")"

# A bit flipped in the protobuf body of the middle chunk (its first field tag).
python3 - "$TMP/a.rrd" "$TMP/flipped.rrd" "$mid" <<'EOF'
import sys
d = bytearray(open(sys.argv[1], 'rb').read())
d[int(sys.argv[3]) + 16] ^= 0x04
open(sys.argv[2], 'wb').write(d)
EOF
damaged flipped "$TMP/before-mid.txt"
grep -q "offset $mid: " "$TMP/verify-flipped.err" || fail "verify-flipped: does not name offset $mid: $(cat "$TMP/verify-flipped.err")"

# The middle chunk's length field made absurd (above the decoder's limit).
python3 - "$TMP/a.rrd" "$TMP/absurd.rrd" "$mid" <<'EOF'
import sys
d = bytearray(open(sys.argv[1], 'rb').read())
o = int(sys.argv[3]) + 8
d[o:o + 8] = (1 << 62).to_bytes(8, 'little')
open(sys.argv[2], 'wb').write(d)
EOF
damaged absurd "$TMP/before-mid.txt"
grep -q "offset $mid: " "$TMP/verify-absurd.err" || fail "verify-absurd: does not name offset $mid"

python3 - "$TMP/a.rrd" "$TMP/magic.rrd" <<'EOF'
import sys
d = bytearray(open(sys.argv[1], 'rb').read())
d[0:4] = b'RRF9'
open(sys.argv[2], 'wb').write(d)
EOF
damaged magic ""
grep -q "offset 0: " "$TMP/verify-magic.err" || fail "verify-magic: $(cat "$TMP/verify-magic.err")"

# The footer's checksum no longer matches its bytes (a byte of the RrdFooter flipped).
python3 - "$TMP/a.rrd" "$TMP/footer.rrd" <<'EOF'
import sys, struct
d = bytearray(open(sys.argv[1], 'rb').read())
start, length = struct.unpack_from('<QQ', d, len(d) - 32)
d[start + length // 2] ^= 0x10
open(sys.argv[2], 'wb').write(d)
EOF
grep "^  chunk " "$P" >"$TMP/all-chunks.txt"
damaged footer "$TMP/all-chunks.txt"

# Stats of a damaged file: figures of what decoded, and the fault.
run stats-truncated 1 "$RERUN" rrd stats "$TMP/truncated.rrd" && one_line stats-truncated
# A complete SetStoreInfo, then the first chunk cut: a store without entities.
head -c 1000 "$TMP/a.rrd" >"$TMP/head1000.rrd"
run stats-head1000 1 "$RERUN" rrd stats "$TMP/head1000.rrd" && one_line stats-head1000

# Random damage (seeded): every command ends with ok or one line naming the
# fault, never a crash or a sanitizer report.
python3 - "$TMP/a.rrd" "$TMP" <<'EOF'
import random, sys
d = open(sys.argv[1], 'rb').read()
rnd = random.Random(3)
for i in range(24):
    b = bytearray(d)
    for _ in range(rnd.choice([1, 1, 4, 32])):
        p = rnd.randrange(len(b))
        b[p] ^= 1 << rnd.randrange(8)
    if i % 5 == 4:
        b = b[:rnd.randrange(len(b))]
    open('%s/random%d.rrd' % (sys.argv[2], i), 'wb').write(b)
EOF
for i in $(seq 0 23); do
    f="$TMP/random$i.rrd"
    for cmd in "print -v" "stats" "verify" "compact -o $TMP/random-out.rrd --max-rows 30"; do
        # shellcheck disable=SC2086
        "$RERUN" rrd $cmd "$f" >"$TMP/random.out" 2>"$TMP/random.err"
        rc=$?
        if [ "$rc" != 0 ] && [ "$rc" != 1 ]; then
            fail "random$i: rrd $cmd: exit $rc: $(head -c 300 "$TMP/random.err")"
        elif grep -qE "Sanitizer|runtime error" "$TMP/random.err"; then
            fail "random$i: rrd $cmd: sanitizer report: $(head -c 600 "$TMP/random.err")"
        elif [ "$rc" = 1 ] && [ "$(wc -l <"$TMP/random.err")" != 1 ]; then
            fail "random$i: rrd $cmd: expected one line on stderr: $(head -c 300 "$TMP/random.err")"
        fi
    done
done

# ---- several files, stdin, concatenation ----
cat "$TMP/a.rrd" "$TMP/b.rrd" >"$TMP/ab.rrd"
run print-stdin 0 bash -c "cat '$TMP/a.rrd' '$TMP/b.rrd' | '$RERUN' rrd print -"
[ "$(grep -c '^  chunk ' "$TMP/print-stdin.out")" = 42 ] || fail "print -: expected 42 chunks from two concatenated recordings"
[ "$(grep -c '^store [12]: recording application_id=rerun_c_demo' "$TMP/print-stdin.out")" = 2 ] ||
    fail "print -: expected two stores"
run verify-concat 0 "$RERUN" rrd verify "$TMP/ab.rrd"
grep -q "2 streams, 2 stores, 42 chunks, 1020 rows, 2 footers checked" "$TMP/verify-concat.out" ||
    fail "verify-concat: $(cat "$TMP/verify-concat.out")"
run verify-stdin 0 bash -c "'$RERUN' rrd verify - <'$TMP/ab.rrd'"

# ---- merge ----
run merge 0 "$RERUN" rrd merge -o "$TMP/merged.rrd" "$TMP/a.rrd" "$TMP/b.rrd"
run verify-merged 0 "$RERUN" rrd verify "$TMP/merged.rrd"
grep -q "1 streams, 2 stores, 42 chunks, 1020 rows, 1 footers checked" "$TMP/verify-merged.out" ||
    fail "verify-merged: $(cat "$TMP/verify-merged.out")"
run print-merged 0 "$RERUN" rrd print -v "$TMP/merged.rrd"
[ "$(grep -c '^store [12]: recording application_id=rerun_c_demo .* source="C SDK"' "$TMP/print-merged.out")" = 2 ] ||
    fail "merge: expected both stores with their SetStoreInfo"
# Each store's SetStoreInfo comes before its first chunk.
awk '/^store / { split($2, s, ":"); seen[s[1]] = 1 } /^  chunk / { for (i = 1; i <= NF; i++) if ($i ~ /^store=/) { split($i, a, "="); if (!seen[a[2]]) bad = 1 } } END { exit bad }' \
    "$TMP/print-merged.out" || fail "merge: a chunk comes before its store's SetStoreInfo"
run print-v-ab 0 "$RERUN" rrd print -v "$TMP/ab.rrd"
grep '^    row ' "$TMP/print-v-ab.out" | sort >"$TMP/rows-ab.txt"
grep '^    row ' "$TMP/print-merged.out" | sort >"$TMP/rows-merged.txt"
[ "$(wc -l <"$TMP/rows-ab.txt")" = 1020 ] || fail "expected 1020 rows in a + b"
cmp -s "$TMP/rows-ab.txt" "$TMP/rows-merged.txt" || fail "merge: rows differ from the inputs'"
run merge-stdout 0 bash -c "'$RERUN' rrd merge -o - '$TMP/a.rrd' '$TMP/b.rrd' | '$RERUN' rrd verify -"

# ---- compact ----
run compact 0 "$RERUN" rrd compact -o "$TMP/compact.rrd" "$TMP/merged.rrd"
run verify-compact 0 "$RERUN" rrd verify "$TMP/compact.rrd"
run print-compact 0 "$RERUN" rrd print -v "$TMP/compact.rrd"
n_compact=$(grep -c '^  chunk ' "$TMP/print-compact.out")
[ "$n_compact" -lt 42 ] || fail "compact: $n_compact chunks, expected fewer than 42"
grep '^    row ' "$TMP/print-compact.out" | sort >"$TMP/rows-compact.txt"
cmp -s "$TMP/rows-ab.txt" "$TMP/rows-compact.txt" || fail "compact: rows or data differ from the input's"
grep -q "^  chunk /plots/sine store=1 rows=200 " "$TMP/print-compact.out" ||
    fail "compact: the four sine chunks of store 1 were not merged into one"
run stats-compact 0 "$RERUN" rrd stats "$TMP/compact.rrd"
grep -q "^total: stores=2 messages=$((n_compact + 2)) chunks=$n_compact rows=1020 " "$TMP/stats-compact.out" ||
    fail "stats-compact: $(grep total "$TMP/stats-compact.out")"
# Thresholds: at most 20 rows per chunk.
run compact-20 0 "$RERUN" rrd compact -o "$TMP/compact20.rrd" --max-rows 20 "$TMP/a.rrd"
run print-compact-20 0 "$RERUN" rrd print -v "$TMP/compact20.rrd"
max_rows=$(grep '^  chunk ' "$TMP/print-compact-20.out" | field /dev/stdin rows | sort -n | tail -1)
[ "$max_rows" -le 50 ] || fail "compact --max-rows 20: a chunk of $max_rows rows"
[ "$(grep '^  chunk /world/points ' "$TMP/print-compact-20.out" | field /dev/stdin rows | sort -u)" = 20 ] ||
    fail "compact --max-rows 20: points not in chunks of 20 rows"
grep '^    row ' "$TMP/print-v.out" | sort >"$TMP/rows-a.txt"
grep '^    row ' "$TMP/print-compact-20.out" | sort | cmp -s - "$TMP/rows-a.txt" ||
    fail "compact --max-rows 20: rows differ"
run compact-bytes 0 "$RERUN" rrd compact -o "$TMP/compact-b.rrd" --max-bytes 1 --no-compression "$TMP/a.rrd"
run print-compact-bytes 0 "$RERUN" rrd print "$TMP/compact-b.rrd"
[ "$(grep -c '^  chunk ' "$TMP/print-compact-bytes.out")" = 21 ] || fail "compact --max-bytes 1: chunks were merged"

# A damaged input leaves no output behind.
run compact-damaged 1 "$RERUN" rrd compact -o "$TMP/out-damaged.rrd" "$TMP/flipped.rrd" && one_line compact-damaged
[ -e "$TMP/out-damaged.rrd" ] && fail "compact-damaged: left a partial output"

# ---- errors and usage ----
run missing 1 "$RERUN" rrd verify "$TMP/does-not-exist.rrd" && one_line missing
grep -q "does-not-exist.rrd" "$TMP/missing.err" || fail "missing: error does not name the file"
run verify-some-bad 1 "$RERUN" rrd verify "$TMP/a.rrd" "$TMP/truncated.rrd"
grep -q "a.rrd: ok" "$TMP/verify-some-bad.out" || fail "verify-some-bad: the good file was not reported ok"
run usage-none 2 "$RERUN" rrd
run usage-sub 2 "$RERUN" rrd frobnicate && one_line usage-sub
run usage-print 2 "$RERUN" rrd print && one_line usage-print
run usage-print-opt 2 "$RERUN" rrd print -x "$TMP/a.rrd" && one_line usage-print-opt
run usage-merge-no-out 2 "$RERUN" rrd merge "$TMP/a.rrd" && one_line usage-merge-no-out
run usage-merge-same 2 "$RERUN" rrd merge -o "$TMP/a.rrd" "$TMP/a.rrd" && one_line usage-merge-same
run usage-compact-two 2 "$RERUN" rrd compact -o "$TMP/x.rrd" "$TMP/a.rrd" "$TMP/b.rrd"
run usage-compact-rows 2 "$RERUN" rrd compact -o "$TMP/x.rrd" --max-rows -3 "$TMP/a.rrd"
run help 0 "$RERUN" rrd --help

finish
