/* tests/unit/test_web.c: the pure parts of web/ (escaping, ids, roles,
 * passwords, embedded static files).  The HTTP, session and database paths
 * are tested in a real browser: tests/browser/. */
#include "tests/unit/t.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/str.h"
#include "web/web.h"
#include "web/web_int.h"

static char *esc(const char *s)
{
    struct sbuf b = SBUF_INIT;
    html_esc(&b, s);
    return sbuf_detach(&b);
}

int main(void)
{
    char *e = esc("<script>alert('x')</script> & \"q\"");
    T_STREQ(e, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;", "html_esc escapes < > & \" '");
    free(e);
    e = esc("Viện kiểm sát \xff\xfe nhân dân");
    T_STREQ(e, "Viện kiểm sát \xEF\xBF\xBD\xEF\xBF\xBD nhân dân", "html_esc keeps Vietnamese and replaces invalid UTF-8");
    free(e);
    e = esc("");
    T_STREQ(e, "", "html_esc of an empty string");
    free(e);

    T_CHECK(web_parse_id("42") == 42, "id 42");
    T_CHECK(web_parse_id("0") == -1, "id 0 refused");
    T_CHECK(web_parse_id("-3") == -1, "negative id refused");
    T_CHECK(web_parse_id("1 OR 1=1") == -1, "id with SQL refused");
    T_CHECK(web_parse_id("99999999999999999999") == -1, "overlong id refused");
    T_CHECK(web_parse_id(NULL) == -1, "missing id refused");

    T_CHECK(web_role_valid("reviewer") && web_role_valid("admin"), "known roles");
    T_CHECK(!web_role_valid("root") && !web_role_valid(NULL), "unknown roles refused");

    struct err er;
    err_init(&er);
    T_CHECK(web_password_ok("ngắn", &er) < 0 && strstr(er.msg, "fewer than 10"), "short password refused with a reason");
    err_init(&er);
    T_CHECK(web_password_ok("mot-mat-khau-du-dai", &er) == 0, "long password accepted");

    T_STREQ(field_label_vi("so_van_ban"), "Số văn bản", "field label in Vietnamese");
    T_STREQ(status_vi("needs_review"), "Chờ duyệt", "status in Vietnamese");

    /* a reviewer's field values: dates to ISO, list values to ids, the rest refused */
    static const struct { const char *name, *in, *want; } good[] = {
        {"ngay_ban_hanh", "2026-04-28", "2026-04-28"},
        {"ngay_ban_hanh", "28/04/2026", "2026-04-28"},
        {"ngay_ban_hanh", "5/3/2026", "2026-03-05"},
        {"ngay_ban_hanh", " 28-04-2026 ", "2026-04-28"},
        {"ngay_ban_hanh", "28.04.2026", "2026-04-28"},
        {"ngay_ban_hanh", "ngày 05 tháng 3 năm 2026", "2026-03-05"},
        {"ngay_ban_hanh", "Hà Nội, ngày 05 tháng 3 năm 2026", "2026-03-05"},
        {"ngay_ban_hanh", "Ngày 5 Tháng 03 Năm 2026", "2026-03-05"},
        {"ngay_ban_hanh", "29/02/2024", "2024-02-29"},
        {"ngay_ban_hanh", "", ""},
        {"tinh", "ha_noi", "ha_noi"},
        {"tinh", "Hà Nội", "ha_noi"},
        {"tinh", "TP. Hồ Chí Minh", "ho_chi_minh"},
        {"tinh", "Thành phố Hồ Chí Minh", "ho_chi_minh"},
        {"tinh", "tỉnh Đắk Lắk", "dak_lak"},
        {"tinh", "Đăk Lăk", "dak_lak"},
        {"linh_vuc", "moi_truong", "moi_truong"},
        {"linh_vuc", "An toàn thực phẩm", "an_toan_thuc_pham"},
        {"linh_vuc", "di san van hoa", "di_san_van_hoa"},
        {"linh_vuc", "", ""},
        {"so_van_ban", "  07/KN-VKS-DS ", "07/KN-VKS-DS"},
        {"ma_vu_viec", "30/02/2026", "30/02/2026"},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        char msg[1024] = "";
        char *v = web_field_check(good[i].name, good[i].in, msg, sizeof msg);
        bool same = v && strcmp(v, good[i].want) == 0;
        T_CHECK(same, "%s \"%s\" is stored as \"%s\"", good[i].name, good[i].in, good[i].want);
        if (!same) printf("#   got %s / %s\n", v ? v : "(refused)", msg);
        free(v);
    }
    static const struct { const char *name, *in, *says; } bad[] = {
        {"ngay_ban_hanh", "30/02/2026", "tháng 2 năm 2026 có 28 ngày"},
        {"ngay_ban_hanh", "2026-02-30", "tháng 2 năm 2026 có 28 ngày"},
        {"ngay_ban_hanh", "29/02/2025", "có 28 ngày"},
        {"ngay_ban_hanh", "31/04/2026", "có 30 ngày"},
        {"ngay_ban_hanh", "28/13/2026", "không có tháng 13"},
        {"ngay_ban_hanh", "hôm qua", "Ngày không hợp lệ: «hôm qua»"},
        {"ngay_ban_hanh", "28/04/26", "Nhập theo dạng 28/04/2026"},
        {"ngay_ban_hanh", "28/04-2026", "28/04/2026"},
        {"ngay_ban_hanh", "2026-04-28x", "28/04/2026"},
        {"ngay_ban_hanh", "01/01/0026", "1900–2100"},
        {"tinh", "Hải Phòng", "ha_noi (Hà Nội)"},
        {"tinh", "ha_noi; DROP", "dak_lak (Đắk Lắk)"},
        {"linh_vuc", "giao thông", "moi_truong (Môi trường)"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char msg[1024] = "";
        char *v = web_field_check(bad[i].name, bad[i].in, msg, sizeof msg);
        bool said = strstr(msg, bad[i].says) != NULL;
        T_CHECK(!v && said && strstr(msg, "chưa được lưu"), "%s \"%s\" is refused, saying \"%s\"", bad[i].name,
                bad[i].in, bad[i].says);
        if (v || !said) printf("#   got %s / %s\n", v ? v : "(refused)", msg);
        free(v);
    }
    {
        char msg[200];
        char longv[600];
        memset(longv, 'x', sizeof longv - 1);
        longv[sizeof longv - 1] = 0;
        T_CHECK(!web_field_check("ngay_ban_hanh", longv, msg, sizeof msg) && strlen(msg) < sizeof msg,
                "a long refused value is cut in the message, which fits its buffer");
    }
    T_CHECK(web_field_choices("tinh") && web_field_choices("linh_vuc") && !web_field_choices("nguoi_ky"),
            "province and area take values from lists, a signer's name is free text");

    int css = 0, js = 0;
    for (int i = 0; i < web_static_count; i++) {
        if (strcmp(web_static_files[i].name, "app.css") == 0 && web_static_files[i].len > 100) css = 1;
        if (strcmp(web_static_files[i].name, "review.js") == 0 &&
            strstr((const char *)web_static_files[i].data, "X-CSRF-Token")) js = 1;
    }
    T_CHECK(css && js, "static files are embedded in the binary");
    return t_done();
}
