/* Unit tests for backfill/: manifest parsing and archive entry path checks. */
#include <stdlib.h>
#include <string.h>

#include "backfill/backfill.h"
#include "backfill/manifest.h"
#include "tests/unit/t.h"

static void test_manifest(void)
{
    struct manifest m;
    struct err e;
    const char csv[] = "\xEF\xBB\xBF" "Tệp,Mã vụ việc,Đơn vị,Loại\r\n"
                       "hs01/a.pdf,06/2026/DSCI,ha_noi,kien_nghi\r\n"
                       "\"hs01/b, c.tif\",\"07/2026/DSCI\",,\r\n"
                       "\r\n"
                       "x.png,,da_nang,\n";
    err_init(&e);
    T_CHECK(mf_parse(csv, sizeof csv - 1, &m, &e) == 0, "manifest with BOM, Vietnamese headers and quotes parses (%s)", e.msg);
    T_CHECK(m.nrows == 3, "three rows, blank line ignored (got %d)", m.nrows);
    if (m.nrows == 3) {
        T_STREQ(m.rows[0].case_code, "06/2026/DSCI", "case code column recognised by its Vietnamese name");
        T_STREQ(m.rows[1].file, "hs01/b, c.tif", "quoted file name with a comma");
        T_CHECK(m.rows[1].unit == NULL, "empty unit is NULL");
        T_STREQ(m.rows[2].unit, "da_nang", "unit column");
        T_CHECK(mf_find(&m, "hs01/a.pdf") == &m.rows[0], "exact path match");
        T_CHECK(mf_find(&m, "archive/hs01/a.pdf") == &m.rows[0], "match by path suffix inside an archive");
        T_CHECK(mf_find(&m, "other/x.png") == &m.rows[2], "match by unique base name");
        T_CHECK(mf_find(&m, "nothing.pdf") == NULL, "no row for an unknown file");
    }
    mf_release(&m);

    const char semi[] = "file;case_code\na.pdf;01/2026/DSCI\n";
    err_init(&e);
    T_CHECK(mf_parse(semi, sizeof semi - 1, &m, &e) == 0 && m.nrows == 1 && m.rows[0].case_code &&
            strcmp(m.rows[0].case_code, "01/2026/DSCI") == 0, "semicolon-separated manifest (Excel in Vietnamese locale)");
    mf_release(&m);

    const char nofile[] = "name,case\na,b\n";
    err_init(&e);
    T_CHECK(mf_parse(nofile, sizeof nofile - 1, &m, &e) == -1 && strstr(e.msg, "no file column"),
            "a manifest without a file column is refused: %s", e.msg);
    const char badq[] = "file\n\"open\n";
    err_init(&e);
    T_CHECK(mf_parse(badq, sizeof badq - 1, &m, &e) == -1 && strstr(e.msg, "line"),
            "an unclosed quote names the line: %s", e.msg);
    const char latin1[] = "file\nh\xe9.pdf\n";
    err_init(&e);
    T_CHECK(mf_parse(latin1, sizeof latin1 - 1, &m, &e) == -1 && strstr(e.msg, "UTF-8"),
            "a non-UTF-8 manifest is refused with a hint: %s", e.msg);
}

static void test_paths(void)
{
    T_CHECK(bf_entry_path_problem("hs/a.pdf") == NULL, "plain relative path is safe");
    T_CHECK(bf_entry_path_problem("a..b/c.pdf") == NULL, "dots inside a name are fine");
    T_CHECK(bf_entry_path_problem("../evil.pdf") != NULL, "leading .. refused");
    T_CHECK(bf_entry_path_problem("a/../../evil.pdf") != NULL, "inner .. refused");
    T_CHECK(bf_entry_path_problem("a\\..\\evil.pdf") != NULL, "backslash .. refused");
    T_CHECK(bf_entry_path_problem("/etc/passwd") != NULL, "absolute path refused");
    T_CHECK(bf_entry_path_problem("C:/x.pdf") != NULL, "drive letter refused");
    T_CHECK(bf_entry_path_problem("") != NULL, "empty name refused");
}

int main(void)
{
    test_manifest();
    test_paths();
    return t_done();
}
