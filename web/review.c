/*
 * web/review.c: the review screen and the JSON API its script uses.
 *
 *   GET  /review/ID                     the screen (document JSON embedded)
 *   GET  /review/next?after=ID          redirect to the next document in the queue
 *   GET  /api/documents/ID[?type=T]     the document as JSON (fields listed for T)
 *   POST /api/documents/ID/fields       version, name, value: correct or accept a field
 *   POST /api/documents/ID/type         version, doc_type: change the document type
 *   POST /api/documents/ID/approve      version: approve and queue the signing job
 *   POST /api/documents/ID/case         version, case_code: attach to the case of that
 *                                       code in the document's unit (created if new)
 *   POST /api/documents/ID/boundary     version, edge (start|end), delta (-1|1): move the
 *                                       boundary between this part of a split bundle and
 *                                       the adjacent part by one page
 *   POST /api/documents/ID/reopen       version: an indexed document back to review
 *   POST /api/documents/ID/merge        version: merge this part with the next part
 *                                       (right after it, or after separator sheets
 *                                       only, which then join the part)
 *   POST /api/documents/ID/split        version, page: split this part (or a whole
 *                                       file not split yet) so that page starts a new part
 *
 * A move, merge or split queues a "reanalyze" job for every part affected
 * (workers/reanalyze.h): the parts are classified and their fields extracted
 * again from the kept OCR.  Until the job is done the part is shown as
 * "re-analysing" and cannot be changed.
 * Every call re-checks that the user's unit may see the document (404 when
 * not: another province's documents do not exist for this user).  Every
 * change runs in one transaction that first bumps documents.version from
 * the version the client saw: when it moved, someone else changed the
 * document and the caller gets 409 with who and when, never a silent
 * overwrite.  Each change writes a field revision (who, when, old, new) and
 * an audit-log row in that same transaction.
 */
#include "web/web_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "common/log.h"
#include "pipeline/pipeline.h"

#define MAX_VALUE 4000
#define CASE_CODE_MAX 100

struct doc_head {
    char id[32], version[32], status[32], doc_type[DOC_TYPE_MAX + 1];
};

static PGresult *q(struct web_req *r, const char *sql, int n, const char *const *pa)
{
    PGresult *res = PQexecParams(r->db, sql, n, NULL, pa, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
        log_error("stage=web msg=\"query failed\" pg=\"%s\"", PQresultErrorMessage(res));
        PQclear(res);
        return NULL;
    }
    return res;
}

static void exec_simple(struct web_req *r, const char *sql)
{
    PQclear(PQexec(r->db, sql));
}

/* COMMIT, and say whether it did: the deferred triggers (schema/0040,
 * 0044: the case index recomputed from the changed fields and documents)
 * run now and may fail it, and then nothing was stored.  On failure p is
 * set to a 500 saying so; the caller must not answer "ok". */
static bool commit_ok(struct web_req *r, struct web_resp *p, long long id, const char *what)
{
    PGresult *res = PQexec(r->db, "COMMIT");
    bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    if (!ok) {
        log_error("stage=web msg=\"commit failed\" what=%s document=%lld pg=\"%s\"", what, id,
                  PQresultErrorMessage(res));
        web_json_error(p, 500, "database", "Lỗi cơ sở dữ liệu khi lưu, thay đổi CHƯA được lưu. "
                       "Tải lại trang (F5) rồi thử lại; nếu vẫn lỗi, báo quản trị.");
    }
    PQclear(res);
    return ok;
}

/* A re-analysis of the document is queued or running: 1 yes, 0 no, -1 error. */
static int reanalysis_pending(struct web_req *r, const char *id)
{
    const char *pa[1] = {id};
    PGresult *res = q(r, "SELECT count(*) FROM jobs WHERE document_id = $1::bigint "
                         "   AND kind = 'reanalyze' AND state IN ('ready', 'running')", 1, pa);
    if (!res)
        return -1;
    int n = atoi(PQgetvalue(res, 0, 0)) > 0;
    PQclear(res);
    return n;
}

/* Queue the re-analysis of a part, asked for by this user.  0 ok, -1 error. */
static int queue_reanalysis(struct web_req *r, const char *id)
{
    char uid[32];
    snprintf(uid, sizeof uid, "%lld", r->user.id);
    const char *pa[2] = {id, uid};
    PGresult *res = q(r, "SELECT web_queue_reanalyze($1::bigint, $2::int)", 2, pa);
    PQclear(res);
    return res ? 0 : -1;
}

/* The document if the user may see it: 1 found, 0 not (or not visible), -1 error. */
static int load_head(struct web_req *r, long long id, struct doc_head *h, bool lock)
{
    char uid[32], did[32];
    snprintf(uid, sizeof uid, "%lld", r->user.id);
    snprintf(did, sizeof did, "%lld", id);
    const char *pa[2] = {uid, did};
    PGresult *res = q(r, lock
        ? "SELECT d.id, d.version, d.status, coalesce(d.doc_type, '') FROM web_doc_rw d "
          " WHERE d.id = $2::bigint AND " VISIBLE_SQL("$1::bigint") " FOR UPDATE"
        : "SELECT d.id, d.version, d.status, coalesce(d.doc_type, '') FROM web_doc_rw d "
          " WHERE d.id = $2::bigint AND " VISIBLE_SQL("$1::bigint"),
        2, pa);
    if (!res)
        return -1;
    int found = PQntuples(res) == 1;
    if (found) {
        snprintf(h->id, sizeof h->id, "%s", PQgetvalue(res, 0, 0));
        snprintf(h->version, sizeof h->version, "%s", PQgetvalue(res, 0, 1));
        snprintf(h->status, sizeof h->status, "%s", PQgetvalue(res, 0, 2));
        snprintf(h->doc_type, sizeof h->doc_type, "%s", PQgetvalue(res, 0, 3));
    }
    PQclear(res);
    return found;
}

/* Write the document as JSON.  type: list the fields of this type instead of
 * the document's own (the type picker re-lists before saving).  0 ok, -1 error. */
