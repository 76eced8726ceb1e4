#!/usr/bin/env bash
# `ancong serve` with a real embedded PostgreSQL: workers process queued
# files; a worker killed with SIGKILL is restarted by the master; /healthz
# and /metrics answer; SIGHUP reloads (a bad file is refused); SIGTERM
# drains and stops everything.
. "$(dirname "$0")/../lib.sh"
need python3
B=${ANCONG_BUILD_DIR:-$ANCONG_TOP/build}
MKSCAN=$B/tools/mkscan
T=$B/tools/storectl
for x in "$MKSCAN" "$T"; do
    [ -x "$x" ] || { not_ok "$(basename "$x") is built" "run make tests-build"; exit 1; }
done
# fontconfig keeps caches for the life of the process: not our leak.
mkscan() { ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 "$MKSCAN" "$@"; }
t_home
t_db_start || exit 1
port=$((21000 + $$ % 20000))
conf() { printf '%s\n' "job.lease_s = 10" "job.backoff_s = 0" "serve.stop_timeout_s = 30" "$@" \
             >"$ANCONG_HOME/ancong.conf"; }
conf
W=$ANCONG_HOME/work
mkdir -p "$W"
kv() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" | head -1; }
mkscan "$W/one.png" || not_ok "mkscan makes a scan"

"$ANCONG_BIN" serve --workers 2 --no-watch --no-web --metrics-listen "127.0.0.1:$port" \
    >"$ANCONG_HOME/serve.log" 2>&1 &
m=$!
at_exit "kill -9 $m"
S=$ANCONG_HOME/run/status.json
field() {   # field ROLE SLOT KEY: a number from status.json
    python3 -c "
import json,sys
s=json.load(open('$S'))
print([r for r in s['roles'] if r['role']=='$1' and r['slot']==$2][0]['$3'])" 2>/dev/null
}
up() { [ "$(field worker 0 pid)" -gt 0 ] 2>/dev/null && [ "$(field worker 1 pid)" -gt 0 ] 2>/dev/null; }
check "the master starts two workers and writes status.json" wait_for 30 up

# A second serve for the same ANCONG_HOME stops at once and names the first.
timeout 60 "$ANCONG_BIN" serve --workers 1 --no-watch --no-web >"$W/second.out" 2>&1
is "$?" 1 "a second serve for the same ANCONG_HOME exits 1"
check "and says which one runs" grep -q "ancong serve is already running for $ANCONG_HOME (pid $m)" "$W/second.out"
is "$(sql "SELECT 1")" 1 "the database still answers"
check "the first serve's workers still run" up

doc=$("$T" ingest "$W/one.png" one.png st01 | kv document)
done_() { [ "$(sql "SELECT state FROM jobs WHERE document_id = $doc")" = done ]; }
check "a queued scan is processed by the workers" wait_for 120 done_

w0=$(field worker 0 pid)
kill -9 "$w0"
restarted() { [ "$(field worker 0 restarts)" -ge 1 ] 2>/dev/null && [ "$(field worker 0 pid)" != "$w0" ] \
              && [ "$(field worker 0 pid)" -gt 0 ]; }
check "a worker killed with SIGKILL is restarted" wait_for 30 restarted
check "status.json says how it ended" grep -q 'killed by SIGKILL' "$S"

get() { python3 -c "
import sys,urllib.request,urllib.error
try:
    r=urllib.request.urlopen('http://127.0.0.1:$port$1',timeout=10); print(r.status); print(r.read().decode())
except urllib.error.HTTPError as e:
    print(e.code); print(e.read().decode())"; }
healthy() { [ "$(get /healthz | head -1)" = 200 ]; }
check "/healthz answers 200 when every role is up and the database answers" wait_for 30 healthy
met=$(get /metrics)
check "/metrics counts the processed document" grep -Eq 'ancong_documents_total\{status="(indexed|needs_review)"\} 1' <<<"$met"
check "/metrics counts the worker restart" grep -q 'ancong_restarts_total{role="worker"} 1' <<<"$met"
check "/metrics gives the queue depth by state" grep -q 'ancong_queue_jobs{kind="ocr",state="done"} 1' <<<"$met"
check "/metrics gives pages processed" grep -q 'ancong_pages_processed_total 1' <<<"$met"

printf 'review.threshold = lots\n' >"$ANCONG_HOME/ancong.conf"
kill -HUP "$m"
refused() { grep -q 'stage=reload result=kept_old' "$ANCONG_HOME/serve.log"; }
check "a bad configuration on SIGHUP is refused and the old one kept" wait_for 10 refused
conf "review.threshold = 0.9"
kill -HUP "$m"
reloaded() { grep -q 'role=master .*stage=reload result=ok' "$ANCONG_HOME/serve.log"; }
check "a good configuration on SIGHUP is loaded" wait_for 10 reloaded
check "the workers reload too" wait_for 10 grep -q 'role=worker .*stage=reload result=ok' "$ANCONG_HOME/serve.log"
check "the master is still running" kill -0 "$m"

w0=$(field worker 0 pid); w1=$(field worker 1 pid)
kill -TERM "$m"
stopped() { ! kill -0 "$m" 2>/dev/null; }
check "SIGTERM stops the master" wait_for 60 stopped
wait "$m"
is "$?" 0 "serve exits 0 after a clean stop"
gone() { ! kill -0 "$w0" 2>/dev/null && ! kill -0 "$w1" 2>/dev/null; }
check "its workers are gone" wait_for 10 gone
check "the pid file is removed" test ! -e "$ANCONG_HOME/run/serve.pid"
check "status.json says it stopped (not \"stopping\")" grep -q '"state":"stopped"' "$S"
t_finish
