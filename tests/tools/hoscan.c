/*
 * hoscan: render a laid-out Vietnamese document as a scan, for the held-out
 * stand-in corpus of bench/heldout/ (documents made differently from
 * ../shared/corpus/dev: other fonts, sizes, ink, paper, noise).
 *
 *   hoscan [options] SPEC OUT.{png,jpg,tif,pdf}
 *
 * SPEC is UTF-8, one element a line, "TAG[FLAGS]|text":
 *   HL / HR   header block, left / right column (consecutive HL/HR lines
 *             form one block; each column is centred and wrapped in its width)
 *   SL / SR   signature block, left / right column (same, left column
 *             left-aligned unless flag c)
 *   T         a centred line (titles); wrapped when too long
 *   P         a justified paragraph with a first-line indent, wrapped
 *   L         a left-aligned line, wrapped with a hanging indent
 *   GAP       vertical space, text = lines (e.g. "GAP|0.6")
 *   PAGE      start a new page
 * FLAGS: b bold, i italic, s smaller (0.88), c centred, l left.
 * Pages break where a line does not fit; pages >= 2 get their number
 * centred at the top.  Column blocks are never split.
 *
 * Options:
 *   --font NAME --size PT     family and body size (default Liberation Sans 13)
 *   --dpi N                   raster resolution (default 300)
 *   --ink G --paper G         grey levels 0..1 of text and paper (0.05, 1.0)
 *   --skew D                  content turned D degrees counter-clockwise;
 *                             each page adds a jitter of +-0.3 from the seed
 *   --rotate R --rotate-page K  store page K (0 = all) turned R clockwise
 *   --noise S --speckle N --blur R --illum F   Gaussian noise, N specks
 *                             a page, box blur radius, uneven light (0..0.4)
 *   --bilevel T               threshold at T (1..254) to black and white
 *   --jpeg-q Q                JPEG quality (jpg, grey pdf/tif; default 80)
 *   --vector                  .pdf only: born-digital, real text layer
 *   --seed N                  random seed (default 1)
 *   --truth FILE              page texts in reading order, pages split by \f
 *   --meta FILE               one line a page: "rotation skew_deg"
 * Exit 3 when a .png/.jpg would need more than one page.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo.h>
#include <cairo-pdf.h>
#include <leptonica/allheaders.h>
#include <pango/pangocairo.h>

#include "common/str.h"

struct opts {
    const char *font, *spec, *out, *truth, *meta;
    double size, ink, paper, skew, noise, illum;
    int dpi, rotate, rotate_page, speckle, blur, bilevel, jpeg_q, vector;
    unsigned seed;
};

struct doc {
    const struct opts *o;
    int W, H, vector, page;
    double left, right, top, bottom, y;
    cairo_surface_t *surf;
    cairo_t *cr;
    PIXA *pixa;
    struct sbuf truth;
    struct sbuf meta;
    unsigned rng;
};

static unsigned rnd(struct doc *d)
{
    d->rng = d->rng * 1103515245u + 12345u;
    return (d->rng >> 8) & 0xffffff;
}

static double urand(struct doc *d) { return rnd(d) / (double)0x1000000; }

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    struct sbuf b = SBUF_INIT;
    char buf[4096];
    size_t n;
    if (!f) { perror(path); exit(2); }
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) sbuf_add(&b, buf, n);
    fclose(f);
    return sbuf_detach(&b);
}

/* ------------------------------------------------------------ degradation */

static PIX *degrade(struct doc *d, PIX *pix, double skew, int rot)
{
    const struct opts *o = d->o;
    PIX *t;
    int w = pixGetWidth(pix), h = pixGetHeight(pix);
    if (o->illum > 0) {   /* darker towards one corner, as under a lamp */
        double cx = urand(d) * w, cy = urand(d) * h, diag = hypot(w, h);
        for (int y = 0; y < h; y++) {
            l_uint32 *ln = pixGetData(pix) + (size_t)y * pixGetWpl(pix);
            for (int x = 0; x < w; x++) {
                double f = 1.0 - o->illum * hypot(x - cx, y - cy) / diag;
                int v = (int)(GET_DATA_BYTE(ln, x) * f);
                SET_DATA_BYTE(ln, x, v < 0 ? 0 : v);
            }
        }
    }
    if (o->blur > 0) {
        t = pixBlockconvGray(pix, NULL, o->blur, o->blur);
        if (t) { pixDestroy(&pix); pix = t; }
    }
    if (skew != 0) {
        t = pixRotate(pix, (float)(-skew * M_PI / 180.0), L_ROTATE_AREA_MAP,
                      L_BRING_IN_WHITE, 0, 0);
        pixDestroy(&pix);
        pix = t;
    }
    if (o->noise > 0) {
        t = pixAddGaussianNoise(pix, (float)o->noise);
        pixDestroy(&pix);
        pix = t;
    }
    w = pixGetWidth(pix);
    h = pixGetHeight(pix);
    for (int i = 0; i < o->speckle; i++) {
        int x = (int)(urand(d) * (w - 4)), y = (int)(urand(d) * (h - 4));
        int r = 1 + (int)(urand(d) * 2.5);
        for (int dy = 0; dy < r; dy++)
            for (int dx = 0; dx < r; dx++) pixSetPixel(pix, x + dx, y + dy, 30);
    }
    if (o->bilevel) {
        t = pixThresholdToBinary(pix, o->bilevel);
        pixDestroy(&pix);
        pix = t;
    }
    if (rot) {
        t = pixRotateOrth(pix, rot / 90);
        pixDestroy(&pix);
        pix = t;
    }
    pixSetResolution(pix, o->dpi, o->dpi);
    return pix;
}

