/*
 * web/stats.c: the statistics page (issue 8).
 *
 *   GET /stats?from=YYYY-MM-DD&to=YYYY-MM-DD      tables, SVG bar charts, overdue cases
 *   GET /stats.csv?from=&to=                      the same rows as `ancong report --csv`
 *
 * Every number comes from the SQL function ancong_report(from, to, unit)
 * (schema/0041_reports.sql) called with the user's unit, the same function
 * `ancong report --unit CODE` calls: the page, its CSV and the CLI agree by
 * construction, and nothing here re-derives a count.  The period defaults to
 * the one `ancong report` uses (cases/period.h): the statistical year (1
 * December to 30 November) to date, or in December the year just closed.  Charts are plain
 * SVG written here (no script, no library); every label goes through
 * html_esc().
 */
#include "web/web_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cases/period.h"
#include "common/log.h"
#include "pipeline/pipeline.h"

#define STATS_MAX_KEYS 64

/* A strict YYYY-MM-DD (PostgreSQL checks the calendar). */
static bool iso_date(const char *s)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return false;
    return true;
}

/* The period asked for, or the default one (as `ancong report` without
 * --year, cases/period.h).  false when a date given is not YYYY-MM-DD. */
static bool period(struct web_req *r, char from[16], char to[16])
{
    const char *f = web_query(r, "from"), *t = web_query(r, "to");
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    stats_default_period(&tm, from, to, NULL, 0);
    if (f && *f) {
        if (!iso_date(f)) return false;
        snprintf(from, 16, "%s", f);
    }
    if (t && *t) {
        if (!iso_date(t)) return false;
        snprintf(to, 16, "%s", t);
    }
    return strcmp(from, to) <= 0;
}

/* The report rows for the user's unit, or NULL (logged). */
static PGresult *report(struct web_req *r, const char *from, const char *to)
{
    char unit[32];
    snprintf(unit, sizeof unit, "%lld", r->user.unit_id);
    const char *pa[3] = {from, to, unit};
    PGresult *res = PQexecParams(r->db,
        "SELECT section, k1, k2, value FROM ancong_report($1::date, $2::date, $3::int)",
        3, NULL, pa, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        log_error("stage=web msg=\"report failed\" pg=\"%s\"", PQresultErrorMessage(res));
        PQclear(res);
        return NULL;
    }
    return res;
}

static void csv_cell(struct sbuf *b, const char *s)
{
    sbuf_putc(b, '"');
    for (; *s; s++) {
        if (*s == '"')
            sbuf_putc(b, '"');
        sbuf_putc(b, *s);
    }
    sbuf_putc(b, '"');
}

void stats_csv(struct web_req *r, struct web_resp *p)
{
    char from[16], to[16];
    if (!period(r, from, to)) {
        web_text(p, 400, "Khoảng thời gian không hợp lệ: dùng ngày dạng YYYY-MM-DD, từ ngày không sau đến ngày.");
        return;
    }
    PGresult *res = report(r, from, to);
    if (!res) {
        web_text(p, 400, "Không tính được thống kê cho khoảng thời gian này (ngày không tồn tại?).");
        return;
    }
    /* Byte for byte what cmd/cmd_report.c writes for --csv. */
    struct sbuf *b = &p->body;
    sbuf_reset(b);
    sbuf_puts(b, "section,key,subkey,value\n");
    for (int i = 0; i < PQntuples(res); i++) {
        for (int c = 0; c < 3; c++) {
            csv_cell(b, PQgetvalue(res, i, c));
            sbuf_putc(b, ',');
        }
        sbuf_printf(b, "%s\n", PQgetvalue(res, i, 3));
    }
    PQclear(res);
    p->status = 200;
    p->ctype = "text/csv; charset=utf-8";
    snprintf(p->disposition, sizeof p->disposition,
             "attachment; filename=\"thong-ke_%s_%s.csv\"", from, to);
}

/* ---- labels ------------------------------------------------------------------ */

static const char *const stages[][2] = {
    {"intake", "Tiếp nhận"}, {"examination", "Kiểm tra"}, {"verification", "Xác minh"},
    {"recommendation", "Kiến nghị"}, {"lawsuit", "Khởi kiện"}, {"accepted", "Tòa án thụ lý"},
    {"closed", "Kết thúc"},
};
#define NSTAGES ((int)(sizeof stages / sizeof stages[0]))

