/*
 * ocr/image.c: the image path (TIFF, JPEG, PNG, GIF, BMP, WebP, JP2, PNM),
 * and encoding page images for the searchable PDF.
 *
 * Every page's size is read from the file's headers and checked against
 * the pixel limit BEFORE anything is decoded: a 44-byte GIF may claim
 * 65535 x 65280 pixels.  Leptonica's own header reader decodes GIFs whole,
 * so GIF headers are walked here.
 */
#include "ocr/ocr_int.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <tiffio.h>

#include "common/str.h"

/* ---- header probes --------------------------------------------------- */

/* GIF: largest extent (screen or any frame's left+width, top+height). */
static int gif_extent(const char *path, long *w, long *h)
{
    FILE *f = fopen(path, "rb");
    unsigned char b[16];
    long mw, mh;
    int rc = -1;

    if (!f) return -1;
    if (fread(b, 1, 13, f) != 13) goto out;
    mw = b[6] | b[7] << 8;
    mh = b[8] | b[9] << 8;
    if (b[10] & 0x80) fseek(f, 3L << ((b[10] & 7) + 1), SEEK_CUR);
    for (int guard = 0; guard < 100000; guard++) {
        int c = fgetc(f);
        if (c == 0x3B || c == EOF) break;
        if (c == 0x21) {                         /* extension: label, sub-blocks */
            if (fgetc(f) == EOF) break;
        } else if (c == 0x2C) {                  /* image descriptor */
            if (fread(b, 1, 9, f) != 9) break;
            long x = b[0] | b[1] << 8, y = b[2] | b[3] << 8;
            long fw = b[4] | b[5] << 8, fh = b[6] | b[7] << 8;
            if (x + fw > mw) mw = x + fw;
            if (y + fh > mh) mh = y + fh;
            if (b[8] & 0x80) fseek(f, 3L << ((b[8] & 7) + 1), SEEK_CUR);
            if (fgetc(f) == EOF) break;          /* LZW minimum code size */
        } else {
            break;
        }
        for (;;) {                               /* skip sub-blocks */
            int len = fgetc(f);
            if (len <= 0) break;
            if (fseek(f, len, SEEK_CUR) != 0) break;
        }
    }
    *w = mw;
    *h = mh;
    rc = 0;
out:
    fclose(f);
    return rc;
}

/* EXIF orientation of a JPEG (1..8), 1 when absent or unreadable. */
static int jpeg_exif_orientation(const char *path)
{
    FILE *f = fopen(path, "rb");
    unsigned char buf[65536 + 4];
    int orient = 1;
    size_t n;

    if (!f) return 1;
    n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    for (size_t p = 2; p + 4 <= n;) {
        if (buf[p] != 0xFF) break;
        int m = buf[p + 1];
        if (m == 0xD8 || (m >= 0xD0 && m <= 0xD7) || m == 0x01) { p += 2; continue; }
        if (m == 0xDA || m == 0xD9) break;
        size_t len = (size_t)buf[p + 2] << 8 | buf[p + 3];
        if (len < 2) break;
        if (m == 0xE1 && p + 4 + len - 2 <= n && len >= 16 &&
            !memcmp(buf + p + 4, "Exif\0\0", 6)) {
            const unsigned char *t = buf + p + 10;
            size_t tl = len - 8;
            int le = t[0] == 'I';
            #define U16(q) (le ? (unsigned)(t[q] | t[(q) + 1] << 8) : (unsigned)(t[q] << 8 | t[(q) + 1]))
            #define U32(q) (le ? ((uint32_t)t[q] | (uint32_t)t[(q)+1] << 8 | (uint32_t)t[(q)+2] << 16 | (uint32_t)t[(q)+3] << 24) \
                               : ((uint32_t)t[q] << 24 | (uint32_t)t[(q)+1] << 16 | (uint32_t)t[(q)+2] << 8 | (uint32_t)t[(q)+3]))
            if (tl < 8 || (t[0] != 'I' && t[0] != 'M')) break;
            uint32_t ifd = U32(4);
            if (ifd + 2 > tl) break;
            unsigned cnt = U16(ifd);
            for (unsigned i = 0; i < cnt && ifd + 2 + 12 * (i + 1) <= tl; i++) {
                size_t q = ifd + 2 + 12 * i;
                if (U16(q) == 0x0112) {
                    unsigned v = U16(q + 8);
                    if (v >= 1 && v <= 8) orient = (int)v;
                    break;
                }
            }
            #undef U16
            #undef U32
            break;
        }
        p += 2 + len;
    }
    return orient;
}

/* EXIF/TIFF orientation value -> how the image is stored, degrees clockwise.
 * Mirrored values (2, 4, 5, 7) are treated as their unmirrored rotation. */
