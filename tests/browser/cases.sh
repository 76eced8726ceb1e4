#!/usr/bin/env bash
# tests/browser/cases.sh — the statistics page, the cases pages and attaching a
# document to a case, against a real "ancong web" and the embedded PostgreSQL;
# the attach is done in Debian's Chromium (cases.test.js, playwright-core).
# Numbers on the page are checked against counts done directly in SQL and
# against `ancong report --csv` for the same unit.
set -u
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/seed.sh"
need node npm python3 curl cmp
[ -x /usr/bin/chromium ] || { not_ok "chromium is installed at /usr/bin/chromium" "run scripts/deps.sh --test"; exit 1; }
BDIR="$ANCONG_TOP/tests/browser"
if [ ! -d "$BDIR/node_modules/playwright-core" ]; then
    (cd "$BDIR" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund >"$ANCONG_TEST_OUT/browser-npm.log" 2>&1) ||
        { not_ok "npm ci installs playwright-core" "$(tail -5 "$ANCONG_TEST_OUT/browser-npm.log")"; exit 1; }
fi

t_home
t_db_start || exit 1
seed_units
check "accounts are made" seed_users

FROM=2026-01-01 TO=2026-11-30
# cdoc UNIT CASE_CODE|'' TYPE DATE STATUS NAME -> id.  A document with its issue
# date (ngay_ban_hanh) and, when CASE_CODE is given, in that case of its unit.
cdoc() {
    "$ANCONG_BIN" db psql -qAt -v ON_ERROR_STOP=1 -v unit="$1" -v code="$2" -v type="$3" -v day="$4" \
        -v st="$5" -v name="$6" <<'SQL'
INSERT INTO cases (unit_id, code) SELECT id, :'code' FROM units WHERE code = :'unit' AND :'code' <> ''
    ON CONFLICT (unit_id, code) DO NOTHING;
WITH d AS (
  INSERT INTO documents (sha256, name, unit_id, status, doc_type, doc_type_confidence, npages, case_id,
                         received_at, review_due_at)
  SELECT encode(sha256(convert_to(:'name', 'UTF8')), 'hex'), :'name', u.id, :'st', :'type', 0.95, 1,
         (SELECT c.id FROM cases c WHERE c.unit_id = u.id AND c.code = :'code'),
         now() - interval '1 day', now() + interval '3 days'
    FROM units u WHERE u.code = :'unit'
  RETURNING id),
p AS (INSERT INTO pages (document_id, number, text, width_px, height_px, dpi, source, ocr_confidence)
      SELECT id, 1, 'trang 1', 1240, 1754, 150, 'ocr', 0.9 FROM d),
f AS (INSERT INTO fields (document_id, name, value, confidence, page)
      SELECT id, 'ngay_ban_hanh', :'day', 0.99, 1 FROM d
      UNION ALL SELECT id, 'so_van_ban', 'S-' || :'name', 0.99, 1 FROM d)
SELECT id FROM d;
SQL
}
H1=$(cdoc ha_noi 'HN-01/2026' bien_ban_tiep_nhan 2026-03-02 indexed hn1.pdf)          # overdue: no notice
H2=$(cdoc ha_noi 'HN-03/2026' bien_ban_tiep_nhan 2026-11-20 indexed hn2.pdf)
H3=$(cdoc ha_noi 'HN-03/2026' thong_bao_tiep_nhan 2026-11-21 indexed hn3.pdf)
H4=$(cdoc ha_noi_kv3 'KV3-01/2026' kien_nghi 2026-05-10 approved kv3a.pdf)
H5=$(cdoc ha_noi '' quyet_dinh_xac_minh 2025-06-01 indexed old.pdf)                   # before the period
R=$(cdoc ha_noi '' thong_bao_tiep_nhan 2026-03-04 needs_review attach-me.pdf)         # attached in the browser
Q1=$(cdoc quang_ninh 'QN-01/2026' bien_ban_tiep_nhan 2026-04-01 indexed qn1.pdf)     # overdue, other province
Q2=$(cdoc quang_ninh 'QN-01/2026' kien_nghi 2026-04-20 indexed qn2.pdf)
Q3=$(cdoc quang_ninh '' kien_nghi 2026-06-20 needs_review qn3.pdf)
for v in H1 H2 H3 H4 H5 R Q1 Q2 Q3; do
    [ -n "${!v}" ] || { not_ok "document $v is seeded"; exit 1; }
