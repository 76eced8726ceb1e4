/*
 * common/str.h: growable strings and UTF-8 helpers.
 *
 * struct sbuf is a NUL-terminated growable buffer.  sbuf_init() makes an empty
 * one; sbuf_release() frees its contents; sbuf_detach() hands the malloc'd
 * string to the caller (caller frees with free()).  Allocation failure aborts
 * the process with a message: every caller would do the same, and a worker
 * child that dies is recorded by its parent.
 */
#ifndef ANCONG_STR_H
#define ANCONG_STR_H

#include <stdbool.h>
#include <stddef.h>

struct sbuf {
    char *s;
    size_t len, cap;
};

#define SBUF_INIT {NULL, 0, 0}

void  sbuf_init(struct sbuf *b);
void  sbuf_release(struct sbuf *b);
void  sbuf_reset(struct sbuf *b);                 /* len = 0, keeps memory */
void  sbuf_grow(struct sbuf *b, size_t extra);
void  sbuf_add(struct sbuf *b, const void *p, size_t n);
void  sbuf_puts(struct sbuf *b, const char *s);
void  sbuf_putc(struct sbuf *b, char c);
void  sbuf_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *sbuf_detach(struct sbuf *b);                /* caller frees; b is reset */
const char *sbuf_cstr(const struct sbuf *b);      /* never NULL */

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t m);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* UTF-8.  All return malloc'd strings (caller frees) unless noted. */
bool  utf8_valid(const char *s, size_t n);
/* Replace invalid sequences with U+FFFD; result is valid UTF-8. */
char *utf8_sanitize(const char *s, size_t n);
/* Unicode NFC of valid UTF-8 (sanitized first). */
char *utf8_nfc(const char *s);
/* Search key: NFC, lower case, diacritics removed, đ->d, runs of space folded. */
char *utf8_fold(const char *s);
/* Upper case (Vietnamese letters included), NFC. */
char *utf8_upper(const char *s);
/* Decode one code point at *p (advances *p); returns -1 on invalid. */
int   utf8_next(const char **p);
/* Append code point cp to b. */
void  utf8_put(struct sbuf *b, int cp);

/* Trim ASCII/Unicode spaces at both ends in place; returns s. */
char *str_trim(char *s);
/* Collapse runs of whitespace to one space and trim; in place. */
char *str_squash(char *s);
bool  str_starts(const char *s, const char *prefix);
bool  str_ends(const char *s, const char *suffix);

#endif
