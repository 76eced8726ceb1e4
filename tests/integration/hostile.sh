#!/usr/bin/env bash
# Hostile input (issue 7): files that are empty, truncated, encrypted, not
# what their name says, decompression bombs, text with NUL bytes or UTF-16,
# a PDF whose page tree loops.  Each ends right through `ancong process` AND
# through the watched folder of a running `ancong serve` (the same outcome
# both ways), and serve is still running afterwards.  When ../shared is
# there, the real hostile set (../shared/realdata/hostile) goes through
# `ancong process` too, against what PROVENANCE.tsv expects.
. "$(dirname "$0")/../lib.sh"
need python3 qpdf
MKSCAN=${ANCONG_BUILD_DIR:-$ANCONG_TOP/build}/tools/mkscan
[ -x "$MKSCAN" ] || { not_ok "mkscan is built" "run make tests-build"; exit 1; }
t_home
# fontconfig keeps caches for the life of the process: not our leak.
mkscan() { ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 "$MKSCAN" "$@"; }
H=$ANCONG_HOME/hostile
mkdir -p "$H"

# --- the files ---------------------------------------------------------------
mkscan --dpi 150 "$ANCONG_HOME/scan.pdf" || not_ok "mkscan makes a PDF"
mkscan --dpi 150 --pages 2 --bilevel "$H/good_g4.tif" || not_ok "mkscan makes a G4 TIFF"
mkscan --dpi 150 "$ANCONG_HOME/scan.jpg" || not_ok "mkscan makes a JPEG"
: >"$H/zero_length.pdf"
size=$(stat -c %s "$ANCONG_HOME/scan.pdf")
head -c $((size / 2)) "$ANCONG_HOME/scan.pdf" >"$H/truncated.pdf"
cp "$ANCONG_HOME/scan.jpg" "$H/jpeg_named_as.pdf"
qpdf --warning-exit-0 --encrypt secret owner 256 -- "$ANCONG_HOME/scan.pdf" "$H/encrypted.pdf" || not_ok "qpdf encrypts a PDF"
printf 'Biên bản\x00\x00 with NUL bytes\x00\n' >"$H/nul_bytes.pdf"
printf '\xff\xfeB\x00i\x00\xea\x00n\x00 \x00b\x00\xe3\x00n\x00\n\x00' >"$H/utf16.tif"
python3 - "$H" <<'EOF'
import struct, sys, zlib
h = sys.argv[1]
def chunk(t, d):
    c = struct.pack(">I", len(d)) + t + d
    return c + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
# A PNG that says 100000 x 100000 pixels (10 gigapixels) in a few bytes.
ihdr = struct.pack(">IIBBBBB", 100000, 100000, 8, 0, 0, 0, 0)
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 1000)) + chunk(b"IEND", b"")
open(f"{h}/bomb.png", "wb").write(png)
# A PDF whose page tree contains itself.
objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"]
out = b"%PDF-1.4\n"
offs = []
for i, o in enumerate(objs, 1):
    offs.append(len(out))
    out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
x = len(out)
out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
for o in offs:
    out += b"%010d 00000 n \n" % o
out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, x)
open(f"{h}/pages_loop.pdf", "wb").write(out)
EOF

# name -> what must happen: "failed:WORD" (failed, the error mentions WORD),
# "processed", or "ends" (processed, or failed with a reason: both are right).
declare -A WANT=(
    [zero_length.pdf]="failed:empty"
    [truncated.pdf]="ends"
    [jpeg_named_as.pdf]="processed"
    [encrypted.pdf]="failed:password"
    [nul_bytes.pdf]="failed:not a scan"
    [utf16.tif]="failed:not a scan"
    [bomb.png]="failed:megapixels"
    [pages_loop.pdf]="ends"
    [good_g4.tif]="processed"
)