static int doc_json(struct web_req *r, long long id, const char *type, struct sbuf *out)
{
    char uid[32], did[32];
    snprintf(uid, sizeof uid, "%lld", r->user.id);
    snprintf(did, sizeof did, "%lld", id);
    const char *pa[2] = {uid, did};
    int rc = -1;
    PGresult *d = NULL, *pages = NULL, *fields = NULL, *revs = NULL, *part = NULL, *warns = NULL, *kids = NULL;
    /* Whether a re-analysis is pending, read before the document: each
     * statement sees what was committed when it began, so a worker storing
     * its result between the two reads shows as still re-analysing (and the
     * screen polls again), never as done with the old type and fields. */
    int busy = reanalysis_pending(r, did);
    if (busy < 0)
        return -1;
    d = q(r, "SELECT d.id, d.version, d.status, coalesce(d.doc_type, 'khac'), d.file_name, "
             "       coalesce(d.station, ''), coalesce(d.case_code, ''), d.unit_name, "
             "       to_char(d.created_at, 'DD/MM/YYYY HH24:MI'), coalesce(d.doc_type_confidence, 0), "
             "       coalesce((SELECT x.case_id FROM documents x WHERE x.id = d.id), 0), "
             "       coalesce((SELECT x.error FROM documents x WHERE x.id = d.id), '') "
             "  FROM web_doc d WHERE d.id = $2::bigint AND " VISIBLE_SQL("$1::bigint"), 2, pa);
    if (!d || PQntuples(d) != 1)
        goto out;
    pages = q(r, "SELECT number, coalesce(text, ''), coalesce(width_px, 0), coalesce(height_px, 0) "
                 "  FROM web_page WHERE document_id = $1::bigint ORDER BY number", 1, pa + 1);
    fields = q(r, "SELECT name, coalesce(value, ''), coalesce(confidence, 0), coalesce(page, 0), "
                  "       x0, y0, x1, y1, reviewed "
                  "  FROM web_field WHERE document_id = $1::bigint", 1, pa + 1);
    revs = q(r, "SELECT v.field, coalesce(v.old_value, ''), coalesce(v.new_value, ''), "
                "       coalesce(u.full_name, u.login, '?'), to_char(v.at, 'DD/MM/YYYY HH24:MI:SS') "
                "  FROM web_revision v LEFT JOIN users u ON u.id = v.user_id "
                " WHERE v.document_id = $1::bigint ORDER BY v.at DESC, v.id DESC LIMIT 100", 1, pa + 1);
    /* A part of a split bundle: its range in the file and its neighbours. */
    part = q(r, "SELECT d.first_page, d.last_page, "
                "       (SELECT count(*) FROM documents n WHERE n.parent_id = d.parent_id AND n.last_page = d.first_page - 1), "
                "       (SELECT count(*) FROM documents n WHERE n.parent_id = d.parent_id AND n.first_page = d.last_page + 1), "
                "       coalesce((SELECT p.npages FROM documents p WHERE p.id = d.parent_id), 0), "
                /* the next part, right after or after separator sheets only: mergeable */
                "       (SELECT count(*) FROM documents n WHERE n.parent_id = d.parent_id AND n.first_page > d.last_page "
                "           AND NOT EXISTS (SELECT 1 FROM pages g WHERE g.document_id = d.parent_id "
                "                  AND g.number > d.last_page AND g.number < n.first_page "
                "                  AND NOT (g.blank OR coalesce(g.extra->>'separator', '') = 'true'))) "
                "  FROM documents d WHERE d.id = $1::bigint AND d.parent_id IS NOT NULL "
                "   AND d.first_page IS NOT NULL AND d.last_page IS NOT NULL", 1, pa + 1);
    /* what the readers worked around (a damaged PDF rebuilt, no text found):
     * why a document with no unsure field may be in the queue */
    warns = q(r, "SELECT w FROM jsonb_array_elements_text(ancong_jarr(" WEB_WARNINGS_SQL("$1::bigint") ")) w",
              1, pa + 1);
    if (!pages || !fields || !revs || !part || !warns)
        goto out;
    /* a whole file with parts is split already: its parts are split further */
    kids = q(r, "SELECT id, coalesce(first_page, 0), coalesce(last_page, 0), coalesce(doc_type, ''), status "
                "  FROM documents WHERE parent_id = $1::bigint ORDER BY first_page, id", 1, pa + 1);
    if (!kids)
        goto out;
    /* a bundle is reviewed part by part: the whole file is not editable */
    bool bundle = PQntuples(kids) > 0;

    const char *dtype = type && doc_type_valid(type) ? type : PQgetvalue(d, 0, 3);
    struct json j;
    json_init(&j, out, false);
    json_obj_begin(&j);
    json_key(&j, "id"); json_int(&j, atoll(PQgetvalue(d, 0, 0)));
    json_key(&j, "version"); json_int(&j, atoll(PQgetvalue(d, 0, 1)));
    json_key(&j, "status"); json_str(&j, PQgetvalue(d, 0, 2));
    json_key(&j, "status_vi"); json_str(&j, status_vi(PQgetvalue(d, 0, 2)));
    json_key(&j, "doc_type"); json_str(&j, dtype);
    json_key(&j, "stored_doc_type"); json_str(&j, PQgetvalue(d, 0, 3));
    json_key(&j, "doc_type_confidence"); json_num(&j, atof(PQgetvalue(d, 0, 9)), 2);
    json_key(&j, "file"); json_str(&j, PQgetvalue(d, 0, 4));
    json_key(&j, "station"); json_str(&j, PQgetvalue(d, 0, 5));
    json_key(&j, "case"); json_str(&j, PQgetvalue(d, 0, 6));
    json_key(&j, "case_id"); json_int(&j, atoll(PQgetvalue(d, 0, 10)));
    json_key(&j, "unit"); json_str(&j, PQgetvalue(d, 0, 7));
    json_key(&j, "received"); json_str(&j, PQgetvalue(d, 0, 8));
    json_key(&j, "editable");
    json_bool(&j, web_can_edit(&r->user) && strcmp(PQgetvalue(d, 0, 2), "needs_review") == 0 && !busy && !bundle);
    /* the parts of a bundle, each with its own review screen */
    json_key(&j, "bundle_parts");
    json_arr_begin(&j);
    for (int i = 0; i < PQntuples(kids); i++) {
        json_obj_begin(&j);
        json_key(&j, "id"); json_int(&j, atoll(PQgetvalue(kids, i, 0)));
        json_key(&j, "first_page"); json_int(&j, atoi(PQgetvalue(kids, i, 1)));
        json_key(&j, "last_page"); json_int(&j, atoi(PQgetvalue(kids, i, 2)));
        const char *kt = PQgetvalue(kids, i, 3);
        json_key(&j, "doc_type"); json_str(&j, *kt ? doc_type_vi(kt) : "Chưa phân loại");
        json_key(&j, "status"); json_str(&j, PQgetvalue(kids, i, 4));
        json_key(&j, "status_vi"); json_str(&j, status_vi(PQgetvalue(kids, i, 4)));
        json_obj_end(&j);
    }
    json_arr_end(&j);
    json_key(&j, "reanalyzing"); json_bool(&j, busy);
    /* why the last processing or re-analysis failed (what to do is in it) */
    json_key(&j, "error"); json_str(&j, PQgetvalue(d, 0, 11));
    json_key(&j, "parts_editable");
    json_bool(&j, web_can_edit(&r->user) && !busy && (strcmp(PQgetvalue(d, 0, 2), "needs_review") == 0 ||
                                                      strcmp(PQgetvalue(d, 0, 2), "indexed") == 0));
    json_key(&j, "can_split"); json_bool(&j, !bundle && PQntuples(pages) > 1);
    json_key(&j, "can_reopen");
    json_bool(&j, web_can_edit(&r->user) && !busy && !bundle && strcmp(PQgetvalue(d, 0, 2), "indexed") == 0);
    json_key(&j, "threshold"); json_num(&j, r->cfg->review_threshold, 2);
    json_key(&j, "warnings");
    json_arr_begin(&j);
    for (int i = 0; i < PQntuples(warns); i++)
        json_str(&j, PQgetvalue(warns, i, 0));
    json_arr_end(&j);
    json_key(&j, "part");
    if (PQntuples(part) == 1) {
        json_obj_begin(&j);
        json_key(&j, "first_page"); json_int(&j, atoi(PQgetvalue(part, 0, 0)));
        json_key(&j, "last_page"); json_int(&j, atoi(PQgetvalue(part, 0, 1)));
        json_key(&j, "has_prev"); json_bool(&j, atoi(PQgetvalue(part, 0, 2)) > 0);
        json_key(&j, "has_next"); json_bool(&j, atoi(PQgetvalue(part, 0, 3)) > 0);
        json_key(&j, "can_merge_next"); json_bool(&j, atoi(PQgetvalue(part, 0, 5)) > 0);
        json_key(&j, "file_pages"); json_int(&j, atoi(PQgetvalue(part, 0, 4)));
        json_obj_end(&j);
    } else {
        json_null(&j);
    }
    json_key(&j, "doc_types");
    json_arr_begin(&j);
    for (int i = 0; doc_types[i]; i++) {
        json_obj_begin(&j);
        json_key(&j, "id"); json_str(&j, doc_types[i]);
        json_key(&j, "name"); json_str(&j, doc_type_vi(doc_types[i]));
        json_obj_end(&j);
    }
    json_arr_end(&j);
    json_key(&j, "pages");
    json_arr_begin(&j);
    for (int i = 0; i < PQntuples(pages); i++) {
        json_obj_begin(&j);
        json_key(&j, "number"); json_int(&j, atoi(PQgetvalue(pages, i, 0)));
        json_key(&j, "width"); json_int(&j, atoi(PQgetvalue(pages, i, 2)));
        json_key(&j, "height"); json_int(&j, atoi(PQgetvalue(pages, i, 3)));
        json_obj_end(&j);
    }
    json_arr_end(&j);
    json_key(&j, "fields");
    json_arr_begin(&j);
    for (int f = 0; f < F_COUNT; f++) {
        const char *name = field_name((enum field_id)f);
        int row = -1;
        for (int i = 0; i < PQntuples(fields); i++)
            if (strcmp(PQgetvalue(fields, i, 0), name) == 0) row = i;
        if (!doc_type_has_field(dtype, (enum field_id)f) && row < 0)
            continue;
        json_obj_begin(&j);
        json_key(&j, "name"); json_str(&j, name);
        json_key(&j, "label"); json_str(&j, field_label_vi(name));
        json_key(&j, "in_type"); json_bool(&j, doc_type_has_field(dtype, (enum field_id)f));
        /* a field the type carries, so an empty one is "missing" (the
         * queue's rule, web/queue.c queue_why) */
        json_key(&j, "expected");
        json_bool(&j, strcmp(dtype, "khac") != 0 && f != F_QUYEN_HAN_KY &&
                      doc_type_has_field(dtype, (enum field_id)f) &&
                      !(f == F_MA_VU_VIEC && strcmp(dtype, "don_khoi_kien") == 0));
        json_key(&j, "value"); json_str(&j, row >= 0 ? PQgetvalue(fields, row, 1) : "");
        json_key(&j, "confidence"); json_num(&j, row >= 0 ? atof(PQgetvalue(fields, row, 2)) : 0, 2);
        json_key(&j, "page"); json_int(&j, row >= 0 ? atoi(PQgetvalue(fields, row, 3)) : 0);
        json_key(&j, "bbox");
        if (row >= 0 && !PQgetisnull(fields, row, 4)) {
            json_arr_begin(&j);
            for (int k = 4; k <= 7; k++) json_int(&j, atoi(PQgetvalue(fields, row, k)));
            json_arr_end(&j);
        } else {
            json_null(&j);
        }
        json_key(&j, "reviewed");
        json_bool(&j, row >= 0 && strcmp(PQgetvalue(fields, row, 8), "t") == 0);
        const struct web_choice *ch = web_field_choices(name);
        if (ch) {           /* a value from a fixed list: the ids the server takes */
            json_key(&j, "choices");
            json_arr_begin(&j);
            for (int k = 0; ch[k].id; k++) {
                json_obj_begin(&j);
                json_key(&j, "id"); json_str(&j, ch[k].id);
                json_key(&j, "name"); json_str(&j, ch[k].vi);
                json_obj_end(&j);
            }
            json_arr_end(&j);
        }
        json_obj_end(&j);
    }
    json_arr_end(&j);
    json_key(&j, "revisions");
    json_arr_begin(&j);
    for (int i = 0; i < PQntuples(revs); i++) {
        const char *fname = PQgetvalue(revs, i, 0);
        json_obj_begin(&j);
        json_key(&j, "field"); json_str(&j, fname);
        json_key(&j, "label"); json_str(&j, strcmp(fname, "doc_type") == 0 ? "Loại văn bản" : field_label_vi(fname));
        bool is_type = strcmp(fname, "doc_type") == 0;
        const char *ov = PQgetvalue(revs, i, 1), *nv = PQgetvalue(revs, i, 2);
        json_key(&j, "old"); json_str(&j, is_type && *ov ? doc_type_vi(ov) : ov);
        json_key(&j, "new"); json_str(&j, is_type && *nv ? doc_type_vi(nv) : nv);
        json_key(&j, "by"); json_str(&j, PQgetvalue(revs, i, 3));
        json_key(&j, "at"); json_str(&j, PQgetvalue(revs, i, 4));
        json_obj_end(&j);
    }
    json_arr_end(&j);
    json_obj_end(&j);
    rc = 0;
out:
    PQclear(d);
    PQclear(pages);
    PQclear(fields);
    PQclear(revs);
    PQclear(part);
    PQclear(warns);
    PQclear(kids);
    return rc;
}

