# Sourced by the transport tests: starts `$rerun --serve-grpc --port 0 ARGS...`
# in the background and waits (up to 10 s) for the URL it prints on stdout.
# Needs $rerun and an existing $work folder (the server's stdout and stderr
# go to $work/out and $work/err). Sets pid (the server), url
# (rerun+http://127.0.0.1:PORT/proxy) and port. When no URL comes it prints
# why, with the server's stderr, and returns 1.
serve_grpc_start() {
    "$rerun" --serve-grpc --port 0 "$@" >"$work/out" 2>"$work/err" &
    pid=$!
    for _ in $(seq 100); do
        grep -q '^rerun+http://' "$work/out" && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    url=$(head -1 "$work/out")
    port=${url#rerun+http://127.0.0.1:}
    port=${port%/proxy}
    case "$url" in
    rerun+http://127.0.0.1:*/proxy) case "$port" in '' | *[!0-9]*) ;; *) return 0 ;; esac ;;
    esac
    echo "FAIL: no rerun+http://127.0.0.1:PORT/proxy line from rerun --serve-grpc (got '$url')"
    cat "$work/err"
    return 1
}
