#include "signing/pdfparse.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define MAX_DEPTH      64         /* nesting of arrays/dicts */
#define MAX_SECTIONS   4096       /* xref sections in a /Prev chain */
#define MAX_OBJNUM     8000000    /* object numbers we accept */
#define MAX_STREAM     (512u << 20)  /* decompressed xref/object stream */
#define MAX_PAGE_WALK  200000     /* page tree nodes visited */

/* ------------------------------------------------------------------ objects */

struct sig_obj *sig_obj_new(enum sig_obj_type t)
{
    struct sig_obj *o = xcalloc(1, sizeof *o);
    o->t = t;
    return o;
}

struct sig_obj *sig_obj_int(long long v)
{
    struct sig_obj *o = sig_obj_new(SO_INT);
    o->i = v;
    return o;
}

struct sig_obj *sig_obj_name(const char *name)
{
    struct sig_obj *o = sig_obj_new(SO_NAME);
    o->s = xstrdup(name);
    o->slen = strlen(name);
    return o;
}

struct sig_obj *sig_obj_ref(int num, int gen)
{
    struct sig_obj *o = sig_obj_new(SO_REF);
    o->i = num;
    o->gen = gen;
    return o;
}

struct sig_obj *sig_obj_str(const void *s, size_t n)
{
    struct sig_obj *o = sig_obj_new(SO_STR);
    o->s = xmalloc(n + 1);
    memcpy(o->s, s, n);
    o->s[n] = '\0';
    o->slen = n;
    return o;
}

void sig_obj_free(struct sig_obj *o)
{
    if (!o)
        return;
    for (int k = 0; k < o->n; k++) {
        sig_obj_free(o->items[k]);
        if (o->keys)
            free(o->keys[k]);
    }
    free(o->items);
    free(o->keys);
    free(o->s);
    free(o);
}

struct sig_obj *sig_obj_clone(const struct sig_obj *o)
{
    struct sig_obj *c = sig_obj_new(o->t);
    c->i = o->i;
    c->gen = o->gen;
    c->r = o->r;
    c->data_off = o->data_off;
    c->data_len = o->data_len;
    if (o->s) {
        c->s = xmalloc(o->slen + 1);
        memcpy(c->s, o->s, o->slen + 1);
        c->slen = o->slen;
    }
    if (o->n) {
        c->cap = c->n = o->n;
        c->items = xcalloc((size_t)o->n, sizeof *c->items);
        if (o->keys)
            c->keys = xcalloc((size_t)o->n, sizeof *c->keys);
        for (int k = 0; k < o->n; k++) {
            c->items[k] = sig_obj_clone(o->items[k]);
            if (o->keys)
                c->keys[k] = xstrdup(o->keys[k]);
        }
    }
    return c;
}

static void grow(struct sig_obj *o, bool keys)
{
    if (o->n < o->cap)
        return;
    o->cap = o->cap ? o->cap * 2 : 8;
    o->items = xrealloc(o->items, (size_t)o->cap * sizeof *o->items);
    if (keys)
        o->keys = xrealloc(o->keys, (size_t)o->cap * sizeof *o->keys);
}

void sig_obj_push(struct sig_obj *arr, struct sig_obj *v)
{
    grow(arr, false);
    arr->items[arr->n++] = v;
}

const struct sig_obj *sig_obj_get(const struct sig_obj *d, const char *key)
{
    if (!d || (d->t != SO_DICT && d->t != SO_STREAM))
        return NULL;
    for (int k = 0; k < d->n; k++)
        if (strcmp(d->keys[k], key) == 0)
            return d->items[k];
    return NULL;
}

void sig_obj_set(struct sig_obj *d, const char *key, struct sig_obj *v)
{
    for (int k = 0; k < d->n; k++)
        if (strcmp(d->keys[k], key) == 0) {
            sig_obj_free(d->items[k]);
            d->items[k] = v;
            return;
        }
    grow(d, true);
    d->keys[d->n] = xstrdup(key);
    d->items[d->n++] = v;
}

void sig_obj_del(struct sig_obj *d, const char *key)
{
    for (int k = 0; k < d->n; k++)
        if (strcmp(d->keys[k], key) == 0) {
            sig_obj_free(d->items[k]);
            free(d->keys[k]);
            memmove(d->items + k, d->items + k + 1, (size_t)(d->n - k - 1) * sizeof *d->items);
            memmove(d->keys + k, d->keys + k + 1, (size_t)(d->n - k - 1) * sizeof *d->keys);
            d->n--;
            return;
        }
}

bool sig_obj_is_name(const struct sig_obj *o, const char *name)
{
    return o && o->t == SO_NAME && strcmp(o->s, name) == 0;
}

static bool is_ws(int c) { return c == 0 || c == 9 || c == 10 || c == 12 || c == 13 || c == 32; }
static bool is_delim(int c) { return c && strchr("()<>[]{}/%", c) != NULL; }
static bool is_regular(int c) { return !is_ws(c) && !is_delim(c); }

static void write_name(struct sbuf *b, const char *s)
{
    sbuf_putc(b, '/');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 33 || *p > 126 || *p == '#' || is_delim(*p))
            sbuf_printf(b, "#%02X", *p);
        else
            sbuf_putc(b, (char)*p);
    }
}

