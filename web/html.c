/*
 * web/html.c: HTML escaping and the page frame.
 *
 * Everything that did not come from this file's own literals goes through
 * html_esc(): OCR text, file names, field values, user and unit names.  It
 * escapes the five characters that matter in text and in quoted attributes,
 * and turns invalid UTF-8 into U+FFFD first.
 */
#include "web/web_int.h"

#include <stdlib.h>
#include <string.h>

void html_escn(struct sbuf *b, const char *s, size_t n)
{
    if (!s)
        return;
    char *clean = utf8_sanitize(s, n);
    for (const char *p = clean; *p; p++) {
        switch (*p) {
        case '&': sbuf_puts(b, "&amp;"); break;
        case '<': sbuf_puts(b, "&lt;"); break;
        case '>': sbuf_puts(b, "&gt;"); break;
        case '"': sbuf_puts(b, "&quot;"); break;
        case '\'': sbuf_puts(b, "&#39;"); break;
        default: sbuf_putc(b, *p);
        }
    }
    free(clean);
}

void html_esc(struct sbuf *b, const char *s)
{
    if (s)
        html_escn(b, s, strlen(s));
}

void html_begin(struct sbuf *b, struct web_req *r, const char *title, const char *bodyclass)
{
    sbuf_puts(b, "<!DOCTYPE html>\n<html lang=\"vi\"><head><meta charset=\"utf-8\">"
                 "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                 "<title>");
    html_esc(b, title);
    sbuf_puts(b, " · ancong</title><link rel=\"stylesheet\" href=\"/static/app.css\">");
    if (r && r->authed)
        sbuf_printf(b, "<meta name=\"csrf-token\" content=\"%s\">", r->csrf);
    sbuf_puts(b, "</head><body class=\"");
    html_esc(b, bodyclass ? bodyclass : "");
    sbuf_puts(b, "\"><header class=\"top\"><a class=\"brand\" href=\"/queue\">ancong · Số hóa hồ sơ</a>");
    if (r && r->authed) {
        sbuf_puts(b, "<nav><a href=\"/queue\">Hàng đợi duyệt</a><a href=\"/cases\">Vụ việc</a>"
                     "<a href=\"/stats\">Thống kê</a><a href=\"/search\">Tìm kiếm</a></nav>"
                     "<form method=\"get\" action=\"/search\" class=\"topsearch\" role=\"search\">"
                     "<input name=\"q\" placeholder=\"Tìm trong hồ sơ…\" aria-label=\"Tìm kiếm\" tabindex=\"-1\"></form>"
                     "<div class=\"who\"><span id=\"who\">");
        html_esc(b, r->user.full_name[0] ? r->user.full_name : r->user.username);
        sbuf_puts(b, "</span> · <span>");
        html_esc(b, role_vi(r->user.role));
        sbuf_puts(b, "</span> · <span id=\"unit\">");
        html_esc(b, r->user.unit_name);
        sbuf_printf(b, "</span><form method=\"post\" action=\"/logout\" class=\"inline\">"
                       "<input type=\"hidden\" name=\"csrf\" value=\"%s\">"
                       "<button type=\"submit\" class=\"link\">Đăng xuất</button></form></div>",
                    r->csrf);
    }
    sbuf_puts(b, "</header><main>");
}

void html_end(struct sbuf *b, const char *script)
{
    sbuf_puts(b, "</main>");
    if (script)
        sbuf_printf(b, "<script src=\"%s\"></script>", script);
    sbuf_puts(b, "</body></html>\n");
}

void html_error_page(struct web_resp *p, struct web_req *r, int status, const char *msg_vi)
{
    p->status = status;
    p->ctype = "text/html; charset=utf-8";
    sbuf_reset(&p->body);
    html_begin(&p->body, r, "Lỗi", "error");
    sbuf_printf(&p->body, "<section class=\"error\"><h1>Lỗi %d</h1><p id=\"error-message\">", status);
    html_esc(&p->body, msg_vi);
    sbuf_puts(&p->body, "</p><p><a href=\"/queue\">Về hàng đợi duyệt</a></p></section>");
    html_end(&p->body, NULL);
}

static const char *const labels[][2] = {
    {"so_van_ban", "Số văn bản"},
    {"ngay_ban_hanh", "Ngày ban hành"},
    {"co_quan_ban_hanh", "Cơ quan ban hành"},
    {"tinh", "Tỉnh/thành phố"},
    {"nguoi_ky", "Người ký"},
    {"chuc_vu_nguoi_ky", "Chức vụ người ký"},
    {"quyen_han_ky", "Quyền hạn ký"},
    {"trich_yeu", "Trích yếu"},
    {"ma_vu_viec", "Mã vụ việc"},
    {"nguyen_don", "Nguyên đơn"},
    {"bi_don", "Bị đơn"},
    {"doi_tuong_kien_nghi", "Đối tượng kiến nghị"},
    {"linh_vuc", "Lĩnh vực"},
};

const char *field_label_vi(const char *name)
{
    for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++)
        if (strcmp(labels[i][0], name) == 0)
            return labels[i][1];
    return name;
}

const char *status_vi(const char *status)
{
    if (!status) return "";
    if (strcmp(status, "needs_review") == 0) return "Chờ duyệt";
    if (strcmp(status, "approved") == 0) return "Đã duyệt";
    if (strcmp(status, "indexed") == 0) return "Đã lập chỉ mục";
    if (strcmp(status, "failed") == 0) return "Lỗi";
    if (strcmp(status, "signed") == 0) return "Đã ký số";
    return status;
}

const char *role_vi(const char *role)
{
    static const char *const r[][2] = {
        {"leader", "Lãnh đạo"}, {"procurator", "Kiểm sát viên"}, {"inspector", "Kiểm tra viên"},
        {"specialist", "Chuyên viên"}, {"reviewer", "Người duyệt"}, {"operator", "Người vận hành"},
        {"admin", "Quản trị"},
    };
    for (size_t i = 0; i < sizeof r / sizeof r[0]; i++)
        if (strcmp(r[i][0], role) == 0)
            return r[i][1];
    return role;
}
