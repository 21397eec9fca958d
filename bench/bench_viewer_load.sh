#!/usr/bin/env bash
# Time to open and to fully load an .rrd: our viewer beside the official one.
#
# Writes three recordings with our SDK (bench_viewer_load --gen: per frame a
# 20k-point cloud with colours, a 256x192 RGB camera image and four
# scalars, batched into chunks by the SDK's batcher; about 64 MiB, 256 MiB
# and 1 GiB), then
#   - native: bench_viewer_load --file (the app core: rr_app_open_file +
#     rr_app_update per frame until loaded; first chunk, fully loaded, MB/s,
#     beside read() of the same file);
#   - web: tests/js/bench_viewer_load.mjs, in one headless Chromium (Debian's
#     /usr/bin/chromium, SwiftShader WebGL) serving the files over HTTP on
#     loopback: our Wasm viewer (scripts/build-web) and the official
#     @rerun-io/web-viewer 0.33.0, time from open(url) to recording_open and
#     to fully loaded (the file's last frame in the "frame" time range: the
#     generator logs a marker there as the file's last row), medians of
#     RUNS runs, printed as a table with the ratio official / ours.
# A benchmark, not a test (not in CI). Takes long: the official viewer
# needs minutes per 256 MiB on this kind of machine.
#
#   bench/bench_viewer_load.sh [BUILD_DIR]      (default build/rel: a Release build)
# Environment: SIZES_MIB (default "64 256 1024"), RUNS (3), TIMEOUT_S (per
# run; 1800), OUT_DIR (where the recordings are kept; /tmp/rerun_c_load_bench),
# WEB_DIR (a built web viewer; default BUILD_DIR/web-bench, built here),
# ONLY (ours | official: one viewer), NATIVE=0 (skip the native half).
set -eu

SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$SRC/build/rel}
BUILD=$(cd "$BUILD" && pwd)
SIZES=${SIZES_MIB:-64 256 1024}
RUNS=${RUNS:-3}
TIMEOUT_S=${TIMEOUT_S:-1800}
OUT=${OUT_DIR:-/tmp/rerun_c_load_bench}
WEB=${WEB_DIR:-$BUILD/web-bench}
GEN="$BUILD/bench/bench_viewer_load"

[ -x "$GEN" ] || { echo "bench_viewer_load: $GEN is not built (cmake --build $BUILD --target bench_viewer_load)"; exit 1; }
command -v node >/dev/null || { echo "bench_viewer_load: node is not installed (scripts/install-deps)"; exit 1; }
[ -x /usr/bin/chromium ] || { echo "bench_viewer_load: no /usr/bin/chromium (scripts/install-deps)"; exit 1; }
[ -d "$SRC/tests/js/node_modules/@rerun-io/web-viewer" ] || { echo "bench_viewer_load: tests/js/node_modules missing (scripts/install-deps)"; exit 1; }

if [ ! -f "$WEB/rerun_web.js" ] || [ -z "${WEB_DIR:-}" ]; then
  echo "building the web viewer into $WEB ..."
  "$SRC/scripts/build-web" "$WEB" >"$BUILD/bench_viewer_load_web.log" 2>&1 ||
    { echo "bench_viewer_load: scripts/build-web failed: $(tail -5 "$BUILD/bench_viewer_load_web.log")"; exit 1; }
fi

WEB=$(cd "$WEB" && pwd)
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
args=()
files=()
for mib in $SIZES; do
  f="$OUT/load_${mib}mib.rrd"
  meta="$f.frames"
  # kept between runs: the generator is deterministic
  if [ ! -s "$f" ] || [ ! -s "$meta" ] || [ "$meta" -ot "$GEN" ]; then
    echo "writing $f ..."
    "$GEN" --gen "$f" "$mib" >"$meta"
  fi
  frames=$(awk '{print $2}' "$meta")
  args+=("$f:$frames")
  files+=("$f")
done

if [ "${NATIVE:-1}" != 0 ]; then
  echo "== native (rr_app, $(nproc) cores)"
  "$GEN" --file "${files[@]}"
fi

echo "== web (headless Chromium; ours: $WEB)"
only=()
[ -n "${ONLY:-}" ] && only=(--only "$ONLY")
cd "$SRC/tests/js"
node bench_viewer_load.mjs --web-dir "$WEB" --runs "$RUNS" --timeout "$TIMEOUT_S" \
  --json "$OUT/bench_viewer_load.json" "${only[@]}" "${args[@]}"