void review_page(struct web_req *r, struct web_resp *p, long long id)
{
    struct sbuf js = SBUF_INIT;
    if (doc_json(r, id, NULL, &js) < 0) {
        sbuf_release(&js);
        html_error_page(p, r, 404, "Không tìm thấy tài liệu, hoặc tài liệu thuộc đơn vị bạn không có quyền xem.");
        return;
    }
    char did[32];
    snprintf(did, sizeof did, "%lld", id);
    const char *pa[1] = {did};
    PGresult *pages = q(r, "SELECT number, coalesce(text, '') FROM web_page "
                           " WHERE document_id = $1::bigint ORDER BY number", 1, pa);
    PGresult *d = q(r, "SELECT file_name FROM web_doc WHERE id = $1::bigint", 1, pa);
    struct sbuf *b = &p->body;
    sbuf_reset(b);
    html_begin(b, r, "Duyệt tài liệu", "review");
    sbuf_puts(b, "<div class=\"review\"><section class=\"viewer\" id=\"viewer\">"
                 "<div class=\"viewer-bar\"><button type=\"button\" id=\"prev-page\" tabindex=\"-1\">◀</button>"
                 "<span id=\"page-label\"></span><button type=\"button\" id=\"next-page\" tabindex=\"-1\">▶</button>"
                 "<button type=\"button\" id=\"zoom-out\" tabindex=\"-1\">−</button><span id=\"zoom-label\">100%</span>"
                 "<button type=\"button\" id=\"zoom-in\" tabindex=\"-1\">+</button></div>"
                 "<div class=\"scroller\" id=\"scroller\"><div class=\"pagewrap\" id=\"pagewrap\">"
                 "<img id=\"page-img\" alt=\"Ảnh trang tài liệu\"><div class=\"box\" id=\"field-box\" hidden></div>"
                 "</div></div></section><section class=\"side\"><h1 id=\"doc-file\">");
    if (d && PQntuples(d) == 1) html_esc(b, PQgetvalue(d, 0, 0));
    sbuf_puts(b, "</h1><dl class=\"meta\" id=\"doc-meta\"></dl>"
                 "<div class=\"flash\" id=\"flash\" role=\"alert\" hidden></div>"
                 "<section class=\"why\" id=\"review-why\" hidden><h2>Vì sao tài liệu cần duyệt</h2>"
                 "<p id=\"type-unsure\" hidden></p>"
                 "<div id=\"doc-warnings\" hidden><h3>Cảnh báo khi đọc tệp: đối chiếu với bản giấy</h3>"
                 "<ul id=\"warning-list\"></ul></div></section>"
                 "<label class=\"type\">Loại văn bản <select id=\"doc-type\" tabindex=\"-1\"></select></label>"
                 "<form id=\"case-form\" class=\"case-attach\" autocomplete=\"off\"><label for=\"case-code\">Vụ việc (Alt+V)</label>"
                 "<input id=\"case-code\" name=\"case_code\" maxlength=\"100\" tabindex=\"-1\" placeholder=\"Mã vụ việc\">"
                 "<button type=\"submit\" id=\"case-attach\" tabindex=\"-1\">Gắn vào vụ việc</button>"
                 "<a id=\"case-link\" hidden>Xem vụ việc</a></form>"
                 "<div class=\"part\" id=\"part\" hidden><span id=\"part-range\"></span> "
                 "<button type=\"button\" id=\"start-up\" tabindex=\"-1\" title=\"Alt+[\">⇤ bắt đầu sớm hơn</button>"
                 "<button type=\"button\" id=\"start-down\" tabindex=\"-1\" title=\"Alt+]\">bắt đầu muộn hơn</button>"
                 "<button type=\"button\" id=\"end-up\" tabindex=\"-1\" title=\"Alt+,\">kết thúc sớm hơn</button>"
                 "<button type=\"button\" id=\"end-down\" tabindex=\"-1\" title=\"Alt+.\">kết thúc muộn hơn ⇥</button>"
                 "<button type=\"button\" id=\"merge-next\" tabindex=\"-1\" title=\"Alt+M\">gộp với phần sau (Alt+M)</button>"
                 "<button type=\"button\" id=\"split-here\" tabindex=\"-1\" title=\"Alt+S\">tách: trang đang xem bắt đầu phần mới (Alt+S)</button>"
                 "<span class=\"reanalyzing\" id=\"reanalyzing\" role=\"status\" hidden>Đang phân tích lại loại văn bản và các trường…</span></div>"
                 "<section class=\"bundle\" id=\"bundle-parts\" hidden><h2>Tệp gồm nhiều văn bản: duyệt từng phần</h2>"
                 "<p>Tệp này đã được tách thành các phần dưới đây. Mở từng phần để xem, sửa và duyệt; "
                 "không duyệt cả tệp.</p><ol id=\"bundle-list\"></ol></section>"
                 "<form id=\"fields\" class=\"fields\" autocomplete=\"off\"></form>"
                 "<div class=\"actions\"><button type=\"button\" id=\"approve\" class=\"primary\">Duyệt và chuyển ký số (Ctrl+Enter)</button>"
                 "<button type=\"button\" id=\"skip\">Bỏ qua (Ctrl+→)</button>"
                 "<button type=\"button\" id=\"reopen\" hidden title=\"Alt+O\">Mở lại để sửa (Alt+O)</button></div>"
                 "<p class=\"keys\">Enter: lưu / xác nhận trường và sang trường cần xem tiếp · Tab, Shift+Tab: di chuyển · "
                 "Ctrl+Enter: duyệt tài liệu · Ctrl+→: bỏ qua · Alt+↑/↓: trang · Ctrl +/−: thu phóng</p>"
                 "<p class=\"keys\" id=\"part-keys\">Tệp gộp nhiều văn bản: Alt+[ / Alt+]: phần bắt đầu sớm / muộn hơn một trang · "
                 "Alt+, / Alt+.: phần kết thúc sớm / muộn hơn một trang · Alt+M: gộp với phần sau · "
                 "Alt+S: tách, trang đang xem bắt đầu phần mới. Sau mỗi thay đổi, các phần liên quan được phân tích lại.</p>"
                 "<h2>Văn bản nhận dạng (OCR)</h2><div id=\"ocr\">");
    for (int i = 0; pages && i < PQntuples(pages); i++) {
        sbuf_printf(b, "<pre class=\"ocr-text\" data-page=\"%s\">", PQgetvalue(pages, i, 0));
        html_esc(b, PQgetvalue(pages, i, 1));
        sbuf_puts(b, "</pre>");
    }
    sbuf_puts(b, "</div><h2>Lịch sử sửa</h2><table class=\"list\" id=\"revisions\"><thead><tr><th>Trường</th>"
                 "<th>Giá trị cũ</th><th>Giá trị mới</th><th>Người sửa</th><th>Lúc</th></tr></thead><tbody></tbody></table>"
                 "</section></div><script type=\"application/json\" id=\"doc-data\">");
    sbuf_add(b, js.s, js.len);    /* json_escape writes < > & as \u003c...: cannot close the element */
    sbuf_puts(b, "</script>");
    html_end(b, "/static/review.js");
    sbuf_release(&js);
    PQclear(pages);
    PQclear(d);
}

