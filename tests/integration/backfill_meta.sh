#!/usr/bin/env bash
# Backfill (issue 6): the manifest's archival columns (Mã hồ sơ, Tiêu đề, Thời
# hạn bảo quản...) are kept in documents.archive_meta, reported, merged into a
# document loaded before without them, and shown as "archive" by ancong export.
# Born-digital PDFs go through a real worker: their searchable PDF is the
# original itself (a hard link in the blob store, not a copy).
. "$(dirname "$0")/../lib.sh"
need python3 pango-view pdfinfo
t_home
t_db_start || exit 1
W=$ANCONG_HOME/work
mkdir -p "$W/hs"

# Three born-digital PDFs (real text layer) with different text.
for n in a b c; do
  printf 'VIỆN KIỂM SÁT NHÂN DÂN TỈNH ĐÀ NẴNG\nSố: 1%s/KN-VKS-DS\nKIẾN NGHỊ\nVề việc khắc phục vi phạm trong công tác thi hành án dân sự, hồ sơ %s\n' \
    "${#n}$n" "$n" > "$W/$n.txt"
  pango-view --font="DejaVu Serif 12" -q -o "$W/hs/$n.pdf" "$W/$n.txt" 2>/dev/null
  [ -s "$W/hs/$n.pdf" ] || { not_ok "pango-view makes a PDF" "no $W/hs/$n.pdf"; exit 1; }
done

# First run: a manifest without archival columns.
printf 'tệp,mã vụ việc\na.pdf,01/2026/DSCI\nb.pdf,01/2026/DSCI\nc.pdf,02/2026/DSCI\n' > "$W/m1.csv"
"$ANCONG_BIN" backfill "$W/hs" --manifest "$W/m1.csv" --unit da_nang >"$W/run1.txt" 2>&1
is "$(sql "SELECT count(*) FROM documents WHERE archive_meta IS NOT NULL")" 0 "no archival columns, no archive_meta"

# Second run: the operator's full spreadsheet, with archival columns; the same
# files are "already loaded", and their metadata is added to the rows.
python3 - "$W/m2.csv" <<'PY'
import sys
with open(sys.argv[1], 'w', encoding='utf-8-sig') as f:
    f.write('Tệp,Mã vụ việc,Mã hồ sơ,Tiêu đề,Thời hạn bảo quản,Số tờ,Ghi chú\n')
    f.write('a.pdf,01/2026/DSCI,HS-2026-001,"Hồ sơ kiến nghị, thi hành án",Vĩnh viễn,2,\n')
    f.write('b.pdf,01/2026/DSCI,HS-2026-001,,70 năm,,"bản gốc ""mờ"""\n')
    f.write('c.pdf,02/2026/DSCI,,,,,\n')
PY
out=$("$ANCONG_BIN" backfill "$W/hs" --manifest "$W/m2.csv" --unit da_nang --report "$W/rep" 2>&1)
echo "$out" | sed 's/^/# /'
echo "$out" | grep -q '0 loaded, 3 already loaded' && ok "second run loads nothing again" || not_ok "second run loads nothing again"
echo "$out" | grep -q 'archival metadata of 2 files kept .*ma_ho_so, tieu_de, thoi_han_bao_quan, so_to, ghi_chu' \
  && ok "the report names the archival columns kept" || not_ok "the report names the archival columns kept"
is "$(sql "SELECT archive_meta->>'ma_ho_so' || '|' || (archive_meta->>'tieu_de') || '|' || (archive_meta->>'thoi_han_bao_quan') || '|' || (archive_meta->>'so_to') FROM documents WHERE name = 'a.pdf'")" \
   "HS-2026-001|Hồ sơ kiến nghị, thi hành án|Vĩnh viễn|2" "a.pdf: every non-empty archival value in documents.archive_meta"