const char *stage_vi(const char *stage)
{
    for (int i = 0; i < NSTAGES; i++)
        if (strcmp(stages[i][0], stage) == 0)
            return stages[i][1];
    return stage;
}

static int stage_rank(const char *stage)
{
    for (int i = 0; i < NSTAGES; i++)
        if (strcmp(stages[i][0], stage) == 0)
            return i;
    return NSTAGES;
}

/* The label shown for a subkey of a section. */
static const char *k2_vi(const char *section, const char *k2)
{
    if (strcmp(k2, "-") == 0) return "(chưa xác định)";
    if (str_starts(section, "cases_by_stage") || str_starts(section, "cases_by_province"))
        return stage_vi(k2);
    if (strcmp(section, "documents_by_type") == 0) return doc_type_vi(k2);
    if (strcmp(section, "documents_by_status") == 0 || strcmp(section, "backfill") == 0)
        return status_vi(k2);
    if (strcmp(section, "recommendations") == 0)
        return strcmp(k2, "issued") == 0 ? "Đã ban hành" : strcmp(k2, "replied") == 0 ? "Đã được trả lời" : k2;
    return k2;
}

static const struct {
    const char *section, *title, *k1, *k2;
} sections[] = {
    {"cases_by_stage", "Vụ việc theo đơn vị và giai đoạn", "Đơn vị", "Giai đoạn"},
    {"cases_by_province", "Vụ việc theo tỉnh và giai đoạn", "Tỉnh", "Giai đoạn"},
    {"cases_by_area", "Vụ việc theo đơn vị và lĩnh vực", "Đơn vị", "Lĩnh vực"},
    {"documents_by_type", "Văn bản theo đơn vị và loại", "Đơn vị", "Loại văn bản"},
    {"documents_by_month", "Văn bản theo đơn vị và tháng", "Đơn vị", "Tháng"},
    {"documents_by_status", "Văn bản theo đơn vị và trạng thái", "Đơn vị", "Trạng thái"},
    {"recommendations", "Kiến nghị đã ban hành và được trả lời", "Đơn vị", "Loại"},
    {"backfill", "Văn bản số hóa bổ sung (backfill) theo trạng thái", "Đơn vị", "Trạng thái"},
    {"overdue", "Vụ việc quá hạn", "Đơn vị", "Mã vụ việc"},
};

/* ---- sums by subkey, and the SVG chart --------------------------------------- */

struct agg {
    int n;
    const char *key[STATS_MAX_KEYS];        /* point into the PGresult */
    long long sum[STATS_MAX_KEYS];
};

static long long section_sum(PGresult *res, const char *section, struct agg *a)
{
    long long total = 0;
    if (a) a->n = 0;
    for (int i = 0; i < PQntuples(res); i++) {
        if (strcmp(PQgetvalue(res, i, 0), section) != 0)
            continue;
        long long v = atoll(PQgetvalue(res, i, 3));
        total += v;
        if (!a)
            continue;
        const char *k = PQgetvalue(res, i, 2);
        int j = 0;
        while (j < a->n && strcmp(a->key[j], k) != 0) j++;
        if (j == a->n) {
            if (a->n == STATS_MAX_KEYS) continue;      /* the table below still lists it */
            a->key[a->n] = k;
            a->sum[a->n++] = 0;
        }
        a->sum[j] += v;
    }
    return total;
}

enum agg_order { BY_STAGE, BY_KEY, BY_COUNT };

static void agg_sort(struct agg *a, enum agg_order o)
{
    for (int i = 1; i < a->n; i++)
        for (int j = i; j > 0; j--) {
            int c = o == BY_STAGE ? stage_rank(a->key[j - 1]) - stage_rank(a->key[j])
                  : o == BY_KEY ? strcmp(a->key[j - 1], a->key[j])
                  : (a->sum[j - 1] < a->sum[j]) - (a->sum[j - 1] > a->sum[j]);
            if (c <= 0) break;
            const char *tk = a->key[j]; a->key[j] = a->key[j - 1]; a->key[j - 1] = tk;
            long long ts = a->sum[j]; a->sum[j] = a->sum[j - 1]; a->sum[j - 1] = ts;
        }
}