void review_next(struct web_req *r, struct web_resp *p)
{
    long long after = web_parse_id(web_query(r, "after"));
    long long next = queue_next(r, after > 0 ? after : 0);
    char to[64];
    if (next > 0) snprintf(to, sizeof to, "/review/%lld", next);
    else snprintf(to, sizeof to, "/queue");
    web_redirect(p, to);
}

static void json_ok_doc(struct web_req *r, struct web_resp *p, long long id, const char *extra_key,
                        long long extra)
{
    struct sbuf js = SBUF_INIT;
    if (doc_json(r, id, NULL, &js) < 0) {
        sbuf_release(&js);
        web_json_error(p, 500, "internal", "Lỗi khi đọc lại tài liệu.");
        return;
    }
    p->status = 200;
    p->ctype = "application/json; charset=utf-8";
    sbuf_reset(&p->body);
    sbuf_puts(&p->body, "{\"ok\":true,");
    if (extra_key) sbuf_printf(&p->body, "\"%s\":%lld,", extra_key, extra);
    sbuf_puts(&p->body, "\"document\":");
    sbuf_add(&p->body, js.s, js.len);
    sbuf_puts(&p->body, "}");
    sbuf_release(&js);
}

/* Inside the transaction, with the row locked: refuse when the document
 * moved on.  Returns true when the change may go ahead, else p is set. */
static bool check_state(struct web_req *r, struct web_resp *p, const struct doc_head *h,
                        const char *client_version, bool structural)
{
    /* The parts of a bundle may be moved, merged or split until they are
     * approved: a re-analysis that found a part confident (indexed) must
     * not lock the reviewer out of correcting the split further. */
    bool open = strcmp(h->status, "needs_review") == 0 ||
                (structural && strcmp(h->status, "indexed") == 0);
    if (!open) {
        char msg[300];
        snprintf(msg, sizeof msg, "Tài liệu không còn ở trạng thái chờ duyệt (hiện tại: %s). "
                 "Tải lại trang để xem.", status_vi(h->status));
        web_json_error(p, 409, "state", msg);
        return false;
    }
    int busy = reanalysis_pending(r, h->id);
    if (busy != 0) {
        web_json_error(p, busy < 0 ? 500 : 409, "reanalyzing",
                       busy < 0 ? "Lỗi cơ sở dữ liệu." :
                       "Tài liệu đang được phân tích lại sau khi đổi trang; chờ vài giây rồi thử lại.");
        return false;
    }
    if (!client_version || strcmp(client_version, h->version) != 0) {
        const char *pa[1] = {h->id};
        PGresult *who = q(r, "SELECT coalesce(u.full_name, u.login), to_char(a.at, 'HH24:MI:SS DD/MM/YYYY') "
                             "  FROM audit_log a JOIN users u ON u.id = a.user_id "
                             " WHERE a.document_id = $1::bigint ORDER BY a.at DESC, a.id DESC LIMIT 1", 1, pa);
        char msg[600];
        if (who && PQntuples(who) == 1)
            snprintf(msg, sizeof msg, "Xung đột: tài liệu vừa được %s sửa lúc %s (phiên bản %s, bạn đang xem "
                     "phiên bản %s). Thay đổi của bạn CHƯA được lưu. Tải lại trang (F5) để xem bản mới nhất rồi sửa tiếp.",
                     PQgetvalue(who, 0, 0), PQgetvalue(who, 0, 1), h->version,
                     client_version ? client_version : "?");
        else
            snprintf(msg, sizeof msg, "Xung đột: tài liệu đã được người khác thay đổi (phiên bản %s). "
                     "Thay đổi của bạn CHƯA được lưu. Tải lại trang (F5) rồi sửa tiếp.", h->version);
        PQclear(who);
        web_json_error(p, 409, "conflict", msg);
        return false;
    }
    return true;
}

static int bump_version(struct web_req *r, const struct doc_head *h, const char *extra_set)
{
    char sql[300];
    snprintf(sql, sizeof sql, "UPDATE web_doc_rw SET version = version + 1, updated_at = now()%s WHERE id = $1::bigint",
             extra_set ? extra_set : "");
    const char *pa[1] = {h->id};
    PGresult *res = q(r, sql, 1, pa);
    PQclear(res);
    return res ? 0 : -1;
}

static int add_revision(struct web_req *r, const char *doc, const char *field, const char *old,
                        const char *new_)
{
    char uid[32];
    snprintf(uid, sizeof uid, "%lld", r->user.id);
    const char *pa[5] = {doc, field, old, new_, uid};
    PGresult *res = q(r, "INSERT INTO field_revisions (field_id, document_id, name, old_value, new_value, "
                         "                             old_confidence, user_id, reason) "
                         "SELECT (SELECT id FROM fields WHERE document_id = $1::bigint AND name = $2), $1::bigint, $2, $3, $4, "
                         "       (SELECT confidence FROM fields WHERE document_id = $1::bigint AND name = $2), "
                         "       $5::int, 'review'", 5, pa);
    PQclear(res);
    return res ? 0 : -1;
}

static int audit_change(struct web_req *r, const char *action, long long id, const char *field,
                        const char *old, const char *new_, const char *version)
{
    struct sbuf d = SBUF_INIT;
    struct json j;
    json_init(&j, &d, false);
    json_obj_begin(&j);
    if (field) { json_key(&j, "field"); json_str(&j, field); }
    if (old) { json_key(&j, "old"); json_str(&j, old); }
    if (new_) { json_key(&j, "new"); json_str(&j, new_); }
    json_key(&j, "version"); json_int(&j, atoll(version) + 1);
    json_obj_end(&j);
    int rc = web_audit(r, action, id, sbuf_cstr(&d));
    sbuf_release(&d);
    return rc;
}

static int link_case(struct web_req *r, const struct doc_head *h, long long id, const char *code,
                     bool bump, long long *case_id, bool *changed);

static void api_field(struct web_req *r, struct web_resp *p, long long id, const struct doc_head *h)
{
    const char *name = web_form(r, "name"), *value = web_form(r, "value");
    if (!name || field_by_name(name) < 0 || !value) {
        exec_simple(r, "ROLLBACK");
        web_json_error(p, 400, "field", "Trường không hợp lệ.");
        return;
    }
    if (strlen(value) > MAX_VALUE) {
        exec_simple(r, "ROLLBACK");
        web_json_error(p, 400, "too_long", "Giá trị quá dài (tối đa 4000 ký tự).");
        return;
    }
    char msg[1024];
    char *nv = web_field_check(name, value, msg, sizeof msg);
    if (!nv) {
        exec_simple(r, "ROLLBACK");
        web_json_error(p, 400, "value", msg);
        return;
    }
    bool is_case = strcmp(name, field_name(F_MA_VU_VIEC)) == 0;
    if (is_case && strlen(nv) > CASE_CODE_MAX) {
        free(nv);
        exec_simple(r, "ROLLBACK");
        web_json_error(p, 400, "value", "Mã vụ việc quá dài (tối đa 100 ký tự).");
        return;
    }
    const char *pa[2] = {h->id, name};
    PGresult *old = q(r, "SELECT value FROM fields WHERE document_id = $1::bigint AND name = $2 FOR UPDATE", 2, pa);
    if (!old) goto dberr;
    bool exists = PQntuples(old) == 1;
    const char *ov = exists && !PQgetisnull(old, 0, 0) ? PQgetvalue(old, 0, 0) : "";
    bool changed = strcmp(ov, nv) != 0;
    char uid[32];
    snprintf(uid, sizeof uid, "%lld", r->user.id);
    const char *pu[4] = {h->id, name, nv, uid};
    PGresult *res = exists
        ? q(r, "UPDATE fields SET value = $3, reviewed_by = $4::int, reviewed_at = now(), "
               "       source = CASE WHEN value IS DISTINCT FROM $3 THEN 'reviewer' ELSE source END, "
               "       updated_by = CASE WHEN value IS DISTINCT FROM $3 THEN $4::int ELSE updated_by END, "
               "       updated_at = CASE WHEN value IS DISTINCT FROM $3 THEN now() ELSE updated_at END "
               " WHERE document_id = $1::bigint AND name = $2", 4, pu)
        : q(r, "INSERT INTO fields (document_id, name, value, confidence, source, updated_by, reviewed_by, reviewed_at) "
               "VALUES ($1::bigint, $2, $3, 1.0, 'reviewer', $4::int, $4::int, now())", 4, pu);
    if (!res) { PQclear(old); goto dberr; }
    PQclear(res);
    /* the case number names the case: the document moves to it (in its
     * unit, created when new), or leaves its case when the number is
     * cleared, as the pipeline links it (store/jobs.c "link the case") */
    long long cid;
    bool moved;
    if (bump_version(r, h, NULL) < 0 ||
        (changed && add_revision(r, h->id, name, exists ? ov : NULL, nv) < 0) ||
        (is_case && link_case(r, h, id, nv, false, &cid, &moved) < 0) ||
        audit_change(r, changed ? "field.update" : "field.accept", id, name, changed ? ov : NULL,
                     changed ? nv : NULL, h->version) < 0) {
        PQclear(old);
        goto dberr;
    }
    PQclear(old);
    free(nv);
    if (!commit_ok(r, p, id, "field"))
        return;
    json_ok_doc(r, p, id, NULL, 0);
    return;
dberr:
    free(nv);
    exec_simple(r, "ROLLBACK");
    web_json_error(p, 500, "database", "Lỗi cơ sở dữ liệu, thay đổi chưa được lưu. Vui lòng thử lại.");
}

