#!/usr/bin/env bash
# The SDK's examples (examples/*.c, built into $RR_BUILD_DIR/examples/) end
# to end: each one run with --save and a given --recording-id writes a file
# that `rerun rrd verify` accepts, whose `rerun rrd print` shows the store
# (application id rerun_example_NAME, that recording id), the expected
# entities with their components, and the expected timelines with their
# ranges (the table below). Also: --stdout piped into `rerun rrd verify -`,
# the default output NAME.rrd in the current directory, and usage errors
# (exit 2 with the usage on stderr).
set -u

BUILD="$(cd "${RR_BUILD_DIR:?RR_BUILD_DIR not set}" && pwd)"
RERUN="$BUILD/rerun"
EX="$BUILD/examples"
NAME=examples
# shellcheck source=lib/cli_check.sh
. "$(dirname "$0")/lib/cli_check.sh"

# NAME | extra arguments | entity@component,... (each listed component is
# in some chunk of that entity) | timeline=first..last over all chunks
# (sequence numbers, or seconds for durations, as print shows them), beyond log_time/log_tick.
TABLE='
minimal||/my_points@Points3D:positions,Points3D:colors,Points3D:radii|
points3d||/random@Points3D:positions,Points3D:colors,Points3D:radii /drifting@Points3D:positions,Points3D:labels|frame=0..29
transform_hierarchy||/@ViewCoordinates:xyz /sun@Boxes3D:half_sizes,Boxes3D:colors,Boxes3D:fill_mode /sun/planet@Boxes3D:half_sizes,Transform3D:translation,Transform3D:rotation_axis_angle /sun/planet/axes@Arrows3D:vectors,Arrows3D:colors /sun/planet/moon@Boxes3D:half_sizes,Transform3D:translation,Transform3D:relation|sim_time=0.000000000..5.991666666
image||/image@Image:buffer,Image:format|frame=0..19
depth_image_pinhole||/world/camera@Transform3D:translation,Pinhole:image_from_camera,Pinhole:resolution /world/camera/depth@DepthImage:buffer,DepthImage:format,DepthImage:meter,DepthImage:colormap|
scalars_plot||/trig/sin@Scalars:scalars,SeriesLines:colors,SeriesLines:names,SeriesLines:widths /trig/cos@Scalars:scalars,SeriesLines:colors,SeriesLines:names,SeriesLines:widths|step=0..1255
text_log||/log@TextLog:text,TextLog:level|frame=0..5
send_columns||/scalars@Scalars:scalars|step=0..63
mesh||/tetrahedron@Mesh3D:vertex_positions,Mesh3D:triangle_indices,Mesh3D:vertex_colors|
bar_chart||/bar_chart@BarChart:values /bar_chart_custom_abscissa@BarChart:values,BarChart:abscissa /bar_chart_custom_abscissa_and_widths@BarChart:values,BarChart:abscissa,BarChart:widths|
graph||/simple@GraphNodes:node_ids,GraphNodes:positions,GraphNodes:labels,GraphEdges:edges,GraphEdges:graph_type|
geo_points||/rerun_hq@GeoPoints:positions,GeoPoints:radii,GeoPoints:colors|
distributed|--worker w1|/w1/log@TextLog:text,TextLog:level /w1/signal@Scalars:scalars|step=0..99
'

# range TIMELINE < print output: "first..last" over the chunks that have it.
range() {
    grep -o " $1=[^ ]*" | cut -d= -f2- | tr -d '#s' | awk -F'\\.\\.' '
        NR == 1 || $1 + 0 < lo + 0 { lo = $1 }
        NR == 1 || $2 + 0 > hi + 0 { hi = $2 }
        END { if (NR) printf "%s..%s\n", lo, hi }'
}

