/*
 * web/queue.c: the review queue.
 *
 * Documents in needs_review that the user's unit may see (web_visible_units:
 * the unit itself and every unit under it, so the Supreme procuracy sees
 * all), closest deadline first, then oldest; filters by station, type and
 * case.  A file split into parts (a bundle) is not in it: its parts are,
 * each reviewed and approved on its own.  The queries read the views of schema/0020_web.sql (web_doc...), so
 * this file does not depend on how the store names its columns.
 */
#include "web/web_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "pipeline/pipeline.h"

#define QUEUE_PAGE 50

bool web_can_edit(const struct web_user *u)
{
    /* operators run scanners and backfill; they do not change documents */
    return strcmp(u->role, "operator") != 0;
}

static const char *arg(struct web_req *r, const char *k)
{
    const char *v = web_query(r, k);
    return v && strlen(v) <= 200 && utf8_valid(v, strlen(v)) ? v : "";
}

#define QUEUE_WHERE \
    " FROM web_doc d WHERE d.status = 'needs_review' AND " VISIBLE_SQL("$1::bigint") \
    "   AND NOT " WEB_IS_BUNDLE_SQL("d.id") \
    "   AND ($2 = '' OR d.station = $2) AND ($3 = '' OR d.doc_type = $3) " \
    "   AND ($4 = '' OR d.case_code = $4) "
#define QUEUE_ORDER " ORDER BY d.deadline ASC NULLS LAST, d.created_at ASC, d.id ASC "

long long queue_next(struct web_req *r, long long after)
{
    char uid[32], aid[32];
    snprintf(uid, sizeof uid, "%lld", r->user.id);
    snprintf(aid, sizeof aid, "%lld", after);
    const char *pa[5] = {uid, "", "", "", aid};
    /* The queue order as a row comparison: the first document after `after`,
     * or the first of the queue when `after` is no longer in it. */
    PGresult *res = PQexecParams(r->db,
        "WITH q AS (SELECT d.id, row_number() OVER (" QUEUE_ORDER ") rn " QUEUE_WHERE ") "
        "SELECT id FROM q WHERE rn > coalesce((SELECT rn FROM q WHERE id = $5::bigint), 0) "
        "   AND id <> $5::bigint ORDER BY rn LIMIT 1",
        5, NULL, pa, NULL, NULL, 0);
    long long id = 0;
    if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
        id = atoll(PQgetvalue(res, 0, 0));
    else if (PQresultStatus(res) != PGRES_TUPLES_OK)
        log_error("stage=web msg=\"queue next failed\" pg=\"%s\"", PQresultErrorMessage(res));
    PQclear(res);
    return id;
}

static void filter_select(struct sbuf *b, PGresult *opts, const char *name, const char *label,
                          const char *cur)
{
    sbuf_printf(b, "<label>%s<select name=\"%s\" id=\"f-%s\"><option value=\"\">Tất cả</option>",
                label, name, name);
    for (int i = 0; opts && i < PQntuples(opts); i++) {
        const char *v = PQgetvalue(opts, i, 0);
        sbuf_puts(b, "<option value=\"");
        html_esc(b, v);
        sbuf_puts(b, strcmp(v, cur) == 0 ? "\" selected>" : "\">");
        html_esc(b, v);
        sbuf_puts(b, "</option>");
    }
    sbuf_puts(b, "</select></label>");
}

/* Whether `name` is in the comma-separated list `names`. */
static bool in_list(const char *names, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = names; *p; ) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && strncmp(p, name, n) == 0)
            return true;
        p += len + (e ? 1 : 0);
    }
    return false;
}

/* The last cell: how many fields need a look; when none does, why the
 * document is in the queue at all, so a reviewer is not shown a bare 0: the
 * type is unsure, a field the type carries was not found (the pipeline's
 * rule, pipeline/pipeline.c missing_expected: every field of the type but
 * the authority line, and the case number of a lawsuit petition), the
 * readers left warnings. */
