/*
 * store/jobs.c: the work queue in PostgreSQL.
 *
 * A job is claimed with SELECT ... FOR UPDATE SKIP LOCKED in priority, then
 * id order, so two workers never take the same row and never wait for each
 * other.  A claim holds a lease (lease_until); heartbeats extend it.  When a
 * worker dies its lease runs out and the job is claimable again (attempts
 * goes up each time).  A failed attempt is retried after job.backoff_s *
 * 2^(attempts-1) seconds; after job.max_attempts the job is parked and the
 * document failed with the last reason, for a clerk to read.
 *
 * job_complete unpacks the pipeline's result JSON with PostgreSQL's jsonb
 * functions in one transaction.  Every write replaces what the same document
 * had (pages and fields are deleted and re-inserted; parts are keyed by their
 * first page; the case by unit and code), and a job already done is left
 * alone, so completing the same job twice changes nothing.
 */
#include "store/store.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/str.h"
#include "store/store_int.h"

#define REASON_DIED \
    "processing stopped %d times without finishing (the worker reading this file crashed or was " \
    "killed). Check that the file opens and is a scan of a document; an administrator can queue it again"

static void copy_str(char *dst, size_t n, const char *src)
{
    snprintf(dst, n, "%s", src ? src : "");
}

/* Expired leases that have used every attempt: park them and fail their
 * documents, so that a file which kills its worker every time stops. */
static int park_dead(struct store *s, const char *kind, struct err *e)
{
    char maxa[16];
    snprintf(maxa, sizeof maxa, "%d", s->cfg->job_max_attempts);
    const char *p[3] = {kind, maxa, REASON_DIED};
    return sq_cmd_prep(s, "park jobs whose workers died",
        "WITH x AS (SELECT id FROM jobs WHERE kind = $1 AND state = 'running'"
        "            AND lease_until < now() AND attempts >= $2::int"
        "            ORDER BY id FOR UPDATE SKIP LOCKED),"
        " p AS (UPDATE jobs j SET state = 'parked', lease_until = NULL, finished_at = now(),"
        "        updated_at = now(), last_error = replace($3, '%d', j.attempts::text)"
        "       FROM x WHERE j.id = x.id RETURNING j.document_id, j.kind, j.last_error)"
        " UPDATE documents d SET status = CASE WHEN p.kind = 'ocr' THEN 'failed' ELSE d.status END,"
        "        error = p.last_error, updated_at = now(), version = d.version + 1"
        " FROM p WHERE d.id = p.document_id", 3, p, e);
}

/*
 * Commit the current transaction without waiting for its WAL to reach the
 * disk.  Only for backfill documents, whose source files stay where the
 * operator keeps them: if PostgreSQL crashes in the next fraction of a
 * second the transaction is lost as a whole (never half), and what it did
 * is done again: a lost claim makes the job ready again, a lost completion
 * leaves the job running until its lease runs out, then another worker
 * redoes it (job_complete is idempotent; a running-too-long document is
 * never counted as done).  A lost backfill intake is loaded again by the
 * next run of ancong backfill (the file is still there; the blob was
 * fsynced before).  Live scans keep synchronous commits: the watcher
 * removes the inbox file after the commit.
 */
static int async_commit(struct store *s, struct err *e)
{
    return sq_cmd(s, "relax the commit for re-loadable backfill data",
                  "SET LOCAL synchronous_commit = off", 0, NULL, e);
}

int job_claim(struct store *s, const char *kind, const char *worker, struct job *j,
              struct err *e)
{
    char lease[16], maxa[16];
    PGresult *r = NULL;
    int rc = -1;

