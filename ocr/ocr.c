/*
 * ocr/ocr.c: type sniffing, the engine, and ocr_file()'s front door
 * (size checks, then the image or PDF path).
 */
#include "ocr/ocr.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/str.h"
#include "ocr/ocr_int.h"

const char *ocr_sniff(const unsigned char *h, size_t n)
{
    if (!h || n < 4) return NULL;
    /* UTF-16/32 text with a byte-order mark is never a scan, whatever its name. */
    if ((h[0] == 0xFF && h[1] == 0xFE) || (h[0] == 0xFE && h[1] == 0xFF)) return NULL;
    if (h[0] == 0xFF && h[1] == 0xD8 && h[2] == 0xFF) return "jpeg";
    if (n >= 8 && !memcmp(h, "\x89PNG\r\n\x1a\n", 8)) return "png";
    if (!memcmp(h, "II*\0", 4) || !memcmp(h, "MM\0*", 4) ||
        !memcmp(h, "II+\0", 4) || !memcmp(h, "MM\0+", 4)) return "tiff";
    if (n >= 6 && (!memcmp(h, "GIF87a", 6) || !memcmp(h, "GIF89a", 6))) return "gif";
    if (n >= 12 && !memcmp(h, "RIFF", 4) && !memcmp(h + 8, "WEBP", 4)) return "webp";
    if (n >= 12 && !memcmp(h, "\0\0\0\x0cjP  \r\n\x87\n", 12)) return "jp2";
    if (!memcmp(h, "\xff\x4f\xff\x51", 4)) return "jp2";
    if (n >= 26 && h[0] == 'B' && h[1] == 'M') {
        unsigned dib = h[14] | h[15] << 8 | (unsigned)h[16] << 16 | (unsigned)h[17] << 24;
        if (dib == 12 || dib == 40 || dib == 52 || dib == 56 || dib == 64 ||
            dib == 108 || dib == 124) return "bmp";
    }
    if (n >= 3 && h[0] == 'P' && h[1] >= '1' && h[1] <= '6' &&
        (h[2] == ' ' || h[2] == '\n' || h[2] == '\r' || h[2] == '\t')) return "pnm";
    /* A PDF may carry junk before its header (the spec's readers look in
     * the first 1024 bytes). */
    size_t lim = n < 1024 ? n : 1024;
    for (size_t i = 0; i + 5 <= lim; i++)
        if (h[i] == '%' && !memcmp(h + i, "%PDF-", 5)) return "pdf";
    return NULL;
}

struct ocr_engine *ocr_engine_open(const char *tessdata, const char *lang, struct err *e)
{
    struct ocr_engine *eng = xcalloc(1, sizeof *eng);
    if (!lang || !*lang) lang = "vie";
    if (tessdata && !*tessdata) tessdata = NULL;
    snprintf(eng->lang, sizeof eng->lang, "%s", lang);
    setLeptDebugOK(0);
    setMsgSeverity(L_SEVERITY_NONE);

    eng->api = TessBaseAPICreate();
    if (!eng->api || TessBaseAPIInit2(eng->api, tessdata, lang, OEM_LSTM_ONLY) != 0) {
        err_set(e, ERR_INTERNAL, "could not start Tesseract with language \"%s\"", lang);
        err_hint(e, "Install the language data (apt-get install tesseract-ocr-%s) or fix "
                 "ocr.lang / ocr.tessdata in ancong.conf.", lang);
        goto fail;
    }
    TessBaseAPISetVariable(eng->api, "debug_file", "/dev/null");
    TessBaseAPISetPageSegMode(eng->api, PSM_AUTO);

