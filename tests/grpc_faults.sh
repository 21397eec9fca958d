#!/usr/bin/env bash
# Faults against `rerun --serve-grpc` (clients: tests/js/grpc_faults_check.mjs):
#  1. a writer killed with SIGKILL in the middle of its WriteMessages stream:
#     the history keeps its complete messages, a new writer and readers are
#     served;
#  2. a reader that stops reading while a writer sends 48 MiB: the server ends
#     it with RESOURCE_EXHAUSTED (its bound, --reader-buffer 8MiB: 4 MiB in the
#     call's send queue plus 4 MiB of proxy backlog), the writer is never refused, the other reader gets everything
#     in order; the log says which reader was disconnected.
# Then SIGTERM: exit 0, no sanitizer report. Skips (77) without node or
# tests/js/node_modules.
set -uo pipefail
src=${RR_SOURCE_DIR:?}
build=${RR_BUILD_DIR:?}
js=$src/tests/js
rerun=${RR_RERUN:-$build/rerun}
command -v node >/dev/null || { echo "SKIP: node not installed"; exit 77; }
[ -d "$js/node_modules/@grpc/grpc-js" ] || { echo "SKIP: tests/js/node_modules lacks @grpc/grpc-js (npm ci)"; exit 77; }
[ -x "$rerun" ] || { echo "FAIL: $rerun not built"; exit 1; }

work=$(mktemp -d)
pid=
wpid=
cleanup() {
    [ -n "$wpid" ] && kill -9 "$wpid" 2>/dev/null
    [ -n "$pid" ] && kill "$pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

. "$src/tests/lib/serve_grpc.sh"
serve_grpc_start --server-memory-limit 256MiB --reader-buffer 8MiB || exit 1
addr=127.0.0.1:$port
status=0

# 1. A writer killed mid-stream.
n=500
(cd "$js" && exec node grpc_faults_check.mjs writer "$addr" $n) >"$work/writer" 2>&1 &
wpid=$!
for _ in $(seq 100); do grep -q '^sent' "$work/writer" && break; sleep 0.1; done
grep -q "^sent $n" "$work/writer" || { echo "FAIL: the writer did not send"; cat "$work/writer"; status=1; }
kill -9 "$wpid"
wait "$wpid" 2>/dev/null
wpid=
echo "ok: writer killed with SIGKILL mid-stream"
(cd "$js" && node grpc_faults_check.mjs check "$addr" $n) || status=1

# 2. A reader that stops reading.
(cd "$js" && node grpc_faults_check.mjs slow "$addr" 12000,4000) || status=1
if grep -q 'disconnecting reader' "$work/err"; then
    echo "ok: the log names the disconnected reader: $(grep -m1 'disconnecting reader' "$work/err")"
else
    echo "FAIL: no log line about the disconnected reader"
    status=1
fi

kill -TERM "$pid"
wait "$pid"
rc=$?
pid=
[ "$rc" -eq 0 ] && echo "ok: server exited 0 on SIGTERM" || { echo "FAIL: server exited $rc"; status=1; }
if grep -q -E 'ERROR: (Address|Leak)Sanitizer|runtime error' "$work/err"; then
    echo "FAIL: sanitizer report from the server"
    status=1
fi
[ $status -ne 0 ] && { echo "--- server log"; cat "$work/err"; }
exit $status
