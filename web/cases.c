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
 *
 *   POST /cases/ID/merge  into_code, into_unit: merge this case into the case
 *                         of that code (its code becomes an alias; documents
 *                         move; stage and deadlines recomputed)
 *   POST /cases/ID/split  doc (repeated), to_code: move the chosen documents
 *                         to the case of that code in this case's unit (made
 *                         when new)
 * Both are plain HTML forms (CSRF token in the hidden "csrf" field, checked
 * by http.c), refused to operators (web_can_edit), bounded to the units the
 * user may see (a case outside them is 404, as for GET), done in one
 * transaction by cases/group.h, audited ("case.merge", "case.split"), then
 * redirect to the resulting case with a message.
 */
#include "web/web_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cases/group.h"
#include "common/json.h"
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

/* The case a merged case `id` now is, when the user may see it; else 0. */
static long long merged_target(struct web_req *r, long long id)
{
    char uid[32], cid[32];
    snprintf(uid, sizeof uid, "%lld", r->user.id);
    snprintf(cid, sizeof cid, "%lld", id);
    const char *pa[2] = {uid, cid};
    PGresult *res = PQexecParams(r->db,
        "SELECT t.id FROM cases a JOIN cases t ON t.id = ancong_case_resolve(a.id) "
        " WHERE a.id = $2::bigint AND a.merged_into IS NOT NULL "
        "   AND a.unit_id IN (SELECT unit_id FROM web_visible_units($1::bigint)) "
        "   AND t.unit_id IN (SELECT unit_id FROM web_visible_units($1::bigint))",
        2, NULL, pa, NULL, NULL, 0);
    long long to = (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) ? atoll(PQgetvalue(res, 0, 0)) : 0;
    PQclear(res);
    return to;
}

/* Messages after a redirect (?done=...): fixed texts, nothing echoed. */
static void done_flash(struct web_req *r, struct sbuf *b)
{
    const char *done = web_query(r, "done"), *n = web_query(r, "n");
    int k = n ? atoi(n) : 0;
    if (!done)
        return;
    if (strcmp(done, "merged") == 0)
        sbuf_printf(b, "<p class=\"flash ok\" id=\"case-flash\">Đã gộp vụ việc: %d văn bản được chuyển sang vụ việc này; "
                       "giai đoạn và thời hạn đã được tính lại.</p>", k);
    else if (strcmp(done, "split") == 0)
        sbuf_printf(b, "<p class=\"flash ok\" id=\"case-flash\">Đã tách %d văn bản sang vụ việc này; "
                       "giai đoạn và thời hạn của hai vụ việc đã được tính lại.</p>", k);
}

