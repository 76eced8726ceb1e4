/*
 * ocr/clean.c: one page image in, one ocr_page out.
 *
 *   normalise depth (alpha flattened on white, 16 bit to 8, colormap off)
 *   -> blank check -> orientation (OSD on a reduced copy) -> deskew
 *   -> [background normalisation] -> [upscale low resolution] -> Tesseract
 *   -> reading order of side-by-side header/signature columns.
 *
 * Which optional steps run is decided by ocr_prep_opts(); the defaults are
 * the steps that lowered CER on the dev corpus (ocr/README.md).
 */
#include "ocr/ocr_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/str.h"

/* Defaults: see ocr/README.md for the measurements behind them. */
static struct ocr_prep_opts prep = { .osd = 1, .deskew = 1, .bgnorm = 0, .despeckle = 1,
                                     .upscale = 0, .layout = 1, .bilevel = 0, .native = 1 };

const struct ocr_prep_opts *ocr_prep_opts(void)
{
    static int done;
    if (!done) {
        /* ANCONG_OCR_PREP="osd=1,deskew=0,...": for measuring only. */
        const char *s = getenv("ANCONG_OCR_PREP");
        done = 1;
        while (s && *s) {
            char key[32];
            int v, n = 0;
            if (sscanf(s, "%31[a-z]=%d%n", key, &v, &n) != 2) break;
            if (!strcmp(key, "osd")) prep.osd = v;
            else if (!strcmp(key, "deskew")) prep.deskew = v;
            else if (!strcmp(key, "bgnorm")) prep.bgnorm = v;
            else if (!strcmp(key, "despeckle")) prep.despeckle = v;
            else if (!strcmp(key, "upscale")) prep.upscale = v;
            else if (!strcmp(key, "layout")) prep.layout = v;
            else if (!strcmp(key, "bilevel")) prep.bilevel = v;
            else if (!strcmp(key, "native")) prep.native = v;
            s += n;
            if (*s == ',') s++;
        }
    }
    return &prep;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* ANCONG_OCR_TIMING=1: time per step on stderr (for tuning). */
static void lap(const char *what, double *t)
{
    static int on = -1;
    static double cpu0;
    struct timespec ts;
    if (on < 0) on = getenv("ANCONG_OCR_TIMING") != NULL;
    double n = now_ms();
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    double c = ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
    if (on) fprintf(stderr, "ocr-timing step=%s ms=%.0f cpu_ms=%.0f\n", what, n - *t, c - cpu0);
    cpu0 = c;
    *t = n;
}

/* 8 or 32 bpp without alpha or colormap (1 bpp is kept as it is). */
static PIX *normalise_depth(PIX *in)
{
    PIX *a = NULL, *b = NULL;
    int d = pixGetDepth(in);

    if (pixGetColormap(in)) {
        a = pixRemoveColormap(in, REMOVE_CMAP_BASED_ON_SRC);
        if (!a) return NULL;
        in = a;
        d = pixGetDepth(in);
    }
    if (d == 32 && pixGetSpp(in) == 4) {
        b = pixAlphaBlendUniform(in, 0xffffff00);
        pixDestroy(&a);
        return b;
    }
    if (d == 16) {
        b = pixConvert16To8(in, L_MS_BYTE);
    } else if (d == 2 || d == 4 || d == 24) {
        b = pixConvertTo8(in, 0);
    } else {
        b = pixClone(in);
    }
    pixDestroy(&a);
    return b;
}

/* Fraction of dark pixels in the interior, after dropping specks: a page
 * with almost nothing is blank (no OCR). */
static double ink_fraction(PIX *grey8)
{
    PIX *r = NULL, *bin = NULL, *cl = NULL;
    int w, h, cnt = 0;
    double f = 1.0;
    int fac = pixGetWidth(grey8) > 2000 ? 2 : 1;

    r = fac == 2 ? pixScaleAreaMap2(grey8) : pixClone(grey8);
    if (!r) goto out;
    bin = pixThresholdToBinary(r, 128);
    if (!bin) goto out;
    w = pixGetWidth(bin);
    h = pixGetHeight(bin);
    /* ignore a 4% border: scanner edges, punch holes */
    BOX *bx = boxCreate(w / 25, h / 25, w - 2 * (w / 25), h - 2 * (h / 25));
    PIX *in = pixClipRectangle(bin, bx, NULL);
    boxDestroy(&bx);
    if (!in) goto out;
    cl = pixSelectBySize(in, 3, 3, 8, L_SELECT_IF_BOTH, L_SELECT_IF_GTE, NULL);
    pixDestroy(&in);
    if (!cl) goto out;
    pixCountPixels(cl, &cnt, NULL);
    f = (double)cnt / ((double)pixGetWidth(cl) * pixGetHeight(cl));
out:
    pixDestroy(&r);
    pixDestroy(&bin);
    pixDestroy(&cl);
    return f;
}

static int estimate_dpi(int w, int h)
{
    /* Scanned documents here are A4 (210 x 297 mm) or close to it. */
    int s = w < h ? w : h, l = w < h ? h : w;
    double ratio = (double)l / s;
    if (ratio > 1.36 && ratio < 1.47) {
        int dpi = (int)lround(s / 8.27);
        if (dpi >= 100 && dpi <= 1200) return dpi;
    }
    return 0;
}

static PIX *rotate_orth(PIX *p, int rot)
{
    /* stored clockwise by rot: turn back counter-clockwise = (4 - q) cw quarter turns */
    int q = ((360 - rot) / 90) % 4;
    return q ? pixRotateOrth(p, q) : pixClone(p);
}

static PIX *rotate_small(PIX *p, double deg_cw)
{
    double rad = deg_cw * M_PI / 180.0;
    if (pixGetDepth(p) == 1)
        return pixRotate(p, (float)rad, L_ROTATE_SHEAR, L_BRING_IN_WHITE, 0, 0);
    return pixRotate(p, (float)rad, L_ROTATE_AREA_MAP, L_BRING_IN_WHITE, 0, 0);
}

int ocr_page_from_pix(struct ocr_engine *eng, struct ocr_src *src, struct ocr_page *pg,
                      struct ocr_image *img, struct err *e)
{
    const struct ocr_prep_opts *o = ocr_prep_opts();
    PIX *base = NULL, *grey = NULL, *tmp = NULL, *small = NULL, *work = NULL;
    int rc = -1, dpi = src->dpi, alt_rot = 0;
    double scale_back = 1.0;

    double t0 = now_ms();
    pg->dpi_source = src->dpi_source;
    pg->rotation = src->rotation;
    base = normalise_depth(src->pix);
    if (!base) {
        err_set(e, ERR_INPUT, "page %d: image has an unsupported pixel format", pg->number);
        err_hint(e, "Scan it again as greyscale, colour or black-and-white.");
        goto out;
    }
    if (dpi <= 0) {
        int est = estimate_dpi(pixGetWidth(base), pixGetHeight(base));
        dpi = est ? est : 300;
        pg->dpi_source = est ? "estimated" : "assumed";
        if (!est && src->dpi < 0) dpi = -src->dpi;   /* caller's default */
    }
    grey = pixGetDepth(base) == 8 ? pixClone(base) : pixConvertTo8(base, 0);
    if (!grey) {
        err_set(e, ERR_INTERNAL, "page %d: could not convert the image to greyscale", pg->number);
        goto out;
    }

    lap("grey", &t0);
    /* Blank sheets get no OCR (and no garbage from their noise). */
    if (ink_fraction(grey) < 0.0008) {
        pg->blank = true;
        pg->text = xstrdup("");
        goto done;
    }

    lap("blank", &t0);
    /* Orientation.  Leptonica's ascender/descender statistics (tens of
     * milliseconds) settle the common case, an upright page; only when
     * they are not clearly "upright" does Tesseract's OSD (about 0.4 s of
     * CPU, on a 150 dpi copy) decide. */
    if (o->osd) {
        int rot = 0;
        float conf = 0, up = 0, left = 0;
        PIX *b1 = pixThresholdToBinary(grey, 140);
        PIX *b2 = b1 && dpi > 250 ? pixReduceRankBinaryCascade(b1, 1, 0, 0, 0) : pixClone(b1);
        if (b2) pixOrientDetect(b2, &up, &left, 0, 0);
        pixDestroy(&b1);
        pixDestroy(&b2);
        if (!(up >= 6.0f && fabsf(left) * 2.5f < up)) {
            double f = dpi > 150 ? 150.0 / dpi : 1.0;
            small = f < 1.0 ? pixScaleAreaMap(grey, (float)f, (float)f) : pixClone(grey);
            if (small) ocr_tess_osd(eng, small, (int)lround(dpi * f), &rot, &conf);
            pixDestroy(&small);
        }
        if (getenv("ANCONG_OCR_TIMING"))
            fprintf(stderr, "orient up=%.1f left=%.1f osd rot=%d conf=%.2f\n", up, left, rot, conf);
        if (rot && conf < 1.5 && conf > 0.3) alt_rot = rot;   /* unsure: checked after OCR */
        if (rot && conf >= 1.5) {
            PIX *g2 = rotate_orth(grey, rot), *b2r = rotate_orth(base, rot);
            if (g2 && b2r) {
                pixDestroy(&grey); grey = g2;
                pixDestroy(&base); base = b2r;
                pg->rotation = (pg->rotation + rot) % 360;
            } else {
                pixDestroy(&g2);
                pixDestroy(&b2r);
            }
        }
    }

    lap("osd", &t0);
    if (o->deskew) {
        float angle = 0, conf = 0;
        PIX *bin = pixThresholdToBinary(grey, 140);
        if (bin && pixFindSkew(bin, &angle, &conf) == 0 && conf >= 2.5 &&
            fabsf(angle) >= 0.15f && fabsf(angle) <= 6.0f) {
            PIX *g2 = rotate_small(grey, angle);
            /* base: for the PDF image, and as what Tesseract reads when bilevel */
            PIX *b2 = (img || pixGetDepth(base) == 1) ? rotate_small(base, angle) : pixClone(base);
            if (g2 && b2) {
                pixDestroy(&grey); grey = g2;
                pixDestroy(&base); base = b2;
                pg->skew_deg = angle;
            } else {
                pixDestroy(&g2);
                pixDestroy(&b2);
            }
        }
        pixDestroy(&bin);
    }

    lap("deskew", &t0);
    pg->width_px = pixGetWidth(grey);
    pg->height_px = pixGetHeight(grey);

    /* What Tesseract sees: the grey image (it binarises by itself), also
     * for bilevel scans: handing those over as 1 bpp ("bilevel=1") saves
     * about 0.3 s a page but raised CER from 0.0106 to 0.0156 on the
     * G4/PNG subset, so it is off. */
    int bilevel = pixGetDepth(base) == 1 && o->bilevel;
    work = bilevel ? pixClone(base) : pixClone(grey);
    if (o->bgnorm && pixGetDepth(work) == 8) {
        tmp = pixBackgroundNormSimple(work, NULL, NULL);
        if (tmp) { pixDestroy(&work); work = tmp; tmp = NULL; }
    }
    /* A 3x3 median removes salt-and-pepper specks; at 300 dpi strokes are
     * 3+ pixels wide and survive it, at 200 dpi they do not (measured:
     * CER up on 200 dpi pages, down on 300 dpi ones; ocr/README.md). */
    if (o->despeckle && dpi >= 250 && !bilevel) {
        if (pixGetDepth(work) == 1) {
            tmp = pixSelectBySize(work, 3, 3, 8, L_SELECT_IF_EITHER, L_SELECT_IF_GTE, NULL);
        } else {
            tmp = pixMedianFilter(work, 3, 3);
        }
        if (tmp) { pixDestroy(&work); work = tmp; tmp = NULL; }
    }
    if (o->upscale && dpi < 250) {
        double f = 300.0 / dpi;
        PIX *g8 = pixGetDepth(work) == 8 ? pixClone(work) : pixConvertTo8(work, 0);
        tmp = g8 ? pixScaleGrayLI(g8, (float)f, (float)f) : NULL;
        pixDestroy(&g8);
        if (tmp) {
            pixDestroy(&work); work = tmp; tmp = NULL;
            scale_back = 1.0 / f;
        }
    }
    lap("clean", &t0);
    if (ocr_tess_page(eng, work, (int)lround(dpi / scale_back), scale_back, pg, e) < 0)
        goto out;
    lap("tesseract", &t0);
    /* OSD was unsure (little text) and the page reads badly: try its
     * guess, keep whichever reading is more confident.  Rare, and the
     * only case where a page is recognised twice. */
    if (alt_rot && pg->ocr_conf < 0.75) {
        struct ocr_page alt = { .number = pg->number };
        struct err e2;
        PIX *g2 = rotate_orth(work, alt_rot);
        err_init(&e2);
        if (g2 && ocr_tess_page(eng, g2, (int)lround(dpi / scale_back), scale_back, &alt, &e2) == 0 &&
            alt.ocr_conf > pg->ocr_conf + 0.1 && alt.nwords > 0) {
            PIX *gr = rotate_orth(grey, alt_rot), *br = rotate_orth(base, alt_rot);
            if (gr && br) {
                int prev_rot = pg->rotation;
                double prev_skew = pg->skew_deg;
                const char *prev_src = pg->dpi_source;
                ocr_page_release(pg);
                *pg = alt;
                memset(&alt, 0, sizeof alt);
                pg->rotation = (prev_rot + alt_rot) % 360;
                pg->skew_deg = prev_skew;
                pg->dpi_source = prev_src;
                pixDestroy(&grey); grey = gr; gr = NULL;
                pixDestroy(&base); base = br; br = NULL;
            }
            pixDestroy(&gr);
            pixDestroy(&br);
        }
        ocr_page_release(&alt);
        pixDestroy(&g2);
    }
    if (o->layout) ocr_layout_order(pg);
    lap("layout", &t0);

    /* A page with nothing legible is blank too (noise recognised as specks). */
    {
        int good = 0;
        for (int i = 0; i < pg->nwords; i++)
            if (pg->words[i].conf >= 0.5) good += (int)strlen(pg->words[i].text);
        if (good < 3) {
            for (int i = 0; i < pg->nwords; i++) free(pg->words[i].text);
            for (int i = 0; i < pg->nlines; i++) free(pg->lines[i].text);
            free(pg->words); free(pg->lines); free(pg->text);
            pg->words = NULL; pg->lines = NULL;
            pg->nwords = pg->nlines = 0;
            pg->text = xstrdup("");
            pg->blank = true;
        }
    }
done:
    pg->dpi = dpi;
    pg->width_px = pixGetWidth(grey);
    pg->height_px = pixGetHeight(grey);
    if (img && src->bilevel_out && pixGetDepth(base) == 8) {
        /* A black-and-white scan rendered to grey (PDF): back to 1 bpp, so
         * the searchable PDF holds G4 like the original, not a grey JPEG. */
        PIX *b1 = pixThresholdToBinary(base, 128);
        if (b1) { pixDestroy(&base); base = b1; }
    }
    if (img && ocr_image_encode(base, dpi, img, e) < 0) goto out;
    rc = 0;
out:
    pixDestroy(&base);
    pixDestroy(&grey);
    pixDestroy(&tmp);
    pixDestroy(&small);
    pixDestroy(&work);
    return rc;
}
