#!/usr/bin/env bash
# The races and failures of a re-analysis, played step by step against the
# real embedded PostgreSQL (tests/tools/reanactl claims and stores as a worker
# would; SQL plays the reviewer, as web/review.c writes): the range moved while
# the worker analysed, the lease taken over by another worker, the part merged
# away, the part approved meanwhile, a range outside the file, a lost OCR blob.
. "$(dirname "$0")/../lib.sh"
need python3 sha256sum
BUILD=${ANCONG_BUILD_DIR:-$ANCONG_TOP/build}
T=$BUILD/tools/storectl
AN=$BUILD/tools/analyze
R=$BUILD/tools/reanactl
for x in "$T" "$AN" "$R"; do [ -x "$x" ] || { not_ok "$(basename "$x") is built" "run make tests-build"; exit 1; }; done
OCR=$ANCONG_TOP/tests/data/ocr/bundle_no_separator_7p.ocr
t_home
t_db_start || exit 1
W=$ANCONG_HOME/work; mkdir -p "$W"

printf 'not a scan\n' >"$W/hs.pdf"
FILE=$("$T" ingest "$W/hs.pdf" ho_so.pdf 2>/dev/null | sed -n 's/.*document=\([0-9]*\).*/\1/p')
"$AN" --name ho_so.pdf "$OCR" "$W/first.json" && "$T" complete ocr w0 "$W/first.json" >/dev/null 2>&1 ||
    { not_ok "the case file is seeded"; exit 1; }
OSHA=$(sha256sum "$OCR" | cut -c1-64)
mkdir -p "$ANCONG_HOME/blobs/ocr/${OSHA:0:2}/${OSHA:2:2}"
cp "$OCR" "$ANCONG_HOME/blobs/ocr/${OSHA:0:2}/${OSHA:2:2}/$OSHA"
sql "UPDATE documents SET ocr_sha256 = '$OSHA' WHERE id = $FILE;
     UPDATE documents SET status = 'needs_review' WHERE id = $FILE OR parent_id = $FILE" >/dev/null
part_at() { sql "SELECT id FROM documents WHERE parent_id = $FILE AND first_page = $1"; }
P1=$(part_at 1); P2=$(part_at 4); P3=$(part_at 6); P4=$(part_at 7)
[ -n "$P4" ] && ok "a case file of four parts is seeded" || { not_ok "a case file of four parts is seeded"; exit 1; }
queue() { sql "SELECT web_queue_reanalyze($1, NULL)" >/dev/null; }
kv() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" | head -1; }
claim() { "$R" claim 2>>"$W/run.err"; }
echo '{"doc_type": "kien_nghi", "doc_type_confidence": 0.9, "status": "indexed", "fields": {}}' >"$W/kn.json"
reanalyzed() { sql "SELECT count(*) FROM audit_log WHERE action = 'document.reanalyzed' AND document_id = $1"; }

is "$("$R" load "$P2")" "first=4 last=5 file=$FILE ocr=$OSHA npages=7" "the load gives the part's range, the file and its kept OCR"

# 1. The reviewer moves the range while the worker analyses it.
queue "$P2"
c=$(claim); J=$(echo "$c" | kv job); A=$(echo "$c" | kv attempts)
is "$(echo "$c" | kv document)" "$P2" "a worker claims the part's re-analysis"
sql "UPDATE documents SET last_page = 2, npages = 2 WHERE id = $P1;
     UPDATE documents SET first_page = 3, npages = 3 WHERE id = $P2" >/dev/null
queue "$P2"
is "$(sql "SELECT state || ' ' || attempts FROM jobs WHERE id = $J")" "running $A" "queueing again leaves the running job to its worker"
is "$("$R" store "$J" "$P2" "$A" 4 5 "$W/kn.json")" "result=1" "storing the analysis of the old range is refused (range moved)"
is "$(reanalyzed "$P2")|$(sql "SELECT doc_type FROM documents WHERE id = $P2")" "0|kien_nghi" "and nothing was stored"
"$R" run "$J" "$P2" "$A" 2>>"$W/run.err"
is "$(sql "SELECT state FROM jobs WHERE id = $J")|$(sql "SELECT details->'new'->>'pages' FROM audit_log WHERE action = 'document.reanalyzed' AND document_id = $P2")" \
   "done|[3, 5]" "the worker's step analyses the range as it is now"

