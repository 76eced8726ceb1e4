#!/usr/bin/env bash
# Case index (issue 8): a case assembled from its documents shows the right
# stage and next deadline at each step, including a working-day limit that
# crosses the Tết holiday; a reply joins the case by the recommendation number
# it cites; the court's notice joins the case of the lawsuit.  Every document
# goes through the real intake and job_complete path (tests/tools/storectl).
. "$(dirname "$0")/../lib.sh"
need python3
t_home
t_db_start || exit 1
W=$(mktemp -d); at_exit "rm -rf '$W'"
CTL=${ANCONG_BUILD_DIR:-$ANCONG_TOP/build}/tools/storectl
n=0

# add_doc TYPE DATE CASE_CODE NUMBER BODY [BI_DON]
add_doc() {
  n=$((n + 1))
  printf '%%PDF-1.4\n%% doc %s %s\n' "$n" "$RANDOM$RANDOM" > "$W/d$n.pdf"
  "$CTL" ingest "$W/d$n.pdf" "d$n.pdf" hn01 >/dev/null || { not_ok "ingest d$n"; return 1; }
  python3 - "$W/r$n.json" "$@" <<'PY'
import json, sys
out, typ, date, code, number, body = sys.argv[1:7]
bi_don = sys.argv[7] if len(sys.argv) > 7 else ''
f = {"ngay_ban_hanh": {"value": date, "confidence": 0.99, "page": 1, "bbox": [0, 0, 1, 1]},
     "tinh": {"value": "ha_noi", "confidence": 0.99},
     "linh_vuc": {"value": "moi_truong", "confidence": 0.9}}
if code: f["ma_vu_viec"] = {"value": code, "confidence": 0.99}
if number: f["so_van_ban"] = {"value": number, "confidence": 0.99}
if bi_don: f["bi_don"] = {"value": bi_don, "confidence": 0.99}
json.dump({"status": "indexed", "doc_type": typ, "doc_type_confidence": 0.99, "fields": f,
           "pages": [{"number": 1, "text": body, "rotation": 0, "source": "ocr"}]},
          open(out, "w"), ensure_ascii=False)
PY
  "$CTL" complete ocr tester "$W/r$n.json" >/dev/null || { not_ok "complete d$n"; return 1; }
}

case_row() {   # stage|next_due_on|next_due_rule|procurator|documents for the case with code $1
  sql "SELECT stage, coalesce(next_due_on::text, '-'), coalesce(next_due_rule, '-'), coalesce(procurator_name, '-'), documents
         FROM case_overview WHERE code = '$1'"
}
C=01/2026/DSCI

add_doc bien_ban_tiep_nhan 2026-02-12 "$C" 02/BB-VKSKV3 "Biên bản tiếp nhận thông tin"
is "$(case_row $C)" "intake|2026-02-24|receipt_notice|-|1" \
   "intake record: receipt notice due in 3 working days, across Tết (12/02 -> 24/02)"
wd=$(sql "SELECT ancong_add_working_days('2026-02-12', 3)")
is "$wd" 2026-02-24 "working days skip the Tết holidays and weekends"
is "$(sql "SELECT ancong_add_working_days('2026-03-05', 3)")" 2026-03-10 "working days skip a weekend"

add_doc thong_bao_tiep_nhan 2026-02-24 "$C" 03/TB-VKSKV3 "Thông báo về việc tiếp nhận thông tin"
is "$(case_row $C)" "intake|2026-03-14|examination|-|2" "receipt notified: examination due 30 days after receipt"

add_doc quyet_dinh_phan_cong 2026-02-25 "$C" 04/QĐ-VKSKV3 "QUYẾT ĐỊNH
Điều 1. Phân công ông Lê Văn An, Kiểm sát viên, kiểm tra, xác minh vụ việc."
is "$(case_row $C)" "examination|2026-03-14|examination|Lê Văn An|3" "assignment: stage examination, procurator from the decision"

add_doc quyet_dinh_xac_minh 2026-03-05 "$C" 05/QĐ-VKSKV3 "Quyết định kiểm tra, xác minh"
is "$(case_row $C)" "verification|2026-05-04|verification|Lê Văn An|4" "verification decision: report due in 60 days"

add_doc kien_nghi 2026-04-10 "$C" 11/KN-VKS-DS "KIẾN NGHỊ thực hiện quyền khởi kiện"
is "$(case_row $C)" "recommendation|2026-05-10|reply|Lê Văn An|5" "recommendation: reply due in 30 days"