void sig_obj_write(struct sbuf *b, const struct sig_obj *o)
{
    static const char hex[] = "0123456789ABCDEF";
    switch (o->t) {
    case SO_NULL: sbuf_puts(b, "null"); break;
    case SO_BOOL: sbuf_puts(b, o->i ? "true" : "false"); break;
    case SO_INT: sbuf_printf(b, "%lld", o->i); break;
    case SO_REAL: {
        char tmp[64];
        snprintf(tmp, sizeof tmp, "%.6f", o->r);
        char *z = tmp + strlen(tmp) - 1;
        while (z > tmp && *z == '0') *z-- = '\0';
        if (*z == '.') *z = '\0';
        if (strcmp(tmp, "-0") == 0) strcpy(tmp, "0");
        sbuf_puts(b, tmp);
        break;
    }
    case SO_STR:
        sbuf_putc(b, '<');
        for (size_t k = 0; k < o->slen; k++) {
            sbuf_putc(b, hex[(unsigned char)o->s[k] >> 4]);
            sbuf_putc(b, hex[(unsigned char)o->s[k] & 15]);
        }
        sbuf_putc(b, '>');
        break;
    case SO_NAME: write_name(b, o->s); break;
    case SO_REF: sbuf_printf(b, "%lld %d R", o->i, o->gen); break;
    case SO_ARRAY:
        sbuf_putc(b, '[');
        for (int k = 0; k < o->n; k++) {
            if (k) sbuf_putc(b, ' ');
            sig_obj_write(b, o->items[k]);
        }
        sbuf_putc(b, ']');
        break;
    case SO_DICT:
    case SO_STREAM:
        sbuf_puts(b, "<<");
        for (int k = 0; k < o->n; k++) {
            write_name(b, o->keys[k]);
            sbuf_putc(b, ' ');
            sig_obj_write(b, o->items[k]);
        }
        sbuf_puts(b, ">>");
        break;
    }
}

/* ------------------------------------------------------------------ lexer */

struct lex {
    const unsigned char *p, *end;
    const unsigned char *base;   /* start of the whole file (for stream offsets) */
    struct err *e;
};

