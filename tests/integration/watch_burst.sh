#!/usr/bin/env bash
# Bursts: 320 files (300 distinct, 20 copies) dropped in bursts, by copy and
# by rename, one burst while the watcher is SIGKILLed and started again, one
# while it is not running at all.  Afterwards every file has left the inbox,
# every distinct file is exactly one document with one job and its original
# in the blob store, and no drop is lost.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib_watch.sh"
need sha256sum
t_home
t_db_start || exit 1
w_conf watch.stable_s=1 watch.rescan_s=3
IN=$ANCONG_HOME/inbox
ST=$ANCONG_HOME/stage
mkdir -p "$ST" "$IN/st1" "$IN/st2" "$IN/st3"
for i in $(seq 1 300); do uniq_file "$ST/f$i.pdf" "$i"; done
for i in $(seq 1 20); do cp "$ST/f$((i * 7)).pdf" "$ST/copy$i.pdf"; done
sha256sum "$ST"/*.pdf | cut -d' ' -f1 | sort -u >"$ANCONG_HOME/want.sha"
is "$(wc -l <"$ANCONG_HOME/want.sha")" 300 "300 distinct files staged"

w_start || exit 1
# Burst 1: renamed in (same file system), 100 at once.
for i in $(seq 1 100); do mv "$ST/f$i.pdf" "$IN/st1/"; done
# Burst 2: copied in, and the watcher killed in the middle of it.
for i in $(seq 101 200); do
    cp "$ST/f$i.pdf" "$IN/st2/"
    [ "$i" = 150 ] && kill -KILL "$W_PID"
done
wait "$W_PID" 2>/dev/null
w_start || exit 1
# Burst 3: while no watcher runs (taken as "present at start-up"), the copies
# of earlier files too.
check "watcher stops" w_stop
for i in $(seq 201 300); do cp "$ST/f$i.pdf" "$IN/st3/"; done
for i in $(seq 1 20); do cp "$ST/copy$i.pdf" "$IN/"; done
w_start || exit 1

inbox_empty() { [ -z "$(find "$IN" -type f)" ]; }
check "every file leaves the inbox" wait_for 180 inbox_empty
sql "SELECT sha256 FROM documents WHERE parent_id IS NULL ORDER BY 1" >"$ANCONG_HOME/got.sha"
check "every distinct file is exactly one document" cmp -s "$ANCONG_HOME/want.sha" "$ANCONG_HOME/got.sha"
is "$(sql "SELECT count(*) FROM jobs")" 300 "one job per document"
is "$(sql "SELECT count(*) FROM (SELECT document_id FROM jobs GROUP BY 1 HAVING count(*) > 1) x")" 0 "no document queued twice"
missing=0
while read -r s; do [ -f "$(blob_of "$s")" ] && [ "$(sha_of "$(blob_of "$s")")" = "$s" ] || missing=$((missing + 1)); done <"$ANCONG_HOME/got.sha"
is "$missing" 0 "every original is in the blob store, intact"
# 320 drops; a kill between commit and unlink may add one repeated drop.
D=$(sql "SELECT count(*) FROM drops")
[ "$D" -ge 320 ] && [ "$D" -le 321 ] && ok "every drop recorded ($D)" || not_ok "every drop recorded" "drops=$D, want 320 (321 if the kill fell between commit and unlink)"
is "$(sql "SELECT count(*) FROM drops WHERE duplicate")" "$((D - 300))" "the copies are recorded as duplicate drops"
is "$(sql "SELECT count(DISTINCT s.code) FROM drops d JOIN stations s ON s.id = d.station_id")" 4 "four stations (st1-3 and default)"
check "watcher stops on SIGTERM with status 0" w_stop
t_finish