done
ok "documents and cases seeded"
QCASE=$(sql "SELECT id FROM cases WHERE code = 'QN-01/2026'")
HCASE=$(sql "SELECT id FROM cases WHERE code = 'HN-03/2026'")

at_exit "cp '$ANCONG_HOME/web.log' '$ANCONG_TEST_OUT/browser-cases-web.log'"
t_web_start

curl_login() {
    local lt
    lt=$(curl -s -c "$2" -b "$2" "$BASE/login" | grep -o 'name="lcsrf" value="[0-9a-f]*"' | cut -d'"' -f4)
    curl -s -c "$2" -b "$2" -o /dev/null -w '%{http_code}' --data-urlencode "lcsrf=$lt" \
        --data-urlencode "username=$1" --data-urlencode "password=${3:-$T_PASS}" "$BASE/login"
}
HN="$ANCONG_HOME/hn.jar" QN="$ANCONG_HOME/qn.jar" TC="$ANCONG_HOME/tc.jar"
is "$(curl_login hn_rev "$HN")" 303 "a Hà Nội reviewer logs in"
is "$(curl_login qn_rev "$QN")" 303 "a Quảng Ninh reviewer logs in"
is "$(curl_login tc_lead "$TC")" 303 "the Supreme procuracy's leader logs in"
is "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/stats")" 303 "the statistics page needs a session"

