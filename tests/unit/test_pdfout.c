/*
 * Unit tests for pipeline/pdfout: write a searchable PDF from synthetic
 * pages and read it back with the real tools a reviewer or a court would
 * use: Poppler (pdftotext, pdftoppm, pdffonts, pdfinfo) and qpdf.
 *
 * The page images are drawn and encoded here with Leptonica (the writer
 * itself never touches pixels): page 1 is an RGB JPEG, page 2 a CCITT G4
 * bilevel image, page 3 a Flate grey image, page 4 a Flate bilevel one.
 * Each page has black bars where its words are, and one word lies on white
 * paper, so rendering shows whether the image sits at the right place, has
 * the right polarity, and whether the text layer stays invisible.
 */
#include <leptonica/allheaders.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "common/err.h"
#include "common/str.h"
#include "ocr/page.h"
#include "pipeline/pdfout.h"
#include "tests/unit/t.h"

#define W 1200
#define H 900
#define DPI 300

static char tmpdir[] = "/tmp/ancong-pdfout.XXXXXX";

/* One line of text: words laid out from x0 at row y0, each word's width
 * proportional to its length (like a real font would give). */
struct tline { const char *words[8]; int x0, y0, h; };

/* Page texts: Vietnamese with all the diacritics that matter, a Nôm
 * character outside the BMP, and punctuation that PDF strings escape. */
static const struct tline page_lines[][4] = {
    {{{"VIỆN", "KIỂM", "SÁT", "NHÂN", "DÂN", NULL}, 60, 60, 40},
     {{"CỘNG", "HÒA", "XÃ", "HỘI", "CHỦ", "NGHĨA", NULL}, 60, 160, 40},
     {{"Số:", "12/QĐ-VKS(a)\\b", "ngày", "05/3/2026", NULL}, 60, 260, 40},
     {{NULL}, 0, 0, 0}},
    {{{"Độc", "lập", "-", "Tự", "do", "-", "Hạnh", "phúc", }, 60, 80, 36},
     {{"Quyết", "định", "khởi", "tố", "vụ", "án", "dân", "sự"}, 60, 200, 36},
     {{"chữ", "Nôm", "\xF0\xA0\x80\x80", "ưởng", "đường", NULL}, 60, 320, 36},
     {{NULL}, 0, 0, 0}},
    {{{"KIẾN", "NGHỊ", "Sở", "Tài", "nguyên", "và", "Môi", "trường"}, 50, 100, 44},
     {{"Đà", "Nẵng,", "ngày", "21", "tháng", "5", "năm", "2026"}, 50, 400, 44},
     {{NULL}, 0, 0, 0}},
    {{{"BIÊN", "BẢN", "làm", "việc", NULL}, 80, 120, 50},
     {{NULL}, 0, 0, 0}},
};
#define NPAGES 4

/* The word put on white paper (page 1, far right), to check invisibility. */
#define WHITE_WORD_X 900
#define WHITE_WORD_Y 700

static int word_width(const char *w)
{
    int n = 0;
    for (const char *p = w; *p;)
        if (utf8_next(&p) >= 0)
            n++;
    return 18 * n + 8;
}

