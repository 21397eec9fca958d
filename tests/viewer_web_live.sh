#!/usr/bin/env bash
# Our browser viewer (scripts/build-web) on live data, in headless Chromium
# (tests/js/viewer_web_live_check.mjs), read from a message proxy with
# gRPC-web:
#  1. before: the viewer opens our `rerun --serve-grpc` first, then
#     examples/scalars_plot --connect streams into it; the recording appears
#     with the example's ids and the `step` range its own .rrd has (the same
#     example --save'd, read back with `rerun query`);
#  2. after: the example streamed first; a viewer opening the proxy now gets
#     it from the server's history with the same range. Pressing Space on the
#     canvas (the shell's play/pause key) starts playback: the time the JS
#     API reports moves, pressing it again pauses; clicking the first
#     recording's row in the left panel makes it the active one. A
#     screenshot of the page
#     shows the shell: panel backgrounds in the dark theme's greys where the
#     layout says the panels are, and the plot's red and green series lines
#     in its view;
#  3. `rerun --serve-web` without a source hosts a proxy of its own (as
#     Rerun's): the example --connects to it and the page, at device pixel
#     ratio 2, shows the stream, its canvas in device pixels; then a gRPC-web
#     stream served by the test itself (the example's .rrd as
#     ReadMessagesResponse frames in odd-sized pieces, ending in a trailer
#     with grpc-status 8) loads and puts the status on the banner, and a
#     proxy nobody serves does too.
# Skips (77) when emscripten, node, Chromium or tests/js/node_modules is
# missing.
set -u
BUILD="${RR_BUILD_DIR:?RR_BUILD_DIR not set}"
SRC="${RR_SOURCE_DIR:?RR_SOURCE_DIR not set}"
BUILD=$(cd "$BUILD" && pwd)
SRC=$(cd "$SRC" && pwd)
js="$SRC/tests/js"
rerun="$BUILD/rerun"
example="$BUILD/examples/scalars_plot"
chromium=${RR_CHROMIUM:-/usr/bin/chromium}

command -v emcc >/dev/null 2>&1 || { echo "SKIP: emscripten (emcc) is not installed (scripts/install-deps)"; exit 77; }
command -v node >/dev/null 2>&1 || { echo "SKIP: node is not installed (scripts/install-deps)"; exit 77; }
[ -x "$chromium" ] || { echo "SKIP: no Chromium at $chromium (scripts/install-deps)"; exit 77; }
[ -d "$js/node_modules/playwright-core" ] || { echo "SKIP: tests/js/node_modules/playwright-core is missing (scripts/install-deps)"; exit 77; }
for exe in "$rerun" "$example"; do
  [ -x "$exe" ] || { echo "viewer_web_live: FAIL: $exe not built"; exit 1; }
done

# The same output folder as viewer_web.sh: one build at a time.
WEB="$BUILD/web"
mkdir -p "$WEB"
flock "$WEB/.build.lock" "$SRC/scripts/build-web" "$WEB" >"$BUILD/viewer_web_live_build.log" 2>&1
rc=$?
[ $rc = 77 ] && { echo "SKIP: $(tail -1 "$BUILD/viewer_web_live_build.log")"; exit 77; }
[ $rc = 0 ] || { echo "viewer_web_live: FAIL: scripts/build-web: $(tail -20 "$BUILD/viewer_web_live_build.log")"; exit 1; }