/* The merge form and the units a target may be in (those the user sees). */
static void merge_form(struct web_req *r, struct sbuf *b, long long id, const char *unit_name)
{
    char uid[32];
    snprintf(uid, sizeof uid, "%lld", r->user.id);
    const char *pa[1] = {uid};
    PGresult *u = PQexecParams(r->db,
        "SELECT u.id, u.name FROM units u WHERE u.id IN (SELECT unit_id FROM web_visible_units($1::bigint)) "
        " ORDER BY u.level, u.name", 1, NULL, pa, NULL, NULL, 0);
    sbuf_printf(b, "<h2>Gộp vụ việc</h2><form method=\"post\" action=\"/cases/%lld/merge\" id=\"merge-form\" "
                   "class=\"filters\"><input type=\"hidden\" name=\"csrf\" value=\"%s\">"
                   "<label>Gộp vụ việc này vào vụ việc có mã<input name=\"into_code\" id=\"merge-code\" "
                   "maxlength=\"100\" required></label><label>thuộc đơn vị<select name=\"into_unit\" id=\"merge-unit\">",
                id, r->csrf);
    for (int i = 0; PQresultStatus(u) == PGRES_TUPLES_OK && i < PQntuples(u); i++) {
        sbuf_printf(b, "<option value=\"%s\"%s>", PQgetvalue(u, i, 0),
                    strcmp(PQgetvalue(u, i, 1), unit_name) == 0 ? " selected" : "");
        html_esc(b, PQgetvalue(u, i, 1));
        sbuf_puts(b, "</option>");
    }
    sbuf_puts(b, "</select></label><button type=\"submit\" id=\"merge-submit\">Gộp</button></form>"
                 "<p class=\"hint\">Mọi văn bản của vụ việc này chuyển sang vụ việc kia; mã vụ việc này trở thành "
                 "tên gọi khác của vụ việc kia (văn bản mới mang mã này sẽ vào vụ việc kia).</p>");
    PQclear(u);
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
        /* A merged case's id (an old link) leads to the case it joined. */
        long long to = merged_target(r, id);
        if (to > 0) {
            char loc[64];
            snprintf(loc, sizeof loc, "/cases/%lld", to);
            web_redirect(p, loc);
        } else {
            html_error_page(p, r, 404, "Không tìm thấy vụ việc, hoặc vụ việc thuộc đơn vị bạn không có quyền xem.");
        }
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
    bool edit = web_can_edit(&r->user);
    sbuf_puts(b, "<section class=\"case\">");
    done_flash(r, b);
    sbuf_puts(b, "<h1>Vụ việc <span id=\"case-code\">");
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
        if (edit)
            sbuf_printf(b, "<form method=\"post\" action=\"/cases/%lld/split\" id=\"split-form\">"
                           "<input type=\"hidden\" name=\"csrf\" value=\"%s\">", id, r->csrf);
        sbuf_printf(b, "<table class=\"list\" id=\"timeline\"><thead><tr>%s<th>Ngày</th><th>Loại văn bản</th>"
                       "<th>Số văn bản</th><th>Trạng thái</th><th>Tệp</th></tr></thead><tbody>",
                    edit ? "<th>Chọn</th>" : "");
        for (int i = 0; i < PQntuples(docs); i++) {
            sbuf_printf(b, "<tr data-id=\"%s\">", PQgetvalue(docs, i, 0));
            if (edit)
                sbuf_printf(b, "<td><input type=\"checkbox\" name=\"doc\" value=\"%s\" aria-label=\"Chọn văn bản\"></td>",
                            PQgetvalue(docs, i, 0));
            sbuf_puts(b, "<td>");
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
        if (edit)
            sbuf_puts(b, "<p class=\"filters\"><label>Tách các văn bản đã chọn sang vụ việc có mã"
                         "<input name=\"to_code\" id=\"split-code\" maxlength=\"100\" required></label>"
                         "<button type=\"submit\" id=\"split-submit\">Tách</button></p></form>");
    }
    if (edit)
        merge_form(r, b, id, PQgetvalue(c, 0, 1));
    sbuf_puts(b, "</section>");
    html_end(b, NULL);
out:
    PQclear(c);
    PQclear(docs);
}

/* A refusal as a page with a way back; status 4xx (5xx for the database). */
static void group_refused(struct web_req *r, struct web_resp *p, enum case_fail why, long long id)
{
    const char *msg;
    int status = 400;
    switch (why) {
    case CASE_FAIL_NOT_FOUND:
        status = 404;
        msg = "Không tìm thấy vụ việc, hoặc vụ việc thuộc đơn vị bạn không có quyền xem.";
        break;
    case CASE_FAIL_SAME: msg = "Không thể gộp hoặc tách vào chính vụ việc này."; break;
    case CASE_FAIL_MERGED:
        status = 409;
        msg = "Vụ việc đã được gộp vào một vụ việc khác. Tải lại trang rồi thử lại.";
        break;
    case CASE_FAIL_NOT_IN_CASE:
        status = 409;
        msg = "Có văn bản đã chọn không còn thuộc vụ việc này. Tải lại trang rồi chọn lại.";
        break;
    case CASE_FAIL_NONE_CHOSEN: msg = "Chưa chọn văn bản nào để tách."; break;
    case CASE_FAIL_NO_CODE: msg = "Nhập mã vụ việc (không được để trống, tối đa 100 ký tự)."; break;
    default:
        status = 500;
        msg = "Lỗi cơ sở dữ liệu, thay đổi chưa được lưu. Vui lòng thử lại.";
        break;
    }
    html_error_page(p, r, status, msg);
    (void)id;
}

/* The code a user typed: NFC, white space squashed; NULL when empty or too
 * long.  Caller frees. */
static char *form_code(struct web_req *r, const char *key)
{
    const char *v = web_form(r, key);
    if (!v || !utf8_valid(v, strlen(v)))
        return NULL;
    char *nc = utf8_nfc(v);
    str_squash(nc);
    if (!*nc || strlen(nc) > 100) {
        free(nc);
        return NULL;
    }
    return nc;
}

/* The audit row's extra details: where the request came from. */
static void group_details(struct web_req *r, struct sbuf *d)
{
    struct json j;
    json_init(&j, d, false);
    json_obj_begin(&j);
    json_key(&j, "ip"); json_str(&j, r->ip);
    json_key(&j, "via"); json_str(&j, "web");
    json_obj_end(&j);
}

