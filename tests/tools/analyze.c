/*
 * tests/tools/analyze.c: run the pipeline on cached OCR (developers, tests).
 *
 *   analyze [--threshold T] [--name NAME] FILE.ocr [OUT.json]
 *   analyze --dir OCR_DIR RESULTS_DIR     every NAME.ocr -> RESULTS_DIR/NAME.json
 *
 * FILE.ocr is the plain-text ocr_doc format of ocr/page.h (written by
 * `ocrdump`, tests/tools/truth2ocr.py or tesstsv2ocr.py).  The JSON is the
 * result JSON of CONTRACT.md, so ../shared/tools/score-corpus can score it.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/str.h"
#include "ocr/page.h"
#include "pipeline/pipeline.h"
#include "pipeline/pipe_int.h"

static int one(const char *in, const char *out, const char *name, double thr)
{
    FILE *f = fopen(in, "r");
    if (!f) {
        perror(in);
        return 1;
    }
    struct ocr_doc d;
    int rc = ocr_doc_load(f, &d);
    fclose(f);
    if (rc < 0) {
        fprintf(stderr, "analyze: \"%s\" is not an ancong OCR file\n", in);
        return 1;
    }
    if (!getenv("ANALYZE_NOCORRECT"))
        pipe_correct(&d);
    if (getenv("ANALYZE_SEGS")) {
        /* debugging: the segments in reading order, as the pipeline sees them */
        struct ptext t;
        text_build(&t, &d, 1, d.npages);
        for (int i = 0; i < t.nsegs; i++)
            printf("p%d c%d %s%4d,%4d  %s\n", t.segs[i].page, t.segs[i].col,
                   t.segs[i].upper ? "U" : " ", t.segs[i].box.x0, t.segs[i].box.y0, t.segs[i].text);
        text_release(&t);
        ocr_doc_release(&d);
        return 0;
    }
    struct doc_result *parts = NULL;
    int n = pipe_split(&d, thr, &parts);
    struct sbuf b = SBUF_INIT;
    struct result_meta m = {name, "", NULL, NULL, NULL};
    pipe_result_json(&b, &m, &d, parts, n);
    FILE *o = out ? fopen(out, "w") : stdout;
    if (!o) {
        perror(out);
        return 1;
    }
    fputs(sbuf_cstr(&b), o);
    if (out)
        fclose(o);
    sbuf_release(&b);
    for (int i = 0; i < n; i++)
        doc_result_release(&parts[i]);
    free(parts);
    ocr_doc_release(&d);
    return 0;
}

int main(int argc, char **argv)
{
    double thr = 0.8;
    const char *name = NULL;
    int i = 1;
    for (; i < argc; i++) {
        if (strcmp(argv[i], "--threshold") == 0 && i + 1 < argc) thr = atof(argv[++i]);
        else if (strcmp(argv[i], "--name") == 0 && i + 1 < argc) name = argv[++i];
        else break;
    }
    if (i < argc && strcmp(argv[i], "--dir") == 0 && i + 2 < argc) {
        const char *src = argv[i + 1], *dst = argv[i + 2];
        DIR *dir = opendir(src);
        if (!dir) {
            perror(src);
            return 1;
        }
        struct dirent *e;
        int rc = 0;
        while ((e = readdir(dir))) {
            size_t l = strlen(e->d_name);
            if (l < 5 || strcmp(e->d_name + l - 4, ".ocr") != 0)
                continue;
            char base[512], in[1024], out[1024];
            snprintf(base, sizeof base, "%.*s", (int)(l - 4), e->d_name);
            snprintf(in, sizeof in, "%s/%s", src, e->d_name);
            snprintf(out, sizeof out, "%s/%s.json", dst, base);
            rc |= one(in, out, base, thr);
        }
        closedir(dir);
        return rc;
    }
    if (i >= argc) {
        fprintf(stderr, "usage: analyze [--threshold T] [--name NAME] FILE.ocr [OUT.json]\n"
                        "       analyze [--threshold T] --dir OCR_DIR RESULTS_DIR\n");
        return 2;
    }
    return one(argv[i], i + 1 < argc ? argv[i + 1] : NULL, name ? name : argv[i], thr);
}
