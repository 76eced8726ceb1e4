#!/usr/bin/env bash
# Watched folders with inotify: a dropped file becomes one document + one job;
# files present at start, new station folders, temp names, duplicates, odd
# names, refused entries, slow and late writers, empty files.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib_watch.sh"
need sha256sum mkfifo
t_home
t_db_start || exit 1
w_conf watch.stable_s=1 watch.rescan_s=3 watch.empty_s=8
IN=$ANCONG_HOME/inbox
mkdir -p "$IN/hn01"

# -- present before start-up -------------------------------------------------
uniq_file "$IN/hn01/before.pdf"; S_BEFORE=$(sha_of "$IN/hn01/before.pdf")
uniq_file "$IN/top.pdf";         S_TOP=$(sha_of "$IN/top.pdf")
w_start || exit 1
check "file present at start-up is taken" wait_for 30 taken "$IN/hn01/before.pdf" "$S_BEFORE"
check "file directly in inbox/ is taken" wait_for 30 taken "$IN/top.pdf" "$S_TOP"
is "$(station_of "$S_TOP")" default "file directly in inbox/ belongs to station default"
is "$(station_of "$S_BEFORE")" hn01 "station is the folder name"

# -- a plain drop ----------------------------------------------------------
uniq_file "$IN/hn01/a.pdf"; S_A=$(sha_of "$IN/hn01/a.pdf"); cp "$IN/hn01/a.pdf" "$ANCONG_HOME/a.copy"
check "dropped file is taken" wait_for 30 taken "$IN/hn01/a.pdf" "$S_A"
is "$(jobs_of "$S_A")" 1 "dropped file has one job"
is "$(sql "SELECT state FROM jobs j JOIN documents x ON x.id = j.document_id WHERE x.sha256 = '$S_A'")" ready "its job is ready"
is "$(doc_field "$S_A" name)" a.pdf "document name is the file name"
is "$(doc_field "$S_A" status)" received "document status is received"
check "original is in the blob store, byte for byte" cmp -s "$(blob_of "$S_A")" "$ANCONG_HOME/a.copy"
grep -q "stage=intake doc=.* sha256=${S_A:0:12} station=hn01 file=a.pdf" "$W_LOG" &&
    ok "intake logged with doc, sha256, station, file" || not_ok "intake log line" "$(tail -3 "$W_LOG")"

# -- a station folder created at run time (and a deeper folder) ---------------
mkdir "$IN/dn02"
uniq_file "$IN/dn02/new.pdf"; S_NEW=$(sha_of "$IN/dn02/new.pdf")
check "file in a station folder made at run time is taken" wait_for 30 taken "$IN/dn02/new.pdf" "$S_NEW"
is "$(station_of "$S_NEW")" dn02 "new station recorded"
mkdir -p "$IN/dn02/2026-03-05/ca_sang"
uniq_file "$IN/dn02/2026-03-05/ca_sang/deep.pdf"; S_DEEP=$(sha_of "$IN/dn02/2026-03-05/ca_sang/deep.pdf")
check "file in a subfolder of a station is taken" wait_for 30 taken "$IN/dn02/2026-03-05/ca_sang/deep.pdf" "$S_DEEP"
is "$(station_of "$S_DEEP")" dn02 "subfolder file belongs to its station"
is "$(doc_field "$S_DEEP" name)" deep.pdf "subfolder file named without its folders"
# A whole folder moved in at once (no per-file events inside it).
mkdir -p "$ANCONG_HOME/outside/hp03"
uniq_file "$ANCONG_HOME/outside/hp03/moved.pdf"; S_MOVED=$(sha_of "$ANCONG_HOME/outside/hp03/moved.pdf")
mv "$ANCONG_HOME/outside/hp03" "$IN/hp03"
check "file in a station folder moved in whole is taken" wait_for 30 taken "$IN/hp03/moved.pdf" "$S_MOVED"

# -- temporary names are ignored until renamed ---------------------------------
uniq_file "$IN/hn01/scan.pdf.part"; S_PART=$(sha_of "$IN/hn01/scan.pdf.part")
uniq_file "$IN/hn01/~\$owner.pdf";   S_OWN=$(sha_of "$IN/hn01/~\$owner.pdf")
uniq_file "$IN/hn01/.hidden.pdf";    S_HID=$(sha_of "$IN/hn01/.hidden.pdf")
uniq_file "$IN/hn01/x.pdf.tmp";      S_TMP=$(sha_of "$IN/hn01/x.pdf.tmp")
# A normal file dropped after them: once it is taken, the watcher has seen
# the temp files' events too (one event queue, read in order).
uniq_file "$IN/hn01/marker.pdf"; S_MARK=$(sha_of "$IN/hn01/marker.pdf")
check "marker after temp files is taken" wait_for 30 taken "$IN/hn01/marker.pdf" "$S_MARK"
sleep 4   # > watch.rescan_s: a full rescan has looked at them too
for f in scan.pdf.part "~\$owner.pdf" .hidden.pdf x.pdf.tmp; do
    [ -f "$IN/hn01/$f" ] && ok "temp-named \"$f\" stays in the inbox" || not_ok "temp-named \"$f\" stays in the inbox"