checked=0
while IFS='|' read -r ex args entities timelines; do
    [ -n "$ex" ] || continue
    if [ ! -x "$EX/$ex" ]; then
        fail "$ex: $EX/$ex not built"
        continue
    fi
    checked=$((checked + 1))
    rid="rec_examples_test_$ex"
    file="$TMP/$ex.rrd"
    # shellcheck disable=SC2086  # args is a word list
    run "$ex" 0 "$EX/$ex" --save "$file" --recording-id "$rid" $args || continue
    grep -q "$file" "$TMP/$ex.out" || fail "$ex: does not say where it wrote: $(head -c 200 "$TMP/$ex.out")"
    run "$ex-verify" 0 "$RERUN" rrd verify "$file" || continue
    run "$ex-print" 0 "$RERUN" rrd print "$file" || continue
    P="$TMP/$ex-print.out"

    n_stores=$(grep -c "^store " "$P")
    [ "$n_stores" = 1 ] || fail "$ex: $n_stores stores, expected 1"
    grep -q "^store 1: recording application_id=rerun_example_$ex recording_id=$rid " "$P" ||
        fail "$ex: no store line with application_id=rerun_example_$ex recording_id=$rid: $(grep '^store' "$P")"

    for spec in $entities; do
        entity="${spec%%@*}"
        chunks=$(grep "^  chunk $entity store=" "$P")
        if [ -z "$chunks" ]; then
            fail "$ex: no chunk of $entity"
            continue
        fi
        for comp in $(echo "${spec#*@}" | tr , ' '); do
            echo "$chunks" | grep -qE "components=([^ ]*,)?$comp(,| |$)" || fail "$ex: $entity has no $comp"
        done
    done
    # Every entity printed is one the table expects (plus the recording's properties).
    for entity in $(grep -o "^  chunk [^ ]*" "$P" | awk '{ print $2 }' | sort -u); do
        [ "$entity" = /__properties ] && continue
        echo " $entities" | grep -q " $entity@" || fail "$ex: unexpected entity $entity"
    done

    for spec in $timelines; do
        tl="${spec%%=*}"
        got=$(range "$tl" <"$P")
        [ "$got" = "${spec#*=}" ] || fail "$ex: timeline $tl spans '$got', expected '${spec#*=}'"
    done
    # Row logging adds log_time and log_tick to every temporal chunk, as
    # Rerun's SDKs do; send_columns adds only the time columns given.
    temporal=$(grep "^  chunk " "$P" | grep -v " static ")
    if [ "$ex" = send_columns ]; then
        echo "$temporal" | grep -qE " log_(time|tick)=" && fail "$ex: send_columns rows got log_time/log_tick"
    else
        echo "$temporal" | grep -vE " log_tick=#[0-9]+\.\.#[0-9]+ .*log_time=20[0-9-]+T" | grep -q . &&
            fail "$ex: a temporal chunk lacks log_tick/log_time: $(echo "$temporal" | head -c 300)"
    fi

    # Usage errors: exit 2 with the usage on stderr.
    run "$ex-badopt" 2 "$EX/$ex" --no-such-option
    grep -q "^usage: $ex " "$TMP/$ex-badopt.err" || fail "$ex: no usage on a bad option"
    run "$ex-noval" 2 "$EX/$ex" --save
    run "$ex-both" 2 "$EX/$ex" --save "$TMP/x.rrd" --stdout
    run "$ex-help" 0 "$EX/$ex" --help
    grep -q "^usage: $ex " "$TMP/$ex-help.out" || fail "$ex: --help prints no usage"
done <<<"$TABLE"
[ "$checked" = 13 ] || fail "checked $checked examples, expected 13"

# --stdout: the .rrd stream alone on stdout (what the example says goes to
# stderr), readable from a pipe.
for ex in minimal scalars_plot; do
    if "$EX/$ex" --stdout --recording-id piped 2>"$TMP/$ex-stdout.err" | "$RERUN" rrd verify - >"$TMP/$ex-pipe.out" 2>&1; then
        grep -q "^<stdin>: ok " "$TMP/$ex-pipe.out" || fail "$ex --stdout | verify -: $(cat "$TMP/$ex-pipe.out")"
    else
        fail "$ex --stdout | rerun rrd verify -: $(head -c 300 "$TMP/$ex-pipe.out") $(head -c 300 "$TMP/$ex-stdout.err")"
    fi
    grep -qE "Sanitizer|runtime error" "$TMP/$ex-stdout.err" && fail "$ex --stdout: sanitizer report"
    "$EX/$ex" --stdout --recording-id piped 2>/dev/null | "$RERUN" rrd print - >"$TMP/$ex-pipe-print.out" 2>&1
    grep -q "recording_id=piped " "$TMP/$ex-pipe-print.out" || fail "$ex --stdout | print -: no recording_id=piped"
done

# No arguments: NAME.rrd in the current directory, and it says so.
mkdir "$TMP/cwd"
(cd "$TMP/cwd" && "$EX/text_log" >"$TMP/default.out" 2>"$TMP/default.err")
rc=$?
[ "$rc" = 0 ] || fail "text_log without arguments: exit $rc: $(head -c 300 "$TMP/default.err")"
[ -s "$TMP/cwd/text_log.rrd" ] || fail "text_log without arguments: no ./text_log.rrd"
grep -q "text_log.rrd" "$TMP/default.out" || fail "text_log without arguments: does not say where it wrote"
"$RERUN" rrd verify "$TMP/cwd/text_log.rrd" >/dev/null 2>&1 || fail "text_log without arguments: verify fails"

# An unwritable --save path: exit 1 with a message, no crash.
run save-bad 1 "$EX/minimal" --save "$TMP/no/such/dir/x.rrd"
[ -s "$TMP/save-bad.err" ] || fail "minimal --save into a missing directory: no message"

finish
