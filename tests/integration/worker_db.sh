#!/usr/bin/env bash
# `ancong worker` against a real embedded PostgreSQL: a queued scan is
# processed and stored; a worker SIGKILLed mid-job has its job finished by
# another worker (exactly once); a worker survives a PostgreSQL restart; a
# bad file ends failed with a reason while the worker keeps running; SIGTERM
# stops it cleanly.
. "$(dirname "$0")/../lib.sh"
need python3 pgrep
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
# Short leases so a dead worker's job comes back quickly; no retry delay.
printf '%s\n' "job.lease_s = 5" "job.backoff_s = 0" "job.max_attempts = 3" >"$ANCONG_HOME/ancong.conf"
W=$ANCONG_HOME/work
mkdir -p "$W"
kv() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" | head -1; }
pids=()
start_worker() {   # start_worker NAME: starts `ancong worker`, sets $wpid
    "$ANCONG_BIN" worker >"$ANCONG_HOME/$1.log" 2>&1 &
    wpid=$!
    pids+=("$wpid")
}
stop_all() { local p; for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done; }
at_exit stop_all

mkscan --pages 4 "$W/long.tif" || not_ok "mkscan makes a 4-page scan"
mkscan "$W/one.png" || not_ok "mkscan makes a scan"
printf 'not a scan at all\n' >"$W/notes.pdf"

# --- a worker killed mid-job: another worker finishes the job -------------
doc=$("$T" ingest "$W/long.tif" long.tif st01 | kv document)
check "the scan is queued" test -n "$doc"
start_worker a
a=$wpid
running() { [ "$(sql "SELECT state FROM jobs WHERE document_id = $doc")" = running ]; }
check "worker a claims the job" wait_for 60 running
sleep 1                      # let it get into the OCR of the pages
child=$(pgrep -P "$a" | head -1)
kill -9 "$a"
wait "$a" 2>/dev/null
if [ -n "$child" ]; then
    gone() { ! kill -0 "$child" 2>/dev/null; }
    check "the killed worker's sandbox child dies with it" wait_for 10 gone
fi
is "$(sql "SELECT status FROM documents WHERE id = $doc")" processing "the document is still processing after the kill"
start_worker b
b=$wpid
done_() { [ "$(sql "SELECT state FROM jobs WHERE document_id = $doc")" = done ]; }
check "worker b finishes the dead worker's job" wait_for 180 done_
is "$(sql "SELECT attempts FROM jobs WHERE document_id = $doc")" 2 "the job took two attempts, no more"
st=$(sql "SELECT status FROM documents WHERE id = $doc")
check "the document is indexed or needs review ($st)" test "$st" = indexed -o "$st" = needs_review
is "$(sql "SELECT npages FROM documents WHERE id = $doc")" 4 "all four pages are stored"
is "$(sql "SELECT count(*) FROM audit_log WHERE document_id = $doc AND action = 'document.processed'")" 1 \
    "the document was completed exactly once"
check "worker log lines carry job= and sha256=" grep -q "job=[0-9]* sha256=[0-9a-f]* stage=done" "$ANCONG_HOME/b.log"
pdf=$(sql "SELECT coalesce(searchable_pdf_sha256, '') FROM documents WHERE id = $doc")
check "the searchable PDF is in the blob store" test -n "$pdf" -a -f "$ANCONG_HOME/blobs/pdf/${pdf:0:2}/${pdf:2:2}/$pdf"

# --- a bad file fails with a reason; the worker keeps going ----------------
bad=$("$T" ingest "$W/notes.pdf" notes.pdf st01 | kv document)
failed() { [ "$(sql "SELECT status FROM documents WHERE id = $bad")" = failed ]; }
check "a text file named .pdf ends failed" wait_for 60 failed
err=$(sql "SELECT error FROM documents WHERE id = $bad")
check "its error tells a clerk what is wrong, naming the file: $err" grep -q notes.pdf <<<"$err"
check "the worker is still running" kill -0 "$b"

# --- PostgreSQL restarts under an idle worker ------------------------------
"$ANCONG_BIN" db stop >/dev/null 2>&1
sleep 2
"$ANCONG_BIN" db start >/dev/null 2>&1 || not_ok "the database starts again"
one=$("$T" ingest "$W/one.png" one.png st01 | kv document)
one_done() { [ "$(sql "SELECT state FROM jobs WHERE document_id = $one")" = done ]; }
check "after a PostgreSQL restart the worker reconnects and processes new work" wait_for 120 one_done
check "the worker is still the same process" kill -0 "$b"

# --- two SIGTERMs mid-job: stop now, the job goes back to the queue -------
mkscan --pages 5 "$W/five.tif" || not_ok "mkscan makes a 5-page scan"
kill -TERM "$b"; wait "$b"          # worker b stops (idle), so c gets the job
start_worker c
c=$wpid
five=$("$T" ingest "$W/five.tif" five.tif st01 | kv document)
run5() { [ "$(sql "SELECT state FROM jobs WHERE document_id = $five")" = running ]; }
check "worker c claims the new job" wait_for 60 run5
kill -TERM "$c"; sleep 0.5; kill -TERM "$c"
cstopped() { ! kill -0 "$c" 2>/dev/null; }
check "a second SIGTERM stops the worker mid-job" wait_for 30 cstopped
wait "$c"
is "$?" 0 "it exits 0"
is "$(sql "SELECT state FROM jobs WHERE document_id = $five")" ready "the job is back in the queue, ready"
check "the worker says it gave the job back" grep -q "stage=release result=requeued" "$ANCONG_HOME/c.log"
start_worker b
b=$wpid
done5() { [ "$(sql "SELECT state FROM jobs WHERE document_id = $five")" = done ]; }
check "another worker then does it" wait_for 180 done5

# --- SIGTERM: a clean stop --------------------------------------------------
kill -TERM "$b"
stopped() { ! kill -0 "$b" 2>/dev/null; }
check "SIGTERM stops the idle worker" wait_for 30 stopped
wait "$b"
is "$?" 0 "it exits 0"
check "it says it stopped cleanly" grep -q "stage=stop result=clean" "$ANCONG_HOME/b.log"
t_finish
