/*
 * mkscan: make a synthetic scan of a Vietnamese document, so that tests
 * need no scanned fixtures.
 *
 *   mkscan [options] OUT.{png,jpg,tif,pdf}
 *     --text FILE      UTF-8 text; "\f" starts a new page; a TAB in a line
 *                      puts the part after it in the right-hand column
 *                      (header style).  Default: a built-in notice.
 *     --dpi N          resolution (default 300)
 *     --rotate R       store the page turned R degrees clockwise (0/90/180/270)
 *     --skew D         turn the content D degrees counter-clockwise
 *     --noise S        Gaussian noise (standard deviation, grey levels)
 *     --bilevel        black and white (G4 in TIFF and PDF)
 *     --pages N        repeat the pages N times
 *     --font NAME      font family (default "Liberation Serif")
 *     --blank          a blank sheet
 *     --vector         .pdf only: a born-digital PDF (real text layer, no image)
 *     --pdf-dpi N      .pdf only: the resolution the PDF declares for its images
 *                      (page size = pixels / N; default --dpi): "--dpi 300
 *                      --pdf-dpi 2400" is an A4 scan's pixels on a 74 x 105 pt page
 *     --truth FILE     write the page texts (lines, header left then right),
 *                      pages separated by "\f"
 * Output type from the extension: .png, .jpg, .tif (multi-page; G4 when
 * bilevel, else LZW grey), .pdf (image-only PDF).
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

static const char *builtin =
    "VIỆN KSND TỈNH QUẢNG NGÃI\tCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
    "VIỆN KIỂM SÁT NHÂN DÂN\tĐộc lập - Tự do - Hạnh phúc\n"
    "KHU VỰC 2\t\n"
    "Số: 27/TB-VKSKV2\tQuảng Ngãi, ngày 12 tháng 3 năm 2026\n"
    "\n"
    "THÔNG BÁO\n"
    "Về việc thụ lý vụ việc dân sự công ích\n"
    "\n"
    "Căn cứ Nghị quyết số 205/2025/QH15 ngày 24/6/2025 của Quốc hội;\n"
    "Viện kiểm sát nhân dân khu vực 2 thông báo đã thụ lý vụ việc số\n"
    "08/2026/DSCI về hành vi xả nước thải gây ô nhiễm môi trường tại xã\n"
    "Tịnh Phong, do bà Nguyễn Thị Hương cung cấp thông tin ngày 05/3/2026.\n"
    "Kiểm sát viên được phân công: ông Trần Văn Đức.\n"
    "\n"
    "Nơi nhận:\tVIỆN TRƯỞNG\n"
    "- Như trên;\t\n"
    "- Lưu: VT, HSVV.\tPhạm Minh Tuấn\n";

struct opts {
    int dpi, rotate, bilevel, pages, blank, vector, pdf_dpi;
    double skew, noise;
    const char *font, *text_file, *truth, *out;
};

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

/* Draw one page of text on cr (units: pixels at o->dpi).  Appends its
 * truth to tb. */
