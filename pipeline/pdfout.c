/*
 * pipeline/pdfout.c: write a searchable PDF (page images + invisible text).
 *
 * Layout of the file (object numbers are fixed before writing, so the
 * writer goes straight through once and builds the xref from offsets):
 *   1 Catalog   2 Pages   3 XMP metadata   4 Info
 *   5 Type0 font   6 CIDFontType2   7 FontDescriptor   8 FontFile2
 *   9 ToUnicode CMap   10 CIDToGIDMap
 *   then for page i (0-based): 11+3i Page, 12+3i Contents, 13+3i Image
 *
 * Text is shown in composite-font codes (two bytes, Identity-H).  Every
 * distinct code point of the document gets its own CID (1..n, in code point
 * order); the ToUnicode CMap maps each CID back to its code point, and the
 * CIDToGIDMap sends every CID to the one empty glyph of the embedded
 * glyphless TrueType font (built in glyphless_font() below).  All CIDs are
 * 500/1000 em wide (/DW 500); Tz stretches each word to its box.
 */
#include "pipeline/pdfout.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "common/hash.h"

#define OBJ_CATALOG   1
#define OBJ_PAGES     2
#define OBJ_XMP       3
#define OBJ_INFO      4
#define OBJ_FONT      5
#define OBJ_CIDFONT   6
#define OBJ_FONTDESC  7
#define OBJ_FONTFILE  8
#define OBJ_TOUNICODE 9
#define OBJ_CID2GID   10
#define OBJ_FIRST_PAGE 11
#define OBJS_PER_PAGE 3

#define CID_WIDTH     500     /* per mille of the font size */
#define FONT_ASCENT   800
#define FONT_DESCENT  (-200)
#define MAX_PAGE_PT   14400.0 /* PDF 1.7 implementation limit (200 inches) */
#define MAX_CODEPOINTS 65534

/* ------------------------------------------------------------------ */
/* Numbers and strings in PDF syntax (locale-independent).             */

/* Append x with up to `dec` decimals, trailing zeros trimmed. */
static void put_num(struct sbuf *b, double x, int dec)
{
    if (!isfinite(x))
        x = 0;
    if (x > 1e9) x = 1e9;       /* far beyond any page: keeps llround defined */
    if (x < -1e9) x = -1e9;
    long long scale = 1;
    for (int i = 0; i < dec; i++)
        scale *= 10;
    long long v = llround(fabs(x) * (double)scale);
    if (v == 0) {
        sbuf_putc(b, '0');
        return;
    }
    if (x < 0)
        sbuf_putc(b, '-');
    sbuf_printf(b, "%lld", v / scale);
    long long frac = v % scale;
    if (frac) {
        char digits[24];
        int n = dec;
        while (frac % 10 == 0) {
            frac /= 10;
            n--;
        }
        snprintf(digits, sizeof digits, "%0*lld", n, frac);
        sbuf_putc(b, '.');
        sbuf_puts(b, digits);
    }
}

static bool is_printable_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
            return false;
    return true;
}

/* A text string for the Info dictionary: literal when plain ASCII, else
 * UTF-16BE with a byte order mark, as hex.  Invalid UTF-8 becomes U+FFFD. */
static void put_text_string(struct sbuf *b, const char *s)
{
    if (is_printable_ascii(s)) {
        sbuf_putc(b, '(');
        for (; *s; s++) {
            if (*s == '(' || *s == ')' || *s == '\\')
                sbuf_putc(b, '\\');
            sbuf_putc(b, *s);
        }
        sbuf_putc(b, ')');
        return;
    }
    char *nfc = utf8_nfc(s);
    sbuf_puts(b, "<FEFF");
    for (const char *p = nfc; *p;) {
        int cp = utf8_next(&p);
        if (cp < 0)
            cp = 0xFFFD;
        if (cp < 0x20)
            cp = ' ';
        if (cp >= 0x10000) {
            cp -= 0x10000;
            sbuf_printf(b, "%04X%04X", 0xD800 + (cp >> 10), 0xDC00 + (cp & 0x3FF));
        } else {
            sbuf_printf(b, "%04X", cp);
        }
    }
    sbuf_putc(b, '>');
    free(nfc);
}

/* XML character data: escaped, control characters dropped, NFC. */
static void put_xml(struct sbuf *b, const char *s)
{
    char *nfc = utf8_nfc(s);
    for (const char *p = nfc; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '&') sbuf_puts(b, "&amp;");
        else if (c == '<') sbuf_puts(b, "&lt;");
        else if (c == '>') sbuf_puts(b, "&gt;");
        else if (c == '"') sbuf_puts(b, "&quot;");
        else if (c < 0x20 && c != '\t') sbuf_putc(b, ' ');
        else sbuf_putc(b, (char)c);
    }
    free(nfc);
}

/* ------------------------------------------------------------------ */
/* The object writer.                                                   */

struct pdfw {
    struct sbuf *out;
    size_t base;           /* offset of "%PDF" in out (out may hold earlier bytes) */
    size_t *off;           /* off[n] = offset of object n; 0 = not written */
    int nobj;              /* highest object number + 1 */
};

static void obj_begin(struct pdfw *w, int n)
{
    w->off[n] = w->out->len - w->base;
    sbuf_printf(w->out, "%d 0 obj\n", n);
}

static void obj_end(struct pdfw *w)
{
    sbuf_puts(w->out, "\nendobj\n");
}

/* A stream object: dict_extra goes inside << >> (may be NULL).  When
 * deflate is true the data is compressed here and /Filter set. */