static void skip_ws(struct lex *l)
{
    while (l->p < l->end) {
        if (is_ws(*l->p)) {
            l->p++;
        } else if (*l->p == '%') {
            while (l->p < l->end && *l->p != '\n' && *l->p != '\r')
                l->p++;
        } else {
            break;
        }
    }
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Read an unsigned integer token at l->p (no sign), without consuming on failure. */
static bool peek_uint(const unsigned char *p, const unsigned char *end, long long *v, const unsigned char **after)
{
    long long x = 0;
    const unsigned char *q = p;
    if (q >= end || !isdigit(*q))
        return false;
    while (q < end && isdigit(*q)) {
        if (x > (LLONG_MAX - 9) / 10)
            return false;
        x = x * 10 + (*q - '0');
        q++;
    }
    if (q < end && is_regular(*q))
        return false;
    *v = x;
    *after = q;
    return true;
}

static struct sig_obj *parse_obj(struct lex *l, int depth);

static struct sig_obj *fail(struct lex *l, const char *what)
{
    if (!err_is_set(l->e))
        err_set(l->e, ERR_INPUT, "damaged PDF: %s at byte %ld", what, (long)(l->p - l->base));
    return NULL;
}

static struct sig_obj *parse_string(struct lex *l)
{
    struct sbuf b = SBUF_INIT;
    int nest = 1;
    l->p++;  /* ( */
    while (l->p < l->end) {
        int c = *l->p++;
        if (c == '(') {
            nest++;
        } else if (c == ')') {
            if (--nest == 0) {
                struct sig_obj *o = sig_obj_str(b.s ? b.s : "", b.len);
                sbuf_release(&b);
                return o;
            }
        } else if (c == '\\') {
            if (l->p >= l->end)
                break;
            c = *l->p++;
            switch (c) {
            case 'n': c = '\n'; break;
            case 'r': c = '\r'; break;
            case 't': c = '\t'; break;
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case '\r':
                if (l->p < l->end && *l->p == '\n') l->p++;
                continue;
            case '\n': continue;
            default:
                if (c >= '0' && c <= '7') {
                    int v = c - '0';
                    for (int k = 0; k < 2 && l->p < l->end && *l->p >= '0' && *l->p <= '7'; k++)
                        v = v * 8 + (*l->p++ - '0');
                    c = v & 255;
                }
            }
        }
        sbuf_putc(&b, (char)c);
    }
    sbuf_release(&b);
    return fail(l, "unterminated string");
}

static struct sig_obj *parse_hexstring(struct lex *l)
{
    struct sbuf b = SBUF_INIT;
    int hi = -1;
    l->p++;  /* < */
    while (l->p < l->end) {
        int c = *l->p++;
        if (c == '>') {
            if (hi >= 0)
                sbuf_putc(&b, (char)(hi << 4));
            struct sig_obj *o = sig_obj_str(b.s ? b.s : "", b.len);
            sbuf_release(&b);
            return o;
        }
        if (is_ws(c))
            continue;
        int v = hexval(c);
        if (v < 0)
            break;
        if (hi < 0) {
            hi = v;
        } else {
            sbuf_putc(&b, (char)(hi << 4 | v));
            hi = -1;
        }
    }
    sbuf_release(&b);
    return fail(l, "bad hex string");
}

static struct sig_obj *parse_name(struct lex *l)
{
    struct sbuf b = SBUF_INIT;
    l->p++;  /* / */
    while (l->p < l->end && is_regular(*l->p)) {
        int c = *l->p++;
        if (c == '#' && l->end - l->p >= 2 && hexval(l->p[0]) >= 0 && hexval(l->p[1]) >= 0) {
            c = hexval(l->p[0]) << 4 | hexval(l->p[1]);
            l->p += 2;
        }
        if (c == 0)
            c = '?';
        sbuf_putc(&b, (char)c);
    }
    struct sig_obj *o = sig_obj_name(sbuf_cstr(&b));
    sbuf_release(&b);
    return o;
}

static struct sig_obj *parse_number(struct lex *l)
{
    char tmp[64];
    size_t n = 0;
    bool real = false;
    while (l->p < l->end && (isdigit(*l->p) || *l->p == '.' || *l->p == '-' || *l->p == '+')) {
        if (*l->p == '.')
            real = true;
        if (n < sizeof tmp - 1)
            tmp[n++] = (char)*l->p;
        l->p++;
    }
    tmp[n] = '\0';
    if (real) {
        struct sig_obj *o = sig_obj_new(SO_REAL);
        o->r = strtod(tmp, NULL);
        return o;
    }
    return sig_obj_int(strtoll(tmp, NULL, 10));
}

static bool keyword(struct lex *l, const char *kw)
{
    size_t n = strlen(kw);
    if ((size_t)(l->end - l->p) < n || memcmp(l->p, kw, n) != 0)
        return false;
    if (l->p + n < l->end && is_regular(l->p[n]))
        return false;
    l->p += n;
    return true;
}

static struct sig_obj *parse_obj(struct lex *l, int depth)
{
    if (depth > MAX_DEPTH)
        return fail(l, "objects nested too deeply");
    skip_ws(l);
    if (l->p >= l->end)
        return fail(l, "unexpected end of data");
    int c = *l->p;
    if (c == '(')
        return parse_string(l);
    if (c == '/')
        return parse_name(l);
    if (c == '<' && l->p + 1 < l->end && l->p[1] == '<') {
        struct sig_obj *d = sig_obj_new(SO_DICT);
        l->p += 2;
        for (;;) {
            skip_ws(l);
            if (l->p + 1 < l->end && l->p[0] == '>' && l->p[1] == '>') {
                l->p += 2;
                return d;
            }
            if (l->p >= l->end || *l->p != '/') {
                sig_obj_free(d);
                return fail(l, "dictionary key is not a name");
            }
            struct sig_obj *k = parse_name(l);
            struct sig_obj *v = parse_obj(l, depth + 1);
            if (!v) {
                sig_obj_free(k);
                sig_obj_free(d);
                return NULL;
            }
            if (v->t == SO_NULL)
                sig_obj_free(v);          /* a null value means "absent" */
            else
                sig_obj_set(d, k->s, v);
            sig_obj_free(k);
        }
    }
    if (c == '<')
        return parse_hexstring(l);
    if (c == '[') {
        struct sig_obj *a = sig_obj_new(SO_ARRAY);
        l->p++;
        for (;;) {
            skip_ws(l);
            if (l->p < l->end && *l->p == ']') {
                l->p++;
                return a;
            }
            struct sig_obj *v = parse_obj(l, depth + 1);
            if (!v) {
                sig_obj_free(a);
                return NULL;
            }
            sig_obj_push(a, v);
        }
    }
    if (isdigit(c)) {
        /* "N G R" is a reference */
        long long num, gen;
        const unsigned char *a1, *a2;
        if (peek_uint(l->p, l->end, &num, &a1)) {
            const unsigned char *q = a1;
            while (q < l->end && is_ws(*q)) q++;
            if (peek_uint(q, l->end, &gen, &a2)) {
                q = a2;
                while (q < l->end && is_ws(*q)) q++;
                if (q < l->end && *q == 'R' && (q + 1 >= l->end || !is_regular(q[1]))) {
                    l->p = q + 1;
                    if (num > INT_MAX || gen > 65535)
                        return fail(l, "object number out of range");
                    return sig_obj_ref((int)num, (int)gen);
                }
            }
        }
        return parse_number(l);
    }
    if (c == '-' || c == '+' || c == '.')
        return parse_number(l);
    if (keyword(l, "true")) {
        struct sig_obj *o = sig_obj_new(SO_BOOL);
        o->i = 1;
        return o;
    }
    if (keyword(l, "false"))
        return sig_obj_new(SO_BOOL);
    if (keyword(l, "null"))
        return sig_obj_new(SO_NULL);
    return fail(l, "unexpected token");
}

struct sig_obj *sig_obj_parse(const unsigned char *p, size_t len, struct err *e)
{
    struct lex l = {p, p + len, p, e};
    return parse_obj(&l, 0);
}

/* ------------------------------------------------------------------ streams */

static int png_unpredict(unsigned char *data, size_t len, int columns, int colors, int bpc,
                         size_t *outlen, struct err *e)
{
    size_t bpp = (size_t)((colors * bpc + 7) / 8);
    size_t row = ((size_t)columns * (size_t)colors * (size_t)bpc + 7) / 8;
    if (bpp == 0) bpp = 1;
    if (row == 0 || row > (1u << 24)) {
        err_set(e, ERR_INPUT, "damaged PDF: bad predictor parameters");
        return -1;
    }
    size_t nrows = len / (row + 1), o = 0;
    unsigned char *prev = xcalloc(1, row);
    for (size_t r = 0; r < nrows; r++) {
        unsigned char *in = data + r * (row + 1);
        int ft = in[0];
        unsigned char *cur = in + 1;
        for (size_t k = 0; k < row; k++) {
            int a = k >= bpp ? data[o + k - bpp] : 0;  /* left, already decoded in output */
            int b = prev[k], cc = k >= bpp ? prev[k - bpp] : 0, v = cur[k];
            switch (ft) {
            case 0: break;
            case 1: v += a; break;
            case 2: v += b; break;
            case 3: v += (a + b) / 2; break;
            case 4: {
                int p = a + b - cc, pa = abs(p - a), pb = abs(p - b), pc = abs(p - cc);
                v += (pa <= pb && pa <= pc) ? a : (pb <= pc ? b : cc);
                break;
            }
            default:
                free(prev);
                err_set(e, ERR_INPUT, "damaged PDF: unknown PNG predictor %d", ft);
                return -1;
            }
            data[o + k] = (unsigned char)v;   /* output never overtakes input */
        }
        memcpy(prev, data + o, row);
        o += row;
    }
    free(prev);
    *outlen = o;
    return 0;
}

static long long int_of(struct sig_pdf *d, const struct sig_obj *o, long long def)
{
    struct err e2;
    struct sig_obj *tmp = NULL;
    err_init(&e2);
    if (!o)
        return def;
    const struct sig_obj *r = d ? sig_pdf_resolve(d, o, &tmp, &e2) : o;
    long long v = (r && r->t == SO_INT) ? r->i : (r && r->t == SO_REAL) ? (long long)r->r : def;
    sig_obj_free(tmp);
    return v;
}

int sig_pdf_stream(struct sig_pdf *d, const struct sig_obj *stm, size_t max,
                   unsigned char **out, size_t *outlen, struct err *e)
{
    const struct sig_obj *f = sig_obj_get(stm, "Filter");
    const struct sig_obj *parms = sig_obj_get(stm, "DecodeParms");
    const unsigned char *raw = d->buf + stm->data_off;
    size_t rawlen = stm->data_len;

    if (f && f->t == SO_ARRAY) {
        if (f->n > 1) {
            err_set(e, ERR_INPUT, "unsupported PDF stream filter chain");
            return -1;
        }
        f = f->n ? f->items[0] : NULL;
        if (parms && parms->t == SO_ARRAY)
            parms = parms->n ? parms->items[0] : NULL;
    }
    if (!f) {
        if (max && rawlen > max) {
            err_set(e, ERR_LIMIT, "PDF stream larger than %zu bytes", max);
            return -1;
        }
        *out = xmalloc(rawlen + 1);
        memcpy(*out, raw, rawlen);
        *outlen = rawlen;
        return 0;
    }
    if (!sig_obj_is_name(f, "FlateDecode")) {
        err_set(e, ERR_INPUT, "unsupported PDF stream filter \"%s\"", f->t == SO_NAME ? f->s : "?");
        return -1;
    }
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit(&z) != Z_OK) {
        err_set(e, ERR_INTERNAL, "could not start zlib");
        return -1;
    }
    size_t cap = rawlen * 4 + 1024, n = 0;
    unsigned char *buf = xmalloc(cap);
    z.next_in = (unsigned char *)raw;
    z.avail_in = (uInt)(rawlen > UINT_MAX ? UINT_MAX : rawlen);
    int zr = Z_OK;
    while (zr == Z_OK) {
        if (n == cap) {
            if (max && cap >= max) {
                inflateEnd(&z);
                free(buf);
                err_set(e, ERR_LIMIT, "PDF stream expands beyond %zu bytes", max);
                return -1;
            }
            cap *= 2;
            buf = xrealloc(buf, cap);
        }
        z.next_out = buf + n;
        z.avail_out = (uInt)(cap - n > UINT_MAX ? UINT_MAX : cap - n);
        zr = inflate(&z, Z_NO_FLUSH);
        n = (size_t)(z.next_out - buf);
        if (zr == Z_BUF_ERROR && z.avail_in == 0)
            break;                 /* truncated but usable: take what we have */
        if (zr == Z_BUF_ERROR)
            zr = Z_OK;
    }
    inflateEnd(&z);
    if (zr != Z_STREAM_END && zr != Z_BUF_ERROR && zr != Z_OK) {
        free(buf);
        err_set(e, ERR_INPUT, "damaged PDF: compressed stream cannot be decoded");
        return -1;
    }
    long long pred = int_of(d, sig_obj_get(parms, "Predictor"), 1);
    if (pred >= 10) {
        long long cols = int_of(d, sig_obj_get(parms, "Columns"), 1);
        long long colors = int_of(d, sig_obj_get(parms, "Colors"), 1);
        long long bpc = int_of(d, sig_obj_get(parms, "BitsPerComponent"), 8);
        if (cols < 1 || cols > 1 << 20 || colors < 1 || colors > 32 || bpc < 1 || bpc > 16) {
            free(buf);
            err_set(e, ERR_INPUT, "damaged PDF: bad predictor parameters");
            return -1;
        }
        if (png_unpredict(buf, n, (int)cols, (int)colors, (int)bpc, &n, e) < 0) {
            free(buf);
            return -1;
        }
    } else if (pred != 1) {
        free(buf);
        err_set(e, ERR_INPUT, "unsupported PDF predictor %lld", pred);
        return -1;
    }
    *out = buf;
    *outlen = n;
    return 0;
}

