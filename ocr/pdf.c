/*
 * ocr/pdf.c: the PDF path (Poppler glib + cairo).
 *
 * A page whose text layer holds real text is read from it (source
 * "text_layer", word boxes from poppler_page_get_text_layout); any other
 * page is rendered at the configured resolution and OCR'd.  A page never
 * gets both, so an existing invisible OCR layer is re-used, not doubled.
 * /Rotate is honoured by Poppler when rendering and laying out text.
 *
 * Before rendering, the raw bytes are scanned for image XObjects whose
 * declared size is over the pixel limit (Poppler would decode them whole).
 */
#include "ocr/ocr_int.h"

#include <ctype.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cairo.h>
#include <poppler.h>
#include <zlib.h>

#include "common/str.h"

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static const unsigned char *memfind(const unsigned char *h, size_t n, const char *needle,
                                    size_t from)
{
    size_t nl = strlen(needle);
    if (from >= n || nl > n) return NULL;
    const void *p = memmem(h + from, n - from, needle, nl);
    return p;
}

static long read_int_after(const unsigned char *d, size_t n, const unsigned char *p)
{
    size_t i = (size_t)(p - d);
    while (i < n && (d[i] == ' ' || d[i] == '\r' || d[i] == '\n' || d[i] == '\t')) i++;
    long v = 0;
    int digits = 0;
    while (i < n && isdigit(d[i]) && digits < 12) { v = v * 10 + (d[i] - '0'); i++; digits++; }
    /* "12 0 R" is a reference, not a size we can read here */
    return digits ? v : -1;
}

/* Largest image XObject declared in the file (width x height), 0 if none. */
static double largest_image(const unsigned char *d, size_t n, long *bw, long *bh)
{
    double best = 0;
    size_t pos = 0;
    const unsigned char *p;
    while ((p = memfind(d, n, "/Image", pos))) {
        size_t at = (size_t)(p - d);
        pos = at + 6;
        if (pos < n && isalpha(d[pos])) continue;        /* /ImageMask, /ImageB ... */
        size_t lo = at > 600 ? at - 600 : 0, hi = at + 600 < n ? at + 600 : n;
        long w = -1, h = -1;
        const unsigned char *q;
        if ((q = memfind(d, hi, "/Width", lo))) w = read_int_after(d, hi, q + 6);
        if ((q = memfind(d, hi, "/Height", lo))) h = read_int_after(d, hi, q + 7);
        if (w > 0 && h > 0 && (double)w * h > best) {
            best = (double)w * h;
            *bw = w;
            *bh = h;
        }
    }
    return best;
}

/* Scanner PDFs hold one image per page, all the same size: then pages are
 * rendered at the images' own resolution (no resampling, and Tesseract
 * reads the pixels the scanner made).  Returns 0 when that is not the case. */
static int same_images(const unsigned char *d, size_t n, int npages, long *iw, long *ih)
{
    size_t pos = 0;
    int count = 0;
    long w0 = 0, h0 = 0;
    const unsigned char *p;
    while ((p = memfind(d, n, "/Image", pos))) {
        size_t at = (size_t)(p - d);
        pos = at + 6;
        if (pos < n && isalpha(d[pos])) continue;
        size_t lo = at > 600 ? at - 600 : 0, hi = at + 600 < n ? at + 600 : n;
        long w = -1, h = -1;
        const unsigned char *q;
        if ((q = memfind(d, hi, "/Width", lo))) w = read_int_after(d, hi, q + 6);
        if ((q = memfind(d, hi, "/Height", lo))) h = read_int_after(d, hi, q + 7);
        if (w <= 0 || h <= 0) return 0;
        if (!count) { w0 = w; h0 = h; }
        else if (w != w0 || h != h0) return 0;
        if (++count > npages) return 0;
    }
    if (count != npages) return 0;
    *iw = w0;
    *ih = h0;
    return 1;
}

/* Every image XObject in the file is 1 bit deep (/BitsPerComponent 1 or an
 * /ImageMask): a black-and-white scan (CCITT G4, JBIG2, 1-bit Flate).  Its
 * pages then go into the searchable PDF bilevel too (CCITT G4), not as a
 * grey JPEG many times the original's size. */
static int all_images_bilevel(const unsigned char *d, size_t n)
{
    size_t pos = 0;
    int count = 0;
    const unsigned char *p;
    while ((p = memfind(d, n, "/Image", pos))) {
        size_t at = (size_t)(p - d);
        pos = at + 6;
        if (pos < n && isalpha(d[pos])) continue;
        /* the image's dictionary: from its "obj" to its "stream" */
        size_t lo = at > 4000 ? at - 4000 : 0, hi = at + 4000 < n ? at + 4000 : n;
        const unsigned char *q, *last = NULL;
        for (size_t from = lo; (q = memfind(d, at, " obj", from)); from = (size_t)(q - d) + 4)
            last = q;
        if (last) lo = (size_t)(last - d);
        if ((q = memfind(d, hi, "stream", at))) hi = (size_t)(q - d);
        if ((q = memfind(d, hi, "endobj", at))) hi = (size_t)(q - d);
        const unsigned char *m = memfind(d, hi, "/ImageMask", lo);
        if (m) {
            size_t i = (size_t)(m - d) + 10;
            while (i < hi && (d[i] == ' ' || d[i] == '\r' || d[i] == '\n')) i++;
            if (i + 4 <= hi && !memcmp(d + i, "true", 4)) { count++; continue; }
        }
        const unsigned char *b = memfind(d, hi, "/BitsPerComponent", lo);
        if (!b || read_int_after(d, hi, b + 17) != 1) return 0;
        count++;
    }
    return count > 0;
}

static int native_dpi(long iw, long ih, double wpt, double hpt, int render_dpi)
{
    double a = (double)iw / ih, b = wpt / hpt;
    double dpi;
    if (fabs(a / b - 1) < 0.02) dpi = iw * 72.0 / wpt;
    else if (fabs(a * b - 1) < 0.02) dpi = ih * 72.0 / wpt;     /* /Rotate 90 or 270 */
    else return 0;
    if (dpi < 150 || dpi >= render_dpi - 10) return 0;
    return (int)lround(dpi);
}

/* The distinct pixel sizes (width, height) of the file's image XObjects,
 * at most max of them; returns the count. */