work=$(mktemp -d)
pid=
web_pid=
node_pid=
cleanup() {
  [ -n "$node_pid" ] && kill "$node_pid" 2>/dev/null
  [ -n "$web_pid" ] && kill "$web_pid" 2>/dev/null
  [ -n "$pid" ] && kill "$pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
status=0
FAIL() { echo "viewer_web_live: FAIL: $*"; status=1; }

# `rerun --serve-web ARGS...` in the background; sets web_pid and page (its
# URL) and, when it hosts a proxy, own_proxy.
serve_web() {
  "$rerun" --serve-web "$@" --web-port 0 --web-dir "$WEB" >"$work/web.out" 2>"$work/web.err" &
  web_pid=$!
  page=
  for _ in $(seq 100); do
    page=$(sed -n 's|^Serving the web viewer at \(http://127.0.0.1:[0-9]*/\)$|\1|p' "$work/web.out")
    [ -n "$page" ] && break
    kill -0 "$web_pid" 2>/dev/null || break
    sleep 0.1
  done
  own_proxy=$(grep -o 'rerun+http://127.0.0.1:[0-9]*/proxy' "$work/web.out" | head -1)
  [ -n "$page" ] || { FAIL "rerun --serve-web printed no URL: $(cat "$work/web.out" "$work/web.err")"; return 1; }
}
stop_web() {
  [ -n "$web_pid" ] || return 0
  kill -TERM "$web_pid"
  wait "$web_pid" || FAIL "rerun --serve-web exited $? on SIGTERM: $(cat "$work/web.err")"
  web_pid=
}

# check JSON REC LABEL: the recording arrived with the example's ids and the
# .rrd's step range, and no error banner or console error.
check() {
  node - "$@" "$step_min" "$step_max" <<'EOF'
const fs = require("fs");
const [file, rec, label, min, max] = process.argv.slice(2);
const o = JSON.parse(fs.readFileSync(file, "utf8"));
const bad = [];
if (o.recording?.recording_id !== rec) bad.push(`recording_open ${JSON.stringify(o.recording)}`);
if (o.recording?.application_id !== "rerun_example_scalars_plot") bad.push(`application_id ${o.recording?.application_id}`);
if (o.recording?.source !== "cpp") bad.push(`source ${o.recording?.source}`);
const st = o.timelines?.step;
if (!st || st.min !== Number(min) || st.max !== Number(max)) bad.push(`step ${JSON.stringify(st)}, the .rrd gives ${min}..${max}`);
if (o.error) bad.push(`error banner: ${o.error}`);
if (o.console_errors.length) bad.push(`console errors: ${o.console_errors.join(" | ")}`);
if (bad.length) { console.log(`viewer_web_live: FAIL ${label}: ${bad.join("; ")}`); process.exit(1); }
console.log(`viewer_web_live: ${label}: ${rec} step ${st.min}..${st.max} = .rrd`);
EOF
}

# check_pixels JSON LABEL DPR: the screenshot shows the shell at that pixel
# ratio: the panels where the layout puts them in the dark theme's greys, no
# banner, and both plots' series colours in the views.
check_pixels() {
  node - "$@" <<'EOF'
const fs = require("fs");
const [file, label, dpr] = process.argv.slice(2);
const o = JSON.parse(fs.readFileSync(file, "utf8"));
const bad = [];
const p = o.pixels;
// The dark theme's panel greys (re_ui: gray 100 / 150, #0d0d0d / #171717).
const grey = (c) => c && c[0] === c[1] && c[1] === c[2] && c[0] <= 0x20;
for (const k of ["top_bar", "left", "right", "bottom"]) {
  if (!(p.layout[k][2] > 0 && p.layout[k][3] > 0)) bad.push(`no ${k} panel in the layout: ${JSON.stringify(p.layout[k])}`);
  else if (!grey(p[k])) bad.push(`${k} panel pixel ${JSON.stringify(p[k])} is not the theme's panel grey`);
}
if (p.layout.banner[3] !== 0) bad.push(`an error banner is shown`);
if (!p.view) bad.push("no view shown");
else {
  // scalars_plot: cos in green (0x00ff00), sin in red (0xff0000), each in
  // a plot of its own (Rerun's heuristics: one per entity)
  if (p.view.red < 50 || p.view.green < 50) bad.push(`the plots' series lines are missing: ${JSON.stringify(p.view)}`);
  if (p.view.distinct < 10) bad.push(`the views are nearly blank: ${JSON.stringify(p.view)}`);
}
const cv = p.canvas;
if (cv.width !== Math.round(cv.css_width * Number(dpr)) || cv.height !== Math.round(cv.css_height * Number(dpr)))
  bad.push(`canvas ${cv.width}x${cv.height} for ${cv.css_width}x${cv.css_height} CSS pixels at ratio ${dpr}`);
if (bad.length) { console.log(`viewer_web_live: FAIL ${label}: ${bad.join("; ")}`); process.exit(1); }
console.log(`viewer_web_live: ${label}: panels drawn at ratio ${dpr} (${cv.width}x${cv.height}), views ${p.view.names}: ${p.view.red} red / ${p.view.green} green pixels`);
EOF
}

# The example's own recording, saved: its step range is what live must give.
"$example" --save "$work/ref.rrd" --recording-id "ref-$$" >/dev/null 2>&1 || { FAIL "scalars_plot --save"; exit 1; }
"$rerun" query "$work/ref.rrd" --index step --format csv >"$work/ref.csv" 2>"$work/ref.err" || { FAIL "rerun query: $(cat "$work/ref.err")"; exit 1; }
read -r step_min step_max < <(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "step") c = i; next }
  c && $c != "" { if (min == "" || $c + 0 < min) min = $c + 0; if (max == "" || $c + 0 > max) max = $c + 0 }
  END { print min, max }' "$work/ref.csv")
