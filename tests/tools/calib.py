#!/usr/bin/env python3
"""calib.py TRUTH_DIR RESULTS_DIR [THRESHOLD] [--diff]

Developer tool: how honest are the confidences?  For every field the
pipeline reported (a field reported where the truth is null counts as wrong)
and every truth field it missed, prints per threshold the precision of the
fields at or above it, the share of truth fields kept above it, and the share
of documents that would go to review (any reported field below it, or a
truth field missing, or the type below it; with THRESHOLD given, the
status the pipeline wrote, so run it with the same --threshold).  --diff lists wrong fields.
Python 3 standard library only.
"""
import json
import os
import sys
import unicodedata


def fold(s):
    if s is None:
        return ""
    return " ".join(unicodedata.normalize("NFC", str(s)).split())


def pairs(t, r):
    """Yield (truth_doc, result_doc) for single and batch files."""
    if t.get("batch"):
        rd = {(d.get("first_page"), d.get("last_page")): d for d in r.get("documents") or []}
        for td in t["documents"]:
            yield td, rd.get((td["first_page"], td["last_page"]), {}), "%s[%d-%d]" % (
                t["file"], td["first_page"], td["last_page"])
    else:
        yield t, r, t["file"]


def main(argv):
    diff = "--diff" in argv
    argv = [a for a in argv if a != "--diff"]
    tdir, rdir = argv[1], argv[2]
    thr0 = float(argv[3]) if len(argv) > 3 else None
    items = []   # (conf, correct, docid)
    docs = {}    # docid -> (type_conf, type_ok, [field confs], missing_truth)
    for f in sorted(os.listdir(tdir)):
        if not f.endswith(".truth.json"):
            continue
        t = json.load(open(os.path.join(tdir, f), encoding="utf-8"))
        rp = os.path.join(rdir, f[:-len(".truth.json")] + ".json")
        r = json.load(open(rp, encoding="utf-8")) if os.path.exists(rp) else {}
        for td, rd, did in pairs(t, r):
            rf = rd.get("fields") or {}
            tf = td["fields"]
            tok = rd.get("doc_type") == td["doc_type"]
            tc = rd.get("doc_type_confidence", 0.0)
            confs = []
            missing = 0
            for k in set(tf) | set(rf):
                want = tf.get(k)
                got = rf.get(k)
                if got is None:
                    if want is not None:
                        missing += 1
                        if diff:
                            print("MISS  %-28s %-20s want=%r" % (did, k, want))
                    continue
                gv = got.get("value") if isinstance(got, dict) else got
                c = got.get("confidence", 1.0) if isinstance(got, dict) else 1.0
                ok = want is not None and fold(gv) == fold(want)
                items.append((c, ok, did))
                confs.append(c)
                if diff and not ok:
                    print("WRONG %-28s %-20s %.2f got=%r want=%r" % (did, k, c, gv, want))
            if diff and not tok:
                print("TYPE  %-28s %.2f got=%r want=%r" % (did, tc, rd.get("doc_type"), td["doc_type"]))
            docs[did] = (tc, tok, confs, missing, rd.get("status"))
    n = len(items)
    truth_total = sum(1 for c, ok, d in items if ok) + sum(v[3] for v in docs.values())
    ths = [thr0] if thr0 is not None else [0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95]
    print("fields reported: %d, correct: %d, docs: %d" % (n, sum(1 for i in items if i[1]), len(docs)))
    for th in ths:
        above = [i for i in items if i[0] >= th]
        prec = sum(1 for i in above if i[1]) / len(above) if above else 0
        kept = sum(1 for i in above if i[1]) / truth_total if truth_total else 0
        if thr0 is not None:
            # the pipeline's own decision (run with --threshold THRESHOLD)
            review = sum(1 for v in docs.values() if v[4] != "indexed")
        else:
            review = sum(1 for v in docs.values()
                         if v[0] < th or any(c < th for c in v[2]) or v[3] > 0)
        wrong_above = [i for i in above if not i[1]]
        print("threshold %.2f: precision above %.4f (%d/%d), truth kept %.3f, review %d/%d = %.2f"
              % (th, prec, len(above) - len(wrong_above), len(above), kept, review, len(docs),
                 review / len(docs) if docs else 0))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
