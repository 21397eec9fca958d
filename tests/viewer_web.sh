#!/usr/bin/env bash
# The browser viewer end to end: scripts/build-web compiles it to Wasm
# (into $RR_BUILD_DIR/web), `rerun --serve-web FILE` serves it with the
# recording, and in headless Chromium its WebViewer API must report for
# examples/points3d's and examples/scalars_plot's recordings what the
# official viewer (tests/js/viewer_oracle.mjs, npm @rerun-io/web-viewer
# 0.33.0) reports for the same files: the recording_open event (application
# id, recording id, source, version), the active timeline, and the time
# range of every timeline. Our canvas must show something (pixels unlike its
# background); set_current_time / set_playing move the time and fire
# time_update, play and pause; after close() the same bytes sent through
# open_channel and as a file dropped on the canvas give the same recording
# and ranges; override_panel_state
# hides and shows the selection panel; the Wasm build's stand-ins for liblz4,
# xxhash and protobuf-c give the host libraries' bytes (web_selftest.c). The server also refuses paths outside its folder.
# Skips (77) when emscripten, node, Chromium or tests/js/node_modules is
# missing.
set -u

BUILD="${RR_BUILD_DIR:?RR_BUILD_DIR not set}"
SRC="${RR_SOURCE_DIR:?RR_SOURCE_DIR not set}"
BUILD=$(cd "$BUILD" && pwd)
SRC=$(cd "$SRC" && pwd)
JS="$SRC/tests/js"
RERUN="$BUILD/rerun"
chromium=${RR_CHROMIUM:-/usr/bin/chromium}

command -v emcc >/dev/null 2>&1 || { echo "SKIP: emscripten (emcc) is not installed (scripts/install-deps)"; exit 77; }
command -v node >/dev/null 2>&1 || { echo "SKIP: node is not installed (scripts/install-deps)"; exit 77; }
[ -x "$chromium" ] || { echo "SKIP: no Chromium at $chromium (scripts/install-deps)"; exit 77; }
for pkg in @rerun-io/web-viewer playwright-core; do
  [ -d "$JS/node_modules/$pkg" ] || { echo "SKIP: tests/js/node_modules/$pkg is missing (scripts/install-deps)"; exit 77; }
done
for exe in "$RERUN" "$BUILD/examples/points3d" "$BUILD/examples/scalars_plot"; do
  [ -x "$exe" ] || { echo "viewer_web: FAIL: $exe not built"; exit 1; }
done

WEB="$BUILD/web"
mkdir -p "$WEB"
# viewer_web_live.sh builds into the same folder: one build at a time.
flock "$WEB/.build.lock" "$SRC/scripts/build-web" "$WEB" >"$BUILD/viewer_web_build.log" 2>&1
rc=$?
[ $rc = 77 ] && { echo "SKIP: $(tail -1 "$BUILD/viewer_web_build.log")"; exit 77; }
[ $rc = 0 ] || { echo "viewer_web: FAIL: scripts/build-web: $(tail -20 "$BUILD/viewer_web_build.log")"; exit 1; }

tmp=$(mktemp -d)
server_pid=
trap '[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$tmp"' EXIT
fail=0
FAIL() { echo "viewer_web: FAIL: $*"; fail=1; }

"$BUILD/examples/points3d" --save "$tmp/points3d.rrd" >/dev/null || FAIL "points3d --save"
"$BUILD/examples/scalars_plot" --save "$tmp/scalars_plot.rrd" >/dev/null || FAIL "scalars_plot --save"
[ $fail = 0 ] || exit 1

# The official viewer, both files in one session (it reports each recording).
(cd "$JS" && node viewer_oracle.mjs "$tmp/points3d.rrd" "$tmp/scalars_plot.rrd" \
    --timeline frame --timeline step --timeline log_time --timeout 50) \
  >"$tmp/oracle.json" 2>"$tmp/oracle.err" &
oracle_pid=$!

