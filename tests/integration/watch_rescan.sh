#!/usr/bin/env bash
# Watched folders without inotify (as on a network share, where no event ever
# comes): the periodic rescan alone takes files, new stations too, and still
# never takes a file that is being written or has a temporary name.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib_watch.sh"
need sha256sum
t_home
t_db_start || exit 1
w_conf watch.inotify=false watch.stable_s=1 watch.rescan_s=2 watch.empty_s=8
IN=$ANCONG_HOME/inbox
mkdir -p "$IN/share1"
uniq_file "$IN/share1/old.pdf"; S_OLD=$(sha_of "$IN/share1/old.pdf")
w_start || exit 1
is "$(w_status inotify)" off "status says inotify is off"
check "file present at start-up is taken by the rescan" wait_for 30 taken "$IN/share1/old.pdf" "$S_OLD"

uniq_file "$IN/share1/a.pdf"; S_A=$(sha_of "$IN/share1/a.pdf")
check "dropped file is taken by the rescan" wait_for 30 taken "$IN/share1/a.pdf" "$S_A"
is "$(jobs_of "$S_A")" 1 "with one job"

mkdir "$IN/share2"
uniq_file "$IN/share2/b.pdf"; S_B=$(sha_of "$IN/share2/b.pdf")
check "file in a new station folder is taken by the rescan" wait_for 30 taken "$IN/share2/b.pdf" "$S_B"
is "$(station_of "$S_B")" share2 "new station recorded"

# Renamed into place from a temp name: only the final name is taken.
uniq_file "$IN/share1/c.pdf.filepart"; S_C=$(sha_of "$IN/share1/c.pdf.filepart")
sleep 5                  # two rescans look at it
check "temp-named file stays while it has a temp name" test -f "$IN/share1/c.pdf.filepart"
is "$(docs_with "$S_C")" 0 "no document for the temp name"
mv "$IN/share1/c.pdf.filepart" "$IN/share1/c.pdf"
check "taken after the rename" wait_for 30 taken "$IN/share1/c.pdf" "$S_C"

# A slow writer that pauses longer than watch.stable_s: no event tells the
# watcher it is open, so only the open-for-writing check holds it back.
SLOW=$IN/share1/slow.pdf
exec 7>"$SLOW"
all_absent=1
for i in 1 2 3 4 5; do
    printf 'page %d %s\n' "$i" "$RANDOM$RANDOM" >&7
    sleep 3              # > stable_s and > rescan_s
    [ -f "$SLOW" ] || all_absent=0
    [ "$(sql "SELECT count(*) FROM documents WHERE name = 'slow.pdf'")" = 0 ] || all_absent=0
done
[ "$all_absent" = 1 ] && ok "file held open by a slow writer is not taken" || not_ok "file held open by a slow writer is not taken"
exec 7>&-
S_SLOW=$(sha_of "$SLOW"); cp "$SLOW" "$ANCONG_HOME/slow.copy"
check "slow file taken once closed" wait_for 30 taken "$SLOW" "$S_SLOW"
check "slow file stored complete" cmp -s "$(blob_of "$S_SLOW")" "$ANCONG_HOME/slow.copy"

check "watcher stops on SIGTERM with status 0" w_stop

# The inbox itself a symlink (to a mounted share): followed, and watched.
mkdir -p "$ANCONG_HOME/share/st9"
rm -rf "$IN" && ln -s "$ANCONG_HOME/share" "$IN"
w_conf watch.stable_s=1 watch.rescan_s=2
w_start || exit 1
is "$(w_status inotify)/$(w_status unwatched)" on/0 "a symlinked inbox is watched with inotify"
uniq_file "$ANCONG_HOME/share/st9/via_link.pdf"; S_L=$(sha_of "$ANCONG_HOME/share/st9/via_link.pdf")
check "file in a symlinked inbox is taken" wait_for 30 taken "$ANCONG_HOME/share/st9/via_link.pdf" "$S_L"
is "$(station_of "$S_L")" st9 "with its station"
check "the inbox symlink itself stays" test -L "$IN"
check "watcher stops on SIGTERM with status 0" w_stop
t_finish
