#!/usr/bin/env bash
# The native viewer in a real window under Xvfb (GLFW + OpenGL ES 3 on
# llvmpipe), read back through its debug dump (--debug-dump, JSON):
# - examples/points3d's .rrd opens in the shell following the end of "frame";
#   space (sent with xdotool) plays and the time advances, space pauses,
#   Right steps; a click on the time panel's play button (its rect from the
#   dump) plays again; F12 and SaveScreenshot over gRPC (grpc-js, to the
#   viewer's built-in endpoint) write the window's frame, a view id it does
#   not know is INVALID_ARGUMENT; the exit screenshot (SIGTERM) is a picture,
#   not an empty frame;
# - standard input (`points3d --stdout | rerun -`);
# - a live source: `rerun --serve-grpc` + points3d --connect, then the viewer
#   on rerun+http://.../proxy shows the example's recording id;
# - the built-in endpoint: points3d --connect to the viewer's own port;
# - a truncated file: the error is in the dump, the viewer keeps running;
# - no display: a clear message (set DISPLAY or use --headless), exit 1.
# Skips (77) without Xvfb, xdotool or a GLFW build.
#
# Leak checking is off for the windowed processes only: Mesa's GLX driver
# keeps allocations in a module it unloads at exit, which LeakSanitizer
# reports without symbols. The app core's leaks are checked by
# test_viewer_app under the same sanitizers.
set -u

BUILD="${RR_BUILD_DIR:?RR_BUILD_DIR not set}"
RR_SOURCE_DIR="${RR_SOURCE_DIR:?RR_SOURCE_DIR not set}"
RERUN="$BUILD/rerun"
EX="$BUILD/examples/points3d"
for exe in "$RERUN" "$EX"; do
    [ -x "$exe" ] || { echo "viewer_window: FAIL: $exe not built"; exit 1; }
done
for tool in Xvfb xdotool; do
    command -v "$tool" >/dev/null || { echo "viewer_window: skipping: $tool is not installed (scripts/install-deps)"; exit 77; }
done
TMP=$(mktemp -d)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT
FAILS=0
fail() { echo "viewer_window: FAIL: $*"; FAILS=$((FAILS + 1)); }
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

# The no-display message first: it needs no X server.
env -u DISPLAY -u WAYLAND_DISPLAY "$RERUN" --port none /dev/null >"$TMP/nodisp.out" 2>"$TMP/nodisp.err"
rc=$?
if grep -q "has no native window" "$TMP/nodisp.err"; then
    echo "viewer_window: skipping: $(cat "$TMP/nodisp.err")"
    exit 77
fi
[ "$rc" = 1 ] || fail "no display: exit $rc, want 1"
grep -q "set DISPLAY" "$TMP/nodisp.err" && grep -q -- "--headless" "$TMP/nodisp.err" ||
    fail "no display: message does not say what to do: $(cat "$TMP/nodisp.err")"

# An X server on a free display number.
DISP=""
for n in $(seq 91 140); do
    [ -e "/tmp/.X11-unix/X$n" ] || [ -e "/tmp/.X$n-lock" ] && continue
    Xvfb ":$n" -screen 0 1024x768x24 -nolisten tcp >"$TMP/xvfb.log" 2>&1 &
    XPID=$!
    for _ in $(seq 1 50); do
        [ -e "/tmp/.X11-unix/X$n" ] && break
        kill -0 "$XPID" 2>/dev/null || break
        sleep 0.1
    done
    if [ -e "/tmp/.X11-unix/X$n" ] && kill -0 "$XPID" 2>/dev/null; then
        PIDS+=("$XPID")
        DISP=":$n"
        break
    fi
    kill "$XPID" 2>/dev/null
done
[ -n "$DISP" ] || { echo "viewer_window: skipping: Xvfb did not start: $(head -c 300 "$TMP/xvfb.log")"; exit 77; }
export DISPLAY="$DISP"

# field FILE KEY: a scalar member of the dump ("" when absent).
field() {
    sed -n "s/.*\"$2\":\(\"[^\"]*\"\|[^,}]*\).*/\1/p" "$1" 2>/dev/null | tr -d '"'
}
# wait_until SECONDS COMMAND...: polls every 0.1 s.
wait_until() {
    local n=$(($1 * 10))
    shift
    for _ in $(seq 1 "$n"); do
        "$@" && return 0
        sleep 0.1
    done
    return 1
}
dump_has() { grep -q "$2" "$1" 2>/dev/null; }