static int orientation_to_rot(int o)
{
    switch (o) {
    case 3: case 4: return 180;
    case 6: case 5: return 270;   /* display needs 90 cw: stored 90 ccw */
    case 8: case 7: return 90;
    default: return 0;
    }
}

static int tiff_orientation(const char *path, int page)
{
    TIFFSetWarningHandler(NULL);
    TIFFSetErrorHandler(NULL);
    TIFF *t = TIFFOpen(path, "rm");
    uint16_t o = 1;
    if (!t) return 1;
    if (TIFFSetDirectory(t, (tdir_t)page) && TIFFGetField(t, TIFFTAG_ORIENTATION, &o) != 1)
        o = 1;
    TIFFClose(t);
    return o;
}

/* A TIFF whose pages use a compression we cannot decode: say which, and
 * what the clerk can do, before any decoder gives a vague "damaged".
 * Old-style JPEG (OJPEG, compression 6) is the common case: Kofax and other
 * old capture software still write it, and Leptonica does not read it.
 * Returns 0 when every page is readable, -1 with e set otherwise. */
static int tiff_check_compression(const char *path, const char *name, int npages, struct err *e)
{
    TIFFSetWarningHandler(NULL);
    TIFFSetErrorHandler(NULL);
    TIFF *t = TIFFOpen(path, "rm");
    int rc = 0;

    if (!t) return 0;                       /* the decoder will say "damaged" */
    for (int i = 0; i < npages && rc == 0; i++) {
        uint16_t c = COMPRESSION_NONE;
        char where[32] = "";
        if (npages > 1) snprintf(where, sizeof where, " page %d", i + 1);
        if (!TIFFSetDirectory(t, (tdir_t)i)) break;
        if (TIFFGetField(t, TIFFTAG_COMPRESSION, &c) != 1) continue;
        if (c == COMPRESSION_OJPEG) {
            err_set(e, ERR_INPUT, "\"%s\"%s uses old-style JPEG compression (OJPEG), an "
                    "unsupported TIFF compression", name, where);
            err_hint(e, "Rescan the document as PDF, or as TIFF with G4 (black and white), LZW "
                     "or JPEG compression; or open the file and save it again as PDF or PNG, "
                     "then drop the new file in.");
            rc = -1;
        } else if (!TIFFIsCODECConfigured(c)) {
            const TIFFCodec *codec = TIFFFindCODEC(c);
            err_set(e, ERR_INPUT, "\"%s\"%s uses an unsupported TIFF compression (%s, "
                    "compression %u)", name, where,
                    codec && codec->name ? codec->name : "unknown", (unsigned)c);
            err_hint(e, "Rescan the document as PDF, or as TIFF with G4 (black and white), LZW "
                     "or JPEG compression; or convert the file to PDF or PNG, then drop the new "
                     "file in.");
            rc = -1;
        }
    }
    TIFFClose(t);
    return rc;
}

/* libtiff trouble while a page decodes: a damaged G4 strip gives "Bad code
 * word" errors and "Premature EOL" warnings, yet the page comes back
 * whole-looking with lines missing.  Counted here (the sandboxed child
 * decodes one file at a time) and put on the page.  Leptonica installs its
 * own plain handlers, so these are libtiff's "Ext" handlers, which are
 * called as well.  Warnings count only from a codec ("...Decode"): an
 * unknown tag is no damage. */
static int tiff_errors;
static void tiff_count_error(thandle_t h, const char *module, const char *fmt, va_list ap)
{
    (void)h;
    (void)module;
    (void)fmt;
    (void)ap;
    tiff_errors++;
}
static void tiff_count_warning(thandle_t h, const char *module, const char *fmt, va_list ap)
{
    (void)h;
    (void)fmt;
    (void)ap;
    if (module && strstr(module, "Decode"))
        tiff_errors++;
}

/* ---- encode ------------------------------------------------------------ */

