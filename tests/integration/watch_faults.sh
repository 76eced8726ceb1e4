#!/usr/bin/env bash
# Database down and disk full: intake stops taking files (they stay in the
# inbox, untouched), says why once in the log and in run/watch.status, and
# resumes by itself.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib_watch.sh"
need sha256sum fallocate df
t_home
t_db_start || exit 1
IN=$ANCONG_HOME/inbox
mkdir -p "$IN/hn01"

# The watcher reaches the server through database_url, so that it cannot
# start the embedded cluster again by itself: the test decides when it is up.
URL=$("$ANCONG_BIN" db url) || { not_ok "db url"; exit 1; }
w_conf watch.stable_s=1 watch.rescan_s=2
ANCONG_DATABASE_URL=$URL w_start || exit 1
uniq_file "$IN/hn01/first.pdf"; S1=$(sha_of "$IN/hn01/first.pdf")
check "file taken while the database is up" wait_for 30 taken "$IN/hn01/first.pdf" "$S1"

# -- database down ---------------------------------------------------------------
check "database stops" "$ANCONG_BIN" db stop
uniq_file "$IN/hn01/during.pdf"; S2=$(sha_of "$IN/hn01/during.pdf"); cp "$IN/hn01/during.pdf" "$ANCONG_HOME/during.copy"
check "status says db_down, with the file waiting" wait_for 60 eval 'w_state_is db_down && [ "$(w_status waiting)" = 1 ]'
R=$(w_status reason)
[ -n "$R" ] && ok "status gives the reason: $R" || not_ok "status gives the reason"
sleep 3                  # more tries while it is down
check "file stays in the inbox, untouched" cmp -s "$IN/hn01/during.pdf" "$ANCONG_HOME/during.copy"
check "watcher keeps running while the database is down" kill -0 "$W_PID"
check "database starts again" "$ANCONG_BIN" db start
check "intake resumes by itself and takes the file" wait_for 60 taken "$IN/hn01/during.pdf" "$S2"
is "$(w_status state)" ok "status back to ok"
is "$(grep -c 'stage=intake state=db_down' "$W_LOG")" 1 "the pause is logged once"
is "$(grep -c 'stage=intake state=ok was=db_down' "$W_LOG")" 1 "the resume is logged once"
is "$(docs_with "$S2")/$(drops_of "$S2")" 1/1 "taken once"

# -- disk full ---------------------------------------------------------------------
# Make "full" relative to now: pause below (free now - 200 MiB), then take
# 400 MiB away with a filler file, then give it back.
check "watcher stops" w_stop
FREE_MB=$(df -Pm "$ANCONG_HOME" | awk 'NR == 2 {print $4}')
[ "$FREE_MB" -gt 700 ] || { not_ok "disk has room for the disk-full test" "only $FREE_MB MiB free under $ANCONG_HOME"; exit 1; }
w_conf watch.stable_s=1 watch.rescan_s=2 "watch.min_free_mb=$((FREE_MB - 200))"
ANCONG_DATABASE_URL=$URL w_start || exit 1
uniq_file "$IN/hn01/before_full.pdf"; S3=$(sha_of "$IN/hn01/before_full.pdf")
check "file taken while there is room" wait_for 30 taken "$IN/hn01/before_full.pdf" "$S3"
fallocate -l 400M "$ANCONG_HOME/filler" || { not_ok "fallocate filler"; exit 1; }
uniq_file "$IN/hn01/full.pdf"; S4=$(sha_of "$IN/hn01/full.pdf"); cp "$IN/hn01/full.pdf" "$ANCONG_HOME/full.copy"
check "status says disk_full, with the file waiting" wait_for 60 eval 'w_state_is disk_full && [ "$(w_status waiting)" = 1 ]'
case "$(w_status reason)" in *"disk full"*) ok "reason says the disk is full";; *) not_ok "reason says the disk is full" "$(w_status reason)";; esac
check "file stays in the inbox, untouched" cmp -s "$IN/hn01/full.pdf" "$ANCONG_HOME/full.copy"
is "$(docs_with "$S4")" 0 "nothing stored while the disk is full"
rm -f "$ANCONG_HOME/filler"
check "intake resumes by itself once there is room" wait_for 60 taken "$IN/hn01/full.pdf" "$S4"
is "$(grep -c 'stage=intake state=disk_full' "$W_LOG")" 1 "disk full logged once"
is "$(w_status state)" ok "status back to ok"

# -- SIGHUP reloads the watch.* settings; a bad file keeps the old ones ------------------
w_conf watch.stable_s=1 watch.rescan_s=2 watch.min_free_mb=10000000
kill -HUP "$W_PID"
uniq_file "$IN/hn01/hup.pdf"; S5=$(sha_of "$IN/hn01/hup.pdf")
check "after SIGHUP with a huge watch.min_free_mb, intake pauses" wait_for 60 eval 'w_state_is disk_full && [ "$(w_status waiting)" = 1 ]'
check "the file stays in the inbox" test -f "$IN/hn01/hup.pdf"
w_conf watch.stable_s=oops
kill -HUP "$W_PID"
check "a bad file on SIGHUP is refused" wait_for 30 grep -q 'stage=reload result=kept_old' "$W_LOG"
check "and the watcher keeps running" kill -0 "$W_PID"
w_conf watch.stable_s=1 watch.rescan_s=2
kill -HUP "$W_PID"
check "after SIGHUP with the old setting the file is taken" wait_for 60 taken "$IN/hn01/hup.pdf" "$S5"
is "$(grep -c 'stage=reload result=ok' "$W_LOG")" 2 "two good reloads logged"

# -- one watcher per ANCONG_HOME -----------------------------------------------------
OUT=$(ANCONG_DATABASE_URL=$URL "$ANCONG_BIN" watch 2>&1); RC=$?
is "$RC" 1 "a second watcher refuses to start"
case "$OUT" in *"another watcher"*) ok "and says why";; *) not_ok "and says why" "$OUT";; esac
check "watcher stops on SIGTERM with status 0" w_stop
t_finish
