#!/usr/bin/env bash
# `ancong serve` end to end: a scan dropped into inbox/<station>/ is taken
# by the watcher and processed by a worker; a bad file ends failed with a
# reason while everything keeps running; the watcher killed with SIGKILL is
# restarted and intake goes on.
. "$(dirname "$0")/../lib.sh"
need python3
MKSCAN=${ANCONG_BUILD_DIR:-$ANCONG_TOP/build}/tools/mkscan
[ -x "$MKSCAN" ] || { not_ok "mkscan is built" "run make tests-build"; exit 1; }
# fontconfig keeps caches for the life of the process: not our leak.
mkscan() { ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 "$MKSCAN" "$@"; }
t_home
t_db_start || exit 1
printf '%s\n' "watch.rescan_s = 2" "watch.stable_s = 1" "job.backoff_s = 0" >"$ANCONG_HOME/ancong.conf"
W=$ANCONG_HOME/work
mkdir -p "$W" "$ANCONG_HOME/inbox/st01"
mkscan "$W/one.png" || not_ok "mkscan makes a scan"
mkscan --rotate 90 "$W/two.png" || not_ok "mkscan makes a turned scan"

"$ANCONG_BIN" serve --workers 2 --no-web >"$ANCONG_HOME/serve.log" 2>&1 &
m=$!
at_exit "kill -9 $m"
S=$ANCONG_HOME/run/status.json
field() {
    python3 -c "
import json
s=json.load(open('$S'))
print([r for r in s['roles'] if r['role']=='$1'][0]['$2'])" 2>/dev/null
}
up() { [ "$(field watcher pid)" -gt 0 ] 2>/dev/null && [ "$(field worker pid)" -gt 0 ] 2>/dev/null; }
check "serve starts the watcher and the workers" wait_for 30 up

cp "$W/one.png" "$ANCONG_HOME/inbox/st01/.one.png.part"
mv "$ANCONG_HOME/inbox/st01/.one.png.part" "$ANCONG_HOME/inbox/st01/one.png"
printf 'plain text, not a scan\n' >"$ANCONG_HOME/inbox/st01/notes.pdf"
status_of() { sql "SELECT status FROM documents WHERE name = '$1'"; }
finished() { case "$(status_of "$1")" in indexed|needs_review|failed) return 0;; esac; return 1; }
check "a dropped scan is taken and processed" wait_for 180 finished one.png
st=$(status_of one.png)
check "it is indexed or needs review ($st)" test "$st" = indexed -o "$st" = needs_review
is "$(sql "SELECT value FROM fields f JOIN documents d ON d.id = f.document_id WHERE d.name = 'one.png' AND f.name = 'so_van_ban'")" \
   "27/TB-VKSKV2" "its document number is in the database"
check "the inbox copy is gone once stored" test ! -e "$ANCONG_HOME/inbox/st01/one.png"
check "a text file named .pdf ends" wait_for 120 finished notes.pdf
is "$(status_of notes.pdf)" failed "it ends failed"
check "with a reason a clerk can read" test -n "$(sql "SELECT error FROM documents WHERE name = 'notes.pdf'")"

w=$(field watcher pid)
kill -9 "$w"
back() { local p; p=$(field watcher pid); [ "$p" -gt 0 ] 2>/dev/null && [ "$p" != "$w" ]; }
check "the master restarts a killed watcher" wait_for 30 back
cp "$W/two.png" "$ANCONG_HOME/inbox/st01/two.png"
check "intake goes on after the restart" wait_for 180 finished two.png
is "$(sql "SELECT (result->'pages'->0->>'rotation') FROM documents WHERE name = 'two.png'")" 90 \
   "the turned page is recorded as turned"
check "the master is still running" kill -0 "$m"

kill -TERM "$m"
stopped() { ! kill -0 "$m" 2>/dev/null; }
check "SIGTERM stops serve" wait_for 60 stopped
wait "$m"
is "$?" 0 "serve exits 0"
t_finish