int ocr_image_encode(PIX *pix, int dpi, struct ocr_image *img, struct err *e)
{
    L_COMP_DATA *cid = NULL;
    PIX *p = NULL;
    int type;

    memset(img, 0, sizeof *img);
    if (pixGetDepth(pix) == 1) {
        p = pixClone(pix);
        type = L_G4_ENCODE;
    } else {
        p = pixGetColormap(pix) ? pixRemoveColormap(pix, REMOVE_CMAP_BASED_ON_SRC)
                                : pixClone(pix);
        if (p && pixGetDepth(p) != 8 && pixGetDepth(p) != 32) {
            PIX *q = pixConvertTo8(p, 0);
            pixDestroy(&p);
            p = q;
        }
        type = L_JPEG_ENCODE;
    }
    if (!p || pixGenerateCIData(p, type, type == L_JPEG_ENCODE ? 80 : 0, 0, &cid) != 0 || !cid) {
        pixDestroy(&p);
        err_set(e, ERR_INTERNAL, "could not encode a page image for the searchable PDF");
        return -1;
    }
    img->fmt = type == L_G4_ENCODE ? OCR_IMG_CCITT_G4 : OCR_IMG_JPEG;
    img->data = xmalloc(cid->nbytescomp ? cid->nbytescomp : 1);
    memcpy(img->data, cid->datacomp, cid->nbytescomp);
    img->len = cid->nbytescomp;
    img->width = cid->w;
    img->height = cid->h;
    img->bpc = cid->bps;
    img->ncomp = cid->spp;
    img->dpi = dpi;
    img->black_is_1 = type == L_G4_ENCODE ? cid->minisblack : 0;
    l_CIDataDestroy(&cid);
    pixDestroy(&p);
    return 0;
}

/* ---- the image path ---------------------------------------------------- */

