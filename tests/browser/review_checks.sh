#!/usr/bin/env bash
# tests/browser/review_checks.sh — what a reviewer sees and may store, against a real
# "ancong web" and the embedded PostgreSQL:
#   1. the queue table: every cell under its heading (the HTML table parsed, each
#      cell compared with the document's value for that heading);
#   2. field corrections: Vietnamese date forms stored as ISO, impossible or
#      unreadable dates and values outside the province/area lists refused with
#      400 and nothing stored; a COMMIT that fails is never answered "ok";
#   3. why a document is queued when no field is unsure: the queue's last column
#      and the review screen's box (the warnings as written, an unsure type).
# Then review_checks.test.js in Debian's headless Chromium: a refused date shown to
# the reviewer, approving refused until it is fixed, the warnings box.
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

# Q: one unsure field, in a case, a deadline in 3 days.  Every column differs.
Q=$(seed_doc "kien_nghi_q.pdf" ha_noi hn01 "$(seed_blob 11)" kien_nghi 3 "KIẾN NGHỊ")
seed_field "$Q" so_van_ban "O7/KN-VKS" 0.41 100 170 450 200
# F: the document whose fields are corrected; in a case, so the case index is
# recomputed from its date at COMMIT (the path that answered ok for 2026-02-30).
F=$(seed_doc "quyet_dinh_f.pdf" ha_noi hn01 "$(seed_blob 12)" quyet_dinh_xac_minh 5 "QUYẾT ĐỊNH")
seed_field "$F" ngay_ban_hanh "2026-03-06" 0.55 700 170 1140 200
seed_field "$F" tinh "ha_noi" 0.60 100 100 300 130
seed_field "$F" linh_vuc "dat_dai" 0.60 100 100 300 130
seed_field "$F" so_van_ban "05/QĐ-VKS" 0.99 100 170 450 200
# seed_common DOC [SKIP...]: the fields a biên bản tiếp nhận carries, all confident
seed_common() {
    local d=$1 f v; shift
    for f in so_van_ban:09/BB-VKS ngay_ban_hanh:2026-03-02 "co_quan_ban_hanh:VIỆN KIỂM SÁT NHÂN DÂN THÀNH PHỐ HÀ NỘI" \
             tinh:ha_noi "nguoi_ky:Nguyễn Văn An" "chuc_vu_nguoi_ky:KIỂM SÁT VIÊN" "trich_yeu:Về việc tiếp nhận" \
             linh_vuc:moi_truong; do
        case " $* " in *" ${f%%:*} "*) continue ;; esac
        seed_field "$d" "${f%%:*}" "${f#*:}" 0.97 100 170 450 200
    done
}
# W: no unsure field, every field of its type, a confident type, two warnings from the readers.
W=$(seed_doc "hong.pdf" ha_noi hn01 "$(seed_blob 13)" bien_ban_tiep_nhan 7 "BIÊN BẢN")
seed_common "$W"
# M: no unsure field, but two fields of its type were not found.
M=$(seed_doc "thieu.pdf" ha_noi hn01 "$(seed_blob 15)" bien_ban_tiep_nhan 8 "BIÊN BẢN")
seed_common "$M" nguoi_ky linh_vuc
# T: no unsure field, an unsure type.
T=$(seed_doc "trang_trang.pdf" ha_noi hn01 "$(seed_blob 14)" khac 9 "")
# a document the pipeline indexed on its own: the reviewer reopens it (Alt+O)
I=$(seed_doc "da_lap_chi_muc.pdf" ha_noi hn01 "$(seed_blob 16)" kien_nghi 10 "KIẾN NGHỊ")
sql "UPDATE documents SET status = 'indexed' WHERE id = $I" >/dev/null
for v in Q F W T M I; do [ -n "${!v}" ] || { not_ok "document $v is seeded"; exit 1; }; done
W1='damaged PDF: the cross-reference table was rebuilt <b>(compare with the paper)</b>'
W2='page 2: image data cut off after 1200 of 1754 rows'
sql "INSERT INTO cases (unit_id, code) SELECT id, 'HN-77/2026' FROM units WHERE code = 'ha_noi';
     UPDATE documents SET case_id = (SELECT id FROM cases WHERE code = 'HN-77/2026') WHERE id IN ($Q, $F);
     UPDATE documents SET result = jsonb_build_object('warnings', jsonb_build_array(\$w\$$W1\$w\$, \$w\$$W2\$w\$))
      WHERE id = $W;
     UPDATE documents SET doc_type_confidence = 0.31 WHERE id = $T;
     UPDATE documents SET received_at = '2026-11-02 09:15+07', review_due_at = '2026-12-20 17:00+07' WHERE id = $Q" >/dev/null
# A deferred check that fails at COMMIT for one value, standing for any deferred
# trigger (the case index's) that fails: the answer must not be "ok".
sql "CREATE FUNCTION t_fail_at_commit() RETURNS trigger LANGUAGE plpgsql AS \$\$
     BEGIN IF NEW.value = 'HỎNG-KHI-COMMIT' THEN RAISE EXCEPTION 'refused at commit'; END IF; RETURN NULL; END \$\$;
     CREATE CONSTRAINT TRIGGER t_fail_at_commit AFTER INSERT OR UPDATE ON fields
       DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION t_fail_at_commit();" >/dev/null