static void build_page(struct ocr_page *pg, int pno, PIX *pix)
{
    const struct tline *tl = page_lines[pno];
    int nlines = 0, nwords = 0;
    for (int l = 0; tl[l].h; l++, nlines++)
        for (int k = 0; k < 8 && tl[l].words[k]; k++)
            nwords++;
    if (pno == 0) { nlines++; nwords++; }
    memset(pg, 0, sizeof *pg);
    pg->number = pno + 1;
    pg->width_px = W;
    pg->height_px = H;
    pg->dpi = DPI;
    pg->dpi_source = "metadata";
    pg->words = xcalloc((size_t)nwords, sizeof *pg->words);
    pg->lines = xcalloc((size_t)nlines, sizeof *pg->lines);
    int wi = 0, li = 0;
    for (int l = 0; tl[l].h; l++, li++) {
        struct ocr_line *ln = &pg->lines[li];
        ln->first_word = wi;
        int x = tl[l].x0;
        for (int k = 0; k < 8 && tl[l].words[k]; k++) {
            struct ocr_word *w = &pg->words[wi++];
            int ww = word_width(tl[l].words[k]);
            w->text = xstrdup(tl[l].words[k]);
            /* words have their own heights inside the line, like real OCR */
            w->box = (struct ocr_box){x, tl[l].y0 + (k % 3), x + ww, tl[l].y0 + tl[l].h - (k % 2)};
            w->conf = 0.9f;
            w->line = li;
            ln->nwords++;
            /* a black bar under the word */
            pixRasterop(pix, x, tl[l].y0, ww, tl[l].h, PIX_SET, NULL, 0, 0);
            x += ww + 20;
        }
        ln->box = (struct ocr_box){tl[l].x0, tl[l].y0, x - 20, tl[l].y0 + tl[l].h};
    }
    if (pno == 0) {   /* one word on white paper, nothing drawn under it */
        struct ocr_line *ln = &pg->lines[li];
        struct ocr_word *w = &pg->words[wi];
        w->text = xstrdup("trắng");
        w->box = (struct ocr_box){WHITE_WORD_X, WHITE_WORD_Y, WHITE_WORD_X + 200,
                                  WHITE_WORD_Y + 60};
        w->line = li;
        ln->first_word = wi;
        ln->nwords = 1;
        ln->box = w->box;
    }
    pg->nwords = nwords;
    pg->nlines = nlines;
    ocr_page_rebuild_text(pg);
}

/* Encode page pno's drawing (1 bpp, 1 = black) the way that page tests. */
static void encode_page(int pno, PIX *pix1, struct ocr_image *im)
{
    memset(im, 0, sizeof *im);
    im->width = W;
    im->height = H;
    im->dpi = DPI;
    L_COMP_DATA *cid = NULL;
    if (pno == 0) {                 /* RGB JPEG: black text on cream paper */
        PIX *g = pixConvert1To8(NULL, pix1, 235, 20);
        PIX *rgb = pixConvertTo32(g);
        l_uint8 *data = NULL;
        size_t len = 0;
        pixWriteMemJpeg(&data, &len, rgb, 90, 0);
        im->fmt = OCR_IMG_JPEG;
        im->data = xmalloc(len);
        memcpy(im->data, data, len);
        im->len = len;
        im->bpc = 8;
        im->ncomp = 3;
        lept_free(data);
        pixDestroy(&rgb);
        pixDestroy(&g);
        return;
    }
    if (pno == 1 || pno == 3) {     /* bilevel: G4, or Flate 1 bpp */
        pixGenerateCIData(pix1, pno == 1 ? L_G4_ENCODE : L_FLATE_ENCODE, 0, 0, &cid);
        im->fmt = pno == 1 ? OCR_IMG_CCITT_G4 : OCR_IMG_FLATE;
        im->bpc = 1;
        im->ncomp = 1;
    } else {                        /* grey, Flate */
        PIX *g = pixConvert1To8(NULL, pix1, 250, 10);
        pixGenerateCIData(g, L_FLATE_ENCODE, 0, 0, &cid);
        pixDestroy(&g);
        im->fmt = OCR_IMG_FLATE;
        im->bpc = 8;
        im->ncomp = 1;
    }
    im->data = xmalloc(cid->nbytescomp);
    memcpy(im->data, cid->datacomp, cid->nbytescomp);
    im->len = cid->nbytescomp;
    l_CIDataDestroy(&cid);
}

static void images_free(struct ocr_images *imgs)
{
    for (int i = 0; i < imgs->n; i++)
        free(imgs->img[i].data);
    free(imgs->img);
}

/* Run a shell command, return its stdout (caller frees) and exit status. */
static char *run(const char *cmd, int *status)
{
    struct sbuf b = SBUF_INIT;
    FILE *f = popen(cmd, "r");
    if (!f) {
        *status = -1;
        return xstrdup("");
    }
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        sbuf_add(&b, buf, n);
    int st = pclose(f);
    *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return b.s ? sbuf_detach(&b) : xstrdup("");
}

