#!/usr/bin/env bash
# bench/search.sh — search latency (median, p95) of `ancong search` queries over
# SEARCH_PAGES synthetic pages (default 1,000,000) in a throwaway PostgreSQL.
# Target (issue 8): p95 <= 100 ms.  Server time is measured with EXPLAIN ANALYZE
# of the exact query the command runs, and the whole command's wall time too.
#   SEARCH_PAGES=N    pages to generate (default 1000000)
#   SEARCH_HOME=DIR   keep the installation in DIR (loaded once, reused by later
#                     runs while it holds N pages); default: a throwaway one
#   SEARCH_VERBOSE=1  also print each query's slowest time
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${ANCONG_BIN:-$PWD/bin/ancong}
N=${SEARCH_PAGES:-1000000}
unset ANCONG_DATABASE_URL
if [ -n "${SEARCH_HOME:-}" ]; then
  export ANCONG_HOME=$SEARCH_HOME
  mkdir -p "$ANCONG_HOME"
  trap '"$BIN" db stop >/dev/null 2>&1' EXIT
else
  export ANCONG_HOME=$(mktemp -d /tmp/ancong-bench-search.XXXXXX)
  trap '"$BIN" db stop >/dev/null 2>&1; rm -rf "$ANCONG_HOME"' EXIT
fi
chmod 0711 "$ANCONG_HOME"
"$BIN" db start >/dev/null
"$BIN" migrate >/dev/null 2>&1
if [ "$("$BIN" db psql -qAt -c 'SELECT count(*) FROM pages')" -ge "$N" ]; then
  echo "search: reusing the $N pages already in $ANCONG_HOME"
else
# Loading: rows are generated server-side (generate_series), split in two
# sessions (one per core); the bench rows carry no case, so the case-link
# triggers and foreign-key checks are off while loading
# (session_replication_role = replica); the non-unique indexes of pages and
# fields are dropped before and rebuilt after, exactly as the migrations made
# them (pg_get_indexdef), two at a time.  Documents are spread over every
# unit; each has a number, an area and a date as fields.
PSQL=("$BIN" db psql -q -v ON_ERROR_STOP=1)
echo "search: loading $N synthetic pages..."
t0=$(date +%s)
"${PSQL[@]}" <<SQL
CREATE TABLE bench_idx AS
SELECT pg_get_indexdef(i.indexrelid) AS def, i.indexrelid::regclass::text AS name
  FROM pg_index i
 WHERE i.indrelid IN ('pages'::regclass, 'fields'::regclass) AND NOT i.indisunique AND NOT i.indisprimary;
DO \$\$ DECLARE r record; BEGIN
  FOR r IN SELECT name FROM bench_idx LOOP EXECUTE 'DROP INDEX ' || r.name; END LOOP;
END \$\$;
SET session_replication_role = replica;
INSERT INTO stations (code, unit_id) SELECT 'bench', id FROM units WHERE code = 'ha_noi';
INSERT INTO documents (sha256, name, station_id, unit_id, status, doc_type, npages, received_at)
SELECT lpad(to_hex(g), 64, '0'), 'bench_' || g || '.pdf', (SELECT id FROM stations WHERE code = 'bench'),
       u.ids[1 + g % cardinality(u.ids)],
       'indexed', (ARRAY['kien_nghi','quyet_dinh_xac_minh','bien_ban_xac_minh','thong_bao_thu_ly'])[1 + g % 4], 2,
       timestamptz '2025-01-01 09:00+07' + (g % 700) * interval '1 day'
