#!/usr/bin/env bash
# tests/browser/case_merge.sh — a reviewer merges two cases in Debian's headless
# Chromium (case_merge.test.js, playwright-core) against a real "ancong web"
# and the embedded PostgreSQL; then the database is checked: documents moved,
# the merged code is an alias, stage and deadline recomputed, the audit row.
set -u
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/seed.sh"
need node npm python3 curl
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

# cdoc UNIT CASE_CODE TYPE DATE NAME -> id (an indexed document of that case)
cdoc() {
    "$ANCONG_BIN" db psql -qAt -v ON_ERROR_STOP=1 -v unit="$1" -v code="$2" -v type="$3" -v day="$4" \
        -v name="$5" <<'SQL' 2>/dev/null
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
A1=$(cdoc ha_noi 'HN-10/2026' bien_ban_tiep_nhan 2026-03-02 m1.pdf)
A2=$(cdoc ha_noi 'HN-10/2026' quyet_dinh_xac_minh 2026-03-20 m2.pdf)
B1=$(cdoc ha_noi 'HN-11/2026' kien_nghi 2026-05-10 m3.pdf)
Q1=$(cdoc quang_ninh 'QN-10/2026' bien_ban_tiep_nhan 2026-04-01 m4.pdf)
for v in A1 A2 B1 Q1; do [ -n "${!v}" ] || { not_ok "document $v is seeded"; exit 1; }; done
CA=$(sql "SELECT id FROM cases WHERE code = 'HN-10/2026'")
CB=$(sql "SELECT id FROM cases WHERE code = 'HN-11/2026'")
ok "two Hà Nội cases seeded (HN-10 in verification, HN-11 at the recommendation)"

at_exit "cp '$ANCONG_HOME/web.log' '$ANCONG_TEST_OUT/browser-case-merge-web.log'"
t_web_start

SHOTS="$ANCONG_TEST_OUT/screenshots"
mkdir -p "$SHOTS"
BASE=$BASE PASS=$T_PASS SHOTS=$SHOTS CASE_A=$CA CASE_B=$CB node "$BDIR/case_merge.test.js"
rc=$?
[ $rc -eq 0 ] || not_ok "browser script finished" "exit status $rc"

is "$(sql "SELECT string_agg(case_id::text, ',' ORDER BY id) FROM documents WHERE id IN ($A1, $A2, $B1)")" "$CB,$CB,$CB" \
   "after the merge in the browser every document is in HN-11"
is "$(sql "SELECT stage || ' ' || documents || ' ' || next_due_rule || ' ' || next_due_on || ' ' || opened_on FROM cases WHERE id = $CB")" \
   "recommendation 3 reply 2026-06-09 2026-03-02" "HN-11's stage, deadline and opening date are recomputed from all three documents"
is "$(sql "SELECT merged_into FROM cases WHERE id = $CA")" "$CB" "HN-10 is an alias of HN-11"
is "$(sql "SELECT actor || ' ' || (details->>'from_code') || ' ' || (details->>'into_code') || ' ' || (details->>'via')
             FROM audit_log WHERE action = 'case.merge'")" "hn_rev HN-10/2026 HN-11/2026 web" "the merge is audited with who did it"
is "$(sql "SELECT count(*) FROM cases c JOIN units u ON u.id = c.unit_id WHERE u.code = 'quang_ninh' AND c.merged_into IS NULL")" 1 \
   "the other province's case is untouched"
if grep -q 'AddressSanitizer\|runtime error:' "$ANCONG_HOME/web.log"; then
    not_ok "the web server ran without sanitizer reports"
else ok "the web server ran without sanitizer reports"; fi
t_finish