# viewer NAME ARGS...: starts the viewer in the background; VPID, VDUMP.
viewer() {
    local name=$1
    shift
    VDUMP="$TMP/$name.json"
    # A background job's stdin is /dev/null unless redirected here.
    "$RERUN" "$@" --debug-dump "$VDUMP" --dump-every 2 --size 640x480 <"${VSTDIN:-/dev/null}" >"$TMP/$name.out" 2>"$TMP/$name.err" &
    VPID=$!
    PIDS+=("$VPID")
    if ! wait_until 60 test -s "$VDUMP"; then
        if grep -q "cannot open a window\|cannot open the display" "$TMP/$name.err"; then
            echo "viewer_window: skipping: $(head -c 400 "$TMP/$name.err")"
            exit 77
        fi
        fail "$name: no debug dump: $(head -c 600 "$TMP/$name.err")"
        return 1
    fi
}
# stop_viewer NAME: SIGTERM, must exit 0 (no crash).
stop_viewer() {
    kill -TERM "$VPID" 2>/dev/null
    wait "$VPID"
    local rc=$?
    [ "$rc" = 0 ] || fail "$1: viewer exit $rc: $(tail -c 800 "$TMP/$1.err")"
}

"$EX" --save "$TMP/p.rrd" --recording-id rec_window_file >/dev/null || { echo "viewer_window: FAIL: points3d --save"; exit 1; }

# ---- a file, played with the keyboard ----
if viewer file "$TMP/p.rrd" --port 0 --screenshot "$TMP/shot.png" --screenshot-on-exit; then
    D=$VDUMP
    wait_until 30 dump_has "$D" '"chunks":[1-9]' || fail "file: no chunks loaded: $(cat "$D")"
    [ "$(field "$D" recording_id)" = rec_window_file ] || fail "file: recording $(field "$D" recording_id)"
    [ "$(field "$D" timeline)" = frame ] || fail "file: timeline $(field "$D" timeline)"
    MAX=$(field "$D" time_max)
    [ "$(field "$D" time)" = "$MAX" ] && [ "$(field "$D" following)" = true ] || fail "file: not following the end: $(cat "$D")"
    WIN=$(xdotool search --sync --onlyvisible --name "Rerun" 2>/dev/null | head -1)
    if [ -z "$WIN" ]; then
        fail "file: no window named Rerun"
    else
        xdotool windowfocus --sync "$WIN" 2>/dev/null || xdotool windowfocus "$WIN"
        xdotool key --window "$WIN" space
        wait_until 20 dump_has "$D" '"playing":true' || fail "file: space did not start playback: $(cat "$D")"
        T1=$(field "$D" time)
        wait_until 20 sh -c "[ \"\$(sed -n 's/.*\"time\":\([-0-9]*\).*/\1/p' '$D')\" -gt '${T1:-0}' ]" ||
            fail "file: time did not advance from $T1 while playing: $(cat "$D")"
        xdotool key --window "$WIN" space
        wait_until 20 dump_has "$D" '"playing":false' || fail "file: space did not pause: $(cat "$D")"
        sleep 0.3
        T2=$(field "$D" time)
        xdotool key --window "$WIN" Right
        if [ "$T2" -lt "$MAX" ] 2>/dev/null; then
            wait_until 20 dump_has "$D" "\"time\":$((T2 + 1))," || fail "file: Right did not step from $T2: $(cat "$D")"
        fi
        # The time panel's play button, clicked with the mouse (points are
        # pixels here: Xvfb has no HiDPI). Home first: from the end, play
        # starts over.
        PB=$(sed -n 's/.*"play_button":\[\([^]]*\)\].*/\1/p' "$D")
        if [ -z "$PB" ]; then
            fail "file: no play_button in the dump: $(cat "$D")"
        else
            PX=$(echo "$PB" | awk -F, '{printf "%d", $1 + $3 / 2}')
            PY=$(echo "$PB" | awk -F, '{printf "%d", $2 + $4 / 2}')
            T3=$(field "$D" time)
            xdotool mousemove --window "$WIN" "$PX" "$PY" click 1
            wait_until 20 dump_has "$D" '"playing":true' || fail "file: clicking play ($PX,$PY) did not play: $(cat "$D")"
            wait_until 20 sh -c "[ \"\$(sed -n 's/.*\"time\":\([-0-9]*\).*/\1/p' '$D')\" != '${T3}' ]" ||
                fail "file: time did not move from $T3 after clicking play: $(cat "$D")"
            xdotool key --window "$WIN" space
        fi
        xdotool key --window "$WIN" F12
        wait_until 20 test -s "$TMP/shot.png" || fail "file: F12 wrote no screenshot: $(tail -c 400 "$TMP/file.err")"
    fi
    # SaveScreenshot over gRPC, answered by the window after its next frame.
    PORT=$(field "$D" port)
    if [ -d "$RR_SOURCE_DIR/tests/js/node_modules/@grpc/grpc-js" ] && command -v node >/dev/null; then
        if node "$RR_SOURCE_DIR/tests/js/viewer_screenshot_rpc.mjs" "127.0.0.1:$PORT" "$TMP/rpc.png" >"$TMP/rpc.out" 2>&1; then
            RSIZE=$(stat -c %s "$TMP/rpc.png" 2>/dev/null || echo 0)
            DIMS=$(od -An -tu1 -j16 -N8 "$TMP/rpc.png" 2>/dev/null | awk '{printf "%dx%d", $3*256+$4, $7*256+$8}')
            [ "$RSIZE" -gt 8000 ] && [ "$DIMS" = 640x480 ] || fail "file: SaveScreenshot wrote $RSIZE bytes of $DIMS"
        else
            fail "file: SaveScreenshot failed: $(cat "$TMP/rpc.out")"
        fi
        node "$RR_SOURCE_DIR/tests/js/viewer_screenshot_rpc.mjs" "127.0.0.1:$PORT" "$TMP/rpc_view.png" no-such-view >"$TMP/rpc2.out" 2>&1
        grep -q "INVALID_ARGUMENT" "$TMP/rpc2.out" || fail "file: SaveScreenshot of an unknown view: $(cat "$TMP/rpc2.out")"
    else
        echo "viewer_window: note: no node/@grpc/grpc-js, SaveScreenshot not checked"
    fi
    stop_viewer file
    SIZE=$(stat -c %s "$TMP/shot.png" 2>/dev/null || echo 0)
    # An empty 640x480 frame compresses to a few KB; the grid and points do not.
    [ "$SIZE" -gt 8000 ] || fail "file: exit screenshot missing or empty ($SIZE bytes)"
