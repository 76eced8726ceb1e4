#include "common/err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void err_init(struct err *e)
{
    e->kind = ERR_NONE;
    e->msg[0] = '\0';
    e->hint[0] = '\0';
}

/* Newlines would break one-line logs and the clerk's error column. */
static void flatten(char *s)
{
    for (; *s; s++)
        if (*s == '\n' || *s == '\r' || *s == '\t')
            *s = ' ';
}

void err_set(struct err *e, enum err_kind k, const char *fmt, ...)
{
    va_list ap;

    if (!e)
        return;
    e->kind = k;
    e->hint[0] = '\0';
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    flatten(e->msg);
}

void err_hint(struct err *e, const char *fmt, ...)
{
    va_list ap;

    if (!e)
        return;
    va_start(ap, fmt);
    vsnprintf(e->hint, sizeof e->hint, fmt, ap);
    va_end(ap);
    flatten(e->hint);
}

void err_prefix(struct err *e, const char *fmt, ...)
{
    char pre[256], old[sizeof e->msg];
    va_list ap;

    if (!e)
        return;
    va_start(ap, fmt);
    vsnprintf(pre, sizeof pre, fmt, ap);
    va_end(ap);
    memcpy(old, e->msg, sizeof old);
    snprintf(e->msg, sizeof e->msg, "%s: %s", pre, old);
    flatten(e->msg);
}

void err_errno(struct err *e, const char *what, const char *path)
{
    int saved = errno;

    if (path)
        err_set(e, ERR_IO, "could not %s \"%s\": %s", what, path, strerror(saved));
    else
        err_set(e, ERR_IO, "could not %s: %s", what, strerror(saved));
    errno = saved;
}

const char *err_text(const struct err *e, char *buf, size_t n)
{
    if (e->hint[0])
        snprintf(buf, n, "%s. %s", e->msg, e->hint);
    else
        snprintf(buf, n, "%s", e->msg);
    return buf;
}

void err_print(const struct err *e)
{
    fprintf(stderr, "ancong: error: %s\n", e->msg[0] ? e->msg : "unknown error");
    if (e->hint[0])
        fprintf(stderr, "hint: %s\n", e->hint);
}

const char *err_kind_name(enum err_kind k)
{
    switch (k) {
    case ERR_NONE:     return "none";
    case ERR_USAGE:    return "usage";
    case ERR_INPUT:    return "input";
    case ERR_LIMIT:    return "limit";
    case ERR_IO:       return "io";
    case ERR_DB:       return "db";
    case ERR_TOKEN:    return "token";
    case ERR_NET:      return "net";
    case ERR_INTERNAL: return "internal";
    }
    return "unknown";
}

int err_is_set(const struct err *e)
{
    return e && e->kind != ERR_NONE;
}