/* Parse "N G obj <object> [stream ... endstream]" at off.  want < 0: any number. */
static struct sig_obj *parse_indirect(struct sig_pdf *d, size_t off, int want, int *numout, struct err *e)
{
    struct lex l = {d->buf + off, d->buf + d->len, d->buf, e};
    long long num, gen;
    const unsigned char *a;

    if (off >= d->len) {
        err_set(e, ERR_INPUT, "damaged PDF: object offset %zu is beyond the end of the file", off);
        return NULL;
    }
    skip_ws(&l);
    if (!peek_uint(l.p, l.end, &num, &a))
        return fail(&l, "object header expected");
    l.p = a;
    skip_ws(&l);
    if (!peek_uint(l.p, l.end, &gen, &a))
        return fail(&l, "object header expected");
    l.p = a;
    skip_ws(&l);
    if (!keyword(&l, "obj"))
        return fail(&l, "\"obj\" expected");
    if (want >= 0 && num != want) {
        err_set(e, ERR_INPUT, "damaged PDF: xref points object %d to object %lld", want, num);
        return NULL;
    }
    if (numout)
        *numout = (int)num;
    struct sig_obj *o = parse_obj(&l, 0);
    if (!o)
        return NULL;
    skip_ws(&l);
    if (o->t == SO_DICT && keyword(&l, "stream")) {
        if (l.p < l.end && *l.p == '\r') l.p++;
        if (l.p < l.end && *l.p == '\n') l.p++;
        size_t start = (size_t)(l.p - d->buf);
        const struct sig_obj *lo = sig_obj_get(o, "Length");
        long long len = -1;
        if (lo && lo->t == SO_INT)
            len = lo->i;
        else if (lo && lo->t == SO_REF && lo->i != num)
            len = int_of(d, lo, -1);
        /* trust /Length only when "endstream" follows it */
        bool good = false;
        if (len >= 0 && (size_t)len <= d->len - start) {
            const unsigned char *q = d->buf + start + len, *qe = d->buf + d->len;
            while (q < qe && is_ws(*q)) q++;
            good = (size_t)(qe - q) >= 9 && memcmp(q, "endstream", 9) == 0;
        }
        if (!good) {
            const unsigned char *q = memmem(d->buf + start, d->len - start, "endstream", 9);
            if (!q) {
                sig_obj_free(o);
                err_set(e, ERR_INPUT, "damaged PDF: stream of object %lld has no end", num);
                return NULL;
            }
            len = q - (d->buf + start);
            if (len > 0 && d->buf[start + len - 1] == '\n') len--;
            if (len > 0 && d->buf[start + len - 1] == '\r') len--;
        }
        o->t = SO_STREAM;
        o->data_off = start;
        o->data_len = (size_t)len;
    }
    return o;
}