add_doc tra_loi_kien_nghi 2026-05-05 "" 120/UBND-TNMT "Trả lời Kiến nghị số 11/KN-VKS-DS ngày 10/4/2026 của Viện kiểm sát"
is "$(case_row $C)" "recommendation|2026-05-20|lawsuit_decision|Lê Văn An|6" "a reply without case code joins the case by the number it cites"

add_doc quyet_dinh_khoi_kien 2026-05-12 "$C" 07/QĐ-VKS-DS "Quyết định khởi kiện" "Công ty TNHH Sông Xanh"
is "$(case_row $C)" "lawsuit|2026-05-19|filing|Lê Văn An|7" "lawsuit decision: filing due in 5 working days"

add_doc don_khoi_kien 2026-05-14 "$C" 08/ĐKK-VKS "Đơn khởi kiện" "Công ty TNHH Sông Xanh"
is "$(case_row $C)" "lawsuit|-|-|Lê Văn An|8" "petition filed: nothing due from the procuracy"

add_doc thong_bao_thu_ly 2026-05-20 21/2026/TLST-DS 35/2026/TB-TLVA "Thông báo thụ lý vụ án" "CÔNG TY TNHH SÔNG XANH"
is "$(case_row $C)" "accepted|-|-|Lê Văn An|9" "court notice (its own TLST number) joins the lawsuit's case: accepted"
is "$(sql "SELECT court_code FROM cases WHERE code = '$C'")" 21/2026/TLST-DS "the court's number is kept on the case"
is "$(sql "SELECT count(*) FROM cases WHERE code = '21/2026/TLST-DS'")" 0 "no stray case made from the court's number"

# Overdue: a second case whose receipt notice never came.
add_doc bien_ban_tiep_nhan 2026-03-02 02/2026/DSCI 09/BB-VKSKV3 "Biên bản tiếp nhận"
is "$(sql "SELECT overdue FROM case_overview WHERE code = '02/2026/DSCI'")" t "a case past its deadline is overdue"

# A holiday added later moves the deadline (the table is configuration).
sql "INSERT INTO holidays VALUES ('2026-03-04', 'off', 'test')" >/dev/null
sql "SELECT ancong_case_refresh(id) FROM cases WHERE code = '02/2026/DSCI'" >/dev/null
is "$(sql "SELECT next_due_on FROM cases WHERE code = '02/2026/DSCI'")" 2026-03-06 "a new holiday moves a working-day deadline"

# ---- search --------------------------------------------------------------------
out=$("$ANCONG_BIN" search quyet dinh khoi kien --json)
echo "$out" | python3 -c '
import json, sys
hits = json.load(sys.stdin)
assert any(h["doc_type"] == "quyet_dinh_khoi_kien" and "Quyết định khởi kiện" in h["snippet"] for h in hits), hits
for h in hits:
    assert set(h) == {"sha256", "file", "doc_type", "case", "page", "snippet"}, h
' && ok "search without diacritics finds \"Quyết định khởi kiện\", JSON shape as in CONTRACT.md" \
  || not_ok "diacritic-insensitive search" "$out"
is "$("$ANCONG_BIN" search "KIẾN NGHỊ số 11/KN-VKS-DS" --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)) >= 1)')" True \
   "search with diacritics and a document number"
# Move one document to another province: a unit's search must not see it.
sql "UPDATE documents SET unit_id = (SELECT id FROM units WHERE code = 'dak_lak') WHERE name = 'd7.pdf'" >/dev/null
hn=$("$ANCONG_BIN" search quyet dinh khoi kien --unit dak_lak --json | python3 -c 'import json,sys; print(sorted({h["file"] for h in json.load(sys.stdin)}))')
is "$hn" "['d7.pdf']" "search filtered by unit sees only that unit's documents"
other=$("$ANCONG_BIN" search quyet dinh khoi kien --unit da_nang --json)
is "$other" "[]" "another province sees nothing"
# Field and type filters (diacritics ignored in the value; LIKE's % is just a character).
files() { python3 -c 'import json,sys; print(" ".join(sorted({h["file"] for h in json.load(sys.stdin)})))'; }
is "$("$ANCONG_BIN" search khoi kien --field bi_don="cong ty tnhh song xanh" --json | files)" "d7.pdf d8.pdf" \
   "search with a field filter: only documents whose defendant is that company"
