/*
 * web/cases.c: the case index as pages (issue 8).
 *
 *   GET /cases        the cases of the user's units: code, stage, procurator,
 *                     next deadline (overdue ones highlighted), documents;
 *                     closest deadline first
 *   GET /cases/ID     one case: its deadline and the timeline of its documents
 *                     by date, each linking to the review screen
 *
 * Reads the view case_overview of schema/0040_cases.sql (WEB_CASE_FROM adds
 * the unit id, so the rows can be filtered by web_visible_units); stage, procurator and deadlines are
 * computed by ancong_case_refresh() in the database, never here.  A case of
 * a unit the user may not see is 404, like a document.  Attaching a document
 * to a case is POST /api/documents/ID/case (review.c).
 */
#include "web/web_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "pipeline/pipeline.h"

#define CASES_LIMIT 500

#define CASE_VISIBLE " c.unit_id IN (SELECT unit_id FROM web_visible_units($1::bigint)) "

void cases_page(struct web_req *r, struct web_resp *p)
{
    char uid[32], lim[16];
    snprintf(uid, sizeof uid, "%lld", r->user.id);
    snprintf(lim, sizeof lim, "%d", CASES_LIMIT);
    const char *pa[2] = {uid, lim};
    PGresult *res = PQexecParams(r->db,
        "SELECT c.id, c.code, c.unit_name, c.stage::text, coalesce(c.procurator_name, ''), "
        "       coalesce(to_char(c.next_due_on, 'DD/MM/YYYY'), ''), coalesce(c.next_due_what, ''), "
        "       c.overdue, c.documents, count(*) OVER () "
        "  FROM " WEB_CASE_FROM " WHERE " CASE_VISIBLE
        " ORDER BY c.next_due_on ASC NULLS LAST, c.code, c.id LIMIT $2::int",
        2, NULL, pa, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        log_error("stage=web msg=\"cases query failed\" pg=\"%s\"", PQresultErrorMessage(res));
        PQclear(res);
        html_error_page(p, r, 500, "Lỗi cơ sở dữ liệu khi đọc danh sách vụ việc.");
        return;
    }
    int n = PQntuples(res);
    long long total = n ? atoll(PQgetvalue(res, 0, 9)) : 0;
    struct sbuf *b = &p->body;
    sbuf_reset(b);
    html_begin(b, r, "Vụ việc", "cases");
    sbuf_printf(b, "<section class=\"cases\"><h1>Vụ việc <span class=\"count\" id=\"cases-count\">%lld vụ việc</span></h1>",
                total);
    if (n == 0) {
        sbuf_puts(b, "<p class=\"empty\" id=\"cases-empty\">Chưa có vụ việc nào.</p></section>");
        html_end(b, NULL);
        PQclear(res);
        return;
    }
    if (total > n)
        sbuf_printf(b, "<p class=\"hint\">Chỉ hiện %d vụ việc có hạn gần nhất.</p>", n);
    sbuf_puts(b, "<table class=\"list\" id=\"cases-table\"><thead><tr><th>Mã vụ việc</th><th>Đơn vị</th>"
                 "<th>Giai đoạn</th><th>Kiểm sát viên</th><th>Hạn tiếp theo</th><th>Việc phải làm</th>"
                 "<th class=\"num\">Văn bản</th></tr></thead><tbody>");
    for (int i = 0; i < n; i++) {
        bool overdue = strcmp(PQgetvalue(res, i, 7), "t") == 0;
        sbuf_printf(b, "<tr data-id=\"%s\"%s><td><a class=\"case\" href=\"/cases/%s\">", PQgetvalue(res, i, 0),
                    overdue ? " class=\"overdue\"" : "", PQgetvalue(res, i, 0));
        html_esc(b, PQgetvalue(res, i, 1));
        sbuf_puts(b, "</a></td><td>");
        html_esc(b, PQgetvalue(res, i, 2));
        sbuf_puts(b, "</td><td>");
        html_esc(b, stage_vi(PQgetvalue(res, i, 3)));
        sbuf_puts(b, "</td><td>");
        html_esc(b, PQgetvalue(res, i, 4));
        sbuf_puts(b, "</td><td>");
        html_esc(b, PQgetvalue(res, i, 5));
        if (overdue) sbuf_puts(b, " <strong class=\"late\">(quá hạn)</strong>");
        sbuf_puts(b, "</td><td>");
        html_esc(b, PQgetvalue(res, i, 6));
        sbuf_printf(b, "</td><td class=\"num\">%s</td></tr>", PQgetvalue(res, i, 8));
    }
    sbuf_puts(b, "</tbody></table></section>");
    html_end(b, NULL);
    PQclear(res);
}