/* ------------------------------------------------------------------ xref */

static int set_entry(struct sig_pdf *d, long long num, int type, long long off, int gen, struct err *e)
{
    if (num < 0 || num >= MAX_OBJNUM) {
        err_set(e, ERR_INPUT, "damaged PDF: object number %lld out of range", num);
        return -1;
    }
    if (num >= d->nx) {
        int nn = d->nx ? d->nx : 64;
        while (nn <= num) nn *= 2;
        d->x = xrealloc(d->x, (size_t)nn * sizeof *d->x);
        memset(d->x + d->nx, 0, (size_t)(nn - d->nx) * sizeof *d->x);
        d->nx = nn;
    }
    struct sig_xent *x = &d->x[num];
    if (x->type != 0 || x->off == -1)
        return 0;                    /* a newer section already decided */
    if (type == 0) {
        x->off = -1;                 /* freed in a newer section: stays free */
        return 0;
    }
    x->type = (unsigned char)type;
    x->off = off;
    x->gen = gen;
    return 0;
}

static int read_xref_table(struct sig_pdf *d, size_t off, struct sig_obj **trailer, struct err *e)
{
    struct lex l = {d->buf + off, d->buf + d->len, d->buf, e};
    if (!keyword(&l, "xref"))
        return fail(&l, "\"xref\" expected"), -1;
    for (;;) {
        long long first, count;
        const unsigned char *a;
        skip_ws(&l);
        if (keyword(&l, "trailer"))
            break;
        if (!peek_uint(l.p, l.end, &first, &a))
            return fail(&l, "xref subsection expected"), -1;
        l.p = a;
        skip_ws(&l);
        if (!peek_uint(l.p, l.end, &count, &a))
            return fail(&l, "xref subsection count expected"), -1;
        l.p = a;
        if (count < 0 || first + count > MAX_OBJNUM || count * 18 > l.end - l.p) {
            err_set(e, ERR_INPUT, "damaged PDF: xref subsection out of range");
            return -1;
        }
        for (long long k = 0; k < count; k++) {
            long long o, g;
            skip_ws(&l);
            if (!peek_uint(l.p, l.end, &o, &a))
                return fail(&l, "xref entry expected"), -1;
            l.p = a;
            skip_ws(&l);
            if (!peek_uint(l.p, l.end, &g, &a))
                return fail(&l, "xref entry expected"), -1;
            l.p = a;
            skip_ws(&l);
            if (l.p >= l.end || (*l.p != 'n' && *l.p != 'f'))
                return fail(&l, "xref entry type expected"), -1;
            int type = *l.p == 'n' ? 1 : 0;
            l.p++;
            /* object 0 is always free; an "n" entry at 0 is a broken writer */
            if (type == 1 && o == 0)
                type = 0;
            if (set_entry(d, first + k, type, o, (int)g, e) < 0)
                return -1;
        }
    }
    struct sig_obj *t = parse_obj(&l, 0);
    if (!t)
        return -1;
    if (t->t != SO_DICT) {
        sig_obj_free(t);
        return fail(&l, "trailer is not a dictionary"), -1;
    }
    *trailer = t;
    return 0;
}