    memset(j, 0, sizeof *j);
    snprintf(lease, sizeof lease, "%d", s->cfg->job_lease_s);
    snprintf(maxa, sizeof maxa, "%d", s->cfg->job_max_attempts);
    if (sq_begin(s, e) < 0)
        return -1;
    if (park_dead(s, kind, e) < 0)
        goto fail;
    const char *p[4] = {kind, lease, worker ? worker : "", maxa};
    r = sq_exec_prep(s, "claim a job",
        "WITH c AS (SELECT id FROM jobs"
        "           WHERE kind = $1 AND ((state = 'ready' AND next_run_at <= now())"
        "                 OR (state = 'running' AND lease_until < now() AND attempts < $4::int))"
        "           ORDER BY priority, id LIMIT 1 FOR UPDATE SKIP LOCKED),"
        " u AS (UPDATE jobs j SET state = 'running', attempts = j.attempts + 1,"
        "        lease_until = now() + make_interval(secs => $2::int), worker = $3,"
        "        started_at = now(), updated_at = now()"
        "       FROM c WHERE j.id = c.id RETURNING j.id, j.document_id, j.kind, j.attempts)"
        " SELECT u.id, u.document_id, u.kind, u.attempts, d.sha256, d.name, coalesce(st.code, ''),"
        "        d.source = 'backfill'"
        " FROM u JOIN documents d ON d.id = u.document_id"
        " LEFT JOIN stations st ON st.id = d.station_id", 4, p, e);
    if (!r)
        goto fail;
    if (PQntuples(r) == 0) {
        PQclear(r);
        r = NULL;
        if (sq_commit(s, e) < 0)
            goto fail;
        return 0;
    }
    j->id = atoll(PQgetvalue(r, 0, 0));
    j->document_id = atoll(PQgetvalue(r, 0, 1));
    copy_str(j->kind, sizeof j->kind, PQgetvalue(r, 0, 2));
    j->attempts = atoi(PQgetvalue(r, 0, 3));
    copy_str(j->sha256, sizeof j->sha256, PQgetvalue(r, 0, 4));
    copy_str(j->name, sizeof j->name, PQgetvalue(r, 0, 5));
    copy_str(j->station, sizeof j->station, PQgetvalue(r, 0, 6));
    j->backfill = PQgetvalue(r, 0, 7)[0] == 't';
    PQclear(r);
    r = NULL;
    char docid[24];
    snprintf(docid, sizeof docid, "%lld", j->document_id);
    const char *pd[1] = {docid};
    if (j->backfill && async_commit(s, e) < 0)
        goto fail;
    if (strcmp(j->kind, "ocr") == 0 &&
        sq_cmd_prep(s, "mark the document as being processed",
               "UPDATE documents SET status = 'processing', updated_at = now()"
               " WHERE id = $1 AND status = 'received'", 1, pd, e) < 0)
        goto fail;
    if (sq_commit(s, e) < 0)
        goto fail;
    log_info("job=%lld sha256=%.12s event=claimed kind=%s attempt=%d", j->id, j->sha256, j->kind,
             j->attempts);
    return 1;
fail:
    PQclear(r);
    sq_rollback(s);
    memset(j, 0, sizeof *j);
    return rc;
}

int job_heartbeat(struct store *s, const struct job *j, struct err *e)
{
    char id[24], att[16], lease[16];
    snprintf(id, sizeof id, "%lld", j->id);
    snprintf(att, sizeof att, "%d", j->attempts);
    snprintf(lease, sizeof lease, "%d", s->cfg->job_lease_s);
    const char *p[3] = {id, att, lease};
    PGresult *r = sq_exec_prep(s, "extend the job's lease",
        "UPDATE jobs SET lease_until = now() + make_interval(secs => $3::int), updated_at = now()"
        " WHERE id = $1 AND attempts = $2 AND state = 'running'", 3, p, e);
    if (!r)
        return -1;
    int n = atoi(PQcmdTuples(r));
    PQclear(r);
    if (n != 1) {
        err_set(e, ERR_DB, "job %lld is no longer this worker's (its lease ran out)", j->id);
        return -1;
    }
    return 0;
}