ok "documents seeded (Q=$Q F=$F W=$W T=$T M=$M)"

at_exit "cp '$ANCONG_HOME/web.log' '$ANCONG_TEST_OUT/browser-review-checks-web.log'"
t_web_start

JAR=$ANCONG_HOME/hn.jar
lt=$(curl -s -c "$JAR" -b "$JAR" "$BASE/login" | grep -o 'name="lcsrf" value="[0-9a-f]*"' | cut -d'"' -f4)
is "$(curl -s -c "$JAR" -b "$JAR" -o /dev/null -w '%{http_code}' --data-urlencode "lcsrf=$lt" \
      --data-urlencode username=hn_rev --data-urlencode "password=$T_PASS" "$BASE/login")" 303 "a Hà Nội reviewer logs in"
CSRF=$(curl -s -b "$JAR" "$BASE/queue" | grep -o 'name="csrf-token" content="[0-9a-f]*"' | cut -d'"' -f4)
[ -n "$CSRF" ] || not_ok "the page carries the CSRF token"

# ---- 1. the queue table: each cell under its heading ------------------------------
curl -s -b "$JAR" "$BASE/queue" >"$ANCONG_HOME/queue.html"
# queue_cells ID: "heading=cell" lines of the row of document ID, by column position
queue_cells() {
    python3 - "$ANCONG_HOME/queue.html" "$1" <<'PY'
import sys
from html.parser import HTMLParser
class T(HTMLParser):
    def __init__(self):
        super().__init__(); self.heads = []; self.rows = {}; self.cell = None; self.row = None; self.in_table = False
    def handle_starttag(self, tag, a):
        a = dict(a)
        if tag == 'table' and a.get('id') == 'queue-table': self.in_table = True
        if not self.in_table: return
        if tag == 'tr' and 'data-id' in a: self.row = self.rows.setdefault(a['data-id'], [])
        if tag in ('th', 'td'): self.cell = ''
    def handle_endtag(self, tag):
        if not self.in_table: return
        if tag == 'th': self.heads.append(self.cell.strip()); self.cell = None
        if tag == 'td' and self.row is not None: self.row.append(self.cell.strip()); self.cell = None
        if tag == 'tr': self.row = None
        if tag == 'table': self.in_table = False
    def handle_data(self, d):
        if self.cell is not None: self.cell += d
t = T(); t.feed(open(sys.argv[1], encoding='utf-8').read())
row = t.rows.get(sys.argv[2], [])
if len(row) != len(t.heads): print(f'{len(t.heads)} headings, {len(row)} cells')
for h, c in zip(t.heads, row): print(f'{h}={c}')
PY
}
queue_cells "$Q" >"$ANCONG_HOME/q.cells"
UNIT=$(sql "SELECT name FROM units WHERE code = 'ha_noi'")
want="#=$Q
Tệp=kien_nghi_q.pdf
Loại văn bản=Kiến nghị
Trạm quét=hn01
Vụ việc=HN-77/2026
Đơn vị=$UNIT
Nhận lúc=$(sql "SELECT to_char(received_at, 'DD/MM/YYYY HH24:MI') FROM documents WHERE id = $Q")
Hạn=$(sql "SELECT to_char(review_due_at, 'DD/MM/YYYY') FROM documents WHERE id = $Q")
Trường cần xem=1"
if [ "$(cat "$ANCONG_HOME/q.cells")" = "$want" ]; then ok "every cell of a queue row is under its heading"
else not_ok "every cell of a queue row is under its heading" \
    "$(diff <(echo "$want") "$ANCONG_HOME/q.cells" | grep '^[<>]' | tr '\n' ' ')"; fi

# ---- 3. why a document is queued when no field is unsure --------------------------
is "$(queue_cells "$W" | grep '^Trường cần xem=')" "Trường cần xem=Cảnh báo: 2" \
   "the queue says a document without unsure fields is there for its 2 warnings"
is "$(queue_cells "$T" | grep '^Trường cần xem=')" "Trường cần xem=Loại văn bản chưa chắc" \
   "the queue says a document without unsure fields is there for its unsure type"
is "$(queue_cells "$M" | grep '^Trường cần xem=')" "Trường cần xem=Thiếu: Người ký, Lĩnh vực" \
   "the queue says a document without unsure fields is there for the fields of its type not found"
api() { curl -s -b "$JAR" "$BASE/api/documents/$1" | python3 -c "import json,sys; d=json.load(sys.stdin); print($2)"; }
is "$(api "$W" "'|'.join(d['warnings'])")" "$W1|$W2" "the document JSON carries the warnings as the readers wrote them"
is "$(api "$Q" "d['warnings']")" "[]" "and an empty list when there are none"
is "$(api "$F" "[f['choices'][0]['id'] for f in d['fields'] if f['name'] == 'tinh'][0]")" "ha_noi" \
   "the document JSON lists the province ids the server takes"