/* ------------------------------------------------------------ pages */

static void page_start(struct doc *d)
{
    const struct opts *o = d->o;
    d->page++;
    if (!d->vector) {
        d->surf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, d->W, d->H);
        d->cr = cairo_create(d->surf);
    }
    cairo_save(d->cr);
    cairo_set_source_rgb(d->cr, o->paper, o->paper, o->paper);
    cairo_paint(d->cr);
    cairo_restore(d->cr);
    cairo_set_source_rgb(d->cr, o->ink, o->ink, o->ink);
    d->y = d->top;
    if (d->page > 1) sbuf_putc(&d->truth, '\f');
}

static void page_end(struct doc *d)
{
    const struct opts *o = d->o;
    int rot = (o->rotate && (o->rotate_page == 0 || o->rotate_page == d->page)) ? o->rotate : 0;
    double skew = o->skew != 0 ? o->skew + (urand(d) - 0.5) * 0.6 : 0;
    if (d->vector) {
        cairo_show_page(d->cr);
        sbuf_printf(&d->meta, "0 0\n");
        return;
    }
    cairo_destroy(d->cr);
    d->cr = NULL;
    cairo_surface_flush(d->surf);
    PIX *pix = pixCreate(d->W, d->H, 8);
    unsigned char *s = cairo_image_surface_get_data(d->surf);
    int stride = cairo_image_surface_get_stride(d->surf);
    for (int y = 0; y < d->H; y++) {
        const uint32_t *row = (const uint32_t *)(s + (size_t)y * stride);
        l_uint32 *ln = pixGetData(pix) + (size_t)y * pixGetWpl(pix);
        for (int x = 0; x < d->W; x++) SET_DATA_BYTE(ln, x, (row[x] >> 8) & 0xff);
    }
    cairo_surface_destroy(d->surf);
    d->surf = NULL;
    pixaAddPix(d->pixa, degrade(d, pix, round(skew * 100) / 100, rot), L_INSERT);
    sbuf_printf(&d->meta, "%d %.2f\n", rot, round(skew * 100) / 100);
}

/* ------------------------------------------------------------ layout */

static PangoLayout *mklayout(struct doc *d, const char *flags, double width, int wrap)
{
    const struct opts *o = d->o;
    PangoLayout *lay = pango_cairo_create_layout(d->cr);
    pango_cairo_context_set_resolution(pango_layout_get_context(lay), 96);
    double pt = o->size * (strchr(flags, 's') ? 0.88 : 1.0);
    PangoFontDescription *fd = pango_font_description_from_string(o->font);
    /* pango at 96 dpi: a size in points becomes pixels at o->dpi */
    pango_font_description_set_size(fd, (int)(pt * o->dpi / 96.0 * PANGO_SCALE));
    if (strchr(flags, 'b')) pango_font_description_set_weight(fd, PANGO_WEIGHT_BOLD);
    if (strchr(flags, 'i')) pango_font_description_set_style(fd, PANGO_STYLE_ITALIC);
    pango_layout_set_font_description(lay, fd);
    pango_font_description_free(fd);
    pango_layout_context_changed(lay);
    if (wrap) {
        pango_layout_set_width(lay, (int)(width * PANGO_SCALE));
        pango_layout_set_wrap(lay, PANGO_WRAP_WORD);
    }
    return lay;
}

static double line_height(PangoLayout *lay)
{
    PangoRectangle ink, log;
    PangoLayoutLine *l = pango_layout_get_line_readonly(lay, 0);
    pango_layout_line_get_pixel_extents(l, &ink, &log);
    return log.height * 1.12;
}

