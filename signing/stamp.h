/*
 * signing/stamp.h: the visible signature stamp (Decree 30/2020/NĐ-CP,
 * Appendix I): text only, no image, Times New Roman 10 pt, black.
 *
 * The text is set in a TrueType font (default Liberation Serif 2, metric-
 * compatible with Times New Roman) embedded as a CIDFontType2 with
 * Identity-H encoding and a /ToUnicode map, so every Vietnamese letter shows
 * and can be copied.  Only the glyphs the stamp uses are kept: the font's
 * other glyph outlines are dropped (glyf/loca rebuilt), the remaining tables
 * are copied as they are.
 */
#ifndef ANCONG_SIGNING_STAMP_H
#define ANCONG_SIGNING_STAMP_H

#include <stddef.h>
#include "common/err.h"
#include "common/str.h"


struct sig_stamp {
    struct sbuf content;      /* appearance stream operators (uses font /F1) */
    struct sbuf font;         /* subset TrueType file */
    struct sbuf tounicode;    /* CMap stream */
    struct sbuf widths;       /* CIDFont /W array, e.g. "[3 [250] 5 [500]]" */
    char basefont[64];        /* "ABCDEF+LiberationSerif" */
    double ascent, descent, capheight, bbox[4];
    double need_w, need_h;    /* box the text needs at the requested size */
};

/* Lay out lines (UTF-8) at size pt inside a w x h box, first line at the
 * top, font from font_file (NULL: Liberation Serif 2, else Liberation Serif, the
 * first that has every glyph).  A character the font lacks is an error, never
 * a blank box.  0 ok, -1 error. */
int  sig_stamp_build(const char *font_file, const char *const *lines, int nlines, double size,
                     double w, double h, struct sig_stamp *s, struct err *e);
void sig_stamp_release(struct sig_stamp *s);

#endif
