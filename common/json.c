#include "common/json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void json_init(struct json *j, struct sbuf *out, bool pretty)
{
    memset(j, 0, sizeof *j);
    j->out = out;
    j->pretty = pretty;
    j->first[0] = true;
}

static void indent(struct json *j)
{
    if (!j->pretty)
        return;
    sbuf_putc(j->out, '\n');
    for (int i = 0; i < j->depth; i++)
        sbuf_puts(j->out, "  ");
}

/* Before any value: a comma if needed, unless it follows a key. */
static void pre_value(struct json *j)
{
    if (j->after_key) {
        j->after_key = false;
        return;
    }
    if (j->depth > 0) {
        if (!j->first[j->depth])
            sbuf_putc(j->out, ',');
        indent(j);
    }
    j->first[j->depth] = false;
}

static void open(struct json *j, char c)
{
    pre_value(j);
    sbuf_putc(j->out, c);
    if (j->depth + 1 < JSON_MAX_DEPTH)
        j->depth++;
    j->first[j->depth] = true;
}

static void close_(struct json *j, char c)
{
    bool empty = j->first[j->depth];
    if (j->depth > 0)
        j->depth--;
    if (!empty)
        indent(j);
    sbuf_putc(j->out, c);
}

void json_obj_begin(struct json *j) { open(j, '{'); }
void json_obj_end(struct json *j) { close_(j, '}'); }
void json_arr_begin(struct json *j) { open(j, '['); }
void json_arr_end(struct json *j) { close_(j, ']'); }

void json_escape(struct sbuf *b, const char *s, size_t n)
{
    char *clean = utf8_sanitize(s, n);
    sbuf_putc(b, '"');
    for (const unsigned char *p = (const unsigned char *)clean; *p; p++) {
        switch (*p) {
        case '"':  sbuf_puts(b, "\\\""); break;
        case '\\': sbuf_puts(b, "\\\\"); break;
        case '\n': sbuf_puts(b, "\\n"); break;
        case '\r': sbuf_puts(b, "\\r"); break;
        case '\t': sbuf_puts(b, "\\t"); break;
        case '<':  sbuf_puts(b, "\\u003c"); break;
        case '>':  sbuf_puts(b, "\\u003e"); break;
        case '&':  sbuf_puts(b, "\\u0026"); break;
        default:
            if (*p < 0x20)
                sbuf_printf(b, "\\u%04x", *p);
            else
                sbuf_putc(b, (char)*p);
        }
    }
    sbuf_putc(b, '"');
    free(clean);
}

void json_key(struct json *j, const char *k)
{
    pre_value(j);
    json_escape(j->out, k, strlen(k));
    sbuf_puts(j->out, j->pretty ? ": " : ":");
    j->after_key = true;
}

void json_str(struct json *j, const char *s)
{
    if (!s) {
        json_null(j);
        return;
    }
    json_strn(j, s, strlen(s));
}

void json_strn(struct json *j, const char *s, size_t n)
{
    pre_value(j);
    json_escape(j->out, s, n);
}

void json_int(struct json *j, long long v)
{
    pre_value(j);
    sbuf_printf(j->out, "%lld", v);
}

void json_num(struct json *j, double v, int decimals)
{
    pre_value(j);
    if (!isfinite(v))
        sbuf_puts(j->out, "null");
    else
        sbuf_printf(j->out, "%.*f", decimals, v);
}

void json_bool(struct json *j, bool v)
{
    pre_value(j);
    sbuf_puts(j->out, v ? "true" : "false");
}

void json_null(struct json *j)
{
    pre_value(j);
    sbuf_puts(j->out, "null");
}

void json_raw(struct json *j, const char *raw)
{
    pre_value(j);
    sbuf_puts(j->out, raw);
}
