/*
 * tests/unit/test_ocr.c: ocr/ on generated scans (build/tools/mkscan) and
 * on small hostile byte samples written here.  Real Tesseract, no mocks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/str.h"
#include "ocr/ocr.h"
#include "tests/unit/t.h"

static char tmpdir[256], mkscan[1024];

static void write_file(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p, 1, n, f) != n || fclose(f)) { perror(path); exit(1); }
}

static const char *tmp(const char *name)
{
    static char buf[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
    return buf[k];
}

static int run_mkscan(const char *args, const char *out)
{
    char cmd[2048];
    /* fontconfig keeps its caches to the end: not our leak (ASan builds) */
    snprintf(cmd, sizeof cmd, "ASAN_OPTIONS=detect_leaks=0 %s %s %s", mkscan, args, out);
    return system(cmd);
}

/* qpdf exits 3 for "succeeded with warnings" (Leptonica's PDFs give some). */
static int qpdf_ok(const char *cmd)
{
    int r = system(cmd);
    return r != -1 && WIFEXITED(r) && (WEXITSTATUS(r) == 0 || WEXITSTATUS(r) == 3);
}

static const struct ocr_limits lim = { 50, 150000000L, 64L << 20, 300, 300 };

static void test_sniff(void)
{
    T_STREQ(ocr_sniff((const unsigned char *)"\xff\xd8\xff\xe0\0\x10JFIF", 10), "jpeg", "sniff jpeg");
    T_STREQ(ocr_sniff((const unsigned char *)"\x89PNG\r\n\x1a\n\0\0", 10), "png", "sniff png");
    T_STREQ(ocr_sniff((const unsigned char *)"II*\0\x08\0\0\0", 8), "tiff", "sniff tiff LE");
    T_STREQ(ocr_sniff((const unsigned char *)"MM\0*\0\0\0\x08", 8), "tiff", "sniff tiff BE");
    T_STREQ(ocr_sniff((const unsigned char *)"%PDF-1.7\n", 9), "pdf", "sniff pdf");
    T_STREQ(ocr_sniff((const unsigned char *)"junk\r\n%PDF-1.4\n", 15), "pdf", "sniff pdf after junk");
    T_STREQ(ocr_sniff((const unsigned char *)"GIF89a\x01\0\x01\0", 10), "gif", "sniff gif");
    T_STREQ(ocr_sniff((const unsigned char *)"RIFF\0\0\0\0WEBPVP8 ", 16), "webp", "sniff webp");
    T_CHECK(ocr_sniff((const unsigned char *)"PK\x03\x04\x14\0\0\0", 8) == NULL, "sniff zip is NULL");
    T_CHECK(ocr_sniff((const unsigned char *)"\xff\xfe%\0P\0D\0F\0", 10) == NULL, "sniff UTF-16 text is NULL");
    T_CHECK(ocr_sniff((const unsigned char *)"Quyết định số 12\n", 19) == NULL, "sniff plain text is NULL");
    T_CHECK(ocr_sniff((const unsigned char *)"oops\n", 5) == NULL, "sniff 'oops' is NULL");
    T_CHECK(ocr_sniff(NULL, 0) == NULL, "sniff empty is NULL");
}

static int has(const struct ocr_page *p, const char *s)
{
    return p->text && strstr(p->text, s) != NULL;
}

/* Note: T_CHECK evaluates its condition twice, so every call with side
 * effects is made first and its result checked. */