# ---- 2. field corrections ----------------------------------------------------------
# put NAME VALUE: POST the correction with the current version; prints "STATUS BODY"
put() {
    local v; v=$(api "$F" "d['version']")
    curl -s -b "$JAR" -H "X-CSRF-Token: $CSRF" -H "Origin: $BASE" -o "$ANCONG_HOME/put.json" -w '%{http_code}' \
        --data-urlencode "version=$v" --data-urlencode "name=$1" --data-urlencode "value=$2" \
        "$BASE/api/documents/$F/fields"
    printf ' %s' "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d.get("message", "ok" if d.get("ok") else d))' "$ANCONG_HOME/put.json")"
}
val() { sql "SELECT value FROM fields WHERE document_id = $F AND name = '$1'"; }
state() { sql "SELECT version || '/' || (SELECT count(*) FROM field_revisions WHERE document_id = $F) FROM documents WHERE id = $F"; }

for bad in "30/02/2026" "2026-02-30" "hôm qua" "31/04/2026" "28/04/26"; do
    before=$(state)
    out=$(put ngay_ban_hanh "$bad")
    case "$out" in
        "400 Ngày không hợp lệ: «$bad»"*"28/04/2026"*) ok "the date \"$bad\" is refused with 400 naming the form to type" ;;
        *) not_ok "the date \"$bad\" is refused with 400 naming the form to type" "$out" ;;
    esac
    is "$(val ngay_ban_hanh) $(state)" "2026-03-06 $before" "and nothing is stored (value, version, revisions)"
done
for good in "28/04/2026|2026-04-28" "5/3/2026|2026-03-05" "12-01-2026|2026-01-12" \
            "ngày 05 tháng 3 năm 2026|2026-03-05" "2026-02-28|2026-02-28"; do
    before=$(state)
    is "$(put ngay_ban_hanh "${good%|*}")" "200 ok" "the date \"${good%|*}\" is accepted"
    is "$(val ngay_ban_hanh)" "${good#*|}" "and stored as ${good#*|}"
    [ "$(state)" != "$before" ] || not_ok "and the version moved" "$before"
done
is "$(put tinh "Quảng Ninh")" "200 ok" "a province given by its Vietnamese name is accepted"
is "$(val tinh)" "quang_ninh" "and stored as its id"
before=$(state)
out=$(put tinh "Hải Phòng")
case "$out" in
    "400 Tỉnh/thành phố không hợp lệ: «Hải Phòng»"*"ha_noi (Hà Nội)"*"dak_lak (Đắk Lắk)"*) ok "a province outside the list is refused with the list" ;;
    *) not_ok "a province outside the list is refused with the list" "$out" ;;
esac
is "$(val tinh) $(state)" "quang_ninh $before" "and nothing is stored"
out=$(put linh_vuc "giao_thong")
case "$out" in
    "400 Lĩnh vực không hợp lệ"*"moi_truong (Môi trường)"*) ok "an area outside the list is refused with the list" ;;
    *) not_ok "an area outside the list is refused with the list" "$out" ;;
esac
is "$(put linh_vuc "moi_truong")" "200 ok" "an area id is accepted"
is "$(put linh_vuc "")" "200 ok" "an area can be cleared"
before=$(state)
out=$(put so_van_ban "HỎNG-KHI-COMMIT")
case "$out" in
    "500 "*"CHƯA được lưu"*) ok "a change whose COMMIT fails is answered 500 saying it was not saved" ;;
    *) not_ok "a change whose COMMIT fails is answered 500 saying it was not saved" "$out" ;;
esac
is "$(val so_van_ban) $(state)" "05/QĐ-VKS $before" "and nothing is stored"
sql "DROP TRIGGER t_fail_at_commit ON fields" >/dev/null

# ---- the screen, in Chromium ------------------------------------------------------
SHOTS="$ANCONG_TEST_OUT/screenshots"
mkdir -p "$SHOTS"
BASE=$BASE PASS=$T_PASS SHOTS=$SHOTS DOC_F=$F DOC_W=$W DOC_T=$T DOC_M=$M DOC_I=$I W1=$W1 W2=$W2 node "$BDIR/review_checks.test.js"
rc=$?
[ $rc -eq 0 ] || not_ok "browser script finished" "exit status $rc"
is "$(val ngay_ban_hanh)" "2026-04-29" "the date typed in the browser after the refusal is stored as ISO"
is "$(sql "SELECT status FROM documents WHERE id = $F")" "approved" "and the document was approved once it was fixed"
is "$(sql "SELECT count(*) FROM field_revisions WHERE document_id = $F AND new_value = '31/02/2026'")" 0 \
   "the refused date never reached the revisions"
if grep -q 'AddressSanitizer\|runtime error:' "$ANCONG_HOME/web.log"; then
    not_ok "the web server ran without sanitizer reports"
else ok "the web server ran without sanitizer reports"; fi
t_finish