/* Append one layout line's text (trimmed) to sb. */
static void line_text(PangoLayout *lay, PangoLayoutLine *l, struct sbuf *sb)
{
    const char *t = pango_layout_get_text(lay);
    int a = l->start_index, n = l->length;
    while (n > 0 && (t[a + n - 1] == ' ' || t[a + n - 1] == '\n')) n--;
    while (n > 0 && t[a] == ' ') { a++; n--; }
    if (!n) return;   /* an empty line is vertical space, not text */
    sbuf_add(sb, t + a, (size_t)n);
    sbuf_putc(sb, '\n');
}

/* Draw a layout's lines at x0 (aligned by pango within width), breaking
 * pages when fit is set.  Returns the height used (without breaks). */
static double draw_lines(struct doc *d, PangoLayout *lay, double x0, double y0,
                         struct sbuf *tb, int breakable)
{
    double y = y0, lh = line_height(lay);
    int n = pango_layout_get_line_count(lay);
    PangoLayoutIter *it = pango_layout_get_iter(lay);
    for (int i = 0; i < n; i++) {
        PangoRectangle log;
        PangoLayoutLine *l = pango_layout_iter_get_line_readonly(it);
        pango_layout_iter_get_line_extents(it, NULL, &log);
        int base = pango_layout_iter_get_baseline(it) - log.y;
        if (breakable && y + lh > d->bottom) {
            page_end(d);
            page_start(d);
            char num[16];
            snprintf(num, sizeof num, "%d", d->page);
            PangoLayout *pl = mklayout(d, "", 0, 0);
            pango_layout_set_text(pl, num, -1);
            int w, h;
            pango_layout_get_pixel_size(pl, &w, &h);
            cairo_move_to(d->cr, (d->W - w) / 2.0, d->top - 1.8 * h);
            pango_cairo_show_layout(d->cr, pl);
            g_object_unref(pl);
            sbuf_printf(&d->truth, "%s\n", num);
            y = d->y;
            /* the layout was made on the old page's context: fonts are the same */
        }
        cairo_move_to(d->cr, x0 + log.x / (double)PANGO_SCALE, y + base / (double)PANGO_SCALE);
        pango_cairo_show_layout_line(d->cr, l);
        line_text(lay, l, tb);
        y += lh;
        pango_layout_iter_next_line(it);
    }
    pango_layout_iter_free(it);
    if (breakable) d->y = y;
    return y - y0;
}

struct colline { char tag[4]; char flags[8]; const char *text; };

/* A two-column block (header or signature rows). */
static void draw_columns(struct doc *d, struct colline *cl, int n, int sig)
{
    double tw = d->right - d->left;
    double lw = sig ? tw * 0.48 : tw * 0.40, gap = tw * 0.02;
    double rx = d->left + lw + gap, rw = d->right - rx;
    /* measure, then move to a new page when the block does not fit */
    double hl = 0, hr = 0;
    for (int i = 0; i < n; i++) {
        int right = cl[i].tag[1] == 'R';
        PangoLayout *lay = mklayout(d, cl[i].flags, right ? rw : lw, 1);
        pango_layout_set_text(lay, cl[i].text, -1);
        double h = pango_layout_get_line_count(lay) * line_height(lay);
        if (right) hr += h; else hl += h;
        g_object_unref(lay);
    }
    double bh = hl > hr ? hl : hr;
    if (d->y + bh > d->bottom) {
        page_end(d);
        page_start(d);
        char num[16];
        snprintf(num, sizeof num, "%d", d->page);
        PangoLayout *pl = mklayout(d, "", 0, 0);
        pango_layout_set_text(pl, num, -1);
        int w, h;
        pango_layout_get_pixel_size(pl, &w, &h);
        cairo_move_to(d->cr, (d->W - w) / 2.0, d->top - 1.8 * h);
        pango_cairo_show_layout(d->cr, pl);
        g_object_unref(pl);
        sbuf_printf(&d->truth, "%s\n", num);
    }
    struct sbuf lt = SBUF_INIT, rt = SBUF_INIT;
    double yl = d->y, yr = d->y;
    for (int i = 0; i < n; i++) {
        int right = cl[i].tag[1] == 'R';
        PangoLayout *lay = mklayout(d, cl[i].flags, right ? rw : lw, 1);
        int centre = right ? !strchr(cl[i].flags, 'l') : (!sig || strchr(cl[i].flags, 'c'));
        pango_layout_set_alignment(lay, centre ? PANGO_ALIGN_CENTER : PANGO_ALIGN_LEFT);
        pango_layout_set_text(lay, cl[i].text, -1);
        if (right) yr += draw_lines(d, lay, rx, yr, &rt, 0);
        else yl += draw_lines(d, lay, d->left, yl, &lt, 0);
        g_object_unref(lay);
    }
    sbuf_puts(&d->truth, sbuf_cstr(&lt));
    sbuf_puts(&d->truth, sbuf_cstr(&rt));
    sbuf_release(&lt);
    sbuf_release(&rt);
    d->y = (yl > yr ? yl : yr);
}

