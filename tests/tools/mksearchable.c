/*
 * tests/tools/mksearchable.c: write a searchable PDF the way the pipeline does
 * (pipeline/pdfout.h: page image + invisible OCR text layer, Info and XMP
 * metadata), from a synthetic scan, so that the signing tests sign the kind of
 * file the signer role signs even without ../shared.
 *
 *   mksearchable OUT.pdf [PAGES]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <leptonica/allheaders.h>

#include "common/err.h"
#include "common/str.h"
#include "pipeline/pdfout.h"

#define W 1654   /* A4 at 200 dpi */
#define H 2339
#define DPI 200

int main(int argc, char **argv)
{
    static const char *const words[] = {"VIỆN", "KIỂM", "SÁT", "NHÂN", "DÂN", "tỉnh", "Quảng", "Ngãi",
                                        "Quyết", "định", "khởi", "tố", "vụ", "án", "hình", "sự"};
    if (argc < 2) {
        fprintf(stderr, "usage: mksearchable OUT.pdf [PAGES]\n");
        return 2;
    }
    int np = argc > 2 ? atoi(argv[2]) : 1;
    if (np < 1) np = 1;
    struct ocr_doc doc = {0};
    struct ocr_images imgs = {0};
    snprintf(doc.kind, sizeof doc.kind, "tiff");
    doc.npages = np;
    doc.pages = xcalloc((size_t)np, sizeof *doc.pages);
    imgs.n = np;
    imgs.img = xcalloc((size_t)np, sizeof *imgs.img);
    for (int p = 0; p < np; p++) {
        struct ocr_page *pg = &doc.pages[p];
        PIX *pix = pixCreate(W, H, 1);
        int nw = 16;
        pg->number = p + 1;
        pg->width_px = W;
        pg->height_px = H;
        pg->dpi = DPI;
        pg->dpi_source = "metadata";
        pg->words = xcalloc((size_t)nw, sizeof *pg->words);
        pg->lines = xcalloc(2, sizeof *pg->lines);
        for (int k = 0; k < nw; k++) {
            int line = k / 8, x = 150 + (k % 8) * 170, y = 300 + line * 90;
            struct ocr_word *w = &pg->words[k];
            w->text = xstrdup(words[k]);
            w->box = (struct ocr_box){x, y, x + 150, y + 50};
            w->conf = 0.95f;
            w->line = line;
            pixRasterop(pix, x, y, 150, 50, PIX_SET, NULL, 0, 0);
        }
        for (int l = 0; l < 2; l++) {
            pg->lines[l].first_word = l * 8;
            pg->lines[l].nwords = 8;
            pg->lines[l].box = (struct ocr_box){150, 300 + l * 90, 150 + 8 * 170, 350 + l * 90};
        }
        pg->nwords = nw;
        pg->nlines = 2;
        ocr_page_rebuild_text(pg);
        L_COMP_DATA *cid = NULL;
        pixGenerateCIData(pix, L_G4_ENCODE, 0, 0, &cid);
        struct ocr_image *im = &imgs.img[p];
        im->width = W;
        im->height = H;
        im->dpi = DPI;
        im->fmt = OCR_IMG_CCITT_G4;
        im->bpc = 1;
        im->ncomp = 1;
        im->data = xmalloc(cid->nbytescomp);
        memcpy(im->data, cid->datacomp, cid->nbytescomp);
        im->len = cid->nbytescomp;
        l_CIDataDestroy(&cid);
        pixDestroy(&pix);
    }
    struct pdfout_meta meta = {.title = "Quyết định khởi tố (thử)", .source_file = "scan.tif",
                               .converted_by = "Viện kiểm sát nhân dân tỉnh Quảng Ngãi", .producer = "ancong test"};
    struct sbuf out = SBUF_INIT;
    struct err e;
    err_init(&e);
    if (pdf_write_searchable(&doc, &imgs, &meta, &out, &e) < 0) {
        err_print(&e);
        return 1;
    }
    FILE *f = fopen(argv[1], "wb");
    int rc = 0;
    if (!f || fwrite(out.s, 1, out.len, f) != out.len || fclose(f) != 0) {
        perror(argv[1]);
        rc = 1;
    }
    sbuf_release(&out);
    for (int p = 0; p < np; p++)
        free(imgs.img[p].data);
    free(imgs.img);
    ocr_doc_release(&doc);
    return rc;
}
