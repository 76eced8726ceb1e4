/*
 * store/reanalyze.c: what a "reanalyze" job reads and writes.
 *
 * A reviewer moved a boundary, merged two parts or split one (web/review.c);
 * each part affected got a "reanalyze" job.  The worker loads the part's range
 * and the file's kept OCR (store_reanalysis_load), runs the pipeline on the
 * range, and job_reanalyzed stores the outcome in one transaction.  A field
 * value the reviewer corrected (source 'reviewer') is kept while the page it
 * was read from is still in the part: moving the end of a part must not undo
 * the corrections made to its first page.
 *
 * Races: the web changes a part's range only while holding the part's row
 * lock, and job_reanalyzed compares the range it analysed with the row under
 * the same lock: when a reviewer moved the range meanwhile it returns 1 and
 * the worker analyses the new range.  A job that is no longer this claim's
 * (its lease ran out, another worker took it) is left to that worker.
 */
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/str.h"
#include "store/store_int.h"

void store_reanalysis_release(struct reanalysis *r)
{
    if (!r)
        return;
    for (int i = 0; i < r->npages; i++)
        free(r->pages[i].text);
    free(r->pages);
    memset(r, 0, sizeof *r);
}

int store_reanalysis_load(struct store *s, long long part_id, struct reanalysis *out,
                          struct err *e)
{
    char id[24], fid[24];
    PGresult *r = NULL;
    int rc = -1;

    memset(out, 0, sizeof *out);
    snprintf(id, sizeof id, "%lld", part_id);
    const char *p[1] = {id};
    /* A part of a bundle; a whole file (no parent) is its own range. */
    r = sq_exec(s, "read the part to analyse again",
        "SELECT d.id, coalesce(d.parent_id, d.id), coalesce(d.first_page, 1),"
        "       coalesce(d.last_page, d.npages, (SELECT max(number) FROM pages x"
        "                                        WHERE x.document_id = d.id), 1),"
        "       coalesce(f.ocr_sha256, '')"
        "  FROM documents d JOIN documents f ON f.id = coalesce(d.parent_id, d.id)"
        " WHERE d.id = $1", 1, p, e);
    if (!r)
        goto out;
    if (PQntuples(r) != 1) {
        rc = 0;
        goto out;
    }
    out->part_id = atoll(PQgetvalue(r, 0, 0));
    out->file_id = atoll(PQgetvalue(r, 0, 1));
    out->first_page = atoi(PQgetvalue(r, 0, 2));
    out->last_page = atoi(PQgetvalue(r, 0, 3));
    snprintf(out->ocr_sha256, sizeof out->ocr_sha256, "%s", PQgetvalue(r, 0, 4));
    PQclear(r);

    snprintf(fid, sizeof fid, "%lld", out->file_id);
    const char *pf[1] = {fid};
    r = sq_exec(s, "read the file's pages",
        "SELECT number, coalesce(width_px, 0), coalesce(height_px, 0), coalesce(dpi, 0),"
        "       rotation, coalesce(skew_deg, 0), coalesce(ocr_confidence, 0), blank,"
        "       coalesce(extra->>'separator', '') = 'true', coalesce(source, '') = 'text_layer',"
        "       coalesce(dpi_source, 'assumed'), text"
        "  FROM pages WHERE document_id = $1 ORDER BY number", 1, pf, e);
    if (!r)
        goto out;
    out->npages = PQntuples(r);
    out->pages = xcalloc((size_t)out->npages + 1, sizeof *out->pages);
    for (int i = 0; i < out->npages; i++) {
        struct stored_page *pg = &out->pages[i];
        pg->number = atoi(PQgetvalue(r, i, 0));
        pg->width_px = atoi(PQgetvalue(r, i, 1));
        pg->height_px = atoi(PQgetvalue(r, i, 2));
        pg->dpi = atoi(PQgetvalue(r, i, 3));
        pg->rotation = atoi(PQgetvalue(r, i, 4));
        pg->skew_deg = atof(PQgetvalue(r, i, 5));
        pg->ocr_conf = atof(PQgetvalue(r, i, 6));
        pg->blank = PQgetvalue(r, i, 7)[0] == 't';
        pg->separator = PQgetvalue(r, i, 8)[0] == 't';
        pg->text_layer = PQgetvalue(r, i, 9)[0] == 't';
        snprintf(pg->dpi_source, sizeof pg->dpi_source, "%s", PQgetvalue(r, i, 10));
        pg->text = xstrdup(PQgetvalue(r, i, 11));
    }
    rc = 1;
out:
    PQclear(r);
    if (rc != 1)
        store_reanalysis_release(out);
    return rc;
}

