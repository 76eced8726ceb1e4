/*
 * ocr/page.h: what OCR produces, as plain data.
 *
 * This header includes no library headers (no Leptonica, no Tesseract, no
 * Poppler): pipeline/ reads these structs and must stay free of those
 * dependencies.  All strings are UTF-8 NFC, owned by the struct; release a
 * whole document with ocr_doc_release().
 *
 * Coordinates are pixels of the page image as OCR'd (after rotation to
 * upright and any downsampling), origin top-left, x1/y1 exclusive.
 */
#ifndef ANCONG_OCR_PAGE_H
#define ANCONG_OCR_PAGE_H

#include <stdbool.h>

struct ocr_box { int x0, y0, x1, y1; };

struct ocr_word {
    char *text;
    struct ocr_box box;
    float conf;            /* 0..1 */
    int line;              /* index into page->lines */
};

struct ocr_line {
    char *text;            /* words joined with one space */
    struct ocr_box box;
    float conf;            /* mean word confidence, 0..1 */
    int first_word, nwords;
    int block;             /* layout block (column / paragraph group) */
};

enum ocr_source { OCR_SRC_OCR = 0, OCR_SRC_TEXT_LAYER = 1 };

struct ocr_page {
    int number;            /* 1-based, in the file */
    int width_px, height_px;
    int dpi;
    const char *dpi_source;  /* "metadata", "estimated", "assumed" (static) */
    int rotation;          /* 0/90/180/270: how the page was stored, clockwise */
    double skew_deg;       /* positive counter-clockwise */
    double ocr_conf;       /* mean word confidence 0..1 */
    enum ocr_source source;
    bool blank;
    bool separator;        /* blank sheet or barcode/QR separator (issue 9) */
    char *separator_code;  /* decoded barcode text of a separator, or NULL */
    char *text;            /* lines joined with "\n" */
    struct ocr_word *words;
    int nwords;
    struct ocr_line *lines;
    int nlines;
    char *warning;         /* page-level warning (damaged image...), or NULL */
};

/* Existing digital signatures found in an input PDF (kept byte for byte). */
struct ocr_sig_info {
    char *signer;          /* common name, or NULL */
    char *time;            /* ISO 8601 if known, or NULL */
    char *subfilter;       /* e.g. "adbe.pkcs7.detached" */
};

struct ocr_doc {
    char kind[16];         /* "pdf", "tiff", "jpeg", "png", "gif", ... (from bytes) */
    int npages;
    struct ocr_page *pages;
    int nsigs;
    struct ocr_sig_info *sigs;
    bool encrypted;        /* opened with an empty user password */
    int nwarnings;
    char **warnings;       /* document-level: damage the readers worked around
                              (rebuilt cross-references, decoder errors...) */
};

void ocr_page_release(struct ocr_page *p);
void ocr_doc_release(struct ocr_doc *d);
/* Add a document-level warning (printf-style; kept once, at most 16). */
void ocr_doc_warn(struct ocr_doc *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Rebuild page->text and line texts from words (after corrections). */
void ocr_page_rebuild_text(struct ocr_page *p);

/*
 * A plain-text form of an OCR'd document, to cache OCR results and to give
 * pipeline tests real OCR output without running Tesseract.  Tab-separated:
 *   #ancong-ocr 1
 *   doc   KIND NPAGES
 *   page  NUMBER WIDTH HEIGHT DPI DPI_SOURCE ROTATION SKEW CONF SOURCE BLANK
 *   line  X0 Y0 X1 Y1 CONF BLOCK            (its words follow)
 *   word  X0 Y0 X1 Y1 CONF TEXT
 * SOURCE is "ocr" or "text_layer".  Texts never hold tabs or newlines.
 * A page with lines but no words (e.g. made from plain text) is allowed:
 * "line ... BLOCK TEXT" then carries the text as a 7th column.
 */
#include <stdio.h>
int ocr_doc_save(const struct ocr_doc *d, FILE *f);       /* 0 ok, -1 write error */
/* Parse; on success *d is filled (release with ocr_doc_release).  0 ok, -1 bad input. */
int ocr_doc_load(FILE *f, struct ocr_doc *d);

#endif