static void queue_why(struct sbuf *b, int low_fields, bool type_unsure, const char *type,
                      const char *filled, int warnings)
{
    struct sbuf why = SBUF_INIT;
    if (type_unsure)
        sbuf_puts(&why, "Loại văn bản chưa chắc");
    int missing = 0;
    for (int f = 0; *type && strcmp(type, "khac") != 0 && f < F_COUNT; f++) {
        if (f == F_QUYEN_HAN_KY || !doc_type_has_field(type, (enum field_id)f) ||
            (f == F_MA_VU_VIEC && strcmp(type, "don_khoi_kien") == 0) ||
            in_list(filled, field_name((enum field_id)f)))
            continue;
        sbuf_puts(&why, missing ? ", " : why.len ? " · Thiếu: " : "Thiếu: ");
        sbuf_puts(&why, field_label_vi(field_name((enum field_id)f)));
        missing++;
    }
    if (warnings > 0)
        sbuf_printf(&why, "%sCảnh báo: %d", why.len ? " · " : "", warnings);
    if (low_fields > 0 || !why.len) {
        sbuf_printf(b, "</td><td class=\"num\">%d</td></tr>", low_fields);
    } else {
        sbuf_puts(b, "</td><td class=\"why\">");
        html_esc(b, sbuf_cstr(&why));
        sbuf_puts(b, "</td></tr>");
    }
    sbuf_release(&why);
}

