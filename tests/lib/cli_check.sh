# Shared by the script tests that drive a command line (source it after
# setting NAME to the test's name): a temp dir, failure counting, and checks
# on exit codes, sanitizer reports and the one-line error contract.
#   run CASE EXPECTED_RC CMD...   runs CMD, keeping $TMP/CASE.out and .err
#   one_line CASE                 stderr of CASE is exactly one line
#   finish                        prints the verdict and exits
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
failures=0
fail() { echo "$NAME: FAIL: $*"; failures=$((failures + 1)); }

run() {
    local name="$1" want="$2"
    shift 2
    "$@" >"$TMP/$name.out" 2>"$TMP/$name.err"
    local rc=$?
    if [ "$rc" != "$want" ]; then
        fail "$name: exit $rc, expected $want (stderr: $(head -c 300 "$TMP/$name.err"))"
        return 1
    fi
    if grep -qE "Sanitizer|runtime error" "$TMP/$name.err"; then
        fail "$name: sanitizer report: $(head -c 600 "$TMP/$name.err")"
        return 1
    fi
    return 0
}

one_line() {
    local n
    n=$(wc -l <"$TMP/$1.err")
    if [ "$n" != 1 ] || [ ! -s "$TMP/$1.err" ]; then
        fail "$1: expected exactly one line on stderr, got $n: $(head -c 300 "$TMP/$1.err")"
    fi
}

finish() {
    if [ "$failures" -ne 0 ]; then
        echo "$NAME: $failures check(s) failed"
        exit 1
    fi
    echo "$NAME: all checks passed"
    exit 0
}
