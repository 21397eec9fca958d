#!/usr/bin/env bash
# The viewer's headless mode end to end: examples/points3d's recording
# rendered by `rerun --headless --screenshot` (EGL off-screen, llvmpipe in CI)
# matches tests/viewer_ref/points3d.png; another time renders a different
# picture; examples/scalars_plot's two series (one time series view each, as
# Rerun 0.33's heuristics recommend, side by side) match
# tests/viewer_ref/scalars_plot.png and the cursor moves with --time; a truncated and a corrupted file still render what loaded, print an
# error naming the offset and exit 1 (no crash, no sanitizer report); the
# whole shell (--ui) matches tests/viewer_ref/shell_points3d.png, and with
# examples/text_log's recording its text log view (six entries in level
# colours) matches tests/viewer_ref/shell_textlog.png, and examples/
# bar_chart's three bar chart views (22 bars) tests/viewer_ref/
# shell_barchart.png, and examples/graph's graph view (three labelled
# nodes, a directed cycle) tests/viewer_ref/shell_graph.png, and
# examples/geo_points's map view tests/viewer_ref/shell_map.png; a
# truncated file under --ui still renders and reports its error; usage
# errors exit 2. Skips (77) when the machine has no EGL / OpenGL ES 3.
set -u

BUILD="${RR_BUILD_DIR:?RR_BUILD_DIR not set}"
SRC="${RR_SOURCE_DIR:?RR_SOURCE_DIR not set}"
RERUN="$BUILD/rerun"
EX="$BUILD/examples/points3d"
EX_PLOT="$BUILD/examples/scalars_plot"
EX_LOG="$BUILD/examples/text_log"
EX_BARS="$BUILD/examples/bar_chart"
EX_GRAPH="$BUILD/examples/graph"
EX_GEO="$BUILD/examples/geo_points"
REF="$SRC/tests/viewer_ref/points3d.png"
REF_PLOT="$SRC/tests/viewer_ref/scalars_plot.png"
for exe in "$RERUN" "$EX" "$EX_PLOT" "$EX_LOG" "$EX_BARS" "$EX_GRAPH" "$EX_GEO"; do
    [ -x "$exe" ] || { echo "viewer_headless: FAIL: $exe not built"; exit 1; }
done
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
FAILS=0
fail() { echo "viewer_headless: FAIL: $*"; FAILS=$((FAILS + 1)); }

"$EX" --save "$TMP/p.rrd" >/dev/null || { echo "viewer_headless: FAIL: points3d --save"; exit 1; }
# A fixed recording id: the shell's recordings panel shows it.
"$EX" --save "$TMP/pu.rrd" --recording-id rec_ui >/dev/null || { echo "viewer_headless: FAIL: points3d --save"; exit 1; }

# shot NAME EXPECTED_RC ARGS... : runs rerun --headless, output in $TMP/NAME.{out,err}
shot() {
    local name=$1 want=$2
    shift 2
    "$RERUN" --headless "$@" >"$TMP/$name.out" 2>"$TMP/$name.err"
    local rc=$?
    if grep -q "headless rendering needs EGL" "$TMP/$name.err"; then
        echo "viewer_headless: skipping: $(cat "$TMP/$name.err")"
        exit 77
    fi
    if [ "$rc" != "$want" ]; then
        fail "$name: exit $rc, want $want: $(head -c 600 "$TMP/$name.err")"
        return 1
    fi
    grep -q "ERROR: \(Address\|Leak\)Sanitizer\|runtime error" "$TMP/$name.err" && fail "$name: sanitizer: $(head -c 600 "$TMP/$name.err")"
    return 0
}

# The reference picture: 320x240 at the end of `frame`. The points are small
# (Rerun's default radius, 1.5 UI points), so the tolerance is a few pixels
# (0.03 % = 23 pixels), not a share of the picture.
shot ref 0 --screenshot "$TMP/p.png" --size 320x240 --compare "$REF" --tolerance 0.0003 "$TMP/p.rrd"
grep -q "at frame=29, 1 drawables" "$TMP/ref.out" || fail "ref: not frame 29 with one drawable: $(cat "$TMP/ref.out")"
grep -q "^compare: " "$TMP/ref.out" || fail "ref: no comparison printed"

# Another time is another picture (the compare says so with exit 3).
shot time0 3 --screenshot "$TMP/p0.png" --size 320x240 --time frame=0 --compare "$REF" --tolerance 0.0003 "$TMP/p.rrd"
[ -s "$TMP/p0.png" ] || fail "time0: no picture"

# The plots: sin and cos, each its own view; the lines cover a good share of
# the picture, the tolerance allows a few hundred pixels of rasteriser
# differences (0.2 % = 154 pixels), less than the 1-pixel cursor line
# moving from the end of `step` to its middle changes.
"$EX_PLOT" --save "$TMP/s.rrd" >/dev/null || { echo "viewer_headless: FAIL: scalars_plot --save"; exit 1; }
shot plot 0 --screenshot "$TMP/s.png" --size 320x240 --compare "$REF_PLOT" --tolerance 0.002 "$TMP/s.rrd"
grep -q "at step=1255, 2 drawables" "$TMP/plot.out" || fail "plot: not step 1255 with two series: $(cat "$TMP/plot.out")"
grep -q "^compare: " "$TMP/plot.out" || fail "plot: no comparison printed"
shot plot_mid 3 --screenshot "$TMP/s0.png" --size 320x240 --time step=600 --compare "$REF_PLOT" --tolerance 0.002 "$TMP/s.rrd"