[ -n "${step_max:-}" ] || { FAIL "no step column in the example's .rrd"; exit 1; }
"$example" --save "$work/fake.rrd" --recording-id fake-rec >/dev/null 2>&1 || { FAIL "scalars_plot --save (fake)"; exit 1; }

. "$SRC/tests/lib/serve_grpc.sh"
serve_grpc_start || exit 1
serve_web "$url" || exit 1
timeout_s=40
[ "${CI:-}" = true ] && timeout_s=50

# 1. The viewer first, then the example streams.
rec_a=live-before-$$
(cd "$js" && exec node viewer_web_live_check.mjs --page "$page" --recording "$rec_a" \
    --ready-file "$work/ready" --timeout $timeout_s) >"$work/before.json" 2>"$work/before.err" &
node_pid=$!
for _ in $(seq 300); do [ -f "$work/ready" ] && break; kill -0 "$node_pid" 2>/dev/null || break; sleep 0.1; done
[ -f "$work/ready" ] || FAIL "before: the viewer did not come up: $(cat "$work/before.err")"
"$example" --connect "$url" --recording-id "$rec_a" >"$work/ex_a.out" 2>&1 || FAIL "scalars_plot --connect: $(cat "$work/ex_a.out")"
if wait "$node_pid"; then
  check "$work/before.json" "$rec_a" "before" || status=1
else
  FAIL "before: $(cat "$work/before.err")"
fi
node_pid=

# 2. The example first; then a viewer opens the proxy, plays, is looked at.
rec_b=live-after-$$
"$example" --connect "$url" --recording-id "$rec_b" >"$work/ex_b.out" 2>&1 || FAIL "scalars_plot --connect (after): $(cat "$work/ex_b.out")"
if (cd "$js" && node viewer_web_live_check.mjs --page "$page" --recording "$rec_b" --interact --click-recording "$rec_a" \
      --screenshot "$BUILD/viewer_web_live.png" --timeout $timeout_s) >"$work/after.json" 2>"$work/after.err"; then
  check "$work/after.json" "$rec_b" "after" || status=1
  check_pixels "$work/after.json" "after" 1 || status=1
  node - "$work/after.json" "$step_min" "$step_max" "$rec_a" "$rec_b" <<'EOF' || status=1
