#!/usr/bin/env bash
# Real Vietnamese documents (../shared/realdata/vn: Quảng Ngãi directives,
# letters, notices and submissions, decree pages, court precedents) through
# `ancong process`.  Where PROVENANCE.tsv gives the number, the date or the
# issuing body, the test checks what ancong extracts:
#   * every file is processed (none fails, none crashes the reader) and is
#     "khac" (none of the procuracy's procedural types, DOC_TYPES.md);
#   * a value printed on the page (found in ancong's own page text) is
#     extracted and equals the truth;
#   * a value that is hand-written, stamped or absent is never reported wrong
#     above review.threshold: it is missing, or below the threshold (review);
#   * the incoming-register stamp number ("CV ĐẾN Số: 2352") is never taken
#     as the document's number.
# Without ../shared the real documents are not there: one line says so, and
# tests/unit/test_pipeline.c still checks a real directive's OCR fixture.
. "$(dirname "$0")/../lib.sh"
need python3

VN=$SHARED/realdata/vn
if [ ! -f "$SHARED/realdata/PROVENANCE.tsv" ] || [ ! -d "$VN" ]; then
    ok "real documents: ../shared/realdata is absent, checks not run # SKIP"
    t_finish; exit
fi
t_home
W=$ANCONG_HOME/vn
mkdir -p "$W"
files=()
for f in "$VN"/*.pdf "$VN"/*.jpg "$VN"/*.png "$VN"/*.tif; do
    [ -f "$f" ] && files+=("$f")
done
[ ${#files[@]} -gt 0 ] || { not_ok "real documents are listed" "no PDF/JPEG in $VN"; exit 1; }
"$ANCONG_BIN" process "${files[@]}" --json-dir "$W/out" >"$W/process.log" 2>&1
rc=$?
[ $rc -le 1 ] && ok "process ran over ${#files[@]} real documents (exit $rc)" \
    || not_ok "process ran over the real documents" "exit $rc: $(tail -3 "$W/process.log")"

python3 - "$SHARED/realdata/PROVENANCE.tsv" "$W/out" <<'PY'
import csv, json, os, re, sys, unicodedata

tsv, out = sys.argv[1], sys.argv[2]
THR = 0.80          # review.threshold default
fails = 0

def ok(name): print(f"ok - {name}")
def not_ok(name, why):
    global fails
    fails += 1
    print(f"not ok - {name}\n#   {why}")

def fold(s):
    s = unicodedata.normalize("NFD", s or "").replace("đ", "d").replace("Đ", "D")
    s = "".join(c for c in s if unicodedata.category(c) != "Mn").lower()
    s = re.sub(r"\bubnd\b", "uy ban nhan dan", s)
    return re.sub(r"[^a-z0-9/]+", " ", s).strip()

def capfold(s):
    """diacritics off, case kept, runs of anything else one space"""
    s = unicodedata.normalize("NFD", s or "").replace("đ", "d").replace("Đ", "D")
    s = "".join(c for c in s if unicodedata.category(c) != "Mn")
    return re.sub(r"[^A-Za-z0-9/]+", " ", s).strip()

def iso_date(text):
    m = re.search(r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})", text or "")
    if m:
        return "%04d-%02d-%02d" % (int(m[3]), int(m[2]), int(m[1])), m[0]
    return None, None

rows = list(csv.DictReader(open(tsv, encoding="utf-8"), delimiter="\t"))
seen = 0
for r in rows:
    f = r["file"]
    if not f.startswith("vn/") or not re.search(r"\.(pdf|jpe?g|png|tiff?)$", f, re.I):
        continue
    name = os.path.basename(f)
    res = os.path.join(out, name + ".json")
    if not os.path.exists(res):
        not_ok(f"{name}: has a result", "no JSON written")
        continue
    seen += 1
    j = json.load(open(res, encoding="utf-8"))
    if j.get("status") == "failed":
        not_ok(f"{name}: processed", f"failed: {j.get('error')}")
        continue
    ok(f"{name}: processed ({j.get('status')})")
    if j.get("doc_type") == "khac":
        ok(f"{name}: khac (not a procuracy procedural type)")
    else:
        not_ok(f"{name}: khac", f"doc_type={j.get('doc_type')}")
    fields = j.get("fields") or {}
    text = "\n".join(p.get("text", "") for p in j.get("pages", []))
    ftext = fold(text)

    def check(field, truth, printed):
        v = fields.get(field)
        val = v.get("value") if v else None
        conf = v.get("confidence", 0) if v else 0
        same = val is not None and fold(val) == fold(truth)
        if printed:
            if same:
                ok(f"{name}: {field} = {val} (printed)")
            else:
                not_ok(f"{name}: {field} printed on the page is extracted",
                       f"want {truth!r}, got {val!r} ({conf})")
        elif val is None or same or conf < THR:
            ok(f"{name}: {field} not printed legibly: "
               + ("missing" if val is None else f"{val!r} at {conf:.2f}"
                  + ("" if same else " (flagged for review)")))
        else:
            not_ok(f"{name}: {field} not printed legibly is not reported wrong above the threshold",
                   f"truth {truth!r}, got {val!r} at {conf}")

    num = r.get("truth_doc_number", "")
    if re.match(r"^\d+[A-Z]?/", num):
        # printed when the whole number (serial and code) is in the page text
        serial = num.split("/")[0]
        printed = re.search(r"(^|\s)" + re.escape(fold(num)) + r"($|\s)", ftext) is not None
        check("so_van_ban", num, printed)
        stamp = re.search(r"(?:CV\s*)?ĐẾN\s*Số:?\s*(\d+)", r.get("what_it_is", "") + " " + r.get("expected_pipeline_behaviour", ""))
        if stamp and fields.get("so_van_ban"):
            got = fields["so_van_ban"]["value"]
            if got.split("/")[0] == stamp[1]:
                not_ok(f"{name}: incoming-register stamp number is not the document number", got)
            else:
                ok(f"{name}: incoming-register number {stamp[1]} not taken as the number")
    iso, phrase = iso_date(r.get("truth_place_date", ""))
    if iso:
        printed = fold(phrase) in ftext
        check("ngay_ban_hanh", iso, printed)
    else:
        # a court precedent's date of adoption ("24/02/2021 (công bố ...)"):
        # no place-and-date line prints it, so a date from a sentence of the
        # body must not be reported as the document's date
        m = re.match(r"\s*(\d{1,2})/(\d{1,2})/(\d{4})", r.get("truth_place_date", ""))
        if m:
            check("ngay_ban_hanh", "%04d-%02d-%02d" % (int(m[3]), int(m[2]), int(m[1])), False)
    issuer = r.get("truth_issuer", "")
    if issuer and "cropped" not in issuer and "(" not in issuer:
        # the official header block (top of page 1) prints the body's name,
        # usually on two lines; the name in a sentence of the body does not count
        # (upper case, in the first lines of page 1)
        pages = j.get("pages") or [{}]
        head = " ".join((pages[0].get("text") or "").split("\n")[:8])
        want = re.sub(r"\bUBND\b", "Ủy ban nhân dân", issuer).upper()
        check("co_quan_ban_hanh", issuer, capfold(want) in capfold(head))

if seen == 0:
    not_ok("PROVENANCE.tsv lists real documents", "no vn/ rows with a scan or PDF")
sys.exit(1 if fails else 0)
PY
[ $? -eq 0 ] || T_FAILS=$((T_FAILS + 1))
t_finish
