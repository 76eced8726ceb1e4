/*
 * pipeline/text.c: OCR lines -> segments in reading order, folded keys.
 * See pipe_int.h for the model and why lines are cut into segments.
 */
#include "pipeline/pipe_int.h"

#include <ctype.h>
#include <locale.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/str.h"

/* ---- folding ---------------------------------------------------------- */

#define FOLD_TABLE 0x3000
static unsigned char fold_table[FOLD_TABLE];
static pthread_once_t fold_once = PTHREAD_ONCE_INIT;

static void fold_init(void)
{
    for (int cp = 0; cp < FOLD_TABLE; cp++) {
        unsigned char f = '#';
        if (cp < 128) {
            f = (unsigned char)tolower(cp);
            if (cp == '\t' || cp == '\n' || cp == '\r')
                f = ' ';
        } else if (cp == 0x2018 || cp == 0x2019 || cp == 0x201A || cp == 0x2032 || cp == 0x00B4) {
            f = '\'';
        } else if (cp == 0x201C || cp == 0x201D || cp == 0x201E || cp == 0x00AB || cp == 0x00BB) {
            f = '"';
        } else if (cp == 0x2010 || cp == 0x2011 || cp == 0x2012 || cp == 0x2013 ||
                   cp == 0x2014 || cp == 0x2212) {
            f = '-';
        } else if (cp == 0x2044 || cp == 0x2215) {
            f = '/';            /* fraction and division slashes: "V⁄v" */
        } else if (cp == 0x00A0 || (cp >= 0x2000 && cp <= 0x200A)) {
            f = ' ';
        } else if (cp == 0x00B2) {
            f = '2';
        } else if (cp == 0x00B3) {
            f = '3';
        } else if (cp == 0x00B9) {
            f = '1';
        } else if (cp == 0x2026) {
            f = '.';
        } else {
            struct sbuf b = SBUF_INIT;
            utf8_put(&b, cp);
            char *k = utf8_fold(sbuf_cstr(&b));
            if (strlen(k) == 1 && isalnum((unsigned char)k[0]))
                f = (unsigned char)tolower((unsigned char)k[0]);
            free(k);
            sbuf_release(&b);
        }
        fold_table[cp] = f;
    }
}

static unsigned char fold_cp(int cp)
{
    pthread_once(&fold_once, fold_init);
    if (cp >= 0 && cp < FOLD_TABLE)
        return fold_table[cp];
    return '#';
}

char *fold_str(const char *s)
{
    struct sbuf b = SBUF_INIT;
    for (const char *p = s; *p;) {
        int cp = utf8_next(&p);
        sbuf_putc(&b, (char)fold_cp(cp < 0 ? 0xFFFD : cp));
    }
    return sbuf_detach(&b);
}

/* Lower case of Latin letters (Vietnamese included), built once from
 * common's utf8_upper: lower_of[upper(cp)] = cp. */
#define LOWER_TABLE 0x2000
static int lower_of[LOWER_TABLE];
static pthread_once_t lower_once = PTHREAD_ONCE_INIT;

static void lower_init(void)
{
    for (int cp = 0; cp < LOWER_TABLE; cp++)
        lower_of[cp] = cp;
    for (int cp = LOWER_TABLE - 1; cp >= 0x41; cp--) {
        if ((cp > 0x24F && cp < 0x1E00) || (cp >= 0xD800 && cp < 0xE000))
            continue;
        struct sbuf b = SBUF_INIT;
        utf8_put(&b, cp);
        char *u = utf8_upper(sbuf_cstr(&b));
        const char *p = u;
        int up = utf8_next(&p);
        if (up > 0 && up != cp && !*p && up < LOWER_TABLE)
            lower_of[up] = cp;
        free(u);
        sbuf_release(&b);
    }
}

