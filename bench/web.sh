#!/usr/bin/env bash
# bench/web.sh — server time of the review web app's two main pages with
# 10,000 documents in PostgreSQL (seeded with generate_series), measured from
# the server's own per-request log line (ms=, from the first byte of the
# request being handled to the response being queued), plus what curl saw.
#
#   queue page:   GET /queue (first page, filters, later pages), N requests
#   review page:  GET /review/ID for random documents, N requests
#   document API: GET /api/documents/ID, N requests
#
# Knobs: BENCH_WEB_DOCS (10000), BENCH_WEB_N (300 requests per page kind).
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
export ANCONG_TOP=$TOP
: "${ANCONG_BIN:=$TOP/bin/ancong}"
export ANCONG_BIN
. "$TOP/tests/lib.sh"
. "$TOP/tests/browser/seed.sh"
DOCS=${BENCH_WEB_DOCS:-10000}
N=${BENCH_WEB_N:-300}
need curl python3

t_home
t_db_start >/dev/null || { echo "bench/web: error: the embedded PostgreSQL did not start"; exit 1; }
seed_units
printf '%s\n' "$T_PASS" >"$ANCONG_HOME/pw"
"$ANCONG_BIN" user add bench --unit ha_noi --role reviewer --full-name 'Đo Hiệu Năng' \
    --password-file "$ANCONG_HOME/pw" >/dev/null || { echo "bench/web: error: user add failed"; exit 1; }

t0=$SECONDS
"$ANCONG_BIN" db psql -qAt -v ON_ERROR_STOP=1 -v n="$DOCS" >/dev/null <<'SQL' || { echo "bench/web: error: seeding failed"; exit 1; }
-- 10,000 documents over Hà Nội (70 %, a third of them at its regional unit)
-- and the other provinces; 80 % in needs_review; one page and the usual
-- fields each, a third of the fields below the review threshold.
CREATE TEMP TABLE u AS SELECT array_agg(id ORDER BY code) ids FROM units WHERE level <> 'supreme';
INSERT INTO documents (sha256, name, station_id, unit_id, status, doc_type, doc_type_confidence, npages,
                       review_due_at, received_at)
SELECT encode(sha256(('bench-' || g)::bytea), 'hex'),
       'scan_' || lpad(g::text, 6, '0') || '.pdf',
       (SELECT id FROM stations ORDER BY id LIMIT 1 OFFSET (g % 3)),
       CASE WHEN g % 10 < 5 THEN (SELECT id FROM units WHERE code = 'ha_noi')
            WHEN g % 10 < 7 THEN (SELECT id FROM units WHERE code = 'ha_noi_kv3')
            ELSE (SELECT ids[1 + g % array_length(ids, 1)] FROM u) END,
       CASE WHEN g % 5 = 0 THEN 'indexed' ELSE 'needs_review' END::doc_status,
       (ARRAY['kien_nghi','quyet_dinh_xac_minh','bien_ban_xac_minh','thong_bao_thu_ly','khac'])[1 + g % 5],
       0.9, 1,
       CASE WHEN g % 4 = 0 THEN now() + make_interval(days => g % 40) END,
       now() - make_interval(mins => g)
  FROM generate_series(1, :n) g;
INSERT INTO pages (document_id, number, text, width_px, height_px, dpi, source, ocr_confidence)
SELECT id, 1, repeat('VIỆN KIỂM SÁT NHÂN DÂN THÀNH PHỐ HÀ NỘI Số: ' || id || '/KN-VKS-DS về việc khắc phục vi phạm ', 20),
       2480, 3508, 300, 'ocr', 0.88
  FROM documents;
INSERT INTO fields (document_id, name, value, confidence, page, bbox)
SELECT d.id, f.name, f.name || ' ' || d.id, CASE WHEN (d.id + f.k) % 3 = 0 THEN 0.55 ELSE 0.95 END, 1,
       ARRAY[200, 200 + f.k * 90, 1400, 260 + f.k * 90]
  FROM documents d,
       (VALUES (1, 'so_van_ban'), (2, 'ngay_ban_hanh'), (3, 'co_quan_ban_hanh'), (4, 'tinh'), (5, 'nguoi_ky'),
               (6, 'chuc_vu_nguoi_ky'), (7, 'trich_yeu'), (8, 'linh_vuc')) AS f (k, name);
ANALYZE;
SQL
echo "seeded $DOCS documents, $("$ANCONG_BIN" db psql -qAt -c "SELECT count(*) FROM fields") fields in $((SECONDS - t0)) s"

