#!/usr/bin/env bash
# `ancong process` under the sandbox limits: a page too big for the memory
# limit and a file that takes longer than the wall-clock limit each end
# failed with the limit named, while a good file in the same run succeeds.
. "$(dirname "$0")/../lib.sh"
MKSCAN=${ANCONG_BUILD_DIR:-$ANCONG_TOP/build}/tools/mkscan
[ -x "$MKSCAN" ] || { not_ok "build/tools/mkscan is built" "run make tests-build"; exit 1; }
# fontconfig keeps caches for the life of the process: not our leak.
mkscan() { ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 "$MKSCAN" "$@"; }
t_home
D=$ANCONG_HOME/files
mkdir -p "$D"
mkscan "$D/good.png" || not_ok "mkscan makes a scan"
mkscan --dpi 1200 "$D/huge.png" || not_ok "mkscan makes a 1200 dpi scan"
mkscan --pages 12 "$D/long.tif" || not_ok "mkscan makes a 12-page scan"

# Memory: 256 MiB (the smallest allowed) cannot hold a 1200 dpi A4 page.
# AddressSanitizer reserves terabytes of address space, so the sandbox sets
# no RLIMIT_AS in a sanitizer build (workers/sandbox.c): nothing to test there.
if [ -n "${ANCONG_ASAN:-}" ]; then
    echo "# sanitizer build: the memory limit is not enforced, its checks are left out"
else
printf 'ocr.child_mem_mb = 256\n' >"$ANCONG_HOME/mem.conf"
"$ANCONG_BIN" --config "$ANCONG_HOME/mem.conf" process "$D/huge.png" "$D/good.png" \
    --json-dir "$ANCONG_HOME/m" --jobs 2 2>"$ANCONG_HOME/m.err"
is "$?" 1 "a file over the memory limit makes the run exit 1"
check "the big page fails, naming the memory limit" \
    grep -q '"error": "processing ran out of memory (limit 256 MiB)' "$ANCONG_HOME/m/huge.png.json"
check "the good file in the same run is processed" \
    grep -Eq '"status": *"(indexed|needs_review)"' "$ANCONG_HOME/m/good.png.json"
fi

# Wall clock: 5 s (the smallest allowed) is far too short for 12 pages.
printf 'ocr.child_wall_s = 5\n' >"$ANCONG_HOME/wall.conf"
"$ANCONG_BIN" --config "$ANCONG_HOME/wall.conf" process "$D/long.tif" \
    --json-dir "$ANCONG_HOME/w" 2>"$ANCONG_HOME/w.err"
is "$?" 1 "a file over the time limit makes the run exit 1"
check "the long file fails, naming the time limit" \
    grep -q '"error": "processing took longer than 5 s (limit ocr.child_wall_s)' "$ANCONG_HOME/w/long.tif.json"
check "the summary names the failed file" grep -q 'failed: long.tif: processing took longer' "$ANCONG_HOME/w.err"

# Stopped half-way (SIGTERM to the parent only): it stops its workers and
# their children, writes no result for the unfinished file, and exits 1.
need pgrep
"$ANCONG_BIN" process "$D/long.tif" --json-dir "$ANCONG_HOME/sig" 2>"$ANCONG_HOME/sig.err" &
p=$!
# parent, worker and the file's sandbox child: then it is mid-file
busy() { [ "$(pgrep -f -- "--json-dir $ANCONG_HOME/sig" | wc -l)" -ge 3 ]; }
check "the run gets to work on the file" wait_for 60 busy
kill -TERM "$p"
ended() { ! kill -0 "$p" 2>/dev/null; }
check "SIGTERM stops ancong process" wait_for 30 ended
wait "$p"
is "$?" 1 "an interrupted run exits 1"
check "no result is written for the interrupted file" test ! -e "$ANCONG_HOME/sig/long.tif.json"
check "the summary says files were not processed" grep -q "were not processed (interrupted)" "$ANCONG_HOME/sig.err"
left() { ! pgrep -f -- "--json-dir $ANCONG_HOME/sig" >/dev/null; }
check "no worker or parse child is left running" wait_for 10 left
t_finish