static int image_sizes(const unsigned char *d, size_t n, long (*wh)[2], int max)
{
    size_t pos = 0;
    int count = 0;
    const unsigned char *p;
    while (count < max && (p = memfind(d, n, "/Image", pos))) {
        size_t at = (size_t)(p - d);
        pos = at + 6;
        if (pos < n && isalpha(d[pos])) continue;
        size_t lo = at > 600 ? at - 600 : 0, hi = at + 600 < n ? at + 600 : n;
        long w = -1, h = -1;
        const unsigned char *q;
        if ((q = memfind(d, hi, "/Width", lo))) w = read_int_after(d, hi, q + 6);
        if ((q = memfind(d, hi, "/Height", lo))) h = read_int_after(d, hi, q + 7);
        if (w <= 0 || h <= 0) continue;
        int seen = 0;
        for (int i = 0; i < count && !seen; i++)
            seen = wh[i][0] == w && wh[i][1] == h;
        if (!seen) {
            wh[count][0] = w;
            wh[count][1] = h;
            count++;
        }
    }
    return count;
}

/*
 * A page whose content is an image (a scan, a photo) holding more pixels
 * than the page at dpi gets: the resolution that keeps the image's own
 * pixels, so that its text stays as large as it was scanned.  A small page
 * carrying a 4000 x 2864 image "at 2400 dpi" is 500 x 358 pixels at 300 dpi,
 * its letters 3 pixels high: nothing can be read.  The render gets at most
 * the pixels of an A4 page at dpi (and never over max_pixels), so a large
 * page, a normal 200-600 dpi scan on A4 or a modest gain (under 25 %) keep
 * dpi.  The image is the largest one drawn on the page, covering at least
 * half of it; its pixel size is the smallest of the file's images of its
 * shape (the page's own is not known without decoding it).  Returns the
 * resolution to render at, or 0 to keep dpi.
 */
static int image_page_dpi(PopplerPage *page, double wpt, double hpt, int dpi,
                          const long (*wh)[2], int nsz, long max_pixels)
{
    const double a4_in2 = 8.27 * 11.69;
    double budget = a4_in2 * dpi * dpi, page_in2 = wpt * hpt / (72.0 * 72.0);
    double aw = 0, ah = 0, best = 0;
    GList *maps, *l;

    if (nsz <= 0 || page_in2 * dpi * dpi * 1.25 * 1.25 > budget)
        return 0;
    /* quick way out: no image has that many pixels (every normal scan) */
    {
        double most = 0;
        for (int i = 0; i < nsz; i++)
            if ((double)wh[i][0] * wh[i][1] > most) most = (double)wh[i][0] * wh[i][1];
        /* the image covers at least half the page: the page at its
         * resolution has at most twice its pixels */
        if (2 * most < page_in2 * dpi * dpi * 1.25 * 1.25)
            return 0;
    }
    maps = poppler_page_get_image_mapping(page);
    for (l = maps; l; l = l->next) {
        const PopplerImageMapping *m = l->data;
        double w = fabs(m->area.x2 - m->area.x1), h = fabs(m->area.y2 - m->area.y1);
        if (w * h > aw * ah) { aw = w; ah = h; }
    }
    poppler_page_free_image_mapping(maps);
    if (aw < 1 || ah < 1 || aw * ah < 0.5 * wpt * hpt)
        return 0;
    for (int i = 0; i < nsz; i++) {
        double a = (double)wh[i][0] / wh[i][1], b = aw / ah, r;
        if (fabs(a / b - 1) < 0.02) r = wh[i][0] * 72.0 / aw;
        else if (fabs(a * b - 1) < 0.02) r = wh[i][1] * 72.0 / aw;   /* a quarter turn */
        else continue;
        if (best == 0 || r < best) best = r;
    }
    if (best < dpi * 1.25)
        return 0;
    double px = page_in2 * best * best;
    if (max_pixels > 0 && budget > (double)max_pixels) budget = (double)max_pixels;
    if (px > budget) best *= sqrt(budget / px);
    if (best < dpi * 1.25)
        return 0;
    return (int)floor(best);
}

/*
 * The page's /Rotate (0, 90, 180 or 270: how far a viewer turns the page
 * clockwise to show it), as Poppler resolved it (inherited, normalised).
 * Poppler renders and lays out text with it, but the glib API has no getter.
 * It does "unrotate" the rectangle of an annotation added to a rotated page
 * (the PDF stores annotation rectangles in unrotated space): add a tiny
 * probe at the displayed page's origin, see which corner of the unrotated
 * crop box it lands in, and take the probe away again.  Checked against
 * the page size (90/270 swap width and height), so a Poppler that stops
 * doing this gives 0, and tests/integration/process_robust.sh fails.
 * Call it after everything else is read from the page.
 */
static int page_rotate(PopplerDocument *pd, PopplerPage *page)
{
    PopplerRectangle r = { 1, 1, 2, 2 }, got = { 0, 0, 0, 0 }, cb = { 0, 0, 0, 0 };
    double w = 0, h = 0;
    PopplerAnnot *a;
    int rot = 0;

    poppler_page_get_crop_box(page, &cb);
    poppler_page_get_size(page, &w, &h);
    a = poppler_annot_text_new(pd, &r);
    if (!a) return 0;
    poppler_page_add_annot(page, a);
    poppler_annot_get_rectangle(a, &got);
    poppler_page_remove_annot(page, a);
    g_object_unref(a);

    double cx = (cb.x1 + cb.x2) / 2, cy = (cb.y1 + cb.y2) / 2;
    double mx = (got.x1 + got.x2) / 2, my = (got.y1 + got.y2) / 2;
    int right = mx > cx, top = my > cy;
    rot = !right && !top ? 0 : right && !top ? 90 : right && top ? 180 : 270;
    double cw = fabs(cb.x2 - cb.x1), ch = fabs(cb.y2 - cb.y1);
    if (fabs(cw - ch) > 1) {
        int swapped = fabs(w - ch) < 1 && fabs(h - cw) < 1;
        if (swapped != (rot == 90 || rot == 270)) rot = 0;
    }
    return rot;
}

