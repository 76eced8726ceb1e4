#!/usr/bin/env bash
# Chaos (issue 7): 300 files dropped in bursts into a running `ancong serve`
# while a driver SIGKILLs random workers and the watcher and restarts
# PostgreSQL twice.  Afterwards every file is accounted for exactly once
# (indexed, needs_review or failed with a reason), no document is duplicated,
# no original is missing from the blob store, the inbox is empty and the
# master is still running.  Bounded: it gives up after CHAOS_TIMEOUT seconds.
. "$(dirname "$0")/../lib.sh"
need python3
t_home
t_db_start || exit 1
TOOLS=${ANCONG_BUILD_DIR:-$ANCONG_TOP/build}/tools
W=$(mktemp -d); at_exit "rm -rf '$W'"
NFILES=${CHAOS_FILES:-300}
TIMEOUT=${CHAOS_TIMEOUT:-420}

cat > "$ANCONG_HOME/ancong.conf" <<CONF
workers = 2
watch.rescan_s = 2
watch.stable_s = 1
job.lease_s = 8
job.backoff_s = 1
job.max_attempts = 4
ocr.child_wall_s = 60
CONF

# A few small real scans; every dropped file is one of them with unique bytes
# appended (a PNG ignores what follows its end), some garbage, some empty
# files and some exact duplicates under other names.
for i in 1 2 3 4 5 6; do
  printf 'VIỆN KIỂM SÁT NHÂN DÂN\nSố: %d/QĐ-VKS\nQUYẾT ĐỊNH số %d\n' "$i" "$i" > "$W/t$i.txt"
  "$TOOLS/mkscan" --text "$W/t$i.txt" --dpi 100 "$W/base$i.png" || { not_ok "mkscan base $i"; exit 1; }
done
mkdir -p "$W/drop"
python3 - "$W" "$NFILES" <<'PY'
import os, random, sys
w, n = sys.argv[1], int(sys.argv[2])
random.seed(7)
bases = [open(f"{w}/base{i}.png", "rb").read() for i in range(1, 7)]
names = []
for k in range(n):
    r = k % 20
    if r == 7:
        data, ext = os.urandom(300 + k), ".pdf"             # garbage named as a PDF
    elif r == 13:
        data, ext = b"", ".tif"                            # empty
    elif r == 17 and k > 20:
        src = names[k - 5]
        data, ext = open(f"{w}/drop/{src}", "rb").read(), os.path.splitext(src)[1]   # duplicate bytes
    else:
        data, ext = bases[k % 6] + b"chaos-%d" % k, ".png"
    name = f"scan_{k:04d}{ext}"
    open(f"{w}/drop/{name}", "wb").write(data)
    names.append(name)
PY
# serve in its own process group, so teardown can stop every child: a worker
# left behind would reconnect and restart the embedded cluster after "db stop".
setsid "$ANCONG_BIN" serve --no-web > "$W/serve.log" 2>&1 &
MASTER=$!
at_exit "kill -TERM -- -$MASTER 2>/dev/null; for i in \$(seq 50); do kill -0 -- -$MASTER 2>/dev/null || break; sleep 0.2; done; kill -KILL -- -$MASTER 2>/dev/null"
wait_for 30 test -s "$ANCONG_HOME/run/status.json" || { not_ok "serve started" "$(tail -5 "$W/serve.log")"; exit 1; }

pids_of() {   # pids of a role from the master's status file
  python3 -c '
import json, sys
try: s = json.load(open(sys.argv[1]))
except Exception: sys.exit(0)
print(" ".join(str(r["pid"]) for r in s.get("roles", []) if r.get("role") == sys.argv[2] and r.get("pid", 0) > 0))
' "$ANCONG_HOME/run/status.json" "$1"
}

