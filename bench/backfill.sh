#!/usr/bin/env bash
# bench/backfill.sh — pages per minute through `ancong backfill --wait` with two
# workers, for born-digital PDFs (real text layer: no OCR; target >= 3,000
# pages/min on 2 cores) and for scanned pages (OCR; same bound as the pipeline).
# Inputs: copies of the corpus's born-digital PDFs with unique bytes appended
# after %%EOF (so each is a new document), or PDFs generated here when
# ../shared is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
TOP=$PWD
BIN=${ANCONG_BIN:-$TOP/bin/ancong}
COPIES=${BACKFILL_COPIES:-300}
SCANS=${BACKFILL_SCANS:-12}
CORPUS=${BENCH_CORPUS:-$TOP/../shared/corpus/dev}
export ANCONG_HOME=$(mktemp -d /tmp/ancong-bench-backfill.XXXXXX)
chmod 0711 "$ANCONG_HOME"
unset ANCONG_DATABASE_URL
W=$(mktemp -d)
SERVE=
cleanup() { [ -n "$SERVE" ] && kill -TERM "$SERVE" 2>/dev/null && wait "$SERVE" 2>/dev/null; "$BIN" db stop >/dev/null 2>&1; rm -rf "$ANCONG_HOME" "$W"; }
trap cleanup EXIT
"$BIN" db start >/dev/null
"$BIN" migrate >/dev/null 2>&1
printf 'workers = 2\n' > "$ANCONG_HOME/ancong.conf"

mkdir -p "$W/digital" "$W/scans"
src=()
if [ -f "$CORPUS/MANIFEST.tsv" ]; then
  while IFS=$'\t' read -r f _ _ variant; do
    [ "$variant" = born_digital_text ] && src+=("$CORPUS/$f")
  done < "$CORPUS/MANIFEST.tsv"