/* Render a page to a 32 bpp PIX at dpi (white background). */
static PIX *render_page(PopplerPage *page, double wpt, double hpt, int dpi)
{
    int W = (int)ceil(wpt * dpi / 72.0), H = (int)ceil(hpt * dpi / 72.0);
    cairo_surface_t *s;
    cairo_t *cr;
    PIX *pix = NULL;

    if (W < 1 || H < 1) return NULL;
    s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, W, H);
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(s);
        return NULL;
    }
    cr = cairo_create(s);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_scale(cr, dpi / 72.0, dpi / 72.0);
    poppler_page_render_for_printing(page, cr);
    cairo_destroy(cr);
    cairo_surface_flush(s);

    /* cairo RGB24 is 0x00RRGGBB per native uint32; Leptonica is 0xRRGGBBAA. */
    unsigned char *src = cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s);
    int grey = 1;
    for (int y = 0; y < H && grey; y += 7) {
        const uint32_t *row = (const uint32_t *)(src + (size_t)y * stride);
        for (int x = 0; x < W; x += 3) {
            uint32_t v = row[x];
            if (((v >> 16) & 0xff) != ((v >> 8) & 0xff) || ((v >> 8) & 0xff) != (v & 0xff)) {
                grey = 0;
                break;
            }
        }
    }
    pix = pixCreate(W, H, grey ? 8 : 32);
    if (pix) {
        for (int y = 0; y < H; y++) {
            const uint32_t *row = (const uint32_t *)(src + (size_t)y * stride);
            l_uint32 *line = pixGetData(pix) + (size_t)y * pixGetWpl(pix);
            if (grey) {
                for (int x = 0; x < W; x++) SET_DATA_BYTE(line, x, row[x] & 0xff);
            } else {
                for (int x = 0; x < W; x++) line[x] = row[x] << 8;
            }
        }
        pixSetResolution(pix, dpi, dpi);
    }
    cairo_surface_destroy(s);
    return pix;
}

/* A letter a Vietnamese text is written with: a-z, đ, and the vowels with
 * their Vietnamese marks (breve, circumflex, horn; one tone: grave, acute,
 * hook above, tilde, dot below).  é, à, ó... are Vietnamese letters too;
 * ä, ç, ø, µ, CJK ideographs and the like are not. */
static int viet_letter(gunichar c, int *vowel)
{
    gunichar d[8];
    gsize n;

    *vowel = 0;
    c = g_unichar_tolower(c);
    if (c == 0x0111) return 1;                              /* đ */
    if (c < 0x80) {
        if (c < 'a' || c > 'z') return 0;
        *vowel = strchr("aeiouy", (int)c) != NULL;
        return 1;
    }
    if (c < 0xC0 || c > 0x1EFF) return 0;
    n = g_unichar_fully_decompose(c, FALSE, d, 8);
    if (n < 2 || d[0] >= 0x80 || d[0] < 'a' || d[0] > 'z') return 0;
    int tones = 0;
    for (gsize i = 1; i < n; i++) {
        switch (d[i]) {
        case 0x0306: case 0x0302: case 0x031B: break;       /* ă â ê ô ơ ư */
        case 0x0300: case 0x0301: case 0x0309: case 0x0303: case 0x0323: tones++; break;
        default: return 0;
        }
    }
    if (tones > 1) return 0;
    *vowel = strchr("aeiouy", (int)d[0]) != NULL;
    return 1;
}

/*
 * A text layer worth using instead of OCR: it must read like the documents
 * we get (Vietnamese, or at least Latin script), not like what a font with a
 * broken or missing Unicode map gives.  Such maps give CJK ideographs (bytes
 * taken as UTF-16 the wrong way round: "M" -> U+4D00), private-use or
 * replacement characters, control characters, Latin-1 symbols (legacy
 * TCVN3/VNI fonts: "Céng hoµ x· héi"), or letter soup without vowels.
 *   - at least 16 letters or digits;
 *   - few bad characters (U+FFFD, private use, controls): under 1 in 10;
 *   - at least 90 % of the letters are letters Vietnamese is written with;
 *   - words look like words: most (60 %) of those of 2+ letters hold a
 *     vowel, and they are not absurdly long on average (no spaces at all).
 */
static int real_text(const char *t)
{
    int good = 0, bad = 0, letters = 0, viet = 0;
    int words = 0, vowel_words = 0, word_len = 0, word_vowel = 0;
    long word_letters = 0;

    for (const char *p = t; p && *p;) {
        gunichar c = g_utf8_get_char_validated(p, -1);
        int vowel = 0, is_letter = 0;
        if (c == (gunichar)-1 || c == (gunichar)-2) return 0;
        if (g_unichar_isalpha(c) || g_unichar_ismark(c)) {
            is_letter = !g_unichar_ismark(c);
            if (is_letter) {
                letters++;
                good++;
                if (viet_letter(c, &vowel)) viet++;
            }
        } else if (g_unichar_isdigit(c)) {
            good++;
        } else if (c == 0xFFFD || (g_unichar_iscntrl(c) && c != '\n' && c != '\t' && c != '\r') ||
                   (c >= 0xE000 && c <= 0xF8FF) || (c >= 0xF0000 && c <= 0x10FFFF) ||
                   (c >= 0xA1 && c <= 0xBF) || c == 0xD7 || c == 0xF7) {
            bad++;
        }
        if (is_letter) {
            word_len++;
            word_vowel |= vowel;
        } else if (!g_unichar_ismark(c)) {
            if (word_len >= 2) {
                words++;
                vowel_words += word_vowel;
                word_letters += word_len;
            }
            word_len = 0;
            word_vowel = 0;
        }
        p = g_utf8_next_char(p);
    }
    if (word_len >= 2) {
        words++;
        vowel_words += word_vowel;
        word_letters += word_len;
    }
    if (good < 16 || bad * 10 >= good) return 0;
    if (letters > 0 && viet * 10 < letters * 9) return 0;
    if (words > 0 && (vowel_words * 10 < words * 6 || word_letters > 20L * words)) return 0;
    return 1;
}

/* Words and lines from the text layer, boxes scaled to dpi. */
struct tl_ctx {
    struct ocr_page *pg;
    int capw, capl, cur_line;
    struct sbuf word;
    struct ocr_box wb;
    int have_box;
};

