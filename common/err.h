/*
 * common/err.h: errors that tell the user what to do.
 *
 * A struct err carries a primary message (short, lower case, no final period,
 * names quoted, the reason given) and an optional hint (a full sentence saying
 * what to do).  Library code fills one in and returns -1; only the cmd_ layer
 * prints it and chooses an exit code.  A failed document stores err_text() in
 * its "error" field, for a clerk.
 */
#ifndef ANCONG_ERR_H
#define ANCONG_ERR_H

#include <stddef.h>

enum err_kind {
    ERR_NONE = 0,
    ERR_USAGE,     /* bad command line or configuration */
    ERR_INPUT,     /* the file itself is bad: retrying will not help */
    ERR_LIMIT,     /* the file exceeds a configured limit */
    ERR_IO,        /* disk or OS trouble: a retry may work */
    ERR_DB,        /* database trouble: a retry may work */
    ERR_TOKEN,     /* PKCS#11 token trouble */
    ERR_NET,       /* network peer (TSA) trouble */
    ERR_INTERNAL,  /* a bug or resource exhaustion */
};

struct err {
    enum err_kind kind;
    char msg[768];
    char hint[384];
};

void err_init(struct err *e);
/* Set the primary message (printf format); replaces any earlier one. */
void err_set(struct err *e, enum err_kind k, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Set the hint: what the user should do. */
void err_hint(struct err *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Prefix the primary message with context ("page 3: ..."). */
void err_prefix(struct err *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* errno-based shortcut: "could not <what> "path": strerror". */
void err_errno(struct err *e, const char *what, const char *path);
/* Message and hint as one line ("msg. hint"), for storing with a document. */
const char *err_text(const struct err *e, char *buf, size_t n);
/* Print "ancong: error: msg" and "hint: ..." to stderr. */
void err_print(const struct err *e);
const char *err_kind_name(enum err_kind k);
int err_is_set(const struct err *e);

#endif
