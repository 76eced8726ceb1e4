#!/usr/bin/env bash
# A blank page inside a document (the empty back of a duplex scan) was taken
# for a separator sheet and cut the document in two: the reviewer merges the
# two parts across it in the web app, the blank page joins the merged part,
# the merge is audited, and a worker re-analyses the part from the kept OCR.
# A part whose next part lies behind a page that is not a separator cannot
# be merged with it.
#
# The case file is tests/data/ocr/bundle_blank_separators_7p.ocr (real
# Tesseract output): pages 1-2, blank 3, pages 4-5, blank 6, page 7.
. "$(dirname "$0")/../lib.sh"
. "$ANCONG_TOP/tests/browser/seed.sh"
need curl python3 sha256sum
BUILD=${ANCONG_BUILD_DIR:-$ANCONG_TOP/build}
T=$BUILD/tools/storectl
AN=$BUILD/tools/analyze
for x in "$T" "$AN"; do [ -x "$x" ] || { not_ok "$(basename "$x") is built" "run make tests-build"; exit 1; }; done
OCR=$ANCONG_TOP/tests/data/ocr/bundle_blank_separators_7p.ocr
t_home
t_db_start || exit 1
W=$ANCONG_HOME/work; mkdir -p "$W"
seed_units
check "reviewer accounts are made" seed_users >/dev/null

printf 'not a scan: OCR of this file must never run again\n' >"$W/hs.pdf"
FILE=$("$T" ingest "$W/hs.pdf" ho_so_31.pdf hn01 2>/dev/null | sed -n 's/.*document=\([0-9]*\).*/\1/p')
"$AN" --name ho_so_31.pdf "$OCR" "$W/first.json" || { not_ok "the pipeline analyses the fixture"; exit 1; }
"$T" complete ocr w0 "$W/first.json" >/dev/null 2>&1
OSHA=$(sha256sum "$OCR" | cut -c1-64)
mkdir -p "$ANCONG_HOME/blobs/ocr/${OSHA:0:2}/${OSHA:2:2}"
cp "$OCR" "$ANCONG_HOME/blobs/ocr/${OSHA:0:2}/${OSHA:2:2}/$OSHA"
sql "UPDATE documents SET ocr_sha256 = '$OSHA' WHERE id = $FILE" >/dev/null

ranges() { sql "SELECT string_agg(first_page || '-' || last_page, ' ' ORDER BY first_page) FROM documents WHERE parent_id = $FILE"; }
part_at() { sql "SELECT id FROM documents WHERE parent_id = $FILE AND first_page = $1"; }
is "$(ranges)" "1-2 4-5 7-7" "the first pass cut the file at the blank pages 3 and 6"
is "$(sql "SELECT string_agg(number::text, ' ' ORDER BY number) FROM pages WHERE document_id = $FILE AND blank")" "3 6" \
   "pages 3 and 6 are stored as blank"
P1=$(part_at 1); P2=$(part_at 4); P3=$(part_at 7)
sql "UPDATE documents SET status = 'needs_review' WHERE id = $FILE OR parent_id = $FILE" >/dev/null

t_web_start
JAR=$ANCONG_HOME/jar
is "$(t_web_login hn_rev "$JAR")" 303 "the reviewer logs in"
CSRF=$(curl -s -b "$JAR" "$BASE/review/$P1" | grep -o 'name="csrf-token" content="[0-9a-f]*"' | cut -d'"' -f4)
[ -n "$CSRF" ] || not_ok "the review screen carries a CSRF token"
ver() { sql "SELECT version FROM documents WHERE id = $1"; }
post() {
    local id=$1 act=$2; shift 2
    local args=(--data-urlencode "version=$(ver "$id")") kv
    for kv in "$@"; do args+=(--data-urlencode "$kv"); done
    curl -s -b "$JAR" -H "X-CSRF-Token: $CSRF" -o "$W/out.json" -w '%{http_code}' "${args[@]}" "$BASE/api/documents/$id/$act"
}
api() { curl -s -b "$JAR" "$BASE/api/documents/$1" | python3 -c "import json,sys; d=json.load(sys.stdin); print($2)"; }

is "$(api "$P1" 'd["part"]["has_next"], d["part"]["can_merge_next"]')" "False True" \
   "part 1-2 has no part right after it (page 3 is blank) but can be merged with the next one"
is "$(api "$P3" 'd["part"]["can_merge_next"]')" "False" "the last part has nothing to merge with"

# page 6 read as text (not a separator): part 4-5 cannot be merged with 7
sql "UPDATE pages SET blank = false WHERE document_id = $FILE AND number = 6" >/dev/null
is "$(api "$P2" 'd["part"]["can_merge_next"]')" "False" "a page between that is no separator: no merge offered"
is "$(post "$P2" merge)" 400 "and a merge asked all the same is refused"
is "$(ranges)" "1-2 4-5 7-7" "nothing changed"
sql "UPDATE pages SET blank = true WHERE document_id = $FILE AND number = 6" >/dev/null

is "$(post "$P1" merge)" 200 "the reviewer merges part 1-2 with part 4-5 across the blank page 3"
is "$(ranges)" "1-5 7-7" "the merged part holds pages 1-5, the blank page included"
is "$(sql "SELECT count(*) FROM documents WHERE id = $P2")" 0 "part 4-5 is gone"
is "$(sql "SELECT count(*) FROM audit_log WHERE action = 'document.merge' AND document_id = $P1 AND actor = 'hn_rev'
            AND details->'new_pages' = '[1, 5]' AND details->'separator_pages_joined' = '[3]'")" 1 \
   "the merge is audited with the separator page it took in"
is "$(sql "SELECT count(*) FROM jobs WHERE kind = 'reanalyze' AND document_id = $P1 AND state = 'ready'")" 1 \
   "a re-analysis of the merged part is queued"

"$ANCONG_BIN" worker >"$ANCONG_HOME/worker.log" 2>&1 &
WPID=$!
at_exit "kill $WPID; wait $WPID"
pending() { sql "SELECT count(*) FROM jobs WHERE kind = 'reanalyze' AND state IN ('ready', 'running')"; }
no_pending() { [ "$(pending)" = 0 ]; }
if wait_for 90 no_pending; then
    ok "a worker re-analyses the merged part"
else not_ok "a worker re-analyses the merged part" "pending $(pending); $(tail -3 "$ANCONG_HOME/worker.log")"; fi
is "$(api "$P1" 'd["reanalyzing"], d["part"]["first_page"], d["part"]["last_page"]')" "False 1 5" \
   "the web shows the merged part, pages 1-5, re-analysed"
is "$(sql "SELECT state FROM jobs WHERE kind = 'reanalyze' AND document_id = $P1")" done "the job is done"

kill -TERM "$WPID" "$WEB_PID"; wait "$WPID"; wait "$WEB_PID"
cp "$ANCONG_HOME/web.log" "$ANCONG_TEST_OUT/merge_separator-web.log"
cp "$ANCONG_HOME/worker.log" "$ANCONG_TEST_OUT/merge_separator-worker.log"
if grep -q 'Sanitizer\|runtime error:' "$ANCONG_HOME/worker.log" "$ANCONG_HOME/web.log"; then
    not_ok "web and worker ran without sanitizer reports or leaks" \
           "$(grep -h -m1 'Sanitizer\|runtime error:' "$ANCONG_HOME/worker.log" "$ANCONG_HOME/web.log" | head -1)"
else ok "web and worker ran without sanitizer reports or leaks"; fi
t_finish