/* Horizontal bars: label, bar scaled to the largest value, the value. */
static void svg_bars(struct sbuf *b, const char *id, const char *title, const char *section,
                     const struct agg *a)
{
    const int lw = 200, bw = 360, rh = 24, w = lw + bw + 70;
    long long max = 1;
    for (int i = 0; i < a->n; i++)
        if (a->sum[i] > max) max = a->sum[i];
    sbuf_printf(b, "<figure class=\"chart\"><figcaption>%s</figcaption>", title);
    if (a->n == 0) {
        sbuf_puts(b, "<p class=\"empty\">Không có số liệu.</p></figure>");
        return;
    }
    sbuf_printf(b, "<svg id=\"%s\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                   "viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"%s\">",
                id, w, a->n * rh + 4, w, a->n * rh + 4, title);
    for (int i = 0; i < a->n; i++) {
        int y = i * rh + 2;
        int len = (int)((double)a->sum[i] / (double)max * bw);
        if (len < 1 && a->sum[i] > 0) len = 1;
        sbuf_printf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" class=\"lbl\">", lw - 8, y + 16);
        html_esc(b, k2_vi(section, a->key[i]));
        sbuf_printf(b, "</text><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" class=\"bar\" data-key=\"",
                    lw, y + 3, len, rh - 6);
        html_esc(b, a->key[i]);
        sbuf_printf(b, "\" data-value=\"%lld\"></rect><text x=\"%d\" y=\"%d\" class=\"val\">%lld</text>",
                    a->sum[i], lw + len + 6, y + 16, a->sum[i]);
    }
    sbuf_puts(b, "</svg></figure>");
}

static void section_table(struct sbuf *b, PGresult *res, int s)
{
    int shown = 0;
    long long total = 0;
    for (int i = 0; i < PQntuples(res); i++) {
        if (strcmp(PQgetvalue(res, i, 0), sections[s].section) != 0)
            continue;
        if (!shown++)
            sbuf_printf(b, "<h2>%s</h2><table class=\"list stats\" id=\"t-%s\"><thead><tr><th>%s</th>"
                           "<th>%s</th><th class=\"num\">Số lượng</th></tr></thead><tbody>",
                        sections[s].title, sections[s].section, sections[s].k1, sections[s].k2);
        sbuf_puts(b, "<tr><td>");
        html_esc(b, PQgetvalue(res, i, 1));
        sbuf_puts(b, "</td><td>");
        html_esc(b, k2_vi(sections[s].section, PQgetvalue(res, i, 2)));
        sbuf_printf(b, "</td><td class=\"num\">%s</td></tr>", PQgetvalue(res, i, 3));
        total += atoll(PQgetvalue(res, i, 3));
    }
    if (shown)
        sbuf_printf(b, "</tbody><tfoot><tr><th colspan=\"2\">Tổng</th><th class=\"num\">%lld</th></tr>"
                       "</tfoot></table>", total);
    else
        sbuf_printf(b, "<h2>%s</h2><p class=\"empty\">Không có số liệu.</p>", sections[s].title);
}

static void overdue_list(struct sbuf *b, struct web_req *r)
{
    char uid[32];
    snprintf(uid, sizeof uid, "%lld", r->user.id);
    const char *pa[1] = {uid};
    PGresult *res = PQexecParams(r->db,
        "SELECT c.id, c.code, c.unit_name, c.stage::text, coalesce(c.procurator_name, ''), "
        "       to_char(c.next_due_on, 'DD/MM/YYYY'), coalesce(c.next_due_what, '') "
        "  FROM " WEB_CASE_FROM " WHERE c.overdue "
        "   AND c.unit_id IN (SELECT unit_id FROM web_visible_units($1::bigint)) "
        " ORDER BY c.next_due_on, c.code LIMIT 500",
        1, NULL, pa, NULL, NULL, 0);
    sbuf_puts(b, "<h2>Vụ việc quá hạn</h2>");
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        log_error("stage=web msg=\"overdue query failed\" pg=\"%s\"", PQresultErrorMessage(res));
        sbuf_puts(b, "<p class=\"flash error\">Lỗi cơ sở dữ liệu khi đọc danh sách quá hạn.</p>");
        PQclear(res);
        return;
    }
    if (PQntuples(res) == 0) {
        sbuf_puts(b, "<p class=\"empty\" id=\"overdue-empty\">Không có vụ việc nào quá hạn.</p>");
        PQclear(res);
        return;
    }
    sbuf_puts(b, "<table class=\"list\" id=\"overdue\"><thead><tr><th>Mã vụ việc</th><th>Đơn vị</th>"
                 "<th>Giai đoạn</th><th>Kiểm sát viên</th><th>Hạn</th><th>Việc phải làm</th></tr></thead><tbody>");
    for (int i = 0; i < PQntuples(res); i++) {
        sbuf_printf(b, "<tr class=\"overdue\"><td><a href=\"/cases/%s\">", PQgetvalue(res, i, 0));
        html_esc(b, PQgetvalue(res, i, 1));
        sbuf_puts(b, "</a></td><td>");
        html_esc(b, PQgetvalue(res, i, 2));
        sbuf_puts(b, "</td><td>");
        html_esc(b, stage_vi(PQgetvalue(res, i, 3)));
        for (int c = 4; c <= 6; c++) {
            sbuf_puts(b, "</td><td>");
            html_esc(b, PQgetvalue(res, i, c));
        }
        sbuf_puts(b, "</td></tr>");
    }
    sbuf_puts(b, "</tbody></table>");
    PQclear(res);
}