void queue_page(struct web_req *r, struct web_resp *p)
{
    const char *station = arg(r, "station"), *type = arg(r, "type"), *cas = arg(r, "case");
    int page = atoi(arg(r, "page"));
    if (page < 1 || page > 100000) page = 1;
    char uid[32], off[32], thr[32];
    snprintf(uid, sizeof uid, "%lld", r->user.id);
    snprintf(off, sizeof off, "%d", (page - 1) * QUEUE_PAGE);
    snprintf(thr, sizeof thr, "%.4f", r->cfg->review_threshold);
    const char *pa[7] = {uid, station, type, cas, off, thr, NULL};

    /* The page of 50 first (the ordering matches documents_review_queue_idx),
     * then the per-row details for those rows only; the total apart. */
    PGresult *rows = PQexecParams(r->db,
        "WITH q AS (SELECT d.id " QUEUE_WHERE QUEUE_ORDER " LIMIT 50 OFFSET $5::int) "
        "SELECT d.id, d.file_name, coalesce(d.station, ''), coalesce(d.doc_type, ''), "
        "       coalesce(d.case_code, ''), to_char(d.created_at, 'DD/MM/YYYY HH24:MI'), "
        "       coalesce(to_char(d.deadline, 'DD/MM/YYYY'), ''), d.unit_name, "
        "       (SELECT count(*) FROM web_field f WHERE f.document_id = d.id AND f.confidence < $6::float8 "
        "          AND NOT f.reviewed), "
        "       coalesce(d.deadline < now(), false), "
        "       EXISTS (SELECT 1 FROM jobs j WHERE j.document_id = d.id AND j.kind = 'reanalyze' "
        "                  AND j.state IN ('ready', 'running')), "
        "       coalesce(d.doc_type_confidence, 0) < $6::float8, "
        "       jsonb_array_length(ancong_jarr(" WEB_WARNINGS_SQL("d.id") ")), "
        "       (SELECT coalesce(string_agg(f.name, ','), '') FROM web_field f "
        "         WHERE f.document_id = d.id AND coalesce(f.value, '') <> '') "
        "  FROM q JOIN web_doc d ON d.id = q.id " QUEUE_ORDER,
        6, NULL, pa, NULL, NULL, 0);
    PGresult *cnt = PQexecParams(r->db, "SELECT count(*) " QUEUE_WHERE, 4, NULL, pa, NULL, NULL, 0);
    if (PQresultStatus(rows) != PGRES_TUPLES_OK || PQresultStatus(cnt) != PGRES_TUPLES_OK) {
        log_error("stage=web msg=\"queue query failed\" pg=\"%s\"", PQresultErrorMessage(
            PQresultStatus(rows) != PGRES_TUPLES_OK ? rows : cnt));
        PQclear(rows);
        PQclear(cnt);
        html_error_page(p, r, 500, "Lỗi cơ sở dữ liệu khi đọc hàng đợi.");
        return;
    }
    long long total = atoll(PQgetvalue(cnt, 0, 0));
    PQclear(cnt);
    /* filter choices: the stations of the units the user may see, every type */
    PGresult *stations = PQexecParams(r->db,
        "SELECT s.code FROM stations s WHERE s.unit_id IN (SELECT unit_id FROM web_visible_units($1::bigint)) "
        " ORDER BY 1", 1, NULL, pa, NULL, NULL, 0);
    if (PQresultStatus(stations) != PGRES_TUPLES_OK) { PQclear(stations); stations = NULL; }
    int n = PQntuples(rows);
    struct sbuf *b = &p->body;
    sbuf_reset(b);
    html_begin(b, r, "Hàng đợi duyệt", "queue");
    sbuf_printf(b, "<section class=\"queue\"><h1>Hàng đợi duyệt <span class=\"count\" id=\"queue-count\">%lld tài liệu</span></h1>", total);
    sbuf_puts(b, "<form method=\"get\" action=\"/queue\" class=\"filters\">");
    filter_select(b, stations, "station", "Trạm quét", station);
    sbuf_printf(b, "<label>Loại văn bản<select name=\"type\" id=\"f-type\"><option value=\"\">Tất cả</option>");
    for (int i = 0; doc_types[i]; i++) {
        sbuf_printf(b, "<option value=\"%s\"%s>", doc_types[i], strcmp(doc_types[i], type) == 0 ? " selected" : "");
        html_esc(b, doc_type_vi(doc_types[i]));
        sbuf_puts(b, "</option>");
    }
    sbuf_puts(b, "</select></label>");
    sbuf_puts(b, "<label>Mã vụ việc<input name=\"case\" id=\"f-case\" value=\"");
    html_esc(b, cas);
    sbuf_puts(b, "\"></label><button type=\"submit\">Lọc</button></form>");
    if (n == 0) {
        sbuf_puts(b, "<p class=\"empty\" id=\"queue-empty\">Không có tài liệu nào chờ duyệt.</p>");
    } else {
        sbuf_puts(b, "<p class=\"hint\">Enter: mở tài liệu đầu tiên · ↑/↓: chọn</p>"
                     "<table class=\"list\" id=\"queue-table\"><thead><tr><th>#</th><th>Tệp</th><th>Loại văn bản</th>"
                     "<th>Trạm quét</th><th>Vụ việc</th><th>Đơn vị</th><th>Nhận lúc</th><th>Hạn</th>"
                     "<th>Trường cần xem</th></tr></thead><tbody>");
        for (int i = 0; i < n; i++) {
            const char *id = PQgetvalue(rows, i, 0);
            bool overdue = strcmp(PQgetvalue(rows, i, 9), "t") == 0;
            sbuf_printf(b, "<tr data-id=\"%s\"%s><td>%s</td><td><a class=\"doc\" href=\"/review/%s\">", id,
                        overdue ? " class=\"overdue\"" : "", id, id);
            html_esc(b, PQgetvalue(rows, i, 1));
            sbuf_puts(b, "</a></td><td>");
            const char *t = PQgetvalue(rows, i, 3);
            html_esc(b, *t ? doc_type_vi(t) : "Chưa phân loại");
            /* the columns of the heading, in its order */
            static const int cells[] = {2 /* station */, 4 /* case */, 7 /* unit */,
                                        5 /* received */, 6 /* deadline */};
            for (size_t c = 0; c < sizeof cells / sizeof cells[0]; c++) {
                sbuf_puts(b, "</td><td>");
                html_esc(b, PQgetvalue(rows, i, cells[c]));
            }
            /* after a reviewer moved, merged or split parts, the count is
             * not known until the re-analysis ends */
            if (strcmp(PQgetvalue(rows, i, 10), "t") == 0)
                sbuf_puts(b, "</td><td class=\"reanalyzing\">Đang phân tích lại…</td></tr>");
            else
                queue_why(b, atoi(PQgetvalue(rows, i, 8)), strcmp(PQgetvalue(rows, i, 11), "t") == 0,
                          PQgetvalue(rows, i, 3), PQgetvalue(rows, i, 13), atoi(PQgetvalue(rows, i, 12)));
        }
        sbuf_puts(b, "</tbody></table>");
        if (total > QUEUE_PAGE) {
            sbuf_puts(b, "<nav class=\"pages\">");
            for (int dir = -1; dir <= 1; dir += 2) {
                int to = page + dir;
                if (to < 1 || (long long)(to - 1) * QUEUE_PAGE >= total) continue;
                sbuf_printf(b, "<a href=\"/queue?page=%d&amp;station=", to);
                /* values go into a URL inside an attribute: percent-encode, then escape */
                for (int k = 0; k < 3; k++) {
                    const char *v = k == 0 ? station : k == 1 ? type : cas;
                    if (k == 1) sbuf_puts(b, "&amp;type=");
                    if (k == 2) sbuf_puts(b, "&amp;case=");
                    for (const unsigned char *s = (const unsigned char *)v; *s; s++) {
                        if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
                            *s == '-' || *s == '_' || *s == '.')
                            sbuf_putc(b, (char)*s);
                        else
                            sbuf_printf(b, "%%%02X", *s);
                    }
                }
                sbuf_printf(b, "\">%s</a>", dir < 0 ? "← Trang trước" : "Trang sau →");
            }
            sbuf_printf(b, "<span>Trang %d</span></nav>", page);
        }
    }
    sbuf_puts(b, "</section>");
    html_end(b, "/static/queue.js");
    PQclear(rows);
    PQclear(stations);
}