done
is "$(docs_with "$S_PART")$(docs_with "$S_OWN")$(docs_with "$S_HID")$(docs_with "$S_TMP")" 0000 "no document for temp-named files"
mv "$IN/hn01/scan.pdf.part" "$IN/hn01/scan.pdf"
check "temp-named file is taken once renamed" wait_for 30 taken "$IN/hn01/scan.pdf" "$S_PART"
is "$(doc_field "$S_PART" name)" scan.pdf "renamed file keeps its final name"

# -- the same file twice: one document, two drops, one job ---------------------
uniq_file "$ANCONG_HOME/twice.pdf"; S_TW=$(sha_of "$ANCONG_HOME/twice.pdf")
cp "$ANCONG_HOME/twice.pdf" "$IN/hn01/twice.pdf"
check "first drop taken" wait_for 30 taken "$IN/hn01/twice.pdf" "$S_TW"
cp "$ANCONG_HOME/twice.pdf" "$IN/hn01/twice.pdf"
drops_are() { [ "$(drops_of "$1")" = "$2" ]; }
check "second drop of the same file is taken from the inbox" wait_for 30 eval 'gone "$IN/hn01/twice.pdf" && drops_are "$S_TW" 2'
is "$(docs_with "$S_TW")" 1 "same file twice is one document"
is "$(drops_of "$S_TW")" 2 "both drops recorded"
is "$(jobs_of "$S_TW")" 1 "only one job (not re-OCR'd)"
# Two copies at once, under two names and two stations.
uniq_file "$ANCONG_HOME/pair.pdf"; S_PAIR=$(sha_of "$ANCONG_HOME/pair.pdf")
cp "$ANCONG_HOME/pair.pdf" "$IN/hn01/pair1.pdf"; cp "$ANCONG_HOME/pair.pdf" "$IN/dn02/pair2.pdf"
check "two copies at once both leave the inbox" wait_for 30 eval 'gone "$IN/hn01/pair1.pdf" && gone "$IN/dn02/pair2.pdf" && drops_are "$S_PAIR" 2'
is "$(docs_with "$S_PAIR")/$(drops_of "$S_PAIR")/$(jobs_of "$S_PAIR")" 1/2/1 "two copies at once: 1 document, 2 drops, 1 job"

# -- names in NFD and not valid UTF-8 ------------------------------------------
NFD=$(printf 'Quy\x65\xcc\x82\xcc\x81t \xc4\x91i\xcc\xa3nh.pdf')      # "Quyết định.pdf" decomposed
NFC=$(printf 'Quy\xe1\xba\xbft \xc4\x91\xe1\xbb\x8bnh.pdf')
uniq_file "$IN/hn01/$NFD"; S_NFD=$(sha_of "$IN/hn01/$NFD")
check "NFD-named file is taken" wait_for 30 taken "$IN/hn01/$NFD" "$S_NFD"
is "$(doc_field "$S_NFD" name)" "$NFC" "NFD name stored as NFC"
BAD=$(printf 'ban\xffan\xc3.pdf')
uniq_file "$IN/hn01/$BAD"; S_BAD=$(sha_of "$IN/hn01/$BAD")
check "file with an invalid UTF-8 name is taken" wait_for 30 taken "$IN/hn01/$BAD" "$S_BAD"
is "$(doc_field "$S_BAD" name)" "$(printf 'ban\xef\xbf\xbdan\xef\xbf\xbd.pdf')" "invalid bytes stored as U+FFFD"

