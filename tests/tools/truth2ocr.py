#!/usr/bin/env python3
"""truth2ocr.py TRUTH_DIR OUT_DIR

Developer tool (not used at run time): write each NAME.truth.json's printed
page text as OUT_DIR/NAME.ocr in the plain-text ocr_doc format of
ocr/page.h (lines without words), so the pipeline can be run and scored on
perfect text before (and besides) real OCR.  Blank pages get BLANK=1.
Python 3 standard library only.
"""
import json
import os
import sys


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip())
        return 2
    src, dst = argv[1], argv[2]
    os.makedirs(dst, exist_ok=True)
    n = 0
    for f in sorted(os.listdir(src)):
        if not f.endswith(".truth.json"):
            continue
        t = json.load(open(os.path.join(src, f), encoding="utf-8"))
        name = f[: -len(".truth.json")]
        pages = t["page_text"]
        out = ["#ancong-ocr 1", "doc\ttruth\t%d" % len(pages)]
        for i, text in enumerate(pages, 1):
            lines = [l.replace("\t", " ") for l in text.split("\n") if l.strip()]
            out.append("page\t%d\t0\t0\t300\tassumed\t0\t0.000\t1.0000\tocr\t%d" % (i, 0 if lines else 1))
            for ln in lines:
                out.append("line\t0\t0\t0\t0\t1.0000\t0\t%s" % ln)
        with open(os.path.join(dst, name + ".ocr"), "w", encoding="utf-8") as fh:
            fh.write("\n".join(out) + "\n")
        n += 1
    print("%d files" % n)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