const fs = require("fs");
const [file, min, max, recA, recB] = process.argv.slice(2);
const o = JSON.parse(fs.readFileSync(file, "utf8"));
const bad = [];
const i = o.interaction;
// Following the newest data until Space; playing starts over from the start.
if (i.before.playing || i.before.time !== Number(max)) bad.push(`before Space: ${JSON.stringify(i.before)}, want paused at ${max}`);
if (!i.during.playing) bad.push(`Space did not start playback: ${JSON.stringify(i.during)}`);
if (i.during.time === i.before.time) bad.push(`the time did not move after Space: ${JSON.stringify(i)}`);
if (i.after.playing) bad.push(`a second Space did not pause: ${JSON.stringify(i.after)}`);
if (i.still.time !== i.after.time) bad.push(`the time moves while paused: ${i.after.time} -> ${i.still.time}`);
const c = i.click;
if (!c.rect) bad.push(`the shell drew no row for ${c.key}`);
else if (c.active_before !== recB || c.active_after !== recA)
  bad.push(`clicking ${c.key} at ${JSON.stringify(c.rect)}: active ${c.active_before} -> ${c.active_after}, want ${recB} -> ${recA}`);
if (bad.length) { console.log(`viewer_web_live: FAIL after: ${bad.join("; ")}`); process.exit(1); }
console.log(`viewer_web_live: Space played ${i.before.time} -> ${i.during.time}, paused at ${i.after.time}; a click on ${c.key} made it active`);
EOF
else
  FAIL "after: $(cat "$work/after.err")"
fi
stop_web
kill -TERM "$pid"
wait "$pid" || FAIL "rerun --serve-grpc exited $? on SIGTERM"
pid=

# 3. --serve-web alone hosts the proxy the page reads.
serve_web --port 0 || exit 1
rec_c=live-own-$$
if [ -z "$own_proxy" ]; then
  FAIL "rerun --serve-web without a source printed no proxy URL: $(cat "$work/web.out")"
else
  "$example" --connect "$own_proxy" --recording-id "$rec_c" >"$work/ex_c.out" 2>&1 || FAIL "scalars_plot --connect (serve-web): $(cat "$work/ex_c.out")"
  # (the proxy of block 2, stopped: nobody serves it now)
  if (cd "$js" && node viewer_web_live_check.mjs --page "$page" --recording "$rec_c" --dpr 2 \
        --screenshot "$BUILD/viewer_web_live_hidpi.png" --bad-proxy "$url" --fake-proxy "$work/fake.rrd" \
        --timeout $timeout_s) >"$work/own.json" 2>"$work/own.err"; then
    check "$work/own.json" "$rec_c" "serve-web's own proxy" || status=1
    check_pixels "$work/own.json" "HiDPI" 2 || status=1
    node - "$work/own.json" "$url" "$step_max" <<'EOF' || status=1
const fs = require("fs");
const [file, url] = process.argv.slice(2);
const o = JSON.parse(fs.readFileSync(file, "utf8"));
const b = o.bad_proxy, f = o.fake_proxy;
let bad = 0;
if (!b.error.includes(url) || !(b.banner[3] > 0)) {
  console.log(`viewer_web_live: FAIL: opening a proxy nobody serves: banner ${JSON.stringify(b)}`);
  bad = 1;
}
// every message arrived through the odd-sized chunks, then the trailer's
// status went to the banner
if (f.recording_id !== "fake-rec" || f.step?.min !== 0 || f.step?.max !== Number(process.argv[4]) ||
    !f.error.includes(`${f.url}: gRPC status 8: reader too slow`)) {
  console.log(`viewer_web_live: FAIL: a gRPC-web stream ending in status 8: ${JSON.stringify(f)}`);
  bad = 1;
}
if (bad) process.exit(1);
console.log(`viewer_web_live: a gRPC-web stream in odd pieces loaded (step ${f.step.min}..${f.step.max}) and its status 8 shows on the banner; a dead proxy too`);
EOF
  else
    FAIL "serve-web's own proxy: $(cat "$work/own.err")"
  fi
fi
stop_web
if grep -q -E 'ERROR: (Address|Leak)Sanitizer|runtime error' "$work/err" "$work/web.err" 2>/dev/null; then
  FAIL "sanitizer report: $(cat "$work/err" "$work/web.err")"
fi
[ $status = 0 ] && echo "viewer_web_live: ok"
exit $status