static void draw_text(const struct opts *o, cairo_t *cr, const char *text, struct sbuf *tb)
{
    int W = (int)lround(8.27 * o->dpi);
    double pt = o->dpi / 72.0, left = 0.9 * o->dpi, right = W - 0.6 * o->dpi;
    double y = 0.7 * o->dpi, mid = left + (right - left) * 0.42;
    struct sbuf lcol = SBUF_INIT, rcol = SBUF_INIT, body = SBUF_INIT;
    int in_cols = 0;

    cairo_save(cr);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_restore(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    PangoLayout *lay = pango_cairo_create_layout(cr);
    char fdesc[128];
    snprintf(fdesc, sizeof fdesc, "%s %.1f", o->font, 13.0 * pt * 72.0 / 96.0);
    PangoFontDescription *fd = pango_font_description_from_string(fdesc);
    pango_layout_set_font_description(lay, fd);
    /* pango's cairo context works at 96 dpi: scale sizes to pixels */
    pango_cairo_context_set_resolution(pango_layout_get_context(lay), 96);
    pango_layout_context_changed(lay);

    const char *p = text;
    while (p && *p) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        char *line = xstrndup(p, len);
        char *tab = strchr(line, '\t');
        int lh;
        if (tab) {
            *tab = 0;
            const char *l = line, *r = tab + 1;
            int w;
            in_cols = 1;
            if (*l) {
                pango_layout_set_text(lay, l, -1);
                pango_layout_get_pixel_size(lay, &w, &lh);
                cairo_move_to(cr, left + (mid - left - w) / 2, y);
                pango_cairo_show_layout(cr, lay);
                sbuf_printf(&lcol, "%s\n", l);
            }
            if (*r) {
                pango_layout_set_text(lay, r, -1);
                pango_layout_get_pixel_size(lay, &w, &lh);
                cairo_move_to(cr, mid + 0.2 * o->dpi + (right - mid - 0.2 * o->dpi - w) / 2, y);
                pango_cairo_show_layout(cr, lay);
                sbuf_printf(&rcol, "%s\n", r);
            }
            pango_layout_set_text(lay, "Ấy", -1);
            pango_layout_get_pixel_size(lay, &w, &lh);
        } else {
            int w;
            if (in_cols) {        /* a column block ended: left, then right */
                sbuf_add(&body, lcol.s ? lcol.s : "", lcol.len);
                sbuf_add(&body, rcol.s ? rcol.s : "", rcol.len);
                sbuf_reset(&lcol);
                sbuf_reset(&rcol);
                in_cols = 0;
            }
            pango_layout_set_text(lay, *line ? line : "Ấy", -1);
            pango_layout_get_pixel_size(lay, &w, &lh);
            if (*line) {
                int centre = line[0] != '-' && (int)strlen(line) < 60 && w < (right - left) * 0.7;
                cairo_move_to(cr, centre ? left + (right - left - w) / 2 : left, y);
                pango_cairo_show_layout(cr, lay);
                sbuf_printf(&body, "%s\n", line);
            }
        }
        y += lh * 1.15;
        free(line);
        p = nl ? nl + 1 : NULL;
    }
    if (in_cols) {
        sbuf_add(&body, lcol.s ? lcol.s : "", lcol.len);
        sbuf_add(&body, rcol.s ? rcol.s : "", rcol.len);
    }
    if (body.len && body.s[body.len - 1] == '\n') body.s[--body.len] = 0;
    sbuf_puts(tb, sbuf_cstr(&body));
    sbuf_putc(tb, '\f');
    sbuf_release(&lcol);
    sbuf_release(&rcol);
    sbuf_release(&body);
    pango_font_description_free(fd);
    g_object_unref(lay);
}

/* One page as an 8 bpp PIX. */
static PIX *draw_page(const struct opts *o, const char *text, struct sbuf *tb)
{
    int W = (int)lround(8.27 * o->dpi), H = (int)lround(11.69 * o->dpi);
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, W, H);
    cairo_t *cr = cairo_create(s);
    draw_text(o, cr, text, tb);
    cairo_destroy(cr);
    cairo_surface_flush(s);

    PIX *pix = pixCreate(W, H, 8);
    unsigned char *d = cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s);
    for (int yy = 0; yy < H; yy++) {
        const uint32_t *row = (const uint32_t *)(d + (size_t)yy * stride);
        l_uint32 *ln = pixGetData(pix) + (size_t)yy * pixGetWpl(pix);
        for (int x = 0; x < W; x++) SET_DATA_BYTE(ln, x, (row[x] >> 8) & 0xff);
    }
    cairo_surface_destroy(s);
    return pix;
}

static PIX *degrade(const struct opts *o, PIX *pix)
{
    PIX *t;
    if (o->skew != 0) {
        /* Leptonica turns clockwise for positive angles */
        t = pixRotate(pix, (float)(-o->skew * M_PI / 180.0), L_ROTATE_AREA_MAP,
                      L_BRING_IN_WHITE, 0, 0);
        pixDestroy(&pix);
        pix = t;
    }
    if (o->noise > 0) {
        t = pixAddGaussianNoise(pix, (float)o->noise);
        pixDestroy(&pix);
        pix = t;
    }
    if (o->bilevel) {
        t = pixThresholdToBinary(pix, 150);
        pixDestroy(&pix);
        pix = t;
    }
    if (o->rotate) {
        t = pixRotateOrth(pix, o->rotate / 90);
        pixDestroy(&pix);
        pix = t;
    }
    pixSetResolution(pix, o->dpi, o->dpi);
    return pix;
}

static void usage(void)
{
    fprintf(stderr, "usage: mkscan [--text FILE] [--dpi N] [--rotate 0|90|180|270] [--skew DEG]\n"
                    "              [--noise SIGMA] [--bilevel] [--pages N] [--font NAME]\n"
                    "              [--blank] [--vector] [--pdf-dpi N] [--truth FILE] OUT.{png,jpg,tif,pdf}\n");
    exit(2);
}