static void api_type(struct web_req *r, struct web_resp *p, long long id, const struct doc_head *h)
{
    const char *t = web_form(r, "doc_type");
    if (!t || !doc_type_valid(t)) {
        exec_simple(r, "ROLLBACK");
        web_json_error(p, 400, "doc_type", "Loại văn bản không hợp lệ.");
        return;
    }
    if (strcmp(t, h->doc_type) == 0) {
        exec_simple(r, "ROLLBACK");
        json_ok_doc(r, p, id, NULL, 0);
        return;
    }
    const char *pa[2] = {h->id, t};
    PGresult *res = q(r, "UPDATE web_doc_rw SET doc_type = $2, version = version + 1 WHERE id = $1::bigint", 2, pa);
    if (!res || add_revision(r, h->id, "doc_type", h->doc_type, t) < 0 ||
        audit_change(r, "document.type", id, "doc_type", h->doc_type, t, h->version) < 0) {
        PQclear(res);
        exec_simple(r, "ROLLBACK");
        web_json_error(p, 500, "database", "Lỗi cơ sở dữ liệu, thay đổi chưa được lưu. Vui lòng thử lại.");
        return;
    }
    PQclear(res);
    if (!commit_ok(r, p, id, "type"))
        return;
    json_ok_doc(r, p, id, NULL, 0);
}

/* Send an indexed document (every field was sure, nobody looked) back to
 * the review queue so that a reviewer who sees a wrong value can correct it;
 * audited as document.reopen.  An approved or signed document is not
 * reopened here: its signing is under way or done. */
static void api_reopen(struct web_req *r, struct web_resp *p, long long id, const struct doc_head *h)
{
    if (bump_version(r, h, ", status = 'needs_review'") != 0 ||
        audit_change(r, "document.reopen", id, NULL, NULL, NULL, h->version) != 0) {
        exec_simple(r, "ROLLBACK");
        web_json_error(p, 500, "database", "Lỗi cơ sở dữ liệu, tài liệu chưa được mở lại. Vui lòng thử lại.");
        return;
    }
    if (!commit_ok(r, p, id, "reopen"))
        return;
    log_info("stage=web msg=\"document reopened\" document=%lld user=%s", id, r->user.username);
    json_ok_doc(r, p, id, NULL, 0);
}

static void api_approve(struct web_req *r, struct web_resp *p, long long id, const struct doc_head *h)
{
    char uid[32];
    snprintf(uid, sizeof uid, "%lld", r->user.id);
    const char *pa[2] = {h->id, uid};
    PGresult *a = q(r, "UPDATE fields SET reviewed_by = $2::int, reviewed_at = now() "
                       " WHERE document_id = $1::bigint AND reviewed_at IS NULL", 2, pa);
    PGresult *b = a ? q(r, "SELECT web_queue_sign($1::bigint)", 1, pa) : NULL;
    int ok = a && b && bump_version(r, h, ", status = 'approved'") == 0 &&
             audit_change(r, "document.approve", id, NULL, NULL, NULL, h->version) == 0;
    PQclear(a);
    PQclear(b);
    if (!ok) {
        exec_simple(r, "ROLLBACK");
        web_json_error(p, 500, "database", "Lỗi cơ sở dữ liệu, tài liệu chưa được duyệt. Vui lòng thử lại.");
        return;
    }
    if (!commit_ok(r, p, id, "approve"))
        return;
    exec_simple(r, "NOTIFY ancong_jobs");
    long long next = queue_next(r, id);
    json_ok_doc(r, p, id, "next", next);
}

/* Link the document to the case `code` of its own unit (cases are unique
 * per unit), created when new, or unlink it when code is empty; audited as
 * document.case.  Inside the transaction, the row locked.  Setting
 * documents.case_id fires documents_case_refresh (schema/0040_cases.sql) at
 * COMMIT, which recomputes the old and the new case's stage, procurator and
 * deadlines.  bump: raise the version here (the caller does not).  0 ok
 * (*changed: the link changed; *case_id: the new case or 0), -1 error. */
static int link_case(struct web_req *r, const struct doc_head *h, long long id, const char *code,
                     bool bump, long long *case_id, bool *changed)
{
    *changed = false;
    *case_id = 0;
    const char *pa[2] = {h->id, code};
    PGresult *old = q(r, "SELECT coalesce(c.code, ''), coalesce(c.id, 0) FROM documents d "
                         "  LEFT JOIN cases c ON c.id = d.case_id WHERE d.id = $1::bigint", 1, pa);
    PGresult *res = NULL;
    if (!old || PQntuples(old) != 1) goto err;
    *case_id = atoll(PQgetvalue(old, 0, 1));
    if (strcmp(PQgetvalue(old, 0, 0), code) == 0) {       /* already there */
        PQclear(old);
        return 0;
    }
    bool created = false;
    char cid[32] = "";
    if (*code) {
        res = q(r, "INSERT INTO cases (unit_id, code) SELECT unit_id, $2 FROM documents WHERE id = $1::bigint "
                   "ON CONFLICT (unit_id, code) DO NOTHING RETURNING id", 2, pa);
        if (!res) goto err;
        created = PQntuples(res) == 1;
        PQclear(res);
        res = q(r, "SELECT c.id FROM cases c JOIN documents d ON d.unit_id = c.unit_id "
                   " WHERE d.id = $1::bigint AND c.code = $2", 2, pa);
        if (!res || PQntuples(res) != 1) goto err;
        snprintf(cid, sizeof cid, "%s", PQgetvalue(res, 0, 0));
        PQclear(res);
        res = NULL;
    }
    const char *pu[2] = {h->id, *cid ? cid : NULL};
    res = q(r, bump ? "UPDATE documents SET case_id = $2::bigint, version = version + 1, updated_at = now() "
                      " WHERE id = $1::bigint"
                    : "UPDATE documents SET case_id = $2::bigint WHERE id = $1::bigint", 2, pu);
    if (!res) goto err;
    PQclear(res);
    res = NULL;

    struct sbuf d = SBUF_INIT;
    struct json j;
    json_init(&j, &d, false);
    json_obj_begin(&j);
    json_key(&j, "field"); json_str(&j, "case");
    json_key(&j, "old"); json_str(&j, PQgetvalue(old, 0, 0));
    json_key(&j, "new"); json_str(&j, code);
    json_key(&j, "case_id"); json_int(&j, atoll(cid));
    json_key(&j, "case_created"); json_bool(&j, created);
    json_key(&j, "version"); json_int(&j, atoll(h->version) + 1);
    json_obj_end(&j);
    int arc = web_audit(r, "document.case", id, sbuf_cstr(&d));
    sbuf_release(&d);
    if (arc < 0) goto err;
    PQclear(old);
    *changed = true;
    *case_id = atoll(cid);
    log_info("stage=web msg=\"document case link\" document=%lld case=%s created=%d user=%s",
             id, *cid ? cid : "none", created, r->user.username);
    return 0;
err:
    PQclear(res);
    PQclear(old);
    return -1;
}

/* Attach the document to a case by its code (Alt+V); a failure of the case
 * refresh at COMMIT fails the COMMIT and nothing is saved. */