fi

# ---- standard input ----
mkfifo "$TMP/stdin.fifo"
"$EX" --stdout --recording-id rec_window_stdin >"$TMP/stdin.fifo" 2>/dev/null &
PIDS+=("$!")
VSTDIN="$TMP/stdin.fifo"
viewer stdin - --port none
STARTED=$?
unset VSTDIN
if [ "$STARTED" = 0 ]; then
    wait_until 30 dump_has "$VDUMP" '"recording_id":"rec_window_stdin"' || fail "stdin: recording not shown: $(cat "$VDUMP")"
    wait_until 30 dump_has "$VDUMP" '"loading":false' || fail "stdin: never finished loading: $(cat "$VDUMP")"
    stop_viewer stdin
fi

# ---- a live source: rerun --serve-grpc, an example, then the viewer ----
"$RERUN" --serve-grpc --port 0 >"$TMP/serve.out" 2>"$TMP/serve.err" &
SPID=$!
PIDS+=("$SPID")
wait_until 30 test -s "$TMP/serve.out" || fail "serve-grpc: no URL: $(cat "$TMP/serve.err")"
URL=$(head -1 "$TMP/serve.out")
if [ -n "$URL" ]; then
    "$EX" --connect "$URL" --recording-id rec_window_live >"$TMP/live_ex.out" 2>&1 || fail "live: example failed: $(cat "$TMP/live_ex.out")"
    if viewer live "$URL" --port none; then
        wait_until 30 dump_has "$VDUMP" '"recording_id":"rec_window_live"' || fail "live: recording not shown: $(cat "$VDUMP")"
        wait_until 30 dump_has "$VDUMP" '"chunks":[1-9]' || fail "live: no chunks: $(cat "$VDUMP")"
        stop_viewer live
    fi
fi
kill -TERM "$SPID" 2>/dev/null

# ---- the built-in endpoint ----
if viewer endpoint --port 0; then
    wait_until 30 dump_has "$VDUMP" '"port":[1-9]' || fail "endpoint: no port in the dump: $(cat "$VDUMP")"
    PORT=$(field "$VDUMP" port)
    "$EX" --connect "rerun+http://127.0.0.1:$PORT/proxy" --recording-id rec_window_sdk >"$TMP/sdk.out" 2>&1 ||
        fail "endpoint: example failed: $(cat "$TMP/sdk.out")"
    wait_until 30 dump_has "$VDUMP" '"recording_id":"rec_window_sdk"' || fail "endpoint: recording not shown: $(cat "$VDUMP")"
    wait_until 30 dump_has "$VDUMP" '"chunks":[1-9]' || fail "endpoint: no chunks: $(cat "$VDUMP")"
    stop_viewer endpoint
fi

# ---- a truncated file: what loaded, an error, no crash ----
SZ=$(stat -c %s "$TMP/p.rrd")
head -c $((SZ * 2 / 3)) "$TMP/p.rrd" >"$TMP/cut.rrd"
if viewer cut "$TMP/cut.rrd" --port none; then
    wait_until 30 dump_has "$VDUMP" '"error":"[^"]*cut.rrd' || fail "cut: no error in the dump: $(cat "$VDUMP")"
    dump_has "$VDUMP" '"chunks":[1-9]' || fail "cut: nothing of what came before the cut loaded: $(cat "$VDUMP")"
    kill -0 "$VPID" 2>/dev/null || fail "cut: the viewer died"
    stop_viewer cut
fi

if [ "$FAILS" -gt 0 ]; then
    echo "viewer_window: $FAILS failure(s)"
    exit 1
fi
echo "viewer_window: ok (file + keyboard and play-button playback + F12, gRPC and exit screenshots, stdin, live proxy, built-in endpoint, truncated file, no display)"