static int put_stream(struct pdfw *w, int n, const char *dict_extra, const void *data,
                      size_t len, bool deflate, struct err *e)
{
    unsigned char *z = NULL;
    uLongf zlen = 0;
    if (deflate) {
        zlen = compressBound((uLong)len);
        z = xmalloc(zlen);
        if (compress2(z, &zlen, data, (uLong)len, 6) != Z_OK) {
            free(z);
            err_set(e, ERR_INTERNAL, "could not compress a PDF stream of %zu bytes", len);
            return -1;
        }
        data = z;
        len = zlen;
    }
    obj_begin(w, n);
    sbuf_printf(w->out, "<< /Length %zu%s%s%s >>\nstream\n", len,
                deflate ? " /Filter /FlateDecode" : "", dict_extra ? " " : "",
                dict_extra ? dict_extra : "");
    sbuf_add(w->out, data, len);
    sbuf_puts(w->out, "\nendstream");
    obj_end(w);
    free(z);
    return 0;
}

/* ------------------------------------------------------------------ */
/* The glyphless TrueType font: two empty glyphs (.notdef and one that   */
/* every CID maps to), 1000 units per em, advance 500.  Built from the   */
/* tables the PDF spec requires for an embedded CIDFontType2 (glyf,     */
/* head, hhea, hmtx, loca, maxp) plus cmap, name and post, which        */
/* font engines expect.                                                 */

static void be16(struct sbuf *b, unsigned v)
{
    unsigned char c[2] = {(unsigned char)(v >> 8), (unsigned char)v};
    sbuf_add(b, c, 2);
}

static void be32(struct sbuf *b, uint32_t v)
{
    unsigned char c[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 8), (unsigned char)v};
    sbuf_add(b, c, 4);
}

static uint32_t tt_checksum(const unsigned char *p, size_t len)
{
    uint32_t sum = 0;
    for (size_t i = 0; i < len; i += 4) {
        uint32_t v = 0;
        for (size_t k = 0; k < 4; k++)
            v = (v << 8) | (i + k < len ? p[i + k] : 0);
        sum += v;
    }
    return sum;
}

/* Fills font (reset first) with the font program. */
static void glyphless_font(struct sbuf *font)
{
    enum { NT = 9 };
    struct sbuf t[NT];
    const char *tags[NT] = {"cmap", "glyf", "head", "hhea", "hmtx", "loca", "maxp",
                            "name", "post"};   /* sorted, as the directory must be */
    for (int i = 0; i < NT; i++)
        sbuf_init(&t[i]);

    /* cmap: one (3,1) format 4 subtable mapping nothing but the end marker */
    be16(&t[0], 0); be16(&t[0], 1);
    be16(&t[0], 3); be16(&t[0], 1); be32(&t[0], 12);
    be16(&t[0], 4); be16(&t[0], 24); be16(&t[0], 0);   /* format, length, language */
    be16(&t[0], 2); be16(&t[0], 2); be16(&t[0], 0); be16(&t[0], 0); /* segX2, search.. */
    be16(&t[0], 0xFFFF); be16(&t[0], 0);                /* endCode, pad */
    be16(&t[0], 0xFFFF); be16(&t[0], 1); be16(&t[0], 0); /* start, delta, rangeOffset */

    /* glyf: glyph 0 (.notdef) has no data; glyph 1 is a simple glyph with
     * zero contours (header + instruction length): present but invisible.
     * Some readers reject a zero-length glyf table, hence glyph 1's bytes. */
    be16(&t[1], 0);                              /* numberOfContours */
    be16(&t[1], 0); be16(&t[1], 0); be16(&t[1], 0); be16(&t[1], 0);   /* bbox */
    be16(&t[1], 0);                              /* instructionLength */

    /* head */
    struct sbuf *h = &t[2];
    be32(h, 0x00010000); be32(h, 0x00010000);
    be32(h, 0);                                 /* checkSumAdjustment, set below */
    be32(h, 0x5F0F3CF5);
    be16(h, 0x000B); be16(h, 1000);             /* flags, unitsPerEm */
    be32(h, 0); be32(h, 0); be32(h, 0); be32(h, 0);  /* created, modified */
    be16(h, 0); be16(h, (unsigned)(uint16_t)FONT_DESCENT); be16(h, CID_WIDTH);
    be16(h, FONT_ASCENT);                       /* bbox */
    be16(h, 0); be16(h, 8); be16(h, 2);         /* macStyle, lowestRecPPEM, dirHint */
    be16(h, 0); be16(h, 0);                     /* short loca, glyphDataFormat */

    /* hhea */
    struct sbuf *hh = &t[3];
    be32(hh, 0x00010000);
    be16(hh, FONT_ASCENT); be16(hh, (unsigned)(uint16_t)FONT_DESCENT); be16(hh, 0);
    be16(hh, CID_WIDTH); be16(hh, 0); be16(hh, 0); be16(hh, 0);
    be16(hh, 1); be16(hh, 0); be16(hh, 0);      /* caret */
    for (int i = 0; i < 4; i++) be16(hh, 0);
    be16(hh, 0); be16(hh, 2);                   /* metricDataFormat, numberOfHMetrics */

    /* hmtx */
    for (int i = 0; i < 2; i++) { be16(&t[4], CID_WIDTH); be16(&t[4], 0); }

    /* loca (short, offsets / 2): glyph 0 = [0,0), glyph 1 = [0,12) */
    be16(&t[5], 0); be16(&t[5], 0); be16(&t[5], 6);

    /* maxp 1.0 */
    be32(&t[6], 0x00010000); be16(&t[6], 2);
    for (int i = 0; i < 13; i++) be16(&t[6], i == 4 ? 1 : 0);   /* maxZones = 1 */

    /* name: the PostScript name only (Windows, US English, UTF-16BE) */
    const char *psname = "GlyphLessFont";
    size_t pl = strlen(psname);
    be16(&t[7], 0); be16(&t[7], 1); be16(&t[7], 6 + 12);
    be16(&t[7], 3); be16(&t[7], 1); be16(&t[7], 0x409); be16(&t[7], 6);
    be16(&t[7], (unsigned)(2 * pl)); be16(&t[7], 0);
    for (size_t i = 0; i < pl; i++) be16(&t[7], (unsigned char)psname[i]);

    /* post 3.0: no glyph names */
    be32(&t[8], 0x00030000); be32(&t[8], 0);
    be16(&t[8], (unsigned)(uint16_t)-100); be16(&t[8], 50);
    be32(&t[8], 1);
    for (int i = 0; i < 4; i++) be32(&t[8], 0);

    sbuf_reset(font);
    be32(font, 0x00010000);
    be16(font, NT); be16(font, 128); be16(font, 3); be16(font, NT * 16 - 128);
    uint32_t off = 12 + 16 * NT;
    for (int i = 0; i < NT; i++) {
        sbuf_add(font, tags[i], 4);
        be32(font, tt_checksum((const unsigned char *)t[i].s, t[i].len));
        be32(font, off);
        be32(font, (uint32_t)t[i].len);
        off += (uint32_t)((t[i].len + 3) & ~(size_t)3);
    }
    size_t head_at = 0;
    for (int i = 0; i < NT; i++) {
        if (i == 2)
            head_at = font->len;
        if (t[i].len)
            sbuf_add(font, t[i].s, t[i].len);
        while (font->len % 4)
            sbuf_putc(font, 0);
        sbuf_release(&t[i]);
    }
    uint32_t adj = 0xB1B0AFBAu - tt_checksum((const unsigned char *)font->s, font->len);
    unsigned char *p = (unsigned char *)font->s + head_at + 8;
    p[0] = (unsigned char)(adj >> 24); p[1] = (unsigned char)(adj >> 16);
    p[2] = (unsigned char)(adj >> 8);  p[3] = (unsigned char)adj;
}