static void api_case(struct web_req *r, struct web_resp *p, long long id, const struct doc_head *h)
{
    const char *code = web_form(r, "case_code");
    char *nc = code ? utf8_nfc(code) : NULL;
    if (nc) str_squash(nc);
    if (!nc || !*nc || strlen(nc) > CASE_CODE_MAX) {
        free(nc);
        exec_simple(r, "ROLLBACK");
        web_json_error(p, 400, "case_code", "Mã vụ việc không hợp lệ (không được để trống, tối đa 100 ký tự).");
        return;
    }
    long long cid = 0;
    bool changed = false;
    int rc = link_case(r, h, id, nc, true, &cid, &changed);
    free(nc);
    if (rc < 0) {
        exec_simple(r, "ROLLBACK");
        web_json_error(p, 500, "database", "Lỗi cơ sở dữ liệu, thay đổi chưa được lưu. Vui lòng thử lại.");
        return;
    }
    if (!changed) {
        exec_simple(r, "ROLLBACK");
        json_ok_doc(r, p, id, NULL, 0);
        return;
    }
    PGresult *res = PQexec(r->db, "COMMIT");
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        log_error("stage=web msg=\"case attach commit failed\" pg=\"%s\"", PQresultErrorMessage(res));
        PQclear(res);
        web_json_error(p, 500, "database", "Lỗi cơ sở dữ liệu khi cập nhật vụ việc, thay đổi chưa được lưu.");
        return;
    }
    PQclear(res);
    json_ok_doc(r, p, id, "case_id", cid);
}

/* Move the boundary between this part of a split bundle and the adjacent one
 * (edge "end": the part after it; "start": the part before it) by one page.
 * Both keep at least one page; both rows are locked, their ranges and page
 * counts updated, both bumped in version and sent back to needs_review, each
 * gets an audit row, and both are queued for re-analysis (type, fields,
 * status and case of their new ranges). */
static void api_boundary(struct web_req *r, struct web_resp *p, long long id, const struct doc_head *h)
{
    const char *edge = web_form(r, "edge"), *delta = web_form(r, "delta");
    bool end = edge && strcmp(edge, "end") == 0, start = edge && strcmp(edge, "start") == 0;
    int dl = delta && strcmp(delta, "1") == 0 ? 1 : delta && strcmp(delta, "-1") == 0 ? -1 : 0;
    PGresult *me = NULL, *nb = NULL, *res = NULL;
    if ((!end && !start) || !dl) {
        exec_simple(r, "ROLLBACK");
        web_json_error(p, 400, "boundary", "Yêu cầu dời ranh giới không hợp lệ.");
        return;
    }
    const char *pa[1] = {h->id};
    me = q(r, "SELECT parent_id, first_page, last_page FROM documents "
              " WHERE id = $1::bigint AND parent_id IS NOT NULL AND first_page IS NOT NULL AND last_page IS NOT NULL",
           1, pa);
    if (!me) goto dberr;
    if (PQntuples(me) != 1) {
        PQclear(me);
        exec_simple(r, "ROLLBACK");
        web_json_error(p, 400, "not_part", "Tài liệu này không phải một phần của tệp gộp nhiều văn bản.");
        return;
    }
    int first = atoi(PQgetvalue(me, 0, 1)), last = atoi(PQgetvalue(me, 0, 2));
    char want[32];
    snprintf(want, sizeof want, "%d", end ? last + 1 : first - 1);
    const char *pn[3] = {PQgetvalue(me, 0, 0), want, NULL};
    char uid[32];
    snprintf(uid, sizeof uid, "%lld", r->user.id);
    pn[2] = uid;
    /* the neighbour, locked, visible to the user like the part itself */
    nb = q(r, end
        ? "SELECT d.id, d.first_page, d.last_page, d.status::text FROM documents d "
          " WHERE d.parent_id = $1::bigint AND d.first_page = $2::int AND " VISIBLE_SQL("$3::bigint") " FOR UPDATE"
        : "SELECT d.id, d.first_page, d.last_page, d.status::text FROM documents d "
          " WHERE d.parent_id = $1::bigint AND d.last_page = $2::int AND " VISIBLE_SQL("$3::bigint") " FOR UPDATE",
        3, pn);
    if (!nb) goto dberr;
    if (PQntuples(nb) != 1) {
        PQclear(me);
        PQclear(nb);
        exec_simple(r, "ROLLBACK");
        web_json_error(p, 400, "no_neighbour", end ? "Không có phần nào liền sau phần này."
                                                   : "Không có phần nào liền trước phần này.");
        return;
    }
    const char *nst = PQgetvalue(nb, 0, 3);
    if (strcmp(nst, "approved") == 0 || strcmp(nst, "signed") == 0) {
        char msg[300];
        snprintf(msg, sizeof msg, "Phần liền kề đã ở trạng thái \"%s\": không dời ranh giới được. "
                 "Liên hệ quản trị nếu cần mở lại.", status_vi(nst));
        PQclear(me);
        PQclear(nb);
        exec_simple(r, "ROLLBACK");
        web_json_error(p, 409, "neighbour_state", msg);
        return;
    }
    int nfirst = atoi(PQgetvalue(nb, 0, 1)), nlast = atoi(PQgetvalue(nb, 0, 2));
    int f2 = first, l2 = last, nf2 = nfirst, nl2 = nlast;
    if (end) { l2 += dl; nf2 += dl; }
    else { f2 += dl; nl2 += dl; }
    if (l2 < f2 || nl2 < nf2) {
        PQclear(me);
        PQclear(nb);
        exec_simple(r, "ROLLBACK");
        web_json_error(p, 400, "too_small", "Mỗi phần phải còn ít nhất một trang.");
        return;
    }
    char sf[16], sl[16], snf[16], snl[16];
    snprintf(sf, sizeof sf, "%d", f2);
    snprintf(sl, sizeof sl, "%d", l2);
    snprintf(snf, sizeof snf, "%d", nf2);
    snprintf(snl, sizeof snl, "%d", nl2);
    const char *u1[3] = {h->id, sf, sl}, *u2[3] = {PQgetvalue(nb, 0, 0), snf, snl};
    static const char upd[] =
        "UPDATE documents SET first_page = $2::int, last_page = $3::int, npages = $3::int - $2::int + 1, "
        "       status = 'needs_review', version = version + 1, updated_at = now() WHERE id = $1::bigint";
    /* the part that grows takes its page last, so (parent_id, first_page)
     * never collides mid-way */
    bool me_first = end ? dl < 0 : dl > 0;
    res = q(r, upd, 3, me_first ? u1 : u2);
    if (!res) goto dberr;
    PQclear(res);
    res = q(r, upd, 3, me_first ? u2 : u1);
    if (!res) goto dberr;
    PQclear(res);
    res = NULL;
    if (queue_reanalysis(r, h->id) < 0 || queue_reanalysis(r, PQgetvalue(nb, 0, 0)) < 0)
        goto dberr;
    for (int k = 0; k < 2; k++) {
        struct sbuf d = SBUF_INIT;
        struct json j;
        json_init(&j, &d, false);
        json_obj_begin(&j);
        json_key(&j, "edge"); json_str(&j, k == 0 ? (end ? "end" : "start") : (end ? "start" : "end"));
        json_key(&j, "old_pages"); json_arr_begin(&j);
        json_int(&j, k == 0 ? first : nfirst); json_int(&j, k == 0 ? last : nlast); json_arr_end(&j);
        json_key(&j, "new_pages"); json_arr_begin(&j);
        json_int(&j, k == 0 ? f2 : nf2); json_int(&j, k == 0 ? l2 : nl2); json_arr_end(&j);
        json_key(&j, "neighbour"); json_int(&j, k == 0 ? atoll(PQgetvalue(nb, 0, 0)) : id);
        json_key(&j, "reanalysis"); json_str(&j, "queued");
        json_obj_end(&j);
        int arc = web_audit(r, "document.boundary", k == 0 ? id : atoll(PQgetvalue(nb, 0, 0)), sbuf_cstr(&d));
        sbuf_release(&d);
        if (arc < 0) goto dberr;
    }
    PQclear(me);
    PQclear(nb);
    if (!commit_ok(r, p, id, "boundary"))
        return;
    exec_simple(r, "NOTIFY ancong_jobs");
    json_ok_doc(r, p, id, NULL, 0);
    return;
dberr:
    PQclear(me);
    PQclear(nb);
    PQclear(res);
    exec_simple(r, "ROLLBACK");
    web_json_error(p, 500, "database", "Lỗi cơ sở dữ liệu, thay đổi chưa được lưu. Vui lòng thử lại.");
}