PORT=$((20000 + RANDOM % 20000))
LOG="$ANCONG_HOME/web.log"
"$ANCONG_BIN" web --listen "127.0.0.1:$PORT" >"$LOG" 2>&1 &
WEB_PID=$!
at_exit "kill $WEB_PID; wait $WEB_PID"
B="http://127.0.0.1:$PORT"
wait_for 30 curl -fsS "$B/healthz" -o /dev/null 2>/dev/null || { echo "bench/web: error: ancong web did not start"; tail -5 "$LOG"; exit 1; }
J="$ANCONG_HOME/cookies"
curl -s -c "$J" -b "$J" "$B/login" -o "$ANCONG_HOME/login.html"
LT=$(grep -o 'name="lcsrf" value="[0-9a-f]*"' "$ANCONG_HOME/login.html" | cut -d'"' -f4)
code=$(curl -s -c "$J" -b "$J" -o /dev/null -w '%{http_code}' --data-urlencode "lcsrf=$LT" \
       --data-urlencode "username=bench" --data-urlencode "password=$T_PASS" "$B/login")
[ "$code" = 303 ] || { echo "bench/web: error: login failed ($code)"; exit 1; }

IDS=($("$ANCONG_BIN" db psql -qAt -c "SELECT d.id FROM documents d JOIN units u ON u.id = d.unit_id
        WHERE u.code IN ('ha_noi', 'ha_noi_kv3') AND d.status = 'needs_review' ORDER BY random() LIMIT $N"))
QUEUE_URLS=("/queue" "/queue" "/queue" "/queue?type=kien_nghi" "/queue?station=hn01" "/queue?page=20"
            "/queue?page=80" "/queue?case=06%2F2026%2FDSCI")
CURL_T="$ANCONG_HOME/curl.times"
run() {   # run KIND URL...
    local kind=$1; shift
    : >"$CURL_T.$kind"
    for u in "$@"; do
        curl -s -b "$J" -o /dev/null -w "%{http_code} %{time_total}\n" "$B$u" >>"$CURL_T.$kind"
    done
}
# warm up (connections, plans, page cache)
run warm /queue "/review/${IDS[0]}" "/api/documents/${IDS[0]}" >/dev/null
MARK=$(wc -l <"$LOG")
q=(); for ((i = 0; i < N; i++)); do q+=("${QUEUE_URLS[$((i % ${#QUEUE_URLS[@]}))]}"); done
run queue "${q[@]}"
r=(); for id in "${IDS[@]}"; do r+=("/review/$id"); done
run review "${r[@]}"
a=(); for id in "${IDS[@]}"; do a+=("/api/documents/$id"); done
run api "${a[@]}"

tail -n +"$((MARK + 1))" "$LOG" >"$LOG.run"
python3 - "$CURL_T" "$DOCS" "$LOG.run" <<'PY'
import re, sys, statistics
base, docs = sys.argv[1], sys.argv[2]
rows = {"queue": [], "review": [], "api": []}
for line in open(sys.argv[3], encoding="utf-8", errors="replace"):
    m = re.search(r'path=(\S+) status=(\d+) .*ms=([0-9.]+)', line)
    if not m or m.group(2) != "200":
        continue
    p = m.group(1)
    k = "queue" if p == "/queue" else "review" if p.startswith("/review/") else "api" if p.startswith("/api/documents/") else None
    if k:
        rows[k].append(float(m.group(3)))
def pct(v, q):
    v = sorted(v); i = max(0, min(len(v) - 1, int(round(q * (len(v) - 1)))))
    return v[i]
names = {"queue": "queue page  (GET /queue, 50 rows)", "review": "review page (GET /review/ID)", "api": "document API (GET /api/documents/ID)"}
for k in ("queue", "review", "api"):
    v = rows[k]
    c = [float(l.split()[1]) * 1000 for l in open(base + "." + k) if l.startswith("200 ")]
    bad = sum(1 for l in open(base + "." + k) if not l.startswith("200 "))
    if not v:
        print(f"{names[k]}: no successful requests"); continue
    print(f"{names[k]}: server median {statistics.median(v):.2f} ms, p95 {pct(v, .95):.2f} ms; "
          f"curl median {statistics.median(c):.2f} ms, p95 {pct(c, .95):.2f} ms  (n={len(v)}, {docs} documents"
          + (f", {bad} non-200" if bad else "") + ")")
PY