/* ------------------------------------------------------------------ */
/* Code points -> CIDs.                                                 */

struct cidmap {
    int *cp;               /* sorted distinct code points; CID = index + 1 */
    int n, cap;
};

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static void cidmap_add(struct cidmap *m, int cp)
{
    if (m->n == m->cap) {
        m->cap = m->cap ? 2 * m->cap : 256;
        m->cp = xrealloc(m->cp, (size_t)m->cap * sizeof *m->cp);
    }
    m->cp[m->n++] = cp;
}

static void cidmap_finish(struct cidmap *m)
{
    if (!m->n)
        return;
    qsort(m->cp, (size_t)m->n, sizeof *m->cp, cmp_int);
    int k = 1;
    for (int i = 1; i < m->n; i++)
        if (m->cp[i] != m->cp[k - 1])
            m->cp[k++] = m->cp[i];
    m->n = k;
}

static int cidmap_cid(const struct cidmap *m, int cp)
{
    int lo = 0, hi = m->n - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (m->cp[mid] == cp) return mid + 1;
        if (m->cp[mid] < cp) lo = mid + 1; else hi = mid - 1;
    }
    return 0;
}

/* The code points a word shows: NFC, invalid bytes as U+FFFD, control
 * characters and spaces dropped (the writer puts its own spaces).
 * Returns the count; *cps is malloc'd (caller frees). */