/* The part's type, pages and field values, for the audit log.  Caller frees. */
static char *part_state(struct web_req *r, const char *id)
{
    const char *pa[1] = {id};
    PGresult *res = q(r, "SELECT jsonb_build_object('doc_type', d.doc_type, 'status', d.status, "
                         "  'pages', jsonb_build_array(d.first_page, d.last_page), "
                         "  'fields', coalesce((SELECT jsonb_object_agg(f.name, f.value ORDER BY f.name) "
                         "                        FROM fields f WHERE f.document_id = d.id), '{}'::jsonb))::text "
                         "  FROM documents d WHERE d.id = $1::bigint", 1, pa);
    char *out = xstrdup(res && PQntuples(res) == 1 ? PQgetvalue(res, 0, 0) : "{}");
    PQclear(res);
    return out;
}

/* Audit row for a merge or split: {"old": {...}, "reanalysis": "queued", <members>}.
 * old_json: a JSON value or NULL; members: JSON object members without the
 * braces, or NULL. */
static int audit_parts(struct web_req *r, const char *action, long long doc, const char *old_json,
                       const char *members)
{
    struct sbuf d = SBUF_INIT;
    sbuf_printf(&d, "{\"old\":%s,\"reanalysis\":\"queued\"%s%s}", old_json ? old_json : "null",
                members ? "," : "", members ? members : "");
    int rc = web_audit(r, action, doc, sbuf_cstr(&d));
    sbuf_release(&d);
    return rc;
}

/* Merge this part with the part right after it: this part takes the next
 * one's pages, the next part's row goes (its values stay in the audit log),
 * and the merged part is queued for re-analysis. */
static void api_merge(struct web_req *r, struct web_resp *p, long long id, const struct doc_head *h)
{
    PGresult *me = NULL, *nb = NULL, *res = NULL;
    char *old_me = NULL, *old_nb = NULL;
    char uid[32];
    snprintf(uid, sizeof uid, "%lld", r->user.id);
    const char *pa[1] = {h->id};
    me = q(r, "SELECT parent_id, first_page, last_page FROM documents "
              " WHERE id = $1::bigint AND parent_id IS NOT NULL AND first_page IS NOT NULL AND last_page IS NOT NULL",
           1, pa);
    if (!me) goto dberr;
    if (PQntuples(me) != 1) {
        PQclear(me);
        exec_simple(r, "ROLLBACK");
        web_json_error(p, 400, "not_part", "Tài liệu này không phải một phần của tệp gộp nhiều văn bản.");
        return;
    }
    /* The next part: right after this one, or after separator sheets only
     * (a blank back of a page taken for a separator): those pages then
     * belong to the merged part. */
    const char *pn[3] = {PQgetvalue(me, 0, 0), PQgetvalue(me, 0, 2), uid};
    nb = q(r, "SELECT d.id, d.first_page, d.last_page, d.status::text FROM documents d "
              " WHERE d.parent_id = $1::bigint AND d.first_page > $2::int AND " VISIBLE_SQL("$3::bigint")
              "   AND NOT EXISTS (SELECT 1 FROM pages g WHERE g.document_id = $1::bigint"
              "                    AND g.number > $2::int AND g.number < d.first_page"
              "                    AND NOT (g.blank OR coalesce(g.extra->>'separator', '') = 'true'))"
              "   AND NOT EXISTS (SELECT 1 FROM documents o WHERE o.parent_id = $1::bigint"
              "                    AND o.first_page > $2::int AND o.first_page < d.first_page)"
              " ORDER BY d.first_page LIMIT 1 FOR UPDATE",
           3, pn);
    if (!nb) goto dberr;
    if (PQntuples(nb) != 1) {
        PQclear(me);
        PQclear(nb);
        exec_simple(r, "ROLLBACK");
        web_json_error(p, 400, "no_neighbour", "Không có phần nào liền sau phần này để gộp.");
        return;
    }
    const char *nst = PQgetvalue(nb, 0, 3);
    if (strcmp(nst, "approved") == 0 || strcmp(nst, "signed") == 0) {
        char msg[300];
        snprintf(msg, sizeof msg, "Phần liền sau đã ở trạng thái \"%s\": không gộp được. "
                 "Liên hệ quản trị nếu cần mở lại.", status_vi(nst));
        PQclear(me);
        PQclear(nb);
        exec_simple(r, "ROLLBACK");
        web_json_error(p, 409, "neighbour_state", msg);
        return;
    }
    const char *nid = PQgetvalue(nb, 0, 0);
    old_me = part_state(r, h->id);
    old_nb = part_state(r, nid);
    const char *pd[1] = {nid};
    /* case_id first, so the old case's stage is recomputed (0040 trigger) */
    res = q(r, "UPDATE documents SET case_id = NULL WHERE id = $1::bigint AND case_id IS NOT NULL", 1, pd);
    if (!res) goto dberr;
    PQclear(res);
    res = q(r, "DELETE FROM documents WHERE id = $1::bigint", 1, pd);
    if (!res) goto dberr;
    PQclear(res);
    const char *pu[2] = {h->id, PQgetvalue(nb, 0, 2)};
    res = q(r, "UPDATE documents SET last_page = $2::int, npages = $2::int - first_page + 1, "
               "       status = 'needs_review', version = version + 1, updated_at = now() WHERE id = $1::bigint",
            2, pu);
    if (!res) goto dberr;
    PQclear(res);
    res = NULL;
    if (queue_reanalysis(r, h->id) < 0)
        goto dberr;
    struct sbuf ex = SBUF_INIT;
    sbuf_printf(&ex, "\"merged\":%s,\"merged_part\":%s,\"new_pages\":[%s,%s],\"version\":%lld",
                old_nb, nid, PQgetvalue(me, 0, 1), PQgetvalue(nb, 0, 2), atoll(h->version) + 1);
    /* separator sheets now inside the part, by the reviewer's decision */
    int gap_a = atoi(PQgetvalue(me, 0, 2)) + 1, gap_b = atoi(PQgetvalue(nb, 0, 1)) - 1;
    if (gap_b >= gap_a) {
        sbuf_puts(&ex, ",\"separator_pages_joined\":[");
        for (int g = gap_a; g <= gap_b; g++)
            sbuf_printf(&ex, "%s%d", g > gap_a ? "," : "", g);
        sbuf_putc(&ex, ']');
    }
    int arc = audit_parts(r, "document.merge", id, old_me, sbuf_cstr(&ex));
    sbuf_reset(&ex);
    sbuf_printf(&ex, "\"merged_into\":%s,\"new_pages\":[%s,%s]", h->id, PQgetvalue(me, 0, 1),
                PQgetvalue(nb, 0, 2));
    if (arc == 0)
        arc = audit_parts(r, "document.merged_away", atoll(nid), old_nb, sbuf_cstr(&ex));
    sbuf_release(&ex);
    if (arc < 0) goto dberr;
    log_info("stage=web msg=\"parts merged\" document=%lld merged=%s user=%s", id, nid, r->user.username);
    PQclear(me);
    PQclear(nb);
    free(old_me);
    free(old_nb);
    if (!commit_ok(r, p, id, "merge"))
        return;
    exec_simple(r, "NOTIFY ancong_jobs");
    json_ok_doc(r, p, id, NULL, 0);
    return;
dberr:
    PQclear(me);
    PQclear(nb);
    PQclear(res);
    free(old_me);
    free(old_nb);
    exec_simple(r, "ROLLBACK");
    web_json_error(p, 500, "database", "Lỗi cơ sở dữ liệu, thay đổi chưa được lưu. Vui lòng thử lại.");
}

/* Split this part so that page `page` starts a new part (the rest of this
 * part's pages go with it); both are queued for re-analysis.  A whole file
 * that was not split (no parts) becomes a bundle of two parts; the answer's
 * document is then the first part, whose screen the reviewer goes on in.
 * "new_part" names the part that starts at `page`. */
