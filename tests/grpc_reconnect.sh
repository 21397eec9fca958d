#!/usr/bin/env bash
# A server restarted while the SDK logs: a program logs to the gRPC sink
# (and to a file, for reference) for 4 s; the grpc-js server
# (tests/js/grpc_test_server.mjs) is killed with SIGKILL after 1.2 s and
# started again on the same port 1 s later. The program must exit 0 in
# bounded time, log that it reconnected, and every message it saved must
# have reached one of the two servers, each of which got the recording's
# SetStoreInfo first (and nothing else than the saved messages).
# Part 2 does the same with our own server (`rerun --serve-grpc`), stopped
# (SIGTERM) and started again on its port while the program logs; a reader
# on each server instance (ReadMessages through our client) records what that
# instance got, and together they must cover every saved message.
set -u
src=${RR_SOURCE_DIR:?}
build=$(cd "${RR_BUILD_DIR:?}" && pwd)
tool=$build/tests/test_grpc_client
. "$src/tests/lib/grpcjs_server.sh"
js=$grpcjs

start_server "$tmp/got1.rrd"
url=rerun+http://127.0.0.1:$port/proxy
t0=$(date +%s)
timeout 60 "$tool" log "$url" "$tmp/saved.rrd" 4000 >"$tmp/log.out" 2>&1 &
logger=$!
sleep 1.2
kill -9 "$server_pid"; wait "$server_pid" 2>/dev/null
server_pid=
sleep 1
start_server "$tmp/got2.rrd" "$port"
wait "$logger"
rc=$?
took=$(( $(date +%s) - t0 ))
kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; server_pid=
cat "$tmp/log.out"
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
[ $rc -eq 0 ] || bad "the logging program exited with $rc"
[ $took -le 30 ] || bad "the logging program took $took s"
grep -q "connection to .* lost" "$tmp/log.out" || bad "no log line about the lost connection"
grep -q "reconnected to $url" "$tmp/log.out" || bad "no log line saying it reconnected"
if out=$(node "$js" cover "$tmp/saved.rrd" "$tmp/got1.rrd" "$tmp/got2.rrd" 2>&1); then
  echo "$out"
else
  bad "$out"
fi
# Part 2: our own server restarted.
rerun=$build/rerun
start_ours() {
  "$rerun" --serve-grpc --port "$1" >"$2" 2>&1 &
  server_pid=$!
  port=
  for _ in $(seq 100); do
    port=$(grep -o 'listening on 127.0.0.1:[0-9]*' "$2" 2>/dev/null | head -1 | cut -d: -f2)
    [ -n "$port" ] && break
    sleep 0.1
  done
  [ -n "$port" ] || { bad "rerun --serve-grpc did not start: $(cat "$2")"; return 1; }
}
if start_ours 0 "$tmp/serve1.log"; then
  url=rerun+http://127.0.0.1:$port/proxy
  timeout 60 "$tool" read "$url" "$tmp/read1.rrd" 30000 >"$tmp/read1.out" 2>&1 &
  reader=$!
  sleep 0.3
  timeout 60 "$tool" log "$url" "$tmp/saved2.rrd" 4000 >"$tmp/log2.out" 2>&1 &
  logger=$!
  sleep 1.2
  kill -TERM "$server_pid"; wait "$server_pid"; src_rc=$?
  server_pid=
  wait "$reader"
  [ $src_rc -eq 0 ] || bad "rerun --serve-grpc exited with $src_rc on SIGTERM"
  sleep 1
  if start_ours "$port" "$tmp/serve2.log"; then
    wait "$logger"; rc=$?
    timeout 30 "$tool" read "$url" "$tmp/read2.rrd" 2000 >"$tmp/read2.out" 2>&1 ||
      bad "reading the restarted server: $(cat "$tmp/read2.out")"
    kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; server_pid=
    cat "$tmp/log2.out"
    [ $rc -eq 0 ] || bad "(our server) the logging program exited with $rc"
    grep -q "reconnected to $url" "$tmp/log2.out" || bad "(our server) no log line saying it reconnected"
    if out=$(node "$js" cover "$tmp/saved2.rrd" "$tmp/read1.rrd" "$tmp/read2.rrd" 2>&1); then
      echo "ok our server restarted: $out"
    else
      bad "(our server) $out"
    fi
  else
    wait "$logger"
  fi
fi

[ $fails -eq 0 ] && echo "PASS" || { echo "$fails failure(s)"; exit 1; }
