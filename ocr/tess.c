/*
 * ocr/tess.c: Tesseract on one prepared page image, and OSD orientation.
 *
 * Words come from the result iterator at RIL_WORD; a new RIL_TEXTLINE or
 * RIL_BLOCK starts a new line or block.  Text is NFC.  Boxes are multiplied
 * by scale_back so that they refer to the page image the caller reports
 * (when the image was upscaled for Tesseract only).
 */
#include "ocr/ocr_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/str.h"

static int sc(int v, double s) { return s == 1.0 ? v : (int)lround(v * s); }

int ocr_tess_page(struct ocr_engine *eng, PIX *pix, int dpi, double scale_back,
                  struct ocr_page *pg, struct err *e)
{
    TessBaseAPI *api = eng->api;
    TessResultIterator *ri = NULL;
    int capw = 0, capl = 0, block = -1;
    double confsum = 0;

    TessBaseAPISetImage2(api, pix);
    if (dpi >= 70 && dpi <= 2400) TessBaseAPISetSourceResolution(api, dpi);
    if (TessBaseAPIRecognize(api, NULL) != 0) {
        TessBaseAPIClear(api);
        err_set(e, ERR_INPUT, "page %d could not be recognised", pg->number);
        err_hint(e, "Scan the page again; the image may be damaged.");
        return -1;
    }
    ri = TessBaseAPIGetIterator(api);
    if (ri) {
        TessPageIterator *pi = TessResultIteratorGetPageIterator(ri);
        int cur_line = -1;
        do {
            int x0, y0, x1, y1;
            char *raw;
            if (TessPageIteratorIsAtBeginningOf(pi, RIL_BLOCK)) block++;
            if (TessPageIteratorIsAtBeginningOf(pi, RIL_TEXTLINE)) cur_line = -1;
            raw = TessResultIteratorGetUTF8Text(ri, RIL_WORD);
            if (!raw) continue;
            char *t = utf8_nfc(raw);
            TessDeleteText(raw);
            str_squash(t);
            if (!*t || !TessPageIteratorBoundingBox(pi, RIL_WORD, &x0, &y0, &x1, &y1)) {
                free(t);
                continue;
            }
            if (cur_line < 0) {
                int lx0, ly0, lx1, ly1;
                if (pg->nlines == capl) {
                    capl = capl ? capl * 2 : 64;
                    pg->lines = xrealloc(pg->lines, capl * sizeof *pg->lines);
                }
                struct ocr_line *ln = &pg->lines[pg->nlines];
                memset(ln, 0, sizeof *ln);
                if (!TessPageIteratorBoundingBox(pi, RIL_TEXTLINE, &lx0, &ly0, &lx1, &ly1)) {
                    lx0 = x0; ly0 = y0; lx1 = x1; ly1 = y1;
                }
                ln->box = (struct ocr_box){ sc(lx0, scale_back), sc(ly0, scale_back),
                                            sc(lx1, scale_back), sc(ly1, scale_back) };
                ln->first_word = pg->nwords;
                ln->block = block < 0 ? 0 : block;
                cur_line = pg->nlines++;
            }
            if (pg->nwords == capw) {
                capw = capw ? capw * 2 : 256;
                pg->words = xrealloc(pg->words, capw * sizeof *pg->words);
            }
            struct ocr_word *w = &pg->words[pg->nwords++];
            w->text = t;
            w->box = (struct ocr_box){ sc(x0, scale_back), sc(y0, scale_back),
                                       sc(x1, scale_back), sc(y1, scale_back) };
            float c = TessResultIteratorConfidence(ri, RIL_WORD) / 100.0f;
            w->conf = c < 0 ? 0 : c > 1 ? 1 : c;
            w->line = cur_line;
            pg->lines[cur_line].nwords++;
            confsum += w->conf;
        } while (TessResultIteratorNext(ri, RIL_WORD));
        TessResultIteratorDelete(ri);
    }
    TessBaseAPIClear(api);

    for (int l = 0; l < pg->nlines; l++) {
        struct ocr_line *ln = &pg->lines[l];
        double s = 0;
        for (int w = ln->first_word; w < ln->first_word + ln->nwords; w++) s += pg->words[w].conf;
        ln->conf = ln->nwords ? (float)(s / ln->nwords) : 0;
    }
    pg->ocr_conf = pg->nwords ? confsum / pg->nwords : 0;
    ocr_page_rebuild_text(pg);
    return 0;
}

void ocr_tess_osd(struct ocr_engine *eng, PIX *grey, int dpi, int *rot, float *conf)
{
    int deg = 0;
    float oc = 0, scf = 0;
    const char *script = NULL;

    *rot = 0;
    *conf = 0;
    TessBaseAPISetImage2(eng->osd, grey);
    if (dpi >= 70 && dpi <= 2400) TessBaseAPISetSourceResolution(eng->osd, dpi);
    if (TessBaseAPIDetectOrientationScript(eng->osd, &deg, &oc, &script, &scf)) {
        /* orient_deg is how far the text is turned clockwise (checked with
         * mkscan --rotate): exactly our "stored" rotation. */
        *rot = ((deg % 360) + 360) % 360;
        *conf = oc;
    }
    TessBaseAPIClear(eng->osd);
}