static void tl_flush(struct tl_ctx *c)
{
    struct ocr_page *pg = c->pg;
    if (!c->word.len) return;
    char *t = utf8_nfc(c->word.s);
    sbuf_reset(&c->word);
    if (c->cur_line < 0) {
        if (pg->nlines == c->capl) {
            c->capl = c->capl ? c->capl * 2 : 64;
            pg->lines = xrealloc(pg->lines, c->capl * sizeof *pg->lines);
        }
        memset(&pg->lines[pg->nlines], 0, sizeof pg->lines[0]);
        pg->lines[pg->nlines].first_word = pg->nwords;
        pg->lines[pg->nlines].box = c->wb;
        c->cur_line = pg->nlines++;
    }
    if (pg->nwords == c->capw) {
        c->capw = c->capw ? c->capw * 2 : 256;
        pg->words = xrealloc(pg->words, c->capw * sizeof *pg->words);
    }
    struct ocr_word *w = &pg->words[pg->nwords++];
    w->text = t;
    w->box = c->wb;
    w->conf = 1.0f;
    w->line = c->cur_line;
    struct ocr_line *ln = &pg->lines[c->cur_line];
    ln->nwords++;
    ln->conf = 1.0f;
    if (c->wb.x0 < ln->box.x0) ln->box.x0 = c->wb.x0;
    if (c->wb.y0 < ln->box.y0) ln->box.y0 = c->wb.y0;
    if (c->wb.x1 > ln->box.x1) ln->box.x1 = c->wb.x1;
    if (c->wb.y1 > ln->box.y1) ln->box.y1 = c->wb.y1;
    c->have_box = 0;
}

static void text_layer_page(PopplerPage *page, const char *text, double scale,
                            struct ocr_page *pg)
{
    PopplerRectangle *rects = NULL;
    guint nr = 0, ci = 0;
    struct tl_ctx c = { pg, 0, 0, -1, SBUF_INIT, { 0, 0, 0, 0 }, 0 };
    struct ocr_box prev = { 0, 0, 0, 0 };
    int have_prev = 0;

    poppler_page_get_text_layout(page, &rects, &nr);
    for (const char *p = text; *p; p = g_utf8_next_char(p), ci++) {
        gunichar ch = g_utf8_get_char(p);
        if (ch == '\n' || g_unichar_isspace(ch)) {
            tl_flush(&c);
            if (ch == '\n') c.cur_line = -1;
            continue;
        }
        struct ocr_box b = c.wb;
        int hb = 0;
        if (ci < nr) {
            b = (struct ocr_box){ (int)floor(rects[ci].x1 * scale), (int)floor(rects[ci].y1 * scale),
                                  (int)ceil(rects[ci].x2 * scale), (int)ceil(rects[ci].y2 * scale) };
            hb = 1;
            /* Poppler may glue two cells of a row into one "word" with no
             * space: break where the next glyph is far from the last one. */
            int h = b.y1 - b.y0;
            /* Text running down the page (a page turned by /Rotate shows
             * its lines sideways): glyphs stack in one column; no gap test. */
            int vertical = have_prev &&
                abs((b.x0 + b.x1) - (prev.x0 + prev.x1)) < (prev.x1 - prev.x0) &&
                abs((b.y0 + b.y1) - (prev.y0 + prev.y1)) >= (prev.y1 - prev.y0);
            if (c.word.len && c.have_box && h > 0 && !vertical &&
                (b.x0 - c.wb.x1 > h * 8 / 10 || b.x0 - c.wb.x1 < -2 * h))
                tl_flush(&c);
            prev = b;
            have_prev = 1;
        }
        sbuf_add(&c.word, p, (size_t)(g_utf8_next_char(p) - p));
        if (hb) {
            if (!c.have_box) { c.wb = b; c.have_box = 1; }
            else {
                if (b.x0 < c.wb.x0) c.wb.x0 = b.x0;
                if (b.y0 < c.wb.y0) c.wb.y0 = b.y0;
                if (b.x1 > c.wb.x1) c.wb.x1 = b.x1;
                if (b.y1 > c.wb.y1) c.wb.y1 = b.y1;
            }
        }
    }
    tl_flush(&c);
    sbuf_release(&c.word);
    g_free(rects);
    /* block ids: a new block where the vertical gap is large */
    int block = 0;
    for (int l = 0; l < pg->nlines; l++) {
        if (l) {
            int h = pg->lines[l - 1].box.y1 - pg->lines[l - 1].box.y0;
            if (pg->lines[l].box.y0 - pg->lines[l - 1].box.y1 > h) block++;
        }
        pg->lines[l].block = block;
    }
    pg->source = OCR_SRC_TEXT_LAYER;
    pg->ocr_conf = pg->nwords ? 1.0 : 0;
    ocr_page_rebuild_text(pg);
}

/* Text shown in filled form fields is part of the page's text: put each
 * text field's value in as a line, at its place from the top. */
