/*
 * web/search.c: the search box (GET /search?q=...), over the case index of
 * cases/search.h: full text, diacritic-insensitive, limited to what the
 * user's unit may see, optionally one document type and a field containing
 * given words (?type=, ?field=, ?value=).  Every hit links to the review screen, which checks
 * the unit again.
 */
#include "web/web_int.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cases/search.h"
#include "common/log.h"
#include "pipeline/pipeline.h"

#define SEARCH_LIMIT 50

/* The filters offered (DOC_TYPES.md, FIELDS.md); anything else is ignored. */
static const char *const search_types[] = {
    "don_de_nghi", "bien_ban_tiep_nhan", "thong_bao_tiep_nhan", "quyet_dinh_phan_cong", "quyet_dinh_xac_minh",
    "bien_ban_xac_minh", "yeu_cau_cung_cap", "bao_cao_de_xuat", "kien_nghi", "tra_loi_kien_nghi",
    "quyet_dinh_khoi_kien", "don_khoi_kien", "thong_bao_thu_ly", "quyet_dinh_ket_thuc", "khac",
};
static const char *const search_fields[] = {
    "so_van_ban", "ngay_ban_hanh", "ma_vu_viec", "co_quan_ban_hanh", "nguoi_ky", "trich_yeu", "bi_don",
    "nguyen_don", "doi_tuong_kien_nghi", "linh_vuc", "tinh",
};

static bool in_list(const char *s, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s, list[i]) == 0)
            return true;
    return false;
}
static bool known_type(const char *t) { return in_list(t, search_types, sizeof search_types / sizeof *search_types); }
static bool known_field(const char *f) { return in_list(f, search_fields, sizeof search_fields / sizeof *search_fields); }

void search_page(struct web_req *r, struct web_resp *p)
{
    const char *q = web_query(r, "q");
    const char *type = web_query(r, "type"), *field = web_query(r, "field"), *value = web_query(r, "value");
    if (q && (strlen(q) > 300 || !utf8_valid(q, strlen(q))))
        q = NULL;
    if (type && (!*type || !known_type(type)))
        type = NULL;
    if (field && (!*field || !known_field(field)))
        field = NULL;
    if (value && (strlen(value) > 200 || !utf8_valid(value, strlen(value))))
        value = NULL;
    struct sbuf *b = &p->body;
    sbuf_reset(b);
    html_begin(b, r, "Tìm kiếm", "search");
    sbuf_puts(b, "<section class=\"search\"><h1>Tìm kiếm hồ sơ</h1>"
                 "<form method=\"get\" action=\"/search\" class=\"filters\"><label>Từ khóa (có dấu hoặc không dấu)"
                 "<input name=\"q\" id=\"search-q\" autofocus value=\"");
    html_esc(b, q ? q : "");
    sbuf_puts(b, "\"></label><label>Loại văn bản<select name=\"type\" id=\"search-type\"><option value=\"\">(mọi loại)</option>");
    for (size_t i = 0; i < sizeof search_types / sizeof search_types[0]; i++) {
        sbuf_printf(b, "<option value=\"%s\"%s>", search_types[i],
                    type && strcmp(type, search_types[i]) == 0 ? " selected" : "");
        html_esc(b, doc_type_vi(search_types[i]));
        sbuf_puts(b, "</option>");
    }
    sbuf_puts(b, "</select></label><label>Trường<select name=\"field\" id=\"search-field\"><option value=\"\">(không lọc)</option>");
    for (size_t i = 0; i < sizeof search_fields / sizeof search_fields[0]; i++) {
        sbuf_printf(b, "<option value=\"%s\"%s>", search_fields[i],
                    field && strcmp(field, search_fields[i]) == 0 ? " selected" : "");
        html_esc(b, field_label_vi(search_fields[i]));
        sbuf_puts(b, "</option>");
    }
    sbuf_puts(b, "</select></label><label>có chứa<input name=\"value\" id=\"search-value\" maxlength=\"200\" value=\"");
    html_esc(b, value && field ? value : "");
    sbuf_puts(b, "\"></label><button type=\"submit\">Tìm</button></form>");
    if (q && *q) {
        struct search_hit *hits = NULL;
        int n = 0;
        struct err e;
        err_init(&e);
        struct search_opts so = {.unit_id = (int)r->user.unit_id, .limit = SEARCH_LIMIT,
                                 .doc_type = type, .field = field, .value = value};
        if (search_run(r->st, q, &so, &hits, &n, &e) < 0) {
            log_error("stage=web msg=\"search failed\" err=\"%.200s\"", e.msg);
            sbuf_puts(b, "<p class=\"flash error\">Lỗi khi tìm kiếm. Vui lòng thử lại.</p>");
        } else if (n == 0) {
            sbuf_puts(b, "<p class=\"empty\" id=\"search-empty\">Không tìm thấy kết quả nào.</p>");
        } else {
            sbuf_printf(b, "<p class=\"hint\">%d kết quả%s</p><table class=\"list\" id=\"search-results\">"
                           "<thead><tr><th>Tệp</th><th>Loại văn bản</th><th>Vụ việc</th><th>Trang</th>"
                           "<th>Trích đoạn</th></tr></thead><tbody>",
                        n, n == SEARCH_LIMIT ? " (chỉ hiện 50 kết quả đầu)" : "");
            for (int i = 0; i < n; i++) {
                sbuf_printf(b, "<tr><td><a href=\"/review/%lld\">", hits[i].document_id);
                html_esc(b, hits[i].file);
                sbuf_puts(b, "</a></td><td>");
                html_esc(b, hits[i].doc_type && *hits[i].doc_type ? doc_type_vi(hits[i].doc_type) : "");
                sbuf_puts(b, "</td><td>");
                html_esc(b, hits[i].case_code);
                sbuf_printf(b, "</td><td class=\"num\">%d</td><td class=\"snippet\">", hits[i].page);
                html_esc(b, hits[i].snippet);
                sbuf_puts(b, "</td></tr>");
            }
            sbuf_puts(b, "</tbody></table>");
        }
        search_hits_free(hits, n);
    }
    sbuf_puts(b, "</section>");
    html_end(b, NULL);
}