static void test_bad_files(struct ocr_engine *eng)
{
    struct ocr_doc d;
    struct err e;
    int rc;

    err_init(&e);
    write_file(tmp("empty.pdf"), "", 0);
    rc = ocr_file(eng, tmp("empty.pdf"), &lim, &d, NULL, &e);
    T_CHECK(rc < 0 && e.kind == ERR_INPUT &&
            strstr(e.msg, "empty"), "empty file refused: %s", e.msg);

    err_init(&e);
    write_file(tmp("notes.pdf"), "Biên bản họp\n", 14);
    rc = ocr_file(eng, tmp("notes.pdf"), &lim, &d, NULL, &e);
    T_CHECK(rc < 0 && e.kind == ERR_INPUT &&
            e.hint[0], "text named .pdf refused with a hint: %s", e.msg);

    err_init(&e);
    const char garbage[] = "%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 9 0 R >>\nendobj\n"
                           "trailer << /Root 1 0 R >>\n%%EOF\n\x01\x02\x03";
    write_file(tmp("garbage.pdf"), garbage, sizeof garbage - 1);
    rc = ocr_file(eng, tmp("garbage.pdf"), &lim, &d, NULL, &e);
    T_CHECK(rc < 0 && e.kind == ERR_INPUT &&
            e.hint[0], "garbage PDF gives a clear error: %s", e.msg);

    /* A GIF whose header claims 65535 x 65280 pixels: refused from the header. */
    err_init(&e);
    const unsigned char bomb[] = "GIF89a\xff\xff\x00\xff\x00\x00\x00"
                                 ",\0\0\0\0\xff\xff\x00\xff\x00\x02\x02\x44\x01\x00;";
    write_file(tmp("bomb.gif"), bomb, sizeof bomb - 1);
    rc = ocr_file(eng, tmp("bomb.gif"), &lim, &d, NULL, &e);
    T_CHECK(rc < 0 && e.kind == ERR_LIMIT &&
            strstr(e.msg, "65535"), "GIF bomb refused before decoding: %s", e.msg);

    /* A TIFF whose IFD claims 200000 x 200000 pixels. */
    err_init(&e);
    unsigned char tif[8 + 2 + 12 * 8 + 4 + 16] = "II*\0\x08\0\0\0";
    unsigned char *p = tif + 8;
    int nent = 8;
    *p++ = (unsigned char)nent; *p++ = 0;
    struct { unsigned short tag, type; unsigned cnt, val; } ent[] = {
        {256, 4, 1, 200000}, {257, 4, 1, 200000}, {258, 3, 1, 1}, {259, 3, 1, 1},
        {262, 3, 1, 0}, {273, 4, 1, 8}, {278, 4, 1, 200000}, {279, 4, 1, 16},
    };
    for (int i = 0; i < nent; i++) {
        *p++ = ent[i].tag & 0xff; *p++ = ent[i].tag >> 8;
        *p++ = ent[i].type & 0xff; *p++ = ent[i].type >> 8;
        for (int b = 0; b < 4; b++) *p++ = (ent[i].cnt >> (8 * b)) & 0xff;
        for (int b = 0; b < 4; b++) *p++ = (ent[i].val >> (8 * b)) & 0xff;
    }
    write_file(tmp("bomb.tif"), tif, sizeof tif);
    rc = ocr_file(eng, tmp("bomb.tif"), &lim, &d, NULL, &e);
    T_CHECK(rc < 0 && e.kind == ERR_LIMIT,
            "TIFF bomb refused before decoding: %s", e.msg);

    /* A JPEG named .pdf goes to the image path; a blank sheet is blank. */
    err_init(&e);
    if (run_mkscan("--blank --dpi 300 --noise 4", tmp("sheet.jpg")) == 0 &&
        rename(tmp("sheet.jpg"), tmp("sheet.pdf")) == 0) {
        rc = ocr_file(eng, tmp("sheet.pdf"), &lim, &d, NULL, &e);
        T_CHECK(rc == 0 && !strcmp(d.kind, "jpeg") && d.npages == 1 && d.pages[0].blank &&
                d.pages[0].text && !d.pages[0].text[0], "JPEG named .pdf read as a blank JPEG: %s", e.msg);
        if (rc == 0) ocr_doc_release(&d);
        /* over the pixel limit: libjpeg decodes it reduced, never whole */
        struct ocr_limits small = lim;
        small.max_pixels = 2000000;
        err_init(&e);
        rc = ocr_file(eng, tmp("sheet.pdf"), &small, &d, NULL, &e);
        T_CHECK(rc == 0 && d.npages == 1 &&
                (long)d.pages[0].width_px * d.pages[0].height_px <= small.max_pixels,
                "large JPEG decoded reduced under the pixel limit (%dx%d): %s",
                rc == 0 ? d.pages[0].width_px : 0, rc == 0 ? d.pages[0].height_px : 0, e.msg);
        if (rc == 0) ocr_doc_release(&d);
    } else {
        T_CHECK(0, "mkscan sheet.jpg");
    }

    /* Page limit */
    struct ocr_limits l1 = lim;
    l1.max_pages = 1;
    err_init(&e);
    if (run_mkscan("--pages 2 --dpi 100 --bilevel", tmp("two.tif")) == 0) {
        rc = ocr_file(eng, tmp("two.tif"), &l1, &d, NULL, &e);
        T_CHECK(rc < 0 && e.kind == ERR_LIMIT &&
                strstr(e.msg, "2 pages"), "page limit: %s", e.msg);
    } else {
        T_CHECK(0, "mkscan two.tif");
    }

    /* Password-protected PDF (qpdf makes it; a missing qpdf fails loudly). */
    err_init(&e);
    char cmd[2048];
    if (run_mkscan("--dpi 100 --bilevel", tmp("plain.pdf")) == 0) {
        snprintf(cmd, sizeof cmd, "qpdf --encrypt secret secret 256 -- %s %s 2>/dev/null",
                 tmp("plain.pdf"), tmp("locked.pdf"));
        int ok = qpdf_ok(cmd);
        T_CHECK(ok, "qpdf encrypts a PDF");
        rc = ocr_file(eng, tmp("locked.pdf"), &lim, &d, NULL, &e);
        T_CHECK(rc < 0 && e.kind == ERR_INPUT &&
                strstr(e.msg, "password"), "encrypted PDF: %s", e.msg);
        /* empty user password: opens */
        snprintf(cmd, sizeof cmd, "qpdf --encrypt '' owner 256 -- %s %s 2>/dev/null",
                 tmp("plain.pdf"), tmp("open.pdf"));
        err_init(&e);
        ok = qpdf_ok(cmd);
        rc = ok ? ocr_file(eng, tmp("open.pdf"), &lim, &d, NULL, &e) : -1;
        T_CHECK(ok && rc == 0 &&
                d.encrypted && d.npages == 1, "empty user password opens: %s", e.msg);
        if (rc == 0) ocr_doc_release(&d);
        /* truncated: half the file */
        FILE *f = fopen(tmp("plain.pdf"), "rb");
        struct sbuf b = SBUF_INIT;
        char buf[4096];
        size_t n;
        while (f && (n = fread(buf, 1, sizeof buf, f)) > 0) sbuf_add(&b, buf, n);
        if (f) fclose(f);
        write_file(tmp("cut.pdf"), b.s, b.len / 3);
        sbuf_release(&b);
        err_init(&e);
        rc = ocr_file(eng, tmp("cut.pdf"), &lim, &d, NULL, &e);
        T_CHECK(rc < 0 ? e.kind == ERR_INPUT && e.hint[0] != 0
                       : (d.npages == 1 && d.pages[0].warning != NULL),
                "truncated PDF: error or warning (%s)", rc < 0 ? e.msg : d.pages[0].warning);
        if (rc == 0) ocr_doc_release(&d);
    } else {
        T_CHECK(0, "mkscan plain.pdf");
    }
}

