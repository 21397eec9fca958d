#!/usr/bin/env bash
# The gRPC client and the SDK's gRPC sink against an independent gRPC
# implementation: tests/js/grpc_test_server.mjs (@grpc/grpc-js) records every
# LogMsg it receives. Checks:
#  1. client calls: unary (a 300 kB echo), a failing unary (status name and
#     percent-encoded message reported), an unknown method (UNIMPLEMENTED),
#     server streaming (5000 messages in order);
#  2. every SDK example run with `--connect URL --save FILE`: the server got
#     SetStoreInfo first and then exactly the file's messages, byte for byte;
#  3. ReadMessages through our client returns what the server holds;
#  4. with no server, an example still ends in bounded time (the flush
#     timeout), exits 0, and warns that messages are still pending;
#  5. our own server (`rerun --serve-grpc`): an example streams to it, and
#     ReadMessages through our client gives back the saved messages (as a
#     set: the proxy replays static data ahead of temporal data).
set -u
src=${RR_SOURCE_DIR:?}
build=$(cd "${RR_BUILD_DIR:?}" && pwd)
tool=$build/tests/test_grpc_client
. "$src/tests/lib/grpcjs_server.sh"
js=$grpcjs
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

# 1. client calls
start_server "$tmp/calls.rrd"
url=rerun+http://127.0.0.1:$port/proxy
if out=$(timeout 60 "$tool" call "$url" 2>&1); then echo "$out"; else bad "client calls: $out"; fi
stop_server

# 2. + 3. every SDK example, streamed and saved in the same run
examples="minimal points3d transform_hierarchy image depth_image_pinhole scalars_plot text_log
  send_columns mesh bar_chart graph geo_points distributed"
for ex in $examples; do
  [ -x "$build/examples/$ex" ] || { bad "$ex: not built"; continue; }
  start_server "$tmp/$ex.got.rrd"
  url=rerun+http://127.0.0.1:$port/proxy
  if ! out=$(cd "$tmp" && timeout 60 "$build/examples/$ex" --connect "$url" --save "$tmp/$ex.saved.rrd" 2>&1); then
    bad "$ex --connect: $out"
  elif ! cmp=$(node "$js" compare "$tmp/$ex.got.rrd" "$tmp/$ex.saved.rrd" 2>&1); then
    bad "$ex: the server did not get the saved messages: $cmp"
  else
    echo "ok $ex: $cmp"
    if [ "$ex" = points3d ]; then
      if ! r=$(timeout 30 "$tool" read "$url" "$tmp/read.rrd" 2>&1) ||
         ! c=$(node "$js" compare "$tmp/read.rrd" "$tmp/$ex.saved.rrd" 2>&1); then
        bad "ReadMessages: $r $c"
      else
        echo "ok ReadMessages: $c"
      fi
    fi
  fi
  stop_server
done

# 4. no server: bounded, success, a clear warning
start_server "$tmp/none.rrd"; dead=$port; stop_server
t0=$(date +%s)
out=$(cd "$tmp" && timeout 60 "$build/examples/points3d" --connect "rerun+http://127.0.0.1:$dead/proxy" 2>&1)
rc=$?
took=$(( $(date +%s) - t0 ))
if [ $rc -ne 0 ]; then bad "no server: exit $rc: $out"
elif [ $took -gt 15 ]; then bad "no server: took $took s"
elif ! grep -q "warning: gRPC sink: flush to .* still pending" <<<"$out"; then bad "no server: no clear warning: $out"
else echo "ok no server: ended after ${took}s with: $(grep -m1 'warning' <<<"$out")"
fi

# 5. example -> rerun --serve-grpc -> ReadMessages (our client) -> same messages
if "$build/rerun" --help 2>&1 | grep -q -- --serve-grpc; then
  "$build/rerun" --serve-grpc --port 0 >"$tmp/serve.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 100); do grep -q 'listening on' "$tmp/serve.log" && break; sleep 0.1; done
  port=$(grep -o 'listening on 127.0.0.1:[0-9]*' "$tmp/serve.log" | head -1 | cut -d: -f2)
  url=rerun+http://127.0.0.1:$port/proxy
  if [ -z "$port" ]; then bad "rerun --serve-grpc did not start: $(cat "$tmp/serve.log")"
  elif ! out=$(cd "$tmp" && timeout 60 "$build/examples/scalars_plot" --connect "$url" --save "$tmp/ours.saved.rrd" 2>&1); then
    bad "scalars_plot --connect to rerun --serve-grpc: $out"
  elif ! r=$(timeout 30 "$tool" read "$url" "$tmp/ours.read.rrd" 2000 2>&1) ||
       ! c=$(node "$js" cover "$tmp/ours.saved.rrd" "$tmp/ours.read.rrd" 2>&1); then
    bad "rerun --serve-grpc ReadMessages: $r $c"
  else
    echo "ok rerun --serve-grpc: $c"
  fi
  stop_server
else
  echo "note: this build has no rerun --serve-grpc; part 5 not run"
fi

[ $fails -eq 0 ] && echo "PASS" || { echo "$fails failure(s)"; exit 1; }
