#!/usr/bin/env bash
# Backfill (issue 6): a ZIP and a folder with a manifest; kill -9 mid-way and rerun
# gives the counts of a clean run with no duplicates; a zip-slip entry and an
# expansion bomb are refused with their reasons while the other entries load.
. "$(dirname "$0")/../lib.sh"
need python3
t_home
t_db_start || exit 1
W=$(mktemp -d); at_exit "rm -rf '$W'"

# Small distinct PNG files (intake does not need OCR), a manifest, a ZIP with hostile entries.
python3 - "$W" <<'PY'
import os, struct, sys, zlib, zipfile
w = sys.argv[1]
def png(i):
    raw = b''.join(b'\x00' + bytes([(i * 7 + x) % 256 for x in range(16)]) for _ in range(16))
    def chunk(t, d): return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)
    return b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', 16, 16, 8, 0, 0, 0, 0)) + \
           chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b'')
os.makedirs(f'{w}/folder/hs01', exist_ok=True)
for i in range(40):
    open(f'{w}/folder/hs01/scan{i:03d}.png', 'wb').write(png(i))
open(f'{w}/folder/hs01/notes.txt', 'w').write('not a scan')
with open(f'{w}/manifest.csv', 'w', encoding='utf-8-sig') as m:
    m.write('tệp,mã vụ việc,đơn vị\n')
    for i in range(40):
        m.write(f'hs01/scan{i:03d}.png,{i % 4 + 1:02d}/2026/DSCI,da_nang\n')
    m.write('hs01/missing.png,09/2026/DSCI,da_nang\n')
with zipfile.ZipFile(f'{w}/archive.zip', 'w', zipfile.ZIP_DEFLATED) as z:
    for i in range(100, 110):
        z.writestr(f'hs02/scan{i}.png', png(i))
    z.writestr('../../evil.png', png(999))
    z.writestr('/abs/evil2.png', png(998))
    z.writestr('hs02/bomb.png', b'\x89PNG\r\n\x1a\n' + b'\0' * (60 << 20))
PY

