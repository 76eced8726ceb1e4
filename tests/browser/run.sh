#!/usr/bin/env bash
# tests/browser/run.sh — the review web app in a real browser: Debian's headless
# Chromium driven by Playwright (playwright-core, never downloading a browser)
# against a real "ancong web" and the real embedded PostgreSQL, seeded with
# SQL and the CLI.  Prints "ok - ..." / "not ok - ..." lines; screenshots of the
# main screens go to $ANCONG_TEST_OUT/screenshots/.
set -u
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/seed.sh"
need node npm python3 curl sha256sum
[ -x /usr/bin/chromium ] || { not_ok "chromium is installed at /usr/bin/chromium" "run scripts/deps.sh --test"; exit 1; }

BDIR="$ANCONG_TOP/tests/browser"
if [ ! -d "$BDIR/node_modules/playwright-core" ]; then
    (cd "$BDIR" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund >"$ANCONG_TEST_OUT/browser-npm.log" 2>&1) ||
        { not_ok "npm ci installs playwright-core" "$(tail -5 "$ANCONG_TEST_OUT/browser-npm.log")"; exit 1; }
fi

t_home
t_db_start || exit 1
seed_units
check "ancong user add makes accounts (password from a file)" seed_users
# A password on argv is refused: there is no such option.
if "$ANCONG_BIN" user add x --unit ha_noi --role reviewer --password 'abcdefghijkl' >/dev/null 2>&1; then
    not_ok "user add refuses a password on the command line"
else ok "user add refuses a password on the command line"; fi
is "$(sql "SELECT count(*) FROM users WHERE password_hash LIKE '\$argon2id\$%'")" 6 "passwords are stored as Argon2id hashes"
printf 'short\n' >"$ANCONG_HOME/short"
if "$ANCONG_BIN" user passwd hn_rev --password-file "$ANCONG_HOME/short" >/dev/null 2>&1; then
    not_ok "a too-short password is refused"; else ok "a too-short password is refused"; fi

