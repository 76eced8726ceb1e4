# tests/lib.sh — sourced by shell tests.  Gives:
#   ok NAME / not_ok NAME WHY / check "NAME" CMD...   TAP-style lines
#   t_home                a fresh ANCONG_HOME (exported), cleaned at exit
#   t_db_start            start the embedded PostgreSQL of $ANCONG_HOME (ancong db start)
#   wait_for SECONDS CMD  poll CMD until it succeeds
#   sql "SELECT ..."      run SQL against the test database, unaligned output
#   need CMD...           fail loudly (not skip) when a needed program is missing
set -u
: "${ANCONG_TOP:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
: "${ANCONG_BIN:=$ANCONG_TOP/bin/ancong}"
: "${ANCONG_TEST_OUT:=$ANCONG_TOP/build/test-output}"
SHARED=${ANCONG_SHARED:-$ANCONG_TOP/../shared}
T_FAILS=0
T_CLEANUP=()

ok()     { echo "ok - $1"; }
not_ok() { echo "not ok - $1"; [ $# -gt 1 ] && echo "#   $2"; T_FAILS=$((T_FAILS + 1)); }
check()  { local n=$1; shift; if "$@"; then ok "$n"; else not_ok "$n" "command failed: $*"; fi; }
is()     { if [ "$1" = "$2" ]; then ok "$3"; else not_ok "$3" "got '$1', want '$2'"; fi; }

t_cleanup() {
    local i
    for ((i=${#T_CLEANUP[@]}-1; i>=0; i--)); do eval "${T_CLEANUP[$i]}" >/dev/null 2>&1; done
}
trap t_cleanup EXIT
at_exit() { T_CLEANUP+=("$1"); }

t_home() {
    ANCONG_HOME=$(mktemp -d /tmp/ancong-test.XXXXXX)
    chmod 0711 "$ANCONG_HOME"
    export ANCONG_HOME
    unset ANCONG_DATABASE_URL
    at_exit "rm -rf '$ANCONG_HOME'"
}

t_db_start() {
    "$ANCONG_BIN" db start >"$ANCONG_HOME/db-start.log" 2>&1 || {
        not_ok "embedded PostgreSQL starts" "$(tail -5 "$ANCONG_HOME/db-start.log")"; return 1; }
    at_exit "'$ANCONG_BIN' db stop"
    "$ANCONG_BIN" migrate >"$ANCONG_HOME/migrate.log" 2>&1 || {
        not_ok "migrations apply" "$(tail -5 "$ANCONG_HOME/migrate.log")"; return 1; }
}

sql() { "$ANCONG_BIN" db psql -qAt -c "$1"; }

wait_for() {
    local secs=$1; shift
    local end=$((SECONDS + secs))
    while [ $SECONDS -lt $end ]; do "$@" && return 0; sleep 0.3; done
    return 1
}

# t_web_start: start "ancong web" on a random free port (three tries, a port
# may be taken), wait for /healthz; sets PORT, BASE and WEB_PID, and stops the
# server at exit.  A server that does not start fails the test and exits.
t_web_alive() { local st; st=$(ps -o stat= -p "$1" 2>/dev/null); [ -n "$st" ] && [ "${st#Z}" = "$st" ]; }
t_web_up() { curl -fsS "$BASE/healthz" -o /dev/null 2>/dev/null || ! t_web_alive "$WEB_PID"; }
t_web_start() {
    local try
    WEB_PID=
    for try in 1 2 3; do
        PORT=$((20000 + RANDOM % 20000))
        BASE="http://127.0.0.1:$PORT"
        "$ANCONG_BIN" web --listen "127.0.0.1:$PORT" >"$ANCONG_HOME/web.log" 2>&1 &
        WEB_PID=$!
        wait_for 30 t_web_up
        t_web_alive "$WEB_PID" && break
        wait "$WEB_PID"; WEB_PID=
    done
    [ -n "$WEB_PID" ] || { not_ok "ancong web starts" "$(tail -5 "$ANCONG_HOME/web.log")"; exit 1; }
    at_exit "kill $WEB_PID; wait $WEB_PID"
}

# t_web_login USER JAR: log in through the login form (password $T_PASS of
# tests/browser/seed.sh), cookies in JAR; prints the HTTP status (303 = in).
t_web_login() {
    local lt
    lt=$(curl -s -c "$2" -b "$2" "$BASE/login" | grep -o 'name="lcsrf" value="[0-9a-f]*"' | cut -d'"' -f4)
    curl -s -c "$2" -b "$2" -o /dev/null -w '%{http_code}' --data-urlencode "lcsrf=$lt" \
        --data-urlencode "username=$1" --data-urlencode "password=$T_PASS" "$BASE/login"
}

need() {
    local c
    for c in "$@"; do
        command -v "$c" >/dev/null 2>&1 || { not_ok "required program $c is installed" "install it (make deps)"; exit 1; }
    done
}

t_finish() { [ "$T_FAILS" -eq 0 ]; }