/* The state of job j under a row lock, inside the caller's transaction.
 * Returns 1 when it is still this claim (running, same attempt), 0 when
 * not, -1 on error.  state gets the state name. */
static int lock_job(struct store *s, const struct job *j, char state[16], int *attempts,
                    struct err *e)
{
    char id[24];
    snprintf(id, sizeof id, "%lld", j->id);
    const char *p[1] = {id};
    PGresult *r = sq_exec_prep(s, "lock the job",
                          "SELECT state, attempts FROM jobs WHERE id = $1 FOR UPDATE", 1, p, e);
    if (!r)
        return -1;
    if (PQntuples(r) != 1) {
        PQclear(r);
        err_set(e, ERR_DB, "job %lld does not exist", j->id);
        return -1;
    }
    copy_str(state, 16, PQgetvalue(r, 0, 0));
    *attempts = atoi(PQgetvalue(r, 0, 1));
    PQclear(r);
    return strcmp(state, "running") == 0 && *attempts == j->attempts;
}

int job_fail(struct store *s, const struct job *j, const char *why, bool retryable,
             struct err *e)
{
    char state[16], id[24], docid[24], backoff[16], maxa[16];
    int attempts, mine;

    if (!why || !*why)
        why = "processing failed without a reason (a bug: please report it)";
    snprintf(id, sizeof id, "%lld", j->id);
    snprintf(docid, sizeof docid, "%lld", j->document_id);
    snprintf(backoff, sizeof backoff, "%d", s->cfg->job_backoff_s);
    snprintf(maxa, sizeof maxa, "%d", s->cfg->job_max_attempts);
    if (sq_begin(s, e) < 0)
        return -1;
    if ((mine = lock_job(s, j, state, &attempts, e)) < 0)
        goto fail;
    if (!mine) {
        sq_rollback(s);
        log_warn("job=%lld sha256=%.12s event=stale_fail state=%s", j->id, j->sha256, state);
        return 0;
    }
    bool park = !retryable || attempts >= s->cfg->job_max_attempts;
    if (!park) {
        const char *p[3] = {id, why, backoff};
        if (sq_cmd_prep(s, "schedule a retry",
                   "UPDATE jobs SET state = 'ready', lease_until = NULL, worker = NULL,"
                   " last_error = $2, updated_at = now(),"
                   " next_run_at = now() + make_interval(secs => least(86400,"
                   "   $3::int * power(2, greatest(attempts - 1, 0)))::double precision)"
                   " WHERE id = $1", 3, p, e) < 0)
            goto fail;
    } else {
        const char *p[3] = {id, why, retryable ? "parked" : "failed"};
        if (sq_cmd_prep(s, "park the job",
                   "UPDATE jobs SET state = $3::job_state, lease_until = NULL, last_error = $2,"
                   " finished_at = now(), updated_at = now() WHERE id = $1", 3, p, e) < 0)
            goto fail;
        const char *pd[3] = {docid, why, j->kind};
        if (sq_cmd_prep(s, "mark the document failed",
                   "UPDATE documents SET status = CASE WHEN $3 = 'ocr' THEN 'failed' ELSE status END,"
                   " error = $2, processed_at = now(), updated_at = now(), version = version + 1"
                   " WHERE id = $1", 3, pd, e) < 0)
            goto fail;
        const char *pa[3] = {docid, why, j->kind};
        if (sq_cmd_prep(s, "write the audit log",
                   "INSERT INTO audit_log (actor, action, document_id, unit_id, details)"
                   " SELECT 'system:worker', 'document.failed', id, unit_id,"
                   "  jsonb_build_object('error', $2::text, 'kind', $3::text) FROM documents WHERE id = $1",
                   3, pa, e) < 0)
            goto fail;
    }
    if (sq_commit(s, e) < 0)
        goto fail;
    log_info("job=%lld sha256=%.12s event=%s attempt=%d", j->id, j->sha256,
             park ? (retryable ? "parked" : "failed") : "retry", attempts);
    return 0;
fail:
    sq_rollback(s);
    return -1;
}

