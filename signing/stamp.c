#include "signing/stamp.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fs.h"
#include "common/hash.h"

struct ttf {
    const unsigned char *p;
    size_t n;
    struct { char tag[5]; uint32_t off, len; } t[64];
    int nt;
    int upem, loca_long, nglyphs, nhmetrics;
    const unsigned char *cmap4, *cmap12;
    size_t cmap4_len, cmap12_len;
};

static uint16_t u16(const unsigned char *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static int16_t  s16(const unsigned char *p) { return (int16_t)u16(p); }
static uint32_t u32(const unsigned char *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }

static const unsigned char *table(const struct ttf *f, const char *tag, size_t *len)
{
    for (int k = 0; k < f->nt; k++)
        if (!strcmp(f->t[k].tag, tag)) {
            if (len) *len = f->t[k].len;
            return f->p + f->t[k].off;
        }
    return NULL;
}

static int ttf_open(struct ttf *f, const unsigned char *p, size_t n, struct err *e)
{
    memset(f, 0, sizeof *f);
    f->p = p;
    f->n = n;
    if (n < 12 || (u32(p) != 0x00010000 && memcmp(p, "true", 4) != 0))
        goto bad;
    int nt = u16(p + 4);
    if (nt > 64 || 12 + (size_t)nt * 16 > n)
        goto bad;
    for (int k = 0; k < nt; k++) {
        const unsigned char *r = p + 12 + 16 * k;
        memcpy(f->t[k].tag, r, 4);
        f->t[k].tag[4] = 0;
        f->t[k].off = u32(r + 8);
        f->t[k].len = u32(r + 12);
        if ((size_t)f->t[k].off + f->t[k].len > n)
            goto bad;
    }
    f->nt = nt;
    size_t hl = 0, hhl = 0, ml = 0, cl = 0;
    const unsigned char *head = table(f, "head", &hl), *hhea = table(f, "hhea", &hhl), *maxp = table(f, "maxp", &ml),
                        *cmap = table(f, "cmap", &cl);
    if (!head || hl < 54 || !hhea || hhl < 36 || !maxp || ml < 6 || !cmap || cl < 4 ||
        !table(f, "glyf", NULL) || !table(f, "loca", NULL) || !table(f, "hmtx", NULL))
        goto bad;
    f->upem = u16(head + 18);
    f->loca_long = s16(head + 50) == 1;
    f->nglyphs = u16(maxp + 4);
    f->nhmetrics = u16(hhea + 34);
    if (f->upem < 16 || f->nhmetrics == 0)
        goto bad;
    int nsub = u16(cmap + 2);
    for (int k = 0; k < nsub && 4 + 8 * (size_t)k + 8 <= cl; k++) {
        const unsigned char *r = cmap + 4 + 8 * k;
        int pid = u16(r), eid = u16(r + 2);
        uint32_t off = u32(r + 4);
        if (off + 8 > cl)
            continue;
        const unsigned char *st = cmap + off;
        if (pid == 3 && eid == 1 && u16(st) == 4) {
            f->cmap4 = st;
            f->cmap4_len = cl - off;
        } else if (pid == 3 && eid == 10 && u16(st) == 12) {
            f->cmap12 = st;
            f->cmap12_len = cl - off;
        }
    }
    if (!f->cmap4 && !f->cmap12)
        goto bad;
    return 0;
bad:
    err_set(e, ERR_USAGE, "the stamp font is not a usable TrueType font (Unicode cmap, glyf, loca needed)");
    err_hint(e, "Install fonts-liberation, or name a TrueType (.ttf) font for the stamp.");
    return -1;
}

static int ttf_gid(const struct ttf *f, uint32_t cp)
{
    if (f->cmap12) {
        uint32_t ng = u32(f->cmap12 + 12);
        for (uint32_t k = 0; k < ng && 16 + 12 * (size_t)k + 12 <= f->cmap12_len; k++) {
            const unsigned char *g = f->cmap12 + 16 + 12 * k;
            if (cp >= u32(g) && cp <= u32(g + 4))
                return (int)(u32(g + 8) + cp - u32(g));
        }
        return 0;
    }
    if (cp > 0xFFFF)
        return 0;
    const unsigned char *t = f->cmap4;
    int segx2 = u16(t + 6);
    if (14 + 4 * (size_t)segx2 + 2 > f->cmap4_len)
        return 0;
    const unsigned char *ends = t + 14, *starts = ends + segx2 + 2, *deltas = starts + segx2, *ranges = deltas + segx2;
    for (int s = 0; s < segx2 / 2; s++) {
        if (cp > u16(ends + 2 * s))
            continue;
        if (cp < u16(starts + 2 * s))
            return 0;
        int ro = u16(ranges + 2 * s);
        if (ro == 0)
            return (int)((cp + (uint32_t)u16(deltas + 2 * s)) & 0xFFFF);
        size_t at = (size_t)(ranges + 2 * s - t) + ro + 2 * (cp - u16(starts + 2 * s));
        if (at + 2 > f->cmap4_len)
            return 0;
        int g = u16(t + at);
        return g ? (int)((g + u16(deltas + 2 * s)) & 0xFFFF) : 0;
    }
    return 0;
}

static int ttf_adv(const struct ttf *f, int gid)
{
    size_t l = 0;
    const unsigned char *h = table(f, "hmtx", &l);
    int i = gid < f->nhmetrics ? gid : f->nhmetrics - 1;
    if ((size_t)i * 4 + 2 > l)
        return f->upem / 2;
    return u16(h + 4 * i);
}

static int glyph_range(const struct ttf *f, int gid, uint32_t *off, uint32_t *len)
{
    size_t ll = 0, gl = 0;
    const unsigned char *loca = table(f, "loca", &ll);
    table(f, "glyf", &gl);
    uint32_t a, b;
    if (gid < 0 || gid >= f->nglyphs)
        return -1;
    if (f->loca_long) {
        if ((size_t)gid * 4 + 8 > ll) return -1;
        a = u32(loca + 4 * gid);
        b = u32(loca + 4 * gid + 4);
    } else {
        if ((size_t)gid * 2 + 4 > ll) return -1;
        a = 2u * u16(loca + 2 * gid);
        b = 2u * u16(loca + 2 * gid + 2);
    }
    if (b < a || b > gl)
        return -1;
    *off = a;
    *len = b - a;
    return 0;
}

static void put16(struct sbuf *b, unsigned v) { char c[2] = {(char)(v >> 8), (char)v}; sbuf_add(b, c, 2); }
static void put32(struct sbuf *b, uint32_t v) { char c[4] = {(char)(v >> 24), (char)(v >> 16), (char)(v >> 8), (char)v}; sbuf_add(b, c, 4); }

static uint32_t checksum(const unsigned char *p, size_t n)
{
    uint32_t s = 0;
    for (size_t k = 0; k < n; k += 4) {
        unsigned char w[4] = {0, 0, 0, 0};
        memcpy(w, p + k, n - k < 4 ? n - k : 4);
        s += u32(w);
    }
    return s;
}

/* Subset: keep the glyph outlines in keep[] (plus components), drop the rest. */
static int ttf_subset(const struct ttf *f, unsigned char *keep, struct sbuf *out, struct err *e)
{
    static const char *const tabs[] = {"OS/2", "cmap", "cvt ", "fpgm", "glyf", "head", "hhea", "hmtx",
                                       "loca", "maxp", "name", "post", "prep"};
    size_t gl = 0;
    const unsigned char *glyf = table(f, "glyf", &gl);
    struct sbuf nglyf = SBUF_INIT, nloca = SBUF_INIT, nhead = SBUF_INIT, npost = SBUF_INIT;
    struct { const char *tag; const unsigned char *p; size_t n; } t[16];
    int nt = 0;

    keep[0] = 1;
    /* composite glyphs pull in their components (a few rounds cover nesting) */
    for (int round = 0; round < 4; round++)
        for (int g = 0; g < f->nglyphs; g++) {
            uint32_t off, len;
            if (!keep[g] || glyph_range(f, g, &off, &len) < 0 || len < 10 || s16(glyf + off) >= 0)
                continue;
            const unsigned char *p = glyf + off + 10, *end = glyf + off + len;
            for (;;) {
                if (p + 4 > end) break;
                int flags = u16(p), comp = u16(p + 2);
                if (comp < f->nglyphs) keep[comp] = 1;
                p += 4 + ((flags & 1) ? 4 : 2);
                if (flags & 8) p += 2;
                else if (flags & 0x40) p += 4;
                else if (flags & 0x80) p += 8;
                if (!(flags & 0x20)) break;
            }
        }
    for (int g = 0; g < f->nglyphs; g++) {
        uint32_t off = 0, len = 0;
        put32(&nloca, (uint32_t)nglyf.len);
        if (keep[g] && glyph_range(f, g, &off, &len) == 0 && len) {
            sbuf_add(&nglyf, glyf + off, len);
            while (nglyf.len % 4) sbuf_putc(&nglyf, 0);
        }
    }
    put32(&nloca, (uint32_t)nglyf.len);
    size_t hl = 0;
    const unsigned char *head = table(f, "head", &hl);
    sbuf_add(&nhead, head, hl);
    nhead.s[50] = 0; nhead.s[51] = 1;                 /* long loca */
    memset(nhead.s + 8, 0, 4);                         /* checkSumAdjustment, set below */
    /* post: version 3 (no glyph names) is enough for an embedded CID font */
    size_t pl = 0;
    const unsigned char *post = table(f, "post", &pl);
    if (post && pl >= 32) {
        sbuf_add(&npost, post, 32);
        npost.s[0] = 0; npost.s[1] = 3; npost.s[2] = 0; npost.s[3] = 0;
    }
    for (size_t k = 0; k < sizeof tabs / sizeof tabs[0]; k++) {
        size_t l;
        const unsigned char *p;
        if (!strcmp(tabs[k], "glyf")) { p = (unsigned char *)nglyf.s; l = nglyf.len; }
        else if (!strcmp(tabs[k], "loca")) { p = (unsigned char *)nloca.s; l = nloca.len; }
        else if (!strcmp(tabs[k], "head")) { p = (unsigned char *)nhead.s; l = nhead.len; }
        else if (!strcmp(tabs[k], "post") && npost.len) { p = (unsigned char *)npost.s; l = npost.len; }
        else if (!(p = table(f, tabs[k], &l))) continue;
        t[nt].tag = tabs[k];
        t[nt].p = p;
        t[nt].n = l;
        nt++;
    }
    int es = 0;
    while ((1 << (es + 1)) <= nt) es++;
    put32(out, 0x00010000);
    put16(out, (unsigned)nt);
    put16(out, (unsigned)(16 << es));
    put16(out, (unsigned)es);
    put16(out, (unsigned)(nt * 16 - (16 << es)));
    size_t off = 12 + 16 * (size_t)nt, head_at = 0;
    for (int k = 0; k < nt; k++) {
        sbuf_add(out, t[k].tag, 4);
        put32(out, checksum(t[k].p, t[k].n));
        put32(out, (uint32_t)off);
        put32(out, (uint32_t)t[k].n);
        if (!strcmp(t[k].tag, "head")) head_at = off;
        off += (t[k].n + 3) & ~(size_t)3;
    }
    for (int k = 0; k < nt; k++) {
        sbuf_add(out, t[k].p, t[k].n);
        while (out->len % 4) sbuf_putc(out, 0);
    }
    uint32_t adj = 0xB1B0AFBAu - checksum((unsigned char *)out->s, out->len);
    unsigned char a[4] = {(unsigned char)(adj >> 24), (unsigned char)(adj >> 16), (unsigned char)(adj >> 8), (unsigned char)adj};
    memcpy(out->s + head_at + 8, a, 4);
    sbuf_release(&nglyf);
    sbuf_release(&nloca);
    sbuf_release(&nhead);
    sbuf_release(&npost);
    (void)e;
    return 0;
}

void sig_stamp_release(struct sig_stamp *s)
{
    sbuf_release(&s->content);
    sbuf_release(&s->font);
    sbuf_release(&s->tounicode);
    sbuf_release(&s->widths);
}

static int build_with(const char *font_file, const char *const *lines, int nlines, double size,
                      double w, double h, struct sig_stamp *s, struct err *e)
{
    char *fd = NULL;
    size_t fl = 0;
    struct ttf f;
    int rc = -1;
    int *gids[8] = {0}, ng[8] = {0};
    uint32_t *cps[8] = {0};
    unsigned char *keep = NULL;
    int used_cp[65536 / 8];

    memset(s, 0, sizeof *s);
    memset(used_cp, 0, sizeof used_cp);
    if (nlines > 8) nlines = 8;
    if (fs_read(font_file, 64u << 20, &fd, &fl, e) < 0) {
        err_hint(e, "The stamp needs a Times New Roman compatible TrueType font: install fonts-liberation2.");
        return -1;
    }
    if (ttf_open(&f, (unsigned char *)fd, fl, e) < 0)
        goto out;
    keep = calloc((size_t)f.nglyphs + 1, 1);
    if (!keep)
        goto out;
    double maxw = 0;
    for (int l = 0; l < nlines; l++) {
        char *nfc = utf8_nfc(lines[l]);
        const char *p = nfc;
        size_t n = strlen(nfc);
        gids[l] = calloc(n + 1, sizeof(int));
        cps[l] = calloc(n + 1, sizeof(uint32_t));
        double lw = 0;
        while (*p) {
            int cp = utf8_next(&p);
            if (cp < 0) cp = 0xFFFD;
            int g = ttf_gid(&f, (uint32_t)cp);
            if (g >= f.nglyphs) g = 0;
            if (g == 0 && cp > ' ') {
                char ch[8];
                struct sbuf cb = SBUF_INIT;
                utf8_put(&cb, cp);
                snprintf(ch, sizeof ch, "%s", sbuf_cstr(&cb));
                sbuf_release(&cb);
                err_set(e, ERR_USAGE, "the stamp font \"%s\" has no glyph for \"%s\" (U+%04X)", font_file, ch, cp);
                err_hint(e, "Install fonts-liberation2 (Liberation Serif 2 covers Vietnamese) or name another font.");
                free(nfc);
                rc = -2;
                goto out;
            }
            gids[l][ng[l]] = g;
            cps[l][ng[l]] = (uint32_t)cp;
            ng[l]++;
            keep[g] = 1;
            lw += ttf_adv(&f, g) * 1000.0 / f.upem;
        }
        free(nfc);
        if (lw > maxw) maxw = lw;
    }
    /* shrink the text if the widest line does not fit (never below 6 pt) */
    double fs = size, lead = 1.2;
    s->need_w = maxw * size / 1000 + 6;
    s->need_h = size * lead * nlines + 4;
    if (maxw * fs / 1000 > w - 6) fs = (w - 6) * 1000 / maxw;
    if (fs * lead * nlines > h - 4) fs = (h - 4) / (lead * nlines);
    if (fs < 6) fs = 6;
    size_t hhl = 0;
    const unsigned char *hhea = table(&f, "hhea", &hhl), *head = table(&f, "head", NULL);
    double asc = s16(hhea + 4) * 1000.0 / f.upem, desc = s16(hhea + 6) * 1000.0 / f.upem;
    s->ascent = asc;
    s->descent = desc;
    s->capheight = asc * 0.66;
    size_t osl = 0;
    const unsigned char *os2 = table(&f, "OS/2", &osl);
    if (os2 && osl >= 90 && u16(os2) >= 2)
        s->capheight = s16(os2 + 88) * 1000.0 / f.upem;
    for (int k = 0; k < 4; k++)
        s->bbox[k] = s16(head + 36 + 2 * k) * 1000.0 / f.upem;
    /* content: black text, left-aligned, from the top */
    sbuf_puts(&s->content, "q 0 g BT\n");
    double y = h - 2 - asc * fs / 1000;
    for (int l = 0; l < nlines; l++) {
        sbuf_printf(&s->content, "/F1 %.2f Tf 1 0 0 1 3 %.2f Tm <", fs, y);
        for (int k = 0; k < ng[l]; k++)
            sbuf_printf(&s->content, "%04X", gids[l][k]);
        sbuf_puts(&s->content, "> Tj\n");
        y -= fs * lead;
    }
    sbuf_puts(&s->content, "ET Q\n");
    /* widths and ToUnicode for the glyphs used */
    sbuf_putc(&s->widths, '[');
    int nmap = 0;
    struct sbuf map = SBUF_INIT;
    for (int g = 0; g < f.nglyphs; g++) {
        if (!keep[g]) continue;
        sbuf_printf(&s->widths, "%d[%.0f]", g, ttf_adv(&f, g) * 1000.0 / f.upem);
        uint32_t cp = 0;
        for (int l = 0; l < nlines && !cp; l++)
            for (int k = 0; k < ng[l]; k++)
                if (gids[l][k] == g) { cp = cps[l][k]; break; }
        if (!cp || g == 0) continue;
        if (nmap % 100 == 0) {
            if (nmap) sbuf_puts(&map, "endbfchar\n");
            sbuf_printf(&map, "%d beginbfchar\n", 100);   /* count patched below */
        }
        if (cp >= 0x10000) {
            uint32_t c = cp - 0x10000;
            sbuf_printf(&map, "<%04X> <%04X%04X>\n", g, 0xD800 + (c >> 10), 0xDC00 + (c & 0x3FF));
        } else {
            sbuf_printf(&map, "<%04X> <%04X>\n", g, cp);
        }
        nmap++;
    }
    if (nmap) sbuf_puts(&map, "endbfchar\n");
    sbuf_putc(&s->widths, ']');
    /* fix the per-block counts ("100 beginbfchar" for the last block) */
    {
        int last = nmap % 100 ? nmap % 100 : 100;
        char *lastblk = NULL, *p = map.s;
        while (p && (p = strstr(p, "100 beginbfchar"))) { lastblk = p; p++; }
        if (lastblk && last != 100) {
            char num[4];
            snprintf(num, sizeof num, "%3d", last);
            memcpy(lastblk, num, 3);
        }
    }
    sbuf_puts(&s->tounicode, "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
                             "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
                             "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
                             "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n");
    if (map.len) sbuf_add(&s->tounicode, map.s, map.len);
    sbuf_puts(&s->tounicode, "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
    sbuf_release(&map);
    if (ttf_subset(&f, keep, &s->font, e) < 0)
        goto out;
    /* subset tag: six letters from the glyph set, then the font's file name */
    {
        char hex[HASH_HEX_LEN + 1], nm[48];
        hash_buf(keep, (size_t)f.nglyphs, hex);
        const char *base = fs_base(font_file);
        size_t k = 0;
        for (; base[k] && base[k] != '.' && k < sizeof nm - 1; k++)
            nm[k] = isalnum((unsigned char)base[k]) || base[k] == '-' ? base[k] : '-';
        nm[k] = 0;
        char tag[7];
        for (int i = 0; i < 6; i++) tag[i] = (char)('A' + (hex[i] % 26));
        tag[6] = 0;
        snprintf(s->basefont, sizeof s->basefont, "%s+%s", tag, nm);
    }
    rc = 0;
out:
    for (int l = 0; l < 8; l++) {
        free(gids[l]);
        free(cps[l]);
    }
    free(keep);
    free(fd);
    if (rc < 0)
        sig_stamp_release(s);
    return rc;
}

int sig_stamp_build(const char *font_file, const char *const *lines, int nlines, double size,
                    double w, double h, struct sig_stamp *s, struct err *e)
{
    static const char *const defaults[] = {
        "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf",
    };
    if (font_file && font_file[0])
        return build_with(font_file, lines, nlines, size, w, h, s, e) < 0 ? -1 : 0;
    for (size_t k = 0; k < sizeof defaults / sizeof defaults[0]; k++) {
        if (!fs_exists(defaults[k]) && k + 1 < sizeof defaults / sizeof defaults[0])
            continue;
        err_init(e);
        int r = build_with(defaults[k], lines, nlines, size, w, h, s, e);
        if (r == 0)
            return 0;
        if (r != -2)
            return -1;
    }
    return -1;
}
