#!/usr/bin/env bash
# job_complete (idempotent, bundles, case link) and ancong export.
. "$(dirname "$0")/../lib.sh"
need psql python3
T=${ANCONG_BUILD_DIR:-$ANCONG_TOP/build}/tools/storectl
[ -x "$T" ] || { not_ok "storectl is built" "run make tests-build"; exit 1; }
t_home
t_db_start || exit 1
W=$ANCONG_HOME/work; mkdir -p "$W"
kv() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" | head -1; }
counts() { sql "SELECT (SELECT count(*) FROM documents) || '/' || (SELECT count(*) FROM pages) || '/' || (SELECT count(*) FROM fields) || '/' || (SELECT count(*) FROM cases) || '/' || (SELECT count(*) FROM jobs)"; }

# A single document with fields and a case code.
printf 'kien nghi\n' > "$W/kn.pdf"
d1=$("$T" ingest "$W/kn.pdf" kien_nghi_0007.pdf st01 2>/dev/null | kv document)
cat > "$W/kn.json" <<'J'
{"file": "kien_nghi_0007.pdf", "sha256": "ignored", "status": "needs_review",
 "doc_type": "kien_nghi", "doc_type_confidence": 0.97,
 "signatures": [{"signer": "Viện kiểm sát nhân dân tỉnh Quảng Ninh", "time": "2026-03-05T08:15:00Z", "subfilter": "ETSI.CAdES.detached"},
                {"signer": null, "time": "2026-02-30T10:00:00Z", "subfilter": "adbe.pkcs7.detached"}],
 "fields": {
   "so_van_ban":   {"value": "07/KN-VKS-DS", "confidence": 0.96, "page": 1, "bbox": [10, 20, 300, 60]},
   "ngay_ban_hanh": {"value": "2026-03-05", "confidence": 0.99, "page": 1, "bbox": [400, 20, 700, 60]},
   "ma_vu_viec":   {"value": "06/2026/DSCI", "confidence": 0.93, "page": 2, "bbox": [1, 2, 3, 4]},
   "linh_vuc":     {"value": "moi_truong", "confidence": 0.7, "page": 0, "bbox": [0, 0, 0, 0]},
   "bi_don": null},
 "pages": [
   {"number": 1, "text": "KIẾN NGHỊ\nVề việc khắc phục ô nhiễm", "rotation": 90, "skew_deg": 0.8,
    "ocr_confidence": 0.91, "source": "ocr", "width_px": 2480, "height_px": 3508, "dpi": 300, "dpi_source": "metadata"},
   {"number": 2, "text": "Đơn vị: Viện kiểm sát nhân dân khu vực 3", "rotation": 0, "skew_deg": -0.2,
    "ocr_confidence": 0.88, "source": "text_layer", "width_px": 2480, "height_px": 3508, "dpi": 300, "dpi_source": "assumed"}]}