static char *fold_ws(const char *s)
{
    char *n = utf8_nfc(s);
    return str_squash(n);
}

/* The value of "Key: value" in pdfinfo's output, trimmed, or NULL. */
static const char *info_field(const char *info, const char *key, char *buf, size_t n)
{
    size_t kl = strlen(key);
    for (const char *p = info; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        if (strncmp(p, key, kl) || p[kl] != ':')
            continue;
        p += kl + 1;
        while (*p == ' ')
            p++;
        size_t l = strcspn(p, "\n");
        if (l >= n)
            l = n - 1;
        memcpy(buf, p, l);
        buf[l] = 0;
        return buf;
    }
    return NULL;
}

static bool have(const char *prog)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", prog);
    return system(cmd) == 0;
}

/* Grey value at (x, y) of a binary PGM (P5, maxval 255). */
static int pgm_at(const char *path, int x, int y)
{
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    int w, h, mx, v = -1;
    if (fscanf(f, "P5 %d %d %d", &w, &h, &mx) == 3 && fgetc(f) != EOF && x < w && y < h) {
        fseek(f, (long)y * w + x, SEEK_CUR);
        v = fgetc(f);
    }
    fclose(f);
    return v;
}

static int cmp_int(const void *a, const void *b)
{
    return *(const int *)a - *(const int *)b;
}

/* Median top and median bottom of the words of line li. */
static void line_band(const struct ocr_page *pg, int li, double *top, double *bot)
{
    int t[16], b[16], n = 0;
    const struct ocr_line *ln = &pg->lines[li];
    for (int k = 0; k < ln->nwords && n < 16; k++, n++) {
        t[n] = pg->words[ln->first_word + k].box.y0;
        b[n] = pg->words[ln->first_word + k].box.y1;
    }
    qsort(t, (size_t)n, sizeof *t, cmp_int);
    qsort(b, (size_t)n, sizeof *b, cmp_int);
    *top = n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2.0;
    *bot = n % 2 ? b[n / 2] : (b[n / 2 - 1] + b[n / 2]) / 2.0;
}

static void check_text_and_boxes(const char *pdf, const struct ocr_doc *doc)
{
    char cmd[1024];
    int st;
    for (int p = 0; p < doc->npages; p++) {
        snprintf(cmd, sizeof cmd, "pdftotext -enc UTF-8 -f %d -l %d '%s' -", p + 1, p + 1, pdf);
        char *got = run(cmd, &st);
        char *g = fold_ws(got), *want = fold_ws(doc->pages[p].text);
        T_STREQ(g, want, "pdftotext gives page %d's OCR text back exactly", p + 1);
        free(g);
        free(want);
        free(got);
    }

    /* Word boxes: pdftotext -bbox gives each word's box in points, top-left
     * origin; it must be the OCR box scaled by 72/dpi. */
    snprintf(cmd, sizeof cmd, "pdftotext -bbox -enc UTF-8 '%s' -", pdf);
    char *html = run(cmd, &st);
    int page = -1, checked = 0, bad = 0, wi = 0;
    for (const char *p = html; (p = strstr(p, "<")); p++) {
        if (!strncmp(p, "<page ", 6)) {
            page++;
            wi = 0;
            continue;
        }
        double x0, y0, x1, y1;
        if (sscanf(p, "<word xMin=\"%lf\" yMin=\"%lf\" xMax=\"%lf\" yMax=\"%lf\"", &x0, &y0,
                   &x1, &y1) != 4 || page < 0 || page >= doc->npages)
            continue;
        const struct ocr_page *pg = &doc->pages[page];
        if (wi >= pg->nwords) { bad++; continue; }
        const struct ocr_word *w = &pg->words[wi++];
        double s = 72.0 / DPI;
        /* x from the word's box; y is one band per line: from the median top
         * of its words (ascent) to its median bottom (baseline) plus the
         * descent, a quarter of that (ascent 0.8 em, descent 0.2 em) */
        double top, bot;
        line_band(pg, w->line, &top, &bot);
        double want_y1 = bot + (bot - top) / 4;
        if (fabs(x0 - w->box.x0 * s) > 1.0 || fabs(x1 - w->box.x1 * s) > 1.5
            || fabs(y0 - top * s) > 1.0 || fabs(y1 - want_y1 * s) > 1.0) {
            printf("# page %d word \"%s\": got [%.1f %.1f %.1f %.1f] want [%.1f %.1f %.1f %.1f]\n",
                   page + 1, w->text, x0, y0, x1, y1, w->box.x0 * s, top * s,
                   w->box.x1 * s, want_y1 * s);
            bad++;
        }
        checked++;
    }
    int total = 0;
    for (int p = 0; p < doc->npages; p++)
        total += doc->pages[p].nwords;
    T_CHECK(checked == total && bad == 0, "every word's box comes back where OCR found it "
            "(%d of %d words checked, %d off)", checked, total, bad);
    free(html);
}

