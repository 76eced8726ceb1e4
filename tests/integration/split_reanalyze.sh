#!/usr/bin/env bash
# A reviewer moves a boundary, merges and splits the parts of a case file in
# the web app (HTTP, session, CSRF); a real "ancong worker" re-analyses the
# parts affected from the OCR kept at the first pass, against the real
# embedded PostgreSQL.  The original in the blob store is not a readable
# file at all: any attempt to OCR it again would fail the re-analysis.
#
# The case file is tests/data/ocr/bundle_no_separator_7p.ocr (real Tesseract
# output of a 7-page scan): pages 1-3 bao_cao_de_xuat, 4-5 kien_nghi,
# 6 tra_loi_kien_nghi, 7 quyet_dinh_ket_thuc.
. "$(dirname "$0")/../lib.sh"
. "$ANCONG_TOP/tests/browser/seed.sh"
need curl python3 sha256sum
BUILD=${ANCONG_BUILD_DIR:-$ANCONG_TOP/build}
T=$BUILD/tools/storectl
AN=$BUILD/tools/analyze
for x in "$T" "$AN"; do [ -x "$x" ] || { not_ok "$(basename "$x") is built" "run make tests-build"; exit 1; }; done
OCR=$ANCONG_TOP/tests/data/ocr/bundle_no_separator_7p.ocr
t_home
t_db_start || exit 1
W=$ANCONG_HOME/work; mkdir -p "$W"
seed_units
check "reviewer accounts are made" seed_users >/dev/null

# The first pass, as a worker leaves it: the result of the pipeline on the
# kept OCR, stored by job_complete, and the OCR in blobs/ocr.
printf 'not a scan: OCR of this file must never run again\n' >"$W/hs.pdf"
FILE=$("$T" ingest "$W/hs.pdf" ho_so_22.pdf hn01 2>/dev/null | sed -n 's/.*document=\([0-9]*\).*/\1/p')
"$AN" --name ho_so_22.pdf "$OCR" "$W/first.json" || { not_ok "the pipeline analyses the fixture"; exit 1; }
"$T" complete ocr w0 "$W/first.json" >/dev/null 2>&1
OSHA=$(sha256sum "$OCR" | cut -c1-64)
mkdir -p "$ANCONG_HOME/blobs/ocr/${OSHA:0:2}/${OSHA:2:2}"
cp "$OCR" "$ANCONG_HOME/blobs/ocr/${OSHA:0:2}/${OSHA:2:2}/$OSHA"
sql "UPDATE documents SET ocr_sha256 = '$OSHA' WHERE id = $FILE" >/dev/null

parts() { sql "SELECT string_agg(first_page || '-' || last_page || ':' || coalesce(doc_type, '?'), ' ' ORDER BY first_page)
               FROM documents WHERE parent_id = $FILE"; }
part_at() { sql "SELECT id FROM documents WHERE parent_id = $FILE AND first_page = $1"; }
# fields_of ID: the part's field values, "name=value;..." by name
fields_of() { sql "SELECT coalesce(string_agg(name || '=' || value, ';' ORDER BY name), '') FROM fields WHERE document_id = $1"; }
# first_fields N: the same for the N-th part of the first pass
first_fields() {
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["documents"][int(sys.argv[2])]
print(";".join(k + "=" + v["value"] for k, v in sorted(d["fields"].items())))' "$W/first.json" "$1"
}
first_status() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["documents"][int(sys.argv[2])]["status"])' "$W/first.json" "$1"; }
is "$(parts)" "1-3:bao_cao_de_xuat 4-5:kien_nghi 6-6:tra_loi_kien_nghi 7-7:quyet_dinh_ket_thuc" "the first pass split the file into four parts"
P1=$(part_at 1); P2=$(part_at 4); P3=$(part_at 6); P4=$(part_at 7)
F1=$(fields_of "$P1"); F2=$(fields_of "$P2"); F3=$(fields_of "$P3"); F4=$(fields_of "$P4")
is "$F4" "$(first_fields 3)" "the last part's fields are stored as the pipeline gave them"
# A reviewer is asked to look at every part (an unsure boundary).
sql "UPDATE documents SET status = 'needs_review' WHERE id = $FILE OR parent_id = $FILE" >/dev/null