static int read_xref_stream(struct sig_pdf *d, size_t off, struct sig_obj **trailer, struct err *e)
{
    struct sig_obj *s = parse_indirect(d, off, -1, NULL, e);
    unsigned char *data = NULL;
    size_t n = 0;
    int rc = -1;

    if (!s)
        return -1;
    if (s->t != SO_STREAM || !sig_obj_is_name(sig_obj_get(s, "Type"), "XRef")) {
        err_set(e, ERR_INPUT, "damaged PDF: startxref does not point to a cross-reference section");
        goto out;
    }
    const struct sig_obj *w = sig_obj_get(s, "W"), *idx = sig_obj_get(s, "Index");
    long long size = int_of(NULL, sig_obj_get(s, "Size"), 0);
    int wv[3];
    if (!w || w->t != SO_ARRAY || w->n != 3) {
        err_set(e, ERR_INPUT, "damaged PDF: xref stream without /W");
        goto out;
    }
    for (int k = 0; k < 3; k++) {
        wv[k] = (int)int_of(NULL, w->items[k], -1);
        if (wv[k] < 0 || wv[k] > 8) {
            err_set(e, ERR_INPUT, "damaged PDF: bad xref stream /W");
            goto out;
        }
    }
    int rowlen = wv[0] + wv[1] + wv[2];
    if (rowlen == 0 || size < 0 || size > MAX_OBJNUM) {
        err_set(e, ERR_INPUT, "damaged PDF: bad xref stream");
        goto out;
    }
    if (sig_pdf_stream(d, s, MAX_STREAM, &data, &n, e) < 0)
        goto out;
    size_t pos = 0;
    int nsub = idx && idx->t == SO_ARRAY ? idx->n / 2 : 1;
    for (int sub = 0; sub < nsub; sub++) {
        long long first = idx && idx->t == SO_ARRAY ? int_of(NULL, idx->items[2 * sub], -1) : 0;
        long long count = idx && idx->t == SO_ARRAY ? int_of(NULL, idx->items[2 * sub + 1], -1) : size;
        if (first < 0 || count < 0 || first + count > MAX_OBJNUM) {
            err_set(e, ERR_INPUT, "damaged PDF: bad xref stream /Index");
            goto out;
        }
        for (long long k = 0; k < count; k++) {
            long long f[3];
            if (pos + (size_t)rowlen > n)
                break;                /* short stream: keep what is there */
            for (int c = 0; c < 3; c++) {
                long long v = 0;
                for (int b = 0; b < wv[c]; b++)
                    v = v << 8 | data[pos++];
                f[c] = v;
            }
            if (wv[0] == 0)
                f[0] = 1;
            if (f[0] == 1 || f[0] == 2 || f[0] == 0) {
                if (set_entry(d, first + k, (int)f[0], f[1], (int)f[2], e) < 0)
                    goto out;
            }
        }
    }
    *trailer = s;
    s = NULL;
    rc = 0;
out:
    free(data);
    sig_obj_free(s);
    return rc;
}

static size_t find_startxref(const unsigned char *buf, size_t len, long long *off)
{
    /* search backwards: the last "startxref" in the file */
    if (len < 9)
        return (size_t)-1;
    for (size_t k = len - 9 + 1; k-- > 0;) {
        if (memcmp(buf + k, "startxref", 9) == 0) {
            const unsigned char *p = buf + k + 9, *a;
            while (p < buf + len && is_ws(*p)) p++;
            if (peek_uint(p, buf + len, off, &a))
                return k;
            return (size_t)-1;
        }
    }
    return (size_t)-1;
}

