/*
 * pipeline/pdfout.h: the searchable PDF of a scanned document.
 *
 * For every page: the page image exactly as the OCR module encoded it,
 * placed at 100 % scale (page size = pixels / dpi * 72 points), and under it
 * an invisible text layer (text render mode 3) holding every OCR word at its
 * box, stretched with horizontal scaling (Tz) to the box's width, so that
 * search, selection and copy/paste give the OCR text (UTF-8 NFC in, Unicode
 * out through a ToUnicode CMap).
 *
 * Why it looks like this (Decree 30/2020/NĐ-CP, Appendix I, and the 2023 Law
 * on E-transactions, art. 12):
 *   - PDF 1.7 (the decree asks for 1.4 or later); colour and grey images are
 *     kept as they are (JPEG bytes go in untouched as /DCTDecode, bilevel
 *     scans as CCITT G4, anything else losslessly as /FlateDecode); nothing
 *     is resampled, so the resolution is the scan's own (the decree asks for
 *     at least 200 dpi: that is the scanning station's job; we never lower it).
 *   - the file says it was converted, when and by whom: Info dictionary
 *     (/Producer, /Creator, /CreationDate, /ancong:ConvertedBy, ...) and the
 *     same in XMP metadata (Catalog /Metadata), which survives incremental
 *     updates such as the PAdES signature added later by signing/.
 *
 * The text font is a composite font (Type0, CIDFontType2, Identity-H) whose
 * embedded TrueType program is a "glyphless" font generated here: every
 * glyph is empty, so the invisible text never shows even in viewers that
 * ignore render mode 3, and no font file is read from disk.  Each distinct
 * code point of the document gets its own CID; the ToUnicode CMap maps it
 * back, so Vietnamese with any diacritics (and characters outside the BMP)
 * extracts exactly.
 *
 * Born-digital inputs (a PDF whose pages carry a real text layer) are kept as
 * they are by the workers: this writer is for scans (and for pages that were
 * rendered and OCR'd).  A page with no image is an error, not an empty page.
 *
 * No global state, no files, no Tesseract/Leptonica: the writer only reads
 * the structs below and appends bytes to an sbuf, so it can be fuzzed.
 */
#ifndef ANCONG_PDFOUT_H
#define ANCONG_PDFOUT_H

#include <time.h>
#include "common/err.h"
#include "common/str.h"
#include "ocr/ocr.h"        /* struct ocr_image(s): plain data, see below */
#include "ocr/page.h"

/*
 * What struct ocr_image (ocr/ocr.h) must hold, per fmt:
 *   OCR_IMG_JPEG      a complete baseline/progressive JPEG file (starts FF D8);
 *                     ncomp 1 (grey), 3 (RGB/YCbCr) or 4 (CMYK); bpc 8.
 *   OCR_IMG_CCITT_G4  a raw CCITT Group 4 (T.6) stream of width x height
 *                     pixels, no TIFF wrapper (what pixGenerateCIData
 *                     (L_G4_ENCODE) gives); ncomp 1, bpc 1.  black_is_1
 *                     set when the coded "black" runs are paper (a
 *                     MinIsBlack TIFF's data): written as /BlackIs1 true.
 *   OCR_IMG_FLATE     a zlib (RFC 1950) stream of the raw rows, each row
 *                     padded to a whole byte; ncomp 1 or 3, bpc 1 or 8.
 *                     For bpc 1, a 1 bit is BLACK (Leptonica's convention,
 *                     what pixGenerateCIData(L_FLATE_ENCODE) gives); for
 *                     bpc 8, 0 is black as usual.
 * width/height are the pixels of that image; dpi its resolution (when <= 0,
 * the OCR page's dpi is used).  The image must show the page upright, the
 * same way round as the OCR words; its size may differ from the page's
 * width_px x height_px by a scale factor (the words are scaled to it).
 */

struct pdfout_meta {
    const char *title;          /* e.g. "Quyết định ... số 12/QĐ-VKS" or NULL */
    const char *source_file;    /* name as dropped, NULL if unknown */
    const char *source_sha256;  /* sha256 of the original, NULL if unknown */
    const char *converted_by;   /* agency/unit that converted it, or NULL */
    const char *station;        /* scanning station, or NULL */
    const char *producer;       /* e.g. "ancong 0.1"; NULL = "ancong" */
    const char *lang;           /* BCP 47 for /Lang; NULL = "vi-VN" */
    time_t created;             /* conversion time; 0 = now */
};

/*
 * Append a complete PDF (header to %%EOF) to out.  imgs->img[i] is page i+1
 * of doc.  Returns 0, or -1 with e saying which page and what is wrong
 * (out then holds partial bytes: discard them).
 */
int pdf_write_searchable(const struct ocr_doc *doc, const struct ocr_images *imgs,
                         const struct pdfout_meta *meta, struct sbuf *out, struct err *e);

#endif