# ---- statistics ---------------------------------------------------------------
# total ID FILE: the number in the element with that id
total() { grep -o "id=\"$1\">[0-9]*<" "$2" | grep -o '[0-9]*'; }
curl -s -b "$HN" "$BASE/stats?from=$FROM&to=$TO" -o "$ANCONG_HOME/hn-stats.html"
HNU="SELECT id FROM units WHERE code IN ('ha_noi', 'ha_noi_kv3')"
want_docs=$(sql "SELECT count(*) FROM documents d WHERE d.unit_id IN ($HNU)
                   AND NOT EXISTS (SELECT 1 FROM documents c WHERE c.parent_id = d.id)
                   AND coalesce((SELECT f.value::date FROM fields f WHERE f.document_id = d.id AND f.name = 'ngay_ban_hanh'),
                                (d.received_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date) BETWEEN '$FROM' AND '$TO'")
want_cases=$(sql "SELECT count(*) FROM cases WHERE unit_id IN ($HNU) AND coalesce(opened_on, '$FROM') BETWEEN '$FROM' AND '$TO'")
want_over=$(sql "SELECT count(*) FROM cases WHERE unit_id IN ($HNU) AND next_due_on < (now() AT TIME ZONE 'Asia/Ho_Chi_Minh')::date")
is "$want_docs $want_cases" "5 3" "the seeded Hà Nội numbers are what the test expects (5 documents, 3 cases)"
is "$(total total-documents "$ANCONG_HOME/hn-stats.html")" "$want_docs" "the page's document total equals a direct SQL count for the unit"
is "$(total total-cases "$ANCONG_HOME/hn-stats.html")" "$want_cases" "the page's case total equals a direct SQL count for the unit"
is "$(total total-overdue "$ANCONG_HOME/hn-stats.html")" "$want_over" "the page's overdue total equals a direct SQL count"
if grep -q 'QN-01\|quang_ninh\|Quảng Ninh' "$ANCONG_HOME/hn-stats.html"; then
    not_ok "another province's numbers are not on the Hà Nội page"
else ok "another province's numbers are not on the Hà Nội page"; fi
curl -s -b "$TC" "$BASE/stats?from=$FROM&to=$TO" -o "$ANCONG_HOME/tc-stats.html"
curl -s -b "$QN" "$BASE/stats?from=$FROM&to=$TO" -o "$ANCONG_HOME/qn-stats.html"
is "$(total total-documents "$ANCONG_HOME/tc-stats.html")" \
   "$(( $(total total-documents "$ANCONG_HOME/hn-stats.html") + $(total total-documents "$ANCONG_HOME/qn-stats.html") ))" \
   "the Supreme procuracy's total is Hà Nội's plus Quảng Ninh's"
is "$(grep -o '<svg id="chart-[a-z]*"' "$ANCONG_HOME/hn-stats.html" | tr '\n' ' ')" \
   '<svg id="chart-stage" <svg id="chart-type" <svg id="chart-month" ' "the page draws three SVG bar charts"
is "$(grep -o '<svg id="chart-month".*</svg>' "$ANCONG_HOME/hn-stats.html" | grep -o 'data-key="[0-9-]*" data-value="[0-9]*"' | tr '\n' ' ')" \
   'data-key="2026-03" data-value="2" data-key="2026-05" data-value="1" data-key="2026-11" data-value="2" ' \
   "the month chart has one bar per month with the report's numbers"
# Overdue: HN-01 (no notice of receipt after its intake record) and KV3-01 (no
# reply 30 days after its recommendation); HN-03 got its notice in time.
is "$(grep -o 'href="/cases/[0-9]*">[^<]*' "$ANCONG_HOME/hn-stats.html" | sed 's/.*>//' | tr '\n' ' ')" \
   "HN-01/2026 KV3-01/2026 " "the overdue list has Hà Nội's overdue cases (its regional unit's too), by code"

# The CSV is the CLI's CSV for the same unit and period.
curl -s -b "$HN" -D "$ANCONG_HOME/csv.h" "$BASE/stats.csv?from=$FROM&to=$TO" -o "$ANCONG_HOME/web.csv"
"$ANCONG_BIN" report --unit ha_noi --from "$FROM" --to "$TO" --csv "$ANCONG_HOME/cli.csv" >/dev/null
if cmp -s "$ANCONG_HOME/web.csv" "$ANCONG_HOME/cli.csv" && [ "$(wc -l <"$ANCONG_HOME/web.csv")" -gt 5 ]; then
    ok "the page's CSV equals ancong report --csv for the same unit ($(wc -l <"$ANCONG_HOME/web.csv") lines)"
else not_ok "the page's CSV equals ancong report --csv for the same unit" "$(diff "$ANCONG_HOME/web.csv" "$ANCONG_HOME/cli.csv" | head -3)"; fi
grep -qi '^content-type: text/csv' "$ANCONG_HOME/csv.h" && ok "the CSV is served as text/csv" || not_ok "the CSV is served as text/csv"
"$ANCONG_BIN" report --unit quang_ninh --from "$FROM" --to "$TO" --csv "$ANCONG_HOME/cli-qn.csv" >/dev/null
curl -s -b "$QN" "$BASE/stats.csv?from=$FROM&to=$TO" -o "$ANCONG_HOME/web-qn.csv"
cmp -s "$ANCONG_HOME/web-qn.csv" "$ANCONG_HOME/cli-qn.csv" && ok "Quảng Ninh's CSV equals the CLI's for Quảng Ninh" ||
    not_ok "Quảng Ninh's CSV equals the CLI's for Quảng Ninh"
is "$(curl -s -b "$HN" -o /dev/null -w '%{http_code}' "$BASE/stats?from=2026-13-45&to=$TO")" 400 "an impossible date is a 400, not a crash"
is "$(curl -s -b "$HN" -o /dev/null -w '%{http_code}' "$BASE/stats?from=x');--&to=$TO")" 400 "a malformed date is refused"
is "$(curl -s -b "$HN" -o /dev/null -w '%{http_code}' "$BASE/stats")" 200 "the page opens with the default statistical year"

# ---- cases --------------------------------------------------------------------
curl -s -b "$HN" "$BASE/cases" -o "$ANCONG_HOME/cases.html"
is "$(grep -o 'class="case" href="/cases/[0-9]*">[^<]*' "$ANCONG_HOME/cases.html" | sed 's/.*>//' | tr '\n' ' ')" \
   "HN-01/2026 KV3-01/2026 HN-03/2026 " "the cases list has the unit's cases (and its regional unit's), closest deadline first"
is "$(grep -o '<tr data-id="[0-9]*" class="overdue">' "$ANCONG_HOME/cases.html" | wc -l)" 2 "the overdue cases are highlighted"
is "$(curl -s -b "$HN" -o /dev/null -w '%{http_code}' "$BASE/cases/$QCASE")" 404 "another province's case is 404"
is "$(curl -s -b "$QN" -o /dev/null -w '%{http_code}' "$BASE/cases/$QCASE")" 200 "its own province opens it"
curl -s -b "$HN" "$BASE/cases/$HCASE" -o "$ANCONG_HOME/case.html"
is "$(grep -o 'href="/review/[0-9]*"' "$ANCONG_HOME/case.html" | tr '\n' ' ')" \
   "href=\"/review/$H2\" href=\"/review/$H3\" " "a case page lists its documents by date, each linking to review"

# Search with a type and a field filter (the web form's ?type= and ?field=&value=).
rows() { curl -s -b "$HN" "$BASE/search?$1" | grep -o 'href="/review/[0-9]*"' | sort | tr '\n' ' '; }
is "$(rows 'q=trang+1&type=thong_bao_tiep_nhan')" "$(printf 'href="/review/%s" ' $(printf '%s\n' "$H3" "$R" | sort))" \
   "the search page filters by document type"
is "$(rows 'q=trang+1&field=so_van_ban&value=s-HN3')" "href=\"/review/$H3\" " \
   "the search page filters by a field's value, without regard to case"
is "$(rows 'q=trang+1&type=bogus')" "$(rows 'q=trang+1')" "an unknown type is ignored, not an error"

# Cross-province attach through the API: 404, nothing written.
qcsrf=$(curl -s -b "$QN" "$BASE/cases" | grep -o 'name="csrf-token" content="[0-9a-f]*"' | cut -d'"' -f4)
is "$(curl -s -b "$QN" -o /dev/null -w '%{http_code}' -H "X-CSRF-Token: $qcsrf" \
      --data 'version=1&case_code=QN-01/2026' "$BASE/api/documents/$R/case")" 404 \
   "Quảng Ninh cannot attach a Hà Nội document to a case (404)"
hcsrf=$(curl -s -b "$HN" "$BASE/cases" | grep -o 'name="csrf-token" content="[0-9a-f]*"' | cut -d'"' -f4)
is "$(curl -s -b "$HN" -o /dev/null -w '%{http_code}' --data 'version=1&case_code=X' "$BASE/api/documents/$R/case")" 403 \
   "attaching without the CSRF token is refused"
is "$(curl -s -b "$HN" -o /dev/null -w '%{http_code}' -H "X-CSRF-Token: $hcsrf" \
      --data 'version=7&case_code=HN-09' "$BASE/api/documents/$R/case")" 409 "attaching with a stale version is a conflict"
is "$(sql "SELECT coalesce(case_id::text, 'none') || ' ' || version FROM documents WHERE id = $R")" "none 1" \
   "the refused attaches changed nothing"

# ---- a split bundle: moving the boundary between two parts --------------------
BUNDLE=$(sql "WITH b AS (INSERT INTO documents (sha256, name, unit_id, status, npages, received_at)
                SELECT repeat('b', 64), 'ho_so_gop.pdf', id, 'indexed', 5, now() FROM units WHERE code = 'ha_noi' RETURNING id),
             p AS (INSERT INTO pages (document_id, number, text, width_px, height_px)
                SELECT id, n, 'trang ' || n, 1240, 1754 FROM b, generate_series(1, 5) n)
             SELECT id FROM b")
P1=$(sql "INSERT INTO documents (sha256, parent_id, name, unit_id, status, doc_type, first_page, last_page, npages)
          SELECT sha256, id, name, unit_id, 'needs_review', 'quyet_dinh_xac_minh', 1, 2, 2 FROM documents WHERE id = $BUNDLE RETURNING id")
P2=$(sql "INSERT INTO documents (sha256, parent_id, name, unit_id, status, doc_type, first_page, last_page, npages)
          SELECT sha256, id, name, unit_id, 'indexed', 'bien_ban_xac_minh', 3, 5, 3 FROM documents WHERE id = $BUNDLE RETURNING id")
[ -n "$P1" ] && [ -n "$P2" ] && ok "a split bundle with two parts is seeded" || not_ok "a split bundle with two parts is seeded"
bpost() { curl -s -b "$HN" -o "$ANCONG_HOME/b.json" -w '%{http_code}' -H "X-CSRF-Token: $hcsrf" --data "$2" "$BASE/api/documents/$1/boundary"; }
is "$(bpost "$P1" 'version=1&edge=end&delta=1')" 200 "the end of part 1 moves one page later"
is "$(sql "SELECT string_agg(first_page || '-' || last_page || ' ' || npages || ' ' || status || ' v' || version, ', ' ORDER BY first_page)
            FROM documents WHERE parent_id = $BUNDLE")" "1-3 3 needs_review v2, 4-5 2 needs_review v2" \
   "both parts changed range and page count, went back to review, and were versioned"
is "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["document"]; print(len(d["pages"]), d["part"]["last_page"], d["part"]["has_next"])' "$ANCONG_HOME/b.json")" \
   "3 3 True" "the part now shows pages 1 to 3"
is "$(sql "SELECT count(*) FROM audit_log WHERE action = 'document.boundary' AND actor = 'hn_rev'
             AND document_id IN ($P1, $P2) AND details->>'reanalysis' = 'queued'")" 2 \
   "the move is audited on both parts (and says their re-analysis is queued)"
is "$(sql "SELECT count(*) FROM jobs WHERE kind = 'reanalyze' AND state = 'ready' AND document_id IN ($P1, $P2)")" 2 \
   "both parts are queued for re-analysis"
# No worker runs here (tests/integration/split_reanalyze.sh runs one): finish
# the re-analysis jobs so that the parts can be changed again.
reanalysed() { sql "UPDATE jobs SET state = 'done' WHERE kind = 'reanalyze'" >/dev/null; }
reanalysed
is "$(bpost "$P1" 'version=2&edge=start&delta=-1')" 400 "the first part has no boundary before it"
is "$(bpost "$P1" 'version=1&edge=end&delta=-1')" 409 "a stale version is a conflict"
is "$(curl -s -b "$QN" -o /dev/null -w '%{http_code}' -H "X-CSRF-Token: $qcsrf" --data 'version=2&edge=end&delta=-1' \
      "$BASE/api/documents/$P1/boundary")" 404 "another province cannot move a boundary (404)"

SHOTS="$ANCONG_TEST_OUT/screenshots"
mkdir -p "$SHOTS"
BASE=$BASE PASS=$T_PASS SHOTS=$SHOTS DOC_R=$R FROM=$FROM TO=$TO PART2=$P2 node "$BDIR/cases.test.js"
rc=$?
[ $rc -eq 0 ] || not_ok "browser script finished" "exit status $rc"

is "$(sql "SELECT u.code FROM cases c JOIN units u ON u.id = c.unit_id WHERE c.code = 'HN-02/2026'")" ha_noi \
   "the new case was made in the document's unit"
is "$(sql "SELECT details->>'new' || ' ' || (details->>'case_created') || ' ' || actor FROM audit_log
            WHERE document_id = $R AND action = 'document.case' ORDER BY id")" \
   "HN-02/2026 true hn_rev
HN-03/2026 false hn_rev" "each attach has an audit-log row (who, new code, whether the case was created)"
is "$(sql "SELECT c.code || ' ' || c.documents FROM documents d JOIN cases c ON c.id = d.case_id WHERE d.id = $R")" \
   "HN-03/2026 3" "moving it to an existing case counts it there"
is "$(sql "SELECT opened_on FROM cases WHERE code = 'HN-03/2026'")" 2026-03-04 \
   "the case refresh trigger recomputed the case (opened on the attached document's date, not 2026-11-20)"
is "$(sql "SELECT documents FROM cases WHERE code = 'HN-02/2026'")" 0 "and the case it left is refreshed too"
is "$(sql "SELECT count(*) FROM cases WHERE unit_id = (SELECT id FROM units WHERE code = 'quang_ninh')")" 1 \
   "no case was made in the other province"
is "$(sql "SELECT string_agg(first_page || '-' || last_page, ', ' ORDER BY first_page) FROM documents WHERE parent_id = $BUNDLE")" \
   "1-2, 3-5" "Alt+[ in the browser moved part 2's start one page earlier"
reanalysed
is "$(bpost "$P1" 'version=3&edge=end&delta=-1')" 200 "part 1 shrinks to one page"
reanalysed
is "$(bpost "$P1" 'version=4&edge=end&delta=-1')" 400 "a part never shrinks to no page"
is "$(sql "SELECT string_agg(first_page || '-' || last_page, ', ' ORDER BY first_page) FROM documents WHERE parent_id = $BUNDLE")" \
   "1-1, 2-5" "the refused move changed nothing"
if grep -q 'AddressSanitizer\|runtime error:' "$ANCONG_HOME/web.log"; then
    not_ok "the web server ran without sanitizer reports"
else ok "the web server ran without sanitizer reports"; fi
t_finish