static void check_render(const char *pdf)
{
    char cmd[1024], pgm[600];
    int st;
    /* 75 dpi = a quarter of 300: OCR pixel (x, y) is rendered pixel (x/4, y/4) */
    snprintf(cmd, sizeof cmd, "pdftoppm -r 75 -gray '%s' '%s/r' 2>&1", pdf, tmpdir);
    char *errs = run(cmd, &st);
    T_CHECK(st == 0 && errs[0] == 0, "pdftoppm renders every page without complaint%s%s",
            errs[0] ? ": " : "", errs);
    free(errs);
    for (int p = 0; p < NPAGES; p++) {
        snprintf(pgm, sizeof pgm, "%s/r-%d.pgm", tmpdir, p + 1);
        const struct tline *l0 = &page_lines[p][0];
        int in = pgm_at(pgm, (l0->x0 + 10) / 4, (l0->y0 + l0->h / 2) / 4);
        int out = pgm_at(pgm, 5, (H - 20) / 4);
        T_CHECK(in >= 0 && in < 80 && out > 200, "page %d: image placed upright with the right "
                "polarity (bar %d, paper %d)", p + 1, in, out);
    }
    snprintf(pgm, sizeof pgm, "%s/r-1.pgm", tmpdir);
    int minv = 255;
    for (int y = WHITE_WORD_Y / 4; y < (WHITE_WORD_Y + 60) / 4; y++)
        for (int x = WHITE_WORD_X / 4; x < (WHITE_WORD_X + 200) / 4; x++) {
            int v = pgm_at(pgm, x, y);
            if (v >= 0 && v < minv) minv = v;
        }
    T_CHECK(minv > 200, "the text layer is invisible (darkest pixel under a word on white "
            "paper: %d)", minv);
}

