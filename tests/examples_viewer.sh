#!/usr/bin/env bash
# Every SDK example opens in the official Rerun web viewer 0.33.0 as what
# our own tools say it wrote. Each example (build/examples/NAME) runs with
# --save and the recording id examples_viewer_NAME; then ALL files open in
# ONE viewer session (tests/js/viewer_oracle.mjs with several files: one
# Chromium launch for everything), and per example:
#   - recording_open carries application id rerun_example_NAME and our id;
#   - the viewer reports no data errors, and no recording nobody wrote;
#   - get_time_range of every timeline equals what `rerun rrd print` reports
#     for the file (sequences exactly; timestamps and durations as the doubles
#     the viewer returns), and the viewer has no timeline the file lacks.
# The distributed case (issue 4): build/examples/distributed runs twice, with
# one --recording-id and workers w1 and w2, into two files; both open in the
# same session and the viewer must report ONE recording id whose time ranges
# are the union of both files' (checked to differ from each file's alone).
# The comparison is tests/js/examples_viewer_check.mjs.
#
# Artifacts: $RR_BUILD_DIR/artifacts/examples_viewer/NAME.png (each recording
# made active and paused at its end), viewer.json (the oracle's report) and
# the .rrd files. Skips (77) only without node, Chromium or tests/js/node_modules.
set -uo pipefail
src=${RR_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
build=$(cd "${RR_BUILD_DIR:?RR_BUILD_DIR not set}" && pwd)
js=$src/tests/js
chromium=${RR_CHROMIUM:-/usr/bin/chromium}
rerun=$build/rerun
ex_dir=$build/examples
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

EXAMPLES="minimal points3d transform_hierarchy image depth_image_pinhole scalars_plot text_log
          send_columns mesh bar_chart graph geo_points"
artifacts=$build/artifacts/examples_viewer
rm -rf "$artifacts"
mkdir -p "$artifacts"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
failmsg() { echo "FAIL $*"; fail=1; }

# write NAME RECORDING_ID OUT.rrd [ARGS...]: runs the example, prints the file.
write() {
  local name=$1 rid=$2 out=$3; shift 3
  if [ ! -x "$ex_dir/$name" ]; then failmsg "$name: $ex_dir/$name not built"; return 1; fi
  if ! "$ex_dir/$name" --save "$out" --recording-id "$rid" "$@" >"$tmp/run.out" 2>"$tmp/run.err"; then
    failmsg "$name: the example failed: $(tail -n 3 "$tmp/run.err")"; return 1
  fi
  if ! "$rerun" rrd print "$out" >"${out%.rrd}.print" 2>"$tmp/print.err"; then
    failmsg "$name: rerun rrd print: $(tail -n 1 "$tmp/print.err")"; return 1
  fi
}

files=()
spec="["
sep=""
for name in $EXAMPLES; do
  rid=examples_viewer_$name
  if write "$name" "$rid" "$artifacts/$name.rrd"; then
    files+=("$artifacts/$name.rrd")
    spec+="$sep{\"name\":\"$name\",\"application_id\":\"rerun_example_$name\",\"recording_id\":\"$rid\",\"prints\":[\"$artifacts/$name.print\"]}"
    sep=","
  fi
done
# Two workers, one recording id, two files; one after the other, so their
# log_time ranges differ and a lost file would show.
rid=examples_viewer_distributed
if write distributed "$rid" "$artifacts/distributed_w1.rrd" --worker w1 &&
   write distributed "$rid" "$artifacts/distributed_w2.rrd" --worker w2; then
  files+=("$artifacts/distributed_w1.rrd" "$artifacts/distributed_w2.rrd")
  spec+="$sep{\"name\":\"distributed\",\"application_id\":\"rerun_example_distributed\",\"recording_id\":\"$rid\",\"prints\":[\"$artifacts/distributed_w1.print\",\"$artifacts/distributed_w2.print\"]}"
fi
spec+="]"
echo "$spec" >"$tmp/spec.json"
written=$(date +%s)
echo "examples written and printed in $((written - started)) s: ${#files[@]} files"
[ "${#files[@]}" -gt 0 ] || exit 1

timeline_args=()
while read -r t; do
  [ -n "$t" ] && timeline_args+=(--timeline "$t")
done < <(node "$js/examples_viewer_check.mjs" timelines "$artifacts"/*.print)

if ! node "$js/viewer_oracle.mjs" "${files[@]}" "${timeline_args[@]}" \
    --screenshot-dir "$tmp/shots" --timeout 240 >"$artifacts/viewer.json" 2>"$tmp/oracle.err"; then
  echo "FAIL viewer oracle: $(tail -n 1 "$tmp/oracle.err")"
  exit 1
fi
opened=$(date +%s)
echo "viewer session (${#files[@]} files, ${#timeline_args[@]} timeline args): $((opened - written)) s;" \
  "phases (ms): $(node -e 'console.log(JSON.stringify(JSON.parse(require("fs").readFileSync(process.argv[1])).timing_ms))' "$artifacts/viewer.json")"
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log("viewer saw: " + JSON.stringify({
    recording_open_events: r.recording_open_events.map((e) => `${e.application_id}/${e.recording_id} (${e.source} ${e.version})`),
    data_errors: r.data_errors, console_errors: [...new Set(r.console_errors)] }));
' "$artifacts/viewer.json"

node "$js/examples_viewer_check.mjs" check "$artifacts/viewer.json" "$tmp/spec.json" || fail=1

# Screenshots, one per recording, under the example's name.
for name in $EXAMPLES distributed; do
  shot=$tmp/shots/examples_viewer_$name.png
  if [ -s "$shot" ]; then mv "$shot" "$artifacts/$name.png"; else failmsg "$name: no screenshot"; fi
done
echo "examples_viewer: $(($(date +%s) - started)) s in all; screenshots and files in $artifacts"
[ "$fail" = 0 ]