# The chaos driver: kill a worker every ~3 s, the watcher every ~10 s,
# restart PostgreSQL at ~15 s and ~40 s.
(
  t=0; kills=0; wkills=0; restarts=0
  while [ $t -lt 70 ]; do
    sleep 1; t=$((t + 1))
    if [ $((t % 3)) -eq 0 ]; then
      read -r -a ws <<< "$(pids_of worker)"
      if [ ${#ws[@]} -gt 0 ]; then
        victim=${ws[$((RANDOM % ${#ws[@]}))]}
        kill -KILL "$victim" 2>/dev/null && kills=$((kills + 1))
      fi
    fi
    if [ $((t % 10)) -eq 5 ]; then
      for p in $(pids_of watcher); do kill -KILL "$p" 2>/dev/null && wkills=$((wkills + 1)); done
    fi
    if [ $t -eq 15 ] || [ $t -eq 40 ]; then
      "$ANCONG_BIN" db stop >/dev/null 2>&1; sleep 2; "$ANCONG_BIN" db start >/dev/null 2>&1 && restarts=$((restarts + 1))
    fi
  done
  echo "$kills $wkills $restarts" > "$W/chaos.counts"
) &
DRIVER=$!

# Drop in bursts of 25 like a scanner: write under a temporary name, rename.
INBOX=$ANCONG_HOME/inbox/st01
mkdir -p "$INBOX"
cd "$W/drop"
ls | split -l 25 - "$W/burst."
for b in "$W"/burst.*; do
  while read -r f; do cp "$f" "$INBOX/.$f.part" && mv "$INBOX/.$f.part" "$INBOX/$f"; done < "$b"
  sleep 2
done
cd - >/dev/null
wait $DRIVER
kills=0 wkills=0 restarts=0
[ -f "$W/chaos.counts" ] && read -r kills wkills restarts < "$W/chaos.counts"
echo "# chaos: killed $kills workers, $wkills watchers, restarted PostgreSQL $restarts times"
[ "$kills" -ge 5 ] && [ "$wkills" -ge 2 ] && [ "$restarts" -eq 2 ] \
  && ok "chaos happened: $kills worker kills, $wkills watcher kills, $restarts PostgreSQL restarts" \
  || not_ok "chaos happened" "kills=$kills watcher=$wkills restarts=$restarts"

settled() {
  [ -z "$(ls -A "$INBOX" 2>/dev/null)" ] || return 1
  [ "$(sql "SELECT count(*) FROM documents WHERE status IN ('received', 'processing')" 2>/dev/null)" = 0 ] || return 1
  [ "$(sql "SELECT count(*) FROM jobs WHERE kind = 'ocr' AND state IN ('ready', 'running')" 2>/dev/null)" = 0 ]
}
if wait_for "$TIMEOUT" settled; then ok "everything settled after the chaos"
else not_ok "everything settled within ${TIMEOUT}s" "inbox: $(ls "$INBOX" | wc -l) files; $(sql "SELECT status, count(*) FROM documents GROUP BY 1" | tr '\n' ' ')"; fi

kill -0 $MASTER 2>/dev/null && ok "the master is still running" || not_ok "the master is still running"

# Every dropped file accounted for exactly once.
sql "SELECT sha256 || ' ' || status || ' ' || (coalesce(error, '') <> '') FROM documents WHERE parent_id IS NULL" > "$W/docs.txt"
python3 - "$W" "$ANCONG_HOME" <<'PY' && ok "every dropped file is exactly one document, final, failures with a reason, original in the blob store" || not_ok "accounting" "see above"
import hashlib, os, sys
w, home = sys.argv[1], sys.argv[2]
docs = {}
bad = []
for line in open(f"{w}/docs.txt"):
    sha, status, has_err = line.split()
    if sha in docs: bad.append(f"duplicate document for {sha}")
    docs[sha] = (status, has_err == "true")
seen = set()
for name in sorted(os.listdir(f"{w}/drop")):
    sha = hashlib.sha256(open(f"{w}/drop/{name}", "rb").read()).hexdigest()
    seen.add(sha)
    if sha not in docs:
        bad.append(f"{name}: no document"); continue
    status, has_err = docs[sha]
    if status not in ("indexed", "needs_review", "failed"):
        bad.append(f"{name}: status {status}")
    if status == "failed" and not has_err:
        bad.append(f"{name}: failed without a reason")
    if not os.path.exists(f"{home}/blobs/originals/{sha[:2]}/{sha[2:4]}/{sha}"):
        bad.append(f"{name}: original missing from the blob store")
extra = set(docs) - seen
if extra: bad.append(f"{len(extra)} documents that match no dropped file")
for b in bad[:20]: print("#  ", b)
print(f"# {len(seen)} distinct files dropped, {len(docs)} documents")
sys.exit(1 if bad else 0)
PY
is "$(sql "SELECT count(*) FROM documents WHERE status = 'indexed' OR status = 'needs_review'" | awk '{print ($1 > 200)}')" 1 \
   "most files were processed (not failed)"
dropped_names=$(ls "$W/drop" | wc -l)
is "$(sql "SELECT count(DISTINCT name) FROM drops")" "$dropped_names" "every dropped name is recorded as a drop"
kill -TERM $MASTER; wait_for 60 bash -c "! kill -0 $MASTER 2>/dev/null" && ok "serve stops cleanly on SIGTERM" || not_ok "serve stops on SIGTERM"
t_finish