int job_release(struct store *s, const struct job *j, struct err *e)
{
    char id[24], att[16];
    snprintf(id, sizeof id, "%lld", j->id);
    snprintf(att, sizeof att, "%d", j->attempts);
    const char *p[2] = {id, att};
    if (sq_cmd_prep(s, "give the job back",
               "UPDATE jobs SET state = 'ready', attempts = greatest(attempts - 1, 0),"
               " lease_until = NULL, worker = NULL, next_run_at = now(), updated_at = now()"
               " WHERE id = $1 AND attempts = $2 AND state = 'running'", 2, p, e) < 0)
        return -1;
    job_notify(s);
    return 0;
}

int job_enqueue(struct store *s, long long document_id, const char *kind, int priority,
                struct err *e)
{
    char docid[24], prio[16];
    PGresult *r;
    snprintf(docid, sizeof docid, "%lld", document_id);
    snprintf(prio, sizeof prio, "%d", priority);
    const char *p[3] = {docid, kind, prio};
    if (sq_begin(s, e) < 0)
        return -1;
    r = sq_exec_prep(s, "queue a job",
                "INSERT INTO jobs (document_id, kind, priority) VALUES ($1, $2, $3)"
                " ON CONFLICT (document_id, kind) DO UPDATE SET state = 'ready', attempts = 0,"
                "  next_run_at = now(), lease_until = NULL, worker = NULL, last_error = NULL,"
                "  finished_at = NULL, priority = excluded.priority, updated_at = now()"
                " WHERE jobs.state <> 'running' RETURNING id", 3, p, e);
    if (!r)
        goto fail;
    int queued = PQntuples(r);
    PQclear(r);
    /* Redoing OCR: the document starts over (its error goes, its status
     * follows the new result). */
    const char *pd[2] = {docid, kind};
    if (queued && strcmp(kind, "ocr") == 0 &&
        sq_cmd_prep(s, "reset the document",
               "UPDATE documents SET status = 'received', error = NULL, updated_at = now(),"
               " version = version + 1 WHERE id = $1", 1, pd, e) < 0)
        goto fail;
    if (queued &&
        sq_cmd_prep(s, "write the audit log",
               "INSERT INTO audit_log (actor, action, document_id, unit_id, details)"
               " SELECT 'system:queue', 'job.queued', id, unit_id, jsonb_build_object('kind', $2::text)"
               " FROM documents WHERE id = $1", 2, pd, e) < 0)
        goto fail;
    if (sq_commit(s, e) < 0)
        goto fail;
    job_notify(s);
    return 0;
fail:
    sq_rollback(s);
    return -1;
}

/*
 * jsonb refuses \u0000 (PostgreSQL text cannot hold NUL), and OCR'd text
 * may contain it: turn every escaped NUL inside a string into U+FFFD so a
 * stray byte cannot lose the whole result.  Returns a malloc'd copy.
 */
static char *json_no_nul(const char *in)
{
    struct sbuf b = SBUF_INIT;
    bool instr = false;
    for (const char *p = in; *p; p++) {
        if (!instr) {
            if (*p == '"')
                instr = true;
            sbuf_putc(&b, *p);
            continue;
        }
        if (*p == '"') {
            instr = false;
            sbuf_putc(&b, *p);
        } else if (*p == '\\' && p[1]) {
            if (p[1] == 'u' && strncmp(p + 2, "0000", 4) == 0) {
                sbuf_puts(&b, "\\ufffd");
                p += 5;
            } else {
                sbuf_putc(&b, p[0]);
                sbuf_putc(&b, p[1]);
                p++;
            }
        } else {
            sbuf_putc(&b, *p);
        }
    }
    return sbuf_detach(&b);
}

/* The steps of job_complete, each one statement with $1 = document id; the
 * result JSON was stored in documents.result by the first step, so it is
 * parsed once. */
