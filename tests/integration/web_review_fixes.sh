#!/usr/bin/env bash
# The review web app over HTTP (session, CSRF), real "ancong web" and the real
# embedded PostgreSQL:
#  - page images of turned scans (rotation 90/180/270) render upright for PNG,
#    multi-page G4 TIFF, JPEG and PDF (the PNG and TIFF loaders read
#    sequentially: turning their thumbnail used to fail, "out of order read");
#  - a file split into parts (a bundle) is not in the queue beside its parts,
#    is not counted, is never "next", and cannot be approved (409);
#  - correcting "Mã vụ việc" moves the document to that case (created in its
#    unit when new), audited; clearing it unlinks the document.
. "$(dirname "$0")/../lib.sh"
. "$ANCONG_TOP/tests/browser/seed.sh"
need curl python3 sha256sum tiffcp
t_home
t_db_start || exit 1
W=$ANCONG_HOME/work; mkdir -p "$W"
seed_units
check "reviewer accounts are made" seed_users >/dev/null

# store FILE: the original in the blob store; prints its sha256
store() {
    local sha dir
    sha=$(sha256sum "$1" | cut -c1-64)
    dir="$ANCONG_HOME/blobs/originals/${sha:0:2}/${sha:2:2}"
    mkdir -p "$dir" && cp "$1" "$dir/$sha"
    echo "$sha"
}
# doc NAME SHA NPAGES: a document in needs_review in Hà Nội; prints its id
doc() {
    sql "WITH d AS (INSERT INTO documents (sha256, name, station_id, unit_id, status, doc_type, npages)
           SELECT '$2', '$1', s.id, s.unit_id, 'needs_review', 'kien_nghi', $3 FROM stations s WHERE s.code = 'hn01'
           RETURNING id),
         p AS (INSERT INTO pages (document_id, number, text) SELECT d.id, n, 'trang ' || n FROM d, generate_series(1, $3) n)
         SELECT id FROM d" | head -1
}

# ---- the web app -------------------------------------------------------------
t_web_start
at_exit "cp '$ANCONG_HOME/web.log' '$ANCONG_TEST_OUT/web_review_fixes-web.log'"
JAR=$ANCONG_HOME/jar
lt=$(curl -s -c "$JAR" -b "$JAR" "$BASE/login" | grep -o 'name="lcsrf" value="[0-9a-f]*"' | cut -d'"' -f4)
is "$(curl -s -c "$JAR" -b "$JAR" -o /dev/null -w '%{http_code}' --data-urlencode "lcsrf=$lt" \
      --data-urlencode "username=hn_rev" --data-urlencode "password=$T_PASS" "$BASE/login")" 303 "the reviewer logs in"

# ---- 1. page images of turned scans ---------------------------------------------
# jpeg_size FILE: "WxH" from the JPEG's frame header
jpeg_size() {
    python3 - "$1" <<'PY'
import struct, sys
b = open(sys.argv[1], 'rb').read()
i = 2
while i + 4 <= len(b) and b[0:2] == b'\xff\xd8':
    m = b[i + 1]; n = struct.unpack('>H', b[i + 2:i + 4])[0]
    if m in (0xc0, 0xc1, 0xc2):
        h, w = struct.unpack('>HH', b[i + 5:i + 9]); print(f"{w}x{h}"); break
    i += 2 + n
else:
    print("not-a-jpeg")
PY
}
tiffcp "$ANCONG_TOP/samples/bien_ban_tiep_nhan_02.tif" "$ANCONG_TOP/samples/bien_ban_tiep_nhan_02.tif" "$W/two.tif" ||
    not_ok "a two-page G4 TIFF is made"