# 2. The lease ran out and another worker took the job over.
sql "UPDATE documents SET doc_type = 'marker' WHERE id = $P1" >/dev/null
queue "$P1"
c=$(claim); J=$(echo "$c" | kv job); A=$(echo "$c" | kv attempts)
sql "UPDATE jobs SET lease_until = now() - interval '1 second' WHERE id = $J" >/dev/null
c2=$(claim); A2=$(echo "$c2" | kv attempts)
is "$(echo "$c2" | kv job) $A2" "$J $((A + 1))" "an expired lease is claimed again by another worker"
is "$("$R" store "$J" "$P1" "$A" 1 2 "$W/kn.json")" "result=0" "the first worker's late result is dropped"
is "$(sql "SELECT doc_type FROM documents WHERE id = $P1")" "marker" "and changes nothing"
"$R" run "$J" "$P1" "$A2" 2>>"$W/run.err"
is "$(sql "SELECT doc_type FROM documents WHERE id = $P1")|$(sql "SELECT state FROM jobs WHERE id = $J")" \
   "bao_cao_de_xuat|done" "the worker holding the job stores its result"

# 3. The part was merged away while queued.
queue "$P3"
c=$(claim); J=$(echo "$c" | kv job); A=$(echo "$c" | kv attempts)
sql "DELETE FROM documents WHERE id = $P3" >/dev/null
is "$("$R" load "$P3")" "gone" "a part merged away loads as gone"
is "$("$R" store "$J" "$P3" "$A" 6 6 "$W/kn.json")" "result=0" "its re-analysis ends quietly"
"$R" run "$J" "$P3" "$A" 2>>"$W/run.err"; is "$?" 0 "so does the worker's step"

# 4. Approved meanwhile: the reviewer's decision stands.
queue "$P4"
c=$(claim); J=$(echo "$c" | kv job); A=$(echo "$c" | kv attempts)
sql "UPDATE documents SET status = 'approved', doc_type = 'marker' WHERE id = $P4" >/dev/null
"$R" run "$J" "$P4" "$A" 2>>"$W/run.err"
is "$(sql "SELECT status || ' ' || doc_type FROM documents WHERE id = $P4")|$(sql "SELECT state FROM jobs WHERE id = $J")" \
   "approved marker|done" "an approved part keeps its type and status"
is "$(sql "SELECT count(*) FROM audit_log WHERE action = 'document.reanalysis_skipped' AND document_id = $P4")" 1 \
   "the skipped re-analysis is audited"

# 5. A range outside the file's pages fails with a reason, once.
sql "UPDATE documents SET status = 'needs_review', last_page = 9 WHERE id = $P4" >/dev/null
queue "$P4"
c=$(claim); J=$(echo "$c" | kv job); A=$(echo "$c" | kv attempts)
"$R" run "$J" "$P4" "$A" 2>>"$W/run.err"
is "$(sql "SELECT state FROM jobs WHERE id = $J")" failed "a part outside the file fails its job at once"
case "$(sql "SELECT error FROM documents WHERE id = $P4")" in
    *"pages 7-9 are not within the file's 7 stored pages"*) ok "the part's error says why" ;;
    *) not_ok "the part's error says why" "$(sql "SELECT error FROM documents WHERE id = $P4")" ;;
esac
is "$(sql "SELECT status FROM documents WHERE id = $P4")" needs_review "and it stays in review"

# 6. The kept OCR is gone from the blob store.
sql "UPDATE documents SET last_page = 7 WHERE id = $P4" >/dev/null
rm -f "$ANCONG_HOME/blobs/ocr/${OSHA:0:2}/${OSHA:2:2}/$OSHA"
queue "$P4"
c=$(claim); J=$(echo "$c" | kv job); A=$(echo "$c" | kv attempts)
"$R" run "$J" "$P4" "$A" 2>>"$W/run.err"
is "$(sql "SELECT state FROM jobs WHERE id = $J")" failed "a lost OCR blob fails the re-analysis"
case "$(sql "SELECT error FROM documents WHERE id = $P4")" in
    *"ancong requeue"*) ok "the error tells what to do (restore it or requeue the file)" ;;
    *) not_ok "the error tells what to do (restore it or requeue the file)" "$(sql "SELECT error FROM documents WHERE id = $P4")" ;;
esac
# Under a sanitizer build (ANCONG_BUILD_DIR=build-asan) the worker's steps leak nothing.
if grep -q 'Sanitizer\|runtime error:' "$W/run.err"; then
    not_ok "the re-analysis steps ran without sanitizer reports" "$(grep -m1 'Sanitizer\|runtime error:' "$W/run.err")"
else ok "the re-analysis steps ran without sanitizer reports"; fi
t_finish
