/*
 * ocr/ocr.h: turn a scanned file's bytes into pages of words with boxes.
 *
 * Knows nothing of PostgreSQL, HTTP or the token.  One struct ocr_engine per
 * worker process holds an initialised Tesseract (language "vie" by default)
 * and is reused for every page; init it before forking parse children so
 * they share it copy-on-write.
 *
 * Input files are untrusted: call ocr_file() only inside a sandboxed child
 * (workers/sandbox.h).  Limits are checked before large allocations.
 */
#ifndef ANCONG_OCR_H
#define ANCONG_OCR_H

#include <stddef.h>
#include "common/err.h"
#include "ocr/page.h"

struct ocr_limits {
    int  max_pages;
    long max_pixels;        /* per page */
    long max_bytes;         /* per file */
    int  render_dpi;        /* PDF rendering resolution for OCR */
    int  default_dpi;       /* assumed when the image does not say */
};

/* An encoded page image for the searchable PDF (pipeline/pdfout.h). */
enum ocr_img_fmt { OCR_IMG_NONE = 0, OCR_IMG_JPEG, OCR_IMG_CCITT_G4, OCR_IMG_FLATE };
struct ocr_image {
    enum ocr_img_fmt fmt;
    unsigned char *data;    /* malloc'd; freed by ocr_images_release */
    size_t len;
    int width, height;      /* pixels */
    int bpc;                /* bits per component: 1 or 8 */
    int ncomp;              /* 1 gray, 3 RGB */
    int dpi;
    int black_is_1;         /* CCITT G4 only: PDF DecodeParms /BlackIs1 true */
};

struct ocr_images {
    int n;
    struct ocr_image *img;  /* one per page, index = page number - 1 */
};
void ocr_images_release(struct ocr_images *im);

struct ocr_engine;

/* Open Tesseract with lang (e.g. "vie") from tessdata (NULL = default) and
 * the OSD model for orientation.  Caller closes with ocr_engine_close(). */
struct ocr_engine *ocr_engine_open(const char *tessdata, const char *lang, struct err *e);
void ocr_engine_close(struct ocr_engine **eng);

/* What the bytes say the file is: "pdf", "tiff", "jpeg", "png", "gif",
 * "bmp", "webp", "jp2", "pnm", or NULL when it is none of those (e.g. text,
 * UTF-16, ZIP).  Never trusts the extension. */
const char *ocr_sniff(const unsigned char *head, size_t n);

/* OCR (or read the text layer of) every page of path.  On success fills
 * *doc (release with ocr_doc_release) and, when images != NULL, the encoded
 * page images for the searchable PDF.  Returns 0, or -1 with e telling a
 * clerk what is wrong with the file and what to do. */
int ocr_file(struct ocr_engine *eng, const char *path, const struct ocr_limits *lim,
             struct ocr_doc *doc, struct ocr_images *images, struct err *e);

#endif
