#!/usr/bin/env bash
# Official viewer oracle: .rrd files open in the official Rerun web viewer
# 0.33.0 (npm @rerun-io/web-viewer, pinned in tests/js/package.json) under
# headless Chromium, and the viewer reports the ids and time ranges written.
# tests/js/viewer_oracle.mjs drives the viewer and prints what it saw.
#
# Blocks (each opens one source; screenshots go to $RR_BUILD_DIR/artifacts/viewer_oracle/):
#  1. minimal:  the stream header and one SetStoreInfo, hand-encoded by
#     tests/js/make_min_rrd.mjs: recording_open must carry its ids. This checks
#     the harness itself, independently of rerun-c's writer.
#  2. scalars:  the same plus one hand-made chunk (apache-arrow) of 100 scalars
#     on `frame` 0..99 and `log_time` 2024-01-01 + 0..99 ms: the time ranges too.
#  3. live:     the scalars file of block 2 streamed by a stand-in message
#     proxy (tests/js/lib/proxy_standin.mjs: gRPC-web ReadMessages on
#     127.0.0.1, one message every 200 ms, the stream held open), opened by
#     the oracle as rerun+http://127.0.0.1:PORT/proxy: the same ids and time
#     ranges. This checks the oracle's live-source mode on its own, apart
#     from rerun-c's server.
#  4. rrd_demo: a recording written by rerun-c's own writer, when the example
#     build/examples/rrd_demo exists. Its contract:
#       rrd_demo OUT.rrd   writes one recording to OUT.rrd, exits 0, and prints
#                          nothing else (stdout and stderr are ignored);
#       application id     "rerun_c_demo"; the recording id is the demo's
#                          choice (read back from the file by
#                          tests/js/rrd_store_info.mjs, a hand decoder);
#       `frame`            a sequence timeline with data at 0..99 exactly;
#       `log_time`         a timestamp timeline starting at the wall clock
#                          while the demo runs (checked: its start lies within
#                          the run) and spanning the demo's simulated seconds
#                          (checked: at most 10 s).
#
# Skips (exit 77) only when Chromium or tests/js/node_modules is absent, and
# says why; a machine set up by scripts/install-deps runs it.
# Time values: the viewer returns JS doubles, so a nanosecond timestamp is
# compared with its nearest double (Number(BigInt(ns))).
set -uo pipefail
src=${RR_SOURCE_DIR:?}
build=${RR_BUILD_DIR:?}
js=$src/tests/js
chromium=${RR_CHROMIUM:-/usr/bin/chromium}

if ! command -v node >/dev/null 2>&1; then
  echo "SKIP: node is not installed (run scripts/install-deps)"; exit 77
fi
if [ ! -x "$chromium" ]; then
  echo "SKIP: no Chromium at $chromium (run scripts/install-deps: Debian package chromium)"; exit 77
fi
for pkg in @rerun-io/web-viewer playwright-core apache-arrow; do
  if [ ! -d "$js/node_modules/$pkg" ]; then
    echo "SKIP: tests/js/node_modules/$pkg is missing (run scripts/install-deps)"; exit 77
  fi
done

artifacts=$build/artifacts/viewer_oracle
mkdir -p "$artifacts"
tmp=$(mktemp -d)
standin_pid=
trap '[ -n "$standin_pid" ] && kill "$standin_pid" 2>/dev/null; rm -rf "$tmp"' EXIT
fail=0

# oracle NAME FILE [--timeline T]...: runs the viewer on FILE; its JSON line
# goes to $tmp/NAME.json (and the artifacts); the screenshot to the artifacts.
oracle() {
  local name=$1 file=$2; shift 2
  if ! node "$js/viewer_oracle.mjs" "$file" --screenshot "$artifacts/$name.png" --timeout 60 "$@" \
      >"$tmp/$name.json" 2>"$tmp/$name.err"; then
    echo "FAIL $name: viewer oracle: $(tail -n 1 "$tmp/$name.err")"
    return 1
  fi
  cp "$tmp/$name.json" "$artifacts/$name.json"
  echo "$name: viewer saw $(node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const { recording_open, timelines, data_errors, console_errors } = r;
    console.log(JSON.stringify({ recording_open, timelines, data_errors, console_errors }));
  ' "$tmp/$name.json")"
}

# expect NAME EXPECTED_JSON: every path in EXPECTED_JSON (a nested object)
# must equal the oracle's output there (arrays as a whole). An expected string of digits against
# a number from the viewer compares as the nearest double.
expect() {
  node -e '
    const [file, expected, name] = process.argv.slice(1);
    const got = JSON.parse(require("fs").readFileSync(file, "utf8"));
    const bad = [];
    const walk = (exp, act, path) => {
      if (Array.isArray(exp)) {
        if (JSON.stringify(exp) !== JSON.stringify(act)) bad.push(`${path}: expected ${JSON.stringify(exp)}, viewer reported ${JSON.stringify(act)}`);
        return;
      }
      if (exp !== null && typeof exp === "object") {
        for (const k of Object.keys(exp)) walk(exp[k], act == null ? undefined : act[k], path + "." + k);
        return;
      }
      const same = typeof exp === "string" && /^-?\d+$/.test(exp) && typeof act === "number"
        ? Number(BigInt(exp)) === act : exp === act;
      if (!same) bad.push(`${path}: expected ${JSON.stringify(exp)}, viewer reported ${JSON.stringify(act)}`);
    };
    walk(JSON.parse(expected), got, "");
    if (bad.length) { console.log(`FAIL ${name}: ` + bad.join("; ")); process.exit(1); }
    console.log(`${name}: ok`);
  ' "$tmp/$1.json" "$2" "$1"
}