# ---- the web app -----------------------------------------------------------
t_web_start
JAR=$ANCONG_HOME/jar
is "$(t_web_login hn_rev "$JAR")" 303 "the reviewer logs in"
CSRF=$(curl -s -b "$JAR" "$BASE/review/$P3" | grep -o 'name="csrf-token" content="[0-9a-f]*"' | cut -d'"' -f4)
[ -n "$CSRF" ] || not_ok "the review screen carries a CSRF token"
ver() { sql "SELECT version FROM documents WHERE id = $1"; }
# post ID ACTION [k=v...]: prints the HTTP status; the answer goes to $W/out.json
post() {
    local id=$1 act=$2; shift 2
    local args=(--data-urlencode "version=$(ver "$id")") kv
    for kv in "$@"; do args+=(--data-urlencode "$kv"); done
    curl -s -b "$JAR" -H "X-CSRF-Token: $CSRF" -o "$W/out.json" -w '%{http_code}' "${args[@]}" "$BASE/api/documents/$id/$act"
}
api() { curl -s -b "$JAR" "$BASE/api/documents/$1" | python3 -c "import json,sys; d=json.load(sys.stdin); print($2)"; }
pending() { sql "SELECT count(*) FROM jobs WHERE kind = 'reanalyze' AND state IN ('ready', 'running')"; }
no_pending() { [ "$(pending)" = 0 ]; }

# Without the CSRF token nothing changes.
is "$(curl -s -b "$JAR" -o /dev/null -w '%{http_code}' --data-urlencode "version=$(ver "$P3")" "$BASE/api/documents/$P3/merge")" 403 \
   "a merge without the CSRF token is refused"
is "$(parts)" "1-3:bao_cao_de_xuat 4-5:kien_nghi 6-6:tra_loi_kien_nghi 7-7:quyet_dinh_ket_thuc" "and nothing changed"

# ---- merge (no worker yet: the part shows as re-analysing) -------------------
is "$(post "$P3" merge)" 200 "the reviewer merges part 6 with part 7"
is "$(sql "SELECT string_agg(first_page || '-' || last_page, ' ' ORDER BY first_page) FROM documents WHERE parent_id = $FILE")" \
   "1-3 4-5 6-7" "the merged part has pages 6-7 and part 7 is gone"
is "$(api "$P3" 'd["reanalyzing"], d["editable"]')" "True False" "the web shows the merged part as re-analysing, not editable"
is "$(post "$P3" fields name=so_van_ban value=x)" 409 "a change while re-analysing is refused (409)"
is "$(sql "SELECT count(*) FROM audit_log WHERE action = 'document.merge' AND document_id = $P3 AND actor = 'hn_rev'
            AND details->'merged'->>'doc_type' = 'quyet_dinh_ket_thuc' AND details->'new_pages' = '[6, 7]'")" 1 \
   "the merge is audited with who and the merged part's old values"

"$ANCONG_BIN" worker >"$ANCONG_HOME/worker.log" 2>&1 &
WPID=$!
at_exit "kill $WPID; wait $WPID"
if wait_for 90 no_pending; then ok "a worker re-analyses the merged part"
else not_ok "a worker re-analyses the merged part" "$(tail -3 "$ANCONG_HOME/worker.log")"; fi
is "$(api "$P3" 'd["reanalyzing"], d["doc_type"]')" "False tra_loi_kien_nghi" "the web shows the new type once re-analysed"
is "$(sql "SELECT state FROM jobs WHERE kind = 'reanalyze' AND document_id = $P3")" done "the job is done"
is "$(sql "SELECT count(*) FROM audit_log WHERE action = 'document.reanalyzed' AND document_id = $P3
            AND user_id = (SELECT id FROM users WHERE login = 'hn_rev') AND details->'new'->'pages' = '[6, 7]'
            AND details->'old'->>'doc_type' = 'tra_loi_kien_nghi'")" 1 \
   "the re-analysis is audited: who asked, old and new values"
