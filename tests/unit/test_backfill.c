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

static void test_manifest_meta(void)
{
    struct manifest m;
    struct err e;
    const char csv[] = "tệp,Mã vụ việc,Mã hồ sơ,Tiêu đề hồ sơ,Thời hạn bảo quản,record_code,Số tờ,,Ghi chú\n"
                       "a.pdf,01/2026/DSCI,HS-01,\"Hồ sơ \"\"vụ\"\" A\",Vĩnh viễn,R-9,12,x,\n"
                       "b.pdf,02/2026/DSCI,,,,,,,\n"
                       "c.pdf\n";
    char *k;

    err_init(&e);
    T_CHECK(mf_parse(csv, sizeof csv - 1, &m, &e) == 0, "manifest with archival columns parses (%s)", e.msg);
    T_CHECK(m.nmeta == 7, "seven metadata columns (got %d)", m.nmeta);
    if (m.nmeta == 7) {
        T_STREQ(m.meta_keys[0], "ma_ho_so", "\"Mã hồ sơ\" is folded to ma_ho_so");
        T_STREQ(m.meta_keys[1], "tieu_de_ho_so", "\"Tiêu đề hồ sơ\" is folded to tieu_de_ho_so");
        T_STREQ(m.meta_keys[2], "thoi_han_bao_quan", "retention column key");
        T_STREQ(m.meta_keys[3], "column_6", "record_code (= ma_ho_so, already used) keeps its value under its column number");
        T_STREQ(m.meta_keys[5], "column_8", "a column without a name gets its number");
    }
    T_CHECK(m.nrows == 3, "three rows (got %d)", m.nrows);
    if (m.nrows == 3) {
        T_STREQ(m.rows[0].case_code, "01/2026/DSCI", "case code still recognised beside metadata");
        T_STREQ(m.rows[0].meta,
                "{\"ma_ho_so\":\"HS-01\",\"tieu_de_ho_so\":\"Hồ sơ \\\"vụ\\\" A\",\"thoi_han_bao_quan\":\"Vĩnh viễn\","
                "\"column_6\":\"R-9\",\"so_to\":\"12\",\"column_8\":\"x\"}",
                "a row's non-empty archival values as one JSON object, in column order");
        T_CHECK(m.rows[1].meta == NULL, "a row with every metadata cell empty has none");
        T_CHECK(m.rows[2].meta == NULL, "a short row has none");
    }
    mf_release(&m);

    k = mf_meta_key("Record code");
    T_STREQ(k, "ma_ho_so", "English \"Record code\" shares the key of \"Mã hồ sơ\"");
    free(k);
    k = mf_meta_key(" Tình trạng vật lý ");
    T_STREQ(k, "tinh_trang_vat_ly", "physical condition");
    free(k);
    k = mf_meta_key("Access level");
    T_STREQ(k, "che_do_su_dung", "access level");
    free(k);
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
    test_manifest_meta();
    test_paths();
    return t_done();
}