judge() {   # judge HOW NAME STATUS ERROR
    local how=$1 n=$2 st=$3 err=$4 want=${WANT[$2]}
    case "$want" in
    processed)
        if [ "$st" = indexed ] || [ "$st" = needs_review ]; then ok "$how: $n is processed"
        else not_ok "$how: $n is processed" "status $st: $err"; fi ;;
    failed:*)
        if [ "$st" = failed ] && grep -qi -- "${want#failed:}" <<<"$err"; then ok "$how: $n fails naming '${want#failed:}'"
        else not_ok "$how: $n fails naming '${want#failed:}'" "status $st: $err"; fi ;;
    ends)
        if [ "$st" = indexed ] || [ "$st" = needs_review ] || { [ "$st" = failed ] && [ ${#err} -gt 20 ]; }; then
            ok "$how: $n ends ($st)"
        else not_ok "$how: $n ends, with a reason if it fails" "status '$st': $err"; fi ;;
    esac
}

# --- through ancong process --------------------------------------------------
"$ANCONG_BIN" process "$H"/* --json-dir "$ANCONG_HOME/out" 2>"$ANCONG_HOME/process.err"
is "$?" 1 "process exits 1 when some files fail"
declare -A PSTATUS
for n in "${!WANT[@]}"; do
    j=$ANCONG_HOME/out/$n.json
    st=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['status'])" "$j" 2>/dev/null)
    err=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1])).get('error',''))" "$j" 2>/dev/null)
    PSTATUS[$n]=$st
    judge process "$n" "$st" "$err"
done
is "$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['pages']))" "$ANCONG_HOME/out/good_g4.tif.json")" 2 \
   "process: both pages of the G4 TIFF are read"

# --- through the watched folder of ancong serve -------------------------------
t_db_start || exit 1
printf '%s\n' "watch.rescan_s = 2" "watch.stable_s = 1" "watch.empty_s = 2" "watch.incomplete_wait_s = 2" "job.backoff_s = 0" \
    "job.max_attempts = 2" >"$ANCONG_HOME/ancong.conf"
"$ANCONG_BIN" serve --workers 2 --no-web >"$ANCONG_HOME/serve.log" 2>&1 &
m=$!
at_exit "kill -9 $m"
mkdir -p "$ANCONG_HOME/inbox/st01"
cp "$H"/* "$ANCONG_HOME/inbox/st01/"
finished() {
    [ -z "$(find "$ANCONG_HOME/inbox" -type f | head -1)" ] || return 1
    [ "$(sql "SELECT count(*) FROM documents WHERE parent_id IS NULL AND status IN ('indexed', 'needs_review', 'failed')")" = "${#WANT[@]}" ]
}
check "every hostile file is taken and finished by serve" wait_for 600 finished
for n in "${!WANT[@]}"; do
    st=$(sql "SELECT status FROM documents WHERE parent_id IS NULL AND name = '$n'")
    err=$(sql "SELECT coalesce(error, '') FROM documents WHERE parent_id IS NULL AND name = '$n'")
    judge watch "$n" "$st" "$err"
    is "$st" "${PSTATUS[$n]}" "watch: $n ends as it did through process"
done
check "serve is still running after the hostile files" kill -0 "$m"
kill -TERM "$m"
stopped() { ! kill -0 "$m" 2>/dev/null; }
check "serve stops cleanly" wait_for 60 stopped

# --- the real hostile set, when ../shared is there ---------------------------
R=$SHARED/realdata/hostile
if [ -d "$R" ]; then
    "$ANCONG_BIN" process "$R"/* --json-dir "$ANCONG_HOME/real" 2>"$ANCONG_HOME/real.err"
    rc=$?
    check "process ends on the real hostile set (exit $rc)" test "$rc" = 0 -o "$rc" = 1
    python3 - "$R" "$ANCONG_HOME/real" <<'EOF'
import json, os, sys
r, out = sys.argv[1], sys.argv[2]
def ok(c, n, why=""):
    print(("ok - " if c else "not ok - ") + n + ("" if c or not why else "\n#   " + str(why)))
# PROVENANCE.tsv: what must be refused, and what must be read (pages).
must_fail = {"derived_zero_length.pdf": "empty", "ocrmypdf_invalid.pdf": "damaged",
             "qpdf_bad1.pdf": "not a scan", "qpdf_empty.pdf": "no pages",
             "qpdf_20-pages.pdf": "password", "qpdf_enc-XI-R6_V5_U-view_O-master.pdf": "password",
             "pillow_decompression_bomb.gif": "megapixels",
             "pillow_decompression_bomb_extents.gif": "megapixels",
             "ocrmypdf_hugemono.pdf": "megapixels", "pillow_broken.png": "decoded",
             "pillow_seek_too_large.tif": "decoded", "derived_truncated_qngai_575.pdf": "damaged"}
must_read = {"ocrmypdf_multipage.pdf": 6, "qpdf_hybrid-xref.pdf": 30, "pillow_g4-multi.tiff": 3,
             "ocrmypdf_ccitt.pdf": None, "ocrmypdf_jbig2.pdf": None, "ocrmypdf_cmyk.pdf": None,
             "ocrmypdf_baiona_cmyk.jpg": None, "ocrmypdf_baiona_alpha.png": None,
             "ocrmypdf_epson.pdf": None, "qpdf_minimal-linearized.pdf": None,
             "pillow_hopper_orientation_6.jpg": None, "qpdf_encrypted-with-images.pdf": None,
             "pillow_exif-dpi-zerodivision.jpg": None, "qpdf_append-xref-loop.pdf": None,
             "qpdf_badlin1.pdf": 30, "qpdf_enc-XI-R6_V5_O-master.pdf": 30}
# Text that must be read (a small page holding a 2400 dpi image was rendered
# at 300 dpi by its page size, 500 x 358 pixels, and found blank).
must_text = {"ocrmypdf_2400dpi.pdf": "liter"}
for f in sorted(os.listdir(r)):
    p = os.path.join(out, f + ".json")
    try:
        j = json.load(open(p, encoding="utf-8"))
    except Exception as e:
        ok(False, "real hostile %s has a result" % f, e)
        continue
    st, err = j.get("status"), j.get("error") or ""
    if st == "failed":
        ok(len(err) > 20, "real hostile %s: failed with a reason" % f, err)
    if f in must_fail:
        ok(st == "failed" and must_fail[f] in err.lower(),
           "real hostile %s is refused naming '%s'" % (f, must_fail[f]), (st, err))
    if f in must_read:
        n = must_read[f]
        ok(st in ("indexed", "needs_review") and (n is None or len(j.get("pages", [])) == n),
           "real hostile %s is read%s" % (f, "" if n is None else " (%d pages)" % n),
           (st, err, len(j.get("pages", []))))
    if f in must_text:
        text = " ".join(pg.get("text", "") for pg in j.get("pages", []))
        ok(must_text[f] in text, "real hostile %s: '%s' is read" % (f, must_text[f]), text[:200])
    if st in ("indexed", "needs_review"):
        # the split: every page that is not a separator sheet (blank, or a
        # barcode/QR separator) is in exactly one document
        pages = j.get("pages", [])
        docs = j.get("documents") or [{"first_page": 1, "last_page": len(pages)}]
        lost = [pg["number"] for pg in pages if not pg.get("blank") and not pg.get("separator")
                and sum(d["first_page"] <= pg["number"] <= d["last_page"] for d in docs) != 1]
        ok(not lost, "real hostile %s: every page but separator sheets is in one document" % f,
           "pages in no or two documents: %s" % lost)
EOF
else
    echo "# ../shared/realdata/hostile is not there: only the generated files were checked"
fi
t_finish