static const char *const complete_steps[][2] = {
    {"replace the pages",
     "DELETE FROM pages WHERE document_id = $1"},
    {"store the pages",
     "INSERT INTO pages (document_id, number, text, words, rotation, skew_deg, dpi, dpi_source,"
     "                   source, ocr_confidence, width_px, height_px, blank, extra)"
     " SELECT d.id, coalesce(ancong_jint(p->'number'), o::int),"
     "        coalesce(ancong_jtext(p->'text'), ''),"
     "        CASE WHEN jsonb_typeof(p->'words') = 'array' THEN p->'words' END,"
     "        coalesce(ancong_jint(p->'rotation'), 0), ancong_jnum(p->'skew_deg'),"
     "        ancong_jint(p->'dpi'), ancong_jtext(p->'dpi_source'), ancong_jtext(p->'source'),"
     "        ancong_jnum(p->'ocr_confidence'), ancong_jint(p->'width_px'),"
     "        ancong_jint(p->'height_px'), coalesce(p->'blank' = 'true'::jsonb, false),"
     "        nullif(p - ARRAY['number', 'text', 'words', 'rotation', 'skew_deg', 'dpi',"
     "               'dpi_source', 'source', 'ocr_confidence', 'width_px', 'height_px', 'blank'],"
     "               '{}'::jsonb)"
     " FROM documents d, jsonb_array_elements(ancong_jarr(d.result->'pages')) WITH ORDINALITY AS x (p, o)"
     " WHERE d.id = $1 AND jsonb_typeof(p) = 'object'"
     " ON CONFLICT (document_id, number) DO NOTHING"},
    {"replace the fields",
     "DELETE FROM fields WHERE document_id IN (SELECT id FROM documents WHERE id = $1 OR parent_id = $1)"},
    {"remove parts that are gone",
     "DELETE FROM documents c WHERE c.parent_id = $1 AND NOT EXISTS ("
     " SELECT 1 FROM documents d,"
     "  jsonb_array_elements(ancong_jarr(d.result->'documents')) WITH ORDINALITY AS x (p, o)"
     " WHERE d.id = $1 AND coalesce(ancong_jint(p->'first_page'), o::int) = c.first_page)"},
    {"store the parts of the bundle",
     "INSERT INTO documents (parent_id, sha256, name, station_id, unit_id, source, status, error,"
     "                       doc_type, doc_type_confidence, first_page, last_page, npages,"
     "                       result, case_code_hint, processed_at)"
     " SELECT DISTINCT ON (fp) d.id, d.sha256, d.name, d.station_id, d.unit_id, d.source,"
     "        ancong_jstatus(p->'status', d.status),"
     "        CASE WHEN ancong_jstatus(p->'status', d.status) = 'failed'"
     "             THEN coalesce(ancong_jtext(p->'error'), d.error) END,"
     "        ancong_jtext(p->'doc_type'), ancong_jnum(p->'doc_type_confidence'), fp, lp,"
     "        greatest(lp - fp + 1, 1), p, d.case_code_hint, now()"
     " FROM documents d,"
     "  jsonb_array_elements(ancong_jarr(d.result->'documents')) WITH ORDINALITY AS x (p, o),"
     "  LATERAL (SELECT coalesce(ancong_jint(p->'first_page'), o::int) AS fp,"
     "                  coalesce(ancong_jint(p->'last_page'), ancong_jint(p->'first_page'), o::int) AS lp) r"
     " WHERE d.id = $1 AND jsonb_typeof(p) = 'object'"
     " ORDER BY fp, o"
     " ON CONFLICT (parent_id, first_page) DO UPDATE SET"
     "  status = excluded.status, error = excluded.error, doc_type = excluded.doc_type,"
     "  doc_type_confidence = excluded.doc_type_confidence, last_page = excluded.last_page,"
     "  npages = excluded.npages, result = excluded.result, processed_at = now(),"
     "  updated_at = now(), version = documents.version + 1"},
    {"store the fields",
     "INSERT INTO fields (document_id, name, value, confidence, page, bbox)"
     " SELECT d.id, f.key,"
     "        CASE WHEN jsonb_typeof(f.value) = 'object' THEN ancong_jtext(f.value->'value')"
     "             ELSE ancong_jtext(f.value) END,"
     "        ancong_jnum(f.value->'confidence'),"
     "        CASE WHEN jsonb_typeof(f.value) = 'object' THEN ancong_jint(f.value->'page') END,"
     "        CASE WHEN jsonb_typeof(f.value) = 'object' THEN ancong_jbox(f.value->'bbox') END"
     " FROM documents d, jsonb_each(ancong_jobj(d.result->'fields')) AS f"
     " WHERE (d.id = $1 OR d.parent_id = $1)"
     "   AND (CASE WHEN jsonb_typeof(f.value) = 'object' THEN ancong_jtext(f.value->'value')"
     "             ELSE ancong_jtext(f.value) END) IS NOT NULL"},
    /* A document still in the Supreme procuracy (the default unit of new
     * stations) that names one of the provinces in its "tinh" field
     * belongs to that province's procuracy, so that its users see it and
     * its case is counted there.  A station assigned to a unit keeps its
     * documents where it is. */
    {"place the document in its province",
     "UPDATE documents d SET unit_id = u.id, updated_at = now()"
     " FROM fields f, units u"
     " WHERE (d.id = $1 OR d.parent_id = $1) AND f.document_id = d.id AND f.name = 'tinh'"
     "   AND u.code = f.value AND u.level = 'provincial'"
     "   AND d.unit_id IN (SELECT id FROM units WHERE level = 'supreme')"},
    {"place the bundle with its parts",
     "UPDATE documents d SET unit_id = p.unit_id, updated_at = now()"
     " FROM (SELECT min(unit_id) AS unit_id FROM documents WHERE parent_id = $1"
     "       HAVING count(DISTINCT unit_id) = 1) p"
     " WHERE d.id = $1 AND d.unit_id IN (SELECT id FROM units WHERE level = 'supreme')"
     "   AND p.unit_id IS NOT NULL"},
    /* Signatures the file came with (origin 'input'); ours are 'ancong'. */
    {"record the signatures found in the file",
     "WITH gone AS (DELETE FROM signatures WHERE document_id = $1 AND origin = 'input')"
     " INSERT INTO signatures (document_id, origin, signer, signed_at, subfilter, details)"
     " SELECT d.id, 'input', ancong_jtext(g->'signer'),"
     "        ancong_jtime(g->'time'),"
     "        ancong_jtext(g->'subfilter'), jsonb_build_object('time', g->'time')"
     " FROM documents d, jsonb_array_elements(ancong_jarr(d.result->'signatures')) AS g"
     " WHERE d.id = $1 AND jsonb_typeof(g) = 'object'"},
    {"link the case",
     "WITH docs AS ("
     "  SELECT d.id, d.unit_id,"
     "         coalesce(nullif(btrim(f.value), ''), nullif(btrim(d.case_code_hint), '')) AS code,"
     "         (SELECT a.value FROM fields a WHERE a.document_id = d.id AND a.name = 'linh_vuc') AS area"
     "  FROM documents d LEFT JOIN fields f ON f.document_id = d.id AND f.name = 'ma_vu_viec'"
     "  WHERE d.id = $1 OR d.parent_id = $1),"
     " c AS (INSERT INTO cases (unit_id, code, area)"
     "       SELECT DISTINCT ON (unit_id, code) unit_id, code, area FROM docs"
     "       WHERE code IS NOT NULL ORDER BY unit_id, code, area NULLS LAST"
     "       ON CONFLICT (unit_id, code) DO UPDATE SET updated_at = now(),"
     "          area = coalesce(cases.area, excluded.area)"
     "       RETURNING id, unit_id, code)"
     " UPDATE documents d SET case_id = c.id"
     " FROM docs JOIN c ON c.unit_id = docs.unit_id AND c.code = docs.code WHERE d.id = docs.id"},
};

