# tests/browser/seed.sh — sourced by run.sh (and bench/web.sh): units, stations,
# users (through "ancong user add"), originals in the blob store and documents
# in needs_review, made with SQL and the CLI against the real database.
#
#   seed_blob SEED         -> prints the sha256 of a generated page stored as an original
#   seed_users             hn_rev, hn_rev2 (Hà Nội), qn_rev (Quảng Ninh), hn_op (operator),
#                          hn_lock (throttling), tc_lead (Supreme), all with password $T_PASS
#   seed_docs              documents A..E below; prints nothing

T_PASS='mat-khau-thu-nghiem-2026'

seed_blob() {
    local seed=$1 f sha dir
    f="$ANCONG_HOME/page-$seed.pgm"
    python3 "$ANCONG_TOP/tests/browser/mkpage.py" "$f" "$seed"
    sha=$(sha256sum "$f" | cut -c1-64)
    dir="$ANCONG_HOME/blobs/originals/${sha:0:2}/${sha:2:2}"
    mkdir -p "$dir" && cp "$f" "$dir/$sha"
    echo "$sha"
}

seed_units() {
    sql "INSERT INTO units (code, name, level, parent_id, province)
         SELECT 'ha_noi_kv3', 'Viện kiểm sát nhân dân khu vực 3 - Hà Nội', 'regional', id, 'ha_noi'
           FROM units WHERE code = 'ha_noi' ON CONFLICT (code) DO NOTHING;
         INSERT INTO stations (code, name, unit_id)
         SELECT 'hn01', 'Trạm quét Hà Nội 1', id FROM units WHERE code = 'ha_noi' ON CONFLICT (code) DO NOTHING;
         INSERT INTO stations (code, name, unit_id)
         SELECT 'kv3', 'Trạm quét khu vực 3', id FROM units WHERE code = 'ha_noi_kv3' ON CONFLICT (code) DO NOTHING;
         INSERT INTO stations (code, name, unit_id)
         SELECT 'qn01', 'Trạm quét Quảng Ninh', id FROM units WHERE code = 'quang_ninh' ON CONFLICT (code) DO NOTHING;"
}

seed_users() {
    local pf="$ANCONG_HOME/pw"
    printf '%s\n' "$T_PASS" >"$pf"
    "$ANCONG_BIN" user add hn_rev  --unit ha_noi     --role reviewer --full-name 'Nguyễn Thị Duyệt' --password-file "$pf" &&
    "$ANCONG_BIN" user add hn_rev2 --unit ha_noi     --role specialist --full-name 'Trần Văn Hai' --password-file "$pf" &&
    "$ANCONG_BIN" user add qn_rev  --unit quang_ninh --role reviewer --full-name 'Lê Văn Quảng' --password-file "$pf" &&
    "$ANCONG_BIN" user add hn_op   --unit ha_noi     --role operator --full-name 'Phạm Vận Hành' --password-file "$pf" &&
    "$ANCONG_BIN" user add hn_lock --unit ha_noi     --role reviewer --full-name 'Khóa Thử' --password-file "$pf" &&
    "$ANCONG_BIN" user add tc_lead --unit vkstc      --role leader --full-name 'Lãnh Đạo Tối Cao' --password-file "$pf"
}

# seed_doc NAME UNIT STATION SHA TYPE DUE_DAYS PAGE_TEXT  -> prints the id
seed_doc() {
    "$ANCONG_BIN" db psql -qAt -v ON_ERROR_STOP=1 \
        -v name="$1" -v unit="$2" -v station="$3" -v sha="$4" -v type="$5" -v due="$6" -v text="$7" <<'SQL'
WITH d AS (
  INSERT INTO documents (sha256, name, station_id, unit_id, status, doc_type, doc_type_confidence, npages,
                         review_due_at, received_at)
  SELECT :'sha', :'name', s.id, u.id, 'needs_review', :'type', 0.93, 1,
         now() + make_interval(days => :'due'::int), now() - interval '2 hours'
    FROM units u LEFT JOIN stations s ON s.code = :'station' WHERE u.code = :'unit'
  RETURNING id),
p AS (
  INSERT INTO pages (document_id, number, text, width_px, height_px, dpi, source, ocr_confidence)
  SELECT id, 1, :'text', 1240, 1754, 150, 'ocr', 0.81 FROM d)
SELECT id FROM d;
SQL
}

# seed_field DOC NAME VALUE CONF X0 Y0 X1 Y1
seed_field() {
    sql "INSERT INTO fields (document_id, name, value, confidence, page, bbox)
         VALUES ($1, '$2', \$v\$$3\$v\$, $4, 1, ARRAY[$5, $6, $7, $8])"
}