char *text_lower(const char *s)
{
    pthread_once(&lower_once, lower_init);
    struct sbuf b = SBUF_INIT;
    for (const char *p = s; *p;) {
        int cp = utf8_next(&p);
        if (cp < 0) continue;
        if (cp < LOWER_TABLE) cp = lower_of[cp];
        utf8_put(&b, cp);
    }
    return sbuf_detach(&b);
}

bool text_is_upper(const char *s)
{
    pthread_once(&lower_once, lower_init);
    int up = 0, low = 0;
    for (const char *p = s; *p;) {
        int cp = utf8_next(&p);
        if (cp < 0)
            continue;
        unsigned char f = fold_cp(cp);
        if (f < 'a' || f > 'z')
            continue;
        if (cp < LOWER_TABLE && lower_of[cp] != cp)
            up++;
        else
            low++;
    }
    return up > 0 && up >= 4 * low;
}

/* ---- regex cache -------------------------------------------------------- */

/*
 * Each pattern is compiled twice, on first use: in the process's UTF-8
 * locale, and in the "C" locale for plain-ASCII subjects.  Folded keys are
 * ASCII (fold_cp maps every code point to one byte), and on ASCII text the
 * two agree exactly (same bytes, same letters, same case folding, same word
 * characters), but glibc's multibyte matcher converts the subject to wide
 * characters and upper-cases each for REG_ICASE on every call: several times
 * slower.  A subject with any byte >= 0x80 still uses the UTF-8 compile.
 */
#define RX_CACHE 256
static struct { const char *pat; regex_t rx, rx_c; bool ok, ok_c, tried_c; } rx_cache[RX_CACHE];
static int rx_n;
static pthread_mutex_t rx_mu = PTHREAD_MUTEX_INITIALIZER;

static bool is_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return false;
    return true;
}

bool rx_search(const char *pattern, const char *s, regmatch_t *m, int nm)
{
    regex_t *rx = NULL;
    bool ascii = is_ascii(s);
    int i;
    pthread_mutex_lock(&rx_mu);
    for (i = 0; i < rx_n; i++)
        if (rx_cache[i].pat == pattern)
            goto found;
    for (i = 0; i < rx_n; i++)
        if (strcmp(rx_cache[i].pat, pattern) == 0)
            goto found;
    if (rx_n == RX_CACHE) {
        pthread_mutex_unlock(&rx_mu);
        return false;
    }
    i = rx_n++;
    rx_cache[i].pat = pattern;
    rx_cache[i].ok = regcomp(&rx_cache[i].rx, pattern, REG_EXTENDED | REG_ICASE) == 0;
found:
    if (ascii && rx_cache[i].ok && !rx_cache[i].tried_c) {
        static locale_t c_loc;
        if (!c_loc)
            c_loc = newlocale(LC_ALL_MASK, "C", (locale_t)0);
        if (c_loc) {
            locale_t was = uselocale(c_loc);
            rx_cache[i].ok_c = regcomp(&rx_cache[i].rx_c, pattern, REG_EXTENDED | REG_ICASE) == 0;
            uselocale(was);
        }
        rx_cache[i].tried_c = true;
    }
    if (rx_cache[i].ok)
        rx = ascii && rx_cache[i].ok_c ? &rx_cache[i].rx_c : &rx_cache[i].rx;
    pthread_mutex_unlock(&rx_mu);
    if (!rx)
        return false;
    regmatch_t tmp[1];
    if (!m || nm <= 0) {
        m = tmp;
        nm = 1;
    }
    return regexec(rx, s, (size_t)nm, m, 0) == 0;
}

/* ---- building segments -------------------------------------------------- */

static int add_tok(struct ptext *t, const char *text, size_t n, struct ocr_box box, float conf,
                   bool real)
{
    if (t->ntoks == t->tokcap) {
        t->tokcap = t->tokcap ? 2 * t->tokcap : 256;
        t->toks = xrealloc(t->toks, (size_t)t->tokcap * sizeof *t->toks);
    }
    char *raw = xstrndup(text, n);
    struct ptok *k = &t->toks[t->ntoks];
    k->text = utf8_nfc(raw);
    free(raw);
    k->box = box;
    k->conf = conf;
    k->real_box = real;
    k->brk_before = false;
    return t->ntoks++;
}