# Documents.  A: a kiến nghị with three wrong low-confidence fields, first in the
# queue (closest deadline).  B: regional unit under Hà Nội, for the conflict.
# C: Quảng Ninh (another province).  D: hostile OCR text and file name.
A=$(seed_doc "kien_nghi_0007.pdf" ha_noi hn01 "$(seed_blob 1)" kien_nghi 1 \
    "VIỆN KIỂM SÁT NHÂN DÂN THÀNH PHỐ HÀ NỘI
Số: 07/KN-VKS-DS
Hà Nội, ngày 05 tháng 3 năm 2026
KIẾN NGHỊ
Về việc khắc phục vi phạm trong lĩnh vực môi trường")
seed_field "$A" so_van_ban "O7/KN-VKS-D5" 0.41 100 170 450 200
seed_field "$A" ngay_ban_hanh "2026-03-06" 0.55 700 170 1140 200
seed_field "$A" co_quan_ban_hanh "VIỆN KIỂM SÁT NHÂN DÂN THÀNH PHỐ HÀ NỘI" 0.97 100 100 600 130
seed_field "$A" nguoi_ky "Nguyen Văn Ạn" 0.62 800 1600 1100 1630
seed_field "$A" trich_yeu "Về việc khắc phục vi phạm trong lĩnh vực môi trường" 0.95 100 300 1000 322
B=$(seed_doc "bien_ban_kv3.tif" ha_noi_kv3 kv3 "$(seed_blob 2)" bien_ban_xac_minh 3 "BIÊN BẢN XÁC MINH")
seed_field "$B" so_van_ban "12/BB-VKS" 0.50 100 170 450 200
C=$(seed_doc "qn_quyet_dinh.pdf" quang_ninh qn01 "$(seed_blob 3)" quyet_dinh_xac_minh 2 "VIỆN KIỂM SÁT NHÂN DÂN TỈNH QUẢNG NINH
Bí mật của tỉnh khác")
seed_field "$C" so_van_ban "03/QĐ-VKS" 0.40 100 170 450 200
D=$(seed_doc '<img src=x onerror="window.__pwned=1">.pdf' ha_noi hn01 "$(seed_blob 4)" khac 5 \
    "Trang có mã độc <script>window.__pwned=1</script> & \"trích dẫn\" 'đơn'")
seed_field "$D" trich_yeu '"><script>window.__pwned=1</script>' 0.30 100 300 1000 322
# E: a two-page image-only PDF stored turned 90 degrees clockwise (tests/tools/mkscan).
MKSCAN=${ANCONG_BUILD_DIR:-$ANCONG_TOP/build}/tools/mkscan
[ -x "$MKSCAN" ] || { not_ok "mkscan is built" "run make tests-build"; exit 1; }
"$MKSCAN" --dpi 100 --rotate 90 --pages 2 "$ANCONG_HOME/e.pdf" || { not_ok "mkscan makes a PDF"; exit 1; }
ESHA=$(sha256sum "$ANCONG_HOME/e.pdf" | cut -c1-64)
mkdir -p "$ANCONG_HOME/blobs/originals/${ESHA:0:2}/${ESHA:2:2}"
cp "$ANCONG_HOME/e.pdf" "$ANCONG_HOME/blobs/originals/${ESHA:0:2}/${ESHA:2:2}/$ESHA"
E=$(seed_doc "thong_bao_2_trang.pdf" ha_noi hn01 "$ESHA" thong_bao_tiep_nhan 9 "THÔNG BÁO trang 1")
sql "UPDATE pages SET rotation = 90, width_px = 827, height_px = 1169 WHERE document_id = $E;
     INSERT INTO pages (document_id, number, text, rotation, width_px, height_px)
     VALUES ($E, 2, 'THÔNG BÁO trang 2', 90, 827, 1169)" >/dev/null
for v in A B C D E; do
    [ -n "${!v}" ] || { not_ok "document $v is seeded"; exit 1; }
done
ok "documents seeded (A=$A B=$B C=$C D=$D E=$E)"

at_exit "cp '$ANCONG_HOME/web.log' '$ANCONG_TEST_OUT/browser-web.log'"   # runs after the server stops
t_web_start
if [ -n "$WEB_PID" ] && curl -fsS "$BASE/healthz" -o /dev/null; then ok "ancong web answers /healthz"
else not_ok "ancong web answers /healthz" "$(tail -5 "$ANCONG_HOME/web.log")"; exit 1; fi
is "$(curl -s "$BASE/healthz" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["status"], d["database"], d["needs_review"])')" \
   "ok ok 5" "/healthz reports the database and the review queue"
# A paused intake (the watcher's state file) makes the health check fail, with the reason.
mkdir -p "$ANCONG_HOME/run"
printf 'state=disk_full\nreason=only 12 MB free on /srv/ancong\npending=3\n' >"$ANCONG_HOME/run/watch.status"
is "$(curl -s -o "$ANCONG_HOME/h.json" -w '%{http_code}' "$BASE/healthz")" 503 "/healthz is 503 while intake is paused"
is "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["status"], d["intake"]["health"], d["intake"]["reason"])' "$ANCONG_HOME/h.json")" \
   "intake_paused disk_full only 12 MB free on /srv/ancong" "/healthz says why intake is paused"
rm -f "$ANCONG_HOME/run/watch.status"
is "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/api/documents/$A")" 401 "the API without a session is 401"
is "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/queue")" 303 "a page without a session redirects to the login"

# curl_login USER JAR [PASSWORD]: a session for USER in cookie jar JAR (the login form's
# double-submit token included); prints the HTTP status (303 = logged in).
curl_login() {
    local lt
    lt=$(curl -s -c "$2" -b "$2" "$BASE/login" | grep -o 'name="lcsrf" value="[0-9a-f]*"' | cut -d'"' -f4)
    curl -s -c "$2" -b "$2" -o /dev/null -w '%{http_code}' --data-urlencode "lcsrf=$lt" \
        --data-urlencode "username=$1" --data-urlencode "password=${3:-$T_PASS}" "$BASE/login"
}
is "$(curl_login tc_lead "$ANCONG_HOME/tc.jar")" 303 "the Supreme procuracy's leader logs in"
is "$(curl -s -b "$ANCONG_HOME/tc.jar" -o /dev/null -w '%{http_code}' "$BASE/api/documents/$C")" 200 \
    "the Supreme procuracy sees a province's document"