    eng->osd = TessBaseAPICreate();
    if (!eng->osd || TessBaseAPIInit2(eng->osd, tessdata, "osd", OEM_TESSERACT_ONLY) != 0) {
        err_set(e, ERR_INTERNAL, "could not start Tesseract's orientation model \"osd\"");
        err_hint(e, "Install it (apt-get install tesseract-ocr-osd) or fix ocr.tessdata "
                 "in ancong.conf.");
        goto fail;
    }
    TessBaseAPISetVariable(eng->osd, "debug_file", "/dev/null");
    TessBaseAPISetPageSegMode(eng->osd, PSM_OSD_ONLY);
    return eng;
fail:
    ocr_engine_close(&eng);
    return NULL;
}

void ocr_engine_close(struct ocr_engine **engp)
{
    struct ocr_engine *eng = engp ? *engp : NULL;
    if (!eng) return;
    if (eng->api) { TessBaseAPIEnd(eng->api); TessBaseAPIDelete(eng->api); }
    if (eng->osd) { TessBaseAPIEnd(eng->osd); TessBaseAPIDelete(eng->osd); }
    free(eng);
    *engp = NULL;
}

void ocr_images_release(struct ocr_images *im)
{
    if (!im) return;
    for (int i = 0; i < im->n; i++) free(im->img[i].data);
    free(im->img);
    im->img = NULL;
    im->n = 0;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

int ocr_file(struct ocr_engine *eng, const char *path, const struct ocr_limits *lim,
             struct ocr_doc *doc, struct ocr_images *images, struct err *e)
{
    unsigned char head[1024];
    struct stat st;
    const char *name = base_name(path);
    const char *kind;
    ssize_t got;
    int fd, rc = -1;

    memset(doc, 0, sizeof *doc);
    if (images) memset(images, 0, sizeof *images);
    if (!eng) {
        err_set(e, ERR_INTERNAL, "OCR engine not initialised");
        return -1;
    }
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        err_errno(e, "open", path);
        return -1;
    }
    if (fstat(fd, &st) < 0) {
        err_errno(e, "stat", path);
        close(fd);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        err_set(e, ERR_INPUT, "\"%s\" is not a regular file", name);
        close(fd);
        return -1;
    }
    if (st.st_size == 0) {
        err_set(e, ERR_INPUT, "\"%s\" is empty (0 bytes)", name);
        err_hint(e, "Scan the document again; the scanner or the copy produced an empty file.");
        close(fd);
        return -1;
    }
    if (lim && lim->max_bytes > 0 && st.st_size > lim->max_bytes) {
        err_set(e, ERR_LIMIT, "\"%s\" is %lld MiB, over the limit of %ld MiB", name,
                (long long)(st.st_size >> 20), lim->max_bytes >> 20);
        err_hint(e, "Split the file, or raise ocr.max_mb in ancong.conf.");
        close(fd);
        return -1;
    }
    got = pread(fd, head, sizeof head, 0);
    close(fd);
    if (got < 0) {
        err_errno(e, "read", path);
        return -1;
    }
    kind = ocr_sniff(head, (size_t)got);
    if (!kind) {
        err_set(e, ERR_INPUT, "\"%s\" is not a scan: its content is not PDF, TIFF, JPEG, "
                "PNG, GIF, BMP, WebP, JPEG 2000 or PNM", name);
        err_hint(e, "Drop the scanned document itself (PDF, TIFF, JPEG or PNG); "
                 "text, office and archive files are not accepted.");
        return -1;
    }
    snprintf(doc->kind, sizeof doc->kind, "%s", kind);

    struct ocr_limits dl = { 500, 150000000L, 1024L << 20, 300, 300 };
    if (!lim) lim = &dl;
    if (!strcmp(kind, "pdf"))
        rc = ocr_pdf_file(eng, path, NULL, 0, lim, doc, images, e);
    else
        rc = ocr_image_file(eng, path, kind, lim, doc, images, e);
    if (rc < 0) {
        ocr_doc_release(doc);
        memset(doc, 0, sizeof *doc);
        snprintf(doc->kind, sizeof doc->kind, "%s", kind);
        if (images) ocr_images_release(images);
    }
    return rc;
}
