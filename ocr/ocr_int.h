/*
 * ocr/ocr_int.h: what the files of ocr/ share among themselves.
 *
 * Not for use outside ocr/: it pulls in Leptonica and Tesseract.
 */
#ifndef ANCONG_OCR_INT_H
#define ANCONG_OCR_INT_H

#include <leptonica/allheaders.h>
#include <tesseract/capi.h>
#include "ocr/ocr.h"

struct ocr_engine {
    TessBaseAPI *api;       /* lang, LSTM */
    TessBaseAPI *osd;       /* "osd", legacy engine: orientation only */
    char lang[64];
};

/* Everything the page pipeline needs to know about one page image. */
struct ocr_src {
    PIX *pix;               /* as decoded/rendered, upright per metadata (EXIF, /Rotate) */
    int dpi;
    const char *dpi_source;
    int rotation;           /* already undone from metadata (EXIF/TIFF/Rotate), cw */
    int bilevel_out;        /* a black-and-white original rendered grey: give the
                               searchable PDF a 1 bpp (CCITT G4) image */
};

/* tess.c: recognise an upright, prepared 8 or 1 bpp image.  Fills the words,
 * lines, text and ocr_conf of pg (boxes in pix's pixels, then multiplied by
 * scale_back).  0 ok, -1 error. */
int ocr_tess_page(struct ocr_engine *eng, PIX *pix, int dpi, double scale_back,
                  struct ocr_page *pg, struct err *e);
/* tess.c: orientation of an upright-or-not page: *rot = how the page is
 * stored, degrees clockwise (0/90/180/270); *conf = OSD confidence (0 when
 * it could not tell). */
void ocr_tess_osd(struct ocr_engine *eng, PIX *grey, int dpi, int *rot, float *conf);

/* page.c helpers already exist; layout.c: put header/signature columns in
 * reading order (left column before right) and rebuild line texts. */
void ocr_layout_order(struct ocr_page *pg);

/* clean.c: the page pipeline: orientation, deskew, cleaning, OCR. */
int ocr_page_from_pix(struct ocr_engine *eng, struct ocr_src *src, struct ocr_page *pg,
                      struct ocr_image *img, struct err *e);

/* image.c: encode pix for the searchable PDF (JPEG, or G4 when 1 bpp). */
int ocr_image_encode(PIX *pix, int dpi, struct ocr_image *img, struct err *e);

/* image.c: the image path (TIFF, JPEG, PNG, GIF, BMP, WebP, JP2, PNM). */
int ocr_image_file(struct ocr_engine *eng, const char *path, const char *kind,
                   const struct ocr_limits *lim, struct ocr_doc *doc,
                   struct ocr_images *images, struct err *e);
/* pdf.c: the PDF path. */
int ocr_pdf_file(struct ocr_engine *eng, const char *path, const unsigned char *data,
                 size_t len, const struct ocr_limits *lim, struct ocr_doc *doc,
                 struct ocr_images *images, struct err *e);

/* Preprocessing switches (for measurement; defaults are what earned their
 * place, see ocr/README.md).  Read once from ANCONG_OCR_PREP when set. */
struct ocr_prep_opts {
    int osd, deskew, bgnorm, despeckle, upscale, layout, bilevel, native;
};
const struct ocr_prep_opts *ocr_prep_opts(void);

#endif