# -- symlinks and FIFOs are refused, never followed or opened -------------------
uniq_file "$ANCONG_HOME/secret.pdf"; S_SECRET=$(sha_of "$ANCONG_HOME/secret.pdf")
ln -s "$ANCONG_HOME/secret.pdf" "$IN/hn01/link.pdf"
ln -s "$ANCONG_HOME/outside" "$IN/linkstation"
mkfifo "$IN/hn01/pipe.pdf"
check "symlinks and FIFO are reported as refused" wait_for 30 eval '[ "$(w_status refused)" = 3 ]'
[ -L "$IN/hn01/link.pdf" ] && [ -p "$IN/hn01/pipe.pdf" ] && ok "refused entries left in place" || not_ok "refused entries left in place"
is "$(docs_with "$S_SECRET")" 0 "symlink target not taken"
grep -q 'msg="refused: not a regular file" kind="symbolic link"' "$W_LOG" && ok "symlink refusal logged" || not_ok "symlink refusal logged"
grep -q 'kind="named pipe (FIFO)"' "$W_LOG" && ok "FIFO refusal logged" || not_ok "FIFO refusal logged"
# ancong status lists them, with what to do, as long as they are there.
"$ANCONG_BIN" status >"$ANCONG_HOME/status.out" 2>&1
has() { grep -qF -- "$1" "$ANCONG_HOME/status.out" && ok "status: $2" || not_ok "status: $2" "$(cat "$ANCONG_HOME/status.out")"; }
has "not taken from the inbox" "a section for entries not taken"
has "inbox/hn01/link.pdf (station hn01): symbolic link" "the symlink, its station and kind"
has "inbox/hn01/pipe.pdf (station hn01): named pipe (FIFO)" "the FIFO, its station and kind"
has "inbox/linkstation (station default): symbolic link" "the symlinked station folder"
has "what to do: copy the scan itself" "what to do"
"$ANCONG_BIN" status --station hn01 >"$ANCONG_HOME/status.out" 2>&1
has "inbox/hn01/pipe.pdf" "--station hn01 lists that station's entries"
! grep -q linkstation "$ANCONG_HOME/status.out" && ok "status: --station hn01 leaves other stations out" ||
    not_ok "status: --station hn01 leaves other stations out"
rm -f "$IN/hn01/link.pdf" "$IN/hn01/pipe.pdf" "$IN/linkstation"
"$ANCONG_BIN" status >"$ANCONG_HOME/status.out" 2>&1
! grep -q "not taken from the inbox" "$ANCONG_HOME/status.out" && ok "status: removed entries are no longer listed" ||
    not_ok "status: removed entries are no longer listed" "$(cat "$ANCONG_HOME/status.out")"

# -- a file written slowly (open, partial writes over several seconds) ---------
SLOW=$IN/hn01/slow.pdf
exec 7>"$SLOW"
: >"$ANCONG_HOME/slow.copy"     # what was written (the watcher may take the file the moment it is closed)
all_absent=1
for i in 1 2 3 4 5 6; do
    line=$(printf 'page %d of a slow scanner %s' "$i" "$RANDOM$RANDOM")
    printf '%s\n' "$line" >&7
    printf '%s\n' "$line" >>"$ANCONG_HOME/slow.copy"
    sleep 1.5        # longer than watch.stable_s: only "still open" holds it back
    [ -f "$SLOW" ] || all_absent=0
    [ "$(sql "SELECT count(*) FROM documents WHERE name = 'slow.pdf'")" = 0 ] || all_absent=0
done
[ "$all_absent" = 1 ] && ok "file still being written is not taken" || not_ok "file still being written is not taken" "taken while open"
exec 7>&-
S_SLOW=$(sha_of "$ANCONG_HOME/slow.copy")
check "slow file taken once closed" wait_for 30 taken "$SLOW" "$S_SLOW"
check "slow file stored complete" cmp -s "$(blob_of "$S_SLOW")" "$ANCONG_HOME/slow.copy"

# -- created empty, filled seconds later: taken with its content ----------------
LATE=$IN/hn01/late.pdf
uniq_file "$ANCONG_HOME/late.copy" "filled later"; S_LATE=$(sha_of "$ANCONG_HOME/late.copy")
: >"$LATE"
sleep 2                  # < watch.empty_s (8): the scanner comes back to fill it
cat "$ANCONG_HOME/late.copy" >"$LATE"
check "file created empty and filled later is taken" wait_for 30 taken "$LATE" "$S_LATE"
check "taken with its content" cmp -s "$(blob_of "$S_LATE")" "$ANCONG_HOME/late.copy"
S_EMPTY=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
is "$(docs_with "$S_EMPTY")" 0 "no empty document made for it"

# -- empty and staying empty: failed with a reason --------------------------------
: >"$IN/hn01/empty.pdf"
check "empty file is taken after the empty window" wait_for 60 taken "$IN/hn01/empty.pdf" "$S_EMPTY"
is "$(doc_field "$S_EMPTY" status)" failed "empty file ends failed"
ERR=$(doc_field "$S_EMPTY" error)
case "$ERR" in *empty*) ok "failure reason says the file is empty";; *) not_ok "failure reason says the file is empty" "error: $ERR";; esac
is "$(sql "SELECT count(*) FROM jobs j JOIN documents x ON x.id = j.document_id WHERE x.sha256 = '$S_EMPTY' AND j.state IN ('ready','running')")" 0 "no job left to run for the empty file"

# -- still running, stops cleanly ------------------------------------------------
check "watcher still running" kill -0 "$W_PID"
is "$(w_status state)" ok "status says ok"
check "watcher stops on SIGTERM with status 0" w_stop
is "$(w_status state)" stopped "status says stopped after exit"
t_finish
