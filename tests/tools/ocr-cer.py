#!/usr/bin/env python3
"""ocr-cer.py MODE CORPUS_DIR OUT_DIR [--ocrdump BIN] [--jobs N]

Character error rate of page text against CORPUS_DIR/*.truth.json, per variant.
MODE "bare": plain `tesseract IMG - -l vie` (OMP_THREAD_LIMIT=1) on the page
images (PDF pages extracted with pdfimages, TIFF pages split by tesseract).
MODE "ancong": build/tools/ocrdump FILE.  Outputs are cached in OUT_DIR/<mode>/.
CER as ../shared/tools/score-corpus computes it: NFC, whitespace folded,
Levenshtein over the truth length.  Born-digital PDFs are skipped in bare mode.
"""
import json, os, subprocess, sys, glob, unicodedata, tempfile
from concurrent.futures import ThreadPoolExecutor

def fold(s):
    return " ".join(unicodedata.normalize("NFC", s or "").split())

def lev(a, b):
    """Levenshtein distance, bit-parallel (Myers/Hyyro) on Python ints."""
    if a == b: return 0
    if len(a) < len(b): a, b = b, a
    m = len(b)
    if m == 0: return len(a)
    peq = {}
    for i, c in enumerate(b): peq[c] = peq.get(c, 0) | (1 << i)
    full = (1 << m) - 1; mask = 1 << (m - 1)
    pv, mv, score = full, 0, m
    for c in a:
        eq = peq.get(c, 0)
        xv = eq | mv
        xh = (((eq & pv) + pv) ^ pv) | eq
        ph = mv | (~(xh | pv) & full)
        mh = pv & xh
        if ph & mask: score += 1
        elif mh & mask: score -= 1
        ph = ((ph << 1) | 1) & full
        mh = (mh << 1) & full
        pv = mh | (~(xv | ph) & full)
        mv = ph & xv
    return score

def bare_pages(path):
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    with tempfile.TemporaryDirectory() as td:
        imgs = []
        if path.endswith(".pdf"):
            subprocess.run(["pdfimages", "-png", path, td + "/p"], check=True)
            imgs = sorted(glob.glob(td + "/p-*.png"))
        else:
            imgs = [path]
        out = []
        for im in imgs:
            r = subprocess.run(["tesseract", im, "-", "-l", "vie"], env=env,
                               capture_output=True, text=True)
            out += r.stdout.split("\f")[:-1] if "\f" in r.stdout else [r.stdout]
        return out

def ancong_pages(path, ocrdump):
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    r = subprocess.run([ocrdump, path, "--text"], env=env, capture_output=True, text=True)
    return r.stdout.split("\f")[:-1]

def main():
    mode, corpus, outdir = sys.argv[1:4]
    ocrdump = "build/tools/ocrdump"
    jobs = 2
    a = sys.argv[4:]
    for i, x in enumerate(a):
        if x == "--ocrdump": ocrdump = a[i + 1]
        if x == "--jobs": jobs = int(a[i + 1])
    only = [x for x in a if not x.startswith("-") and x not in (ocrdump, str(jobs))]
    cache = os.path.join(outdir, mode)
    os.makedirs(cache, exist_ok=True)
    truths = sorted(glob.glob(os.path.join(corpus, "*.truth.json")))
    def work(tp):
        t = json.load(open(tp, encoding="utf-8"))
        name = os.path.basename(tp)[:-len(".truth.json")]
        if only and name not in only: return None
        if mode == "bare" and t.get("has_text_layer"): return None
        cp = os.path.join(cache, name + ".json")
        if os.path.exists(cp):
            pages = json.load(open(cp, encoding="utf-8"))
        else:
            path = os.path.join(corpus, name)
            pages = bare_pages(path) if mode == "bare" else ancong_pages(path, ocrdump)
            json.dump(pages, open(cp, "w", encoding="utf-8"), ensure_ascii=False)
        e = n = 0
        for i, tt in enumerate(t["page_text"]):
            ts = fold(tt); gs = fold(pages[i]) if i < len(pages) else ""
            e += lev(ts, gs); n += len(ts)
        for j in range(len(t["page_text"]), len(pages)): e += len(fold(pages[j]))
        return name, t.get("variant", "?") + (" (batch)" if t.get("batch") else ""), e, n
    with ThreadPoolExecutor(jobs) as ex:
        res = [r for r in ex.map(work, truths) if r]
    byv = {}
    for name, v, e, n in res:
        x = byv.setdefault(v, [0, 0, 0]); x[0] += e; x[1] += n; x[2] += 1
        if "-v" in a: print("%-16s %-22s %.4f" % (name, v, e / max(n, 1)))
    te = sum(x[0] for x in byv.values()); tn = sum(x[1] for x in byv.values())
    for v in sorted(byv):
        x = byv[v]; print("%-28s files=%-3d cer=%.4f" % (v, x[2], x[0] / max(x[1], 1)))
    print("%-28s files=%-3d cer=%.4f" % ("ALL", len(res), te / max(tn, 1)))

main()