static void test_ocr_pages(struct ocr_engine *eng)
{
    struct ocr_doc d;
    struct ocr_images im;
    struct err e;
    int rc;

    /* Upright grey PNG: words, header order, boxes. */
    err_init(&e);
    if (run_mkscan("--dpi 300 --noise 8", tmp("page.png")) != 0) { T_CHECK(0, "mkscan page.png"); return; }
    rc = ocr_file(eng, tmp("page.png"), &lim, &d, &im, &e);
    T_CHECK(rc == 0, "OCR a generated page: %s", e.msg);
    if (!err_is_set(&e)) {
        const struct ocr_page *p = &d.pages[0];
        T_STREQ(d.kind, "png", "kind from bytes");
        T_CHECK(d.npages == 1 && p->nwords > 50, "words found (%d)", p->nwords);
        T_CHECK(has(p, "THÔNG BÁO") && has(p, "Quảng Ngãi") && has(p, "27/TB-VKSKV2") &&
                has(p, "Phạm Minh Tuấn"), "expected words found");
        const char *so = p->text ? strstr(p->text, "Số: 27") : NULL;
        const char *ch = p->text ? strstr(p->text, "CỘNG HÒA") : NULL;
        const char *nn = p->text ? strstr(p->text, "Lưu:") : NULL;
        const char *vt = p->text ? strstr(p->text, "Phạm Minh") : NULL;
        T_CHECK(so && ch && so < ch, "header: left column before right column");
        T_CHECK(nn && vt && nn < vt, "signature area: Nơi nhận column before the signer");
        T_CHECK(p->rotation == 0 && p->dpi == 300 && !strcmp(p->dpi_source, "metadata"),
                "rotation 0, dpi 300 from metadata");
        T_CHECK(p->ocr_conf > 0.8, "confidence %.2f", p->ocr_conf);
        int boxes_ok = 1;
        for (int i = 0; i < p->nwords; i++) {
            const struct ocr_box *b = &p->words[i].box;
            if (b->x0 < 0 || b->y0 < 0 || b->x1 > p->width_px || b->y1 > p->height_px ||
                b->x0 >= b->x1 || b->y0 >= b->y1 || p->words[i].conf < 0 || p->words[i].conf > 1)
                boxes_ok = 0;
        }
        T_CHECK(boxes_ok, "word boxes inside the page, confidences in 0..1");
        T_CHECK(im.n == 1 && im.img[0].fmt == OCR_IMG_JPEG && im.img[0].len > 1000 &&
                im.img[0].width == p->width_px, "JPEG page image for the searchable PDF");
        ocr_images_release(&im);
        ocr_doc_release(&d);
    }

    /* Stored turned 90 degrees clockwise and skewed: turned upright. */
    err_init(&e);
    if (run_mkscan("--dpi 200 --rotate 90 --skew 1.5", tmp("rot.jpg")) != 0) { T_CHECK(0, "mkscan rot.jpg"); return; }
    rc = ocr_file(eng, tmp("rot.jpg"), &lim, &d, NULL, &e);
    T_CHECK(rc == 0, "OCR a rotated page: %s", e.msg);
    if (!err_is_set(&e)) {
        const struct ocr_page *p = &d.pages[0];
        T_CHECK(p->rotation == 90, "rotation reported as 90 (got %d)", p->rotation);
        T_CHECK(p->width_px < p->height_px, "upright page is portrait");
        T_CHECK(p->skew_deg > 1.0 && p->skew_deg < 2.0, "skew found (%.2f)", p->skew_deg);
        T_CHECK(has(p, "THÔNG BÁO") && has(p, "Quảng Ngãi"), "rotated page read");
        ocr_doc_release(&d);
    }

    /* Bilevel multi-page TIFF G4 (second page blank) and its G4 images. */
    err_init(&e);
    const char *two = "THÔNG BÁO\nVề việc thụ lý vụ việc dân sự công ích\n\f";
    write_file(tmp("two.txt"), two, strlen(two));
    {
        char args[1024];
        snprintf(args, sizeof args, "--dpi 200 --bilevel --rotate 180 --text %s", tmp("two.txt"));
        if (run_mkscan(args, tmp("g4.tif")) != 0) { T_CHECK(0, "mkscan g4.tif"); return; }
    }
    rc = ocr_file(eng, tmp("g4.tif"), &lim, &d, &im, &e);
    T_CHECK(rc == 0, "OCR a G4 TIFF: %s", e.msg);
    if (!err_is_set(&e)) {
        T_CHECK(d.npages == 2, "two pages (%d)", d.npages);
        if (d.npages == 2) {
            T_CHECK(d.pages[0].rotation == 180 && has(&d.pages[0], "THÔNG BÁO"),
                    "upside-down page turned (rotation %d)", d.pages[0].rotation);
            T_CHECK(d.pages[1].blank && d.pages[1].text && !d.pages[1].text[0],
                    "blank second page");
            T_CHECK(im.n == 2 && im.img[0].fmt == OCR_IMG_CCITT_G4 && im.img[0].bpc == 1,
                    "G4 page image");
        }
        ocr_images_release(&im);
        ocr_doc_release(&d);
    }
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    struct sbuf b = SBUF_INIT;
    char buf[4096];
    size_t n;
    while (f && (n = fread(buf, 1, sizeof buf, f)) > 0) sbuf_add(&b, buf, n);
    if (f) fclose(f);
    return sbuf_detach(&b);
}