int store_set_ocr(struct store *s, long long document_id, const char *ocr_sha256, struct err *e)
{
    char id[24];
    snprintf(id, sizeof id, "%lld", document_id);
    const char *p[2] = {id, ocr_sha256};
    return sq_cmd_prep(s, "record where the OCR is kept",
                  "UPDATE documents SET ocr_sha256 = $2 WHERE id = $1", 2, p, e);
}

/* The part's type, status, case and field values, as the audit log shows
 * them before and after ($1 = the part). */
#define PART_STATE_SQL \
    "SELECT jsonb_build_object('doc_type', d.doc_type, 'status', d.status, 'case', c.code," \
    "        'pages', jsonb_build_array(d.first_page, d.last_page)," \
    "        'fields', coalesce((SELECT jsonb_object_agg(f.name, f.value ORDER BY f.name)" \
    "                            FROM fields f WHERE f.document_id = d.id), '{}'::jsonb))" \
    "  FROM documents d LEFT JOIN cases c ON c.id = d.case_id WHERE d.id = $1"

/* The writes of job_reanalyzed, in order.  $1 part id, $2 result JSON. */
static const char *const store_steps[][2] = {
    {"store the new type and status",
     "UPDATE documents d SET doc_type = ancong_jtext(r.j->'doc_type'),"
     "       doc_type_confidence = ancong_jnum(r.j->'doc_type_confidence'),"
     "       status = ancong_jstatus(r.j->'status', 'needs_review'), error = NULL,"
     "       result = r.j || jsonb_build_object('first_page', d.first_page, 'last_page', d.last_page),"
     "       processed_at = now(), updated_at = now(), version = d.version + 1"
     "  FROM (SELECT $2::jsonb AS j) r WHERE d.id = $1"},
    /* A value a reviewer typed stands when the page it was read from is
     * still the part's (or it has no page: typed where the OCR found none);
     * the rest is the new analysis's. */
    {"replace the fields the reviewer did not correct",
     "DELETE FROM fields f USING documents d"
     " WHERE f.document_id = $1 AND d.id = $1"
     "   AND NOT (f.source = 'reviewer' AND (f.page IS NULL OR f.page BETWEEN"
     "            coalesce(d.first_page, 1) AND coalesce(d.last_page, d.npages, f.page)))"},
    {"store the fields",
     "INSERT INTO fields (document_id, name, value, confidence, page, bbox)"
     " SELECT $1, f.key,"
     "        CASE WHEN jsonb_typeof(f.value) = 'object' THEN ancong_jtext(f.value->'value')"
     "             ELSE ancong_jtext(f.value) END,"
     "        ancong_jnum(f.value->'confidence'),"
     "        CASE WHEN jsonb_typeof(f.value) = 'object' THEN ancong_jint(f.value->'page') END,"
     "        CASE WHEN jsonb_typeof(f.value) = 'object' THEN ancong_jbox(f.value->'bbox') END"
     "   FROM jsonb_each(ancong_jobj($2::jsonb->'fields')) AS f"
     "  WHERE (CASE WHEN jsonb_typeof(f.value) = 'object' THEN ancong_jtext(f.value->'value')"
     "             ELSE ancong_jtext(f.value) END) IS NOT NULL"
     "     ON CONFLICT (document_id, name) DO NOTHING"},
    /* The case the new fields name (or the manifest's), in the part's unit;
     * none when neither names one: the old link came from other pages. */
    {"link the case",
     "WITH docs AS ("
     "  SELECT d.id, d.unit_id,"
     "         coalesce(nullif(btrim(f.value), ''), nullif(btrim(d.case_code_hint), '')) AS code,"
     "         (SELECT a.value FROM fields a WHERE a.document_id = d.id AND a.name = 'linh_vuc') AS area"
     "    FROM documents d LEFT JOIN fields f ON f.document_id = d.id AND f.name = 'ma_vu_viec'"
     "   WHERE d.id = $1),"
     " c AS (INSERT INTO cases (unit_id, code, area)"
     "       SELECT unit_id, code, area FROM docs WHERE code IS NOT NULL"
     "       ON CONFLICT (unit_id, code) DO UPDATE SET updated_at = now(),"
     "          area = coalesce(cases.area, excluded.area)"
     "       RETURNING id)"
     " UPDATE documents d SET case_id = (SELECT id FROM c)"
     "  WHERE d.id = $1 AND d.case_id IS DISTINCT FROM (SELECT id FROM c)"},
    /* The bundle's own type and fields are its first part's (as
     * job_complete stores them); its status is needs_review while any part
     * needs a look. */
    {"give the bundle its first part's type",
     "UPDATE documents p SET doc_type = c.doc_type, doc_type_confidence = c.doc_type_confidence,"
     "       updated_at = now(), version = p.version + 1"
     "  FROM documents c WHERE c.id = $1 AND p.id = c.parent_id"
     "   AND NOT EXISTS (SELECT 1 FROM documents o WHERE o.parent_id = c.parent_id"
     "                   AND o.first_page < c.first_page)"},
    {"replace the bundle's fields",
     "DELETE FROM fields WHERE document_id = (SELECT c.parent_id FROM documents c WHERE c.id = $1"
     "   AND NOT EXISTS (SELECT 1 FROM documents o WHERE o.parent_id = c.parent_id"
     "                   AND o.first_page < c.first_page))"},
    {"copy the first part's fields to the bundle",
     "INSERT INTO fields (document_id, name, value, confidence, page, bbox)"
     " SELECT c.parent_id, f.name, f.value, f.confidence, f.page, f.bbox"
     "   FROM documents c JOIN fields f ON f.document_id = c.id"
     "  WHERE c.id = $1 AND c.parent_id IS NOT NULL"
     "    AND NOT EXISTS (SELECT 1 FROM documents o WHERE o.parent_id = c.parent_id"
     "                    AND o.first_page < c.first_page)"},
    {"update the bundle's status",
     "UPDATE documents p SET status = CASE WHEN EXISTS (SELECT 1 FROM documents c"
     "         WHERE c.parent_id = p.id AND c.status = 'needs_review')"
     "         THEN 'needs_review'::doc_status ELSE 'indexed'::doc_status END,"
     "       updated_at = now(), version = p.version + 1"
     "  WHERE p.id = (SELECT parent_id FROM documents WHERE id = $1)"
     "    AND p.status IN ('indexed', 'needs_review')"},
};

