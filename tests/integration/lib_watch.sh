# tests/integration/lib_watch.sh: helpers for the watch_*.sh tests (sourced
# after tests/lib.sh).  Only intake is tested here: documents, drops and
# jobs rows and the blob store; no worker runs, so jobs stay "ready".

# w_conf KEY=VALUE...: write $ANCONG_HOME/ancong.conf (read by every command).
w_conf() {
    local kv
    : >"$ANCONG_HOME/ancong.conf"
    for kv in "$@"; do echo "$kv" >>"$ANCONG_HOME/ancong.conf"; done
}

# w_start [ARGS]: start "ancong watch" in the background; W_PID, W_LOG.
w_start() {
    W_LOG=$ANCONG_HOME/watch.log
    "$ANCONG_BIN" watch "$@" >>"$W_LOG" 2>&1 &
    W_PID=$!
    at_exit "kill $W_PID; wait $W_PID"
    # Keep the watcher's log next to the test's output.
    mkdir -p "$ANCONG_TEST_OUT"
    at_exit "cp '$W_LOG' '$ANCONG_TEST_OUT/$(basename "$0" .sh).watch.log'"
    # Started when the status file names this pid.
    wait_for 30 grep -qsx "pid=$W_PID" "$ANCONG_HOME/run/watch.status" ||
        { not_ok "watcher starts" "$(tail -5 "$W_LOG")"; return 1; }
}

# w_stop: SIGTERM and wait; 0 when it exited with status 0.
w_stop() {
    kill -TERM "$W_PID" 2>/dev/null
    wait "$W_PID"
}

w_status() { sed -n "s/^$1=//p" "$ANCONG_HOME/run/watch.status" 2>/dev/null; }
w_state_is() { [ "$(w_status state)" = "$1" ]; }

sha_of() { sha256sum <"$1" | cut -d' ' -f1; }   # stdin: no escaping of odd names

# Rows for a sha256.
docs_with()  { sql "SELECT count(*) FROM documents WHERE sha256 = '$1' AND parent_id IS NULL"; }
drops_of()   { sql "SELECT count(*) FROM drops d JOIN documents x ON x.id = d.document_id WHERE x.sha256 = '$1'"; }
jobs_of()    { sql "SELECT count(*) FROM jobs j JOIN documents x ON x.id = j.document_id WHERE x.sha256 = '$1'"; }
doc_field()  { sql "SELECT $2 FROM documents WHERE sha256 = '$1' AND parent_id IS NULL"; }
station_of() { sql "SELECT s.code FROM documents x JOIN stations s ON s.id = x.station_id WHERE x.sha256 = '$1' AND x.parent_id IS NULL"; }
is_doc()     { [ "$(docs_with "$1")" = 1 ]; }
blob_of()    { echo "$ANCONG_HOME/blobs/originals/${1:0:2}/${1:2:2}/$1"; }
gone()       { [ ! -e "$1" ] && [ ! -L "$1" ]; }

# taken FILE SHA: the document exists and the inbox copy is gone.
taken() { is_doc "$2" && gone "$1"; }

# uniq_file PATH [TEXT]: write a file with unique content (a PDF's start and
# its "%%EOF" end: the watcher leaves a PDF without one waiting, as unfinished).
uniq_file() {
    printf '%%PDF-1.4\n%% ancong watch test %s %s %s\n%%%%EOF\n' "$(basename "$1")" "$RANDOM$RANDOM" "${2:-}" >"$1"
}