J
"$T" complete ocr w1 "$W/kn.json" 2 >/dev/null 2>"$W/c1.err"
is "$?" "0" "a job is completed twice without error"
is "$(sql "SELECT status || ':' || doc_type || ':' || npages FROM documents WHERE id = $d1")" "needs_review:kien_nghi:2" "status, type and pages from the result"
is "$(sql "SELECT count(*) FROM pages WHERE document_id = $d1")" "2" "two pages, not four"
is "$(sql "SELECT count(*) FROM fields WHERE document_id = $d1")" "4" "four fields (a null field is absent), not eight"
is "$(sql "SELECT value || '|' || confidence || '|' || page || '|' || array_to_string(bbox, ',') FROM fields WHERE document_id = $d1 AND name = 'so_van_ban'")" "07/KN-VKS-DS|0.96|1|10,20,300,60" "a field keeps value, confidence, page and box"
is "$(sql "SELECT rotation || '|' || skew_deg || '|' || source FROM pages WHERE document_id = $d1 AND number = 1")" "90|0.8|ocr" "a page keeps rotation, skew and source"
is "$(sql "SELECT c.code || '|' || c.area || '|' || u.code FROM documents d JOIN cases c ON c.id = d.case_id JOIN units u ON u.id = c.unit_id WHERE d.id = $d1")" "06/2026/DSCI|moi_truong|vkstc" "the document is linked to its case, created from ma_vu_viec"
is "$(sql "SELECT state FROM jobs WHERE document_id = $d1")" "done" "the job is done"
is "$(sql "SELECT count(*) FROM pages WHERE search_text LIKE '%khac phuc o nhiem%'")" "1" "page text is searchable without diacritics"
is "$(sql "SELECT count(*) FROM pages WHERE search_tsv @@ plainto_tsquery('simple', ancong_fold('Viện Kiểm Sát khu vuc'))")" "1" "the search vector finds folded words"
is "$(sql "SELECT string_agg(origin || '|' || coalesce(signer, '-') || '|' || coalesce(to_char(signed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'), '-') || '|' || subfilter, ' ; ' ORDER BY id) FROM signatures WHERE document_id = $d1")" \
   "input|Viện kiểm sát nhân dân tỉnh Quảng Ninh|2026-03-05 08:15|ETSI.CAdES.detached ; input|-|-|adbe.pkcs7.detached" \
   "the file's own signatures are recorded (an impossible time is left empty, the document is not failed over it), once"
before=$(counts)

# Completing again after a reset (the same job redone) replaces, never duplicates.
sql "UPDATE jobs SET state = 'ready', next_run_at = now() WHERE document_id = $d1" >/dev/null
"$T" complete ocr w2 "$W/kn.json" >/dev/null 2>&1
is "$(counts)" "$before" "redoing the job leaves the same rows (documents/pages/fields/cases/jobs)"

# Another stage (signing) completing its job leaves the OCR result alone.
"$T" enqueue "$d1" sign 0 2>/dev/null
echo '{}' > "$W/empty.json"
"$T" complete sign s1 "$W/empty.json" >/dev/null 2>&1
is "$(sql "SELECT j.state || ':' || d.status || ':' || d.doc_type FROM jobs j JOIN documents d ON d.id = j.document_id WHERE j.kind = 'sign' AND d.id = $d1")" "done:needs_review:kien_nghi" "a sign job completes without touching the OCR result"
"$T" enqueue "$d1" sign 0 2>/dev/null
is "$(sql "SELECT state || ':' || attempts || ':' || count(*) OVER () FROM jobs WHERE kind = 'sign' AND document_id = $d1")" "ready:0:1" "enqueueing again resets the one job of that kind"
sql "DELETE FROM jobs WHERE kind = 'sign'" >/dev/null
before=$(counts)

# A second document of the same case joins it.
printf 'qd\n' > "$W/qd.pdf"
d2=$("$T" ingest "$W/qd.pdf" qd.pdf st01 2>/dev/null | kv document)
cat > "$W/qd.json" <<'J'
{"status": "indexed", "doc_type": "quyet_dinh_khoi_kien", "doc_type_confidence": 0.9,
 "fields": {"ma_vu_viec": {"value": "06/2026/DSCI", "confidence": 0.95, "page": 1, "bbox": [0,0,1,1]},
            "bi_don": "Công ty TNHH O'Brien; DROP TABLE cases; --"},
 "pages": [{"number": 1, "text": "QUYẾT ĐỊNH khởi kiện"}]}
J
"$T" complete ocr w1 "$W/qd.json" >/dev/null 2>&1
is "$(sql "SELECT count(DISTINCT case_id) || '/' || count(*) FROM documents WHERE id IN ($d1, $d2)")" "1/2" "two documents with the same case code share one case"
is "$(sql "SELECT value FROM fields WHERE document_id = $d2 AND name = 'bi_don'")" "Công ty TNHH O'Brien; DROP TABLE cases; --" "a field value with SQL in it is stored as text"

# A document of the default (Supreme) unit that names its province moves there.
printf 'hn\n' > "$W/hn.pdf"
d6=$("$T" ingest "$W/hn.pdf" hn.pdf st09 2>/dev/null | kv document)
printf '%s' '{"status":"indexed","doc_type":"phan_cong","fields":{"tinh":{"value":"ha_noi","confidence":0.99,"page":1,"bbox":[0,0,1,1]},"ma_vu_viec":{"value":"11/2026/DSCI","confidence":0.99,"page":1,"bbox":[0,0,1,1]}},"pages":[{"number":1,"text":"x"}]}' > "$W/hn.json"
"$T" complete ocr w1 "$W/hn.json" >/dev/null 2>&1
is "$(sql "SELECT u.code || '/' || cu.code FROM documents d JOIN units u ON u.id = d.unit_id JOIN cases c ON c.id = d.case_id JOIN units cu ON cu.id = c.unit_id WHERE d.id = $d6")" "ha_noi/ha_noi" "a default-unit document naming its province belongs to it, with its case"
printf 'dl\n' > "$W/dl.pdf"
"$T" ingest "$W/dl.pdf" dl.pdf st10 >/dev/null 2>&1
sql "UPDATE stations SET unit_id = (SELECT id FROM units WHERE code = 'dak_lak') WHERE code = 'st10'" >/dev/null
sql "UPDATE documents SET unit_id = (SELECT id FROM units WHERE code = 'dak_lak') WHERE name = 'dl.pdf'" >/dev/null   # as if ingested from the assigned station
"$T" complete ocr w1 "$W/hn.json" >/dev/null 2>&1
is "$(sql "SELECT u.code FROM documents d JOIN units u ON u.id = d.unit_id WHERE d.name = 'dl.pdf'")" "dak_lak" "a document of an assigned unit stays there whatever it names"

# A split bundle: one child document per part, linked to the original.
printf 'bundle\n' > "$W/hs.pdf"
d3=$("$T" ingest "$W/hs.pdf" ho_so.pdf st02 2>/dev/null | kv document)
cat > "$W/hs.json" <<'J'
{"status": "needs_review",
 "pages": [{"number": 1, "text": "BIÊN BẢN"}, {"number": 2, "text": ""}, {"number": 3, "text": "QUYẾT ĐỊNH"}, {"number": 4, "text": "tiếp"}],
 "documents": [
   {"first_page": 1, "last_page": 1, "doc_type": "bien_ban_xac_minh", "doc_type_confidence": 0.8, "status": "indexed",
    "fields": {"ma_vu_viec": {"value": "09/2026/DSCI", "confidence": 0.9, "page": 1, "bbox": [1,1,2,2]}}},
   {"first_page": 3, "last_page": 4, "doc_type": "phan_cong", "doc_type_confidence": 0.6, "status": "needs_review",
    "fields": {"so_van_ban": {"value": "12/QĐ-VKS-DS", "confidence": 0.5, "page": 3, "bbox": [1,1,2,2]},
               "ma_vu_viec": {"value": "09/2026/DSCI", "confidence": 0.9, "page": 3, "bbox": [1,1,2,2]}}}]}
J
"$T" complete ocr w1 "$W/hs.json" 2 >/dev/null 2>&1
is "$(sql "SELECT string_agg(first_page || '-' || last_page || ':' || doc_type || ':' || status, ',' ORDER BY first_page) FROM documents WHERE parent_id = $d3")" "1-1:bien_ban_xac_minh:indexed,3-4:phan_cong:needs_review" "a bundle gives one child document per part, completed twice"
is "$(sql "SELECT count(*) FROM documents WHERE parent_id = $d3 AND sha256 = (SELECT sha256 FROM documents WHERE id = $d3)")" "2" "the parts point at the original's bytes"
is "$(sql "SELECT count(*) FROM fields f JOIN documents c ON c.id = f.document_id WHERE c.parent_id = $d3")" "3" "the parts carry their own fields"
is "$(sql "SELECT count(DISTINCT c.case_id) FROM documents c WHERE c.parent_id = $d3 AND c.case_id IS NOT NULL")" "1" "the parts are linked to their case"
is "$(sql "SELECT count(*) FROM pages WHERE document_id = $d3")" "4" "the whole file's pages belong to the original"

# Re-split differently: a part that is gone is removed.
python3 - "$W/hs.json" > "$W/hs2.json" <<'P'
import json, sys
r = json.load(open(sys.argv[1])); r["documents"] = r["documents"][1:]; print(json.dumps(r))
P
sql "UPDATE jobs SET state = 'ready', next_run_at = now() WHERE document_id = $d3" >/dev/null
"$T" complete ocr w1 "$W/hs2.json" >/dev/null 2>&1
is "$(sql "SELECT string_agg(first_page::text, ',') FROM documents WHERE parent_id = $d3")" "3" "a part dropped by a new split is removed"
sql "UPDATE jobs SET state = 'ready', next_run_at = now() WHERE document_id = $d3" >/dev/null
"$T" complete ocr w1 "$W/hs.json" >/dev/null 2>&1

# A result that says failed keeps the error; malformed numbers do not lose it.
printf 'bad\n' > "$W/bad.pdf"
d4=$("$T" ingest "$W/bad.pdf" bad.pdf 2>/dev/null | kv document)
printf '%s' '{"status":"failed","error":"the file is not a PDF, TIFF, JPEG or PNG. Scan it again","doc_type_confidence":"high","pages":[{"number":"x","text":"a\u0000b","dpi":1e999}]}' > "$W/bad.json"
"$T" complete ocr w1 "$W/bad.json" >/dev/null 2>"$W/bad.err"
is "$?" "0" "a result with odd values is stored"
is "$(sql "SELECT status || '|' || error FROM documents WHERE id = $d4")" "failed|the file is not a PDF, TIFF, JPEG or PNG. Scan it again" "a failed result keeps its error"
is "$(sql "SELECT number || '|' || text FROM pages WHERE document_id = $d4")" "1|a�b" "a NUL in text becomes U+FFFD and a bad page number its position"

# A result PostgreSQL cannot read is the document's failure, not an endless retry.
printf 'garbled\n' > "$W/garbled.pdf"
d7=$("$T" ingest "$W/garbled.pdf" garbled.pdf 2>/dev/null | kv document)
printf '%s' '{"status": "indexed", "pages": [}' > "$W/garbled.json"
"$T" complete ocr w1 "$W/garbled.json" >/dev/null 2>&1
is "$?" "0" "an unreadable result is recorded"
is "$(sql "SELECT j.state || ':' || d.status || ':' || (d.error LIKE 'the analysis result could not be stored%') FROM jobs j JOIN documents d ON d.id = j.document_id WHERE d.id = $d7")" "failed:failed:true" "the document fails with a reason, the job is not retried"

# Same name, different bytes: the later one is exported as NAME~<sha8>.json.
printf 'other bytes\n' > "$W/other.pdf"
d5=$("$T" ingest "$W/other.pdf" kien_nghi_0007.pdf st03 2>/dev/null | kv document)
sha5=$(sql "SELECT sha256 FROM documents WHERE id = $d5")
# Export writes finished documents only: fail this one (a reason, no retry).
"$T" fail ocr w1 "not a scan" --fatal >/dev/null 2>&1

# A reviewer's correction shows in the export.
sql "UPDATE fields SET value = '08/KN-VKS-DS', source = 'reviewer' WHERE document_id = $d1 AND name = 'so_van_ban'" >/dev/null

OUT=$ANCONG_HOME/export
"$ANCONG_BIN" export --json-dir "$OUT" 2>"$W/export.err"
is "$?" "0" "ancong export succeeds"
is "$(ls "$OUT" | sort | tr '\n' ' ')" "bad.pdf.json dl.pdf.json garbled.pdf.json hn.pdf.json ho_so.pdf.json kien_nghi_0007.pdf.json kien_nghi_0007.pdf~${sha5:0:8}.json qd.pdf.json " "one file per document, a repeated name gets ~sha8"
is "$(sql "SELECT status FROM documents WHERE id = $d5")" failed "the same-name document is finished before the export"
python3 - "$OUT" "$sha5" <<'P'
import json, os, sys
out, sha5 = sys.argv[1], sys.argv[2]
def chk(name, cond):
    print(("ok - " if cond else "not ok - ") + name)
kn = json.load(open(os.path.join(out, "kien_nghi_0007.pdf.json")))
chk("export: file, status, type", (kn["file"], kn["status"], kn["doc_type"]) == ("kien_nghi_0007.pdf", "needs_review", "kien_nghi"))
chk("export: confidence", abs(kn["doc_type_confidence"] - 0.97) < 1e-6)
chk("export: the reviewer's correction shows", kn["fields"]["so_van_ban"]["value"] == "08/KN-VKS-DS")
chk("export: field page and box", kn["fields"]["ngay_ban_hanh"]["page"] == 1 and kn["fields"]["ngay_ban_hanh"]["bbox"] == [400, 20, 700, 60])
chk("export: absent fields stay absent", "bi_don" not in kn["fields"])
chk("export: station", kn.get("station") == "st01")
chk("export: pages in order with text", [p["number"] for p in kn["pages"]] == [1, 2] and kn["pages"][0]["text"].startswith("KIẾN NGHỊ"))
chk("export: page metadata", (kn["pages"][0]["rotation"], kn["pages"][0]["dpi"], kn["pages"][1]["source"]) == (90, 300, "text_layer"))
chk("export: no error on a good document", "error" not in kn)
chk("export: the signatures the file arrived with, as process reports them",
    [(g.get("signer"), g.get("subfilter")) for g in kn.get("signatures", [])]
    == [("Viện kiểm sát nhân dân tỉnh Quảng Ninh", "ETSI.CAdES.detached"), (None, "adbe.pkcs7.detached")])
other = json.load(open(os.path.join(out, "kien_nghi_0007.pdf~%s.json" % sha5[:8])))
chk("export: the later same-name file is the other document", other["sha256"] == sha5 and other["station"] == "st03")
bad = json.load(open(os.path.join(out, "bad.pdf.json")))
chk("export: a failed document has status and error", bad["status"] == "failed" and "Scan it again" in bad["error"])
chk("export: no station when there was none", "station" not in bad)
chk("export: no signatures key when the file had none", "signatures" not in bad)
hs = json.load(open(os.path.join(out, "ho_so.pdf.json")))
docs = hs.get("documents", [])
chk("export: a bundle lists its parts", [(d["first_page"], d["last_page"], d["doc_type"]) for d in docs] == [(1, 1, "bien_ban_xac_minh"), (3, 4, "phan_cong")])
chk("export: parts carry fields", docs[1]["fields"]["so_van_ban"]["value"] == "12/QĐ-VKS-DS")
chk("export: a bundle keeps the whole file's pages", len(hs["pages"]) == 4)
qd = json.load(open(os.path.join(out, "qd.pdf.json")))
chk("export: a plain-string field comes back as a value", qd["fields"]["bi_don"]["value"].startswith("Công ty TNHH O'Brien"))
P
t_finish