# file  pages  page-to-turn  portrait-when-upright(0)
while read -r f npages pg portrait; do
    SHA=$(store "$f")
    ID=$(doc "$(basename "$f")" "$SHA" "$npages")
    for rot in 0 90 180 270; do
        sql "UPDATE pages SET rotation = $rot WHERE document_id = $ID AND number = $pg" >/dev/null
        code=$(curl -s -b "$JAR" -o "$W/p-$ID-$rot.jpg" -w '%{http_code}' "$BASE/documents/$ID/pages/$pg.jpg?w=600")
        size=$(jpeg_size "$W/p-$ID-$rot.jpg")
        w=${size%x*}; h=${size#*x}
        if [ "$rot" = 90 ] || [ "$rot" = 270 ]; then want=$((1 - portrait)); else want=$portrait; fi
        got=$([ "${h:-0}" -gt "${w:-0}" ] 2>/dev/null && echo 1 || echo 0)
        if [ "$code" = 200 ] && [ "$w" = 600 ] && [ "$got" = "$want" ]; then
            ok "$(basename "$f") page $pg turned $rot: 200, 600 wide, $([ "$want" = 1 ] && echo portrait || echo landscape)"
        else
            not_ok "$(basename "$f") page $pg turned $rot: 200, 600 wide, $([ "$want" = 1 ] && echo portrait || echo landscape)" \
                   "HTTP $code, $size; $(grep 'render failed' "$ANCONG_HOME/web.log" | tail -1)"
        fi
    done
    if cmp -s "$W/p-$ID-90.jpg" "$W/p-$ID-270.jpg"; then not_ok "$(basename "$f"): turned 90 and 270 differ"
    else ok "$(basename "$f"): turned 90 and 270 differ"; fi
done <<EOF
$ANCONG_TOP/samples/thong_bao_thu_ly_15.png 1 1 0
$W/two.tif 2 2 1
$ANCONG_TOP/samples/kien_nghi_11.jpg 1 1 1
$ANCONG_TOP/samples/quyet_dinh_phan_cong_07.pdf 1 1 1
EOF
if grep -q 'out of order' "$ANCONG_HOME/web.log"; then not_ok "no out-of-order read in the log"
else ok "no out-of-order read in the log"; fi
sql "UPDATE documents SET status = 'indexed' WHERE status = 'needs_review'" >/dev/null   # out of the queue

# ---- 2. a bundle is reviewed part by part ----------------------------------------
FILE=$(doc ho_so_30.pdf "$(printf 'c%.0s' {1..64})" 3)
for r in "1 2 bao_cao_de_xuat" "3 3 kien_nghi"; do
    set -- $r
    sql "INSERT INTO documents (parent_id, sha256, name, station_id, unit_id, status, doc_type, first_page, last_page, npages)
         SELECT id, sha256, name, station_id, unit_id, 'needs_review', '$3', $1, $2, $2 - $1 + 1 FROM documents WHERE id = $FILE" >/dev/null
done
sql "UPDATE documents SET doc_type = 'bao_cao_de_xuat' WHERE id = $FILE" >/dev/null
P1=$(sql "SELECT id FROM documents WHERE parent_id = $FILE AND first_page = 1")
P2=$(sql "SELECT id FROM documents WHERE parent_id = $FILE AND first_page = 3")
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
queue_ids() { curl -s -b "$JAR" "$BASE/queue" | grep -o '<tr data-id="[0-9]*"' | grep -o '[0-9]*' | sort -n | tr '\n' ' '; }
is "$(queue_ids)" "$P1 $P2 " "the queue lists the parts, not the whole file"
case "$(curl -s -b "$JAR" "$BASE/queue")" in
    *'id="queue-count">2 tài liệu'*) ok "the queue counts the parts only (2)" ;;
    *) not_ok "the queue counts the parts only (2)" "$(curl -s -b "$JAR" "$BASE/queue" | grep -o 'queue-count">[^<]*')" ;;
esac
is "$(curl -s -o /dev/null -w '%{redirect_url}' -b "$JAR" "$BASE/review/next?after=$P1")" "$BASE/review/$P2" \
   "next after the first part is the second part"
is "$(curl -s -o /dev/null -w '%{redirect_url}' -b "$JAR" "$BASE/review/next")" "$BASE/review/$P1" \
   "the first of the queue is the first part, not the whole file (received before it)"
is "$(post "$FILE" fields name=so_van_ban value=1/BC)" 409 "a field of the whole file is not changed (409): its parts' are"
is "$(post "$FILE" approve)" 409 "approving the whole file is refused (409)"
is "$(python3 -c 'import json; print(json.load(open("'"$W/out.json"'"))["message"])')" \
   "$(printf 'Tệp gồm nhiều văn bản: duyệt từng phần (mở từng phần trong danh sách các phần của tệp).')" \
   "with a message saying to approve part by part"