# The whole shell: panels, the 3D view's tab and the time panel, stable
# across runs (the text and the theme greys are most of the picture).
shot ui 0 --ui --screenshot "$TMP/ui.png" --size 800x500 --compare "$SRC/tests/viewer_ref/shell_points3d.png" --tolerance 0.002 "$TMP/pu.rrd"
grep -q "^compare: " "$TMP/ui.out" || fail "ui: no comparison printed"
# example_shot NAME EXAMPLE WANT: the example's recording under --ui against
# tests/viewer_ref/shell_NAME.png; WANT in the summary line.
example_shot() {
    local name=$1 exe=$2 want=$3
    "$exe" --save "$TMP/$name.rrd" --recording-id rec_ui >/dev/null || { fail "$name: --save"; return; }
    shot "$name" 0 --ui --screenshot "$TMP/$name.png" --size 800x500 \
        --compare "$SRC/tests/viewer_ref/shell_$name.png" --tolerance 0.002 "$TMP/$name.rrd"
    grep -q "$want" "$TMP/$name.out" || fail "$name: not '$want': $(cat "$TMP/$name.out")"
    grep -q "^compare: " "$TMP/$name.out" || fail "$name: no comparison printed"
}
example_shot textlog "$EX_LOG" "at frame=5, 6 drawables"
example_shot barchart "$EX_BARS" "at log_tick=2, 22 drawables"
example_shot graph "$EX_GRAPH" "at log_tick=1, 3 drawables"
example_shot map "$EX_GEO" "at log_tick=0, 1 drawables"

# Damaged files, the damage inside the chunk of "drifting" (the only data on
# `frame`): the static-free "random" cloud before it still loads and is drawn
# on the timeline it has, the error names the offset, exit 1.
OFF=$("$RERUN" rrd print "$TMP/p.rrd" | grep "chunk /drifting " | grep -o "offset=[0-9]*" | cut -d= -f2)
[ -n "$OFF" ] || { echo "viewer_headless: FAIL: no offset of /drifting in rrd print"; exit 1; }
head -c $((OFF + 200)) "$TMP/p.rrd" >"$TMP/trunc.rrd"
shot trunc 1 --screenshot "$TMP/trunc.png" --size 320x240 "$TMP/trunc.rrd"
grep -q "error loading: .*\(offset\|byte\) [0-9]" "$TMP/trunc.err" || fail "trunc: no error naming an offset: $(cat "$TMP/trunc.err")"
grep -q ", 1 drawables" "$TMP/trunc.out" || fail "trunc: not the one cloud that loaded: $(cat "$TMP/trunc.out")"
[ -s "$TMP/trunc.png" ] || fail "trunc: no picture of what loaded"
shot trunc_ui 1 --ui --screenshot "$TMP/trunc_ui.png" --size 640x400 "$TMP/trunc.rrd"
grep -q "error loading: .*\(offset\|byte\) [0-9]" "$TMP/trunc_ui.err" || fail "trunc_ui: no error naming an offset: $(cat "$TMP/trunc_ui.err")"
[ -s "$TMP/trunc_ui.png" ] || fail "trunc_ui: no picture of what loaded"
cp "$TMP/p.rrd" "$TMP/bad.rrd"
printf '\xff\xff\xff\x7f\xde\xad\xbe\xef' | dd of="$TMP/bad.rrd" bs=1 seek=$((OFF + 300)) conv=notrunc status=none
shot corrupt 1 --screenshot "$TMP/bad.png" --size 320x240 "$TMP/bad.rrd"
grep -q "error loading: .*\(offset\|byte\) [0-9]" "$TMP/corrupt.err" || fail "corrupt: no error naming an offset: $(cat "$TMP/corrupt.err")"
[ -s "$TMP/bad.png" ] || fail "corrupt: no picture of what loaded"
head -c 5 "$TMP/p.rrd" >"$TMP/tiny.rrd"
shot tiny 1 --screenshot "$TMP/tiny.png" --size 64x48 "$TMP/tiny.rrd"
[ -s "$TMP/tiny.png" ] || fail "tiny: no picture (an empty scene still renders)"

# Usage errors.
shot nosize 2 --screenshot "$TMP/x.png" --size 12 "$TMP/p.rrd"
shot notime 2 --screenshot "$TMP/x.png" --time frame "$TMP/p.rrd"
shot noshot 2 "$TMP/p.rrd"
shot notimeline 1 --screenshot "$TMP/x.png" --time nosuch=3 "$TMP/p.rrd"
grep -q "no timeline 'nosuch'" "$TMP/notimeline.err" || fail "notimeline: $(cat "$TMP/notimeline.err")"

if [ "$FAILS" -gt 0 ]; then
    echo "viewer_headless: $FAILS failure(s)"
    exit 1
fi
echo "viewer_headless: ok"
