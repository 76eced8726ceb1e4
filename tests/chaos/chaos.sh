#!/usr/bin/env bash
# Chaos (issue 7): 300 files dropped in bursts into the inbox of a running
# `ancong serve` while a driver SIGKILLs random workers and the watcher and
# restarts PostgreSQL twice.  Afterwards every file is accounted for exactly
# once (indexed, needs_review or failed with a reason), no document is
# duplicated, every drop is recorded, no original is missing from the blob
# store, and serve is still running.  Bounded: small pages, a deadline.
. "$(dirname "$0")/../lib.sh"
need python3 sha256sum
MKSCAN=${ANCONG_BUILD_DIR:-$ANCONG_TOP/build}/tools/mkscan
[ -x "$MKSCAN" ] || { not_ok "mkscan is built" "run make tests-build"; exit 1; }
t_home
t_db_start || exit 1
printf '%s\n' "watch.rescan_s = 2" "watch.stable_s = 1" "job.lease_s = 8" "job.backoff_s = 0" \
    "job.max_attempts = 6" "serve.stop_timeout_s = 30" >"$ANCONG_HOME/ancong.conf"
W=$ANCONG_HOME/work
mkdir -p "$W/base" "$W/drop"
RANDOM=4242                                 # the same chaos every run

# --- the files: 10 small scans, made distinct by trailing bytes a PNG
# reader ignores; 30 exact duplicates; 30 files that are not scans --------
for i in $(seq 1 10); do
    printf 'VIỆN KIỂM SÁT NHÂN DÂN\tCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nKHU VỰC %d\tĐộc lập - Tự do - Hạnh phúc\nSố: %d/TB-VKSKV2\tQuảng Ngãi, ngày %d tháng 3 năm 2026\n\nTHÔNG BÁO\nVề việc thụ lý vụ việc dân sự công ích\n' \
        "$i" "$((i + 10))" "$i" >"$W/base/$i.txt"
    "$MKSCAN" --dpi 150 --text "$W/base/$i.txt" "$W/base/$i.png" || not_ok "mkscan makes scan $i"
done
n=0
for k in $(seq 1 240); do
    b=$(( (k - 1) % 10 + 1 ))
    { cat "$W/base/$b.png"; printf 'chaos %d\n' "$k"; } >"$W/drop/scan_$(printf %03d "$k").png"
    n=$((n + 1))
done
for k in $(seq 1 30); do
    cp "$W/drop/scan_$(printf %03d "$k").png" "$W/drop/copy_$(printf %03d "$k").png"
done
for k in $(seq 1 30); do
    printf 'not a scan %d\n' "$k" >"$W/drop/notes_$(printf %03d "$k").pdf"
