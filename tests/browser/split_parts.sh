#!/usr/bin/env bash
# tests/browser/split_parts.sh — the parts of a split case file changed with the
# keyboard in Debian's headless Chromium (split_parts.test.js, playwright-core):
# Alt+M merges a part with the next one, Alt+S splits at the page shown,
# Alt+[ / Alt+] move a part's start.  A real "ancong worker" re-analyses the
# parts from the kept OCR; the screen shows "re-analysing" until it is done.
# Real "ancong web", real embedded PostgreSQL.  The case file is
# tests/data/ocr/bundle_no_separator_7p.ocr (real Tesseract output): pages 1-3
# bao_cao_de_xuat, 4-5 kien_nghi, 6 tra_loi_kien_nghi, 7 quyet_dinh_ket_thuc.
set -u
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/seed.sh"
need node npm python3 curl sha256sum
[ -x /usr/bin/chromium ] || { not_ok "chromium is installed at /usr/bin/chromium" "run scripts/deps.sh --test"; exit 1; }
BDIR="$ANCONG_TOP/tests/browser"
BUILD=${ANCONG_BUILD_DIR:-$ANCONG_TOP/build}
T=$BUILD/tools/storectl
AN=$BUILD/tools/analyze
for x in "$T" "$AN"; do [ -x "$x" ] || { not_ok "$(basename "$x") is built" "run make tests-build"; exit 1; }; done
if [ ! -d "$BDIR/node_modules/playwright-core" ]; then
    (cd "$BDIR" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund >"$ANCONG_TEST_OUT/browser-npm.log" 2>&1) ||
        { not_ok "npm ci installs playwright-core" "$(tail -5 "$ANCONG_TEST_OUT/browser-npm.log")"; exit 1; }
fi
OCR=$ANCONG_TOP/tests/data/ocr/bundle_no_separator_7p.ocr

t_home
t_db_start || exit 1
seed_units
check "accounts are made" seed_users >/dev/null
W=$ANCONG_HOME/work; mkdir -p "$W"

# The first pass as a worker leaves it (result stored, OCR kept); the
# original is not a readable scan, so nothing can OCR it again.
printf 'not a scan\n' >"$W/hs.pdf"
FILE=$("$T" ingest "$W/hs.pdf" ho_so_22.pdf hn01 2>/dev/null | sed -n 's/.*document=\([0-9]*\).*/\1/p')
"$AN" --name ho_so_22.pdf "$OCR" "$W/first.json" && "$T" complete ocr w0 "$W/first.json" >/dev/null 2>&1 ||
    { not_ok "the case file is seeded"; exit 1; }
OSHA=$(sha256sum "$OCR" | cut -c1-64)
mkdir -p "$ANCONG_HOME/blobs/ocr/${OSHA:0:2}/${OSHA:2:2}"
cp "$OCR" "$ANCONG_HOME/blobs/ocr/${OSHA:0:2}/${OSHA:2:2}/$OSHA"
sql "UPDATE documents SET ocr_sha256 = '$OSHA' WHERE id = $FILE;
     UPDATE documents SET status = 'needs_review' WHERE id = $FILE OR parent_id = $FILE" >/dev/null
parts() { sql "SELECT string_agg(first_page || '-' || last_page || ':' || coalesce(doc_type, '?'), ' ' ORDER BY first_page)
               FROM documents WHERE parent_id = $FILE"; }
is "$(parts)" "1-3:bao_cao_de_xuat 4-5:kien_nghi 6-6:tra_loi_kien_nghi 7-7:quyet_dinh_ket_thuc" "a case file of four parts is seeded"
P2=$(sql "SELECT id FROM documents WHERE parent_id = $FILE AND first_page = 4")
P3=$(sql "SELECT id FROM documents WHERE parent_id = $FILE AND first_page = 6")

at_exit "cp '$ANCONG_HOME/web.log' '$ANCONG_TEST_OUT/browser-split-web.log'"
t_web_start

# The worker starts only when the browser has seen the part "re-analysing"
# (the script creates $GO), so that state is shown for certain.
GO=$W/start-worker
( while [ ! -f "$GO" ]; do sleep 0.2; done; exec "$ANCONG_BIN" worker ) >"$ANCONG_HOME/worker.log" 2>&1 &
WPID=$!
at_exit "kill $WPID; wait $WPID"

SHOTS="$ANCONG_TEST_OUT/screenshots"
mkdir -p "$SHOTS"
BASE=$BASE PASS=$T_PASS SHOTS=$SHOTS PART_MID=$P2 PART_LAST=$P3 GO=$GO node "$BDIR/split_parts.test.js"
rc=$?
[ $rc -eq 0 ] || not_ok "browser script finished" "exit status $rc"

is "$(parts)" "1-3:bao_cao_de_xuat 4-5:kien_nghi 6-6:tra_loi_kien_nghi 7-7:quyet_dinh_ket_thuc" \
   "after merge, split, and a boundary moved and back, every part has its type again"
is "$(sql "SELECT string_agg(f.name || '=' || f.value, ';' ORDER BY f.name) FROM fields f JOIN documents d ON d.id = f.document_id
            WHERE d.parent_id = $FILE AND d.first_page = 7 AND f.name IN ('so_van_ban', 'ngay_ban_hanh', 'nguoi_ky')")" \
   "ngay_ban_hanh=2026-06-09;nguoi_ky=Đỗ Thu Trang;so_van_ban=45/QĐ-VKSKV5" "the part split off has its own fields"
is "$(sql "SELECT string_agg(action, ',' ORDER BY id) FROM audit_log WHERE actor = 'hn_rev' AND action LIKE 'document.%'
            AND action IN ('document.merge', 'document.split', 'document.boundary')")" \
   "document.merge,document.split,document.boundary,document.boundary,document.boundary,document.boundary" \
   "each change from the keyboard is audited with who made it"
is "$(sql "SELECT count(*) FROM audit_log WHERE action = 'document.reanalyzed' AND actor = 'system:worker'
            AND user_id = (SELECT id FROM users WHERE login = 'hn_rev')")" 7 \
   "each re-analysis is audited, naming the reviewer who asked for it"
is "$(sql "SELECT count(*) FROM jobs WHERE kind = 'reanalyze' AND state <> 'done'")" 0 "no re-analysis is left over"
if grep -q 'AddressSanitizer\|runtime error:' "$ANCONG_HOME/web.log" "$ANCONG_HOME/worker.log"; then
    not_ok "web and worker ran without sanitizer reports"
else ok "web and worker ran without sanitizer reports"; fi
t_finish