static void add_form_text(PopplerPage *page, double hpt, double scale, struct ocr_page *pg)
{
    GList *map = poppler_page_get_form_field_mapping(page);
    for (GList *l = map; l; l = l->next) {
        PopplerFormFieldMapping *m = l->data;
        if (poppler_form_field_get_field_type(m->field) != POPPLER_FORM_FIELD_TEXT) continue;
        gchar *v = poppler_form_field_text_get_text(m->field);
        if (!v || !*v) { g_free(v); continue; }
        char *t = utf8_sanitize(v, strlen(v));
        g_free(v);
        str_squash(t);
        if (!*t || (pg->text && strstr(pg->text, t))) { free(t); continue; }
        struct ocr_box b = { (int)floor(m->area.x1 * scale), (int)floor((hpt - m->area.y2) * scale),
                             (int)ceil(m->area.x2 * scale), (int)ceil((hpt - m->area.y1) * scale) };
        /* its words, boxes shared out by length; the line goes before
         * the first line that starts lower */
        char *nfc = utf8_nfc(t);
        free(t);
        int nw = 1, total = 0;
        for (char *q = nfc; *q; q++) nw += *q == ' ';
        total = (int)strlen(nfc) - (nw - 1);
        int at = 0;
        while (at < pg->nlines && pg->lines[at].box.y0 <= b.y0) at++;
        int fw = at < pg->nlines ? pg->lines[at].first_word : pg->nwords;
        pg->words = xrealloc(pg->words, (pg->nwords + nw) * sizeof *pg->words);
        memmove(pg->words + fw + nw, pg->words + fw, (pg->nwords - fw) * sizeof *pg->words);
        int k = 0, done = 0;
        for (char *q = nfc, *sp; k < nw; q = sp + 1, k++) {
            sp = strchr(q, ' ');
            if (!sp) sp = q + strlen(q);
            int len = (int)(sp - q);
            struct ocr_box wb = b;
            if (total > 0) {
                wb.x0 = b.x0 + (b.x1 - b.x0) * done / total;
                wb.x1 = b.x0 + (b.x1 - b.x0) * (done + len) / total;
                if (wb.x1 <= wb.x0) wb.x1 = wb.x0 + 1;
            }
            done += len;
            pg->words[fw + k] = (struct ocr_word){ xstrndup(q, (size_t)len), wb, 1.0f, at };
            if (!*sp) { k++; break; }
        }
        nw = k;
        free(nfc);
        pg->nwords += nw;
        pg->lines = xrealloc(pg->lines, (pg->nlines + 1) * sizeof *pg->lines);
        memmove(pg->lines + at + 1, pg->lines + at, (pg->nlines - at) * sizeof *pg->lines);
        pg->lines[at] = (struct ocr_line){ NULL, b, 1.0f, fw, nw,
                                           at ? pg->lines[at - 1].block : 0 };
        pg->nlines++;
        for (int q = at + 1; q < pg->nlines; q++) pg->lines[q].first_word += nw;
        for (int w = fw + nw; w < pg->nwords; w++) pg->words[w].line++;
        ocr_page_rebuild_text(pg);
    }
    poppler_page_free_form_field_mapping(map);
}

static void find_sigs(PopplerDocument *pd, const unsigned char *d, size_t n, struct ocr_doc *doc)
{
    GList *fields = poppler_document_get_signature_fields(pd);
    int cnt = (int)g_list_length(fields);
    size_t sf_pos = 0;

    if (cnt <= 0) {
        g_list_free_full(fields, g_object_unref);
        return;
    }
    doc->sigs = xcalloc(cnt, sizeof *doc->sigs);
    for (GList *l = fields; l; l = l->next) {
        PopplerFormField *f = l->data;
        struct ocr_sig_info *si = &doc->sigs[doc->nsigs];
        GError *ge = NULL;
        PopplerSignatureInfo *info =
            poppler_form_field_signature_validate_sync(f, 0, NULL, &ge);
        if (ge) g_error_free(ge);
        if (info) {
            const char *nm = poppler_signature_info_get_signer_name(info);
            if (nm && *nm) si->signer = utf8_sanitize(nm, strlen(nm));
            GDateTime *dt = poppler_signature_info_get_local_signing_time(info);
            if (dt) {
                gchar *iso = g_date_time_format_iso8601(dt);
                if (iso) si->time = xstrdup(iso);
                g_free(iso);
            }
            poppler_signature_info_free(info);
        }
        /* SubFilter is not in the glib API: take the next one in the file. */
        const unsigned char *p = d ? memfind(d, n, "/SubFilter", sf_pos) : NULL;
        if (p) {
            size_t i = (size_t)(p - d) + 10;
            while (i < n && (d[i] == ' ' || d[i] == '\r' || d[i] == '\n')) i++;
            if (i < n && d[i] == '/') {
                size_t j = ++i;
                while (j < n && j - i < 64 && (isalnum(d[j]) || d[j] == '.' || d[j] == '_' || d[j] == '-')) j++;
                si->subfilter = xstrndup((const char *)d + i, j - i);
            }
            sf_pos = (size_t)(p - d) + 10;
        }
        doc->nsigs++;
    }
    g_list_free_full(fields, g_object_unref);
}

/* What Poppler says while it reads a file (glib sends its error() lines to
 * g_log, domain "Poppler"): syntax errors, internal errors, I/O errors and
 * unimplemented features mean a page may be incomplete.  "Syntax warning"s
 * (output probably right) and permission notes are not counted. */
struct pop_msgs {
    int n;
    char first[200];
};

static void pop_log(const gchar *domain, GLogLevelFlags level, const gchar *msg, gpointer data)
{
    struct pop_msgs *m = data;
    (void)domain;
    (void)level;
    if (!msg || !g_ascii_strncasecmp(msg, "Syntax warning", 14) ||
        !g_ascii_strncasecmp(msg, "Permission", 10) || !g_ascii_strncasecmp(msg, "Config", 6))
        return;
    if (!m->n++) {
        /* "Syntax error at position -1: Could not find start of jpeg data" */
        const char *c = strstr(msg, ": ");
        snprintf(m->first, sizeof m->first, "%s", c ? c + 2 : msg);
        size_t l = strlen(m->first);
        /* glib escapes the final newline as "<0a>" */
        if (l >= 4 && !strcmp(m->first + l - 4, "<0a>")) m->first[l -= 4] = '\0';
        while (l && (m->first[l - 1] == '\n' || m->first[l - 1] == '\r')) m->first[--l] = '\0';
    }
}

/* Does the last cross-reference section point where it should?  "startxref"
 * must lead to "xref" (a table) or "N G obj" (a stream), and every in-use
 * entry of a table to "N G obj".  A reader rebuilds a broken table by
 * scanning the file, which usually works, but then what it shows may not be
 * what the file's author last saved.  Returns 1 when damaged. */