void stats_page(struct web_req *r, struct web_resp *p)
{
    char from[16], to[16];
    if (!period(r, from, to)) {
        html_error_page(p, r, 400, "Khoảng thời gian không hợp lệ: dùng ngày dạng YYYY-MM-DD, "
                                   "từ ngày không sau đến ngày.");
        return;
    }
    PGresult *res = report(r, from, to);
    if (!res) {
        html_error_page(p, r, 400, "Không tính được thống kê cho khoảng thời gian này (ngày không tồn tại?).");
        return;
    }
    struct agg *a = xcalloc(1, sizeof *a);
    struct sbuf *b = &p->body;
    sbuf_reset(b);
    html_begin(b, r, "Thống kê", "stats");
    sbuf_puts(b, "<section class=\"stats\"><h1>Thống kê <span class=\"count\">");
    html_esc(b, r->user.unit_name);
    sbuf_puts(b, " và các đơn vị trực thuộc</span></h1>"
                 "<form method=\"get\" action=\"/stats\" class=\"filters\">"
                 "<label>Từ ngày<input type=\"date\" name=\"from\" id=\"f-from\" value=\"");
    html_esc(b, from);
    sbuf_puts(b, "\"></label><label>Đến ngày<input type=\"date\" name=\"to\" id=\"f-to\" value=\"");
    html_esc(b, to);
    sbuf_printf(b, "\"></label><button type=\"submit\">Xem</button>"
                   "<a id=\"csv-link\" href=\"/stats.csv?from=%s&amp;to=%s\">Tải CSV</a></form>"
                   "<p class=\"hint\">Năm thống kê tính từ 01/12 đến 30/11. Cùng số liệu với lệnh "
                   "<code>ancong report</code>.</p>", from, to);

    long long ncases = section_sum(res, "cases_by_stage", NULL);
    long long ndocs = section_sum(res, "documents_by_type", NULL);
    long long nover = section_sum(res, "overdue", NULL);
    sbuf_printf(b, "<dl class=\"totals\"><div><dt>Vụ việc trong kỳ</dt><dd id=\"total-cases\">%lld</dd></div>"
                   "<div><dt>Văn bản trong kỳ</dt><dd id=\"total-documents\">%lld</dd></div>"
                   "<div><dt>Vụ việc quá hạn</dt><dd id=\"total-overdue\">%lld</dd></div></dl>",
                ncases, ndocs, nover);

    sbuf_puts(b, "<div class=\"charts\">");
    section_sum(res, "cases_by_stage", a);
    agg_sort(a, BY_STAGE);
    svg_bars(b, "chart-stage", "Vụ việc theo giai đoạn", "cases_by_stage", a);
    section_sum(res, "documents_by_type", a);
    agg_sort(a, BY_COUNT);
    svg_bars(b, "chart-type", "Văn bản theo loại", "documents_by_type", a);
    section_sum(res, "documents_by_month", a);
    agg_sort(a, BY_KEY);
    svg_bars(b, "chart-month", "Văn bản theo tháng", "documents_by_month", a);
    sbuf_puts(b, "</div>");

    overdue_list(b, r);
    for (int s = 0; s < (int)(sizeof sections / sizeof sections[0]); s++)
        if (strcmp(sections[s].section, "overdue") != 0)
            section_table(b, res, s);
    sbuf_puts(b, "</section>");
    html_end(b, NULL);
    free(a);
    PQclear(res);
}