static void usage(void)
{
    fprintf(stderr, "usage: hoscan [--font NAME] [--size PT] [--dpi N] [--ink G] [--paper G]\n"
                    "              [--skew D] [--rotate R] [--rotate-page K] [--noise S]\n"
                    "              [--speckle N] [--blur R] [--illum F] [--bilevel T]\n"
                    "              [--jpeg-q Q] [--vector] [--seed N] [--truth FILE]\n"
                    "              [--meta FILE] SPEC OUT.{png,jpg,tif,pdf}\n");
    exit(2);
}

int main(int argc, char **argv)
{
    struct opts o = { .font = "Liberation Sans", .size = 13, .ink = 0.05, .paper = 1.0,
                      .dpi = 300, .jpeg_q = 80, .seed = 1 };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
#define OPT(name) (!strcmp(a, name) && v && ++i)
        if (OPT("--font")) o.font = v;
        else if (OPT("--size")) o.size = atof(v);
        else if (OPT("--dpi")) o.dpi = atoi(v);
        else if (OPT("--ink")) o.ink = atof(v);
        else if (OPT("--paper")) o.paper = atof(v);
        else if (OPT("--skew")) o.skew = atof(v);
        else if (OPT("--rotate")) o.rotate = atoi(v);
        else if (OPT("--rotate-page")) o.rotate_page = atoi(v);
        else if (OPT("--noise")) o.noise = atof(v);
        else if (OPT("--speckle")) o.speckle = atoi(v);
        else if (OPT("--blur")) o.blur = atoi(v);
        else if (OPT("--illum")) o.illum = atof(v);
        else if (OPT("--bilevel")) o.bilevel = atoi(v);
        else if (OPT("--jpeg-q")) o.jpeg_q = atoi(v);
        else if (OPT("--seed")) o.seed = (unsigned)strtoul(v, NULL, 10);
        else if (OPT("--truth")) o.truth = v;
        else if (OPT("--meta")) o.meta = v;
        else if (!strcmp(a, "--vector")) o.vector = 1;
        else if (a[0] == '-') usage();
        else if (!o.spec) o.spec = a;
        else o.out = a;
#undef OPT
    }
    const char *ext = o.out ? strrchr(o.out, '.') : NULL;
    if (!o.spec || !ext || o.dpi < 72 || o.dpi > 600 || o.rotate % 90 || o.rotate < 0 ||
        o.rotate > 270 || o.bilevel < 0 || o.bilevel > 254 || (o.vector && strcmp(ext, ".pdf")))
        usage();
    setLeptDebugOK(0);
    setMsgSeverity(L_SEVERITY_NONE);
    srand(o.seed);

    struct doc d = { .o = &o, .vector = o.vector, .truth = SBUF_INIT, .meta = SBUF_INIT };
    d.rng = o.seed * 2654435761u + 1;
    d.W = (int)lround(8.27 * o.dpi);
    d.H = (int)lround(11.69 * o.dpi);
    d.left = 1.18 * o.dpi;  /* 30 mm, the decree's left margin */
    d.right = d.W - 0.7 * o.dpi;
    d.top = 0.85 * o.dpi;
    d.bottom = d.H - 0.85 * o.dpi;
    d.pixa = pixaCreate(0);
    if (d.vector) {
        d.surf = cairo_pdf_surface_create(o.out, 8.27 * 72, 11.69 * 72);
        d.cr = cairo_create(d.surf);
        cairo_scale(d.cr, 72.0 / o.dpi, 72.0 / o.dpi);
    }
    page_start(&d);

    char *spec = slurp(o.spec);
    struct colline cl[64];
    int ncl = 0, colsig = 0;
    char *save = NULL;
    for (char *ln = strtok_r(spec, "\n", &save);; ln = strtok_r(NULL, "\n", &save)) {
        char tag[4] = "", flags[8] = "";
        const char *text = "";
        if (ln) {
            char *bar = strchr(ln, '|');
            if (bar) { *bar = 0; text = bar + 1; }
            int k = 0;
            while (ln[k] >= 'A' && ln[k] <= 'Z' && k < 3) { tag[k] = ln[k]; k++; }
            tag[k] = 0;
            snprintf(flags, sizeof flags, "%s", ln + k);
        }
        int col = ln && (!strcmp(tag, "HL") || !strcmp(tag, "HR") || !strcmp(tag, "SL") ||
                         !strcmp(tag, "SR"));
        if (ncl && (!col || (tag[0] == 'S') != colsig || ncl == 64)) {
            draw_columns(&d, cl, ncl, colsig);
            ncl = 0;
        }
        if (!ln) break;
        if (col) {
            snprintf(cl[ncl].tag, sizeof cl[ncl].tag, "%s", tag);
            snprintf(cl[ncl].flags, sizeof cl[ncl].flags, "%s", flags);
            cl[ncl].text = text;
            colsig = tag[0] == 'S';
            ncl++;
            continue;
        }
        double tw = d.right - d.left;
        if (!strcmp(tag, "GAP")) {
            PangoLayout *lay = mklayout(&d, "", 0, 0);
            pango_layout_set_text(lay, "Ấy", -1);
            d.y += atof(text) * line_height(lay);
            g_object_unref(lay);
        } else if (!strcmp(tag, "PAGE")) {
            page_end(&d);
            page_start(&d);
        } else if (!strcmp(tag, "T") || !strcmp(tag, "P") || !strcmp(tag, "L")) {
            PangoLayout *lay = mklayout(&d, flags, tw, 1);
            if (tag[0] == 'T') pango_layout_set_alignment(lay, PANGO_ALIGN_CENTER);
            if (tag[0] == 'P') {
                pango_layout_set_justify(lay, TRUE);
                pango_layout_set_indent(lay, (int)(0.45 * o.dpi * PANGO_SCALE));
            }
            if (tag[0] == 'L') pango_layout_set_indent(lay, (int)(-0.3 * o.dpi * PANGO_SCALE));
            pango_layout_set_text(lay, text, -1);
            draw_lines(&d, lay, d.left, d.y, &d.truth, 1);
            g_object_unref(lay);
        } else {
            fprintf(stderr, "hoscan: unknown element \"%s\"\n", tag);
            return 2;
        }
    }
    page_end(&d);
    free(spec);

    int rc = 0;
    if (d.vector) {
        cairo_destroy(d.cr);
        cairo_surface_finish(d.surf);
        rc = cairo_surface_status(d.surf) != CAIRO_STATUS_SUCCESS;
        cairo_surface_destroy(d.surf);
    } else {
        int n = pixaGetCount(d.pixa);
        if ((!strcmp(ext, ".png") || !strcmp(ext, ".jpg")) && n > 1) {
            fprintf(stderr, "hoscan: %d pages do not fit in one %s\n", n, ext);
            return 3;
        }
        if (!strcmp(ext, ".png")) {
            PIX *p = pixaGetPix(d.pixa, 0, L_CLONE);
            rc = pixWrite(o.out, p, IFF_PNG);
            pixDestroy(&p);
        } else if (!strcmp(ext, ".jpg")) {
            PIX *p = pixaGetPix(d.pixa, 0, L_CLONE);
            rc = pixWriteJpeg(o.out, p, o.jpeg_q, 0);
            pixDestroy(&p);
        } else if (!strcmp(ext, ".tif")) {
            for (int i = 0; i < n && !rc; i++) {
                PIX *p = pixaGetPix(d.pixa, i, L_CLONE);
                rc = pixWriteTiff(o.out, p, o.bilevel ? IFF_TIFF_G4 : IFF_TIFF_JPEG,
                                  i ? "a" : "w");
                pixDestroy(&p);
            }
        } else if (!strcmp(ext, ".pdf")) {
            rc = pixaConvertToPdf(d.pixa, o.dpi, 1.0, o.bilevel ? L_G4_ENCODE : L_JPEG_ENCODE,
                                  o.jpeg_q, NULL, o.out);
        } else {
            usage();
        }
    }
    if (rc) { fprintf(stderr, "hoscan: could not write %s\n", o.out); return 1; }
    const char *files[2] = { o.truth, o.meta };
    struct sbuf *bufs[2] = { &d.truth, &d.meta };
    for (int k = 0; k < 2; k++) {
        if (!files[k]) continue;
        FILE *f = fopen(files[k], "wb");
        if (!f || fwrite(sbuf_cstr(bufs[k]), 1, bufs[k]->len, f) != bufs[k]->len || fclose(f)) {
            perror(files[k]);
            return 1;
        }
    }
    pixaDestroy(&d.pixa);
    sbuf_release(&d.truth);
    sbuf_release(&d.meta);
    return 0;
}
