/*
 * ocr/layout.c: reading order of side-by-side columns.
 *
 * Vietnamese administrative documents print two columns side by side at the
 * top (issuing body and "Số: ..." on the left; national motto and the
 * place-and-date line on the right) and often at the bottom ("Nơi nhận:" on
 * the left, the signer on the right).  Tesseract (and a PDF's text layer)
 * often read such rows across, as one line, or mix the two columns.
 *
 * Here every line is cut at wide gaps into segments.  Walking the segments
 * top to bottom, a run of segments whose x-projections leave a common
 * vertical gutter is a column zone; a zone at the top of the page (header)
 * or holding "Nơi nhận" (signature area) is emitted left column first, each
 * column top to bottom.  Everything else keeps the engine's order, so tables
 * in the body still read row by row.  Works on plain ocr_page data only.
 */
#include "ocr/ocr_int.h"

#include <stdlib.h>
#include <string.h>

#include "common/str.h"

struct seg {
    int line, w0, w1;       /* ids[0 .. w1 - w0) are its words */
    struct ocr_box box;
    int order;              /* position in engine order */
    int zone, side;         /* zone id or -1; 0 left, 1 right */
    int *ids;
};

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return x < y ? -1 : x > y;
}

static struct ocr_box ids_box(const struct ocr_page *pg, const int *ids, int n)
{
    struct ocr_box b = pg->words[ids[0]].box;
    for (int k = 1; k < n; k++) {
        const struct ocr_box *x = &pg->words[ids[k]].box;
        if (x->x0 < b.x0) b.x0 = x->x0;
        if (x->y0 < b.y0) b.y0 = x->y0;
        if (x->x1 > b.x1) b.x1 = x->x1;
        if (x->y1 > b.y1) b.y1 = x->y1;
    }
    return b;
}

static int cmp_y(const void *a, const void *b)
{
    const struct seg *s = *(const struct seg *const *)a, *t = *(const struct seg *const *)b;
    if (s->box.y0 != t->box.y0) return s->box.y0 < t->box.y0 ? -1 : 1;
    return s->order - t->order;
}

/* Widest internal gap of the x-projection of segs[0..n), or 0. */
static int gutter(struct seg **v, int n, int *glo, int *ghi)
{
    /* insertion sort of intervals by x0 on a small copy */
    int best = 0;
    struct ocr_box *iv = xmalloc(n * sizeof *iv);
    for (int i = 0; i < n; i++) {
        struct ocr_box b = v[i]->box;
        int j = i;
        while (j > 0 && iv[j - 1].x0 > b.x0) { iv[j] = iv[j - 1]; j--; }
        iv[j] = b;
    }
    int reach = iv[0].x1;
    for (int i = 1; i < n; i++) {
        if (iv[i].x0 > reach && iv[i].x0 - reach > best) {
            best = iv[i].x0 - reach;
            *glo = reach;
            *ghi = iv[i].x0;
        }
        if (iv[i].x1 > reach) reach = iv[i].x1;
    }
    free(iv);
    return best;
}

static int starts_noi_nhan(const struct ocr_page *pg, const struct seg *s)
{
    struct sbuf b = SBUF_INIT;
    for (int k = 0; k < s->w1 - s->w0 && k < 3; k++) {
        sbuf_puts(&b, pg->words[s->ids[k]].text);
        sbuf_putc(&b, ' ');
    }
    char *f = utf8_fold(sbuf_cstr(&b));
    int r = str_starts(f, "noi nhan");
    free(f);
    sbuf_release(&b);
    return r;
}