/* A born-digital PDF: read from its text layer, exactly, no OCR. */
static void test_text_layer(struct ocr_engine *eng)
{
    struct ocr_doc d;
    struct err e;
    char args[1024];
    int rc;

    err_init(&e);
    snprintf(args, sizeof args, "--vector --pages 2 --truth %s", tmp("vec.txt"));
    if (run_mkscan(args, tmp("vec.pdf")) != 0) { T_CHECK(0, "mkscan --vector"); return; }
    rc = ocr_file(eng, tmp("vec.pdf"), &lim, &d, NULL, &e);
    T_CHECK(rc == 0, "read a text PDF: %s", e.msg);
    if (err_is_set(&e)) return;
    char *truth = slurp(tmp("vec.txt"));
    char *ff = strchr(truth, '\f');
    if (ff) *ff = 0;
    T_CHECK(d.npages == 2 && d.pages[0].source == OCR_SRC_TEXT_LAYER, "text layer used");
    T_STREQ(d.pages[0].text, truth, "text layer page text in reading order");
    const struct ocr_page *p = &d.pages[0];
    int found = 0;
    for (int i = 0; i < p->nwords; i++) {
        if (!strcmp(p->words[i].text, "THÔNG")) {
            const struct ocr_box *b = &p->words[i].box;
            /* centred title, 300 dpi A4 page */
            found = b->x0 > 900 && b->x1 < 1500 && b->y0 > 400 && b->y1 < 800 &&
                    p->width_px == 2481 && p->dpi == 300;
        }
    }
    T_CHECK(found, "text layer word box in page pixels");
    free(truth);
    ocr_doc_release(&d);
}