done
mapfile -t FILES < <(ls "$W/drop" | sort -R --random-source=<(yes 4242))
total=${#FILES[@]}
is "$total" 300 "300 files to drop"
uniq_sha=$(cd "$W/drop" && sha256sum -- * | awk '{print $1}' | sort -u | wc -l)

"$ANCONG_BIN" serve --workers 2 --no-web >"$ANCONG_HOME/serve.log" 2>&1 &
m=$!
at_exit "kill -9 $m"
S=$ANCONG_HOME/run/status.json
pids_of() {
    python3 -c "
import json
s=json.load(open('$S'))
print(' '.join(str(r['pid']) for r in s['roles'] if r['role']=='$1' and r['pid']>0))" 2>/dev/null
}
up() { [ -n "$(pids_of watcher)" ] && [ "$(pids_of worker | wc -w)" -ge 2 ]; }
check "serve is up" wait_for 60 up

# --- six bursts of 50, with kills and database restarts between them ------
kills=0
for burst in 0 1 2 3 4 5; do
    for f in "${FILES[@]:$((burst * 50)):50}"; do
        st=st0$((RANDOM % 3 + 1))
        mkdir -p "$ANCONG_HOME/inbox/$st"
        if ((RANDOM % 2)); then
            cp "$W/drop/$f" "$ANCONG_HOME/inbox/$st/$f"               # written in place
        else
            cp "$W/drop/$f" "$ANCONG_HOME/inbox/$st/.$f.tmp"          # temp name, then renamed
            mv "$ANCONG_HOME/inbox/$st/.$f.tmp" "$ANCONG_HOME/inbox/$st/$f"
        fi
    done
    sleep 2
    w=($(pids_of worker))
    if [ ${#w[@]} -gt 0 ]; then kill -9 "${w[$((RANDOM % ${#w[@]}))]}" && kills=$((kills + 1)); fi
    if ((burst % 2 == 1)); then
        p=$(pids_of watcher); [ -n "$p" ] && kill -9 "$p" && kills=$((kills + 1))
    fi
    if ((burst == 1 || burst == 3)); then
        "$ANCONG_BIN" db stop >>"$ANCONG_HOME/chaos-db.log" 2>&1
        sleep 3
        "$ANCONG_BIN" db start >>"$ANCONG_HOME/chaos-db.log" 2>&1
    fi
    sleep 3
done
echo "# dropped $total files, $kills kills, 2 database restarts"

# --- wait until the inbox is empty and nothing is left in flight ----------
settled() {
    [ -z "$(find "$ANCONG_HOME/inbox" -type f 2>/dev/null | head -1)" ] || return 1
    [ "$(sql "SELECT count(*) FROM documents WHERE status IN ('received', 'processing')" 2>/dev/null)" = 0 ]
}
check "every file is taken and finished within 20 minutes" wait_for 1200 settled
check "serve is still running" kill -0 "$m"

is "$(sql "SELECT count(*) FROM drops")" "$total" "every drop is recorded exactly once"
is "$(sql "SELECT count(*) FROM documents WHERE parent_id IS NULL")" "$uniq_sha" \
   "one document per distinct content ($uniq_sha), no more, no less"
is "$(sql "SELECT count(*) FROM (SELECT sha256 FROM documents WHERE parent_id IS NULL GROUP BY sha256 HAVING count(*) > 1) x")" 0 \
   "no document is duplicated"
is "$(sql "SELECT count(*) FROM drops WHERE duplicate")" 30 "the 30 copies are recorded as duplicate drops"
is "$(sql "SELECT count(*) FROM documents WHERE parent_id IS NULL AND status NOT IN ('indexed', 'needs_review', 'failed')")" 0 \
   "every document ended indexed, needs_review or failed"
is "$(sql "SELECT count(*) FROM documents WHERE status = 'failed' AND coalesce(error, '') = ''")" 0 \
   "every failed document has a reason"
is "$(sql "SELECT count(*) FROM documents WHERE parent_id IS NULL AND name LIKE 'notes_%' AND status = 'failed'")" 30 \
   "the 30 files that are not scans failed"
# A document keeps the name of its first drop: a copy may have come first.
is "$(sql "SELECT count(*) FROM documents WHERE parent_id IS NULL AND (name LIKE 'scan_%' OR name LIKE 'copy_%') AND status IN ('indexed', 'needs_review')")" 240 \
   "the 240 scans were processed"
if [ "$(sql "SELECT count(*) FROM documents WHERE parent_id IS NULL AND name NOT LIKE 'notes_%' AND status NOT IN ('indexed', 'needs_review')")" != 0 ]; then
    sql "SELECT d.name, d.status, j.state, j.attempts, coalesce(d.error, j.last_error) FROM documents d LEFT JOIN jobs j ON j.document_id = d.id AND j.kind = 'ocr' WHERE d.parent_id IS NULL AND d.name NOT LIKE 'notes_%' AND d.status NOT IN ('indexed', 'needs_review')" | sed 's/^/#   /'
    mkdir -p "$ANCONG_TEST_OUT" && cp "$ANCONG_HOME/serve.log" "$ANCONG_TEST_OUT/chaos-serve.log"
fi
missing=0
for sha in $(sql "SELECT sha256 FROM documents WHERE parent_id IS NULL"); do
    [ -f "$ANCONG_HOME/blobs/originals/${sha:0:2}/${sha:2:2}/$sha" ] || missing=$((missing + 1))
done
is "$missing" 0 "no original is missing from the blob store"
is "$(sql "SELECT count(*) FROM jobs WHERE kind = 'ocr' AND state IN ('ready', 'running')")" 0 \
   "no job is left ready or running"

kill -TERM "$m"
stopped() { ! kill -0 "$m" 2>/dev/null; }
check "serve stops cleanly afterwards" wait_for 60 stopped
wait "$m"
is "$?" 0 "serve exits 0"
t_finish