is "$(curl -s -b "$ANCONG_HOME/tc.jar" "$BASE/queue" | grep -o 'class="doc"' | wc -l)" 5 "the Supreme procuracy's queue lists every province"
# jpeg_size FILE: "WIDTHxHEIGHT" from the JPEG's SOF marker
jpeg_size() {
    python3 - "$1" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
i = 2
while i < len(d) and d[:2] == b"\xff\xd8":
    m, n = d[i + 1], struct.unpack(">H", d[i + 2:i + 4])[0]
    if m in (0xC0, 0xC1, 0xC2):
        h, w = struct.unpack(">HH", d[i + 5:i + 9]); print(f"{w}x{h}"); break
    i += 2 + n
PY
}
is "$(curl_login hn_rev "$ANCONG_HOME/hn.jar")" 303 "a Hà Nội reviewer logs in (curl)"
is "$(curl -s -b "$ANCONG_HOME/hn.jar" -o "$ANCONG_HOME/p2.jpg" -w '%{http_code} %{content_type}' "$BASE/documents/$E/pages/2.jpg?w=800")" \
   "200 image/jpeg" "page 2 of a PDF original is rendered by libvips"
sz=$(jpeg_size "$ANCONG_HOME/p2.jpg")
if [ "${sz%x*}" = 800 ] && [ "${sz#*x}" -gt 1100 ]; then ok "the turned page is shown upright at the width asked ($sz)"
else not_ok "the turned page is shown upright at the width asked" "got $sz, want 800 wide, portrait"; fi
is "$(curl -s -b "$ANCONG_HOME/hn.jar" -o /dev/null -w '%{http_code}' "$BASE/documents/$E/pages/3.jpg")" 404 \
   "a page past the end is 404"
is "$(curl_login qn_rev "$ANCONG_HOME/qn.jar")" 303 "a Quảng Ninh reviewer logs in"
is "$(curl -s -b "$ANCONG_HOME/qn.jar" -o /dev/null -w '%{http_code}' "$BASE/api/documents/$A")" 404 \
    "Quảng Ninh cannot read a Hà Nội document through the API"
is "$(curl -s -b "$ANCONG_HOME/qn.jar" -o /dev/null -w '%{http_code}' "$BASE/review/$B")" 404 \
    "Quảng Ninh cannot open a Hà Nội regional document"
is "$(curl -s -b "$ANCONG_HOME/qn.jar" "$BASE/queue" | grep -o 'class="doc"' | wc -l)" 1 "the Quảng Ninh queue lists only its own document"
is "$(curl -s -b "$ANCONG_HOME/qn.jar" -o /dev/null -w '%{http_code}' -X POST -H 'Origin: http://evil.example' \
      --data 'version=1' "$BASE/api/documents/$C/approve")" 403 "a change from another origin is refused"

kill -HUP "$WEB_PID"
if wait_for 20 grep -q 'msg=reloaded' "$ANCONG_HOME/web.log" && kill -0 "$WEB_PID" 2>/dev/null &&
   curl -fsS "$BASE/healthz" -o /dev/null; then
    ok "SIGHUP reloads the web settings and the server keeps running"
else not_ok "SIGHUP reloads the web settings and the server keeps running" "$(tail -3 "$ANCONG_HOME/web.log")"; fi

SHOTS="$ANCONG_TEST_OUT/screenshots"
mkdir -p "$SHOTS"
DOC_A=$A DOC_B=$B DOC_C=$C DOC_D=$D BASE=$BASE PASS=$T_PASS SHOTS=$SHOTS \
    node "$BDIR/review.test.js"
rc=$?
[ $rc -eq 0 ] || not_ok "browser script finished" "exit status $rc"