is "$("$ANCONG_BIN" search khoi kien --type don_khoi_kien --json | files)" "d8.pdf" "search with a type filter"
is "$("$ANCONG_BIN" search kien nghi --field so_van_ban=11/KN --json | files)" "d5.pdf" \
   "a reply citing the number is not a document with that number"
is "$("$ANCONG_BIN" search kien nghi --field so_van_ban=% --json)" "[]" "a % in the field value is matched literally"
is "$("$ANCONG_BIN" search khoi kien --field bi_don --unit dak_lak --json | files)" "d7.pdf" \
   "a field filter with no value (the field is present) and a unit filter together"
# The index is asked only for the rarest words of a phrase; the whole phrase,
# in its order, must still hold: the files found equal a direct SQL match.
for q in "quyet dinh khoi kien" "khoi kien quyet dinh" "khoi kien" "kien khoi" "kiem tra xac minh" "xac minh kiem tra" \
         "bien ban tiep nhan" "kien nghi so" "so kien nghi"; do
  is "$("$ANCONG_BIN" search "$q" --limit 1000 --json | files)" \
     "$(sql "SELECT string_agg(name, ' ' ORDER BY name) FROM (SELECT DISTINCT d.name FROM pages p JOIN documents d ON d.id = p.document_id
              WHERE p.search_tsv @@ phraseto_tsquery('simple', '$q')) x")" \
     "search \"$q\": the files whose pages hold the whole phrase (SQL)"
done
"$ANCONG_BIN" search --type kien_nghii "ô nhiễm" >"$W/type.out" 2>&1
is "$?" 2 "search with an unknown --type is a usage error (not 0 hits)"
check "and lists the types" grep -q 'unknown document type "kien_nghii" (the types: don_de_nghi, .*kien_nghi, ' "$W/type.out"
inj=$("$ANCONG_BIN" search "'; DROP TABLE documents; --" --json)
is "$inj" "[]" "an injection attempt through search is just text"
is "$(sql "SELECT count(*) > 0 FROM documents")" t "documents table intact after the injection attempt"

# ---- report --------------------------------------------------------------------
"$ANCONG_BIN" report --from 2026-01-01 --to 2026-12-31 --csv "$W/report.csv" > "$W/report.txt" \
  && ok "report runs" || not_ok "report runs"
for bad in "--from 2026-13-01 --to 2026-12-31" "--from 2026-02-29 --to 2026-03-01" "--from 2026-05-01 --to 2026-01-01"; do
    # shellcheck disable=SC2086
    "$ANCONG_BIN" report $bad >"$W/bad.out" 2>&1
    rc=$?
    if [ "$rc" = 2 ] && grep -q '^ancong: error: ' "$W/bad.out" && ! grep -q 'ERROR:\|SQLSTATE\|datestyle' "$W/bad.out"; then
        ok "report $bad: a usage error of ours, not the database's"
    else not_ok "report $bad: a usage error of ours, not the database's" "exit $rc: $(head -1 "$W/bad.out")"; fi
done
csv_sum() { python3 - "$W/report.csv" "$1" "${2:-}" <<'PY'
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r["section"] == sys.argv[2]
        and (not sys.argv[3] or r["subkey"] == sys.argv[3])]
print(sum(int(r["value"]) for r in rows))
PY
}
is "$(csv_sum documents_by_type kien_nghi)" "$(sql "SELECT count(*) FROM documents WHERE doc_type = 'kien_nghi'")" \
   "report: documents of a type equal a direct SQL count"
is "$(csv_sum cases_by_stage)" "$(sql "SELECT count(*) FROM cases WHERE opened_on BETWEEN '2026-01-01' AND '2026-12-31'")" \
   "report: cases by stage add up to the cases opened in the period"
is "$(csv_sum overdue)" "$(sql "SELECT count(*) FROM case_overview WHERE overdue")" "report: overdue cases equal SQL"
is "$(csv_sum documents_by_month)" "$(sql "SELECT count(*) FROM documents d WHERE ancong_doc_date(d.id) BETWEEN '2026-01-01' AND '2026-12-31'")" \
   "report: documents by month add up to the documents dated in the period"
is "$(awk '/^Cases by province and stage/{getline; print $1; exit}' "$W/report.txt")" "province" \
   "report: the province table's first column is headed province"
cli_total=$(awk '/^Documents by unit and type/{f=1} f && /^  total/{print $2; exit}' "$W/report.txt")
is "$cli_total" "$(csv_sum documents_by_type)" "the printed total equals the CSV"
t_finish
