#!/usr/bin/env bash
# `ancong process`: a generated scan is processed and its JSON is shaped as
# CONTRACT.md says; bad files (garbage, empty, text named .pdf, a folder)
# fail with a readable error and exit 1 while the good files still succeed;
# --jobs 2; result names (NFC, invalid UTF-8, the same name twice); usage
# errors exit 2.  No database.
. "$(dirname "$0")/../lib.sh"
need python3 sha256sum
MKSCAN=${ANCONG_BUILD_DIR:-$ANCONG_TOP/build}/tools/mkscan
[ -x "$MKSCAN" ] || { not_ok "build/tools/mkscan is built" "run make tests-build"; exit 1; }
# fontconfig keeps caches for the life of the process: not our leak.
mkscan() { ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 "$MKSCAN" "$@"; }
t_home
D=$ANCONG_HOME/files
mkdir -p "$D/a" "$D/b" "$D/folder.pdf"
mkscan "$D/good.png" || not_ok "mkscan makes a PNG scan"
mkscan --pages 2 --bilevel "$D/a/scan.tif" || not_ok "mkscan makes a TIFF scan"
head -c 20000 /dev/urandom >"$D/garbage.pdf"
: >"$D/empty.tif"
printf 'This is a text file, not a scan.\nIt only has a .pdf name.\n' >"$D/notes.pdf"
printf '%%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%%%EOF\n' >"$D/broken.pdf"
cp "$D/good.png" "$D/b/scan.tif"     # same name as a/scan.tif, other bytes (a PNG named .tif)
nfd=$(printf 'Quye\xcc\x82\xcc\x81t.png')  # "Quyết" decomposed (NFD)
cp "$D/good.png" "$D/$nfd"
bad=$(printf 'bad\xffname.png')
cp "$D/good.png" "$D/$bad"

OUT=$ANCONG_HOME/out
"$ANCONG_BIN" process "$D/good.png" "$D/garbage.pdf" "$D/empty.tif" "$D/notes.pdf" "$D/broken.pdf" \
    "$D/folder.pdf" "$D/a/scan.tif" "$D/b/scan.tif" "$D/$nfd" "$D/$bad" \
    --json-dir "$OUT" --jobs 2 2>"$ANCONG_HOME/process.err"
is "$?" 1 "a run with failed files exits 1"
sed 's/^/# /' "$ANCONG_HOME/process.err" | tail -20

python3 - "$OUT" "$D" <<'EOF'
import hashlib, json, os, sys, unicodedata
out, d = sys.argv[1], sys.argv[2]
def ok(c, name, why=""):
    print(("ok - " if c else "not ok - ") + name + ("" if c or not why else "\n#   " + str(why)))
def load(n):
    p = os.path.join(out, n)
    try:
        with open(p, encoding="utf-8") as f:
            return json.load(f)
    except Exception as e:
        ok(False, "result %s is valid JSON" % n, e)
        return None
def sha(p):
    return hashlib.sha256(open(p, "rb").read()).hexdigest()

g = load("good.png.json")
if g:
    ok(g.get("file") == "good.png", "file is the name as dropped", g.get("file"))
    ok(g.get("sha256") == sha(os.path.join(d, "good.png")), "sha256 is the file's")
    ok(g.get("status") in ("indexed", "needs_review"), "a good scan is processed", g.get("status"))
    ok("error" not in g, "a processed file has no error")
    ok(isinstance(g.get("doc_type"), str) and g["doc_type"], "doc_type is set", g.get("doc_type"))
    c = g.get("doc_type_confidence")
    ok(isinstance(c, (int, float)) and 0 <= c <= 1, "doc_type_confidence is in 0..1", c)
    f = g.get("fields")
    ok(isinstance(f, dict), "fields is an object")
    for k, v in (f or {}).items():
        shaped = (isinstance(v, dict) and isinstance(v.get("value"), str) and
                  0 <= v.get("confidence", -1) <= 1 and v.get("page") == 1 and
                  isinstance(v.get("bbox"), list) and len(v["bbox"]) == 4)
        ok(shaped, "field %s has value, confidence, page, bbox" % k, v)
    so = (f or {}).get("so_van_ban", {}).get("value")
    ok(so == "27/TB-VKSKV2", "the document number is read from the scan", so)
    ngay = (f or {}).get("ngay_ban_hanh", {}).get("value")
    ok(ngay == "2026-03-12", "the date is read and given as ISO", ngay)
    p = g.get("pages") or []
    ok(len(p) == 1, "one page")
    if p:
        p = p[0]
        for k, t in (("number", int), ("text", str), ("rotation", int), ("skew_deg", (int, float)),
                     ("ocr_confidence", (int, float)), ("source", str), ("width_px", int),
                     ("height_px", int), ("dpi", int)):
            ok(isinstance(p.get(k), t), "page has %s" % k, p.get(k))
        ok(p.get("source") == "ocr", "a scan's page source is ocr", p.get("source"))
        ok(p.get("rotation") in (0, 90, 180, 270), "rotation is a right angle")
        ok("THÔNG BÁO" in (p.get("text") or ""), "the page text holds the title, NFC Vietnamese")
        ok(unicodedata.is_normalized("NFC", p.get("text") or ""), "page text is NFC")