static int limit_pixels(const char *name, int page, long w, long h,
                        const struct ocr_limits *lim, struct err *e)
{
    if (w <= 0 || h <= 0) {
        err_set(e, ERR_INPUT, "\"%s\" page %d has no size in its header (%ldx%ld): "
                "the image is damaged", name, page, w, h);
        err_hint(e, "Scan the document again.");
        return -1;
    }
    if (lim->max_pixels > 0 && (double)w * (double)h > (double)lim->max_pixels) {
        err_set(e, ERR_LIMIT, "\"%s\" page %d is %ld x %ld pixels (%.0f megapixels), over the "
                "limit of %.0f megapixels", name, page, w, h, (double)w * h / 1e6,
                lim->max_pixels / 1e6);
        err_hint(e, "Scan at 300 dpi (A4 is about 9 megapixels), or raise ocr.max_pixels "
                 "in ancong.conf if such images are expected.");
        return -1;
    }
    return 0;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static void damaged(struct err *e, const char *name, const char *kind, int page, int npages)
{
    if (npages > 1)
        err_set(e, ERR_INPUT, "\"%s\": page %d of %d of the %s image could not be decoded "
                "(damaged or truncated)", name, page, npages, kind);
    else
        err_set(e, ERR_INPUT, "\"%s\": the %s image could not be decoded (damaged, truncated "
                "or an unsupported variant)", name, kind);
    err_hint(e, "Open the file on the scanning station to check it, then scan the document "
             "again or save it as PDF, TIFF (G4 or JPEG) or PNG.");
}

int ocr_image_file(struct ocr_engine *eng, const char *path, const char *kind,
                   const struct ocr_limits *lim, struct ocr_doc *doc,
                   struct ocr_images *images, struct err *e)
{
    const char *name = base_name(path);
    int npages = 1, rc = -1;
    size_t tiff_off = 0;
    PIX *pix = NULL;

    /* Count pages and check every page's size before decoding any. */
    if (!strcmp(kind, "tiff")) {
        FILE *f = fopen(path, "rb");
        if (!f) { err_errno(e, "open", path); return -1; }
        TIFFSetWarningHandler(NULL);
        TIFFSetErrorHandler(NULL);
        if (tiffGetCount(f, &npages) != 0 || npages < 1) {
            fclose(f);
            damaged(e, name, "TIFF", 1, 1);
            return -1;
        }
        fclose(f);
        if (npages > lim->max_pages) goto too_many;
        if (tiff_check_compression(path, name, npages, e) < 0) return -1;
        for (int i = 0; i < npages; i++) {
            int w = 0, h = 0, bps = 0, spp = 0, res = 0, cmap = 0, fmt = 0;
            if (readHeaderTiff(path, i, &w, &h, &bps, &spp, &res, &cmap, &fmt) != 0) {
                damaged(e, name, "TIFF", i + 1, npages);
                return -1;
            }
            if (limit_pixels(name, i + 1, w, h, lim, e) < 0) return -1;
        }
    } else if (!strcmp(kind, "gif")) {
        long w = 0, h = 0;
        if (gif_extent(path, &w, &h) < 0) { damaged(e, name, "GIF", 1, 1); return -1; }
        if (limit_pixels(name, 1, w, h, lim, e) < 0) return -1;
    }

    doc->pages = xcalloc(npages, sizeof *doc->pages);
    if (images) images->img = xcalloc(npages, sizeof *images->img);

    for (int i = 0; i < npages; i++) {
        struct ocr_src src = { 0 };
        struct ocr_page *pg = &doc->pages[i];
        int reduction = 1, orient = 1;

        pg->number = i + 1;
        if (!strcmp(kind, "tiff")) {
            TIFFErrorHandlerExt prev_e = TIFFSetErrorHandlerExt(tiff_count_error);
            TIFFErrorHandlerExt prev_w = TIFFSetWarningHandlerExt(tiff_count_warning);
            tiff_errors = 0;
            pix = pixReadFromMultipageTiff(path, &tiff_off);
            TIFFSetErrorHandlerExt(prev_e);
            TIFFSetWarningHandlerExt(prev_w);
            if (pix && tiff_errors > 0)
                pg->warning = xstrdup("the TIFF data is damaged; part of the page may be missing");
            orient = tiff_orientation(path, i);
        } else if (!strcmp(kind, "jpeg")) {
            int fmt, w = 0, h = 0, bps, spp, cm, nwarn = 0;
            if (pixReadHeader(path, &fmt, &w, &h, &bps, &spp, &cm) != 0) {
                damaged(e, name, "JPEG", 1, 1);
                goto out;
            }
            /* libjpeg can decode at 1/2, 1/4, 1/8 without the full raster */
            while (reduction < 8 && lim->max_pixels > 0 &&
                   ((double)w / reduction) * ((double)h / reduction) > (double)lim->max_pixels)
                reduction *= 2;
            if (limit_pixels(name, 1, w / reduction, h / reduction, lim, e) < 0) goto out;
            /* damaged data: keep what decodes, say so on the page */
            pix = pixReadJpeg(path, 0, reduction, &nwarn, L_JPEG_CONTINUE_WITH_BAD_DATA);
            if (pix && nwarn > 0)
                pg->warning = xstrdup("the JPEG data is damaged; part of the page may be missing");
            orient = jpeg_exif_orientation(path);
        } else if (!strcmp(kind, "gif")) {
            pix = pixRead(path);
        } else {
            int fmt, w = 0, h = 0, bps, spp, cm;
            if (pixReadHeader(path, &fmt, &w, &h, &bps, &spp, &cm) != 0) {
                damaged(e, name, kind, 1, 1);
                goto out;
            }
            if (limit_pixels(name, 1, w, h, lim, e) < 0) goto out;
            pix = pixRead(path);
        }
        if (!pix) {
            damaged(e, name, !strcmp(kind, "tiff") ? "TIFF" : kind, i + 1, npages);
            goto out;
        }
        if (limit_pixels(name, i + 1, pixGetWidth(pix), pixGetHeight(pix), lim, e) < 0)
            goto out;

        /* Resolution: trusted only when plausible; non-square pixels made square. */
        int xr = pixGetXRes(pix) / reduction, yr = pixGetYRes(pix) / reduction;
        if (xr >= 50 && yr >= 50 && xr <= 4800 && yr <= 4800 && xr != yr) {
            PIX *sq = xr > yr ? pixScale(pix, 1.0f, (float)xr / yr)
                              : pixScale(pix, (float)yr / xr, 1.0f);
            if (sq && limit_pixels(name, i + 1, pixGetWidth(sq), pixGetHeight(sq), lim, e) == 0) {
                pixDestroy(&pix);
                pix = sq;
                xr = yr = xr > yr ? xr : yr;
            } else {
                pixDestroy(&sq);
                if (err_is_set(e)) goto out;
            }
        }
        if (xr >= 50 && xr <= 2400) {
            src.dpi = xr;
            src.dpi_source = "metadata";
        } else {
            src.dpi = 0;                      /* estimate from the page size */
            src.dpi_source = "assumed";
        }
        src.rotation = orientation_to_rot(orient);
        if (src.rotation) {
            PIX *r = pixRotateOrth(pix, ((360 - src.rotation) / 90) % 4);
            if (r) { pixDestroy(&pix); pix = r; }
            else src.rotation = 0;
        }
        src.pix = pix;
        if (ocr_page_from_pix(eng, &src, pg, images ? &images->img[i] : NULL, e) < 0) {
            err_prefix(e, "\"%s\": ", name);
            goto out;
        }
        if (pg->dpi_source && !strcmp(pg->dpi_source, "assumed") && lim->default_dpi > 0 &&
            src.dpi == 0 && pg->dpi == 300) {
            pg->dpi = lim->default_dpi;
        }
        doc->npages = i + 1;
        if (images) images->n = i + 1;
        pixDestroy(&pix);
    }
    rc = 0;
out:
    pixDestroy(&pix);
    return rc;
too_many:
    err_set(e, ERR_LIMIT, "\"%s\" has %d pages, over the limit of %d", name, npages,
            lim->max_pages);
    err_hint(e, "Split the file, or raise ocr.max_pages in ancong.conf.");
    return -1;
}
