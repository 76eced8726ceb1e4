/*
 * common/json.h: a small streaming JSON writer into a struct sbuf.
 *
 * The writer tracks commas itself: json_key() then a value, or values inside
 * an array.  Strings are written as valid UTF-8 (invalid bytes become U+FFFD)
 * with control characters escaped, and "<", ">" and "&" escaped as \u003c...
 * so JSON embedded in HTML cannot close a <script> element.
 */
#ifndef ANCONG_JSON_H
#define ANCONG_JSON_H

#include <stdbool.h>
#include "common/str.h"

#define JSON_MAX_DEPTH 32

struct json {
    struct sbuf *out;
    int depth;
    bool first[JSON_MAX_DEPTH];
    bool after_key;
    bool pretty;
};

void json_init(struct json *j, struct sbuf *out, bool pretty);
void json_obj_begin(struct json *j);
void json_obj_end(struct json *j);
void json_arr_begin(struct json *j);
void json_arr_end(struct json *j);
void json_key(struct json *j, const char *k);
void json_str(struct json *j, const char *s);        /* NULL writes null */
void json_strn(struct json *j, const char *s, size_t n);
void json_int(struct json *j, long long v);
void json_num(struct json *j, double v, int decimals);
void json_bool(struct json *j, bool v);
void json_null(struct json *j);
/* Append raw, already valid JSON as one value. */
void json_raw(struct json *j, const char *raw);

/* Escape s as a JSON string literal (with quotes) onto b. */
void json_escape(struct sbuf *b, const char *s, size_t n);

#endif
