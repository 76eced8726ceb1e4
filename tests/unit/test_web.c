/* tests/unit/test_web.c: the pure parts of web/ (escaping, ids, roles,
 * passwords, embedded static files).  The HTTP, session and database paths
 * are tested in a real browser: tests/browser/. */
#include "tests/unit/t.h"

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

    int css = 0, js = 0;
    for (int i = 0; i < web_static_count; i++) {
        if (strcmp(web_static_files[i].name, "app.css") == 0 && web_static_files[i].len > 100) css = 1;
        if (strcmp(web_static_files[i].name, "review.js") == 0 &&
            strstr((const char *)web_static_files[i].data, "X-CSRF-Token")) js = 1;
    }
    T_CHECK(css && js, "static files are embedded in the binary");
    return t_done();
}