grep -q 'stage=reanalyzed.*ocr=kept' "$ANCONG_HOME/worker.log" && ok "the kept OCR was used" ||
    not_ok "the kept OCR was used" "$(grep reanaly "$ANCONG_HOME/worker.log" | tail -2)"
if grep -q 'stage=start attempt' "$ANCONG_HOME/worker.log"; then not_ok "the worker never OCR'd the file again"
else ok "the worker never OCR'd the file again"; fi

# ---- split back at page 7 -----------------------------------------------------
is "$(post "$P3" split page=8)" 400 "a split at a page outside the part is refused"
is "$(post "$P3" split page=7)" 200 "the reviewer splits the part so that page 7 starts a new one"
NEW=$(python3 -c 'import json; print(json.load(open("'"$W/out.json"'"))["new_part"])')
wait_for 90 no_pending || not_ok "the split parts are re-analysed" "$(tail -3 "$ANCONG_HOME/worker.log")"
is "$(parts)" "1-3:bao_cao_de_xuat 4-5:kien_nghi 6-6:tra_loi_kien_nghi 7-7:quyet_dinh_ket_thuc" \
   "after merge and split the parts have their types again"
is "$(fields_of "$P3")" "$F3" "the first half has its own fields again"
is "$(fields_of "$NEW")" "$F4" "the new part has the fields of its page, as the first pass found them"
is "$(sql "SELECT status FROM documents WHERE id = $NEW")" "$(first_status 3)" "its status follows the confidence (needs_review below the threshold)"
is "$(sql "SELECT c.code FROM documents d JOIN cases c ON c.id = d.case_id WHERE d.id = $NEW")" "22/2026/DSCI" \
   "the new part is linked to the case its fields name"
is "$(sql "SELECT count(*) FROM documents WHERE id = $P3 AND case_id IS NULL")" 1 "the answer letter names no case and has none"
is "$(sql "SELECT (SELECT count(*) FROM audit_log WHERE action = 'document.split' AND document_id = $P3 AND actor = 'hn_rev'
            AND (details->>'at_page')::int = 7)
        || ' ' || (SELECT count(*) FROM audit_log WHERE action = 'document.reanalyzed' AND document_id = $NEW)")" "1 1" \
   "the split and the new part's re-analysis are audited"

# ---- move a boundary: part 4-5 starts one page earlier, then back ---------------
is "$(post "$P2" boundary edge=start delta=-1)" 200 "the reviewer moves the start of part 4-5 to page 3"
wait_for 90 no_pending || not_ok "the moved parts are re-analysed"
is "$(sql "SELECT first_page || '-' || last_page FROM documents WHERE id = $P1")
$(sql "SELECT first_page || '-' || last_page FROM documents WHERE id = $P2")" "1-2
3-5" "the ranges moved"
if [ "$(fields_of "$P2")" != "$F2" ]; then ok "part 3-5 was analysed again (its fields changed with its first page)"
else not_ok "part 3-5 was analysed again (its fields changed with its first page)" "fields still: $F2"; fi
is "$(sql "SELECT count(*) FROM audit_log WHERE action = 'document.reanalyzed' AND document_id IN ($P1, $P2)
            AND details->'new'->'pages' IN ('[1, 2]', '[3, 5]')")" 2 "both parts' re-analyses are audited"
is "$(post "$P2" boundary edge=start delta=1)" 200 "and moves it back"
wait_for 90 no_pending || not_ok "the parts moved back are re-analysed"
is "$(parts)" "1-3:bao_cao_de_xuat 4-5:kien_nghi 6-6:tra_loi_kien_nghi 7-7:quyet_dinh_ket_thuc" "the types are back"
is "$(fields_of "$P1")|$(fields_of "$P2")" "$F1|$F2" "and so are the fields, as the first pass found them"
is "$(fields_of "$FILE")" "$F1" "the whole file carries its first part's fields"