# What the browser did, as the database saw it.
is "$(sql "SELECT status FROM documents WHERE id = $A")" approved "document A is approved"
is "$(sql "SELECT count(*) FROM jobs WHERE document_id = $A AND kind = 'sign' AND state = 'ready'")" 1 \
    "approving queued a signing job"
is "$(sql "SELECT string_agg(name || ':' || old_value || '>' || new_value, ',' ORDER BY name)
            FROM field_revisions WHERE document_id = $A")" \
   "ngay_ban_hanh:2026-03-06>2026-03-05,nguoi_ky:Nguyen Văn Ạn>Nguyễn Văn An,so_van_ban:O7/KN-VKS-D5>07/KN-VKS-DS" \
   "each correction is a field revision with old and new values"
is "$(sql "SELECT count(DISTINCT user_id) FROM field_revisions WHERE document_id = $A")" 1 "revisions name the reviewer"
is "$(sql "SELECT count(*) FROM audit_log WHERE document_id = $A AND action = 'field.update'")" 3 \
    "each correction has an audit-log entry"
is "$(sql "SELECT count(*) FROM audit_log WHERE document_id = $A AND action = 'document.approve' AND actor = 'hn_rev'")" 1 \
    "the approval has an audit-log entry"
is "$(sql "SELECT value FROM fields WHERE document_id = $B AND name = 'so_van_ban'")" "12/BB-VKS-KV3" \
    "the conflicting second edit did not overwrite the first"
is "$(sql "SELECT value FROM fields WHERE document_id = $D AND name = 'trich_yeu'")" "x'); DROP TABLE fields; --" \
    "a field value with SQL in it is stored verbatim"
is "$(sql "SELECT status || ' ' || version FROM documents WHERE id = $C")" "needs_review 1" \
    "the other province's document is untouched"
is "$(sql "SELECT count(*) FROM audit_log WHERE document_id = $C")" 0 "nothing was logged against the other province's document"
is "$(sql "SELECT count(*) FROM web_sessions s JOIN users u ON u.id = s.user_id WHERE u.login = 'hn_rev2'")" 0 \
    "logging out ended the session"
# ancong user passwd (password on stdin, no terminal) and disable, against the live server.
printf 'mat-khau-moi-cua-qn\n' | "$ANCONG_BIN" user passwd qn_rev >/dev/null 2>&1
is "$(curl -s -b "$ANCONG_HOME/qn.jar" -o /dev/null -w '%{http_code}' "$BASE/api/documents/$C")" 401 \
    "a new password ends the user's open sessions"
is "$(curl_login qn_rev "$ANCONG_HOME/qn2.jar" mat-khau-moi-cua-qn)" 303 "the new password (read from stdin) logs in"
"$ANCONG_BIN" user disable qn_rev >/dev/null 2>&1
is "$(curl -s -b "$ANCONG_HOME/qn2.jar" -o /dev/null -w '%{http_code}' "$BASE/api/documents/$C")" 401 \
    "disabling a user ends their sessions"
is "$(curl_login qn_rev "$ANCONG_HOME/qn3.jar" mat-khau-moi-cua-qn)" 401 "a disabled user cannot log in"
is "$(sql "SELECT string_agg(action, ',' ORDER BY id) FROM audit_log WHERE actor = 'system:cli' AND details->>'login' = 'qn_rev'")" \
   "user.add,user.passwd,user.disable" "account changes from the command line are audited"
if grep -q "$T_PASS\|mat-khau-moi-cua-qn" "$ANCONG_HOME/web.log"; then not_ok "the password never reaches the log"
else ok "the password never reaches the log"; fi
ls "$SHOTS"/*.png >/dev/null 2>&1 && ok "screenshots saved in $SHOTS"
# Under the sanitizer build (ANCONG_BIN=build-asan/bin/ancong) this catches memory errors.
if grep -q 'AddressSanitizer\|runtime error:' "$ANCONG_HOME/web.log"; then
    not_ok "the web server ran without sanitizer reports" "$(grep -m1 'AddressSanitizer\|runtime error:' "$ANCONG_HOME/web.log")"
else ok "the web server ran without sanitizer reports"; fi
t_finish