# --- 1. minimal: one hand-encoded SetStoreInfo ------------------------------
app=rerun_c_oracle_check
rec=oracle-min-$$-$RANDOM
if node "$js/make_min_rrd.mjs" "$tmp/minimal.rrd" --application-id "$app" --recording-id "$rec" &&
   oracle minimal "$tmp/minimal.rrd"; then
  expect minimal "{\"recording_open\": {\"application_id\": \"$app\", \"recording_id\": \"$rec\"},
                   \"active_recording\": \"$rec\", \"data_errors\": []}" || fail=1
else
  fail=1
fi

# --- 2. scalars: a hand-made chunk on two timelines -------------------------
rec=oracle-scalars-$$-$RANDOM
t0=1704067200000000000 # make_min_rrd.mjs SCALARS_T0_NS; rows step 1 ms
if node "$js/make_min_rrd.mjs" "$tmp/scalars.rrd" --application-id "$app" --recording-id "$rec" --scalars 100 &&
   oracle scalars "$tmp/scalars.rrd" --timeline frame --timeline log_time; then
  expect scalars "{\"recording_open\": {\"application_id\": \"$app\", \"recording_id\": \"$rec\"},
                   \"timelines\": {\"frame\": {\"min\": 0, \"max\": 99},
                                   \"log_time\": {\"min\": \"$t0\", \"max\": \"$((t0 + 99000000))\"}},
                   \"data_errors\": []}" || fail=1
else
  fail=1
fi

# --- 3. live: the scalars through a stand-in message proxy ------------------
if [ -f "$tmp/scalars.rrd" ]; then
  node "$js/lib/proxy_standin.mjs" "$tmp/scalars.rrd" --delay-ms 200 >"$tmp/standin.port" 2>"$tmp/standin.err" &
  standin_pid=$!
  port=
  for _ in $(seq 50); do
    port=$(head -n 1 "$tmp/standin.port" 2>/dev/null)
    [ -n "$port" ] && break
    sleep 0.1
  done
  if [ -z "$port" ]; then
    echo "FAIL live: the stand-in proxy did not start: $(tail -n 1 "$tmp/standin.err")"; fail=1
  elif oracle live "rerun+http://127.0.0.1:$port/proxy" --timeline frame --timeline log_time --settle-ms 1500; then
    expect live "{\"recording_open\": {\"application_id\": \"$app\", \"recording_id\": \"$rec\"},
                  \"timelines\": {\"frame\": {\"min\": 0, \"max\": 99},
                                  \"log_time\": {\"min\": \"$t0\", \"max\": \"$((t0 + 99000000))\"}},
                  \"data_errors\": []}" || fail=1
  else
    fail=1
  fi
  kill "$standin_pid" 2>/dev/null
  wait "$standin_pid" 2>/dev/null
  standin_pid=
else
  echo "FAIL live: no scalars file from block 2 to stream"; fail=1
fi

# --- 4. rrd_demo: a recording written by rerun-c ----------------------------
demo=$build/examples/rrd_demo
if [ -x "$demo" ]; then
  before=$(date +%s%N)
  if ! "$demo" "$tmp/rrd_demo.rrd" >/dev/null 2>"$tmp/demo.err"; then
    echo "FAIL rrd_demo: the example failed: $(tail -n 3 "$tmp/demo.err")"; fail=1
  else
    after=$(date +%s%N)
    cp "$tmp/rrd_demo.rrd" "$artifacts/rrd_demo.rrd"
    ids=$(node "$js/rrd_store_info.mjs" "$tmp/rrd_demo.rrd") || ids=""
    demo_rec=$(node -e 'const s = JSON.parse(process.argv[1]).find((s) => s.store_kind === 1);
                        process.stdout.write(s ? s.recording_id ?? "" : "")' "${ids:-[]}")
    if [ -z "$demo_rec" ]; then
      echo "FAIL rrd_demo: no recording SetStoreInfo found in the file (hand decoder: ${ids:-error})"; fail=1
    elif oracle rrd_demo "$tmp/rrd_demo.rrd" --timeline frame --timeline log_time; then
      expect rrd_demo "{\"recording_open\": {\"application_id\": \"rerun_c_demo\", \"recording_id\": \"$demo_rec\"},
                        \"timelines\": {\"frame\": {\"min\": 0, \"max\": 99}},
                        \"data_errors\": []}" || fail=1
      # log_time starts within the demo's run (a millisecond of slack for the
      # doubles) and spans at most the demo's 10 simulated seconds.
      node -e '
        const [file, lo, hi] = process.argv.slice(1);
        const r = JSON.parse(require("fs").readFileSync(file, "utf8")).timelines.log_time;
        const min = Number(BigInt(lo)) - 1e6, max = Number(BigInt(hi)) + 1e6;
        if (!r || !(r.min >= min && r.min <= max && r.min <= r.max && r.max - r.min <= 10e9)) {
          console.log(`FAIL rrd_demo: log_time range ${JSON.stringify(r)} does not start within the run [${lo}, ${hi}] ns`);
          process.exit(1);
        }
        console.log("rrd_demo: log_time within the run: ok");
      ' "$tmp/rrd_demo.json" "$before" "$after" || fail=1
    else
      fail=1
    fi
  fi
else
  echo "rrd_demo: $demo not built yet; block 4 inactive"
fi

echo "viewer oracle: screenshots and reports in $artifacts"
[ "$fail" = 0 ]
