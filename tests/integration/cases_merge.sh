#!/usr/bin/env bash
# Reviewer grouping of cases (issue 8): merging two cases and splitting
# documents off a case through the real web app ("ancong web") and the real
# embedded PostgreSQL.  Checks the stage and next deadline recomputed after
# each step, the merged code acting as an alias, the audit rows, and the
# refusals: a user of another unit (404, nothing changed), an operator (403),
# no CSRF token (403), a document not in the case (409).  Then the same
# operations through "ancong case merge|split".
. "$(dirname "$0")/../lib.sh"
. "$ANCONG_TOP/tests/browser/seed.sh"
need curl python3
t_home
t_db_start || exit 1
seed_units
check "accounts are made" seed_users

# cdoc UNIT CASE_CODE TYPE DATE NAME -> id: an indexed document dated DATE
# (ngay_ban_hanh), in the case of that code of its unit (made when new).
cdoc() {
    "$ANCONG_BIN" db psql -qAt -v ON_ERROR_STOP=1 -v unit="$1" -v code="$2" -v type="$3" -v day="$4" \
        -v name="$5" <<'SQL'
INSERT INTO cases (unit_id, code) SELECT id, :'code' FROM units WHERE code = :'unit'
    ON CONFLICT (unit_id, code) DO NOTHING;
WITH d AS (
  INSERT INTO documents (sha256, name, unit_id, status, doc_type, doc_type_confidence, npages, case_id)
  SELECT encode(sha256(convert_to(:'name', 'UTF8')), 'hex'), :'name', u.id, 'indexed', :'type', 0.95, 1,
         (SELECT c.id FROM cases c WHERE c.unit_id = u.id AND c.code = :'code')
    FROM units u WHERE u.code = :'unit'
  RETURNING id),
p AS (INSERT INTO pages (document_id, number, text) SELECT id, 1, 'trang 1' FROM d),
f AS (INSERT INTO fields (document_id, name, value, confidence, page)
      SELECT id, 'ngay_ban_hanh', :'day', 0.99, 1 FROM d)
SELECT id FROM d;
SQL
}
# HN-A: intake, receipt notice, verification decision (verification stage; the
# 60-day verification limit runs).  HN-B: the same matter filed under another
# code, with the recommendation (recommendation stage; 30-day reply limit).
A1=$(cdoc ha_noi HN-A/2026 bien_ban_tiep_nhan 2026-03-02 a1.pdf)
A2=$(cdoc ha_noi HN-A/2026 thong_bao_tiep_nhan 2026-03-04 a2.pdf)
A3=$(cdoc ha_noi HN-A/2026 quyet_dinh_xac_minh 2026-03-20 a3.pdf)
B1=$(cdoc ha_noi HN-B/2026 kien_nghi 2026-05-10 b1.pdf)
Q1=$(cdoc quang_ninh QN-01/2026 bien_ban_tiep_nhan 2026-04-01 q1.pdf)
for v in A1 A2 A3 B1 Q1; do [ -n "${!v}" ] || { not_ok "document $v is seeded"; exit 1; }; done
CA=$(sql "SELECT id FROM cases WHERE code = 'HN-A/2026'")
CB=$(sql "SELECT id FROM cases WHERE code = 'HN-B/2026'")
CQ=$(sql "SELECT id FROM cases WHERE code = 'QN-01/2026'")
HNID=$(sql "SELECT id FROM units WHERE code = 'ha_noi'")
QNID=$(sql "SELECT id FROM units WHERE code = 'quang_ninh'")
crow() { sql "SELECT stage || ' ' || documents || ' ' || coalesce(next_due_rule, '-') || ' ' || coalesce(next_due_on::text, '-')
                FROM cases WHERE id = $1"; }
is "$(crow "$CA")" "verification 3 verification 2026-05-19" "before: HN-A is in verification, due 60 days after the decision"
is "$(crow "$CB")" "recommendation 1 reply 2026-06-09" "before: HN-B waits for the reply to its recommendation"

t_web_start
at_exit "cp '$ANCONG_HOME/web.log' '$ANCONG_TEST_OUT/cases_merge-web.log'"

curl_login() {
    local lt
    lt=$(curl -s -c "$2" -b "$2" "$BASE/login" | grep -o 'name="lcsrf" value="[0-9a-f]*"' | cut -d'"' -f4)
    curl -s -c "$2" -b "$2" -o /dev/null -w '%{http_code}' --data-urlencode "lcsrf=$lt" \
        --data-urlencode "username=$1" --data-urlencode "password=${3:-$T_PASS}" "$BASE/login"
}
HN="$ANCONG_HOME/hn.jar" QN="$ANCONG_HOME/qn.jar" OP="$ANCONG_HOME/op.jar"
is "$(curl_login hn_rev "$HN")" 303 "a Hà Nội reviewer logs in"
is "$(curl_login qn_rev "$QN")" 303 "a Quảng Ninh reviewer logs in"
is "$(curl_login hn_op "$OP")" 303 "a Hà Nội operator logs in"
token() { curl -s -b "$1" "$BASE/cases" | grep -o 'name="csrf-token" content="[0-9a-f]*"' | cut -d'"' -f4; }
HT=$(token "$HN") QT=$(token "$QN") OT=$(token "$OP")
# post JAR TOKEN PATH DATA... -> HTTP status; the Location goes to $ANCONG_HOME/loc
post() {
    local jar=$1 tok=$2 path=$3; shift 3
    local args=() d
    for d in "$@"; do args+=(--data-urlencode "$d"); done
    curl -s -b "$jar" -o "$ANCONG_HOME/resp.html" -D "$ANCONG_HOME/resp.h" -w '%{http_code}' \
        ${tok:+--data-urlencode "csrf=$tok"} "${args[@]}" "$BASE$path"
}
audits() { sql "SELECT count(*) FROM audit_log WHERE action LIKE 'case.%'"; }
snapshot() { sql "SELECT string_agg(id || ':' || coalesce(case_id::text, '-') || ':' || version, ',' ORDER BY id) FROM documents"; }

# ---- refusals: nothing changes -------------------------------------------------
S0=$(snapshot)
grep -q 'id="merge-form"' <(curl -s -b "$HN" "$BASE/cases/$CA") && ok "a reviewer's case page has the merge form" ||
    not_ok "a reviewer's case page has the merge form"
is "$(post "$QN" "$QT" "/cases/$CA/merge" "into_code=QN-01/2026" "into_unit=$QNID")" 404 \
   "a Quảng Ninh reviewer cannot merge a Hà Nội case into theirs (404)"
is "$(post "$QN" "$QT" "/cases/$CQ/merge" "into_code=HN-B/2026" "into_unit=$HNID")" 404 \
   "nor merge their case into a Hà Nội case (404)"
is "$(post "$QN" "$QT" "/cases/$CA/split" "doc=$A1" "to_code=QN-99")" 404 \
   "nor split documents off a Hà Nội case (404)"
is "$(post "$HN" "" "/cases/$CA/merge" "into_code=HN-B/2026" "into_unit=$HNID")" 403 "a merge without the CSRF token is refused (403)"
is "$(post "$OP" "$OT" "/cases/$CA/merge" "into_code=HN-B/2026" "into_unit=$HNID")" 403 "an operator may not merge cases (403)"
is "$(post "$HN" "$HT" "/cases/$CA/merge" "into_code=HN-A/2026" "into_unit=$HNID")" 400 "a case is not merged into itself (400)"
is "$(post "$HN" "$HT" "/cases/$CA/merge" "into_code=HN-ZZ" "into_unit=$HNID")" 404 "an unknown target code is 404"
is "$(post "$HN" "$HT" "/cases/$CA/split" "doc=$B1" "to_code=HN-C/2026")" 409 "a document of another case cannot be split off this one (409)"
is "$(post "$HN" "$HT" "/cases/$CA/split" "to_code=HN-C/2026")" 400 "a split with no document chosen is refused (400)"
is "$(snapshot)" "$S0" "the refused requests moved no document and changed no version"
is "$(audits)" 0 "and wrote no audit row"
is "$(sql "SELECT count(*) FROM cases WHERE code = 'HN-C/2026'")" 0 "and made no case"

# ---- merge HN-A into HN-B ------------------------------------------------------
is "$(post "$HN" "$HT" "/cases/$CA/merge" "into_code=HN-B/2026" "into_unit=$HNID")" 303 "the Hà Nội reviewer merges HN-A into HN-B"
is "$(grep -i '^location:' "$ANCONG_HOME/resp.h" | tr -d '\r' | cut -d' ' -f2)" "/cases/$CB?done=merged&n=3" \
   "and is sent to HN-B, told 3 documents moved"
is "$(sql "SELECT string_agg(case_id::text, ',' ORDER BY id) FROM documents WHERE id IN ($A1, $A2, $A3, $B1)")" "$CB,$CB,$CB,$CB" \
   "every document of HN-A is now in HN-B"
is "$(crow "$CB")" "recommendation 4 reply 2026-06-09" \
   "HN-B's stage and deadline are recomputed from all four documents (the verification ended with the recommendation)"
is "$(sql "SELECT merged_into FROM cases WHERE id = $CA")" "$CB" "HN-A is recorded as merged into HN-B"
is "$(sql "SELECT count(*) FROM case_overview WHERE code = 'HN-A/2026'")" 0 "HN-A is no longer listed as a case of its own"
is "$(sql "SELECT actor || ' ' || case_id || ' ' || (details->>'from_code') || ' ' || (details->>'into_code') || ' ' ||
                  (details->'documents')::text || ' ' || (details->>'stage_after') || ' ' || (details->>'via')
             FROM audit_log WHERE action = 'case.merge'")" \
   "hn_rev $CB HN-A/2026 HN-B/2026 [$A1, $A2, $A3] recommendation web" "the merge is audited: who, which cases, which documents"
is "$(curl -s -b "$HN" -o /dev/null -w '%{http_code} %{redirect_url}' "$BASE/cases/$CA")" "303 $BASE/cases/$CB" \
   "an old link to HN-A leads to HN-B"
is "$(curl -s -b "$QN" -o /dev/null -w '%{http_code}' "$BASE/cases/$CA")" 404 "but not for another province"
curl -s -b "$HN" "$BASE/cases" -o "$ANCONG_HOME/cases.html"
is "$(grep -o 'class="case" href="/cases/[0-9]*">[^<]*' "$ANCONG_HOME/cases.html" | sed 's/.*>//' | tr '\n' ' ')" "HN-B/2026 " \
   "the cases list shows HN-B alone"
is "$(post "$HN" "$HT" "/cases/$CA/merge" "into_code=HN-B/2026" "into_unit=$HNID")" 409 "merging HN-A again is refused (409)"
# A document that later names the merged code joins HN-B (the worker and the
# attach both go through documents.case_id).
A4=$(cdoc ha_noi HN-A/2026 yeu_cau_cung_cap 2026-04-15 a4.pdf)
is "$(sql "SELECT case_id FROM documents WHERE id = $A4")" "$CB" "a new document with HN-A's code lands in HN-B (the code is an alias)"
is "$(sql "SELECT count(*) FROM cases WHERE code = 'HN-A/2026'")" 1 "and no second HN-A case is made"

# ---- split: the recommendation goes to a new case HN-C -------------------------
is "$(post "$HN" "$HT" "/cases/$CB/split" "doc=$B1" "to_code=HN-C/2026")" 303 "the reviewer splits the recommendation off to a new case HN-C"
CC=$(sql "SELECT id FROM cases WHERE code = 'HN-C/2026'")
is "$(grep -i '^location:' "$ANCONG_HOME/resp.h" | tr -d '\r' | cut -d' ' -f2)" "/cases/$CC?done=split&n=1" "and is sent to HN-C"
is "$(sql "SELECT u.code FROM cases c JOIN units u ON u.id = c.unit_id WHERE c.id = $CC")" ha_noi "HN-C is made in HN-B's unit"
is "$(crow "$CB")" "verification 4 verification 2026-05-19" \
   "HN-B goes back to verification, its 60-day limit due again (only the recommendation had ended it)"
is "$(crow "$CC")" "recommendation 1 reply 2026-06-09" "HN-C is at the recommendation stage, waiting for the reply"
is "$(sql "SELECT actor || ' ' || case_id || ' ' || (details->>'into_code') || ' ' || (details->>'case_created') || ' ' ||
                  (details->'documents')::text || ' ' || (details->>'from_stage_after') || ' ' || (details->>'into_stage_after')
             FROM audit_log WHERE action = 'case.split'")" \
   "hn_rev $CB HN-C/2026 true [$B1] verification recommendation" "the split is audited"
# Split two documents into an existing case.
is "$(post "$HN" "$HT" "/cases/$CB/split" "doc=$A3" "doc=$A4" "to_code=HN-C/2026")" 303 "two documents split into the existing HN-C"
is "$(crow "$CB")" "intake 2 examination 2026-04-01" \
   "HN-B, left with the intake record and its notice, is back at intake, its examination due 30 days from the intake"
is "$(sql "SELECT stage || ' ' || documents FROM cases WHERE id = $CC")" "recommendation 3" "HN-C has three documents"
is "$(sql "SELECT version || ' ' || (SELECT version FROM documents WHERE id = $B1) FROM documents WHERE id = $A3")" "3 2" \
   "each move bumps the moved document's version (so an open review screen sees the change)"
grep -q 'id="case-flash"' <(curl -s -b "$HN" "$BASE/cases/$CC?done=split&n=2") && ok "the case page says what was done" ||
    not_ok "the case page says what was done"
is "$(audits)" 3 "one audit row per operation"
# ---- the same operations from the command line ---------------------------------
out=$("$ANCONG_BIN" case show HN-C/2026)
is "$(grep -c "^  $B1 \|^  $A3 \|^  $A4 " <<<"$out")" 3 "ancong case show lists the case's documents with their ids"
"$ANCONG_BIN" case merge HN-C/2026 HN-B/2026 >"$ANCONG_HOME/cli.out" 2>&1 && ok "ancong case merge merges HN-C into HN-B" ||
    not_ok "ancong case merge merges HN-C into HN-B" "$(cat "$ANCONG_HOME/cli.out")"
is "$(crow "$CB")" "recommendation 5 reply 2026-06-09" "HN-B is recomputed from its five documents"
is "$(sql "SELECT actor LIKE 'cli:%' AND details->>'via' = 'cli' FROM audit_log WHERE action = 'case.merge' ORDER BY id DESC LIMIT 1")" t \
   "the CLI merge is audited as cli:<user>"
"$ANCONG_BIN" case split HN-B/2026 --to HN-D/2026 "$B1" >"$ANCONG_HOME/cli.out" 2>&1 && ok "ancong case split moves the recommendation to HN-D" ||
    not_ok "ancong case split moves the recommendation to HN-D" "$(cat "$ANCONG_HOME/cli.out")"
is "$(crow "$CB")" "verification 4 verification 2026-05-19" "HN-B is back in verification"
is "$(crow "$(sql "SELECT id FROM cases WHERE code = 'HN-D/2026'")")" "recommendation 1 reply 2026-06-09" "HN-D waits for the reply"
"$ANCONG_BIN" case merge HN-A/2026 HN-B/2026 >/dev/null 2>&1; is "$?" 2 "merging an alias into its own case is a usage error"
"$ANCONG_BIN" case show NO-SUCH >/dev/null 2>&1; is "$?" 1 "an unknown code fails"
"$ANCONG_BIN" case split HN-B/2026 --to HN-D/2026 "$B1" >/dev/null 2>&1; is "$?" 2 "a document not in the case is refused"
is "$(audits)" 5 "every change, web or CLI, has its audit row"
if grep -q 'AddressSanitizer\|runtime error:' "$ANCONG_HOME/web.log"; then
    not_ok "the web server ran without sanitizer reports"
else ok "the web server ran without sanitizer reports"; fi
t_finish