is "$(sql "SELECT status FROM documents WHERE id = $FILE")" needs_review "the whole file is not approved"
is "$(api "$FILE" 'd["editable"], [p["id"] for p in d["bundle_parts"]] == ['"$P1, $P2"']')" "False True" \
   "its review screen lists its parts and is not editable"
case "$(curl -s -b "$JAR" "$BASE/review/$FILE")" in
    *'id="bundle-parts"'*) ok "the review screen has the list of parts" ;;
    *) not_ok "the review screen has the list of parts" ;;
esac
is "$(post "$P1" approve)" 200 "the first part is approved"
is "$(post "$P2" approve)" 200 "and the second"
is "$(sql "SELECT count(*) FROM jobs WHERE kind = 'sign' AND document_id IN ($FILE, $P1, $P2)")" 2 \
   "two signing jobs, one for each part, none for the whole file"
is "$(queue_ids)" "" "the queue is empty"
# a whole file split in the web app becomes a bundle: it leaves the queue
ONE=$(doc hai_van_ban.pdf "$(printf 'd%.0s' {1..64})" 2)
is "$(post "$ONE" split page=2)" 200 "a whole file is split at page 2"
is "$(queue_ids)" "$(sql "SELECT string_agg(id::text, ' ' ORDER BY id) FROM documents WHERE parent_id = $ONE") " \
   "the queue shows its two parts, not the file"
sql "DELETE FROM jobs WHERE kind = 'reanalyze'" >/dev/null
is "$(post "$ONE" approve)" 409 "and the file as a whole cannot be approved"

# ---- 4. "Mã vụ việc" names the case ------------------------------------------------
C=$(doc kien_nghi_40.pdf "$(printf 'e%.0s' {1..64})" 1)
is "$(post "$C" case case_code=10/2026/DSCI)" 200 "the document is attached to case 10/2026/DSCI (Alt+V)"
case_of() { sql "SELECT coalesce(c.code, '-') || '@' || coalesce(u.code, '-') FROM documents d
                   LEFT JOIN cases c ON c.id = d.case_id LEFT JOIN units u ON u.id = c.unit_id WHERE d.id = $1"; }
is "$(case_of "$C")" "10/2026/DSCI@ha_noi" "it is in that case"
is "$(post "$C" fields name=ma_vu_viec value=22/2026/HC)" 200 "the reviewer corrects Mã vụ việc to 22/2026/HC"
is "$(case_of "$C")" "22/2026/HC@ha_noi" "the document moves to case 22/2026/HC of its unit (created)"
is "$(api "$C" 'd["case"]')" "22/2026/HC" "the Vụ việc box shows the new case"
is "$(sql "SELECT count(*) FROM audit_log WHERE action = 'document.case' AND document_id = $C AND actor = 'hn_rev'
            AND details->>'old' = '10/2026/DSCI' AND details->>'new' = '22/2026/HC'")" 1 "the move is audited"
is "$(post "$C" fields name=ma_vu_viec value=10/2026/DSCI)" 200 "corrected back to 10/2026/DSCI"
is "$(case_of "$C")" "10/2026/DSCI@ha_noi" "it is back in the existing case"
is "$(sql "SELECT count(*) FROM cases WHERE code = '10/2026/DSCI'")" 1 "no second case of that code"
is "$(post "$C" fields name=ma_vu_viec value=)" 200 "the reviewer clears Mã vụ việc"
is "$(case_of "$C")" "-@-" "the document is in no case"
is "$(sql "SELECT count(*) FROM audit_log WHERE action = 'document.case' AND document_id = $C
            AND details->>'old' = '10/2026/DSCI' AND details->>'new' = ''")" 1 "the unlinking is audited"
is "$(post "$C" fields name=so_van_ban value=5/KN)" 200 "another field is saved"
is "$(case_of "$C")" "-@-" "and the case link is left alone"

kill -TERM "$WEB_PID"; wait "$WEB_PID"
if grep -q 'Sanitizer\|runtime error:' "$ANCONG_HOME/web.log"; then
    not_ok "web ran without sanitizer reports" "$(grep -m1 'Sanitizer\|runtime error:' "$ANCONG_HOME/web.log")"
else ok "web ran without sanitizer reports"; fi
t_finish