static void check_tools(const char *pdf)
{
    char cmd[1024];
    int st;
    snprintf(cmd, sizeof cmd, "qpdf --check '%s' 2>&1", pdf);
    char *q = run(cmd, &st);
    T_CHECK(st == 0 && strstr(q, "No syntax or stream encoding errors"),
            "qpdf --check finds no error (status %d)", st);
    if (st != 0)
        printf("# %s\n", q);
    free(q);

    snprintf(cmd, sizeof cmd, "pdfinfo -custom '%s' 2>&1", pdf);
    char *info = run(cmd, &st);
    char v[256];
    T_STREQ(info_field(info, "Producer", v, sizeof v), "ancong test", "Info /Producer");
    T_STREQ(info_field(info, "ancong:ConvertedBy", v, sizeof v),
            "Viện kiểm sát nhân dân thành phố Đà Nẵng & co", "Info says who converted it");
    T_STREQ(info_field(info, "ancong:Station", v, sizeof v), "dn01", "Info names the station");
    T_STREQ(info_field(info, "ancong:ConvertedAt", v, sizeof v), "2026-03-05T01:02:03Z",
            "Info has the conversion time");
    T_STREQ(info_field(info, "Title", v, sizeof v), "Quyết định (thử)",
            "Info /Title in UTF-16 reads back");
    T_CHECK(info_field(info, "CreationDate", v, sizeof v) != NULL, "Info has a creation date");
    free(info);
    snprintf(cmd, sizeof cmd, "pdfinfo '%s' 2>&1", pdf);
    info = run(cmd, &st);
    T_STREQ(info_field(info, "PDF version", v, sizeof v), "1.7",
            "PDF 1.7 (decree 30: 1.4 or later)");
    T_STREQ(info_field(info, "Pages", v, sizeof v), "4", "four pages");
    /* 1200 x 900 px at 300 dpi = 288 x 216 pt: 100 % scale */
    T_STREQ(info_field(info, "Page size", v, sizeof v), "288 x 216 pts",
            "page size is pixels / dpi * 72");
    T_STREQ(info_field(info, "Metadata Stream", v, sizeof v), "yes", "XMP metadata stream");
    free(info);

    snprintf(cmd, sizeof cmd, "pdfinfo -meta '%s' 2>&1", pdf);
    char *xmp = run(cmd, &st);
    T_CHECK(strstr(xmp, "<ancong:ConvertedBy>Viện kiểm sát nhân dân thành phố Đà Nẵng &amp; "
                   "co</ancong:ConvertedBy>") != NULL, "XMP says who converted it (escaped)");
    T_CHECK(strstr(xmp, "<ancong:Station>dn01</ancong:Station>") != NULL, "XMP names the station");
    T_CHECK(strstr(xmp, "<xmp:CreateDate>2026-03-05T01:02:03Z</xmp:CreateDate>") != NULL,
            "XMP has the conversion time");
    T_CHECK(strstr(xmp, "<pdf:Producer>ancong test</pdf:Producer>") != NULL, "XMP producer");
    free(xmp);

    snprintf(cmd, sizeof cmd, "pdffonts '%s' 2>&1", pdf);
    char *fonts = run(cmd, &st);
    T_CHECK(st == 0 && strstr(fonts, "CID TrueType") && strstr(fonts, "Identity-H")
            && strstr(fonts, "yes no  yes"),
            "the text font is an embedded CID TrueType font, Identity-H, with ToUnicode");
    if (!strstr(fonts, "yes no  yes"))
        printf("# %s\n", fonts);
    free(fonts);
}

static void check_errors(struct ocr_doc *doc, struct ocr_images *imgs)
{
    struct sbuf out = SBUF_INIT;
    struct err e;

    err_init(&e);
    enum ocr_img_fmt keep = imgs->img[2].fmt;
    imgs->img[2].fmt = OCR_IMG_NONE;
    T_CHECK(pdf_write_searchable(doc, imgs, NULL, &out, &e) == -1
            && strstr(e.msg, "page 3") != NULL,
            "a page without an image is an error naming the page: %s", e.msg);
    imgs->img[2].fmt = keep;

    err_init(&e);
    sbuf_reset(&out);
    int keepw = imgs->img[1].width;
    imgs->img[1].width = W / 2;
    T_CHECK(pdf_write_searchable(doc, imgs, NULL, &out, &e) == -1
            && strstr(e.msg, "page 2") != NULL,
            "an image that does not match the OCR page is an error: %s", e.msg);
    imgs->img[1].width = keepw;

    err_init(&e);
    sbuf_reset(&out);
    int keepd = imgs->img[0].dpi, keepp = doc->pages[0].dpi;
    imgs->img[0].dpi = 0;
    doc->pages[0].dpi = 5;
    T_CHECK(pdf_write_searchable(doc, imgs, NULL, &out, &e) == -1 && e.kind == ERR_INPUT,
            "an unusable resolution is refused: %s", e.msg);
    imgs->img[0].dpi = keepd;
    doc->pages[0].dpi = keepp;

    err_init(&e);
    sbuf_reset(&out);
    struct ocr_images few = {1, imgs->img};
    T_CHECK(pdf_write_searchable(doc, &few, NULL, &out, &e) == -1,
            "fewer images than pages is an error: %s", e.msg);

    /* A page with no words still gives a valid page (image only). */
    err_init(&e);
    sbuf_reset(&out);
    struct ocr_page empty = doc->pages[3];
    empty.nwords = 0;
    empty.nlines = 0;
    struct ocr_doc one = {.npages = 1, .pages = &empty};
    struct ocr_images oneimg = {1, &imgs->img[3]};
    T_CHECK(pdf_write_searchable(&one, &oneimg, NULL, &out, &e) == 0,
            "a page without words is written (image only)");
    sbuf_release(&out);
}

