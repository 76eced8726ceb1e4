#include "common/str.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

static void oom(size_t n)
{
    fprintf(stderr, "ancong: fatal: out of memory allocating %zu bytes\n", n);
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) oom(n);
    return p;
}

void *xcalloc(size_t n, size_t m)
{
    void *p = calloc(n ? n : 1, m ? m : 1);
    if (!p) oom(n * m);
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) oom(n);
    return q;
}

char *xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

void sbuf_init(struct sbuf *b)
{
    b->s = NULL;
    b->len = b->cap = 0;
}

void sbuf_release(struct sbuf *b)
{
    free(b->s);
    sbuf_init(b);
}

void sbuf_reset(struct sbuf *b)
{
    b->len = 0;
    if (b->s) b->s[0] = '\0';
}

void sbuf_grow(struct sbuf *b, size_t extra)
{
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    b->s = xrealloc(b->s, cap);
    b->cap = cap;
    b->s[b->len] = '\0';          /* a fresh buffer is a valid empty string */
}

void sbuf_add(struct sbuf *b, const void *p, size_t n)
{
    sbuf_grow(b, n);
    memcpy(b->s + b->len, p, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void sbuf_puts(struct sbuf *b, const char *s) { sbuf_add(b, s, strlen(s)); }

void sbuf_putc(struct sbuf *b, char c) { sbuf_add(b, &c, 1); }

void sbuf_printf(struct sbuf *b, const char *fmt, ...)
{
    va_list ap, ap2;
    int n;

    va_start(ap, fmt);
    va_copy(ap2, ap);
    sbuf_grow(b, 64);
    n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n >= b->cap - b->len) {
        sbuf_grow(b, (size_t)n);
        vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap2);
    }
    va_end(ap2);
    if (n > 0)
        b->len += (size_t)n;
}

char *sbuf_detach(struct sbuf *b)
{
    char *s = b->s ? b->s : xstrdup("");
    sbuf_init(b);
    return s;
}

const char *sbuf_cstr(const struct sbuf *b) { return b->s ? b->s : ""; }

bool utf8_valid(const char *s, size_t n)
{
    utf8proc_ssize_t off = 0;
    while ((size_t)off < n) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s + off,
                                              (utf8proc_ssize_t)(n - (size_t)off), &cp);
        if (k <= 0 || cp < 0)
            return false;
        off += k;
    }
    return true;
}

char *utf8_sanitize(const char *s, size_t n)
{
    struct sbuf b = SBUF_INIT;
    size_t off = 0;

    sbuf_grow(&b, n);
    while (off < n) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s + off,
                                              (utf8proc_ssize_t)(n - off), &cp);
        if (k <= 0 || cp < 0) {
            sbuf_add(&b, "\xEF\xBF\xBD", 3);
            off++;
        } else if (cp == 0) {
            off += (size_t)k;          /* NUL bytes never enter our strings */
        } else {
            sbuf_add(&b, s + off, (size_t)k);
            off += (size_t)k;
        }
    }
    return sbuf_detach(&b);
}

char *utf8_nfc(const char *s)
{
    char *clean = utf8_sanitize(s, strlen(s));
    utf8proc_uint8_t *out = utf8proc_NFC((const utf8proc_uint8_t *)clean);
    free(clean);
    if (!out)
        return xstrdup("");
    return (char *)out;
}

int utf8_next(const char **p)
{
    utf8proc_int32_t cp;
    utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)*p, -1, &cp);
    if (k <= 0) {
        (*p)++;
        return -1;
    }
    *p += k;
    return cp;
}

void utf8_put(struct sbuf *b, int cp)
{
    utf8proc_uint8_t tmp[4];
    utf8proc_ssize_t k = utf8proc_encode_char(cp, tmp);
    if (k > 0)
        sbuf_add(b, tmp, (size_t)k);
}

char *utf8_fold(const char *s)
{
    utf8proc_uint8_t *dec = NULL;
    struct sbuf b = SBUF_INIT;
    char *clean = utf8_sanitize(s, strlen(s));
    int space = 1;

    /* Decompose, drop combining marks, lower-case. */
    utf8proc_map((const utf8proc_uint8_t *)clean, 0, &dec,
                 UTF8PROC_NULLTERM | UTF8PROC_DECOMPOSE | UTF8PROC_STRIPMARK |
                 UTF8PROC_CASEFOLD | UTF8PROC_COMPAT);
    free(clean);
    if (!dec)
        return xstrdup("");
    for (const char *p = (const char *)dec; *p;) {
        int cp = utf8_next(&p);
        if (cp < 0)
            continue;
        if (cp == 0x0111 || cp == 0x0110 || cp == 0x00D0 || cp == 0x00F0)
            cp = 'd';
        if (utf8proc_category(cp) == UTF8PROC_CATEGORY_ZS || cp == '\t' || cp == '\n' || cp == '\r') {
            if (!space)
                sbuf_putc(&b, ' ');
            space = 1;
            continue;
        }
        space = 0;
        utf8_put(&b, cp);
    }
    free(dec);
    while (b.len && b.s[b.len - 1] == ' ')
        b.s[--b.len] = '\0';
    return sbuf_detach(&b);
}

char *utf8_upper(const char *s)
{
    struct sbuf b = SBUF_INIT;
    char *nfc = utf8_nfc(s);
    for (const char *p = nfc; *p;) {
        int cp = utf8_next(&p);
        if (cp >= 0)
            utf8_put(&b, utf8proc_toupper(cp));
    }
    free(nfc);
    return sbuf_detach(&b);
}

static bool is_space_at(const char *p, size_t *len)
{
    unsigned char c = (unsigned char)*p;
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
        *len = 1;
        return true;
    }
    if (c == 0xC2 && (unsigned char)p[1] == 0xA0) {          /* U+00A0 */
        *len = 2;
        return true;
    }
    if (c == 0xE2 && (unsigned char)p[1] == 0x80 &&
        ((unsigned char)p[2] >= 0x80 && (unsigned char)p[2] <= 0x8A)) {  /* U+2000..200A */
        *len = 3;
        return true;
    }
    return false;
}

char *str_trim(char *s)
{
    size_t k, start = 0, n = strlen(s);
    while (start < n && is_space_at(s + start, &k))
        start += k;
    memmove(s, s + start, n - start + 1);
    n -= start;
    while (n > 0) {
        /* step back over one (possibly multibyte) space */
        if (is_space_at(s + n - 1, &k) && k == 1) { s[--n] = '\0'; continue; }
        if (n >= 2 && is_space_at(s + n - 2, &k) && k == 2) { n -= 2; s[n] = '\0'; continue; }
        if (n >= 3 && is_space_at(s + n - 3, &k) && k == 3) { n -= 3; s[n] = '\0'; continue; }
        break;
    }
    return s;
}

char *str_squash(char *s)
{
    size_t i = 0, o = 0, k;
    int sp = 0;
    while (s[i]) {
        if (is_space_at(s + i, &k)) {
            sp = 1;
            i += k;
            continue;
        }
        if (sp && o > 0)
            s[o++] = ' ';
        sp = 0;
        s[o++] = s[i++];
    }
    s[o] = '\0';
    return s;
}

bool str_starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool str_ends(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && memcmp(s + a - b, suffix, b) == 0;
}