FROM generate_series(1, $N / 2) g, (SELECT array_agg(id ORDER BY id) AS ids FROM units) u;
SQL
load_pages() {   # load_pages K: pages of the documents with id % 2 = K
  "${PSQL[@]}" <<SQL
SET session_replication_role = replica;
INSERT INTO pages (document_id, number, text)
SELECT d.id, n,
       (ARRAY['VIỆN KIỂM SÁT NHÂN DÂN', 'TÒA ÁN NHÂN DÂN', 'ỦY BAN NHÂN DÂN'])[1 + d.id % 3] || E'\nSố: ' || d.id || '/KN-VKS-DS' ||
       E'\nCộng hòa xã hội chủ nghĩa Việt Nam\nĐộc lập - Tự do - Hạnh phúc\n' ||
       (ARRAY['QUYẾT ĐỊNH khởi kiện vụ án dân sự công ích', 'KIẾN NGHỊ thực hiện quyền khởi kiện',
              'BIÊN BẢN xác minh tại hiện trường', 'THÔNG BÁO thụ lý vụ án'])[1 + (d.id + n) % 4] ||
       E'\nVề việc ' || (ARRAY['xả nước thải', 'lấn chiếm đất công', 'an toàn thực phẩm', 'quyền lợi người tiêu dùng',
                             'tài sản công', 'di sản văn hóa'])[1 + (d.id * 7 + n) % 6] ||
       ' tại phường ' || (ARRAY['Hồng Gai', 'Tân Hòa', 'Đông Tiến', 'Cái Khế', 'Ea Kmar'])[1 + d.id % 5] ||
       E'\nCông ty TNHH số ' || (d.id % 5000) || E' vi phạm quy định.\nNơi nhận: như trên; lưu VT.'
FROM documents d, generate_series(1, 2) n WHERE d.name LIKE 'bench_%' AND d.id % 2 = $1;
INSERT INTO fields (document_id, name, value, confidence, page)
SELECT d.id, f.name, f.value, 0.99, 1
  FROM documents d, LATERAL (VALUES
       ('so_van_ban', d.id || '/KN-VKS-DS'),
       ('linh_vuc', (ARRAY['moi_truong', 'dat_dai', 'an_toan_thuc_pham', 'nguoi_tieu_dung',
                           'tai_san_cong', 'di_san_van_hoa'])[1 + (d.id * 7 + 1) % 6]),
       ('ngay_ban_hanh', to_char(d.received_at AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY-MM-DD'))) AS f (name, value)
 WHERE d.name LIKE 'bench_%' AND d.id % 2 = $1;
SQL
}
load_pages 0 & p0=$!
load_pages 1 & p1=$!
wait $p0 && wait $p1
t1=$(date +%s)
mapfile -t defs < <("${PSQL[@]}" -At -c 'SELECT def FROM bench_idx ORDER BY name')
for i in "${!defs[@]}"; do
  "${PSQL[@]}" -c "SET maintenance_work_mem = '2GB'" -c "${defs[$i]}" &
  if (( i % 2 == 1 )); then wait; fi
done
wait
"${PSQL[@]}" -c 'DROP TABLE bench_idx' -c 'VACUUM ANALYZE documents' -c 'VACUUM ANALYZE pages' -c 'VACUUM ANALYZE fields'
echo "search: loaded in $(( $(date +%s) - t0 )) s (rows $(( t1 - t0 )) s, indexes $(( $(date +%s) - t1 )) s):" \
     "$("$BIN" db psql -qAt -c 'SELECT count(*) FROM pages') pages," \
     "$("$BIN" db psql -qAt -c 'SELECT count(*) FROM documents') documents," \
     "$("$BIN" db psql -qAt -c 'SELECT count(*) FROM fields') fields"
fi
# Representative queries: common and rare words, a diacritic-insensitive
# phrase written with and without diacritics, a document number, and the
# same with a type or field filter; each alone and with a unit filter
# (Hà Nội: a seventh of the documents).  "QUERY|OPTIONS".
queries=("quyet dinh khoi kien|" "lan chiem dat cong|" "Đông Tiến|" "an toan thuc pham|" "cong ty tnhh so 4242|"
         "thong bao thu ly vu an|" "xả nước thải tại phường Hồng Gai|" "bien ban xac minh|" "kien nghi|"
         "di san van hoa|" "4242/KN-VKS-DS|" "viện kiểm sát|"
         "khoi kien|--field so_van_ban=4242/KN" "vu an|--type thong_bao_thu_ly" "xa nuoc thai|--field linh_vuc=moi_truong"
         "cong ty tnhh|--type kien_nghi --field so_van_ban=770/KN")
ms=(); wall=()
declare -A worst=()
for round in 1 2 3; do
  for spec in "${queries[@]}"; do
    q=${spec%%|*}; opts=${spec#*|}
    for unit in "" "--unit ha_noi"; do
      s=$(date +%s%N)
      # shellcheck disable=SC2086
      t=$("$BIN" search "$q" $opts $unit --json --timing 2>&1 >/dev/null | sed -n 's/^search_ms=//p')
      e=$(date +%s%N)
      [ -n "$t" ] || { echo "search: error: ancong search \"$q\" $opts $unit failed"; exit 1; }
      ms+=("$t"); wall+=($(( (e - s) / 1000000 )))
      k="$q $opts $unit"
      [ "${worst[$k]:-0}" -ge "$t" ] || worst[$k]=$t
    done
  done
done
if [ -n "${SEARCH_VERBOSE:-}" ]; then
  for k in "${!worst[@]}"; do printf 'search:   %5d ms  %s\n' "${worst[$k]}" "$k"; done | sort -k2 -n -r
fi
stats() { sort -n | awk -v what="$1" '{a[NR]=$1} END {
  m = a[int((NR+1)/2)]; p = a[int(NR*0.95 + 0.999)];
  printf "search: %-34s %d queries: median %d ms, p95 %d ms\n", what, NR, m, p }'; }
echo "search: $N pages; load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
printf '%s\n' "${ms[@]}" | stats "query time (target p95 <= 100 ms)"
printf '%s\n' "${wall[@]}" | stats "whole command (start, connect)"