static int xref_damaged(const unsigned char *d, size_t n)
{
    size_t tail = n > 1024 ? n - 1024 : 0;
    const unsigned char *p = NULL, *q;
    for (size_t from = tail; (q = memfind(d, n, "startxref", from)); from = (size_t)(q - d) + 9)
        p = q;
    if (!p) return 1;
    long off = read_int_after(d, n, p + 9);
    if (off <= 0 || (size_t)off >= n) return 1;
    size_t i = (size_t)off;
    while (i < n && isspace(d[i])) i++;
    if (i + 4 <= n && !memcmp(d + i, "xref", 4)) {
        i += 4;
        for (int sections = 0; sections < 1000; sections++) {
            while (i < n && isspace(d[i])) i++;
            if (i >= n || !isdigit(d[i])) break;           /* "trailer" */
            long first = read_int_after(d, n, d + i);
            while (i < n && isdigit(d[i])) i++;
            long count = read_int_after(d, n, d + i);
            while (i < n && isspace(d[i])) i++;
            while (i < n && isdigit(d[i])) i++;
            if (first < 0 || count < 0 || count > 10000000) return 1;
            while (i < n && (d[i] == ' ' || d[i] == '\r' || d[i] == '\n')) i++;
            for (long k = 0; k < count; k++) {
                if (i + 18 > n) return 1;
                long eoff = read_int_after(d, n, d + i);
                char type = (char)d[i + 17];
                if (type == 'n' && first + k > 0) {
                    if (eoff <= 0 || (size_t)eoff >= n) return 1;
                    size_t o = (size_t)eoff;
                    if (read_int_after(d, n, d + o) != first + k) return 1;
                    const unsigned char *ob = memfind(d, o + 40 < n ? o + 40 : n, "obj", o);
                    if (!ob) return 1;
                }
                i += 18;
                while (i < n && (d[i] == ' ' || d[i] == '\r' || d[i] == '\n')) i++;
            }
        }
        return 0;
    }
    /* an xref stream: "N G obj" */
    if (!isdigit(d[i])) return 1;
    return memfind(d, i + 40 < n ? i + 40 : n, "obj", i) == NULL;
}

/* JPEG images (/Filter /DCTDecode alone) whose data does not start with a
 * JPEG header or has no end marker: cut or garbled.  Poppler decodes an
 * image only when it renders the page, never for a page read from its text
 * layer, so this is looked for in the bytes.  Encrypted files are skipped
 * (their streams are ciphertext).  Returns how many are damaged. */
static int damaged_jpegs(const unsigned char *d, size_t n)
{
    size_t pos = 0;
    int bad = 0;
    const unsigned char *p;
    if (memfind(d, n, "/Encrypt", 0)) return 0;
    while ((p = memfind(d, n, "/DCTDecode", pos))) {
        size_t at = (size_t)(p - d), i = at;
        pos = at + 10;
        while (i > 0 && (d[i - 1] == ' ' || d[i - 1] == '\r' || d[i - 1] == '\n')) i--;
        if (i < 7 || memcmp(d + i - 7, "/Filter", 7) != 0) continue;   /* in a filter array */
        const unsigned char *st = memfind(d, at + 4000 < n ? at + 4000 : n, "stream", at);
        const unsigned char *eo = memfind(d, n, "endobj", at);
        if (!st || (eo && eo < st)) continue;
        size_t b = (size_t)(st - d) + 6;
        if (b < n && d[b] == '\r') b++;
        if (b < n && d[b] == '\n') b++;
        const unsigned char *es = memfind(d, n, "endstream", b);
        if (!es) { bad++; continue; }
        size_t e = (size_t)(es - d), t = e > b + 64 ? e - 64 : b;
        if (e < b + 4 || d[b] != 0xFF || d[b + 1] != 0xD8 || d[b + 2] != 0xFF ||
            !memmem(d + t, e - t, "\xff\xd9", 2))
            bad++;
        pos = e;
    }
    return bad;
}

/* LZW data (PDF's LZWDecode, 9 to 12 bit codes) holds only codes the
 * decoder can have defined by then.  0 good, -1 a bad code (what qpdf calls
 * "bad code received"). */
static int lzw_valid(const unsigned char *p, size_t n, int early)
{
    unsigned long bits = 0;
    int nbits = 0, width = 9, next = 258, have_prev = 0;
    size_t i = 0;

    for (;;) {
        while (nbits < width && i < n) { bits = (bits << 8) | p[i++]; nbits += 8; }
        if (nbits < width) return 0;                   /* out of data: no EOD, tolerated */
        int code = (int)((bits >> (nbits - width)) & ((1u << width) - 1));
        nbits -= width;
        if (code == 256) { width = 9; next = 258; have_prev = 0; continue; }
        if (code == 257) return 0;
        if (!have_prev) {
            if (code > 255) return -1;
            have_prev = 1;
            continue;
        }
        if (code > next) return -1;
        if (next < 4096) next++;
        if (next + early >= (1 << width) && width < 12) width++;
    }
}

/* Streams whose one filter is FlateDecode or LZWDecode and whose data does
 * not decode: qpdf_damaged-stream.pdf holds an LZW stream with a bad code,
 * which Poppler never reads (no page uses it), so it says nothing.  zlib's
 * end checksum is not insisted on (Poppler ignores it too).  Encrypted
 * files are skipped.  Returns how many are damaged (stops counting at 100). */
static int damaged_streams(const unsigned char *d, size_t n)
{
    static const char *const filters[] = { "/FlateDecode", "/LZWDecode" };
    unsigned char out[16384];
    int bad = 0;

    if (memfind(d, n, "/Encrypt", 0)) return 0;
    for (int f = 0; f < 2 && bad < 100; f++) {
        size_t pos = 0, fl = strlen(filters[f]);
        const unsigned char *p;
        while (bad < 100 && (p = memfind(d, n, filters[f], pos))) {
            size_t at = (size_t)(p - d), i = at;
            pos = at + fl;
            while (i > 0 && (d[i - 1] == ' ' || d[i - 1] == '\r' || d[i - 1] == '\n')) i--;
            if (i < 7 || memcmp(d + i - 7, "/Filter", 7) != 0) continue;
            const unsigned char *st = memfind(d, at + 4000 < n ? at + 4000 : n, "stream", at);
            const unsigned char *eo = memfind(d, n, "endobj", at);
            if (!st || (eo && eo < st)) continue;
            size_t b = (size_t)(st - d) + 6;
            if (b < n && d[b] == '\r') b++;
            if (b < n && d[b] == '\n') b++;
            const unsigned char *es = memfind(d, n, "endstream", b);
            if (!es) continue;                         /* truncated file: said elsewhere */
            size_t e = (size_t)(es - d);
            pos = e;
            if (f == 1) {
                const unsigned char *ec = memfind(d, (size_t)(st - d), "/EarlyChange", at > 400 ? at - 400 : 0);
                int early = ec ? (read_int_after(d, n, ec + 12) != 0) : 1;
                if (lzw_valid(d + b, e - b, early) < 0) bad++;
                continue;
            }
            z_stream z;
            memset(&z, 0, sizeof z);
            if (inflateInit(&z) != Z_OK) continue;
            z.next_in = (unsigned char *)(d + b);
            z.avail_in = (uInt)(e - b);
            int zr;
            do {
                z.next_out = out;
                z.avail_out = sizeof out;
                zr = inflate(&z, Z_NO_FLUSH);
            } while (zr == Z_OK);
            if (zr == Z_DATA_ERROR && z.msg && strstr(z.msg, "incorrect data check")) zr = Z_STREAM_END;
            /* out of input without an end: many writers' streams just stop */
            if (zr != Z_STREAM_END && !(zr == Z_BUF_ERROR && z.avail_in == 0)) bad++;
            inflateEnd(&z);
        }
    }
    return bad;
}