/* OCR output can hold anything: broken UTF-8, control characters, absurd
 * boxes, lines pointing at words that do not exist.  The writer must still
 * produce a valid PDF whose text is the sane part of it. */
static void check_hostile(const struct ocr_images *imgs)
{
    struct ocr_page pg = {0};
    pg.number = 1;
    pg.width_px = W;
    pg.height_px = H;
    pg.dpi = DPI;
    struct ocr_word words[] = {
        {(char *)"Hợp\xff\xfe", {100, 100, 200, 140}, 0.5f, 0},
        {(char *)"lệ\x01\x1b[31m", {220, 100, 300, 140}, 0.5f, 0},
        {(char *)"", {320, 100, 400, 140}, 0.5f, 0},
        {(char *)"   ", {320, 100, 400, 140}, 0.5f, 0},
        {(char *)"xa", {-2147483647 - 1, -2147483647 - 1, 2147483647, 2147483647}, 0.5f, 5},
        {(char *)"ngược", {500, 300, 400, 200}, 0.5f, 1},
        {(char *)"(\\)", {100, 600, 180, 640}, 0.5f, 1},
    };
    struct ocr_line lines[] = {
        {NULL, {90, 95, 410, 145}, 0.5f, 0, 4, 0},
        {NULL, {90, 590, 200, 650}, 0.5f, 5, 99, 0},      /* runs past the words */
        {(char *)"dòng không từ", {90, 700, 600, 760}, 0.5f, 0, 0, 0},
        {NULL, {0, 0, 0, 0}, 0.5f, -7, 3, 0},
    };
    pg.words = words;
    pg.nwords = (int)(sizeof words / sizeof *words);
    pg.lines = lines;
    pg.nlines = (int)(sizeof lines / sizeof *lines);
    struct ocr_doc doc = {.npages = 1, .pages = &pg};
    struct ocr_images one = {1, &imgs->img[0]};
    struct sbuf out = SBUF_INIT;
    struct err e;
    err_init(&e);
    int rc = pdf_write_searchable(&doc, &one, NULL, &out, &e);
    T_CHECK(rc == 0, "hostile OCR output still gives a PDF%s%s", rc ? ": " : "", rc ? e.msg : "");
    char pdf[600], cmd[1300];
    snprintf(pdf, sizeof pdf, "%s/hostile.pdf", tmpdir);
    FILE *f = fopen(pdf, "wb");
    if (f) {
        fwrite(out.s, 1, out.len, f);
        fclose(f);
    }
    sbuf_release(&out);
    int st;
    snprintf(cmd, sizeof cmd, "qpdf --check '%s' >/dev/null 2>&1", pdf);
    free(run(cmd, &st));
    T_CHECK(st == 0, "qpdf --check passes on the hostile page's PDF");
    snprintf(cmd, sizeof cmd, "pdftotext -enc UTF-8 '%s' - 2>&1", pdf);
    char *txt = run(cmd, &st);
    char *got = fold_ws(txt);
    T_CHECK(st == 0 && strstr(got, "Hợp\xEF\xBF\xBD\xEF\xBF\xBD lệ[31m") && strstr(got, "(\\)")
            && strstr(got, "dòng không từ") && strstr(got, "xa"),
            "its text is the sane part: broken bytes as U+FFFD, controls dropped (got \"%s\")", got);
    free(got);
    free(txt);
}

/* Real OCR geometry (excerpts of three dev corpus pages, tests/data/pdfout/):
 * one noisy word makes its line's box reach into the next line; a
 * diacritic read as its own word overlaps the word it belongs to; a word's
 * box swallows the next word ("tiến" over "độ"); two OCR lines continue
 * one row, the first ending inside the second's box ("V" / "Tên").  The extracted text must
 * still be the OCR text, in order, with its spaces. */