void ocr_layout_order(struct ocr_page *pg)
{
    if (pg->nlines < 2 || pg->width_px <= 0 || pg->nwords < 2) return;

    struct seg *segs = xmalloc((pg->nwords + 1) * sizeof *segs);
    int ns = 0, nzones = 0;

    /* 0. noise: specks read as "_", ":" or unreadable marks */
    char *noise = xcalloc(pg->nwords + 1, 1);
    {
        int *hs = xmalloc((pg->nwords + 1) * sizeof *hs), nh = 0;
        for (int w = 0; w < pg->nwords; w++) hs[nh++] = pg->words[w].box.y1 - pg->words[w].box.y0;
        qsort(hs, nh, sizeof *hs, cmp_int);
        int mh = nh ? hs[nh / 2] : 0;
        free(hs);
        for (int w = 0; w < pg->nwords; w++) {
            const struct ocr_word *wd = &pg->words[w];
            int h = wd->box.y1 - wd->box.y0, wdt = wd->box.x1 - wd->box.x0, alnum = 0;
            for (const char *p = wd->text; *p;) {
                int c = utf8_next(&p);
                if (c < 0) break;
                if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c >= 0xC0) alnum++;
            }
            if ((wd->conf < 0.1f && (!alnum || strlen(wd->text) <= 2)) ||
                (!alnum && (wd->conf < 0.5f || (h * 100 < mh * 15 && wdt * 100 < mh * 15))))
                noise[w] = 1;
        }
    }

    /* 1. segments: lines cut at wide gaps (wide for the page, or wide
     * against the line's own word spacing) */
    for (int l = 0; l < pg->nlines; l++) {
        const struct ocr_line *ln = &pg->lines[l];
        int ids[ln->nwords > 0 ? ln->nwords : 1], n = 0;
        for (int w = ln->first_word; w < ln->first_word + ln->nwords; w++)
            if (!noise[w]) ids[n++] = w;
        if (!n) continue;
        int h = ln->box.y1 - ln->box.y0;
        int thr = 2 * h > pg->width_px / 40 ? 2 * h : pg->width_px / 40;
        int gaps[n > 1 ? n - 1 : 1], sorted[n > 1 ? n - 1 : 1], med = 0;
        for (int k = 1; k < n; k++)
            sorted[k - 1] = gaps[k - 1] = pg->words[ids[k]].box.x0 - pg->words[ids[k - 1]].box.x1;
        if (n > 2) {
            qsort(sorted, n - 1, sizeof *sorted, cmp_int);
            med = sorted[(n - 1) / 2];
        }
        int start = 0;
        for (int k = 1; k <= n; k++) {
            int cut = k == n;
            if (!cut) {
                int g = gaps[k - 1];
                cut = g > thr || (n > 3 && med > 0 && g * 10 >= 16 * med && g * 100 >= 35 * h);
            }
            if (cut) {
                segs[ns] = (struct seg){ l, start, k, { 0, 0, 0, 0 }, ns, -1, 0 };
                segs[ns].ids = xmalloc((k - start) * sizeof *segs[ns].ids);
                for (int q = start; q < k; q++) segs[ns].ids[q - start] = ids[q];
                segs[ns].box = ids_box(pg, segs[ns].ids, k - start);
                ns++;
                start = k;
            }
        }
    }
    free(noise);
    if (ns < 1) { free(segs); return; }

    /* 2. zones, walking top to bottom */
    struct seg **byy = xmalloc(ns * sizeof *byy);
    for (int i = 0; i < ns; i++) byy[i] = &segs[i];
    qsort(byy, ns, sizeof *byy, cmp_y);
    int minw = pg->width_px / 150 > 12 ? pg->width_px / 150 : 12;
    for (int i = 0; i < ns;) {
        int lo = 0, j = i + 1, glo = 0, ghi = 0;
        while (j < ns) {
            int a, b;
            if (gutter(byy + i, j + 1 - i, &a, &b) < minw) break;
            j++;
        }
        if (j - i >= 3 && gutter(byy + i, j - i, &glo, &ghi) >= minw) {
            lo = glo;
            int left = 0, right = 0, noi = 0;
            for (int k = i; k < j; k++) {
                if (byy[k]->box.x1 <= lo) left++; else right++;
                if (!noi && byy[k]->box.x1 <= lo && starts_noi_nhan(pg, byy[k])) noi = 1;
            }
            int top = byy[i]->box.y0 < pg->height_px * 3 / 10;
            /* signature rows that end the page (no "Nơi nhận" needed) */
            int last = j >= ns - 1 && byy[i]->box.y0 > pg->height_px * 4 / 10;
            if (left >= 2 && right >= 2 && (top || noi || last)) {
                for (int k = i; k < j; k++) {
                    byy[k]->zone = nzones;
                    byy[k]->side = byy[k]->box.x1 <= lo ? 0 : 1;
                }
                nzones++;
                i = j;
                continue;
            }
        }
        i++;
    }

    /* 3. emit: engine order, a zone as a whole where its first segment is */
    int *emit = xmalloc(ns * sizeof *emit), ne = 0;
    char *zdone = xcalloc(nzones + 1, 1);
    for (int i = 0; i < ns; i++) {
        struct seg *s = &segs[i];
        if (s->zone < 0) { emit[ne++] = i; continue; }
        if (zdone[s->zone]) continue;
        zdone[s->zone] = 1;
        for (int side = 0; side < 2; side++)
            for (int k = 0; k < ns; k++)
                if (byy[k]->zone == s->zone && byy[k]->side == side)
                    emit[ne++] = (int)(byy[k] - segs);
    }

    /* 4. rebuild words and lines in emitted order; a line per segment */
    struct ocr_word *words = xmalloc((pg->nwords + 1) * sizeof *words);
    struct ocr_line *lines = xcalloc(ne + 1, sizeof *lines);
    int nw = 0;
    for (int e = 0; e < ne; e++) {
        const struct seg *s = &segs[emit[e]];
        const struct ocr_line *old = &pg->lines[s->line];
        struct ocr_line *ln = &lines[e];
        double cs = 0;
        ln->first_word = nw;
        ln->block = s->zone >= 0 ? 100000 + 2 * s->zone + s->side : old->block;
        ln->box = s->box;
        for (int k = 0; k < s->w1 - s->w0; k++) {
            struct ocr_word wd = pg->words[s->ids[k]];
            pg->words[s->ids[k]].text = NULL;     /* moved */
            wd.line = e;
            cs += wd.conf;
            words[nw++] = wd;
        }
        ln->nwords = nw - ln->first_word;
        ln->conf = ln->nwords ? (float)(cs / ln->nwords) : 0;
    }
    /* renumber blocks densely in order of appearance */
    {
        int *map_from = xmalloc((ne + 1) * sizeof *map_from), nb = 0;
        for (int e = 0; e < ne; e++) {
            int b = lines[e].block, k;
            for (k = 0; k < nb && map_from[k] != b; k++) {}
            if (k == nb) map_from[nb++] = b;
            lines[e].block = k;
        }
        free(map_from);
    }
    for (int l = 0; l < pg->nlines; l++) free(pg->lines[l].text);
    for (int w = 0; w < pg->nwords; w++) free(pg->words[w].text);   /* dropped noise */
    for (int i = 0; i < ns; i++) free(segs[i].ids);
    free(pg->lines);
    free(pg->words);
    pg->words = words;
    pg->nwords = nw;
    pg->lines = lines;
    pg->nlines = ne;
    free(zdone);
    free(emit);
    free(byy);
    free(segs);
    ocr_page_rebuild_text(pg);
}
