/*
 * web/search.c: the search box (GET /search?q=...), over the case index of
 * cases/search.h: full text, diacritic-insensitive, limited to what the
 * user's unit may see.  Every hit links to the review screen, which checks
 * the unit again.
 */
#include "web/web_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cases/search.h"
#include "common/log.h"
#include "pipeline/pipeline.h"

#define SEARCH_LIMIT 50

void search_page(struct web_req *r, struct web_resp *p)
{
    const char *q = web_query(r, "q");
    if (q && (strlen(q) > 300 || !utf8_valid(q, strlen(q))))
        q = NULL;
    struct sbuf *b = &p->body;
    sbuf_reset(b);
    html_begin(b, r, "Tìm kiếm", "search");
    sbuf_puts(b, "<section class=\"search\"><h1>Tìm kiếm hồ sơ</h1>"
                 "<form method=\"get\" action=\"/search\" class=\"filters\"><label>Từ khóa (có dấu hoặc không dấu)"
                 "<input name=\"q\" id=\"search-q\" autofocus value=\"");
    html_esc(b, q ? q : "");
    sbuf_puts(b, "\"></label><button type=\"submit\">Tìm</button></form>");
    if (q && *q) {
        struct search_hit *hits = NULL;
        int n = 0;
        struct err e;
        err_init(&e);
        if (search_run(r->st, q, (int)r->user.unit_id, SEARCH_LIMIT, &hits, &n, &e) < 0) {
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