static void check_real_geometry(void)
{
    const char *top = getenv("ANCONG_TOP");
    char path[1200], pdf[600], cmd[1300];
    snprintf(path, sizeof path, "%s/tests/data/pdfout/ocr-excerpts.tsv", top ? top : ".");
    FILE *f = fopen(path, "r");
    struct ocr_doc doc;
    if (!f || ocr_doc_load(f, &doc) < 0) {
        T_CHECK(0, "fixture %s loads", path);
        if (f) fclose(f);
        return;
    }
    fclose(f);
    struct ocr_image im[3];
    L_COMP_DATA *cid[3] = {NULL, NULL, NULL};
    for (int p = 0; p < 3 && p < doc.npages; p++) {
        struct ocr_page *pg = &doc.pages[p];
        PIX *pix = pixCreate(pg->width_px, pg->height_px, 1);
        pixGenerateCIData(pix, L_G4_ENCODE, 0, 0, &cid[p]);
        im[p] = (struct ocr_image){OCR_IMG_CCITT_G4, cid[p]->datacomp, cid[p]->nbytescomp,
                                   pg->width_px, pg->height_px, 1, 1, pg->dpi};
        pixDestroy(&pix);
    }
    struct ocr_images imgs = {doc.npages, im};
    struct sbuf out = SBUF_INIT;
    struct err e;
    err_init(&e);
    T_CHECK(doc.npages == 3 && pdf_write_searchable(&doc, &imgs, NULL, &out, &e) == 0,
            "real OCR pages written");
    snprintf(pdf, sizeof pdf, "%s/real.pdf", tmpdir);
    if ((f = fopen(pdf, "wb"))) {
        fwrite(out.s, 1, out.len, f);
        fclose(f);
    }
    int st;
    for (int p = 0; p < doc.npages; p++) {
        /* -raw: the order of the content stream, which is the OCR's order */
        snprintf(cmd, sizeof cmd, "pdftotext -raw -enc UTF-8 -f %d -l %d '%s' -", p + 1, p + 1, pdf);
        char *txt = run(cmd, &st);
        char *got = fold_ws(txt), *want = fold_ws(doc.pages[p].text);
        T_STREQ(got, want, "real OCR page %d: text comes back in order with its spaces", p + 1);
        free(got);
        free(want);
        free(txt);
    }
    sbuf_release(&out);
    for (int p = 0; p < 3; p++)
        l_CIDataDestroy(&cid[p]);
    ocr_doc_release(&doc);
}

/* A G4 stream whose coded black runs are the paper (as in a MinIsBlack
 * TIFF) renders right when black_is_1 says so. */
static void check_black_is_1(PIX *pix1, const struct ocr_page *pg)
{
    PIX *inv = pixInvert(NULL, pix1);
    L_COMP_DATA *cid = NULL;
    pixGenerateCIData(inv, L_G4_ENCODE, 0, 0, &cid);
    struct ocr_image im = {OCR_IMG_CCITT_G4, cid->datacomp, cid->nbytescomp, W, H, 1, 1, DPI, 1};
    struct ocr_images imgs = {1, &im};
    struct ocr_page one = *pg;
    one.number = 1;
    struct ocr_doc doc = {.npages = 1, .pages = &one};
    struct sbuf out = SBUF_INIT;
    struct err e;
    err_init(&e);
    char pdf[600], cmd[1300], pgm[600];
    snprintf(pdf, sizeof pdf, "%s/inv.pdf", tmpdir);
    FILE *f;
    if (pdf_write_searchable(&doc, &imgs, NULL, &out, &e) == 0 && (f = fopen(pdf, "wb"))) {
        fwrite(out.s, 1, out.len, f);
        fclose(f);
    }
    int st;
    snprintf(cmd, sizeof cmd, "pdftoppm -r 75 -gray '%s' '%s/inv' 2>&1", pdf, tmpdir);
    free(run(cmd, &st));
    snprintf(pgm, sizeof pgm, "%s/inv-1.pgm", tmpdir);
    const struct tline *l0 = &page_lines[1][0];
    int in = pgm_at(pgm, (l0->x0 + 10) / 4, (l0->y0 + l0->h / 2) / 4);
    int paper = pgm_at(pgm, 5, (H - 20) / 4);
    T_CHECK(in >= 0 && in < 80 && paper > 200,
            "a G4 image with black_is_1 renders with the right polarity (bar %d, paper %d)",
            in, paper);
    sbuf_release(&out);
    l_CIDataDestroy(&cid);
    pixDestroy(&inv);
}

