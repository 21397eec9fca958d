#!/usr/bin/env bash
# Issue 3: our reader reads files encoded by the OFFICIAL encoder and finds
# the same chunks. The official Rerun web viewer 0.33.0 re-encodes
# recordings written by rerun-c (its "Save recording…" command, driven by
# tests/js/viewer_oracle.mjs --save-dir: Ctrl+S, then the download the web
# viewer offers), which gives the official encoder's shape (INTEROP.md):
# LZ4-compressed messages, a store-source extra, an End frame, an RrdFooter
# with the manifest and the trailing RRF2FOOT stream footer. Then, with our
# own tools, per file:
#   - the official file has that shape (stream header compression byte 1 =
#     LZ4; "RRF2FOOT" in its last bytes), so the test really reads it;
#   - `rerun rrd verify` passes on it, footer included ("N footers checked",
#     N >= 1);
#   - `rerun rrd print` shows the same store lines (kind, application id,
#     recording id, source, version) as for our original;
#   - the same rows: the sorted `rerun rrd print -v` row lines (entity, row
#     id, times, component values) of original and re-encoded file are equal,
#     whatever the chunk boundaries (the viewer may re-chunk: chunk counts are
#     reported, not compared);
#   - the same answers (issue 5): `rerun query` of both files, on every index
#     timeline of the recording, with and without --fill, as CSV and as JSON
#     (and --static as JSON), prints byte-identical output. What "same" means
#     here: a dataframe row is one index value, and each of its cells is a
#     function of the set of rows (entity, row id, times, value), never of
#     how they are cut into chunks: the row with the greatest row id at that
#     value, or with --fill the latest-at row by (time, row id), static data
#     over both. Re-encoding keeps the row ids (the row-line check above), so
#     the viewer's re-chunking may change chunk ids, chunk counts and the
#     order of equal-time rows inside chunks, but not one byte of a query's
#     answer; and since the output has one row per index value, sorted by it,
#     there are no equal-time rows whose order could legitimately differ, so
#     nothing is sorted before comparing. (Row ids themselves are not in the
#     output; the row lines compare them.)
# Files: build/examples/rrd_demo (rrd_demo OUT.rrd; see viewer_oracle.sh for
# its contract) and the SDK examples points3d and scalars_plot, all re-encoded
# in one viewer session. Artifacts (originals, official files, diffs) under
# $RR_BUILD_DIR/artifacts/official_encoder/. Skips (77) only without node,
# Chromium or tests/js/node_modules.
set -uo pipefail
src=${RR_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
build=$(cd "${RR_BUILD_DIR:?RR_BUILD_DIR not set}" && pwd)
js=$src/tests/js
chromium=${RR_CHROMIUM:-/usr/bin/chromium}
rerun=$build/rerun
started=$(date +%s)

if ! command -v node >/dev/null 2>&1; then
  echo "SKIP: node is not installed (run scripts/install-deps)"; exit 77
fi
if [ ! -x "$chromium" ]; then
  echo "SKIP: no Chromium at $chromium (run scripts/install-deps: Debian package chromium)"; exit 77
fi
for pkg in @rerun-io/web-viewer playwright-core; do
  if [ ! -d "$js/node_modules/$pkg" ]; then
    echo "SKIP: tests/js/node_modules/$pkg is missing (run scripts/install-deps)"; exit 77
  fi
done

art=$build/artifacts/official_encoder
rm -rf "$art"
mkdir -p "$art/official"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0 # failures so far
failmsg() { echo "FAIL $*"; fail=$((fail + 1)); }

# --- our originals ------------------------------------------------------------
names=()
if [ -x "$build/examples/rrd_demo" ] && "$build/examples/rrd_demo" "$art/rrd_demo.rrd" >/dev/null 2>"$tmp/demo.err"; then
  names+=(rrd_demo)
else
  failmsg "rrd_demo: not built or failed: $(tail -n 2 "$tmp/demo.err" 2>/dev/null)"
fi
for ex in points3d scalars_plot; do
  if "$build/examples/$ex" --save "$art/$ex.rrd" --recording-id "official_encoder_$ex" >/dev/null 2>"$tmp/$ex.err"; then
    names+=("$ex")
  else
    failmsg "$ex: the example failed: $(tail -n 2 "$tmp/$ex.err")"
  fi
done
[ "${#names[@]}" -gt 0 ] || exit 1

declare -A rid
files=()
for n in "${names[@]}"; do
  if ! "$rerun" rrd print "$art/$n.rrd" >"$art/$n.print" 2>"$tmp/$n.perr"; then
    failmsg "$n: rerun rrd print of our own file: $(tail -n 1 "$tmp/$n.perr")"; continue
  fi
  rid[$n]=$(sed -n 's/^store [0-9]*: recording .* recording_id=\([^ ]*\) .*/\1/p' "$art/$n.print" | head -n 1)
  [ -n "${rid[$n]}" ] || { failmsg "$n: no recording store in our print"; continue; }
  files+=("$art/$n.rrd")
done

# --- the official encoder: one viewer session saves every recording -----------
if ! node "$js/viewer_oracle.mjs" "${files[@]}" --save-dir "$art/official" --timeout 240 \
    >"$art/viewer.json" 2>"$tmp/oracle.err"; then
  echo "FAIL viewer oracle: $(tail -n 1 "$tmp/oracle.err")"
  exit 1
fi
echo "viewer session: $(($(date +%s) - started)) s so far; phases (ms): $(node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(JSON.stringify(r.timing_ms) + "; saved: " + JSON.stringify(r.saved) + "; data_errors: " + JSON.stringify(r.data_errors));
' "$art/viewer.json")"

saved_path() { # RECORDING_ID -> the official file the viewer saved for it
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const s = (r.saved || {})[process.argv[2]];
    if (s) process.stdout.write(s.path);
  ' "$art/viewer.json" "$1"
}

# rows FILE: the sorted row lines of `rerun rrd print -v`.
rows() { "$rerun" rrd print -v "$1" 2>"$tmp/rows.err" | grep '^    row ' | LC_ALL=C sort; return "${PIPESTATUS[0]}"; }

for n in "${names[@]}"; do
  [ -n "${rid[$n]:-}" ] || continue
  off=$(saved_path "${rid[$n]}")
  if [ -z "$off" ] || [ ! -s "$off" ]; then failmsg "$n: the viewer saved nothing for ${rid[$n]}"; continue; fi
  cp "$off" "$art/official/$n.rrd" && off=$art/official/$n.rrd
  bad_before=$fail

  # The official shape, so that this test reads what it says it reads.
  hdr=$(head -c 12 "$off" | od -An -tx1 | tr -s ' ')
  case "$hdr" in
    " 52 52 46 32 "*) ;;
    *) failmsg "$n: the official file does not start with RRF2: $hdr" ;;
  esac
  [ "$(echo "$hdr" | awk '{ print $9 }')" = 01 ] || failmsg "$n: official stream header options byte is not 1 (LZ4): $hdr"
  tail -c 32 "$off" | grep -q RRF2FOOT || failmsg "$n: no RRF2FOOT stream footer at the end of the official file"

  # Our reader on it. (When it rejects the file, print and print -v fail
  # the same way: that is reported once, as verify's failure.)
  reader_error=""
  same_error() { [ -n "$reader_error" ] && [ "$(sed 's/^rerun: rrd [a-z]*: //' "$1" | tail -n 1)" = "$reader_error" ]; }
  if "$rerun" rrd verify "$off" >"$tmp/verify.out" 2>&1; then
    footers=$(grep -o '[0-9]* footers checked' "$tmp/verify.out" | awk '{ print $1 }')
    [ "${footers:-0}" -ge 1 ] || failmsg "$n: verify checked no footer: $(cat "$tmp/verify.out")"
    verify_line=$(cat "$tmp/verify.out")
  else
    failmsg "$n: rerun rrd verify rejects the official file: $(cat "$tmp/verify.out")"
    reader_error=$(sed 's/^rerun: rrd [a-z]*: //' "$tmp/verify.out" | tail -n 1)
    verify_line=""
  fi

  if "$rerun" rrd print "$off" >"$art/official/$n.print" 2>"$tmp/print.err"; then
    diff <(grep '^store ' "$art/$n.print") <(grep '^store ' "$art/official/$n.print") >"$art/$n.stores.diff" ||
      failmsg "$n: store lines differ (ours < > official): $(head -c 600 "$art/$n.stores.diff")"
    chunks_ours=$(grep -c '^  chunk ' "$art/$n.print")
    chunks_off=$(grep -c '^  chunk ' "$art/official/$n.print")
  else
    same_error "$tmp/print.err" || failmsg "$n: rerun rrd print rejects the official file: $(tail -n 1 "$tmp/print.err")"
    chunks_ours="?" chunks_off="?"
  fi

  rows "$art/$n.rrd" >"$art/$n.rows" || failmsg "$n: print -v of our own file: $(tail -n 1 "$tmp/rows.err")"
  if rows "$off" >"$art/official/$n.rows"; then
    if ! diff "$art/$n.rows" "$art/official/$n.rows" >"$art/$n.rows.diff"; then
      failmsg "$n: row lines differ ($(grep -c '^<' "$art/$n.rows.diff") only ours, $(grep -c '^>' "$art/$n.rows.diff") only official; first: $(head -n 3 "$art/$n.rows.diff" | cut -c1-300))"
    fi
  else
    same_error "$tmp/rows.err" || failmsg "$n: rerun rrd print -v rejects the official file: $(tail -n 1 "$tmp/rows.err")"
  fi

  # The same answers from `rerun query`, every timeline, fill or not, CSV and JSON.
  queries=0
  if [ -z "$reader_error" ]; then
    tls=$("$rerun" query "$art/$n.rrd" --recording-id "${rid[$n]}" --index "" 2>&1 |
      sed -n 's/.*(timelines: \(.*\))$/\1/p' | tr -d ',')
    [ -n "$tls" ] || failmsg "$n: no timelines found for rerun query"
    mkdir -p "$art/query/$n"
    for tl in $tls --static; do
      for fill in "" --fill; do
        for fmt in csv json; do
          if [ "$tl" = --static ]; then
            [ -z "$fill" ] && [ "$fmt" = json ] || continue
            args=(--static)
          else
            args=(--index "$tl")
          fi
          [ -n "$fill" ] && args+=("$fill")
          q="$art/query/$n/${tl#--}${fill:+.fill}.$fmt"
          if ! "$rerun" query "$art/$n.rrd" --recording-id "${rid[$n]}" "${args[@]}" --format "$fmt" >"$q.ours" 2>"$tmp/q.err"; then
            failmsg "$n: rerun query ${args[*]} --format $fmt of our file: $(tail -n 1 "$tmp/q.err")"; continue
          fi
          if ! "$rerun" query "$off" --recording-id "${rid[$n]}" "${args[@]}" --format "$fmt" >"$q.official" 2>"$tmp/q.err"; then
            failmsg "$n: rerun query ${args[*]} --format $fmt of the official file: $(tail -n 1 "$tmp/q.err")"; continue
          fi
          [ "$(wc -l <"$q.ours")" -ge 2 ] || failmsg "$n: rerun query ${args[*]} --format $fmt: no rows, nothing compared"
          if ! cmp -s "$q.ours" "$q.official"; then
            if diff <(LC_ALL=C sort "$q.ours") <(LC_ALL=C sort "$q.official") >/dev/null; then how="same lines in another order"; else how="different lines"; fi
            failmsg "$n: rerun query ${args[*]} --format $fmt answers differently ($how): $(diff "$q.ours" "$q.official" | head -n 3 | cut -c1-300)"
          fi
          queries=$((queries + 1))
        done
      done
    done
  fi

  if [ "$fail" = "$bad_before" ]; then
    echo "$n: ok: $(wc -l <"$art/$n.rows") rows identical; $queries query answers identical ($(echo $tls | wc -w) timelines);" \
      "chunks: ours $chunks_ours, official $chunks_off;" \
      "$(stat -c %s "$art/$n.rrd") -> $(stat -c %s "$off") bytes; $verify_line"
  fi
done

echo "official_encoder: $(($(date +%s) - started)) s in all; files in $art"
[ "$fail" = 0 ] || { echo "official_encoder: $fail check(s) failed"; exit 1; }
