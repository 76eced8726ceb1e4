#!/usr/bin/env bash
# Defects a fresh-eyes tester found, each with a fixture made here (no
# ../shared needed), through `ancong process` (no database):
#   - an empty file is recorded with its sha256 (that of zero bytes);
#   - an old-style JPEG TIFF (OJPEG) fails saying so and what to do;
#   - a text layer that is mojibake (broken ToUnicode map) is not taken as
#     real text: the page is OCR'd; a good text layer is still used;
#   - a bilevel PDF scan stays bilevel (CCITT G4) in the searchable PDF,
#     about the size of the original, and passes qpdf --check;
#   - a page's /Rotate is honoured and reported in "rotation";
#   - a PDF whose cross-reference table had to be rebuilt, a PDF with a cut
#     JPEG image, a PDF with an LZW stream that does not decode, a JPEG whose data is cut short and a G4 TIFF with garbled
#     data are processed with a warning on the document;
#   - a blank sheet goes to review with a warning that no text was found;
#   - settings tables in --help line up when a default is Vietnamese.
. "$(dirname "$0")/../lib.sh"
need python3 qpdf pdfimages pdftotext sha256sum
MKSCAN=${ANCONG_BUILD_DIR:-$ANCONG_TOP/build}/tools/mkscan
[ -x "$MKSCAN" ] || { not_ok "mkscan is built" "run make tests-build"; exit 1; }
# fontconfig keeps caches for the life of the process: not our leak.
mkscan() { ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 "$MKSCAN" "$@"; }
t_home
D=$ANCONG_HOME/files
mkdir -p "$D"
python3 "$ANCONG_TOP/tests/tools/mkrobust.py" "$D" || not_ok "mkrobust.py makes the fixtures"
: >"$D/empty.pdf"
mkscan --dpi 200 --bilevel "$D/bilevel.pdf" || not_ok "mkscan makes a bilevel PDF"
mkscan --dpi 200 "$D/grey.pdf" || not_ok "mkscan makes a grey PDF"
mkscan --dpi 200 "$D/cut.jpg" || not_ok "mkscan makes a JPEG"
size=$(stat -c %s "$D/cut.jpg")
head -c $((size * 2 / 3)) "$D/cut.jpg" >"$D/cut_short.jpg"
rm -f "$D/cut.jpg"
mkscan --vector "$D/vector.pdf" || not_ok "mkscan makes a born-digital PDF"
# a G4 TIFF with 300 bytes of its data garbled: libtiff decodes the rest
mkscan --dpi 200 --bilevel "$ANCONG_HOME/g4.tif" || not_ok "mkscan makes a G4 TIFF"
python3 - "$ANCONG_HOME/g4.tif" "$D/g4_garbled.tif" <<'EOF2'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
for i in range(len(b) // 2, len(b) // 2 + 300):
    b[i] ^= 0x5A
open(sys.argv[2], "wb").write(b)
EOF2
# Scans stored sideways / upside down whose /Rotate shows them upright, and a
# born-digital page shown sideways.
mkscan --dpi 200 --rotate 90 "$ANCONG_HOME/side.pdf" || not_ok "mkscan makes a sideways scan"
mkscan --dpi 200 --bilevel --rotate 180 "$ANCONG_HOME/upside.pdf" || not_ok "mkscan makes an upside-down scan"
qpdf --warning-exit-0 --rotate=+270 "$ANCONG_HOME/side.pdf" "$D/rot270.pdf" || not_ok "qpdf sets /Rotate 270"
qpdf --warning-exit-0 --rotate=+180 "$ANCONG_HOME/upside.pdf" "$D/rot180.pdf" || not_ok "qpdf sets /Rotate 180"
qpdf --warning-exit-0 --rotate=+270 "$D/vector.pdf" "$D/vector270.pdf" || not_ok "qpdf rotates a born-digital page"

# a blank sheet (white A4 at 150 dpi, a little scanner noise)
python3 - "$D/blank_sheet.png" <<'EOF2'
import random, struct, sys, zlib
w, h = 1240, 1754
random.seed(7)
rows = bytearray()
for y in range(h):
    row = bytearray([255] * w)
    for _ in range(3):
        row[random.randrange(w)] = 200
    rows += b"\0" + row
def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
open(sys.argv[1], "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
                               + chunk(b"IDAT", zlib.compress(bytes(rows))) + chunk(b"IEND", b""))
EOF2

OUT=$ANCONG_HOME/out
PDF=$ANCONG_HOME/pdf
"$ANCONG_BIN" process "$D"/* --json-dir "$OUT" --pdf-dir "$PDF" --jobs 2 2>"$ANCONG_HOME/process.err"
is "$?" 1 "process exits 1 (some files must fail)"
sed 's/^/# /' "$ANCONG_HOME/process.err" | tail -12

python3 - "$OUT" "$D" "$PDF" <<'EOF'
import json, os, subprocess, sys, unicodedata
out, d, pdfdir = sys.argv[1:4]
def ok(c, name, why=""):
    print(("ok - " if c else "not ok - ") + name + ("" if c or not why else "\n#   " + str(why)))
def load(n):
    try:
        return json.load(open(os.path.join(out, n + ".json"), encoding="utf-8"))
    except Exception as e:
        ok(False, "%s has a result" % n, e)
        return {}
def pages(j):
    return j.get("pages") or [{}]

# a blank sheet is not filed unseen
j = load("blank_sheet.png")
ok(j.get("status") == "needs_review", "a blank sheet goes to review, not straight to the index", j.get("status"))
ok(any("no text was found" in w for w in j.get("warnings") or []), "and its warning says no text was found",
   j.get("warnings"))

# the empty file
j = load("empty.pdf")
ok(j.get("status") == "failed", "an empty file fails", j.get("status"))
ok(j.get("sha256") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
   "an empty file is recorded with the sha256 of zero bytes", j.get("sha256"))
ok("empty (0 bytes)" in (j.get("error") or ""), "its reason says it is empty", j.get("error"))

# OJPEG
j = load("ojpeg.tif")
e = j.get("error") or ""
ok(j.get("status") == "failed" and "old-style JPEG" in e and "OJPEG" in e,
   "an OJPEG TIFF fails naming old-style JPEG (OJPEG)", e)
ok("unsupported TIFF compression" in e and "Rescan" in e, "and says what to do", e)

# text layers
j = load("garbage_text.pdf")
p = pages(j)[0]
ok(p.get("source") == "ocr", "a mojibake text layer is not taken: the page is OCR'd", p.get("source"))
# the page shows Vietnamese without its marks; Tesseract's vie model may add some
plain = "".join(c for c in unicodedata.normalize("NFD", p.get("text") or "")
                if not unicodedata.combining(c)).replace("Đ", "D").replace("đ", "d").upper()
ok("CONG HOA" in plain, "and OCR reads the page", (p.get("text") or "")[:80])
ok(not any(0x3400 <= ord(c) <= 0x9FFF for c in p.get("text") or ""), "no CJK mojibake in the text")
j = load("good_text.pdf")
p = pages(j)[0]
ok(p.get("source") == "text_layer", "a real Latin text layer is still used", p.get("source"))
j = load("vector.pdf")
p = pages(j)[0]
ok(p.get("source") == "text_layer" and "THÔNG BÁO" in (p.get("text") or ""),
   "a born-digital Vietnamese PDF is read from its text layer", (p.get("source"), (p.get("text") or "")[:60]))

# bilevel stays bilevel
sp = os.path.join(pdfdir, "bilevel.pdf.pdf")
if os.path.exists(sp):
    lst = subprocess.run(["pdfimages", "-list", sp], capture_output=True, text=True).stdout.splitlines()[2:]
    ok(len(lst) == 1 and lst[0].split()[8] == "ccitt" and lst[0].split()[7] == "1",
       "a bilevel PDF scan is CCITT G4, 1 bit, in the searchable PDF", lst)
    so, ss = os.path.getsize(os.path.join(d, "bilevel.pdf")), os.path.getsize(sp)
    ok(ss < 3 * so, "the searchable PDF of a bilevel scan is about the original's size "
       "(%d bytes for %d)" % (ss, so), (ss, so))
    r = subprocess.run(["qpdf", "--check", sp], capture_output=True, text=True)
    ok(r.returncode == 0, "qpdf --check passes on it", r.stdout[-300:] + r.stderr[-300:])
    t = subprocess.run(["pdftotext", "-raw", sp, "-"], capture_output=True, text=True).stdout
    ok("THÔNG BÁO" in t, "its text layer holds the OCR text", t[:80])
else:
    ok(False, "a searchable PDF is written for the bilevel scan")
sp = os.path.join(pdfdir, "grey.pdf.pdf")
lst = subprocess.run(["pdfimages", "-list", sp], capture_output=True, text=True).stdout.splitlines()[2:]
ok(len(lst) == 1 and lst[0].split()[8] == "jpeg" and lst[0].split()[7] == "8",
   "a grey PDF scan stays an 8-bit JPEG", lst)

# /Rotate
# rotation: how the page is stored (content without /Rotate), clockwise from
# upright as read; a page stored turned 90 cw with /Rotate 270 is shown upright.
for n, want, src, portrait in (("rot270.pdf", 90, "ocr", True), ("rot180.pdf", 180, "ocr", True),
                               ("vector270.pdf", 90, "text_layer", False), ("grey.pdf", 0, "ocr", True)):
    p = pages(load(n))[0]
    ok(p.get("rotation") == want, "%s: /Rotate is honoured and reported (rotation %d)" % (n, want),
       p.get("rotation"))
    ok(p.get("source") == src and "THÔNG BÁO" in (p.get("text") or ""),
       "%s: the page is read (%s)" % (n, src), (p.get("source"), (p.get("text") or "")[:60]))
    if portrait:
        ok(p.get("width_px", 1) < p.get("height_px", 0), "%s: the page as read is upright" % n,
           (p.get("width_px"), p.get("height_px")))
ok("Nguyễn Thị Hương" in (pages(load("vector270.pdf"))[0].get("text") or ""),
   "a sideways born-digital page keeps its words whole")

# warnings on damaged input
for n, word in (("bad_xref.pdf", "cross-reference"), ("cut_short.jpg", "damaged"),
                ("g4_garbled.tif", "TIFF data is damaged"), ("bad_jpeg.pdf", "JPEG image"),
                ("damaged_stream.pdf", "1 compressed stream")):
    j = load(n)
    w = j.get("warnings") or []
    ok(j.get("status") in ("indexed", "needs_review"), "%s is processed" % n, (j.get("status"), j.get("error")))
    ok(any(word in x for x in w), "%s carries a document warning naming '%s'" % (n, word), w)
for n in ("good_text.pdf", "grey.pdf"):
    ok("warnings" not in load(n), "%s, undamaged, has no warnings" % n)
EOF

grep -q 'warning=' "$ANCONG_HOME/process.err" 2>/dev/null || \
    ANCONG_LOG_LEVEL=info "$ANCONG_BIN" process "$D/bad_xref.pdf" --json-dir "$ANCONG_HOME/out2" 2>"$ANCONG_HOME/warn.err"
check "the warning is logged too" grep -qs 'cross-reference' "$ANCONG_HOME/process.err" "$ANCONG_HOME/warn.err"

# settings tables line up by character, not byte ("Bản sao điện tử")
"$ANCONG_BIN" sign --help >"$ANCONG_HOME/sign-help.txt" 2>&1
python3 - "$ANCONG_HOME/sign-help.txt" <<'EOF'
import sys
rows = [l for l in open(sys.argv[1], encoding="utf-8") if l.startswith("  sign.") and " default " in l]
have_vi = any("Bản sao điện tử" in l for l in rows)
print(("ok - " if have_vi else "not ok - ") + "sign --help shows the Vietnamese default")
# the default column is 16 characters wide: the help text starts after it
ok = len(rows) > 3 and all(l[l.index(" default ") + 9 + 16] == " " and
                           l[l.index(" default ") + 9 + 17] != " " for l in rows)
print(("ok - " if ok else "not ok - ") + "settings columns line up by character (%d rows)" % len(rows))
EOF
t_finish