int main(int argc, char **argv)
{
    struct opts o = { 300, 0, 0, 1, 0, 0, 0, 0, 0, "Liberation Serif", NULL, NULL, NULL };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--text") && v) { o.text_file = v; i++; }
        else if (!strcmp(a, "--dpi") && v) { o.dpi = atoi(v); i++; }
        else if (!strcmp(a, "--rotate") && v) { o.rotate = atoi(v); i++; }
        else if (!strcmp(a, "--skew") && v) { o.skew = atof(v); i++; }
        else if (!strcmp(a, "--noise") && v) { o.noise = atof(v); i++; }
        else if (!strcmp(a, "--pages") && v) { o.pages = atoi(v); i++; }
        else if (!strcmp(a, "--pdf-dpi") && v) { o.pdf_dpi = atoi(v); i++; }
        else if (!strcmp(a, "--font") && v) { o.font = v; i++; }
        else if (!strcmp(a, "--truth") && v) { o.truth = v; i++; }
        else if (!strcmp(a, "--bilevel")) o.bilevel = 1;
        else if (!strcmp(a, "--blank")) o.blank = 1;
        else if (!strcmp(a, "--vector")) o.vector = 1;
        else if (a[0] == '-') usage();
        else o.out = a;
    }
    if (!o.out || o.dpi < 50 || o.dpi > 1200 || o.rotate % 90 || o.rotate < 0 ||
        o.rotate > 270 || o.pages < 1 || (o.pdf_dpi && (o.pdf_dpi < 50 || o.pdf_dpi > 9600)))
        usage();
    setLeptDebugOK(0);
    setMsgSeverity(L_SEVERITY_NONE);

    char *text = o.blank ? xstrdup("") : o.text_file ? slurp(o.text_file) : xstrdup(builtin);
    struct sbuf truth = SBUF_INIT;
    if (o.vector) {
        /* pixel units at o.dpi, scaled to points */
        cairo_surface_t *ps = cairo_pdf_surface_create(o.out, 8.27 * 72, 11.69 * 72);
        cairo_t *cr = cairo_create(ps);
        cairo_scale(cr, 72.0 / o.dpi, 72.0 / o.dpi);
        for (int rep = 0; rep < o.pages; rep++) {
            char *p = text;
            for (;;) {
                char *ff = strchr(p, '\f');
                if (ff) *ff = 0;
                draw_text(&o, cr, p, &truth);
                cairo_show_page(cr);
                if (!ff) break;
                *ff = '\f';
                p = ff + 1;
            }
        }
        cairo_destroy(cr);
        cairo_surface_finish(ps);
        int bad = cairo_surface_status(ps) != CAIRO_STATUS_SUCCESS;
        cairo_surface_destroy(ps);
        if (bad) { fprintf(stderr, "mkscan: could not write %s\n", o.out); return 1; }
        if (o.truth) {
            FILE *f = fopen(o.truth, "wb");
            if (!f || fwrite(sbuf_cstr(&truth), 1, truth.len, f) != truth.len || fclose(f)) {
                perror(o.truth);
                return 1;
            }
        }
        sbuf_release(&truth);
        free(text);
        return 0;
    }
    PIXA *pixa = pixaCreate(0);
    for (int rep = 0; rep < o.pages; rep++) {
        char *p = text;
        for (;;) {
            char *ff = strchr(p, '\f');
            if (ff) *ff = 0;
            PIX *pix = degrade(&o, draw_page(&o, p, &truth));
            pixaAddPix(pixa, pix, L_INSERT);
            if (!ff) break;
            *ff = '\f';
            p = ff + 1;
        }
    }
    const char *ext = strrchr(o.out, '.');
    int n = pixaGetCount(pixa), rc = 0;
    if (!ext) usage();
    if (!strcmp(ext, ".png")) {
        PIX *p = pixaGetPix(pixa, 0, L_CLONE);
        rc = pixWrite(o.out, p, IFF_PNG);
        pixDestroy(&p);
    } else if (!strcmp(ext, ".jpg") || !strcmp(ext, ".jpeg")) {
        PIX *p = pixaGetPix(pixa, 0, L_CLONE);
        rc = pixWriteJpeg(o.out, p, 85, 0);
        pixDestroy(&p);
    } else if (!strcmp(ext, ".tif") || !strcmp(ext, ".tiff")) {
        for (int i = 0; i < n && !rc; i++) {
            PIX *p = pixaGetPix(pixa, i, L_CLONE);
            rc = pixWriteTiff(o.out, p, o.bilevel ? IFF_TIFF_G4 : IFF_TIFF_LZW, i ? "a" : "w");
            pixDestroy(&p);
        }
    } else if (!strcmp(ext, ".pdf")) {
        rc = pixaConvertToPdf(pixa, o.pdf_dpi ? o.pdf_dpi : o.dpi, 1.0, o.bilevel ? L_G4_ENCODE : L_JPEG_ENCODE, 85,
                              NULL, o.out);
    } else {
        usage();
    }
    if (rc) { fprintf(stderr, "mkscan: could not write %s\n", o.out); return 1; }
    if (o.truth) {
        FILE *f = fopen(o.truth, "wb");
        if (!f || fwrite(sbuf_cstr(&truth), 1, truth.len, f) != truth.len || fclose(f)) {
            perror(o.truth);
            return 1;
        }
    }
    pixaDestroy(&pixa);
    sbuf_release(&truth);
    free(text);
    return 0;
}
