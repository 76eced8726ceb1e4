#!/usr/bin/env bash
# The database's search key ancong_fold() agrees with common/str.h utf8_fold(),
# so a query folded in C finds text folded in SQL.
. "$(dirname "$0")/../lib.sh"
need psql
F=${ANCONG_BUILD_DIR:-$ANCONG_TOP/build}/tools/fold
[ -x "$F" ] || { not_ok "fold tool is built" "run make tests-build"; exit 1; }
t_home
t_db_start || exit 1
W=$ANCONG_HOME/w; mkdir -p "$W"
cat > "$W/lines" <<'TXT'
QUYẾT ĐỊNH KHỞI KIỆN VỤ ÁN DÂN SỰ
Về việc khắc phục ô nhiễm môi trường tại phường Tân Hòa
VIỆN KIỂM SÁT NHÂN DÂN TỈNH ĐẮK LẮK
Cộng hòa xã hội chủ nghĩa Việt Nam   Độc lập - Tự do - Hạnh phúc
Số: 07/KN-VKSKV3   Hà Nội, ngày 05 tháng 3 năm 2026
Ủy ban nhân dân phường Tân Hòa; Sở Y tế thành phố Cần Thơ
Người làm đơn: Nguyễn Thị Thu Hường, Trương Quốc Bảo, Lê Ngọc Ẩn
ỳ ỷ ỹ ỵ Ỳ Ỷ Ỹ Ỵ ữ ự ứ ừ ử ơ ờ ớ ợ ở ỡ ẳ ặ ắ ằ ẵ ậ ấ ầ ẩ ẫ ễ ệ ề ế ể
TXT
# Real page texts of the shared corpus too, when it is there.
if [ -d "$SHARED/corpus/dev" ]; then
    python3 -c '
import json, glob, sys
for p in sorted(glob.glob(sys.argv[1] + "/*.truth.json"))[:40]:
    for t in json.load(open(p)).get("page_text", []):
        for l in t.split("\n"):
            if l.strip(): print(l)
' "$SHARED/corpus/dev" >> "$W/lines" 2>/dev/null
fi
"$F" < "$W/lines" > "$W/c"
# Load the lines through psql's COPY (no quoting of our own), fold in SQL.
sql "CREATE TABLE fold_test (n serial, t text)" >/dev/null
"$ANCONG_BIN" db psql -q -c "\\copy fold_test (t) FROM '$W/lines' WITH (FORMAT text)" >/dev/null
sql "SELECT ancong_fold(t) FROM fold_test ORDER BY n" > "$W/s"
n=$(wc -l < "$W/lines")
is "$(wc -l < "$W/s")" "$n" "SQL folded all $n lines"
if diff "$W/c" "$W/s" > "$W/diff"; then ok "ancong_fold() equals utf8_fold() on $n lines of Vietnamese text"
else not_ok "ancong_fold() equals utf8_fold() on $n lines of Vietnamese text" "$(head -6 "$W/diff" | tr '\n' ' ')"; fi
is "$(sql "SELECT ancong_fold('QUYẾT ĐỊNH khởi kiện') = 'quyet dinh khoi kien'")" "t" "a query typed without diacritics matches"
sql "DROP TABLE fold_test" >/dev/null
t_finish