int sig_pdf_open(struct sig_pdf *d, const unsigned char *buf, size_t len, struct err *e)
{
    long long off;
    long long *seen = NULL;
    int nseen = 0, rc = -1;

    memset(d, 0, sizeof *d);
    d->buf = buf;
    d->len = len;
    d->ostm_num = -1;
    if (len < 8 || memcmp(buf, "%PDF-", 5) != 0) {
        const unsigned char *h = len ? memmem(buf, len < 1024 ? len : 1024, "%PDF-", 5) : NULL;
        if (!h) {
            err_set(e, ERR_INPUT, "not a PDF file (no %%PDF- header)");
            return -1;
        }
        d->version = strtod((const char *)h + 5, NULL);
    } else {
        char v[8] = {0};
        memcpy(v, buf + 5, len - 5 < 7 ? len - 5 : 7);
        d->version = strtod(v, NULL);
    }
    if (find_startxref(buf, len, &off) == (size_t)-1) {
        err_set(e, ERR_INPUT, "damaged PDF: no startxref (the file may be truncated)");
        err_hint(e, "Repair the file (for example \"qpdf in.pdf repaired.pdf\") and sign the repaired copy.");
        return -1;
    }
    d->startxref = off;
    seen = xmalloc(MAX_SECTIONS * sizeof *seen);
    for (int sec = 0;; sec++) {
        struct sig_obj *t = NULL;
        bool isstream;
        if (sec >= MAX_SECTIONS) {
            err_set(e, ERR_INPUT, "damaged PDF: too many cross-reference sections");
            goto out;
        }
        for (int k = 0; k < nseen; k++)
            if (seen[k] == off)
                goto chain_done;   /* a /Prev loop: the sections are all read */
        seen[nseen++] = off;
        if (off < 0 || (size_t)off >= len) {
            err_set(e, ERR_INPUT, "damaged PDF: cross-reference offset %lld is outside the file", off);
            goto out;
        }
        {
            const unsigned char *p = buf + off;
            while (p < buf + len && is_ws(*p)) p++;
            isstream = !((size_t)(buf + len - p) >= 4 && memcmp(p, "xref", 4) == 0);
            if (isstream ? read_xref_stream(d, (size_t)(p - buf), &t, e) < 0
                         : read_xref_table(d, (size_t)(p - buf), &t, e) < 0) {
                err_prefix(e, "cross-reference section at byte %lld", off);
                goto out;
            }
        }
        if (sec == 0) {
            d->trailer = t;
            d->xref_stream = isstream;
        }
        long long sz = int_of(NULL, sig_obj_get(t, "Size"), 0);
        if (sz > d->size && sz <= MAX_OBJNUM)
            d->size = (int)sz;
        /* hybrid file: the table's /XRefStm holds more entries, read before /Prev */
        const struct sig_obj *xs = sig_obj_get(t, "XRefStm");
        if (!isstream && xs && xs->t == SO_INT && xs->i > 0 && (size_t)xs->i < len) {
            struct sig_obj *t2 = NULL;
            struct err e2;
            err_init(&e2);
            if (read_xref_stream(d, (size_t)xs->i, &t2, &e2) == 0)
                sig_obj_free(t2);
        }
        const struct sig_obj *prev = sig_obj_get(t, "Prev");
        bool more = prev && prev->t == SO_INT;
        if (more)
            off = prev->i;
        if (sec != 0)
            sig_obj_free(t);
        if (!more)
            break;
    }
chain_done:
    if (d->size < d->nx) {
        /* /Size may understate; keep the largest object number we saw + 1 */
        for (int k = d->nx - 1; k >= 0; k--)
            if (d->x[k].type) {
                if (k + 1 > d->size) d->size = k + 1;
                break;
            }
    }
    const struct sig_obj *root = sig_obj_get(d->trailer, "Root");
    if (!root || root->t != SO_REF) {
        err_set(e, ERR_INPUT, "damaged PDF: the trailer has no /Root");
        err_hint(e, "Repair the file (for example \"qpdf in.pdf repaired.pdf\") and sign the repaired copy.");
        goto out;
    }
    d->root_num = (int)root->i;
    d->root_gen = root->gen;
    d->encrypted = sig_obj_get(d->trailer, "Encrypt") != NULL;
    rc = 0;
out:
    free(seen);
    if (rc < 0)
        sig_pdf_close(d);
    return rc;
}

void sig_pdf_close(struct sig_pdf *d)
{
    free(d->x);
    sig_obj_free(d->trailer);
    free(d->ostm_data);
    memset(d, 0, sizeof *d);
    d->ostm_num = -1;
}

/* ------------------------------------------------------------------ objects */

static int depth_guard;

static struct sig_obj *from_objstm(struct sig_pdf *d, int num, int stmnum, int index, struct err *e)
{
    if (d->ostm_num != stmnum) {
        if (stmnum < 0 || stmnum >= d->nx || d->x[stmnum].type != 1) {
            err_set(e, ERR_INPUT, "damaged PDF: object %d is in a missing object stream %d", num, stmnum);
            return NULL;
        }
        struct sig_obj *s = parse_indirect(d, (size_t)d->x[stmnum].off, stmnum, NULL, e);
        if (!s)
            return NULL;
        if (s->t != SO_STREAM) {
            sig_obj_free(s);
            err_set(e, ERR_INPUT, "damaged PDF: object stream %d is not a stream", stmnum);
            return NULL;
        }
        long long first = int_of(d, sig_obj_get(s, "First"), -1), n = int_of(d, sig_obj_get(s, "N"), -1);
        unsigned char *data = NULL;
        size_t len = 0;
        if (first < 0 || n < 0 || n > 10000000 || sig_pdf_stream(d, s, MAX_STREAM, &data, &len, e) < 0) {
            sig_obj_free(s);
            if (!err_is_set(e))
                err_set(e, ERR_INPUT, "damaged PDF: bad object stream %d", stmnum);
            return NULL;
        }
        sig_obj_free(s);
        free(d->ostm_data);
        d->ostm_data = data;
        d->ostm_len = len;
        d->ostm_first = (int)first;
        d->ostm_n = (int)n;
        d->ostm_num = stmnum;
    }
    /* header: n pairs "objnum offset" */
    struct lex l = {d->ostm_data, d->ostm_data + d->ostm_len, d->ostm_data, e};
    long long on = -1, oo = -1;
    for (int k = 0; k < d->ostm_n; k++) {
        const unsigned char *a;
        long long a1, a2;
        skip_ws(&l);
        if (!peek_uint(l.p, l.end, &a1, &a)) break;
        l.p = a;
        skip_ws(&l);
        if (!peek_uint(l.p, l.end, &a2, &a)) break;
        l.p = a;
        if (k == index || (a1 == num && on < 0)) {
            on = a1;
            oo = a2;
            if (k == index) break;
        }
    }
    if (on != num || oo < 0 || d->ostm_first + oo >= (long long)d->ostm_len) {
        err_set(e, ERR_INPUT, "damaged PDF: object %d not found in object stream %d", num, stmnum);
        return NULL;
    }
    struct lex l2 = {d->ostm_data + d->ostm_first + oo, d->ostm_data + d->ostm_len, d->ostm_data, e};
    return parse_obj(&l2, 0);
}