t = load("scan.tif.json")
if t:
    ok(t.get("status") in ("indexed", "needs_review") and len(t.get("pages", [])) == 2,
       "a two-page bilevel TIFF is processed", (t.get("status"), t.get("error")))
t2 = [n for n in os.listdir(out) if n.startswith("scan.tif~")]
ok(len(t2) == 1 and t2[0] == "scan.tif~%s.json" % sha(os.path.join(d, "b/scan.tif"))[:8],
   "the second file of the same name gets ~<8 hex of its sha256>", t2)

for n, what in (("garbage.pdf", "random bytes"), ("empty.tif", "an empty file"),
                ("notes.pdf", "a text file named .pdf"), ("broken.pdf", "a broken PDF"),
                ("folder.pdf", "a folder")):
    j = load(n + ".json")
    if not j:
        continue
    ok(j.get("status") == "failed", "%s ends failed" % what, j.get("status"))
    e = j.get("error") or ""
    ok(len(e) > 20 and "\n" not in e, "%s has a readable error: %s" % (what, e))
    ok(j.get("file") == n, "%s keeps its name in the result" % what)

nfc = unicodedata.normalize("NFC", "Quyết.png")
j = load(nfc + ".json")
ok(j is not None and j.get("file") == nfc, "an NFD name becomes NFC in the file name and JSON")
j = load("bad\ufffdname.png.json")
ok(j is not None and j.get("file") == "bad\ufffdname.png", "an invalid UTF-8 byte becomes U+FFFD")
EOF

# Only good files: exit 0.
"$ANCONG_BIN" process "$D/good.png" --json-dir "$ANCONG_HOME/out2" 2>/dev/null
is "$?" 0 "a run where every file is processed exits 0"
check "its result is written" test -s "$ANCONG_HOME/out2/good.png.json"

"$ANCONG_BIN" process "$D/good.png" --station st07 --json-dir "$ANCONG_HOME/out4" 2>/dev/null
check "--station is recorded in the result" grep -q '"station": *"st07"' "$ANCONG_HOME/out4/good.png.json"

# Usage errors: exit 2.
"$ANCONG_BIN" process "$D/good.png" 2>/dev/null
is "$?" 2 "no --json-dir is a usage error"
"$ANCONG_BIN" process --json-dir "$OUT" 2>/dev/null
is "$?" 2 "no files is a usage error"
"$ANCONG_BIN" process "$D/good.png" --json-dir "$OUT" --jobs 0 2>/dev/null
is "$?" 2 "--jobs 0 is a usage error"
"$ANCONG_BIN" process --bogus "$D/good.png" --json-dir "$OUT" 2>/dev/null
is "$?" 2 "an unknown option is a usage error"
"$ANCONG_BIN" process "$D/missing.png" --json-dir "$ANCONG_HOME/out3" 2>/dev/null
is "$?" 1 "a missing file fails (exit 1)"
check "a missing file still gets a failed result" grep -q '"status": *"failed"' "$ANCONG_HOME/out3/missing.png.json"
t_finish
