# Sourced by the tests that talk to the independent gRPC implementation
# (tests/js/grpc_test_server.mjs, @grpc/grpc-js): checks node and the package
# are there (else exits 77, the skip code), makes $tmp (removed on exit along
# with a running server) and defines
#   start_server OUT.rrd [PORT]  starts the server recording into OUT.rrd
#                                (PORT 0 or none: a free one); sets $port and
#                                $server_pid, exits 1 if it does not start;
#   stop_server                  stops it.
# Needs $src (the source tree).
grpcjs=$src/tests/js/grpc_test_server.mjs
if ! command -v node >/dev/null || [ ! -d "$src/tests/js/node_modules/@grpc/grpc-js" ]; then
  echo "SKIP: node or tests/js/node_modules/@grpc/grpc-js missing (run scripts/install-deps)"
  exit 77
fi
tmp=$(mktemp -d)
server_pid=
grpcjs_cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap grpcjs_cleanup EXIT

start_server() {
  rm -f "$tmp/port"
  node "$grpcjs" serve --out "$1" --port-file "$tmp/port" --port "${2:-0}" >"$1.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.1; done
  port=$(cat "$tmp/port" 2>/dev/null)
  [ -n "$port" ] || { echo "FAIL: the grpc-js server did not start:"; cat "$1.log"; exit 1; }
}
stop_server() { kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; server_pid=; }