static bool cp_upper(int cp)
{
    pthread_once(&lower_once, lower_init);
    return cp > 0 && cp < LOWER_TABLE && lower_of[cp] != cp;
}

static bool cp_lower(int cp)
{
    if (cp <= 0 || cp >= FOLD_TABLE)
        return false;
    unsigned char f = fold_cp(cp);
    return f >= 'a' && f <= 'z' && !cp_upper(cp);
}

/*
 * Text layers (and sometimes OCR) run two columns together into one word:
 * "NẴNGCỘNG", "P9Đà", "TINNGƯỜI", "LanĐỗ".  Cut such a word where a lower-
 * case letter meets an upper-case one, and before "CỘNG" / "NGƯỜI" inside an
 * upper-case word; the pieces get boxes in proportion to their length and a
 * forced segment break.
 */
static void add_word(struct ptext *t, const char *s, size_t n, struct ocr_box box, float conf)
{
    int ncp = 0, cuts[16], nc = 0;
    const char *p = s, *end = s + n;
    int offs[256], cps[256];
    while (p < end && ncp < 255) {
        offs[ncp] = (int)(p - s);
        cps[ncp] = utf8_next(&p);
        ncp++;
    }
    offs[ncp] = (int)(p - s);
    for (int i = 1; i < ncp && nc < 15; i++) {
        int prev = cps[i - 1], cp = cps[i], next = i + 1 < ncp ? cps[i + 1] : 0;
        if (cp_lower(prev) && cp_upper(cp))
            cuts[nc++] = i;
        else if (cp_upper(cp) && cp_lower(next) && prev > 0 && prev < 128 &&
                 isdigit(prev))
            cuts[nc++] = i;
    }
    if (p < end) {                  /* very long word: keep whole */
        add_tok(t, s, n, box, conf, true);
        return;
    }
    char *w = xstrndup(s, n);
    char *fw = fold_str(w);
    if (text_is_upper(w)) {
        static const char *const heads[] = {"cong", "nguoi", NULL};
        for (int h = 0; heads[h]; h++) {
            const char *q = fw;
            size_t hl = strlen(heads[h]);
            while ((q = strstr(q + 1, heads[h])) && nc < 15) {
                int at = (int)(q - fw);
                if (at >= 1 && at + (int)hl <= ncp)
                    cuts[nc++] = at;
            }
        }
    }
    free(fw);
    free(w);
    if (nc == 0) {
        add_tok(t, s, n, box, conf, true);
        return;
    }
    /* sort cuts */
    for (int i = 1; i < nc; i++)
        for (int j = i; j > 0 && cuts[j] < cuts[j - 1]; j--) {
            int tmp = cuts[j]; cuts[j] = cuts[j - 1]; cuts[j - 1] = tmp;
        }
    int a = 0;
    int width = box.x1 - box.x0;
    for (int i = 0; i <= nc; i++) {
        int b = i < nc ? cuts[i] : ncp;
        if (b <= a) continue;
        struct ocr_box bx = box;
        bx.x0 = box.x0 + width * a / ncp;
        bx.x1 = box.x0 + width * b / ncp;
        int k = add_tok(t, s + offs[a], (size_t)(offs[b] - offs[a]), bx, conf, true);
        if (a > 0)
            t->toks[k].brk_before = true;
        a = b;
    }
}

/* A run of tokens [a, b) of one OCR line, before it becomes a segment. */
struct run {
    int a, b;
    struct ocr_box box;
    float conf;
    int col;
};

static bool is_dash(const char *s)
{
    return strcmp(s, "-") == 0 || strcmp(s, "–") == 0 || strcmp(s, "—") == 0;
}

