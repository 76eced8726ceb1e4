/*
 * ocrdump FILE [--tsv | --text] [--images DIR]: OCR one file with ancong's
 * ocr/ module and print the result.
 *
 *   --tsv (default)  the ocr_doc_save() form (ocr/page.h), to cache OCR
 *   --text           page texts, each followed by a form feed
 *   --images DIR     also write the encoded page images (p1.jpg / p1.g4)
 *
 * Settings (language, limits) come from the usual configuration.  Exit 0
 * on success, 1 when the file could not be processed (error on stderr).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cfg.h"
#include "common/err.h"
#include "ocr/ocr.h"

int main(int argc, char **argv)
{
    const char *file = NULL, *imgdir = NULL;
    int text = 0;
    struct cfg cfg;
    struct err e;
    struct ocr_doc doc;
    struct ocr_images im = { 0 };

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--tsv")) text = 0;
        else if (!strcmp(argv[i], "--text")) text = 1;
        else if (!strcmp(argv[i], "--images") && i + 1 < argc) imgdir = argv[++i];
        else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "usage: ocrdump FILE [--tsv | --text] [--images DIR]\n");
            return 2;
        } else file = argv[i];
    }
    if (!file) {
        fprintf(stderr, "usage: ocrdump FILE [--tsv | --text] [--images DIR]\n");
        return 2;
    }
    err_init(&e);
    if (cfg_load(&cfg, NULL, &e) < 0) { err_print(&e); return 2; }
    struct ocr_engine *eng = ocr_engine_open(cfg.ocr_tessdata, cfg.ocr_lang, &e);
    if (!eng) { err_print(&e); return 1; }
    struct ocr_limits lim = { cfg.ocr_max_pages, cfg.ocr_max_pixels, cfg.ocr_max_mb << 20,
                              cfg.ocr_render_dpi, cfg.ocr_default_dpi };
    if (ocr_file(eng, file, &lim, &doc, imgdir ? &im : NULL, &e) < 0) {
        err_print(&e);
        ocr_engine_close(&eng);
        return 1;
    }
    if (text) {
        for (int i = 0; i < doc.npages; i++) printf("%s\f", doc.pages[i].text ? doc.pages[i].text : "");
    } else {
        ocr_doc_save(&doc, stdout);
    }
    for (int i = 0; imgdir && i < im.n; i++) {
        char p[4096];
        snprintf(p, sizeof p, "%s/p%d.%s", imgdir, i + 1,
                 im.img[i].fmt == OCR_IMG_CCITT_G4 ? "g4" : "jpg");
        FILE *f = fopen(p, "wb");
        if (f) { fwrite(im.img[i].data, 1, im.img[i].len, f); fclose(f); }
    }
    for (int i = 0; i < doc.npages; i++)
        if (doc.pages[i].warning) fprintf(stderr, "page %d: warning: %s\n", i + 1, doc.pages[i].warning);
    for (int i = 0; i < doc.nsigs; i++)
        fprintf(stderr, "signature %d: signer=%s time=%s subfilter=%s\n", i + 1,
                doc.sigs[i].signer ? doc.sigs[i].signer : "-", doc.sigs[i].time ? doc.sigs[i].time : "-",
                doc.sigs[i].subfilter ? doc.sigs[i].subfilter : "-");
    ocr_images_release(&im);
    ocr_doc_release(&doc);
    ocr_engine_close(&eng);
    return fflush(stdout) == 0 ? 0 : 1;
}