int job_reanalyzed(struct store *s, const struct job *j, int first, int last,
                   const char *part_json, struct err *e)
{
    char jid[24], did[24], sf[16], sl[16];
    PGresult *r = NULL;
    char *old = NULL;
    int rc = -1;

    snprintf(jid, sizeof jid, "%lld", j->id);
    snprintf(did, sizeof did, "%lld", j->document_id);
    snprintf(sf, sizeof sf, "%d", first);
    snprintf(sl, sizeof sl, "%d", last);
    if (sq_begin(s, e) < 0)
        return -1;
    /* The part's row first, then the job's: the web locks them in that order
     * (the part, then its job when it queues one or deletes the part), so the
     * two never wait for each other in a cycle. */
    {
        const char *p[1] = {did};
        if (!(r = sq_exec(s, "lock the part",
                          "SELECT coalesce(first_page, 1),"
                          "       coalesce(last_page, npages, (SELECT max(number) FROM pages x"
                          "                                    WHERE x.document_id = d.id), 1),"
                          "       status FROM documents d WHERE id = $1 FOR UPDATE", 1, p, e)))
            goto fail;
        if (PQntuples(r) != 1) {
            PQclear(r);
            sq_rollback(s);
            return 0;
        }
        if (atoi(PQgetvalue(r, 0, 0)) != first || atoi(PQgetvalue(r, 0, 1)) != last) {
            log_info("job=%lld sha256=%.12s event=range_moved analysed=%d-%d now=%s-%s", j->id,
                     j->sha256, first, last, PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1));
            PQclear(r);
            sq_rollback(s);
            return 1;
        }
        const char *st = PQgetvalue(r, 0, 2);
        bool open = strcmp(st, "needs_review") == 0 || strcmp(st, "indexed") == 0;
        if (!open)
            log_warn("job=%lld sha256=%.12s event=reanalysis_skipped status=%s", j->id, j->sha256, st);
        PQclear(r);
        r = NULL;
        if (!open) {
            /* Approved or signed meanwhile: a reviewer's decision stands. */
            part_json = NULL;
        }
    }
    {
        const char *p[1] = {jid};
        if (!(r = sq_exec(s, "lock the job", "SELECT state, attempts FROM jobs WHERE id = $1 FOR UPDATE",
                          1, p, e)))
            goto fail;
        bool mine = PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), "running") == 0 &&
                    atoi(PQgetvalue(r, 0, 1)) == j->attempts;
        if (!mine) {
            /* Gone with its part (merged away), or taken over by another
             * worker after our lease ran out: nothing of ours to store. */
            log_info("job=%lld sha256=%.12s event=reanalysis_dropped state=%s", j->id, j->sha256,
                     PQntuples(r) == 1 ? PQgetvalue(r, 0, 0) : "gone");
            PQclear(r);
            sq_rollback(s);
            return 0;
        }
        PQclear(r);
    }
    {
        const char *p[1] = {did};
        if (!(r = sq_exec(s, "read the part's old values", PART_STATE_SQL, 1, p, e)))
            goto fail;
        old = xstrdup(PQntuples(r) == 1 ? PQgetvalue(r, 0, 0) : "{}");
        PQclear(r);
        r = NULL;
    }
    if (part_json) {
        const char *p[2] = {did, part_json};
        for (size_t i = 0; i < sizeof store_steps / sizeof store_steps[0]; i++)
            if (sq_cmd(s, store_steps[i][0], store_steps[i][1],
                       strstr(store_steps[i][1], "$2") ? 2 : 1, p, e) < 0)
                goto fail;
    }
    {
        const char *p[1] = {jid};
        if (sq_cmd(s, "finish the job",
                   "UPDATE jobs SET state = 'done', lease_until = NULL, last_error = NULL,"
                   " finished_at = now(), updated_at = now() WHERE id = $1", 1, p, e) < 0)
            goto fail;
    }
    {
        const char *p[4] = {did, jid, old, part_json ? "t" : "f"};
        if (sq_cmd(s, "write the audit log",
                   "INSERT INTO audit_log (actor, user_id, unit_id, action, document_id, case_id, details)"
                   " SELECT 'system:worker', j.requested_by, d.unit_id,"
                   "        CASE WHEN $4::bool THEN 'document.reanalyzed' ELSE 'document.reanalysis_skipped' END,"
                   "        d.id, d.case_id,"
                   "        jsonb_build_object('job', j.id, 'requested_by', u.login, 'old', $3::jsonb,"
                   "                           'new', (" PART_STATE_SQL "),"
                   "                           'kept', coalesce((SELECT jsonb_agg(f.name ORDER BY f.name) FROM fields f"
                   "                                              WHERE f.document_id = d.id AND f.source = 'reviewer'),"
                   "                                            '[]'::jsonb))"
                   "   FROM documents d JOIN jobs j ON j.id = $2::bigint"
                   "   LEFT JOIN users u ON u.id = j.requested_by WHERE d.id = $1",
                   4, p, e) < 0)
            goto fail;
    }
    if (sq_commit(s, e) < 0)
        goto fail;
    log_info("job=%lld sha256=%.12s event=reanalyzed part=%lld pages=%d-%d", j->id, j->sha256,
             j->document_id, first, last);
    rc = 0;
    free(old);
    return rc;
fail:
    PQclear(r);
    free(old);
    sq_rollback(s);
    return -1;
}