int main(void)
{
    const char *tools[] = {"pdftotext", "pdftoppm", "pdfinfo", "pdffonts", "qpdf"};
    for (size_t i = 0; i < sizeof tools / sizeof *tools; i++)
        if (!have(tools[i])) {
            T_CHECK(0, "required program %s is installed (make deps / scripts/deps.sh --test)",
                    tools[i]);
            return t_done();
        }
    if (!mkdtemp(tmpdir)) {
        T_CHECK(0, "could not make a temporary directory");
        return t_done();
    }

    struct ocr_doc doc = {0};
    struct ocr_images imgs = {0};
    snprintf(doc.kind, sizeof doc.kind, "tiff");
    doc.npages = NPAGES;
    doc.pages = xcalloc(NPAGES, sizeof *doc.pages);
    imgs.n = NPAGES;
    imgs.img = xcalloc(NPAGES, sizeof *imgs.img);
    PIX *keep_g4 = NULL;
    for (int p = 0; p < NPAGES; p++) {
        PIX *pix = pixCreate(W, H, 1);
        pixSetResolution(pix, DPI, DPI);
        build_page(&doc.pages[p], p, pix);
        encode_page(p, pix, &imgs.img[p]);
        if (p == 1)
            keep_g4 = pixClone(pix);
        pixDestroy(&pix);
    }

    struct pdfout_meta meta = {
        .title = "Quyết định (thử)",
        .source_file = "scan_0001.tif",
        .source_sha256 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        .converted_by = "Viện kiểm sát nhân dân thành phố Đà Nẵng & co",
        .station = "dn01",
        .producer = "ancong test",
        .created = 1772672523,   /* 2026-03-05T01:02:03Z */
    };
    struct sbuf out = SBUF_INIT;
    sbuf_puts(&out, "junk before");   /* the writer appends; offsets are relative */
    size_t start = out.len;
    struct err e;
    err_init(&e);
    int rc = pdf_write_searchable(&doc, &imgs, &meta, &out, &e);
    T_CHECK(rc == 0, "pdf_write_searchable succeeds%s%s", rc ? ": " : "", rc ? e.msg : "");

    char pdf[600];
    snprintf(pdf, sizeof pdf, "%s/out.pdf", tmpdir);
    FILE *f = fopen(pdf, "wb");
    if (f) {
        fwrite(out.s + start, 1, out.len - start, f);
        fclose(f);
    }
    T_CHECK(strstr(out.s + start, "/ancong:ConvertedBy <FEFF") != NULL,
            "Info has /ancong:ConvertedBy in UTF-16");
    T_CHECK(strstr(out.s + start, "/ancong:SourceSHA256 (0123456789abcdef") != NULL,
            "Info records the original's sha256");

    check_tools(pdf);
    check_text_and_boxes(pdf, &doc);
    check_render(pdf);

    /* Same input, same time: same bytes (no hidden state, no randomness). */
    struct sbuf again = SBUF_INIT;
    err_init(&e);
    pdf_write_searchable(&doc, &imgs, &meta, &again, &e);
    T_CHECK(again.len == out.len - start && memcmp(again.s, out.s + start, again.len) == 0,
            "writing twice gives identical bytes");
    sbuf_release(&again);

    check_errors(&doc, &imgs);
    check_hostile(&imgs);
    check_real_geometry();
    check_black_is_1(keep_g4, &doc.pages[1]);
    pixDestroy(&keep_g4);

    sbuf_release(&out);
    images_free(&imgs);
    ocr_doc_release(&doc);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (getenv("KEEP_PDF") == NULL && system(cmd) != 0)
        printf("# could not remove %s\n", tmpdir);
    return t_done();
}