int ocr_pdf_file(struct ocr_engine *eng, const char *path, const unsigned char *data,
                 size_t len, const struct ocr_limits *lim, struct ocr_doc *doc,
                 struct ocr_images *images, struct err *e)
{
    const char *name = base_name(path);
    PopplerDocument *pd = NULL;
    GError *ge = NULL;
    unsigned char *map = NULL;
    size_t maplen = 0;
    int rc = -1, n, fd = -1;
    int truncated = 0;
    char *uri = NULL;
    struct pop_msgs pmsgs = { 0, "" };
    guint pop_handler = 0;

    /* The raw bytes: limits and facts Poppler's glib API does not give. */
    if (!data) {
        struct stat st;
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || fstat(fd, &st) < 0) { err_errno(e, "open", path); goto out; }
        maplen = (size_t)st.st_size;
        map = mmap(NULL, maplen, PROT_READ, MAP_PRIVATE, fd, 0);
        if (map == MAP_FAILED) { map = NULL; err_errno(e, "read", path); goto out; }
        data = map;
        len = maplen;
    }
    {
        long bw = 0, bh = 0;
        double big = largest_image(data, len, &bw, &bh);
        if (lim->max_pixels > 0 && big > (double)lim->max_pixels) {
            err_set(e, ERR_LIMIT, "\"%s\" holds an image of %ld x %ld pixels (%.0f megapixels), "
                    "over the limit of %.0f megapixels", name, bw, bh, big / 1e6,
                    lim->max_pixels / 1e6);
            err_hint(e, "Scan at 300 dpi, or raise ocr.max_pixels in ancong.conf if such "
                     "images are expected.");
            goto out;
        }
        size_t tail = len > 2048 ? len - 2048 : 0;
        truncated = memfind(data, len, "%%EOF", tail) == NULL;
    }

    {
        /* g_filename_to_uri() accepts only absolute paths. */
        char *abs = realpath(path, NULL);
        uri = g_filename_to_uri(abs ? abs : path, NULL, NULL);
        free(abs);
    }
    pop_handler = g_log_set_handler("Poppler", G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL |
                                    G_LOG_FLAG_RECURSION, pop_log, &pmsgs);
    if (uri) pd = poppler_document_new_from_file(uri, NULL, &ge);
    if (!pd) {
        if (ge && g_error_matches(ge, POPPLER_ERROR, POPPLER_ERROR_ENCRYPTED)) {
            err_set(e, ERR_INPUT, "\"%s\" is protected by a password", name);
            err_hint(e, "Ask the sender for a copy without a password (or open it and print "
                     "it to a new PDF), then drop that copy.");
        } else {
            err_set(e, ERR_INPUT, "\"%s\" is a damaged or truncated PDF%s%s%s", name,
                    ge ? " (" : "", ge ? ge->message : "", ge ? ")" : "");
            err_hint(e, "Copy or scan the document again; if it came by e-mail, save the "
                     "attachment again.");
        }
        goto out;
    }
    doc->encrypted = memfind(data, len, "/Encrypt", 0) != NULL;
    {
        /* A dynamic XFA form: its pages are a "please wait" placeholder. */
        const unsigned char *q = memfind(data, len, "/NeedsRendering", 0);
        size_t i = q ? (size_t)(q - data) + 15 : len;
        while (i < len && (data[i] == ' ' || data[i] == '\r' || data[i] == '\n')) i++;
        if (i + 4 <= len && !memcmp(data + i, "true", 4)) {
            err_set(e, ERR_INPUT, "\"%s\" is a dynamic XFA form, which is not supported", name);
            err_hint(e, "Open it in Adobe Reader and print it to a PDF, then drop that PDF.");
            goto out;
        }
    }
    n = poppler_document_get_n_pages(pd);
    if (n <= 0) {
        if (memfind(data, len, "/XFA", 0)) {
            err_set(e, ERR_INPUT, "\"%s\" is a dynamic XFA form, which is not supported", name);
            err_hint(e, "Open it in Adobe Reader and print it to a PDF, then drop that PDF.");
        } else {
            err_set(e, ERR_INPUT, "\"%s\" has no pages", name);
            err_hint(e, "Check the file on the scanning station and scan the document again.");
        }
        goto out;
    }
    if (n > lim->max_pages) {
        err_set(e, ERR_LIMIT, "\"%s\" has %d pages, over the limit of %d", name, n,
                lim->max_pages);
        err_hint(e, "Split the file, or raise ocr.max_pages in ancong.conf.");
        goto out;
    }
    find_sigs(pd, data, len, doc);

    long img_w = 0, img_h = 0;
    int scanner = ocr_prep_opts()->native && same_images(data, len, n, &img_w, &img_h);
    int bilevel = images && all_images_bilevel(data, len);
    long isz[64][2];
    int nisz = image_sizes(data, len, isz, 64);
    doc->pages = xcalloc(n, sizeof *doc->pages);
    if (images) images->img = xcalloc(n, sizeof *images->img);
    int blank_pages = 0;
    for (int i = 0; i < n; i++) {
        struct ocr_page *pg = &doc->pages[i];
        PopplerPage *page = poppler_document_get_page(pd, i);
        double wpt = 0, hpt = 0;
        int dpi = lim->render_dpi > 0 ? lim->render_dpi : 300;
        char *text = NULL;
        PIX *pix = NULL;

        pg->number = i + 1;
        doc->npages = i + 1;
        if (images) images->n = i + 1;
        if (page) poppler_page_get_size(page, &wpt, &hpt);
        if (!page || !(wpt >= 1 && hpt >= 1 && wpt < 200 * 72 && hpt < 200 * 72)) {
            pg->blank = true;
            pg->text = xstrdup("");
            pg->dpi = dpi;
            pg->dpi_source = "metadata";
            pg->warning = xstrdup("page has no usable size (damaged page tree); treated as blank");
            blank_pages++;
            if (page) g_object_unref(page);
            continue;
        }
        double px = (wpt * dpi / 72.0) * (hpt * dpi / 72.0);
        if (lim->max_pixels > 0 && px > (double)lim->max_pixels) {
            dpi = (int)floor(dpi * sqrt((double)lim->max_pixels / px));
            if (dpi < 10) dpi = 10;
            pg->warning = xstrdup("page is very large; rendered at a lower resolution");
        }
        text = poppler_page_get_text(page);
        if (text && real_text(text)) {
            double scale = dpi / 72.0;
            pg->width_px = (int)ceil(wpt * scale);
            pg->height_px = (int)ceil(hpt * scale);
            pg->dpi = dpi;
            pg->dpi_source = "metadata";
            text_layer_page(page, text, scale, pg);
            add_form_text(page, hpt, scale, pg);
            if (ocr_prep_opts()->layout) ocr_layout_order(pg);
            /* Its image is rendered after the loop, and only if another
             * page needs OCR: a PDF whose every page has a real text layer
             * is its own searchable PDF, and rendering it would be most of
             * the cost of reading it. */
        } else {
            struct ocr_src src = { 0 };
            int nd = scanner ? native_dpi(img_w, img_h, wpt, hpt, dpi) : 0;
            if (!nd) nd = image_page_dpi(page, wpt, hpt, dpi, isz, nisz, lim->max_pixels);
            if (nd) dpi = nd;
            pix = render_page(page, wpt, hpt, dpi);
            if (!pix) {
                err_set(e, ERR_INPUT, "\"%s\": page %d could not be rendered", name, i + 1);
                err_hint(e, "Open the PDF on the scanning station to check it, then scan "
                         "the document again.");
                g_free(text);
                g_object_unref(page);
                goto out;
            }
            src.pix = pix;
            src.dpi = dpi;
            src.dpi_source = "metadata";
            src.bilevel_out = bilevel && pixGetDepth(pix) == 8;
            if (ocr_page_from_pix(eng, &src, pg, images ? &images->img[i] : NULL, e) < 0) {
                err_prefix(e, "\"%s\": ", name);
                g_free(text);
                g_object_unref(page);
                pixDestroy(&pix);
                goto out;
            }
            if (pg->blank) blank_pages++;
        }
        /* Poppler rendered (and laid out the text of) the page turned by its
         * /Rotate: the page as stored was turned the other way round. */
        {
            int r = page_rotate(pd, page);
            if (r) pg->rotation = (pg->rotation + 360 - r) % 360;
        }
        if (truncated && !pg->warning)
            pg->warning = xstrdup("the PDF is truncated (no end-of-file marker); this page may be incomplete");
        pixDestroy(&pix);
        g_free(text);
        g_object_unref(page);
    }
    if (blank_pages == n && memfind(data, len, "/XFA", 0)) {
        err_set(e, ERR_INPUT, "\"%s\" is a dynamic XFA form, which is not supported", name);
        err_hint(e, "Open it in Adobe Reader and print it to a PDF, then drop that PDF.");
        goto out;
    }
    if (truncated && blank_pages == n) {
        err_set(e, ERR_INPUT, "\"%s\" is a truncated PDF: nothing on its pages could be read", name);
        err_hint(e, "Copy or scan the document again.");
        goto out;
    }
    if (images) {
        int all_text = 1;
        for (int i = 0; i < n; i++)
            all_text &= doc->pages[i].source == OCR_SRC_TEXT_LAYER;
        /* A mixed PDF: the text-layer pages need images too, at the
         * resolution their boxes were given in. */
        for (int i = 0; i < n && !all_text; i++) {
            struct ocr_page *pg = &doc->pages[i];
            if (pg->source != OCR_SRC_TEXT_LAYER || images->img[i].fmt != OCR_IMG_NONE)
                continue;
            PopplerPage *page = poppler_document_get_page(pd, i);
            double wpt = 0, hpt = 0;
            PIX *pix = NULL;
            if (page) poppler_page_get_size(page, &wpt, &hpt);
            pix = page ? render_page(page, wpt, hpt, pg->dpi) : NULL;
            if (!pix || ocr_image_encode(pix, pg->dpi, &images->img[i], e) < 0) {
                if (!err_is_set(e))
                    err_set(e, ERR_INTERNAL, "\"%s\": page %d could not be rendered", name, i + 1);
                pixDestroy(&pix);
                if (page) g_object_unref(page);
                goto out;
            }
            pixDestroy(&pix);
            g_object_unref(page);
        }
    }
    if (xref_damaged(data, len))
        ocr_doc_warn(doc, "the PDF's cross-reference table is damaged and was rebuilt to read "
                     "the file; check the pages against the paper");
    {
        int bj = damaged_jpegs(data, len);
        if (bj > 0)
            ocr_doc_warn(doc, "%d JPEG image%s in the PDF %s damaged (cut or garbled data); what "
                         "a viewer shows may be incomplete: check the pages against the paper",
                         bj, bj > 1 ? "s" : "", bj > 1 ? "are" : "is");
    }
    {
        int bs = damaged_streams(data, len);
        if (bs > 0)
            ocr_doc_warn(doc, "%d compressed stream%s in the PDF %s damaged (data that does not "
                         "decode); check the pages against the paper", bs, bs > 1 ? "s" : "",
                         bs > 1 ? "are" : "is");
    }
    if (pmsgs.n > 0)
        ocr_doc_warn(doc, "the PDF is damaged: the reader met %d problem%s (first: %s); part of "
                     "a page may be missing, check the pages against the paper", pmsgs.n,
                     pmsgs.n > 1 ? "s" : "", pmsgs.first);
    rc = 0;
out:
    if (pop_handler) g_log_remove_handler("Poppler", pop_handler);
    if (ge) g_error_free(ge);
    g_free(uri);
    if (pd) g_object_unref(pd);
    if (map) munmap(map, maplen);
    if (fd >= 0) close(fd);
    return rc;
}
