/* Fuzz target: the searchable PDF writer (pdf_write_searchable) on any OCR
 * result, read from the OCR text form (ocr_doc_load).  The page images are
 * stand-ins with the right magic bytes: the writer never decodes them. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/err.h"
#include "common/str.h"
#include "ocr/page.h"
#include "pipeline/pdfout.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static unsigned char jpeg[] = {0xFF, 0xD8, 0xFF, 0xD9};
    static unsigned char zlib[] = {0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01};
    static unsigned char g4[] = {0x26, 0xA0, 0x00, 0x10, 0x01, 0x00};
    FILE *f = fmemopen((void *)data, size, "r");
    struct ocr_doc d;
    if (!f)
        return 0;
    if (ocr_doc_load(f, &d) < 0) {
        fclose(f);
        return 0;
    }
    fclose(f);
    if (d.npages > 0 && d.npages <= 64) {
        struct ocr_images im = {d.npages, calloc((size_t)d.npages, sizeof(struct ocr_image))};
        for (int i = 0; i < d.npages && im.img; i++) {
            struct ocr_image *g = &im.img[i];
            const struct ocr_page *p = &d.pages[i];
            int k = p->number % 3;
            g->fmt = k == 0 ? OCR_IMG_JPEG : k == 1 ? OCR_IMG_FLATE : OCR_IMG_CCITT_G4;
            g->data = k == 0 ? jpeg : k == 1 ? zlib : g4;
            g->len = k == 0 ? sizeof jpeg : k == 1 ? sizeof zlib : sizeof g4;
            g->width = p->width_px > 0 && p->width_px < 20000 ? p->width_px : 100;
            g->height = p->height_px > 0 && p->height_px < 20000 ? p->height_px : 100;
            g->bpc = k == 0 ? 8 : 1;
            g->ncomp = 1;
            g->dpi = p->dpi;
        }
        struct sbuf out = SBUF_INIT;
        struct pdfout_meta meta = {.title = "fuzz", .created = 1};
        struct err e;
        err_init(&e);
        if (im.img)
            pdf_write_searchable(&d, &im, &meta, &out, &e);
        sbuf_release(&out);
        free(im.img);
    }
    ocr_doc_release(&d);
    return 0;
}
