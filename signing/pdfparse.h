/*
 * signing/pdfparse.h: a PDF reader just large enough for incremental updates
 * and for checking signatures.
 *
 * It reads a file held in memory (sig_pdf_open never copies the buffer; the
 * caller keeps it alive): the last startxref, xref tables and xref streams
 * (PDF 1.5, hybrid files, /Prev chains, loop-safe), the trailer, objects
 * (also inside object streams), the catalog and the page tree (loop-safe).
 * Hostile input gives an error, never a crash or an endless loop: nesting
 * depth, section counts, decompressed sizes and walk lengths are bounded.
 *
 * Objects are plain trees (struct sig_obj) the caller frees with
 * sig_obj_free().  Dictionaries keep their keys in order.
 */
#ifndef ANCONG_SIGNING_PDFPARSE_H
#define ANCONG_SIGNING_PDFPARSE_H

#include <stdbool.h>
#include <stddef.h>
#include "common/err.h"
#include "common/str.h"

enum sig_obj_type {
    SO_NULL, SO_BOOL, SO_INT, SO_REAL, SO_STR, SO_NAME, SO_ARRAY, SO_DICT, SO_REF, SO_STREAM,
};

struct sig_obj {
    enum sig_obj_type t;
    long long i;              /* SO_INT, SO_BOOL; SO_REF: object number */
    int gen;                  /* SO_REF: generation */
    double r;                 /* SO_REAL */
    char *s;                  /* SO_STR bytes, SO_NAME without '/' (NUL-terminated too) */
    size_t slen;
    /* SO_ARRAY: n items.  SO_DICT / SO_STREAM: n values with keys[k]. */
    struct sig_obj **items;
    char **keys;
    int n, cap;
    size_t data_off, data_len; /* SO_STREAM: raw (encoded) data in the file */
};

struct sig_xent {
    unsigned char type;       /* 0 free/absent, 1 at offset, 2 in object stream */
    int gen;                  /* type 1: generation; type 2: index in the stream */
    long long off;            /* type 1: byte offset; type 2: stream's object number */
};

struct sig_pdf {
    const unsigned char *buf;
    size_t len;
    struct sig_xent *x;       /* indexed by object number */
    int nx;
    int size;                 /* the newest trailer's /Size (at least nx) */
    long long startxref;      /* offset of the newest xref section */
    bool xref_stream;         /* newest section is an xref stream */
    bool encrypted;
    struct sig_obj *trailer;  /* newest trailer dictionary (stream dict for xref streams) */
    int root_num, root_gen;
    double version;           /* from the header, e.g. 1.4 */
    /* one decompressed object stream cached */
    int ostm_num;
    unsigned char *ostm_data;
    size_t ostm_len;
    int ostm_first, ostm_n;
};

/* Parse the xref chain of buf[0..len).  0 ok, -1 error (e says why). */
int  sig_pdf_open(struct sig_pdf *d, const unsigned char *buf, size_t len, struct err *e);
void sig_pdf_close(struct sig_pdf *d);

/* Load object num (generation ignored except for checks).  Returns a new tree
 * (caller frees with sig_obj_free), or NULL with e set.  A free or absent
 * object gives an SO_NULL object, as the PDF rules say. */
struct sig_obj *sig_pdf_get(struct sig_pdf *d, int num, struct err *e);
/* If o is a reference, load it (caller frees *tmp, which may be NULL); else o. */
const struct sig_obj *sig_pdf_resolve(struct sig_pdf *d, const struct sig_obj *o,
                                      struct sig_obj **tmp, struct err *e);
/* Decoded stream data (FlateDecode with PNG predictors, or none).  *out is
 * malloc'd, caller frees.  max bounds the output.  0 ok, -1 error. */
int  sig_pdf_stream(struct sig_pdf *d, const struct sig_obj *stm, size_t max,
                    unsigned char **out, size_t *outlen, struct err *e);

/* Object number of page `index` (0-based) and the page count, walking the
 * page tree from the catalog (loop-safe).  0 ok, -1 error. */
int  sig_pdf_page(struct sig_pdf *d, int index, int *num, int *npages, struct err *e);

/* Dictionary lookup (NULL if absent). */
const struct sig_obj *sig_obj_get(const struct sig_obj *dict, const char *key);
bool sig_obj_is_name(const struct sig_obj *o, const char *name);
/* Build objects (these abort on allocation failure, like sbuf). */
struct sig_obj *sig_obj_new(enum sig_obj_type t);
struct sig_obj *sig_obj_int(long long v);
struct sig_obj *sig_obj_name(const char *name);
struct sig_obj *sig_obj_ref(int num, int gen);
struct sig_obj *sig_obj_str(const void *s, size_t n);
struct sig_obj *sig_obj_clone(const struct sig_obj *o);
/* Set (replace) or add dict[key] = v (takes ownership of v). */
void sig_obj_set(struct sig_obj *dict, const char *key, struct sig_obj *v);
void sig_obj_del(struct sig_obj *dict, const char *key);
void sig_obj_push(struct sig_obj *arr, struct sig_obj *v);
void sig_obj_free(struct sig_obj *o);
/* Serialise (streams: the dictionary only).  Strings are written in hex. */
void sig_obj_write(struct sbuf *b, const struct sig_obj *o);
/* Parse one object from a buffer (for tests and small inputs). */
struct sig_obj *sig_obj_parse(const unsigned char *p, size_t len, struct err *e);

#endif
