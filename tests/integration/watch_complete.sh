#!/usr/bin/env bash
# A file copied in slowly, one chunk at a time (each chunk opens and closes
# the file, with pauses longer than watch.stable_s), is not taken until its
# bytes say it is finished: one document, complete.  A PDF that stays cut
# short is left in the inbox, then taken after watch.incomplete_wait_s
# unchanged and ends failed with a reason.  Runs `ancong serve` (watcher and
# one worker).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib_watch.sh"
need dd sha256sum
MKSCAN=${ANCONG_BUILD_DIR:-$ANCONG_TOP/build}/tools/mkscan
[ -x "$MKSCAN" ] || { not_ok "mkscan is built" "run make tests-build"; exit 1; }
# fontconfig keeps caches for the life of the process: not our leak.
mkscan() { ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 "$MKSCAN" "$@"; }
t_home
t_db_start || exit 1
w_conf watch.stable_s=1 watch.rescan_s=2 watch.incomplete_wait_s=10 job.backoff_s=0 job.max_attempts=2
W=$ANCONG_HOME/work
IN=$ANCONG_HOME/inbox
mkdir -p "$W" "$IN/hn01"
mkscan --dpi 200 --noise 8 "$W/slow_src.pdf" || not_ok "mkscan makes a PDF"
mkscan --dpi 150 "$W/whole.pdf" || not_ok "mkscan makes a second PDF"
size=$(stat -c %s "$W/slow_src.pdf")
chunks=$(( (size + 65535) / 65536 ))
check "the slow file is several 64 KiB chunks ($chunks)" test "$chunks" -ge 6

LOG=$ANCONG_HOME/serve.log
"$ANCONG_BIN" serve --workers 1 --no-web >"$LOG" 2>&1 &
m=$!
at_exit "kill -9 $m"
at_exit "cp '$LOG' '$ANCONG_TEST_OUT/watch_complete.serve.log'"
check "serve starts its watcher" wait_for 30 grep -qs '^state=ok' "$ANCONG_HOME/run/watch.status"

status_of() { sql "SELECT status FROM documents WHERE name = '$1' AND parent_id IS NULL"; }
finished() { case "$(status_of "$1")" in indexed|needs_review|failed) return 0;; esac; return 1; }

# -- copied 64 KiB at a time, each chunk its own open and close ------------------
SLOW=$IN/hn01/slow.pdf
early=0
for ((i = 0; i < chunks; i++)); do
    dd if="$W/slow_src.pdf" of="$SLOW" bs=64k skip=$i seek=$i count=1 conv=notrunc status=none
    [ $((i + 1)) = "$chunks" ] && break
    sleep 2.5        # > watch.stable_s: only the content check holds it back
    [ -f "$SLOW" ] || early=1
    [ "$(sql "SELECT count(*) FROM documents WHERE name = 'slow.pdf'")" = 0 ] || early=1
done
[ "$early" = 0 ] && ok "a file still being copied in chunks is not taken" ||
    not_ok "a file still being copied in chunks is not taken" "$(grep slow.pdf "$LOG" | head -3)"
S_SLOW=$(sha_of "$W/slow_src.pdf")
check "taken once the last chunk is written" wait_for 60 taken "$SLOW" "$S_SLOW"
is "$(sql "SELECT count(*) FROM documents WHERE name = 'slow.pdf'")" 1 "the slow copy is one document"
check "stored complete, byte for byte" cmp -s "$(blob_of "$S_SLOW")" "$W/slow_src.pdf"
check "it is processed" wait_for 300 finished slow.pdf
st=$(status_of slow.pdf)
check "it does not fail ($st: $(sql "SELECT coalesce(error, '') FROM documents WHERE name = 'slow.pdf'"))" \
    test "$st" = indexed -o "$st" = needs_review
is "$(grep -c 'file=.*slow.pdf.* msg="looks incomplete' "$LOG")" 1 "\"looks incomplete\" is logged once for it"

# -- a PDF cut short that nobody finishes ----------------------------------------
head -c $(( $(stat -c %s "$W/whole.pdf") / 2 )) "$W/whole.pdf" >"$W/cut.pdf"
S_CUT=$(sha_of "$W/cut.pdf")
cp "$W/cut.pdf" "$IN/hn01/cut.pdf"
sleep 5              # > watch.stable_s and > watch.rescan_s, < watch.incomplete_wait_s
check "a PDF cut short stays in the inbox for a while" cmp -s "$IN/hn01/cut.pdf" "$W/cut.pdf"
is "$(docs_with "$S_CUT")" 0 "no document for it yet"
check "after watch.incomplete_wait_s unchanged it is taken" wait_for 60 taken "$IN/hn01/cut.pdf" "$S_CUT"
check "and processed" wait_for 300 finished cut.pdf
is "$(status_of cut.pdf)" failed "it ends failed"
err=$(sql "SELECT coalesce(error, '') FROM documents WHERE name = 'cut.pdf'")
check "with a reason a clerk can read ($err)" test ${#err} -gt 20
grep -q 'file=.*cut.pdf.* msg="still looks incomplete after 10 s without change; taken anyway"' "$LOG" &&
    ok "taking it anyway is logged" || not_ok "taking it anyway is logged" "$(grep cut.pdf "$LOG" | head -3)"

# -- a whole file is not held back ------------------------------------------------
cp "$W/whole.pdf" "$IN/hn01/whole.pdf"
check "a complete PDF is taken as before" wait_for 30 taken "$IN/hn01/whole.pdf" "$(sha_of "$W/whole.pdf")"
! grep -q 'file=.*whole.pdf.* msg="looks incomplete' "$LOG" && ok "a complete PDF is never called incomplete" ||
    not_ok "a complete PDF is never called incomplete"

check "serve is still running" kill -0 "$m"
kill -TERM "$m"
stopped() { ! kill -0 "$m" 2>/dev/null; }
check "serve stops cleanly" wait_for 60 stopped
t_finish