# ---- a reviewer's corrections survive a move that keeps their page ------------------
field() { sql "SELECT coalesce(value, '') || '|' || source FROM fields WHERE document_id = $1 AND name = '$2'"; }
sql "UPDATE documents SET status = 'needs_review' WHERE id = $P2" >/dev/null   # a field below the threshold
is "$(post "$P2" fields name=so_van_ban value=48/KN-VKSKV5)" 200 "the reviewer corrects the number (read from page 4)"
is "$(post "$P2" fields name=nguoi_ky "value=Phạm Thanh Phượng")" 200 "and the signer (read from page 5)"
is "$(post "$P2" boundary edge=end delta=-1)" 200 "then moves the end of part 4-5 to page 4"
wait_for 90 no_pending || not_ok "the moved parts are re-analysed"
is "$(sql "SELECT first_page || '-' || last_page FROM documents WHERE id = $P2")" "4-4" "the part is 4-4"
is "$(field "$P2" so_van_ban)" "48/KN-VKSKV5|reviewer" "the corrected number stands: page 4 is still the part's"
if [ "$(field "$P2" nguoi_ky)" != "Phạm Thanh Phượng|reviewer" ]; then ok "the signer read from page 5 gives way (page 5 left the part)"
else not_ok "the signer read from page 5 gives way (page 5 left the part)"; fi
is "$(sql "SELECT details->'kept' FROM audit_log WHERE action = 'document.reanalyzed' AND document_id = $P2
            ORDER BY id DESC LIMIT 1")" '["so_van_ban"]' "the audit row names the field kept"
is "$(post "$P2" boundary edge=end delta=1)" 200 "the end is moved back"
wait_for 90 no_pending || not_ok "the parts moved back are re-analysed"
is "$(field "$P2" so_van_ban)|$(field "$P2" nguoi_ky)" "48/KN-VKSKV5|reviewer|Phạm Thanh Phương|ocr" \
   "the number is still the reviewer's; the signer is read from page 5 again"
is "$(parts)" "1-3:bao_cao_de_xuat 4-5:kien_nghi 6-6:tra_loi_kien_nghi 7-7:quyet_dinh_ket_thuc" "the parts are as before"

# ---- a file whose OCR was not kept: the page texts are used ---------------------
sql "UPDATE documents SET ocr_sha256 = NULL WHERE id = $FILE" >/dev/null
is "$(post "$NEW" merge)" 400 "the last part has nothing after it to merge"
is "$(post "$P3" merge)" 200 "merging again, without the kept OCR"
wait_for 90 no_pending || not_ok "re-analysed from the page texts"
is "$(sql "SELECT first_page || '-' || last_page || ':' || doc_type FROM documents WHERE id = $P3")" "6-7:tra_loi_kien_nghi" \
   "without the kept OCR the page texts give the type"
grep -q 'stage=reanalyzed.*ocr=page_texts' "$ANCONG_HOME/worker.log" && ok "the page texts were used" ||
    not_ok "the page texts were used"