/* A PDF page whose image holds far more pixels than the page at 300 dpi
 * (a small page carrying a scan "at 2400 dpi", like OCRmyPDF's 2400dpi.pdf):
 * rendered at the image's own resolution, capped to an A4 page's pixels at
 * render_dpi, so its text is read; it was rendered 309 x 438 and found
 * blank.  Normal scans keep their render size. */
static void test_high_dpi_image(struct ocr_engine *eng)
{
    struct ocr_doc d;
    struct err e;
    int rc;
    const double a4_300 = 8.27 * 11.69 * 300 * 300;

    /* an A4 scan's 2481 x 3507 pixels on a 74 x 105 pt page */
    err_init(&e);
    if (run_mkscan("--dpi 300 --pdf-dpi 2400", tmp("hidpi.pdf")) != 0) { T_CHECK(0, "mkscan hidpi.pdf"); return; }
    rc = ocr_file(eng, tmp("hidpi.pdf"), &lim, &d, NULL, &e);
    T_CHECK(rc == 0, "OCR a small page holding a 2400 dpi image: %s", e.msg);
    if (rc == 0) {
        const struct ocr_page *p = &d.pages[0];
        double px = (double)p->width_px * p->height_px;
        T_CHECK(p->width_px >= 2300 && px <= a4_300 * 1.01 && p->dpi > 2000,
                "2400 dpi image page rendered near its own pixels, at most an A4 page's "
                "at 300 dpi (%d x %d at %d dpi)", p->width_px, p->height_px, p->dpi);
        T_CHECK(!p->blank && has(p, "THÔNG BÁO") && has(p, "27/TB-VKSKV2") && has(p, "Phạm Minh Tuấn"),
                "2400 dpi image page read, not blank");
        ocr_doc_release(&d);
    }

    /* the cap follows render_dpi: at 150 dpi, an A4 page's pixels at 150 */
    struct ocr_limits low = lim;
    low.render_dpi = 150;
    err_init(&e);
    rc = ocr_file(eng, tmp("hidpi.pdf"), &low, &d, NULL, &e);
    T_CHECK(rc == 0, "OCR it with render_dpi 150: %s", e.msg);
    if (rc == 0) {
        const struct ocr_page *p = &d.pages[0];
        double px = (double)p->width_px * p->height_px;
        T_CHECK(px <= a4_300 / 4 * 1.01 && px > a4_300 / 4 * 0.9,
                "render_dpi 150: capped to an A4 page at 150 dpi (%d x %d)", p->width_px, p->height_px);
        ocr_doc_release(&d);
    }

    /* a 300 dpi image on a small page is a normal scan: rendered at 300 */
    err_init(&e);
    if (run_mkscan("--dpi 150 --pdf-dpi 300", tmp("a6.pdf")) != 0) { T_CHECK(0, "mkscan a6.pdf"); return; }
    rc = ocr_file(eng, tmp("a6.pdf"), &lim, &d, NULL, &e);
    T_CHECK(rc == 0, "OCR a small page holding a 300 dpi image: %s", e.msg);
    if (rc == 0) {
        const struct ocr_page *p = &d.pages[0];
        T_CHECK(p->dpi == 300 && abs(p->width_px - 1241) <= 2,
                "300 dpi image on a small page rendered at 300 dpi (%d px at %d dpi)",
                p->width_px, p->dpi);
        ocr_doc_release(&d);
    }
}

int main(void)
{
    struct err e;
    const char *bd = getenv("ANCONG_BUILD_DIR");

    snprintf(mkscan, sizeof mkscan, "%s/tools/mkscan", bd ? bd : "build");
    snprintf(tmpdir, sizeof tmpdir, "/tmp/ancong-test-ocr-XXXXXX");
    if (!mkdtemp(tmpdir)) { perror("mkdtemp"); return 1; }
    T_CHECK(access(mkscan, X_OK) == 0, "mkscan is built (%s)", mkscan);

    test_sniff();
    err_init(&e);
    struct ocr_engine *eng = ocr_engine_open(NULL, "vie", &e);
    T_CHECK(eng != NULL, "Tesseract vie + osd open: %s", e.msg);
    if (eng) {
        test_bad_files(eng);
        test_ocr_pages(eng);
        test_text_layer(eng);
        test_high_dpi_image(eng);
        ocr_engine_close(&eng);
        T_CHECK(eng == NULL, "engine closed");
    }
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmpdir);
    return t_done();
}