static int word_codepoints(const char *text, int **cps)
{
    char *nfc = utf8_nfc(text ? text : "");
    size_t cap = strlen(nfc) + 1;
    int *v = xmalloc(cap * sizeof *v);
    int n = 0;
    for (const char *p = nfc; *p;) {
        int cp = utf8_next(&p);
        if (cp < 0)
            cp = 0xFFFD;
        if (cp <= 0x20 || (cp >= 0x7f && cp < 0xa0) || cp == 0xFEFF
            || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
            continue;
        v[n++] = cp;
    }
    free(nfc);
    *cps = v;
    return n;
}

/* ------------------------------------------------------------------ */
/* One text run (a word, or a line of text with no word boxes).         */

struct run {
    int *cps;
    int n;
    struct ocr_box box;     /* page pixels */
    int line;               /* index in page->lines, -1 = none */
    bool whole_line;        /* a line's text with no word boxes */
};

struct page_runs {
    struct run *r;
    int n;
};

static void runs_release(struct page_runs *pr)
{
    for (int i = 0; i < pr->n; i++)
        free(pr->r[i].cps);
    free(pr->r);
    pr->r = NULL;
    pr->n = 0;
}

static bool box_ok(const struct ocr_box *b)
{
    return b->x1 > b->x0 && b->y1 > b->y0;
}

static int clampi(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* The part of b on a pw x ph page (text off the page is lost to extraction). */
static struct ocr_box box_clip(struct ocr_box b, int pw, int ph)
{
    b.x0 = clampi(b.x0, 0, pw);
    b.x1 = clampi(b.x1, 0, pw);
    b.y0 = clampi(b.y0, 0, ph);
    b.y1 = clampi(b.y1, 0, ph);
    return b;
}

/* Collect the runs of a page in reading order: lines in order with their
 * words; words that no line claims come after; a line that has text but no
 * words becomes one run. */
static void page_collect(const struct ocr_page *pg, int pw, int ph, struct page_runs *pr,
                         struct cidmap *cm)
{
    int cap = pg->nwords + pg->nlines + 1;
    pr->r = xcalloc((size_t)cap, sizeof *pr->r);
    pr->n = 0;
    bool *used = xcalloc((size_t)pg->nwords + 1, sizeof *used);

    for (int li = 0; li < pg->nlines; li++) {
        const struct ocr_line *ln = &pg->lines[li];
        int nw = 0;
        for (int k = 0; k < ln->nwords; k++) {
            int wi = ln->first_word + k;
            if (wi < 0 || wi >= pg->nwords || used[wi])
                continue;
            const struct ocr_word *w = &pg->words[wi];
            struct ocr_box wb = box_clip(w->box, pw, ph), lb = box_clip(ln->box, pw, ph);
            used[wi] = true;
            if (!box_ok(&wb))
                continue;
            struct run *r = &pr->r[pr->n];
            r->n = word_codepoints(w->text, &r->cps);
            if (!r->n) {
                free(r->cps);
                r->cps = NULL;
                continue;
            }
            r->box = wb;
            r->line = box_ok(&lb) ? li : -1;
            pr->n++;
            nw++;
        }
        struct ocr_box lbox = box_clip(ln->box, pw, ph);
        if (nw == 0 && ln->nwords == 0 && ln->text && box_ok(&lbox)) {
            struct run *r = &pr->r[pr->n];
            /* a whole line as one run: keep its inner spaces */
            char *nfc = utf8_nfc(ln->text);
            str_squash(nfc);
            int *v = xmalloc((strlen(nfc) + 1) * sizeof *v);
            int n = 0;
            for (const char *p = nfc; *p;) {
                int cp = utf8_next(&p);
                if (cp < 0) cp = 0xFFFD;
                if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || cp == 0xFEFF
                    || (cp >= 0xD800 && cp <= 0xDFFF))
                    continue;
                v[n++] = cp;
            }
            free(nfc);
            if (n) {
                r->cps = v;
                r->n = n;
                r->box = lbox;
                r->line = li;
                r->whole_line = true;
                pr->n++;
            } else {
                free(v);
            }
        }
    }
    for (int wi = 0; wi < pg->nwords; wi++) {
        struct ocr_box wb = box_clip(pg->words[wi].box, pw, ph);
        if (used[wi] || !box_ok(&wb))
            continue;
        struct run *r = &pr->r[pr->n];
        r->n = word_codepoints(pg->words[wi].text, &r->cps);
        if (!r->n) {
            free(r->cps);
            r->cps = NULL;
            continue;
        }
        r->box = wb;
        r->line = -1;
        pr->n++;
    }
    free(used);
    for (int i = 0; i < pr->n; i++)
        for (int k = 0; k < pr->r[i].n; k++)
            cidmap_add(cm, pr->r[i].cps[k]);
}

/* ------------------------------------------------------------------ */
/* Pages.                                                               */

struct page_geom {
    double w_pt, h_pt;      /* page size */
    double sx, sy;          /* points per OCR pixel */
    int pw, ph;             /* the OCR page in pixels */
};

static int page_geometry(const struct ocr_page *pg, const struct ocr_image *im, int pno,
                         struct page_geom *g, struct err *e)
{
    int dpi = im->dpi > 0 ? im->dpi : pg->dpi;
    if (dpi < 10 || dpi > 4800) {
        err_set(e, ERR_INPUT, "page %d: resolution %d dpi is not usable for the searchable PDF",
                pno, dpi);
        err_hint(e, "Rescan the page at 200 to 600 dpi.");
        return -1;
    }
    if (im->width <= 0 || im->height <= 0) {
        err_set(e, ERR_INTERNAL, "page %d: the page image has no size (%dx%d)", pno,
                im->width, im->height);
        return -1;
    }
    g->w_pt = im->width * 72.0 / dpi;
    g->h_pt = im->height * 72.0 / dpi;
    if (g->w_pt > MAX_PAGE_PT || g->h_pt > MAX_PAGE_PT) {
        err_set(e, ERR_LIMIT, "page %d: %dx%d pixels at %d dpi is larger than a PDF page may be "
                "(200 inches)", pno, im->width, im->height, dpi);
        err_hint(e, "Check the scanner's resolution setting and rescan the page.");
        return -1;
    }
    int pw = pg->width_px > 0 ? pg->width_px : im->width;
    int ph = pg->height_px > 0 ? pg->height_px : im->height;
    double rx = (double)im->width / pw, ry = (double)im->height / ph;
    if (fabs(rx - ry) > 0.03 * fmax(rx, ry)) {
        err_set(e, ERR_INTERNAL, "page %d: the page image is %dx%d pixels but the OCR words "
                "refer to a %dx%d page", pno, im->width, im->height, pw, ph);
        err_hint(e, "This is a bug in ancong: report it with the file.");
        return -1;
    }
    g->pw = pw;
    g->ph = ph;
    g->sx = g->w_pt / pw;
    g->sy = g->h_pt / ph;
    return 0;
}

static void put_cid(struct sbuf *b, int cid)
{
    static const char hx[] = "0123456789ABCDEF";
    char c[4] = {hx[(cid >> 12) & 15], hx[(cid >> 8) & 15], hx[(cid >> 4) & 15], hx[cid & 15]};
    sbuf_add(b, c, 4);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Where a text line sits, in page pixels: its baseline and font size. */
struct line_geom {
    double base, size;
};

/*
 * One baseline and one size per line, which is what keeps a line's words on
 * one line for text extraction.  Not from the line's box: one noisy word (a
 * speck joined to a letter, a tall mark) stretches that box into the next
 * line, and overlapping lines get their words interleaved by extractors.
 * The median bottom of the line's words is its baseline (most words have
 * no descender); the median top is where the font's ascent reaches.  A
 * line given only as text (no word boxes), or a word outside any line, uses
 * its own box: ascent at the top, descent at the bottom.
 */
static void line_geometry(const struct page_runs *pr, int nlines, struct line_geom *lg)
{
    double *tops = xmalloc(((size_t)pr->n + 1) * sizeof *tops);
    double *bots = xmalloc(((size_t)pr->n + 1) * sizeof *bots);
    int *first = xmalloc(((size_t)nlines + 1) * sizeof *first);
    for (int li = 0; li < nlines; li++)
        first[li] = -1;
    /* runs of a line are contiguous (page_collect emits them line by line) */
    for (int i = 0; i < pr->n; i++)
        if (pr->r[i].line >= 0 && first[pr->r[i].line] < 0)
            first[pr->r[i].line] = i;
    for (int li = 0; li < nlines; li++) {
        lg[li].base = lg[li].size = 0;
        if (first[li] < 0)
            continue;
        int n = 0;
        for (int i = first[li]; i < pr->n && pr->r[i].line == li; i++) {
            if (pr->r[i].whole_line)
                continue;
            tops[n] = pr->r[i].box.y0;
            bots[n] = pr->r[i].box.y1;
            n++;
        }
        if (n == 0) {
            const struct ocr_box *b = &pr->r[first[li]].box;
            double h = (double)b->y1 - b->y0;
            lg[li].size = h;
            lg[li].base = b->y1 + h * FONT_DESCENT / 1000.0;
            continue;
        }
        qsort(tops, (size_t)n, sizeof *tops, cmp_double);
        qsort(bots, (size_t)n, sizeof *bots, cmp_double);
        double top = tops[n / 2], bot = bots[n / 2];
        if (!(n % 2)) {
            top = (tops[n / 2 - 1] + top) / 2;
            bot = (bots[n / 2 - 1] + bot) / 2;
        }
        lg[li].base = bot;
        lg[li].size = (bot - top) * 1000.0 / FONT_ASCENT;
    }
    free(first);
    free(bots);
    free(tops);
}

/* The page's content stream: the image, then the invisible text. */
static void page_content(const struct ocr_page *pg, const struct page_runs *pr,
                         const struct cidmap *cm, const struct page_geom *g, struct sbuf *c)
{
    sbuf_puts(c, "q\n");
    put_num(c, g->w_pt, 4);
    sbuf_puts(c, " 0 0 ");
    put_num(c, g->h_pt, 4);
    sbuf_puts(c, " 0 0 cm\n/Im0 Do\nQ\n");
    if (!pr->n)
        return;
    struct line_geom *lg = xcalloc((size_t)pg->nlines + 1, sizeof *lg);
    line_geometry(pr, pg->nlines, lg);
    int space = cidmap_cid(cm, ' ');
    sbuf_puts(c, "BT\n3 Tr\n");
    double cur_fs = -1, line_end = 0, prev_base = 0, prev_fs = 1, prev_x = 0;
    for (int i = 0; i < pr->n; i++) {
        const struct run *r = &pr->r[i];
        const struct run *next = i + 1 < pr->n ? &pr->r[i + 1] : NULL;
        double base_px, size_px;
        if (r->line >= 0 && lg[r->line].size > 0) {
            base_px = lg[r->line].base;
            size_px = lg[r->line].size;
        } else {
            size_px = (double)r->box.y1 - r->box.y0;
            base_px = r->box.y1 + size_px * FONT_DESCENT / 1000.0;
        }
        double fs = size_px * g->sy;
        if (fs < 1)
            fs = 1;
        double base = g->h_pt - base_px * g->sy;
        double x = r->box.x0 * g->sx;
        double end = r->box.x1 * g->sx;
        /* Within a line, text never starts left of where the previous word
         * ended: extractors order a line's characters by x, and OCR words
         * can overlap (a diacritic read as its own word). */
        bool same_line = i > 0 && r->line >= 0 && pr->r[i - 1].line == r->line;
        /* The same holds for the next line when it continues the row to
         * the right (two OCR lines side by side, boxes overlapping). */
        bool same_row = i > 0 && fabs(base - prev_base) < 0.3 * fmin(fs, prev_fs)
                        && x >= prev_x;
        if ((same_line || same_row) && x < line_end)
            x = line_end;
        int ncid = r->n;
        bool last_in_line = !(next && next->line == r->line && r->line >= 0);
        bool add_space = space > 0;
        if (add_space && !last_in_line) {
            /* the space stretches over the gap to the next word, if any */
            double nx = next->box.x0 * g->sx;
            if (nx > end)
                end = nx;
            ncid++;
        } else if (add_space) {
            /* A line ends with a space too, past its last word: two OCR
             * lines side by side on one row (columns, fragments) must not
             * run together into one word. */
            if (end - x < 0.25 * fs * r->n)
                end = x + 0.25 * fs * r->n;
            end += (end - x) / r->n;
            ncid++;
        }
        /* At least a quarter em per character: extractors find word breaks
         * from the gap a space leaves (poppler wants 0.1 em), and OCR boxes
         * that overlap would otherwise squeeze a word and its space. */
        if (end - x < 0.25 * fs * ncid)
            end = x + 0.25 * fs * ncid;
        line_end = end;
        prev_base = base;
        prev_fs = fs;
        prev_x = x;
        double natural = ncid * fs * CID_WIDTH / 1000.0;
        double tz = 100.0 * (end - x) / natural;
        if (tz < 1) tz = 1;
        if (tz > 10000) tz = 10000;
        if (fabs(fs - cur_fs) > 1e-3) {
            sbuf_puts(c, "/F0 ");
            put_num(c, fs, 3);
            sbuf_puts(c, " Tf\n");
            cur_fs = fs;
        }
        put_num(c, tz, 3);
        sbuf_puts(c, " Tz 1 0 0 1 ");
        put_num(c, x, 3);
        sbuf_putc(c, ' ');
        put_num(c, base, 3);
        sbuf_puts(c, " Tm <");
        for (int k = 0; k < r->n; k++)
            put_cid(c, cidmap_cid(cm, r->cps[k]));
        if (add_space)
            put_cid(c, space);
        sbuf_puts(c, "> Tj\n");
    }
    sbuf_puts(c, "ET\n");
    free(lg);
}

static int put_image(struct pdfw *w, int n, const struct ocr_image *im, int pno, struct err *e)
{
    const char *cs;
    struct sbuf d = SBUF_INIT;
    int rc = -1;

    switch (im->ncomp) {
    case 1: cs = "/DeviceGray"; break;
    case 3: cs = "/DeviceRGB"; break;
    case 4: cs = "/DeviceCMYK"; break;
    default:
        err_set(e, ERR_INTERNAL, "page %d: page image has %d colour components", pno, im->ncomp);
        goto out;
    }
    if (!im->data || im->len < 4) {
        err_set(e, ERR_INTERNAL, "page %d: the page image is empty", pno);
        goto out;
    }
    sbuf_printf(&d, "/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace %s",
                im->width, im->height, cs);
    switch (im->fmt) {
    case OCR_IMG_JPEG:
        if (im->data[0] != 0xFF || im->data[1] != 0xD8) {
            err_set(e, ERR_INTERNAL, "page %d: the page image is not JPEG data", pno);
            goto out;
        }
        sbuf_puts(&d, " /BitsPerComponent 8 /Filter /DCTDecode");
        if (im->ncomp == 4)   /* Adobe CMYK JPEGs store inverted values */
            sbuf_puts(&d, " /Decode [1 0 1 0 1 0 1 0]");
        break;
    case OCR_IMG_CCITT_G4:
        if (im->ncomp != 1) {
            err_set(e, ERR_INTERNAL, "page %d: a G4 page image must be grey", pno);
            goto out;
        }
        sbuf_printf(&d, " /BitsPerComponent 1 /Filter /CCITTFaxDecode /DecodeParms "
                    "<< /K -1 /Columns %d /Rows %d /BlackIs1 %s >>", im->width, im->height,
                    im->black_is_1 ? "true" : "false");
        break;
    case OCR_IMG_FLATE:
        if ((im->bpc != 1 && im->bpc != 8) || (im->bpc == 1 && im->ncomp != 1)
            || (im->data[0] & 0x0F) != 8) {
            err_set(e, ERR_INTERNAL, "page %d: the page image is not zlib data of %d-bit pixels",
                    pno, im->bpc);
            goto out;
        }
        sbuf_printf(&d, " /BitsPerComponent %d /Filter /FlateDecode", im->bpc);
        if (im->bpc == 1)
            sbuf_puts(&d, " /Decode [1 0]");
        break;
    default:
        err_set(e, ERR_INTERNAL, "page %d: no page image was made for the searchable PDF", pno);
        err_hint(e, "This is a bug in ancong: report it with the file.");
        goto out;
    }
    /* An image stream is written as is: its /Filter is already in d. */
    obj_begin(w, n);
    sbuf_printf(w->out, "<< %s /Length %zu >>\nstream\n", sbuf_cstr(&d), im->len);
    sbuf_add(w->out, im->data, im->len);
    sbuf_puts(w->out, "\nendstream");
    obj_end(w);
    rc = 0;
out:
    sbuf_release(&d);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Font objects.                                                        */

static int put_font(struct pdfw *w, const struct cidmap *cm, struct err *e)
{
    struct sbuf s = SBUF_INIT;
    int rc = -1;

    obj_begin(w, OBJ_FONT);
    sbuf_printf(w->out, "<< /Type /Font /Subtype /Type0 /BaseFont /GlyphLessFont "
                "/Encoding /Identity-H /DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>",
                OBJ_CIDFONT, OBJ_TOUNICODE);
    obj_end(w);

    obj_begin(w, OBJ_CIDFONT);
    sbuf_printf(w->out, "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /GlyphLessFont "
                "/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
                "/FontDescriptor %d 0 R /DW %d /CIDToGIDMap %d 0 R >>",
                OBJ_FONTDESC, CID_WIDTH, OBJ_CID2GID);
    obj_end(w);

    obj_begin(w, OBJ_FONTDESC);
    sbuf_printf(w->out, "<< /Type /FontDescriptor /FontName /GlyphLessFont /Flags 5 "
                "/FontBBox [0 %d %d %d] /ItalicAngle 0 /Ascent %d /Descent %d "
                "/CapHeight %d /StemV 80 /FontFile2 %d 0 R >>",
                FONT_DESCENT, CID_WIDTH, FONT_ASCENT, FONT_ASCENT, FONT_DESCENT,
                FONT_ASCENT, OBJ_FONTFILE);
    obj_end(w);

    glyphless_font(&s);
    char extra[32];
    snprintf(extra, sizeof extra, "/Length1 %zu", s.len);
    if (put_stream(w, OBJ_FONTFILE, extra, s.s, s.len, true, e) < 0)
        goto out;

    /* ToUnicode: CID i+1 -> cm->cp[i], at most 100 entries per block */
    sbuf_reset(&s);
    sbuf_puts(&s, "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
              "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
              "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
              "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n");
    for (int i = 0; i < cm->n; i += 100) {
        int k = cm->n - i < 100 ? cm->n - i : 100;
        sbuf_printf(&s, "%d beginbfchar\n", k);
        for (int j = i; j < i + k; j++) {
            int cp = cm->cp[j];
            sbuf_putc(&s, '<');
            put_cid(&s, j + 1);
            sbuf_puts(&s, "> <");
            if (cp >= 0x10000) {
                int v = cp - 0x10000;
                put_cid(&s, 0xD800 + (v >> 10));
                put_cid(&s, 0xDC00 + (v & 0x3FF));
            } else {
                put_cid(&s, cp);
            }
            sbuf_puts(&s, ">\n");
        }
        sbuf_puts(&s, "endbfchar\n");
    }
    sbuf_puts(&s, "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
    if (put_stream(w, OBJ_TOUNICODE, NULL, s.s, s.len, true, e) < 0)
        goto out;

    /* CIDToGIDMap: CID 0 -> glyph 0, every other CID -> glyph 1 */
    sbuf_reset(&s);
    be16(&s, 0);
    for (int i = 0; i < cm->n; i++)
        be16(&s, 1);
    if (put_stream(w, OBJ_CID2GID, NULL, s.s, s.len, true, e) < 0)
        goto out;
    rc = 0;
out:
    sbuf_release(&s);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Metadata: the mark that the document was converted, and by whom.     */

struct meta_text {
    char pdf_date[32];     /* D:YYYYMMDDHHmmSSZ */
    char iso_date[32];     /* YYYY-MM-DDTHH:MM:SSZ */
    const char *producer, *lang, *converted_by;
};

static void put_info_kv(struct sbuf *b, const char *key, const char *val)
{
    if (!val || !*val)
        return;
    sbuf_printf(b, " /%s ", key);
    put_text_string(b, val);
}

static void put_info(struct pdfw *w, const struct pdfout_meta *m, const struct meta_text *mt)
{
    struct sbuf *b = w->out;
    obj_begin(w, OBJ_INFO);
    sbuf_puts(b, "<<");
    put_info_kv(b, "Title", m->title);
    put_info_kv(b, "Producer", mt->producer);
    put_info_kv(b, "Creator", "ancong (scan, OCR, searchable PDF)");
    put_info_kv(b, "Subject", "Bản chuyển đổi từ văn bản giấy sang văn bản điện tử");
    put_info_kv(b, "CreationDate", mt->pdf_date);
    put_info_kv(b, "ModDate", mt->pdf_date);
    put_info_kv(b, "ancong:Converted", "true");
    put_info_kv(b, "ancong:ConvertedBy", mt->converted_by);
    put_info_kv(b, "ancong:ConvertedAt", mt->iso_date);
    put_info_kv(b, "ancong:Station", m->station);
    put_info_kv(b, "ancong:SourceFile", m->source_file);
    put_info_kv(b, "ancong:SourceSHA256", m->source_sha256);
    sbuf_puts(b, " >>");
    obj_end(w);
}

static void xmp_el(struct sbuf *b, const char *tag, const char *val)
{
    if (!val || !*val)
        return;
    sbuf_printf(b, "   <%s>", tag);
    put_xml(b, val);
    sbuf_printf(b, "</%s>\n", tag);
}

static int put_xmp(struct pdfw *w, const struct pdfout_meta *m, const struct meta_text *mt,
                   struct err *e)
{
    struct sbuf x = SBUF_INIT;
    sbuf_puts(&x, "<?xpacket begin=\"\xEF\xBB\xBF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n"
              "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n"
              " <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n"
              "  <rdf:Description rdf:about=\"\"\n"
              "    xmlns:dc=\"http://purl.org/dc/elements/1.1/\"\n"
              "    xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\"\n"
              "    xmlns:pdf=\"http://ns.adobe.com/pdf/1.3/\"\n"
              "    xmlns:ancong=\"urn:ancong:ns:conversion:1.0#\">\n"
              "   <dc:format>application/pdf</dc:format>\n");
    if (m->title && *m->title) {
        sbuf_puts(&x, "   <dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">");
        put_xml(&x, m->title);
        sbuf_puts(&x, "</rdf:li></rdf:Alt></dc:title>\n");
    }
    sbuf_puts(&x, "   <dc:language><rdf:Bag><rdf:li>");
    put_xml(&x, mt->lang);
    sbuf_puts(&x, "</rdf:li></rdf:Bag></dc:language>\n");
    xmp_el(&x, "xmp:CreateDate", mt->iso_date);
    xmp_el(&x, "xmp:ModifyDate", mt->iso_date);
    xmp_el(&x, "xmp:MetadataDate", mt->iso_date);
    xmp_el(&x, "xmp:CreatorTool", "ancong (scan, OCR, searchable PDF)");
    xmp_el(&x, "pdf:Producer", mt->producer);
    xmp_el(&x, "ancong:Converted", "True");
    xmp_el(&x, "ancong:ConversionType", "paper-to-electronic (scan + OCR)");
    xmp_el(&x, "ancong:ConvertedBy", mt->converted_by);
    xmp_el(&x, "ancong:ConvertedAt", mt->iso_date);
    xmp_el(&x, "ancong:Station", m->station);
    xmp_el(&x, "ancong:SourceFile", m->source_file);
    xmp_el(&x, "ancong:SourceSHA256", m->source_sha256);
    sbuf_puts(&x, "  </rdf:Description>\n </rdf:RDF>\n</x:xmpmeta>\n");
    /* room for in-place edits, as XMP packets conventionally leave */
    for (int i = 0; i < 20; i++)
        sbuf_puts(&x, "                                                                   \n");
    sbuf_puts(&x, "<?xpacket end=\"w\"?>");
    /* Uncompressed, so that tools that scan for the packet find it. */
    int rc = put_stream(w, OBJ_XMP, "/Type /Metadata /Subtype /XML", x.s, x.len, false, e);
    sbuf_release(&x);
    return rc;
}

/* ------------------------------------------------------------------ */

int pdf_write_searchable(const struct ocr_doc *doc, const struct ocr_images *imgs,
                         const struct pdfout_meta *meta, struct sbuf *out, struct err *e)
{
    static const struct pdfout_meta no_meta;
    struct pdfw w = {0};
    struct cidmap cm = {0};
    struct page_runs *runs = NULL;
    struct sbuf content = SBUF_INIT;
    int rc = -1;

    if (!meta)
        meta = &no_meta;
    if (!doc || doc->npages <= 0) {
        err_set(e, ERR_INPUT, "the document has no pages to put in a searchable PDF");
        return -1;
    }
    if (!imgs || imgs->n < doc->npages) {
        err_set(e, ERR_INTERNAL, "the document has %d pages but %d page images were made",
                doc->npages, imgs ? imgs->n : 0);
        err_hint(e, "This is a bug in ancong: report it with the file.");
        return -1;
    }

    /* Pass 1: the words of every page, and the code points they use. */
    runs = xcalloc((size_t)doc->npages, sizeof *runs);
    for (int i = 0; i < doc->npages; i++) {
        const struct ocr_page *pg = &doc->pages[i];
        const struct ocr_image *im = &imgs->img[i];
        page_collect(pg, pg->width_px > 0 ? pg->width_px : im->width,
                     pg->height_px > 0 ? pg->height_px : im->height, &runs[i], &cm);
    }
    cidmap_add(&cm, ' ');
    cidmap_finish(&cm);
    if (cm.n > MAX_CODEPOINTS) {
        err_set(e, ERR_LIMIT, "the OCR text uses %d different characters, more than a PDF "
                "font can hold", cm.n);
        goto out;
    }

    /* Metadata texts. */
    struct meta_text mt = {0};
    time_t t = meta->created ? meta->created : time(NULL);
    struct tm tmv;
    gmtime_r(&t, &tmv);
    strftime(mt.pdf_date, sizeof mt.pdf_date, "D:%Y%m%d%H%M%SZ", &tmv);
    strftime(mt.iso_date, sizeof mt.iso_date, "%Y-%m-%dT%H:%M:%SZ", &tmv);
    mt.producer = meta->producer && *meta->producer ? meta->producer : "ancong";
    mt.lang = meta->lang && *meta->lang ? meta->lang : "vi-VN";
    mt.converted_by = meta->converted_by && *meta->converted_by ? meta->converted_by : "ancong";

    w.out = out;
    w.base = out->len;
    w.nobj = OBJ_FIRST_PAGE + OBJS_PER_PAGE * doc->npages;
    w.off = xcalloc((size_t)w.nobj, sizeof *w.off);

    /* %PDF-1.7 and a comment with high bytes, so transfer tools treat it as binary. */
    sbuf_puts(out, "%PDF-1.7\n%\xE2\xE3\xCF\xD3\n");

    obj_begin(&w, OBJ_CATALOG);
    sbuf_printf(out, "<< /Type /Catalog /Pages %d 0 R /Metadata %d 0 R /Lang ", OBJ_PAGES,
                OBJ_XMP);
    put_text_string(out, mt.lang);
    sbuf_puts(out, " /ViewerPreferences << /DisplayDocTitle true >> >>");
    obj_end(&w);

    obj_begin(&w, OBJ_PAGES);
    sbuf_puts(out, "<< /Type /Pages /Kids [");
    for (int i = 0; i < doc->npages; i++)
        sbuf_printf(out, "%s%d 0 R", i ? " " : "", OBJ_FIRST_PAGE + OBJS_PER_PAGE * i);
    sbuf_printf(out, "] /Count %d >>", doc->npages);
    obj_end(&w);

    if (put_xmp(&w, meta, &mt, e) < 0)
        goto out;
    put_info(&w, meta, &mt);
    if (put_font(&w, &cm, e) < 0)
        goto out;

    for (int i = 0; i < doc->npages; i++) {
        const struct ocr_page *pg = &doc->pages[i];
        const struct ocr_image *im = &imgs->img[i];
        int pno = pg->number > 0 ? pg->number : i + 1;
        int on = OBJ_FIRST_PAGE + OBJS_PER_PAGE * i;
        struct page_geom g;
        if (page_geometry(pg, im, pno, &g, e) < 0)
            goto out;

        obj_begin(&w, on);
        sbuf_printf(out, "<< /Type /Page /Parent %d 0 R /MediaBox [0 0 ", OBJ_PAGES);
        put_num(out, g.w_pt, 4);
        sbuf_putc(out, ' ');
        put_num(out, g.h_pt, 4);
        sbuf_printf(out, "] /Resources << /XObject << /Im0 %d 0 R >> /Font << /F0 %d 0 R >> "
                    "/ProcSet [/PDF /Text /ImageB /ImageC /ImageI] >> /Contents %d 0 R >>",
                    on + 2, OBJ_FONT, on + 1);
        obj_end(&w);

        sbuf_reset(&content);
        page_content(pg, &runs[i], &cm, &g, &content);
        if (put_stream(&w, on + 1, NULL, content.s, content.len, true, e) < 0)
            goto out;
        if (put_image(&w, on + 2, im, pno, e) < 0)
            goto out;
    }

    /* Cross-reference table and trailer. */
    size_t xref = out->len - w.base;
    sbuf_printf(out, "xref\n0 %d\n0000000000 65535 f \n", w.nobj);
    for (int n = 1; n < w.nobj; n++)
        sbuf_printf(out, "%010zu 00000 n \n", w.off[n]);
    /* /ID: a digest of what makes this file, stable for the same input. */
    struct sbuf idsrc = SBUF_INIT;
    sbuf_printf(&idsrc, "%s|%s|%s|%d", mt.iso_date, meta->source_sha256 ? meta->source_sha256 : "",
                meta->source_file ? meta->source_file : "", doc->npages);
    unsigned char dig[32];
    hash_buf_raw(idsrc.s, idsrc.len, dig);
    sbuf_release(&idsrc);
    char idhex[33];
    for (int i = 0; i < 16; i++)
        snprintf(idhex + 2 * i, 3, "%02X", dig[i]);
    sbuf_printf(out, "trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R /ID [<%s> <%s>] >>\n"
                "startxref\n%zu\n%%%%EOF\n", w.nobj, OBJ_CATALOG, OBJ_INFO, idhex, idhex, xref);
    rc = 0;
out:
    if (runs)
        for (int i = 0; i < doc->npages; i++)
            runs_release(&runs[i]);
    free(runs);
    free(cm.cp);
    free(w.off);
    sbuf_release(&content);
    return rc;
}
