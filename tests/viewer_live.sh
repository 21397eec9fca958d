#!/usr/bin/env bash
# The official Rerun 0.33 web viewer (headless Chromium, tests/js/viewer_oracle.mjs)
# reads a live recording from our `rerun --serve-grpc`, streamed into it by a
# C example (build/examples/scalars_plot --connect URL):
#  1. before: the viewer connects to the empty server first, then the example
#     streams; the viewer's recording_open carries the example's ids and the
#     `step` range equals what the example's own .rrd gives (recording C,
#     opened by the viewer in block 2);
#  2. after: the example already streamed (recording B); a viewer connecting
#     now gets it from the server's history, and the file written by the
#     same example (--save, recording C) opened beside it gives the same range.
# Skips (77) when Chromium, node_modules or the example is absent.
set -uo pipefail
src=${RR_SOURCE_DIR:?}
build=${RR_BUILD_DIR:?}
js=$src/tests/js
rerun=${RR_RERUN:-$build/rerun}
example=$build/examples/scalars_plot
chromium=${RR_CHROMIUM:-/usr/bin/chromium}
command -v node >/dev/null || { echo "SKIP: node not installed"; exit 77; }
[ -x "$chromium" ] || { echo "SKIP: no Chromium at $chromium"; exit 77; }
[ -d "$js/node_modules/@rerun-io/web-viewer" ] || { echo "SKIP: tests/js/node_modules absent (npm ci)"; exit 77; }
[ -x "$example" ] || { echo "SKIP: $example not built"; exit 77; }
[ -x "$rerun" ] || { echo "FAIL: $rerun not built"; exit 1; }

work=$(mktemp -d)
pid=
opid=
cleanup() {
    [ -n "$opid" ] && kill "$opid" 2>/dev/null
    [ -n "$pid" ] && kill "$pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

. "$src/tests/lib/serve_grpc.sh"
serve_grpc_start || exit 1
echo "server: $url"
status=0
rec_a=live-before-$$
rec_b=live-after-$$
rec_c=file-$$

# Checks one recording of the oracle's JSON: check ORACLE.json REC REF_REC LABEL [REF.json]
# (the example's ids; its `step` range equal to REF_REC's, read from REF.json
# when given, else from the same JSON).
check() {
    node -e '
const [file, rec, refRec, label, refFile] = process.argv.slice(1);
const fs = require("fs");
const o = JSON.parse(fs.readFileSync(file, "utf8"));
const refO = refFile ? JSON.parse(fs.readFileSync(refFile, "utf8")) : o;
const r = o.recordings?.[rec];
const bad = [];
if (!r) bad.push(`no recording ${rec} (saw ${Object.keys(o.recordings ?? {})})`);
else {
  if (r.application_id !== "rerun_example_scalars_plot") bad.push(`application_id ${r.application_id}`);
  const st = r.timelines?.step;
  if (!st) bad.push("no step timeline");
  const ref = refRec ? refO.recordings?.[refRec]?.timelines?.step : null;
  if (refRec && !ref) bad.push(`reference recording ${refRec} has no step range`);
  if (st && ref && (st.min !== ref.min || st.max !== ref.max))
    bad.push(`step ${st.min}..${st.max}, the .rrd gives ${ref.min}..${ref.max}`);
  if (st && !refRec && !(st.max > st.min)) bad.push(`step ${st.min}..${st.max}`);
  if (st) console.log(`${label}: ${rec} step ${st.min}..${st.max}` + (ref ? ` = .rrd ${ref.min}..${ref.max}` : ""));
}
if ((o.data_errors ?? []).length) bad.push(`data errors: ${o.data_errors}`);
if (bad.length) { console.log(`FAIL ${label}: ${bad.join("; ")}`); process.exit(1); }
' "$@"
}

# 1. The viewer first, then the example streams.
(cd "$js" && exec node viewer_oracle.mjs "$url" --timeline step --settle-ms 3000 --timeout 90) >"$work/before.json" 2>"$work/before.err" &
opid=$!
sleep 8 # the viewer is up and connected before any data exists
if ! "$example" --connect "$url" --recording-id "$rec_a" >"$work/ex_a.out" 2>&1; then
    echo "FAIL: scalars_plot --connect failed"; cat "$work/ex_a.out"; status=1
fi
wait "$opid"
orc=$?
opid=
if [ $orc -ne 0 ]; then
    echo "FAIL before: the oracle failed: $(cat "$work/before.err")"; status=1
else
    before_ok=1
fi

# 2. The example streams (B) and saves (C) first; then a viewer connects.
"$example" --connect "$url" --recording-id "$rec_b" >"$work/ex_b.out" 2>&1 || { echo "FAIL: scalars_plot B"; status=1; }
"$example" --save "$work/ref.rrd" --recording-id "$rec_c" >"$work/ex_c.out" 2>&1 || { echo "FAIL: scalars_plot --save"; status=1; }
if (cd "$js" && node viewer_oracle.mjs "$url" "$work/ref.rrd" --timeline step --settle-ms 3000 --timeout 90) >"$work/after.json" 2>"$work/after.err"; then
    check "$work/after.json" "$rec_b" "$rec_c" "after" || status=1
    # Recording A (streamed in block 1) is in the history too: same range as the file.
    check "$work/after.json" "$rec_a" "$rec_c" "before, replayed" || status=1
    # What the viewer that connected first saw live equals the file too.
    [ -n "${before_ok:-}" ] && { check "$work/before.json" "$rec_a" "$rec_c" "before" "$work/after.json" || status=1; }
else
    echo "FAIL after: the oracle failed: $(cat "$work/after.err")"; status=1
fi

kill -TERM "$pid"
wait "$pid"
rc=$?
pid=
[ $rc -eq 0 ] || { echo "FAIL: server exited $rc on SIGTERM"; status=1; }
if grep -q -E 'ERROR: (Address|Leak)Sanitizer|runtime error' "$work/err"; then
    echo "FAIL: sanitizer report from the server"; status=1
fi
[ $status -eq 0 ] && echo "viewer_live: ok" || { echo "--- server log"; cat "$work/err"; }
exit $status
