#!/usr/bin/env python3
"""tesstsv2ocr.py OUT.ocr PAGE1.tsv [PAGE2.tsv ...]

Developer tool (not used at run time): turn the TSV output of bare
`tesseract IMAGE OUT -l vie tsv` (one file per page, or one multi-page TSV)
into the plain-text ocr_doc format of ocr/page.h, so the pipeline can be run
and scored on the raw engine output (a baseline for bench/accuracy).
Python 3 standard library only.
"""
import sys
import unicodedata


def load_tsv(path):
    pages = {}
    with open(path, encoding="utf-8", errors="replace") as fh:
        next(fh, None)
        for row in fh:
            c = row.rstrip("\n").split("\t")
            if len(c) < 12:
                continue
            lvl, pg, blk, par, ln, wn = (int(x) for x in c[:6])
            l, t, w, h = (int(x) for x in c[6:10])
            conf = float(c[10])
            text = unicodedata.normalize("NFC", c[11]).strip()
            p = pages.setdefault(pg, {"size": (0, 0), "lines": {}})
            if lvl == 1:
                p["size"] = (w, h)
            elif lvl == 4:
                p["lines"][(blk, par, ln)] = {"box": (l, t, l + w, t + h), "block": blk, "words": []}
            elif lvl == 5 and text:
                key = (blk, par, ln)
                if key in p["lines"]:
                    p["lines"][key]["words"].append(((l, t, l + w, t + h), conf / 100.0, text))
    return [pages[k] for k in sorted(pages)]


def upright(p):
    """Bare tesseract --psm 1 reports boxes in the stored orientation even when
    it read the page turned: map them to the upright page (reading direction
    from the order of words in lines)."""
    W, H = p["size"]
    dx = dy = 0
    for ln in p["lines"].values():
        ws = ln["words"]
        for a, b in zip(ws, ws[1:]):
            dx += (b[0][0] + b[0][2]) - (a[0][0] + a[0][2])
            dy += (b[0][1] + b[0][3]) - (a[0][1] + a[0][3])
    if abs(dx) >= abs(dy) and dx >= 0:
        return
    if abs(dx) >= abs(dy):          # upside down
        f = lambda b: (W - b[2], H - b[3], W - b[0], H - b[1])
    elif dy > 0:                    # text runs down the stored page
        f = lambda b: (b[1], W - b[2], b[3], W - b[0])
        p["size"] = (H, W)
    else:                           # text runs up
        f = lambda b: (H - b[3], b[0], H - b[1], b[2])
        p["size"] = (H, W)
    for ln in p["lines"].values():
        ln["box"] = f(ln["box"])
        ln["words"] = [(f(b), c, t) for b, c, t in ln["words"]]


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip())
        return 2
    pages = []
    for f in argv[2:]:
        pages.extend(load_tsv(f))
    out = ["#ancong-ocr 1", "doc\tunknown\t%d" % len(pages)]
    for i, p in enumerate(pages, 1):
        upright(p)
        lines = [ln for ln in p["lines"].values() if ln["words"]]
        confs = [w[1] for ln in lines for w in ln["words"]]
        mean = sum(confs) / len(confs) if confs else 0.0
        out.append("page\t%d\t%d\t%d\t300\tassumed\t0\t0.000\t%.4f\tocr\t%d" %
                   (i, p["size"][0], p["size"][1], mean, 0 if lines else 1))
        for ln in lines:
            lc = sum(w[1] for w in ln["words"]) / len(ln["words"])
            out.append("line\t%d\t%d\t%d\t%d\t%.4f\t%d" % (ln["box"] + (lc, ln["block"])))
            for b, c, t in ln["words"]:
                out.append("word\t%d\t%d\t%d\t%d\t%.4f\t%s" % (b + (c, t.replace("\t", " "))))
    with open(argv[1], "w", encoding="utf-8") as fh:
        fh.write("\n".join(out) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