struct sig_obj *sig_pdf_get(struct sig_pdf *d, int num, struct err *e)
{
    struct sig_obj *o = NULL;
    if (num <= 0 || num >= d->nx || d->x[num].type == 0)
        return sig_obj_new(SO_NULL);
    if (depth_guard > 8) {
        err_set(e, ERR_INPUT, "damaged PDF: object references loop");
        return NULL;
    }
    depth_guard++;
    if (d->x[num].type == 1)
        o = parse_indirect(d, (size_t)d->x[num].off, num, NULL, e);
    else
        o = from_objstm(d, num, (int)d->x[num].off, d->x[num].gen, e);
    depth_guard--;
    if (!o)
        err_prefix(e, "object %d", num);
    return o;
}

const struct sig_obj *sig_pdf_resolve(struct sig_pdf *d, const struct sig_obj *o,
                                      struct sig_obj **tmp, struct err *e)
{
    *tmp = NULL;
    if (!o || o->t != SO_REF)
        return o;
    *tmp = sig_pdf_get(d, (int)o->i, e);
    return *tmp;
}

/* ------------------------------------------------------------------ pages */

int sig_pdf_page(struct sig_pdf *d, int index, int *num, int *npages, struct err *e)
{
    struct sig_obj *cat = sig_pdf_get(d, d->root_num, e), *node = NULL;
    int rc = -1, cur, steps = 0, found = -1;
    long long base = 0;

    if (!cat)
        return -1;
    if (cat->t != SO_DICT) {
        err_set(e, ERR_INPUT, "damaged PDF: the catalog is not a dictionary");
        goto out;
    }
    const struct sig_obj *pages = sig_obj_get(cat, "Pages");
    if (!pages || pages->t != SO_REF) {
        err_set(e, ERR_INPUT, "damaged PDF: the catalog has no page tree");
        goto out;
    }
    cur = (int)pages->i;
    node = sig_pdf_get(d, cur, e);
    if (!node)
        goto out;
    long long total = int_of(d, sig_obj_get(node, "Count"), -1);
    if (npages)
        *npages = (int)(total < 0 || total > INT_MAX ? -1 : total);
    /* descend: skip whole subtrees with /Count; at most MAX_DEPTH levels */
    for (int depth = 0; depth < MAX_DEPTH && steps < MAX_PAGE_WALK; depth++) {
        if (node->t != SO_DICT) {
            err_set(e, ERR_INPUT, "damaged PDF: page tree node %d is not a dictionary", cur);
            goto out;
        }
        const struct sig_obj *kids = sig_obj_get(node, "Kids");
        if (!kids || sig_obj_is_name(sig_obj_get(node, "Type"), "Page")) {
            if (base == index) {
                found = cur;
                break;
            }
            err_set(e, ERR_INPUT, "page %d does not exist", index + 1);
            goto out;
        }
        struct sig_obj *kt = NULL;
        const struct sig_obj *ka = sig_pdf_resolve(d, kids, &kt, e);
        if (!ka || ka->t != SO_ARRAY) {
            sig_obj_free(kt);
            err_set(e, ERR_INPUT, "damaged PDF: page tree node %d has bad /Kids", cur);
            goto out;
        }
        int next = -1;
        for (int k = 0; k < ka->n && steps < MAX_PAGE_WALK; k++, steps++) {
            if (ka->items[k]->t != SO_REF)
                continue;
            int kn = (int)ka->items[k]->i;
            if (kn == cur)
                continue;
            struct sig_obj *kid = sig_pdf_get(d, kn, e);
            if (!kid) {
                sig_obj_free(kt);
                goto out;
            }
            long long cnt = 1;
            if (kid->t == SO_DICT && sig_obj_get(kid, "Kids") &&
                !sig_obj_is_name(sig_obj_get(kid, "Type"), "Page"))
                cnt = int_of(d, sig_obj_get(kid, "Count"), 1);
            if (cnt < 0) cnt = 0;
            if (index < base + cnt) {
                sig_obj_free(node);
                node = kid;
                cur = kn;
                next = kn;
                break;
            }
            base += cnt;
            sig_obj_free(kid);
        }
        sig_obj_free(kt);
        if (next < 0) {
            err_set(e, ERR_INPUT, "page %d does not exist", index + 1);
            goto out;
        }
    }
    if (found < 0) {
        err_set(e, ERR_INPUT, "damaged PDF: the page tree is too deep or loops");
        goto out;
    }
    *num = found;
    rc = 0;
out:
    sig_obj_free(node);
    sig_obj_free(cat);
    return rc;
}