# ---- a whole file that was never split -----------------------------------------
ONE=$(sql "INSERT INTO documents (sha256, name, unit_id, station_id, status, doc_type, npages)
           SELECT repeat('b', 64), 'hai_van_ban.pdf', s.unit_id, s.id, 'needs_review', 'tra_loi_kien_nghi', 2
             FROM stations s WHERE s.code = 'hn01' RETURNING id" | head -1)
sql "INSERT INTO pages (document_id, number, text) SELECT $ONE, p.number, p.text FROM pages p
      WHERE p.document_id = $FILE AND p.number IN (6, 7);
     UPDATE pages SET number = number - 5 WHERE document_id = $ONE" >/dev/null
is "$(post "$ONE" split page=2)" 200 "a whole file that was not split is split at page 2"
wait_for 90 no_pending || not_ok "its new parts are re-analysed"
is "$(sql "SELECT string_agg(first_page || '-' || last_page || ':' || doc_type, ' ' ORDER BY first_page) FROM documents WHERE parent_id = $ONE")" \
   "1-1:tra_loi_kien_nghi 2-2:quyet_dinh_ket_thuc" "it becomes two parts, each with its own type"
post "$ONE" split page=2 >/dev/null
is "$(sql "SELECT count(*) FROM documents WHERE parent_id = $ONE")" 2 "the file itself is not split again (its parts are)"

# ---- a real scan through the worker: its OCR is kept for later re-analysis ------
"$T" ingest "$ANCONG_TOP/samples/kien_nghi_11.jpg" kien_nghi_11.jpg hn01 >/dev/null 2>&1
sql "NOTIFY ancong_jobs" >/dev/null
scanned() { [ "$(sql "SELECT status FROM documents WHERE name = 'kien_nghi_11.jpg'")" != received ] &&
            [ "$(sql "SELECT count(*) FROM jobs j JOIN documents d ON d.id = j.document_id
                      WHERE d.name = 'kien_nghi_11.jpg' AND j.state = 'done'")" = 1 ]; }
wait_for 180 scanned || not_ok "the worker OCRs a real scan" "$(tail -3 "$ANCONG_HOME/worker.log")"
KSHA=$(sql "SELECT coalesce(ocr_sha256, '') FROM documents WHERE name = 'kien_nghi_11.jpg'")
KBLOB=$ANCONG_HOME/blobs/ocr/${KSHA:0:2}/${KSHA:2:2}/$KSHA
if [ -n "$KSHA" ] && [ "$(head -1 "$KBLOB" 2>/dev/null)" = "#ancong-ocr 1" ] &&
   [ "$(sha256sum "$KBLOB" | cut -c1-64)" = "$KSHA" ] && grep -q '^word' "$KBLOB"; then
    ok "the worker keeps a scan's OCR (words and boxes) in blobs/ocr under its sha256"
else not_ok "the worker keeps a scan's OCR (words and boxes) in blobs/ocr under its sha256" "ocr_sha256='$KSHA'"; fi

# ---- the queue shows a part being re-analysed as such ------------------------------
sql "UPDATE documents SET status = 'needs_review' WHERE id = $P3;
     UPDATE jobs SET state = 'ready', next_run_at = now() + interval '1 hour'
      WHERE document_id = $P3 AND kind = 'reanalyze'" >/dev/null
qrow() { curl -s -b "$JAR" "$BASE/queue" | python3 -c "import re,sys; m=re.search(r'<tr data-id=\"$1\".*?</tr>', sys.stdin.read()); print(m.group(0) if m else '')"; }
case "$(qrow "$P3")" in
    *"Đang phân tích lại"*) ok "the queue says a part is being re-analysed" ;;
    *) not_ok "the queue says a part is being re-analysed" "$(qrow "$P3")" ;;
esac
sql "UPDATE jobs SET state = 'done', next_run_at = now() WHERE document_id = $P3 AND kind = 'reanalyze'" >/dev/null
case "$(qrow "$P3")" in
    *"Đang phân tích lại"*|"") not_ok "and its count of fields to look at once it is done" "$(qrow "$P3")" ;;
    *) ok "and its count of fields to look at once it is done" ;;
esac

# ---- a failed re-analysis: the review screen's document says why ---------------
sql "UPDATE documents SET error = 'trang 7-9 không có trong tệp (ancong requeue)' WHERE id = $P3" >/dev/null
is "$(api "$P3" "d['error']")" "trang 7-9 không có trong tệp (ancong requeue)" "the document JSON carries the error a reviewer must see"
sql "UPDATE documents SET error = NULL WHERE id = $P3" >/dev/null
is "$(api "$P3" "repr(d['error'])")" "''" "and none when there is none"

# Stop both cleanly, so that a sanitizer build reports leaks too.
kill -TERM "$WPID" "$WEB_PID"; wait "$WPID"; wait "$WEB_PID"
cp "$ANCONG_HOME/web.log" "$ANCONG_TEST_OUT/split_reanalyze-web.log"
cp "$ANCONG_HOME/worker.log" "$ANCONG_TEST_OUT/split_reanalyze-worker.log"
if grep -q 'Sanitizer\|runtime error:' "$ANCONG_HOME/worker.log" "$ANCONG_HOME/web.log"; then
    not_ok "web and worker ran without sanitizer reports or leaks" \
           "$(grep -h -m1 'Sanitizer\|runtime error:' "$ANCONG_HOME/worker.log" "$ANCONG_HOME/web.log" | head -1)"
else ok "web and worker ran without sanitizer reports or leaks"; fi
t_finish