out=$("$ANCONG_BIN" backfill "$W/folder" "$W/archive.zip" --manifest "$W/manifest.csv" --unit da_nang 2>&1)
echo "$out" | sed 's/^/# /'
docs=$(sql "SELECT count(*) FROM documents WHERE source = 'backfill'")
is "$docs" 50 "folder (40) and ZIP (10) documents loaded"
echo "$out" | grep -q 'evil.png: the entry.*climbs out' && ok "zip-slip entry refused with its reason" || not_ok "zip-slip entry refused with its reason"
echo "$out" | grep -q 'evil2.png: the entry has an absolute path' && ok "absolute-path entry refused" || not_ok "absolute-path entry refused"
echo "$out" | grep -q 'bomb.png: refused as an expansion bomb' && ok "expansion bomb refused" || not_ok "expansion bomb refused"
echo "$out" | grep -q 'notes.txt: not a scan or PDF' && ok "non-document file reported, not loaded" || not_ok "non-document file reported"
echo "$out" | grep -q 'manifest row without a file: line .*hs01/missing.png' && ok "manifest row naming a missing file reported" || not_ok "manifest row naming a missing file reported"
cases=$(sql "SELECT count(*) FROM documents WHERE source = 'backfill' AND case_code_hint IS NOT NULL")
is "$cases" 40 "manifest case codes recorded on the folder's documents"
prio=$(sql "SELECT min(priority) FROM jobs j JOIN documents d ON d.id = j.document_id WHERE d.source = 'backfill'")
[ "${prio:-0}" -ge 100 ] && ok "backfill jobs rank behind live scans (priority $prio)" || not_ok "backfill job priority" "got $prio"
ls "$ANCONG_HOME"/backfill/reports/*.csv >/dev/null 2>&1 && ok "CSV report written" || not_ok "CSV report written"

# Rerun: nothing loaded twice.
out2=$("$ANCONG_BIN" backfill "$W/folder" "$W/archive.zip" --manifest "$W/manifest.csv" --unit da_nang 2>&1)
echo "$out2" | grep -q '0 loaded, 50 already loaded' && ok "second run loads nothing again" || not_ok "second run loads nothing again" "$(echo "$out2" | head -1)"
"$ANCONG_BIN" status --station backfill | grep -q '^  scan000.png = scan000.png' \
  && ok "status lists the repeated drops as duplicates of the document taken" \
  || not_ok "status lists duplicate drops" "$("$ANCONG_BIN" status --station backfill | tail -5)"

echo "$out" | grep -q '  note: .*hs02/scan100.png: no row in the manifest' \
  && ok "the report names the files the manifest has no row for" \
  || not_ok "the report names the files the manifest has no row for"

# Loaded first without a manifest, then again with one: the case codes are
# applied (the one processed already is filed now); a document that prints
# another code keeps it and the report says so.
python3 - "$W" <<'PY'
import os, struct, sys, zlib
w = sys.argv[1]
def png(i):
    raw = b''.join(b'\x00' + bytes([(i * 11 + x) % 256 for x in range(16)]) for _ in range(16))
    def chunk(t, d): return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)
    return b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', 16, 16, 8, 0, 0, 0, 0)) + \
           chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b'')
os.makedirs(f'{w}/late', exist_ok=True)
for i in range(3):
    open(f'{w}/late/l{i}.png', 'wb').write(png(500 + i))
with open(f'{w}/late.csv', 'w', encoding='utf-8') as m:
    m.write('file,case_code,doc_type\nl0.png,77/2026/DSCI,\nl1.png,78/2026/DSCI,\nl2.png,79/2026/DSCI,quyet_dinh_xyz\n'
            'l0.png,77/2026/DSCI,\n')
PY
"$ANCONG_BIN" backfill "$W/late" --unit da_nang >/dev/null 2>&1
sql "UPDATE documents SET status = 'indexed' WHERE name IN ('l0.png', 'l1.png');
     INSERT INTO fields (document_id, name, value, confidence) SELECT id, 'ma_vu_viec', '35/2026/DSCI', 0.95
       FROM documents WHERE name = 'l1.png'" >/dev/null
out3=$("$ANCONG_BIN" backfill "$W/late" --manifest "$W/late.csv" --unit da_nang 2>&1)
is "$(sql "SELECT string_agg(name || '=' || coalesce(case_code_hint, '-'), ' ' ORDER BY name) FROM documents WHERE name LIKE 'l_.png'")" \
   "l0.png=77/2026/DSCI l1.png=78/2026/DSCI l2.png=79/2026/DSCI" "a second run with a manifest gives the loaded files their case codes"
is "$(sql "SELECT c.code FROM documents d JOIN cases c ON c.id = d.case_id WHERE d.name = 'l0.png'")" "77/2026/DSCI" \
   "a file processed already is filed under the manifest's case now"
echo "$out3" | grep -q 'note: .*l1.png: already loaded and filed under case 35/2026/DSCI, not the manifest.s 78/2026/DSCI' \
  && ok "a file that prints another case code keeps it, and the report says so" \
  || not_ok "a file that prints another case code keeps it, and the report says so" "$(echo "$out3" | grep -i note)"
echo "$out3" | grep -q "note: .*l2.png: .*the manifest's doc_type \"quyet_dinh_xyz\" (line 4) is not a type and was ignored; the types: " \
  && ok "an unknown doc_type in the manifest is named in the report" \
  || not_ok "an unknown doc_type in the manifest is named in the report" "$(echo "$out3" | grep -i note)"
echo "$out3" | grep -q 'manifest row without a file: line 5: l0.png: the same file as line 2, whose row was used' \
  && ok "a second row for the same file is reported as such" \
  || not_ok "a second row for the same file is reported as such" "$(echo "$out3" | grep -i 'row without')"
echo "$out3" | grep -q 'note: .*l2.png: already loaded (received); filed under the manifest.s case when it is processed' \
  && ok "a file not processed yet: the report says when its case comes" \
  || not_ok "a file not processed yet: the report says when its case comes" "$(echo "$out3" | grep -i note)"

# --wait lists the documents dated outside the period the archive covers
sql "UPDATE documents SET status = 'indexed' WHERE name LIKE 'l_.png';
     UPDATE jobs SET state = 'done' WHERE document_id IN (SELECT id FROM documents WHERE name LIKE 'l_.png');
     INSERT INTO fields (document_id, name, value, confidence) SELECT id, 'ngay_ban_hanh',
       CASE name WHEN 'l0.png' THEN '2025-06-01' ELSE '2026-03-01' END, 0.95
       FROM documents WHERE name IN ('l0.png', 'l2.png')" >/dev/null
out4=$("$ANCONG_BIN" backfill "$W/late" --wait --timeout 30 --period 2025-01-01:2025-12-31 2>&1)
echo "$out4" | grep -A3 '^dated outside the back-fill period 01/01/2025-31/12/2025' | grep -q '  l2.png: 2026-03-01' \
  && ok "--wait lists what is dated outside --period" || not_ok "--wait lists what is dated outside --period" "$out4"
echo "$out4" | grep -q 'l0.png: 2025-06-01' && not_ok "a date inside the period is not listed" || ok "a date inside the period is not listed"
"$ANCONG_BIN" backfill "$W/late" --period 2026-05-14:2026-01-01 >/dev/null 2>&1
is "$?" 2 "a period that ends before it begins is a usage error"

# Kill -9 mid-way on a bigger folder, rerun, compare with a clean run's count.
python3 - "$W" <<'PY'
import os, sys, zlib, struct
w = sys.argv[1]
os.makedirs(f'{w}/big', exist_ok=True)
for i in range(2000):
    raw = os.urandom(64)
    open(f'{w}/big/p{i:04d}.png', 'wb').write(b'\x89PNG\r\n\x1a\n' + raw)
PY
"$ANCONG_BIN" backfill "$W/big" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 600); do
  c=$(sql "SELECT count(*) FROM documents WHERE name LIKE 'p%.png'")
  [ "$c" -gt 20 ] && break
  sleep 0.05
done
kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
mid=$(sql "SELECT count(*) FROM documents WHERE name LIKE 'p%.png'")
[ "$mid" -gt 0 ] && [ "$mid" -lt 2000 ] && ok "the loader was killed mid-way ($mid of 2000 loaded)" \
  || not_ok "the loader was killed mid-way" "$mid of 2000 were loaded when it was killed"
[ -d "$ANCONG_HOME/backfill/staging-$pid" ] && killed_staging=1 || killed_staging=0
"$ANCONG_BIN" backfill "$W/big" >/dev/null 2>&1
final=$(sql "SELECT count(*) FROM documents WHERE name LIKE 'p%.png'")
is "$killed_staging/$([ -e "$ANCONG_HOME/backfill/staging-$pid" ] && echo left || echo removed)" "1/removed" \
   "the staging folder the killed loader left is removed by the next run"
n_reports=$(ls "$ANCONG_HOME"/backfill/reports/*.txt | wc -l)
"$ANCONG_BIN" backfill "$W/late" >/dev/null 2>&1 & "$ANCONG_BIN" backfill "$W/late" >/dev/null 2>&1; wait
is "$(ls "$ANCONG_HOME"/backfill/reports/*.txt | wc -l)" "$((n_reports + 2))" "two runs in the same second keep both reports"
is "$final" 2000 "after kill -9 and a rerun, all 2000 files are loaded once"
dups=$(sql "SELECT count(*) - count(DISTINCT sha256) FROM documents WHERE parent_id IS NULL")
is "$dups" 0 "no duplicate documents"
orphans=$(sql "SELECT count(*) FROM documents d WHERE parent_id IS NULL AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.document_id = d.id)")
is "$orphans" 0 "every loaded document has its job"
missing=0
for s in $(sql "SELECT sha256 FROM documents WHERE parent_id IS NULL"); do
  [ -f "$ANCONG_HOME/blobs/originals/${s:0:2}/${s:2:2}/$s" ] || missing=$((missing + 1))
done
is "$missing" 0 "every document's original is in the blob store"
"$ANCONG_BIN" backfill --completeness | grep -q da_nang && ok "completeness view lists the unit" || not_ok "completeness view lists the unit"
t_finish