static void merge_post(struct web_req *r, struct web_resp *p, long long id)
{
    char *code = form_code(r, "into_code");
    long long unit = web_parse_id(web_form(r, "into_unit"));
    enum case_fail why = CASE_FAIL_NO_CODE;
    struct sbuf d = SBUF_INIT;
    struct err e;
    err_init(&e);
    if (!code || unit <= 0)
        goto refused;
    /* The target by code in the chosen unit (an alias leads to its case);
     * whether the user may see it is checked by case_merge, with the source. */
    char us[32];
    snprintf(us, sizeof us, "%lld", unit);
    const char *pa[2] = {us, code};
    PGresult *t = PQexecParams(r->db,
        "SELECT ancong_case_resolve(id) FROM cases WHERE unit_id = $1::int AND code = $2", 2, NULL, pa, NULL, NULL, 0);
    if (PQresultStatus(t) != PGRES_TUPLES_OK) {
        log_error("stage=web msg=\"merge target query failed\" pg=\"%s\"", PQresultErrorMessage(t));
        PQclear(t);
        why = CASE_FAIL_DB;
        goto refused;
    }
    long long into = PQntuples(t) == 1 ? atoll(PQgetvalue(t, 0, 0)) : 0;
    PQclear(t);
    if (into <= 0) {
        why = CASE_FAIL_NOT_FOUND;
        goto refused;
    }
    group_details(r, &d);
    struct case_actor who = {r->user.username, r->user.id, r->user.id, sbuf_cstr(&d)};
    int moved = 0;
    if (case_merge(r->db, id, into, &who, &moved, &why, &e) < 0) {
        if (why == CASE_FAIL_DB)
            log_error("stage=web msg=\"case merge failed\" err=\"%.300s\"", e.msg);
        goto refused;
    }
    log_info("stage=web msg=\"case merged\" case=%lld into=%lld documents=%d user=%s", id, into, moved,
             r->user.username);
    char loc[96];
    snprintf(loc, sizeof loc, "/cases/%lld?done=merged&n=%d", into, moved);
    web_redirect(p, loc);
    free(code);
    sbuf_release(&d);
    return;
refused:
    group_refused(r, p, why, id);
    free(code);
    sbuf_release(&d);
}

#define SPLIT_MAX_DOCS 1000

static void split_post(struct web_req *r, struct web_resp *p, long long id)
{
    char *code = form_code(r, "to_code");
    long long *docs = xcalloc(SPLIT_MAX_DOCS, sizeof *docs);
    int n = 0;
    enum case_fail why = CASE_FAIL_NONE_CHOSEN;
    struct sbuf d = SBUF_INIT;
    struct err e;
    err_init(&e);
    for (int i = 0; i < r->nform && n < SPLIT_MAX_DOCS; i++) {
        if (strcmp(r->form[i].k, "doc") != 0)
            continue;
        long long v = web_parse_id(r->form[i].v);
        if (v <= 0) {
            why = CASE_FAIL_NOT_IN_CASE;
            goto refused;
        }
        docs[n++] = v;
    }
    if (n == 0)
        goto refused;
    if (!code) {
        why = CASE_FAIL_NO_CODE;
        goto refused;
    }
    group_details(r, &d);
    struct case_actor who = {r->user.username, r->user.id, r->user.id, sbuf_cstr(&d)};
    long long target = 0;
    if (case_split(r->db, id, docs, n, 0, code, &who, &target, &why, &e) < 0) {
        if (why == CASE_FAIL_DB)
            log_error("stage=web msg=\"case split failed\" err=\"%.300s\"", e.msg);
        goto refused;
    }
    log_info("stage=web msg=\"case split\" case=%lld into=%lld documents=%d user=%s", id, target, n,
             r->user.username);
    char loc[96];
    snprintf(loc, sizeof loc, "/cases/%lld?done=split&n=%d", target, n);
    web_redirect(p, loc);
    goto out;
refused:
    group_refused(r, p, why, id);
out:
    free(code);
    free(docs);
    sbuf_release(&d);
}

void case_group_post(struct web_req *r, struct web_resp *p, long long id, const char *action)
{
    if (!web_can_edit(&r->user)) {
        html_error_page(p, r, 403, "Tài khoản của bạn không được sửa vụ việc.");
        return;
    }
    if (strcmp(action, "merge") == 0)
        merge_post(r, p, id);
    else if (strcmp(action, "split") == 0)
        split_post(r, p, id);
    else
        html_error_page(p, r, 404, "Không tìm thấy trang này.");
}
