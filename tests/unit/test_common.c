/* Unit tests for common/: strings, UTF-8, JSON, config. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cfg.h"
#include "common/err.h"
#include "common/hash.h"
#include "common/json.h"
#include "common/str.h"
#include "tests/unit/t.h"

static void test_utf8(void)
{
    /* "Quyết" decomposed (NFD: e + circumflex + acute) must compose to NFC. */
    char *n = utf8_nfc("Quy\x65\xCC\x82\xCC\x81t");
    T_STREQ(n, "Quyết", "NFC composes decomposed Vietnamese");
    free(n);

    char *f = utf8_fold("Quyết định KHỞI KIỆN  Đà Nẵng");
    T_STREQ(f, "quyet dinh khoi kien da nang", "fold strips diacritics, lower-cases, d-bar to d");
    free(f);

    char *s = utf8_sanitize("a\xff" "b", 3);
    T_STREQ(s, "a\xEF\xBF\xBD" "b", "invalid byte becomes U+FFFD");
    free(s);
    T_CHECK(!utf8_valid("\xC3", 1), "truncated sequence is invalid");

    char *u = utf8_upper("viện kiểm sát đà nẵng");
    T_STREQ(u, "VIỆN KIỂM SÁT ĐÀ NẴNG", "upper case of Vietnamese");
    free(u);

    char sq[] = "  Số:\t 12 /QĐ  ";
    T_STREQ(str_squash(sq), "Số: 12 /QĐ", "squash folds and trims whitespace");
}

static void test_json(void)
{
    struct sbuf b = SBUF_INIT;
    struct json j;
    json_init(&j, &b, false);
    json_obj_begin(&j);
    json_key(&j, "a");
    json_str(&j, "x\"<script>\n");
    json_key(&j, "n");
    json_arr_begin(&j);
    json_int(&j, 1);
    json_num(&j, 0.5, 2);
    json_null(&j);
    json_arr_end(&j);
    json_obj_end(&j);
    T_STREQ(sbuf_cstr(&b), "{\"a\":\"x\\\"\\u003cscript\\u003e\\n\",\"n\":[1,0.50,null]}",
            "JSON writer escapes and places commas");
    sbuf_release(&b);
}

static void test_hash(void)
{
    char hex[HASH_HEX_LEN + 1];
    hash_buf("abc", 3, hex);
    T_STREQ(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "sha256 of abc");
}

static void test_cfg(void)
{
    struct cfg c;
    struct err e;
    char path[] = "/tmp/ancong-cfg-XXXXXX";
    int fd = mkstemp(path);
    const char *text = "# comment\nworkers = 3\nwatch.rescan_s = 0\n";
    if (write(fd, text, strlen(text)) < 0) { /* checked by the load below */ }
    close(fd);
    err_init(&e);
    int rc = cfg_load(&c, path, &e);
    T_CHECK(rc == -1, "out-of-range value is refused");
    T_CHECK(strstr(e.msg, ":3:") != NULL, "error names the line: %s", e.msg);
    unlink(path);

    err_init(&e);
    T_CHECK(cfg_load(&c, NULL, &e) == 0, "defaults load");
    T_CHECK(cfg_set(&c, "review.threshold", "0.9", &e) == 0 && c.review_threshold > 0.89,
            "cfg_set parses a double");
    T_CHECK(cfg_set(&c, "no.such", "1", &e) == -1, "unknown setting refused");
}

int main(void)
{
    test_utf8();
    test_json();
    test_hash();
    test_cfg();
    return t_done();
}
