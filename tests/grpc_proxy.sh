#!/usr/bin/env bash
# `rerun --serve-grpc` against @grpc/grpc-js (an independent gRPC
# implementation over HTTP/2): tests/js/grpc_proxy_check.mjs calls every
# method of MessageProxyService, the bad calls too (malformed, oversized,
# unknown method), and checks the server keeps serving. Then SIGTERM must stop
# the server with exit 0 and a clean shutdown (no sanitizer report).
# Skips (77) when node or tests/js/node_modules is absent.
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
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

max=1048576
. "$src/tests/lib/serve_grpc.sh"
serve_grpc_start --server-memory-limit 64MiB --max-message-size 1MiB || exit 1
echo "server: $url"

status=0
(cd "$js" && node grpc_proxy_check.mjs "127.0.0.1:$port" "$max") || status=1

kill -TERM "$pid"
wait "$pid"
rc=$?
pid=
if [ "$rc" -ne 0 ]; then
    echo "FAIL: server exited $rc after SIGTERM"
    status=1
else
    echo "ok: server exited 0 on SIGTERM"
fi
if grep -q -E 'ERROR: (Address|Leak)Sanitizer|runtime error' "$work/err"; then
    echo "FAIL: sanitizer report from the server"
    status=1
fi
grep -q 'Listening for gRPC connections' "$work/err" || { echo "FAIL: no listening line in the log"; status=1; }
echo "--- server log"
cat "$work/err"
exit $status