is "$(sql "SELECT archive_meta->>'ghi_chu' FROM documents WHERE name = 'b.pdf'")" 'bản gốc "mờ"' "quoted value with quotes kept"
is "$(sql "SELECT archive_meta ? 'tieu_de' FROM documents WHERE name = 'b.pdf'")" f "an empty cell is not stored"
is "$(sql "SELECT archive_meta IS NULL FROM documents WHERE name = 'c.pdf'")" t "a row without archival values leaves archive_meta empty"
csv=$(ls "$W"/rep/*.csv 2>/dev/null | head -1)
if [ -n "$csv" ] && python3 - "$csv" <<'PY'
import csv, json, sys
rows = {r['source']: r for r in csv.DictReader(open(sys.argv[1], encoding='utf-8'))}
assert json.loads(rows['a.pdf']['archive_meta'])['ma_ho_so'] == 'HS-2026-001', rows['a.pdf']
assert rows['c.pdf']['archive_meta'] == '', rows['c.pdf']
PY
then ok "the CSV report carries each file's archival metadata"; else not_ok "the CSV report carries each file's archival metadata" "$csv"; fi

# A third run changes nothing (idempotent).
before=$(sql "SELECT string_agg(version::text || updated_at::text, ',' ORDER BY id) FROM documents")
"$ANCONG_BIN" backfill "$W/hs" --manifest "$W/m2.csv" --unit da_nang >/dev/null 2>&1
is "$(sql "SELECT string_agg(version::text || updated_at::text, ',' ORDER BY id) FROM documents")" "$before" \
   "loading the same manifest again leaves the rows alone"

# One batch holding two files with the same bytes, a file loaded before, and a
# row naming a unit that does not exist: the copies make one document, the bad
# row fails alone with its reason, the rest of the batch loads.
mkdir -p "$W/hs2"
for i in 1 2 3; do printf 'PNG %d\n' "$i" | cat - "$W/hs/a.pdf" > "$W/hs2/n$i.pdf"; done
cp "$W/hs2/n1.pdf" "$W/hs2/n1_copy.pdf"
cp "$W/hs/b.pdf" "$W/hs2/b_again.pdf"
printf 'file,unit,record_code\nn1.pdf,da_nang,R1\nn1_copy.pdf,da_nang,R1\nn2.pdf,no_such_unit,R2\nn3.pdf,da_nang,R3\n' > "$W/m3.csv"
out=$("$ANCONG_BIN" backfill "$W/hs2" --manifest "$W/m3.csv" --unit da_nang 2>&1)
echo "$out" | grep -E '^backfill:|failed:' | sed 's/^/# /'
echo "$out" | grep -q '^backfill: 5 files .*: 2 loaded, 2 already loaded, 0 refused, 1 failed' \
  && ok "a batch: two copies make one document, one file loaded before, one bad row" \
  || not_ok "a batch with copies, an earlier file and a bad row" "$(echo "$out" | grep '^backfill:')"
echo "$out" | grep -q 'failed: n2.pdf: unknown unit "no_such_unit"' \
  && ok "the row with an unknown unit fails alone, with its reason" || not_ok "unknown unit fails alone"
is "$(sql "SELECT count(*) FROM drops d JOIN documents x ON x.id = d.document_id WHERE x.name = 'n1.pdf'")" 2 \
   "both copies are recorded as drops of the one document"
is "$(sql "SELECT count(*) FROM jobs j JOIN documents x ON x.id = j.document_id WHERE x.name IN ('n1.pdf', 'n3.pdf')")" 2 \
   "each new document has its job"
is "$(sql "SELECT archive_meta->>'ma_ho_so' FROM documents WHERE name = 'n3.pdf'")" R3 "metadata recorded through the batch"
sql "DELETE FROM documents WHERE name IN ('n1.pdf', 'n3.pdf')" >/dev/null

# Process them with a real worker, then export.
"$ANCONG_BIN" serve --workers 1 --no-web --no-watch --no-signer >"$ANCONG_HOME/serve.log" 2>&1 &
m=$!
at_exit "kill -9 $m"
"$ANCONG_BIN" backfill "$W/hs" --manifest "$W/m2.csv" --unit da_nang --wait --timeout 300 >"$W/run4.txt" 2>&1
is "$(sql "SELECT count(*) FROM documents WHERE status IN ('indexed', 'needs_review')")" 3 "the worker processed the three PDFs"
is "$(sql "SELECT count(*) FROM pages WHERE source = 'text_layer'")" 3 "their text layer was read (no OCR)"
is "$(sql "SELECT count(*) FROM documents WHERE searchable_pdf_sha256 = sha256")" 3 \
   "a born-digital PDF is its own searchable PDF"
s=$(sql "SELECT sha256 FROM documents WHERE name = 'a.pdf'")
o=$ANCONG_HOME/blobs/originals/${s:0:2}/${s:2:2}/$s
p=$ANCONG_HOME/blobs/pdf/${s:0:2}/${s:2:2}/$s
[ -f "$p" ] && [ "$(stat -c %i "$o")" = "$(stat -c %i "$p")" ] \
  && ok "its searchable PDF blob is a link to the original, not a copy" \
  || not_ok "its searchable PDF blob is a link to the original" "$(ls -li "$o" "$p" 2>&1)"
is "$(sql "SELECT archive_meta->>'ma_ho_so' FROM documents WHERE name = 'a.pdf'")" "HS-2026-001" \
   "processing keeps archive_meta"
"$ANCONG_BIN" export --json-dir "$W/out" >/dev/null 2>&1
python3 - "$W/out" <<'PY' && ok "ancong export shows \"archive\" (only where there is some)" || not_ok "ancong export shows \"archive\""
import json, sys
d = sys.argv[1]
a = json.load(open(f'{d}/a.pdf.json', encoding='utf-8'))
c = json.load(open(f'{d}/c.pdf.json', encoding='utf-8'))
assert a['archive'] == {'ma_ho_so': 'HS-2026-001', 'tieu_de': 'Hồ sơ kiến nghị, thi hành án',
                        'thoi_han_bao_quan': 'Vĩnh viễn', 'so_to': '2'}, a.get('archive')
assert 'archive' not in c, c
assert a['status'] in ('indexed', 'needs_review') and a['pages'][0]['source'] == 'text_layer', a['status']
PY
kill -TERM $m; wait $m 2>/dev/null
t_finish