/* Run one statement of job_complete: the result, 0 rows-affected-ok or
 * NULL with e set; *bad = true when PostgreSQL refused the data itself
 * (SQLSTATE class 22: malformed JSON, a value out of range...), which no
 * retry will cure. */
static PGresult *complete_exec(struct store *s, const char *what, const char *sql, int n,
                               const char *const *params, bool *bad, struct err *e)
{
    PGresult *r = sq_raw_prep(s, sql, n, params);
    ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
        return r;
    const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    *bad = state && strncmp(state, "22", 2) == 0;
    sq_err(e, s->conn, r, what);
    PQclear(r);
    return NULL;
}

int job_complete(struct store *s, const struct job *j, const char *result_json,
                 const char *searchable_pdf_sha256, struct err *e)
{
    char state[16], docid[24], id[24];
    int attempts, mine;
    char *json = NULL;
    PGresult *r = NULL;
    bool bad = false;

    if (!result_json) {
        err_set(e, ERR_INTERNAL, "job %lld completed without a result", j->id);
        return -1;
    }
    snprintf(docid, sizeof docid, "%lld", j->document_id);
    snprintf(id, sizeof id, "%lld", j->id);
    if (sq_begin(s, e) < 0)
        return -1;
    if ((mine = lock_job(s, j, state, &attempts, e)) < 0)
        goto fail;
    if (strcmp(state, "done") == 0) {
        /* Completed already (by us, or by the worker that took over an
         * expired lease): the same bytes give the same result. */
        sq_rollback(s);
        log_info("job=%lld sha256=%.12s event=already_done", j->id, j->sha256);
        return 0;
    }
    if (!mine)
        log_warn("job=%lld sha256=%.12s event=late_complete state=%s", j->id, j->sha256, state);
    if (j->backfill && async_commit(s, e) < 0)
        goto fail;
    if (strcmp(j->kind, "ocr") != 0) {
        /* Other stages (signing...) record their own outcome; the job is
         * simply done and the document's OCR result stays as it is. */
        const char *p[1] = {id};
        if (sq_cmd_prep(s, "finish the job",
                   "UPDATE jobs SET state = 'done', lease_until = NULL, last_error = NULL,"
                   " finished_at = now(), updated_at = now() WHERE id = $1", 1, p, e) < 0 ||
            sq_commit(s, e) < 0)
            goto fail;
        log_info("job=%lld sha256=%.12s event=done kind=%s", j->id, j->sha256, j->kind);
        return 0;
    }
    json = json_no_nul(result_json);
    {
        const char *p[3] = {docid, json,
                            searchable_pdf_sha256 && *searchable_pdf_sha256 ? searchable_pdf_sha256 : NULL};
        r = complete_exec(s, "store the result",
            "UPDATE documents d SET"
            " status = ancong_jstatus(r.j->'status', 'indexed'),"
            " error = CASE WHEN ancong_jstatus(r.j->'status', 'indexed') = 'failed'"
            "  THEN coalesce(ancong_jtext(r.j->'error'), 'processing failed without a reason') END,"
            " doc_type = ancong_jtext(r.j->'doc_type'),"
            " doc_type_confidence = ancong_jnum(r.j->'doc_type_confidence'),"
            " npages = CASE WHEN jsonb_typeof(r.j->'pages') = 'array'"
            "          THEN jsonb_array_length(r.j->'pages') END,"
            " result = r.j, searchable_pdf_sha256 = coalesce($3, d.searchable_pdf_sha256),"
            " processed_at = now(), updated_at = now(), version = d.version + 1"
            " FROM (SELECT $2::jsonb AS j) r WHERE d.id = $1 RETURNING d.status", 3, p, &bad, e);
        if (!r)
            goto fail;
        if (PQntuples(r) != 1) {
            err_set(e, ERR_DB, "document %lld of job %lld does not exist", j->document_id, j->id);
            goto fail;
        }
    }
    char status[24];
    copy_str(status, sizeof status, PQgetvalue(r, 0, 0));
    PQclear(r);
    r = NULL;
    const char *pd[1] = {docid};
    for (size_t i = 0; i < sizeof complete_steps / sizeof complete_steps[0]; i++) {
        if (!(r = complete_exec(s, complete_steps[i][0], complete_steps[i][1], 1, pd, &bad, e)))
            goto fail;
        PQclear(r);
        r = NULL;
    }
    {
        const char *p[1] = {id};
        if (sq_cmd_prep(s, "finish the job",
                   "UPDATE jobs SET state = 'done', lease_until = NULL, last_error = NULL,"
                   " finished_at = now(), updated_at = now() WHERE id = $1", 1, p, e) < 0)
            goto fail;
    }
    {
        const char *p[3] = {docid, id, j->kind};
        if (sq_cmd_prep(s, "write the audit log",
                   "INSERT INTO audit_log (actor, action, document_id, unit_id, case_id, details)"
                   " SELECT 'system:worker', 'document.processed', id, unit_id, case_id,"
                   "  jsonb_build_object('status', status, 'doc_type', doc_type, 'job', $2::bigint,"
                   "                     'kind', $3::text)"
                   " FROM documents WHERE id = $1", 3, p, e) < 0)
            goto fail;
    }
    if (sq_commit(s, e) < 0)
        goto fail;
    free(json);
    log_info("job=%lld sha256=%.12s event=done status=%s", j->id, j->sha256, status);
    return 0;
fail:
    PQclear(r);
    free(json);
    sq_rollback(s);
    if (bad) {
        /* The result itself is unusable: record that as the document's
         * failure instead of retrying the same bytes forever. */
        char why[1200];
        snprintf(why, sizeof why, "the analysis result could not be stored (%s); this is a bug "
                 "in ancong: report it together with the file", e->msg);
        char q[900];
        log_error("job=%lld sha256=%.12s event=bad_result error=%s", j->id, j->sha256,
                  log_q(e->msg, q, sizeof q));
        err_init(e);
        return job_fail(s, j, why, false, e);
    }
    return -1;
}