# Ours, one file per run (the server serves one source), meanwhile.
for name in points3d scalars_plot; do
  (cd "$JS" && node viewer_web_check.mjs --rerun "$RERUN" --web-dir "$WEB" "$tmp/$name.rrd" \
      --timeline frame --timeline step --timeline log_time --screenshot "$tmp/$name.png" --timeout 40) \
    >"$tmp/$name.json" 2>"$tmp/$name.err" || FAIL "$name: ours: $(head -c 1500 "$tmp/$name.err")"
done
wait $oracle_pid || FAIL "official viewer: $(head -c 1500 "$tmp/oracle.err")"
[ $fail = 0 ] || exit 1

# Every timeline the official viewer reports for a recording (null where the
# recording has none) must be the same in ours.
node - "$tmp/oracle.json" "$tmp/points3d.json" "$tmp/scalars_plot.json" <<'EOF' || fail=1
const fs = require("fs");
const [oraclePath, ...ours] = process.argv.slice(2);
const oracle = JSON.parse(fs.readFileSync(oraclePath, "utf8"));
let bad = 0;
const FAIL = (m) => { console.log(`viewer_web: FAIL: ${m}`); bad = 1; };
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
for (const p of ours) {
  const o = JSON.parse(fs.readFileSync(p, "utf8"));
  const name = p.replace(/.*\//, "").replace(/\.json$/, "");
  const rec = o.active_recording;
  const theirs = oracle.recordings?.[rec];
  if (!theirs) { FAIL(`${name}: the official viewer has no recording ${rec}`); continue; }
  const ev = (oracle.recording_open_events ?? []).find((e) => e.recording_id === rec);
  for (const k of ["application_id", "recording_id", "segment_id", "type", "source", "version"]) {
    if (!same(o.recording_open?.[k], ev?.[k])) FAIL(`${name}: recording_open.${k}: ours ${JSON.stringify(o.recording_open?.[k])}, official ${JSON.stringify(ev?.[k])}`);
  }
  if (o.recording_open_events.length !== 1) FAIL(`${name}: ${o.recording_open_events.length} recording_open events`);
  if (o.recording_open?.application_id !== theirs.application_id) FAIL(`${name}: application id differs`);
  for (const [tl, range] of Object.entries(theirs.timelines)) {
    if (!same(o.timelines[tl] ?? null, range)) FAIL(`${name}: timeline ${tl}: ours ${JSON.stringify(o.timelines[tl])}, official ${JSON.stringify(range)}`);
  }
  if (!Object.values(theirs.timelines).some((r) => r)) FAIL(`${name}: the official viewer reports no time range`);
  if (oracle.active_recording === rec && !same(o.active_timeline, oracle.active_timeline))
    FAIL(`${name}: active timeline: ours ${o.active_timeline}, official ${oracle.active_timeline}`);
  if (!(o.canvas.distinct_pixels > 200)) FAIL(`${name}: the canvas is empty (${o.canvas.distinct_pixels} pixels unlike the background)`);
  const a = o.api;
  if (!a) FAIL(`${name}: no active timeline for the time controls`);
  else {
    if (a.at_start !== a.range.min) FAIL(`${name}: set_current_time(min) reads back ${a.at_start}, want ${a.range.min}`);
    if (a.selftest !== "") FAIL(`${name}: the Wasm stand-ins for liblz4/xxhash/protobuf-c differ from the host's: ${a.selftest}`);
    if (!a.playing) FAIL(`${name}: set_playing(true) does not play`);
    if (!(a.after_play > a.range.min)) FAIL(`${name}: playing for 0.4 s did not advance the time (${a.after_play})`);
    // Rerun plays sequences at 30 steps per second: 0.4 s is about 12 steps
    // (the page says how long it really played; a frame or two of slack).
    const steps = a.after_play - a.range.min, most = 30 * a.played_s * 1.5 + 4;
    if (steps > most) FAIL(`${name}: ${a.played_s.toFixed(2)} s of playing went ${steps} steps (30 per second expected)`);
    for (const ev of ["time_update", "play", "pause"])
      if (!a.events.includes(ev)) FAIL(`${name}: no ${ev} event (got ${a.events.join(",")})`);
  }
  const c = o.channel;
  if (c.emptied !== null) FAIL(`${name}: close() left recording ${c.emptied}`);
  if (!c.ready_before_close || c.ready_after_close) FAIL(`${name}: LogChannel.ready ${c.ready_before_close} before close, ${c.ready_after_close} after`);
  if (c.rec !== rec) FAIL(`${name}: open_channel: recording ${c.rec}, want ${rec}`);
  if (!same(c.ranges, o.timelines)) FAIL(`${name}: open_channel: timelines ${JSON.stringify(c.ranges)}, want ${JSON.stringify(o.timelines)}`);
  if (c.error || c.loading) FAIL(`${name}: open_channel: error "${c.error}", loading ${c.loading}`);
  if (c.dropped?.rec !== rec || !same(c.dropped?.ranges, o.timelines)) FAIL(`${name}: a dropped file gave ${JSON.stringify(c.dropped)}`);
  if (c.right_hidden?.[2] !== 0 || !(c.right_back?.[2] > 0)) FAIL(`${name}: override_panel_state(selection): width ${c.right_hidden?.[2]} hidden, ${c.right_back?.[2]} after the override was dropped`);
  if (o.console_errors.length) FAIL(`${name}: console errors: ${o.console_errors.join(" | ")}`);
  console.log(`viewer_web: ${name}: ${rec} (${o.recording_open.application_id}), timelines ${JSON.stringify(o.timelines)}, ${o.canvas.distinct_pixels} drawn pixels`);
}
process.exit(bad);
EOF

# The server: a path outside its folder is not served; the page redirects.
"$RERUN" --serve-web "$tmp/points3d.rrd" --web-port 0 --web-dir "$WEB" >"$tmp/serve.out" 2>&1 &
server_pid=$!
for _ in $(seq 50); do grep -q "http://127.0.0.1:" "$tmp/serve.out" && break; sleep 0.1; done
url=$(grep -o 'http://127.0.0.1:[0-9]*/' "$tmp/serve.out")
if [ -z "$url" ]; then
  FAIL "serve-web printed no URL: $(cat "$tmp/serve.out")"
else
  node - "$url" <<'EOF' || fail=1
const url = process.argv[2];
const net = require("net");
// A raw request, so the path reaches the server as written (fetch would
// normalise the dots away).
const raw = (path) => new Promise((resolve, reject) => {
  const u = new URL(url);
  const s = net.connect(Number(u.port), u.hostname, () => s.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`));
  let data = "";
  s.on("data", (d) => (data += d));
  s.on("end", () => resolve(data));
  s.on("error", reject);
});
(async () => {
  let bad = 0;
  const status = async (path) => (await raw(path)).split(" ")[1];
  for (const [path, want] of [["/", "302"], ["/index.html", "200"], ["/rerun_viewer.wasm", "200"],
                              ["/recording.rrd", "200"], ["/../CMakeCache.txt", "404"], ["/.emcache", "404"],
                              ["/gen/../../CMakeCache.txt", "404"], ["/nope.js", "404"]]) {
    const got = await status(path);
    if (got !== want) { console.log(`viewer_web: FAIL: GET ${path}: ${got}, want ${want}`); bad = 1; }
  }
  const wasm = await raw("/rerun_viewer.wasm");
  if (!/content-type: application\/wasm/i.test(wasm)) { console.log("viewer_web: FAIL: wasm MIME type"); bad = 1; }
  const loc = (await raw("/")).match(/Location: (\S+)/i)?.[1];
  if (loc !== "/index.html?url=%2Frecording.rrd") { console.log(`viewer_web: FAIL: / redirects to ${loc}`); bad = 1; }
  process.exit(bad);
})();
EOF
  kill "$server_pid"; wait "$server_pid" 2>/dev/null; server_pid=
fi

[ $fail = 0 ] && echo "viewer_web: ok"
exit $fail