static void finish_seg(struct ptext *t, int page, const struct run *in)
{
    /* a dash alone at either end is a list marker or a speck: the analysis
     * does without it (the page text keeps it) */
    struct run rr = *in, *r = &rr;
    while (r->a < r->b && is_dash(t->toks[r->a].text)) r->a++;
    while (r->b > r->a && is_dash(t->toks[r->b - 1].text)) r->b--;
    if (r->b <= r->a)
        return;
    if (t->nsegs == t->segcap) {
        t->segcap = t->segcap ? 2 * t->segcap : 128;
        t->segs = xrealloc(t->segs, (size_t)t->segcap * sizeof *t->segs);
    }
    struct pseg *s = &t->segs[t->nsegs++];
    memset(s, 0, sizeof *s);
    s->page = page;
    s->tok0 = r->a;
    s->ntok = r->b - r->a;
    s->box = r->box;
    s->conf = r->conf;
    s->col = r->col;

    struct sbuf b = SBUF_INIT;
    for (int i = r->a; i < r->b; i++) {
        if (i > r->a)
            sbuf_putc(&b, ' ');
        sbuf_puts(&b, t->toks[i].text);
    }
    s->text = sbuf_detach(&b);
    /* code point tables */
    int n = 0;
    for (const char *p = s->text; *p;) {
        utf8_next(&p);
        n++;
    }
    s->ncp = n;
    s->cpoff = xmalloc((size_t)(n + 1) * sizeof(int));
    s->cptok = xmalloc((size_t)(n + 1) * sizeof(int));
    s->fold = xmalloc((size_t)n + 1);
    int i = 0, tok = 0;
    for (const char *p = s->text; *p; i++) {
        s->cpoff[i] = (int)(p - s->text);
        int cp = utf8_next(&p);
        unsigned char f = fold_cp(cp < 0 ? 0xFFFD : cp);
        s->fold[i] = (char)f;
        if (cp == ' ') {
            s->cptok[i] = -1;
            tok++;
        } else {
            s->cptok[i] = tok;
        }
    }
    s->cpoff[n] = (int)strlen(s->text);
    s->cptok[n] = -1;
    s->fold[n] = '\0';
    s->upper = text_is_upper(s->text);
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* Median gap between neighbouring words of the page (pixels), or 0. */
static int page_word_gap(const struct ocr_page *pg)
{
    int n = 0, *g = xmalloc((size_t)(pg->nwords + 1) * sizeof(int));
    for (int l = 0; l < pg->nlines; l++) {
        const struct ocr_line *ln = &pg->lines[l];
        for (int w = ln->first_word + 1; w < ln->first_word + ln->nwords && w < pg->nwords; w++) {
            int gap = pg->words[w].box.x0 - pg->words[w - 1].box.x1;
            if (gap >= 0)
                g[n++] = gap;
        }
    }
    int med = 0;
    if (n > 0) {
        qsort(g, (size_t)n, sizeof(int), cmp_int);
        med = g[n / 2];
    }
    free(g);
    return med;
}

static int classify_col(const struct ocr_page *pg, struct ocr_box b)
{
    if (pg->width_px <= 0 || b.x1 <= b.x0)
        return 0;
    int mid = pg->width_px / 2;
    if (b.x1 <= mid + pg->width_px / 100)
        return 1;
    if (b.x0 >= mid - pg->width_px / 50)
        return 2;
    /* the right header block (motto, place-and-date) starts left of the
     * middle when it is wide, but it sits well right of it */
    if (b.x0 * 5 > pg->width_px * 2 && (b.x0 + b.x1) * 5 > pg->width_px * 6)
        return 2;
    return 0;
}

static void box_union(struct ocr_box *a, struct ocr_box b)
{
    if (a->x1 <= a->x0 && a->y1 <= a->y0) {
        *a = b;
        return;
    }
    if (b.x0 < a->x0) a->x0 = b.x0;
    if (b.y0 < a->y0) a->y0 = b.y0;
    if (b.x1 > a->x1) a->x1 = b.x1;
    if (b.y1 > a->y1) a->y1 = b.y1;
}


/* A token with no letter or digit that carries no meaning ("_", ":", "|",
 * "=", a lone quote): specks, stamp edges and table rules read as text.
 * Dashes stay: they separate list items and "KHU VỰC 8 - HÀ NỘI". */
static bool junk_token(const char *s)
{
    if (strcmp(s, "-") == 0 || strcmp(s, "–") == 0 || strcmp(s, "+") == 0)
        return false;
    for (const char *p = s; *p;) {
        int cp = utf8_next(&p);
        if (cp < 0) continue;
        unsigned char f = fold_cp(cp);
        if (isalnum(f))
            return false;
    }
    return true;
}

static bool tok_is(const struct ptext *t, int i, const char *word)
{
    char *f = fold_str(t->toks[i].text);
    bool r = strncmp(f, word, strlen(word)) == 0;
    free(f);
    return r;
}

/*
 * Where the left and right header blocks share an OCR line: before the
 * national motto ("CỘNG HÒA ...", "Độc lập ..."), and, in the top part of
 * the page, at a gap much wider than the line's other gaps (the "Số:" line
 * beside the place-and-date line).  brk[k] set = cut before token start+k.
 */
static void header_breaks(const struct ptext *t, int start, int end, const struct ocr_page *pg,
                          const struct ocr_line *ln, bool *brk)
{
    for (int i = start + 1; i + 1 < end; i++) {
        if ((tok_is(t, i, "cong") || tok_is(t, i, "gong")) && tok_is(t, i + 1, "hoa"))
            brk[i - start] = true;
        if (tok_is(t, i, "doc") && tok_is(t, i + 1, "lap"))
            brk[i - start] = true;
    }
    if (end - start < 3 || !t->toks[start].real_box)
        return;
    if (pg->height_px > 0 && ln->box.y0 > pg->height_px * 2 / 5)
        return;
    int n = end - start - 1, best = -1, bg = -1;
    int *g = xmalloc((size_t)n * sizeof(int));
    for (int i = 0; i < n; i++) {
        g[i] = t->toks[start + i + 1].box.x0 - t->toks[start + i].box.x1;
        if (g[i] > bg) { bg = g[i]; best = i; }
    }
    int *o = xmalloc((size_t)n * sizeof(int));
    int m = 0;
    for (int i = 0; i < n; i++)
        if (i != best) o[m++] = g[i];
    qsort(o, (size_t)m, sizeof(int), cmp_int);
    int med = m ? o[m / 2] : 0;
    int h = ln->box.y1 - ln->box.y0;
    if (best >= 0 && bg > 2 * med + 4 && bg * 2 > h)
        brk[best + 1] = true;
    free(o);
    free(g);
}

static void build_page(struct ptext *t, const struct ocr_page *pg)
{
    int gap = page_word_gap(pg);
    struct run *left = NULL, *right = NULL;
    int nl = 0, nr = 0, cap = pg->nlines * 2 + 2;
    left = xmalloc((size_t)cap * sizeof *left);
    right = xmalloc((size_t)cap * sizeof *right);

    for (int l = 0; l < pg->nlines; l++) {
        const struct ocr_line *ln = &pg->lines[l];
        int start = t->ntoks;
        if (ln->nwords > 0) {
            for (int w = ln->first_word; w < ln->first_word + ln->nwords && w < pg->nwords; w++) {
                const struct ocr_word *wd = &pg->words[w];
                /* a word may hold spaces (text layers): split it */
                const char *p = wd->text ? wd->text : "";
                while (*p) {
                    while (*p == ' ') p++;
                    const char *e = p;
                    while (*e && *e != ' ') e++;
                    if (e > p)
                        add_word(t, p, (size_t)(e - p), wd->box, wd->conf);
                    p = e;
                }
            }
        } else if (ln->text) {
            const char *p = ln->text;
            while (*p) {
                while (*p == ' ' || *p == '\t') p++;
                const char *e = p;
                while (*e && *e != ' ' && *e != '\t') e++;
                if (e > p)
                    add_tok(t, p, (size_t)(e - p), ln->box, ln->conf, false);
                p = e;
            }
        }
        /* drop junk tokens: specks and stamp edges read as "_", ":", "|" */
        int o = start;
        for (int i = start; i < t->ntoks; i++) {
            if (junk_token(t->toks[i].text)) {
                free(t->toks[i].text);
                continue;
            }
            t->toks[o++] = t->toks[i];
        }
        t->ntoks = o;
        int end = t->ntoks;
        if (end == start)
            continue;
        /* cut the line at wide gaps, and where the two header blocks meet */
        int h = ln->box.y1 - ln->box.y0;
        int cut = gap * 3;
        if (cut < h * 6 / 5) cut = h * 6 / 5;
        bool *brk = xcalloc((size_t)(end - start + 1), sizeof(bool));
        header_breaks(t, start, end, pg, ln, brk);
        int a = start;
        for (int i = start; i < end; i++) {
            bool last = i + 1 == end;
            bool wide = !last && t->toks[i].real_box && t->toks[i + 1].real_box &&
                        t->toks[i + 1].box.x0 - t->toks[i].box.x1 > cut && cut > 0;
            if (!last && (brk[i + 1 - start] || t->toks[i + 1].brk_before))
                wide = true;
            if (!last && !wide)
                continue;
            struct run r = {a, i + 1, {0, 0, 0, 0}, 0, 0};
            double cs = 0;
            for (int k = a; k <= i; k++) {
                box_union(&r.box, t->toks[k].box);
                cs += t->toks[k].conf;
            }
            r.conf = (float)(cs / (i + 1 - a));
            r.col = classify_col(pg, r.box);
            if (!t->toks[a].real_box)
                r.col = 0;
            if ((r.col == 1 && nl == cap) || (r.col == 2 && nr == cap)) {
                cap *= 2;   /* a line cut into many pieces */
                left = xrealloc(left, (size_t)cap * sizeof *left);
                right = xrealloc(right, (size_t)cap * sizeof *right);
            }
            if (r.col == 1) {
                left[nl++] = r;
            } else if (r.col == 2) {
                right[nr++] = r;
            } else {
                for (int k = 0; k < nl; k++) finish_seg(t, pg->number, &left[k]);
                for (int k = 0; k < nr; k++) finish_seg(t, pg->number, &right[k]);
                nl = nr = 0;
                finish_seg(t, pg->number, &r);
            }
            a = i + 1;
        }
        free(brk);
    }
    for (int k = 0; k < nl; k++) finish_seg(t, pg->number, &left[k]);
    for (int k = 0; k < nr; k++) finish_seg(t, pg->number, &right[k]);
    free(left);
    free(right);
}

void text_build(struct ptext *t, const struct ocr_doc *doc, int first, int last)
{
    memset(t, 0, sizeof *t);
    t->doc = doc;
    if (first < 1) first = 1;
    if (last > doc->npages) last = doc->npages;
    t->first = first;
    t->last = last;
    int np = last >= first ? last - first + 1 : 0;
    t->page_seg0 = xcalloc((size_t)np + 1, sizeof(int));
    for (int p = first; p <= last; p++) {
        t->page_seg0[p - first] = t->nsegs;
        const struct ocr_page *pg = &doc->pages[p - 1];
        if (pg->blank || pg->separator)
            continue;
        build_page(t, pg);
    }
    t->page_seg0[np] = t->nsegs;
}

void text_release(struct ptext *t)
{
    for (int i = 0; i < t->nsegs; i++) {
        free(t->segs[i].text);
        free(t->segs[i].fold);
        free(t->segs[i].cpoff);
        free(t->segs[i].cptok);
    }
    for (int i = 0; i < t->ntoks; i++)
        free(t->toks[i].text);
    free(t->segs);
    free(t->toks);
    free(t->page_seg0);
    memset(t, 0, sizeof *t);
}

void text_page_range(const struct ptext *t, int p, int *a, int *b)
{
    if (p < t->first || p > t->last) {
        *a = *b = 0;
        return;
    }
    *a = t->page_seg0[p - t->first];
    *b = t->page_seg0[p - t->first + 1];
}

char *seg_sub(const struct pseg *s, int a, int b)
{
    if (a < 0) a = 0;
    if (b > s->ncp) b = s->ncp;
    if (b <= a)
        return xstrdup("");
    char *r = xstrndup(s->text + s->cpoff[a], (size_t)(s->cpoff[b] - s->cpoff[a]));
    str_squash(r);
    return r;
}

void seg_span_box(const struct ptext *t, const struct pseg *s, int a, int b,
                  struct ocr_box *box, double *conf)
{
    struct ocr_box u = {0, 0, 0, 0};
    double cs = 0, mn = 1;
    int n = 0, prev = -2;
    if (a < 0) a = 0;
    if (b > s->ncp) b = s->ncp;
    for (int i = a; i < b; i++) {
        int k = s->cptok[i];
        if (k < 0 || k == prev)
            continue;
        prev = k;
        const struct ptok *tk = &t->toks[s->tok0 + k];
        box_union(&u, tk->box);
        cs += tk->conf;
        if (tk->conf < mn) mn = tk->conf;
        n++;
    }
    if (n == 0) {
        u = s->box;
        cs = mn = s->conf;
        n = 1;
    }
    *box = u;
    /* one doubtful word spoils a value: weigh the weakest word as much as
     * the mean */
    *conf = 0.5 * (cs / n) + 0.5 * mn;
}

/*
 * The first word of a subject line read for "V/v" (junk before it
 * skipped): "V/", "VIv", "W/%", "V%", "VJ/v" by their letters; a V or W
 * and one or two characters that make no Vietnamese word ("Ww", "Vk",
 * "V1"); "VI", "VÌ" with an upper-case I (the words "Vi", "Vì" have a
 * small one).  The last two only before a word in lower case.
 */
bool vv_token(const char *word, bool next_lower)
{
    const char *p = word;
    char *f0 = fold_str(word);
    const char *f = f0;
    while (*f && !isalnum((unsigned char)*f)) {
        f++;
        utf8_next(&p);
    }
    bool r = rx_search("^[vwy][jil1|]?(/[vw%]?|[il1|]v|%)[.:,]?$", f, NULL, 0);
    if (!r && next_lower && (*p == 'V' || *p == 'W')) {
        size_t fl = strlen(f);
        if (fl == 2 || fl == 3) {
            bool vowel = false;
            for (size_t k = 1; k < fl; k++)
                if (strchr("aeiouy", f[k])) vowel = true;
            if (!vowel)
                r = true;                       /* "Ww", "Vk", "V1", "Vl" */
            else if (fl == 2 && f[1] == 'i') {
                const char *q = p + 1;
                int cp = utf8_next(&q);
                /* I and its accented capitals */
                r = cp == 'I' || cp == 0xCC || cp == 0xCD || cp == 0x1EC8 || cp == 0x128 ||
                    cp == 0x1ECA;
            }
        }
    }
    free(f0);
    return r;
}

/* A letter's "V/v" subject line, also as misread (vv_token). */
bool vv_line(const struct pseg *s)
{
    const char *f = s->fold;
    if (rx_search(VV_FOLD_RX, f, NULL, 0))
        return true;
    int a = 0;
    while (a < s->ncp && !isalnum((unsigned char)f[a])) a++;
    int e = a;
    while (e < s->ncp && f[e] != ' ') e++;
    if (e >= s->ncp - 1 || e == a)
        return false;
    char *w = seg_sub(s, a, e);
    char *next = seg_sub(s, e + 1, e + 2);
    char *low = text_lower(next);
    bool nl = isalpha((unsigned char)f[e + 1]) && strcmp(next, low) == 0;
    bool r = vv_token(w, nl);
    free(w);
    free(next);
    free(low);
    return r;
}