void case_page(struct web_req *r, struct web_resp *p, long long id)
{
    char uid[32], cid[32];
    snprintf(uid, sizeof uid, "%lld", r->user.id);
    snprintf(cid, sizeof cid, "%lld", id);
    const char *pa[2] = {uid, cid};
    PGresult *c = PQexecParams(r->db,
        "SELECT c.code, c.unit_name, c.stage::text, coalesce(c.procurator_name, ''), coalesce(c.area, ''), "
        "       coalesce(to_char(c.opened_on, 'DD/MM/YYYY'), ''), "
        "       coalesce(to_char(c.next_due_on, 'DD/MM/YYYY'), ''), coalesce(c.next_due_what, ''), c.overdue "
        "  FROM " WEB_CASE_FROM " WHERE c.id = $2::bigint AND " CASE_VISIBLE,
        2, NULL, pa, NULL, NULL, 0);
    PGresult *docs = NULL;
    if (PQresultStatus(c) != PGRES_TUPLES_OK) {
        log_error("stage=web msg=\"case query failed\" pg=\"%s\"", PQresultErrorMessage(c));
        html_error_page(p, r, 500, "Lỗi cơ sở dữ liệu khi đọc vụ việc.");
        goto out;
    }
    if (PQntuples(c) != 1) {
        html_error_page(p, r, 404, "Không tìm thấy vụ việc, hoặc vụ việc thuộc đơn vị bạn không có quyền xem.");
        goto out;
    }
    /* The documents the user may see (a case belongs to one unit; the
     * filter keeps the rule visible here too). */
    docs = PQexecParams(r->db,
        "SELECT d.id, coalesce(to_char(ancong_doc_date(d.id), 'DD/MM/YYYY'), ''), coalesce(d.doc_type, ''), "
        "       coalesce((SELECT f.value FROM fields f WHERE f.document_id = d.id AND f.name = 'so_van_ban'), ''), "
        "       d.status::text, d.name "
        "  FROM documents d WHERE d.case_id = $2::bigint AND " VISIBLE_SQL("$1::bigint")
        "   AND NOT EXISTS (SELECT 1 FROM documents ch WHERE ch.parent_id = d.id) "
        " ORDER BY ancong_doc_date(d.id) NULLS LAST, d.id",
        2, NULL, pa, NULL, NULL, 0);
    if (PQresultStatus(docs) != PGRES_TUPLES_OK) {
        log_error("stage=web msg=\"case documents query failed\" pg=\"%s\"", PQresultErrorMessage(docs));
        html_error_page(p, r, 500, "Lỗi cơ sở dữ liệu khi đọc vụ việc.");
        goto out;
    }
    struct sbuf *b = &p->body;
    sbuf_reset(b);
    html_begin(b, r, "Vụ việc", "case");
    sbuf_puts(b, "<section class=\"case\"><h1>Vụ việc <span id=\"case-code\">");
    html_esc(b, PQgetvalue(c, 0, 0));
    sbuf_puts(b, "</span></h1><dl class=\"meta\"><dt>Đơn vị</dt><dd id=\"case-unit\">");
    html_esc(b, PQgetvalue(c, 0, 1));
    sbuf_puts(b, "</dd><dt>Giai đoạn</dt><dd id=\"case-stage\">");
    html_esc(b, stage_vi(PQgetvalue(c, 0, 2)));
    sbuf_puts(b, "</dd><dt>Kiểm sát viên</dt><dd id=\"case-procurator\">");
    html_esc(b, *PQgetvalue(c, 0, 3) ? PQgetvalue(c, 0, 3) : "—");
    sbuf_puts(b, "</dd><dt>Lĩnh vực</dt><dd>");
    html_esc(b, *PQgetvalue(c, 0, 4) ? PQgetvalue(c, 0, 4) : "—");
    sbuf_puts(b, "</dd><dt>Mở ngày</dt><dd>");
    html_esc(b, *PQgetvalue(c, 0, 5) ? PQgetvalue(c, 0, 5) : "—");
    bool overdue = strcmp(PQgetvalue(c, 0, 8), "t") == 0;
    sbuf_printf(b, "</dd><dt>Hạn tiếp theo</dt><dd id=\"case-due\"%s>", overdue ? " class=\"late\"" : "");
    if (*PQgetvalue(c, 0, 6)) {
        html_esc(b, PQgetvalue(c, 0, 6));
        sbuf_puts(b, ": ");
        html_esc(b, PQgetvalue(c, 0, 7));
        if (overdue) sbuf_puts(b, " <strong>(quá hạn)</strong>");
    } else {
        sbuf_puts(b, "—");
    }
    sbuf_puts(b, "</dd></dl><h2>Diễn biến theo văn bản</h2>");
    if (PQntuples(docs) == 0) {
        sbuf_puts(b, "<p class=\"empty\" id=\"timeline-empty\">Chưa có văn bản nào.</p>");
    } else {
        sbuf_puts(b, "<table class=\"list\" id=\"timeline\"><thead><tr><th>Ngày</th><th>Loại văn bản</th>"
                     "<th>Số văn bản</th><th>Trạng thái</th><th>Tệp</th></tr></thead><tbody>");
        for (int i = 0; i < PQntuples(docs); i++) {
            sbuf_printf(b, "<tr data-id=\"%s\"><td>", PQgetvalue(docs, i, 0));
            html_esc(b, PQgetvalue(docs, i, 1));
            sbuf_puts(b, "</td><td>");
            const char *t = PQgetvalue(docs, i, 2);
            html_esc(b, *t ? doc_type_vi(t) : "Chưa phân loại");
            sbuf_puts(b, "</td><td>");
            html_esc(b, PQgetvalue(docs, i, 3));
            sbuf_puts(b, "</td><td>");
            html_esc(b, status_vi(PQgetvalue(docs, i, 4)));
            sbuf_printf(b, "</td><td><a class=\"doc\" href=\"/review/%s\">", PQgetvalue(docs, i, 0));
            html_esc(b, PQgetvalue(docs, i, 5));
            sbuf_puts(b, "</a></td></tr>");
        }
        sbuf_puts(b, "</tbody></table>");
    }
    sbuf_puts(b, "</section>");
    html_end(b, NULL);
out:
    PQclear(c);
    PQclear(docs);
}