int job_notify(struct store *s)
{
    PGresult *r = PQexec(s->conn, "SELECT pg_notify('ancong_jobs', '')");
    int ok = PQresultStatus(r) == PGRES_TUPLES_OK;
    PQclear(r);
    return ok ? 0 : -1;
}

static bool drain_notifies(PGconn *c)
{
    bool got = false;
    PGnotify *n;
    while ((n = PQnotifies(c))) {
        got = true;
        PQfreemem(n);
    }
    return got;
}

int job_wait(struct store *s, int timeout_ms)
{
    if (!s->listening) {
        PGresult *r = PQexec(s->conn, "LISTEN ancong_jobs");
        int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        PQclear(r);
        if (!ok)
            return -1;
        s->listening = true;
    }
    if (PQconsumeInput(s->conn) == 0)
        return -1;
    if (drain_notifies(s->conn))
        return 1;
    struct pollfd pfd = {PQsocket(s->conn), POLLIN, 0};
    if (pfd.fd < 0)
        return -1;
    for (;;) {
        int k = poll(&pfd, 1, timeout_ms);
        if (k < 0) {
            if (errno == EINTR)
                return 0;          /* a signal: let the caller look at its flags */
            return -1;
        }
        if (k == 0)
            return 0;
        if (PQconsumeInput(s->conn) == 0)
            return -1;
        if (drain_notifies(s->conn))
            return 1;
        /* Input that was not a notification (e.g. a parameter status):
         * wait for the rest of the time once more. */
        timeout_ms = timeout_ms > 50 ? timeout_ms / 2 : 0;
        if (timeout_ms == 0)
            return 0;
    }
}