static void api_split(struct web_req *r, struct web_resp *p, long long id, const struct doc_head *h)
{
    PGresult *me = NULL, *res = NULL;
    char *old_me = NULL;
    const char *pg = web_form(r, "page");
    int at = pg ? atoi(pg) : 0;
    const char *pa[1] = {h->id};
    me = q(r, "SELECT d.parent_id IS NOT NULL, coalesce(d.first_page, 1), "
              "       coalesce(d.last_page, d.npages, (SELECT max(number) FROM pages x WHERE x.document_id = d.id), 1), "
              "       (SELECT count(*) FROM documents c WHERE c.parent_id = d.id) "
              "  FROM documents d WHERE d.id = $1::bigint", 1, pa);
    if (!me || PQntuples(me) != 1) goto dberr;
    bool is_part = PQgetvalue(me, 0, 0)[0] == 't';
    int first = atoi(PQgetvalue(me, 0, 1)), last = atoi(PQgetvalue(me, 0, 2));
    if (!is_part && atoi(PQgetvalue(me, 0, 3)) > 0) {
        PQclear(me);
        exec_simple(r, "ROLLBACK");
        web_json_error(p, 400, "bundle", "Tệp này đã được tách thành nhiều phần: mở từng phần để tách tiếp.");
        return;
    }
    if (!pg || at <= first || at > last) {
        char msg[300];
        snprintf(msg, sizeof msg, "Chọn trang bắt đầu phần mới trong khoảng %d–%d (trang %d không tách được).",
                 first + 1, last, at);
        PQclear(me);
        exec_simple(r, "ROLLBACK");
        web_json_error(p, 400, "split_page", last > first ? msg : "Phần này chỉ có một trang, không tách được.");
        return;
    }
    old_me = part_state(r, h->id);
    char sat[16], sprev[16], slast[16], sfirst[16];
    snprintf(sat, sizeof sat, "%d", at);
    snprintf(sprev, sizeof sprev, "%d", at - 1);
    snprintf(slast, sizeof slast, "%d", last);
    snprintf(sfirst, sizeof sfirst, "%d", first);
    /* A new part row with the document's identity, for pages [$2, $3]. */
    static const char ins[] =
        "INSERT INTO documents (parent_id, sha256, name, station_id, unit_id, source, status, doc_type, "
        "                       doc_type_confidence, first_page, last_page, npages, case_code_hint, "
        "                       doc_type_hint, review_due_at, received_at, processed_at) "
        "SELECT coalesce(d.parent_id, d.id), d.sha256, d.name, d.station_id, d.unit_id, d.source, 'needs_review', "
        "       d.doc_type, d.doc_type_confidence, $2::int, $3::int, $3::int - $2::int + 1, d.case_code_hint, "
        "       d.doc_type_hint, d.review_due_at, d.received_at, now() "
        "  FROM documents d WHERE d.id = $1::bigint RETURNING id";
    char first_part[32] = "", new_part[32] = "";
    if (is_part) {
        const char *pu[2] = {h->id, sprev};
        res = q(r, "UPDATE documents SET last_page = $2::int, npages = $2::int - first_page + 1, "
                   "       status = 'needs_review', version = version + 1, updated_at = now() WHERE id = $1::bigint",
                2, pu);
        if (!res) goto dberr;
        PQclear(res);
        snprintf(first_part, sizeof first_part, "%s", h->id);
    } else {
        const char *pi[3] = {h->id, sfirst, sprev};
        res = q(r, ins, 3, pi);
        if (!res || PQntuples(res) != 1) goto dberr;
        snprintf(first_part, sizeof first_part, "%s", PQgetvalue(res, 0, 0));
        PQclear(res);
        res = q(r, "UPDATE documents SET status = 'needs_review', version = version + 1, updated_at = now() "
                   " WHERE id = $1::bigint", 1, pa);
        if (!res) goto dberr;
        PQclear(res);
    }
    const char *pi[3] = {h->id, sat, slast};
    res = q(r, ins, 3, pi);
    if (!res || PQntuples(res) != 1) goto dberr;
    snprintf(new_part, sizeof new_part, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    res = NULL;
    if (queue_reanalysis(r, first_part) < 0 || queue_reanalysis(r, new_part) < 0)
        goto dberr;
    struct sbuf ex = SBUF_INIT;
    sbuf_printf(&ex, "\"at_page\":%d,\"parts\":[{\"id\":%s,\"pages\":[%d,%d]},{\"id\":%s,\"pages\":[%d,%d]}],"
                "\"file_split\":%s,\"version\":%lld", at, first_part, first, at - 1, new_part, at, last,
                is_part ? "false" : "true", atoll(h->version) + 1);
    int arc = audit_parts(r, "document.split", id, old_me, sbuf_cstr(&ex));
    sbuf_reset(&ex);
    sbuf_printf(&ex, "\"split_from\":%s,\"pages\":[%d,%d]", h->id, at, last);
    if (arc == 0)
        arc = audit_parts(r, "document.split_off", atoll(new_part), NULL, sbuf_cstr(&ex));
    sbuf_release(&ex);
    if (arc < 0) goto dberr;
    log_info("stage=web msg=\"part split\" document=%lld at=%d new=%s user=%s", id, at, new_part,
             r->user.username);
    PQclear(me);
    free(old_me);
    if (!commit_ok(r, p, id, "split"))
        return;
    exec_simple(r, "NOTIFY ancong_jobs");
    json_ok_doc(r, p, is_part ? id : atoll(first_part), "new_part", atoll(new_part));
    return;
dberr:
    PQclear(me);
    PQclear(res);
    free(old_me);
    exec_simple(r, "ROLLBACK");
    web_json_error(p, 500, "database", "Lỗi cơ sở dữ liệu, thay đổi chưa được lưu. Vui lòng thử lại.");
}

void review_api(struct web_req *r, struct web_resp *p, long long id, const char *action)
{
    if (!*action) {
        struct sbuf js = SBUF_INIT;
        const char *t = web_query(r, "type");
        if (doc_json(r, id, t, &js) < 0) {
            sbuf_release(&js);
            web_json_error(p, 404, "not_found", "Không tìm thấy tài liệu.");
            return;
        }
        p->status = 200;
        p->ctype = "application/json; charset=utf-8";
        sbuf_reset(&p->body);
        sbuf_add(&p->body, js.s, js.len);
        sbuf_release(&js);
        return;
    }
    bool known = strcmp(action, "fields") == 0 || strcmp(action, "type") == 0 ||
                 strcmp(action, "approve") == 0 || strcmp(action, "case") == 0 ||
                 strcmp(action, "boundary") == 0 || strcmp(action, "merge") == 0 ||
                 strcmp(action, "split") == 0 || strcmp(action, "reopen") == 0;
    if (!known) {
        web_json_error(p, 404, "not_found", "Không tìm thấy.");
        return;
    }
    exec_simple(r, "BEGIN");
    struct doc_head h;
    int found = load_head(r, id, &h, true);
    if (found <= 0) {
        exec_simple(r, "ROLLBACK");
        if (found < 0) web_json_error(p, 500, "database", "Lỗi cơ sở dữ liệu.");
        else web_json_error(p, 404, "not_found", "Không tìm thấy tài liệu.");
        return;
    }
    if (!web_can_edit(&r->user)) {
        exec_simple(r, "ROLLBACK");
        web_json_error(p, 403, "forbidden", "Vai trò của bạn không được sửa tài liệu.");
        return;
    }
    bool structural = strcmp(action, "boundary") == 0 || strcmp(action, "merge") == 0 ||
                      strcmp(action, "split") == 0;
    if (!structural) {
        /* a bundle is reviewed part by part: its parts are approved (and
         * signed) each on its own, never the whole file beside them */
        const char *pb[1] = {h.id};
        PGresult *kb = q(r, "SELECT " WEB_IS_BUNDLE_SQL("$1::bigint"), 1, pb);
        if (!kb || strcmp(PQgetvalue(kb, 0, 0), "t") == 0) {
            PQclear(kb);
            exec_simple(r, "ROLLBACK");
            if (kb) web_json_error(p, 409, "bundle", WEB_BUNDLE_MSG);
            else web_json_error(p, 500, "database", "Lỗi cơ sở dữ liệu.");
            return;
        }
        PQclear(kb);
    }
    if (strcmp(action, "reopen") == 0) {
        if (strcmp(h.status, "indexed") != 0) {
            char msg[300];
            snprintf(msg, sizeof msg, "Chỉ mở lại được tài liệu ở trạng thái \"%s\" (hiện tại: %s). "
                     "Tài liệu đã duyệt hoặc đã ký số: liên hệ quản trị.", status_vi("indexed"), status_vi(h.status));
            exec_simple(r, "ROLLBACK");
            web_json_error(p, 409, "state", msg);
            return;
        }
        const char *cv = web_form(r, "version");
        if (!cv || strcmp(cv, h.version) != 0) {
            exec_simple(r, "ROLLBACK");
            web_json_error(p, 409, "conflict", "Xung đột: tài liệu vừa được thay đổi. Tải lại trang (F5).");
            return;
        }
        api_reopen(r, p, id, &h);
        return;
    }
    if (!check_state(r, p, &h, web_form(r, "version"), structural)) {
        exec_simple(r, "ROLLBACK");
        return;
    }
    if (strcmp(action, "fields") == 0) api_field(r, p, id, &h);
    else if (strcmp(action, "type") == 0) api_type(r, p, id, &h);
    else if (strcmp(action, "case") == 0) api_case(r, p, id, &h);
    else if (strcmp(action, "boundary") == 0) api_boundary(r, p, id, &h);
    else if (strcmp(action, "merge") == 0) api_merge(r, p, id, &h);
    else if (strcmp(action, "split") == 0) api_split(r, p, id, &h);
    else api_approve(r, p, id, &h);
}