fi
if [ ${#src[@]} -eq 0 ]; then
  for i in 1 2 3; do
    printf 'VIỆN KIỂM SÁT NHÂN DÂN\nSố: %d/KN-VKS-DS\nKIẾN NGHỊ\n' "$i" > "$W/t$i.txt"
    pango-view --font="Liberation Serif 12" -q -o "$W/d$i.pdf" "$W/t$i.txt" 2>/dev/null || true
    [ -s "$W/d$i.pdf" ] && src+=("$W/d$i.pdf")
  done
fi
[ ${#src[@]} -gt 0 ] || { echo "backfill: no born-digital PDFs to load"; exit 0; }
for ((k = 0; k < COPIES; k++)); do
  s=${src[$((k % ${#src[@]}))]}
  { cat "$s"; printf '\n%% ancong bench copy %d\n' "$k"; } > "$W/digital/doc$k.pdf"
done
pages=$(for ((k = 0; k < COPIES; k++)); do pdfinfo "$W/digital/doc$k.pdf" 2>/dev/null | awk '/^Pages:/{print $2}'; done | awk '{s+=$1} END {print s+0}')

# CPU seconds (user + system, reaped children included) of a process and its
# live descendants: serve's tree (workers and their sandbox children) and the
# PostgreSQL postmaster's (backends).  Unlike pages/min this does not depend
# on what else the machine is doing.
tree_cpu() {
  python3 - "$@" <<'PY'
import os, sys
tck = os.sysconf('SC_CLK_TCK'); kids = {}; cpu = {}
for p in os.listdir('/proc'):
    if not p.isdigit(): continue
    try: s = open(f'/proc/{p}/stat').read()
    except OSError: continue
    f = s[s.rindex(')') + 2:].split()
    kids.setdefault(int(f[1]), []).append(int(p)); cpu[int(p)] = sum(map(int, f[11:15]))
tot, todo = 0, [int(a) for a in sys.argv[1:] if a.isdigit()]
while todo:
    q = todo.pop(); tot += cpu.get(q, 0); todo += kids.get(q, [])
print(f"{tot / tck:.2f}")
PY
}
# Run a command; print its own CPU seconds (user + system) to fd 3.
run_cpu() {
  python3 -c 'import resource, subprocess, sys
rc = subprocess.call(sys.argv[1:])
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"{r.ru_utime + r.ru_stime:.2f}", file=sys.stderr); sys.exit(rc)' "$@" 2>&3
}
pg_pid() { head -1 "$ANCONG_HOME/pg/postmaster.pid" 2>/dev/null || echo 0; }

"$BIN" serve > "$W/serve.log" 2>&1 &
SERVE=$!
sleep 2
load0=$(cut -d" " -f1-3 /proc/loadavg)
c0=$(tree_cpu "$SERVE" "$(pg_pid)")
t0=$(date +%s.%N)
run_cpu "$BIN" backfill "$W/digital" --wait --timeout 1800 > "$W/bf1.txt" 2>&1 3>"$W/bf1.cpu" || true
t1=$(date +%s.%N)
c1=$(tree_cpu "$SERVE" "$(pg_pid)")
load1=$(cut -d" " -f1-3 /proc/loadavg)
cli=$(tail -1 "$W/bf1.cpu" 2>/dev/null || echo 0)
python3 - "$t0" "$t1" "$pages" "$COPIES" "$c0" "$c1" "$cli" "$load0" "$load1" <<'PY'
import sys
t0, t1, pages, files = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
c0, c1, cli = float(sys.argv[5]), float(sys.argv[6]), float(sys.argv[7])
m = (t1 - t0) / 60
cpu = c1 - c0 + cli
print(f"backfill: born-digital {files} files, {pages} pages in {t1 - t0:.1f} s: {pages / m:.0f} pages/min "
      f"(target >= 3000 on 2 cores)")
print(f"backfill: CPU {cpu:.1f} s (serve, workers, their sandboxes and PostgreSQL "
      f"{c1 - c0:.1f}, backfill command {cli:.1f}): {cpu * 1000 / max(pages, 1):.1f} ms CPU per page, i.e. "
      f"{pages / max(cpu, 1e-9) * 60 * 2:.0f} pages/min if 2 cores were all ours; "
      f"load average {sys.argv[8]} -> {sys.argv[9]}")
PY
grep -E "^backfill:|indexed|needs_review|failed" "$W/bf1.txt" | head -6 | sed 's/^/  /'

# Scanned pages: image-only PDFs/TIFFs of the corpus, copied with unique bytes.
if [ -f "$CORPUS/MANIFEST.tsv" ]; then
  n=0
  while IFS=$'\t' read -r f _ p variant; do
    case "$variant" in pdf_scan_*|tiff_*) ;; *) continue;; esac
    [ $n -ge "$SCANS" ] && break
    cp "$CORPUS/$f" "$W/scans/"; n=$((n + 1))
  done < <(tail -n +2 "$CORPUS/MANIFEST.tsv")
  spages=$(sql_pages() { :; }; for f in "$W"/scans/*; do
             case "$f" in *.pdf) pdfinfo "$f" | awk '/^Pages:/{print $2}';; *) tiffinfo "$f" 2>/dev/null | grep -c 'TIFF Directory';; esac; done | awk '{s+=$1} END {print s+0}')
  load0=$(cut -d" " -f1-3 /proc/loadavg)
  c0=$(tree_cpu "$SERVE" "$(pg_pid)")
  t0=$(date +%s.%N)
  run_cpu "$BIN" backfill "$W/scans" --wait --timeout 3600 > "$W/bf2.txt" 2>&1 3>"$W/bf2.cpu" || true
  t1=$(date +%s.%N)
  c1=$(tree_cpu "$SERVE" "$(pg_pid)")
  load1=$(cut -d" " -f1-3 /proc/loadavg)
  cli=$(tail -1 "$W/bf2.cpu" 2>/dev/null || echo 0)
  python3 - "$t0" "$t1" "$spages" "$n" "$c0" "$c1" "$cli" "$load0" "$load1" <<'PY'
import sys
t0, t1, pages, files = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
cpu = float(sys.argv[6]) - float(sys.argv[5]) + float(sys.argv[7])
print(f"backfill: scanned {files} files, {pages} pages in {t1 - t0:.1f} s: {pages / ((t1 - t0) / 60):.1f} pages/min "
      f"(compare with the pipeline section's bare-tesseract pages/min)")
print(f"backfill: scanned CPU {cpu:.1f} s: {cpu / max(pages, 1):.2f} s CPU per page, i.e. "
      f"{pages / max(cpu, 1e-9) * 60 * 2:.0f} pages/min if 2 cores were all ours; "
      f"load average {sys.argv[8]} -> {sys.argv[9]}")
PY
fi
