/*
 * store/ingest.c: taking a dropped file in.
 *
 * Order matters: the original goes to the blob store (fsynced) BEFORE the
 * transaction that records it, and the caller removes the inbox copy only
 * after that transaction committed.  Dying anywhere in between leaves the
 * file in the inbox; the next attempt finds the blob already there and the
 * unique sha256 turns the document insert into a duplicate drop.
 */
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fs.h"
#include "common/log.h"
#include "common/str.h"
#include "store/store_int.h"

static const char *const empty_reason =
    "the file is empty (0 bytes): the scanner or the copy did not deliver it. "
    "Scan the document again and drop the new file in.";

/* Station id and unit id for the drop (creating the station on its first
 * drop, in the intake.unit unit).  Buffers get "" for none. */
static int resolve_unit(struct store *s, const struct ingest_req *r, char station_id[24],
                        char unit_id[24], struct err *e)
{
    PGresult *res;
    station_id[0] = unit_id[0] = '\0';

    if (r->station && r->station[0]) {
        const char *p[2] = {r->station, s->cfg->intake_unit};
        if (sq_cmd(s, "register the scanning station",
                   "INSERT INTO stations (code, unit_id) SELECT $1, id FROM units WHERE code = $2 "
                   "ON CONFLICT (code) DO NOTHING", 2, p, e) < 0)
            return -1;
        res = sq_exec(s, "look up the scanning station",
                      "SELECT id, unit_id FROM stations WHERE code = $1", 1, p, e);
        if (!res)
            return -1;
        if (PQntuples(res) == 0) {
            PQclear(res);
            err_set(e, ERR_USAGE, "cannot register station \"%s\": unit \"%s\" (setting intake.unit) "
                    "does not exist", r->station, s->cfg->intake_unit);
            err_hint(e, "Set intake.unit to the code of a unit in the units table (e.g. vkstc).");
            return -1;
        }
        snprintf(station_id, 24, "%s", PQgetvalue(res, 0, 0));
        snprintf(unit_id, 24, "%s", PQgetvalue(res, 0, 1));
        PQclear(res);
    }
    if ((r->unit_code && r->unit_code[0]) || !unit_id[0]) {
        const char *code = (r->unit_code && r->unit_code[0]) ? r->unit_code : s->cfg->intake_unit;
        const char *p[1] = {code};
        res = sq_exec(s, "look up the unit", "SELECT id FROM units WHERE code = $1", 1, p, e);
        if (!res)
            return -1;
        if (PQntuples(res) == 0) {
            PQclear(res);
            err_set(e, ERR_USAGE, "unknown unit \"%s\"", code);
            err_hint(e, "Use the code of a unit in the units table (e.g. vkstc, ha_noi).");
            return -1;
        }
        snprintf(unit_id, 24, "%s", PQgetvalue(res, 0, 0));
        PQclear(res);
    }
    return 0;
}

int store_ingest(struct store *s, const struct ingest_req *r, struct ingest_res *out,
                 struct err *e)
{
    char station_id[24], unit_id[24], size_s[32], prio_s[16], sha[65];
    long long size = 0;
    char *name = NULL;
    PGresult *res = NULL;
    int rc = -1;

    memset(out, 0, sizeof *out);
    if (r->taken_sha256 && r->taken_sha256[0]) {
        /* The caller stored the bytes already (store_take_original). */
        snprintf(sha, sizeof sha, "%s", r->taken_sha256);
        size = r->taken_size;
    } else if (!r->path || !r->path[0]) {
        err_set(e, ERR_INTERNAL, "store_ingest needs a path");
        return -1;
    } else if (blob_take_file(s->cfg, "originals", r->path, NULL, sha, &size, e) < 0) {
        /* 1. The bytes, durable, before anything refers to them. */
        return -1;
    }
    {
        char *clean = utf8_nfc(fs_base(r->name && r->name[0] ? r->name : r->path));
        name = clean;
    }
    snprintf(size_s, sizeof size_s, "%lld", size);
    snprintf(prio_s, sizeof prio_s, "%d", r->priority);
    const char *source = r->source == INGEST_BACKFILL ? "backfill" : "live";
    const char *meta = r->archive_meta && r->archive_meta[0] ? r->archive_meta : NULL;

    /* 2. One transaction: document (or duplicate), drop, job. */
    if (sq_begin(s, e) < 0)
        goto out;
    /* Backfill never removes its source files, so an intake lost to a
     * database crash right after COMMIT is simply loaded again by the next
     * run (the blob is already durable): it need not wait for the WAL
     * flush.  A live drop does wait: the watcher deletes the inbox copy
     * once this returns. */
    if (r->source == INGEST_BACKFILL &&
        sq_cmd(s, "relax the commit for re-loadable backfill data",
               "SET LOCAL synchronous_commit = off", 0, NULL, e) < 0)
        goto fail;
    if (resolve_unit(s, r, station_id, unit_id, e) < 0)
        goto fail;
    {
        const char *p[10] = {sha, name, station_id[0] ? station_id : NULL, unit_id, source,
                             size_s, r->case_code && r->case_code[0] ? r->case_code : NULL,
                             r->doc_type_hint && r->doc_type_hint[0] ? r->doc_type_hint : NULL,
                             size == 0 ? empty_reason : NULL, meta};
        res = sq_exec(s, "record the document",
                      "INSERT INTO documents (sha256, name, station_id, unit_id, source, size_bytes,"
                      " case_code_hint, doc_type_hint, status, error, processed_at, archive_meta)"
                      " VALUES ($1, $2, $3, $4, $5::doc_source, $6, $7, $8,"
                      "  CASE WHEN $9::text IS NULL THEN 'received' ELSE 'failed' END::doc_status, $9,"
                      "  CASE WHEN $9::text IS NULL THEN NULL ELSE now() END, $10::jsonb)"
                      " ON CONFLICT (sha256) WHERE parent_id IS NULL DO NOTHING RETURNING id",
                      10, p, e);
        if (!res)
            goto fail;
    }
    if (PQntuples(res) == 1) {
        out->document_id = atoll(PQgetvalue(res, 0, 0));
        out->duplicate = false;
    } else {
        PQclear(res);
        const char *p[1] = {sha};
        res = sq_exec(s, "find the earlier document",
                      "SELECT id FROM documents WHERE sha256 = $1 AND parent_id IS NULL", 1, p, e);
        if (!res)
            goto fail;
        if (PQntuples(res) != 1) {
            err_set(e, ERR_DB, "document %.12s vanished while recording a drop", sha);
            goto fail;
        }
        out->document_id = atoll(PQgetvalue(res, 0, 0));
        out->duplicate = true;
    }
    PQclear(res);
    res = NULL;
    char docid[24];
    snprintf(docid, sizeof docid, "%lld", out->document_id);
    if (out->duplicate && meta) {
        /* Loaded before (an earlier run, perhaps without the manifest):
         * keep what the manifest says now too; the same values again
         * change nothing. */
        const char *p[2] = {docid, meta};
        if (sq_cmd(s, "record the archival metadata",
                   "UPDATE documents SET archive_meta = coalesce(archive_meta, '{}'::jsonb) || $2::jsonb,"
                   " updated_at = now()"
                   " WHERE id = $1 AND (archive_meta IS NULL OR NOT archive_meta @> $2::jsonb)",
                   2, p, e) < 0)
            goto fail;
    }
    {
        const char *p[6] = {docid, name, station_id[0] ? station_id : NULL, source,
                            out->duplicate ? "true" : "false", size_s};
        if (sq_cmd(s, "record the drop",
                   "INSERT INTO drops (document_id, name, station_id, source, duplicate, size_bytes)"
                   " VALUES ($1, $2, $3, $4::doc_source, $5, $6)", 6, p, e) < 0)
            goto fail;
    }
    if (!out->duplicate && size > 0) {
        const char *p[2] = {docid, prio_s};
        if (sq_cmd(s, "queue the document",
                   "INSERT INTO jobs (kind, document_id, priority) VALUES ('ocr', $1, $2)"
                   " ON CONFLICT (document_id, kind) DO NOTHING", 2, p, e) < 0 ||
            sq_cmd(s, "wake the workers", "SELECT pg_notify('ancong_jobs', 'ocr')", 0, NULL, e) < 0)
            goto fail;
    }
    {
        const char *p[6] = {out->duplicate ? "document.duplicate_drop" : "document.received",
                            docid, unit_id, name, r->station && r->station[0] ? r->station : NULL,
                            source};
        if (sq_cmd(s, "write the audit log",
                   "INSERT INTO audit_log (actor, action, document_id, unit_id, details)"
                   " VALUES ('system:intake', $1, $2, $3,"
                   "  jsonb_build_object('name', $4::text, 'station', $5::text, 'source', $6::text))",
                   6, p, e) < 0)
            goto fail;
    }
    if (sq_commit(s, e) < 0)
        goto fail;
    memcpy(out->sha256, sha, sizeof sha);
    {
        char q[600];
        log_info("event=ingest document=%lld sha256=%.12s duplicate=%s bytes=%lld name=%s",
                 out->document_id, sha, out->duplicate ? "yes" : "no", size,
                 log_q(name, q, sizeof q));
    }
    rc = 0;
    goto out;
fail:
    sq_rollback(s);
out:
    PQclear(res);
    free(name);
    return rc;
}

/* ---- backfill batches ------------------------------------------------------ */

int store_take_original(struct store *s, const char *path, char sha256_out[65],
                        long long *size, struct err *e)
{
    return blob_take_file(s->cfg, "originals", path, NULL, sha256_out, size, e);
}

/* Arrays travel as PostgreSQL array literals, one parameter per column:
 * a batch is a handful of statements whatever its size. */
enum { A_SHA, A_NAME, A_STATION, A_UNIT, A_SIZE, A_CASE, A_TYPE, A_META, A_N };

static void arr_add(struct sbuf *b, const char *v)
{
    sbuf_putc(b, b->len > 0 ? ',' : '{');
    if (!v) {
        sbuf_puts(b, "NULL");
        return;
    }
    sbuf_putc(b, '"');
    for (; *v; v++) {
        if (*v == '"' || *v == '\\')
            sbuf_putc(b, '\\');
        sbuf_putc(b, *v);
    }
    sbuf_putc(b, '"');
}

/* Close the literal (once: every element is quoted or NULL, so a closed
 * literal is the only one ending in '}'). */
static const char *arr_end(struct sbuf *b)
{
    if (b->len == 0)
        sbuf_putc(b, '{');
    if (b->s[b->len - 1] != '}')
        sbuf_putc(b, '}');
    return sbuf_cstr(b);
}

static const char *opt(const char *v)
{
    return v && v[0] ? v : NULL;
}

static bool same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* The whole batch in one transaction.  0 ok; -1 failed (rolled back, e set):
 * the caller falls back to one file at a time.  Items with skip[i] set
 * (resolved as bad, or empty) are left out. */
static int batch_tx(struct store *s, const struct ingest_req *r, int n, struct ingest_res *res,
                    bool *skip, struct err *errs, char **names, struct err *e)
{
    struct sbuf a[A_N];
    char (*st_id)[24] = xcalloc((size_t)n, 24), (*un_id)[24] = xcalloc((size_t)n, 24);
    bool *found = xcalloc((size_t)n, sizeof *found);
    PGresult *q = NULL;
    int rc = -1, nnew = 0, nmeta = 0, ngood = 0;

    for (int k = 0; k < A_N; k++)
        sbuf_init(&a[k]);
    if (sq_begin(s, e) < 0)
        goto out;
    /* See store_ingest: backfill data is re-loadable, the blobs are durable. */
    if (sq_cmd(s, "relax the commit for re-loadable backfill data",
               "SET LOCAL synchronous_commit = off", 0, NULL, e) < 0)
        goto fail;
    for (int i = 0; i < n; i++) {
        if (skip[i])
            continue;
        if (i > 0 && !skip[i - 1] && same_str(r[i].station, r[i - 1].station) &&
            same_str(r[i].unit_code, r[i - 1].unit_code)) {
            memcpy(st_id[i], st_id[i - 1], 24);
            memcpy(un_id[i], un_id[i - 1], 24);
        } else {
            struct err ue;
            err_init(&ue);
            if (resolve_unit(s, &r[i], st_id[i], un_id[i], &ue) < 0) {
                if (ue.kind == ERR_DB) {
                    *e = ue;
                    goto fail;
                }
                skip[i] = true;            /* unknown unit: this file only */
                if (errs)
                    errs[i] = ue;
                continue;
            }
        }
        char size_s[32];
        snprintf(size_s, sizeof size_s, "%lld", r[i].taken_size);
        arr_add(&a[A_SHA], r[i].taken_sha256);
        arr_add(&a[A_NAME], names[i]);
        arr_add(&a[A_STATION], st_id[i][0] ? st_id[i] : NULL);
        arr_add(&a[A_UNIT], un_id[i]);
        arr_add(&a[A_SIZE], size_s);
        arr_add(&a[A_CASE], opt(r[i].case_code));
        arr_add(&a[A_TYPE], opt(r[i].doc_type_hint));
        arr_add(&a[A_META], opt(r[i].archive_meta));
        ngood++;
    }
    if (ngood == 0) {
        sq_rollback(s);
        rc = 0;
        goto out;
    }
    {
        const char *p[A_N];
        for (int k = 0; k < A_N; k++)
            p[k] = arr_end(&a[k]);
        q = sq_exec(s, "record the documents",
            "INSERT INTO documents (sha256, name, station_id, unit_id, source, size_bytes,"
            " case_code_hint, doc_type_hint, archive_meta)"
            " SELECT x.sha, x.name, x.st, x.un, 'backfill', x.sz, x.cc, x.dt, x.meta"
            " FROM unnest($1::text[], $2::text[], $3::int[], $4::int[], $5::bigint[], $6::text[],"
            "             $7::text[], $8::jsonb[]) WITH ORDINALITY AS x (sha, name, st, un, sz, cc, dt, meta, o)"
            " ORDER BY x.o"
            " ON CONFLICT (sha256) WHERE parent_id IS NULL DO NOTHING RETURNING id, sha256",
            A_N, p, e);
        if (!q)
            goto fail;
    }
    /* The first file of each new sha256 made the document; the others,
     * and files whose bytes were loaded before, are duplicate drops. */
    for (int t = 0; t < PQntuples(q); t++) {
        const char *sha = PQgetvalue(q, t, 1);
        for (int i = 0; i < n; i++)
            if (!skip[i] && !found[i] && strcmp(r[i].taken_sha256, sha) == 0) {
                res[i].document_id = atoll(PQgetvalue(q, t, 0));
                res[i].duplicate = false;
                found[i] = true;
                nnew++;
                break;
            }
    }
    PQclear(q);
    q = NULL;
    if (nnew < ngood) {
        const char *p[1] = {arr_end(&a[A_SHA])};
        q = sq_exec(s, "find the earlier documents",
                    "SELECT id, sha256 FROM documents WHERE sha256 = ANY($1::text[]) AND parent_id IS NULL",
                    1, p, e);
        if (!q)
            goto fail;
        for (int i = 0; i < n; i++) {
            if (skip[i] || found[i])
                continue;
            for (int t = 0; t < PQntuples(q); t++)
                if (strcmp(PQgetvalue(q, t, 1), r[i].taken_sha256) == 0) {
                    res[i].document_id = atoll(PQgetvalue(q, t, 0));
                    res[i].duplicate = true;
                    found[i] = true;
                    break;
                }
            if (!found[i]) {
                err_set(e, ERR_DB, "document %.12s vanished while recording a drop", r[i].taken_sha256);
                goto fail;
            }
        }
        PQclear(q);
        q = NULL;
    }
    /* drops: document, name, station, duplicate, size; jobs of the new
     * documents; archival metadata merged into documents loaded before;
     * the audit log. */
    {
        struct sbuf d_doc = SBUF_INIT, d_dup = SBUF_INIT, j_doc = SBUF_INIT, j_pri = SBUF_INIT,
                    m_doc = SBUF_INIT, m_meta = SBUF_INIT, a_st = SBUF_INIT;
        for (int i = 0; i < n; i++) {
            char id[24], pr[16];
            if (skip[i])
                continue;
            snprintf(id, sizeof id, "%lld", res[i].document_id);
            snprintf(pr, sizeof pr, "%d", r[i].priority);
            arr_add(&d_doc, id);
            arr_add(&d_dup, res[i].duplicate ? "t" : "f");
            arr_add(&a_st, opt(r[i].station));
            if (!res[i].duplicate) {
                arr_add(&j_doc, id);
                arr_add(&j_pri, pr);
            } else if (opt(r[i].archive_meta)) {
                arr_add(&m_doc, id);
                arr_add(&m_meta, r[i].archive_meta);
                nmeta++;
            }
        }
        const char *pd[5] = {arr_end(&d_doc), arr_end(&a[A_NAME]), arr_end(&a[A_STATION]),
                             arr_end(&d_dup), arr_end(&a[A_SIZE])};
        const char *pj[2] = {arr_end(&j_doc), arr_end(&j_pri)};
        const char *pm[2] = {arr_end(&m_doc), arr_end(&m_meta)};
        const char *pa[5] = {pd[0], arr_end(&a[A_UNIT]), pd[1], arr_end(&a_st), pd[3]};
        int bad = 0;
        bad |= sq_cmd(s, "record the drops",
            "INSERT INTO drops (document_id, name, station_id, source, duplicate, size_bytes)"
            " SELECT d, nm, st, 'backfill', dup, sz"
            " FROM unnest($1::bigint[], $2::text[], $3::int[], $4::boolean[], $5::bigint[]) AS x (d, nm, st, dup, sz)",
            5, pd, e) < 0;
        if (!bad && nnew > 0)
            bad |= sq_cmd(s, "queue the documents",
                "INSERT INTO jobs (kind, document_id, priority)"
                " SELECT 'ocr', d, p FROM unnest($1::bigint[], $2::int[]) AS x (d, p)"
                " ON CONFLICT (document_id, kind) DO NOTHING", 2, pj, e) < 0;
        if (!bad && nmeta > 0)
            bad |= sq_cmd(s, "record the archival metadata",
                "UPDATE documents d SET archive_meta = coalesce(d.archive_meta, '{}'::jsonb) || x.m,"
                " updated_at = now()"
                " FROM (SELECT DISTINCT ON (id) id, m FROM unnest($1::bigint[], $2::jsonb[]) AS u (id, m)"
                "       ORDER BY id) x"
                " WHERE d.id = x.id AND (d.archive_meta IS NULL OR NOT d.archive_meta @> x.m)",
                2, pm, e) < 0;
        if (!bad)
            bad |= sq_cmd(s, "write the audit log",
                "INSERT INTO audit_log (actor, action, document_id, unit_id, details)"
                " SELECT 'system:intake', CASE WHEN dup THEN 'document.duplicate_drop'"
                "        ELSE 'document.received' END, d, u,"
                "        jsonb_build_object('name', nm, 'station', st, 'source', 'backfill')"
                " FROM unnest($1::bigint[], $2::int[], $3::text[], $4::text[], $5::boolean[])"
                "      AS x (d, u, nm, st, dup)", 5, pa, e) < 0;
        if (!bad && nnew > 0)
            bad |= sq_cmd(s, "wake the workers", "SELECT pg_notify('ancong_jobs', 'ocr')", 0, NULL, e) < 0;
        sbuf_release(&d_doc);
        sbuf_release(&d_dup);
        sbuf_release(&j_doc);
        sbuf_release(&j_pri);
        sbuf_release(&m_doc);
        sbuf_release(&m_meta);
        sbuf_release(&a_st);
        if (bad)
            goto fail;
    }
    if (sq_commit(s, e) < 0)
        goto fail;
    for (int i = 0; i < n; i++) {
        char qn[600];
        if (skip[i])
            continue;
        memcpy(res[i].sha256, r[i].taken_sha256, 65);
        log_info("event=ingest document=%lld sha256=%.12s duplicate=%s bytes=%lld name=%s",
                 res[i].document_id, r[i].taken_sha256, res[i].duplicate ? "yes" : "no",
                 r[i].taken_size, log_q(names[i], qn, sizeof qn));
    }
    rc = 0;
    goto out;
fail:
    sq_rollback(s);
    for (int i = 0; i < n; i++)
        res[i].document_id = 0;
out:
    PQclear(q);
    for (int k = 0; k < A_N; k++)
        sbuf_release(&a[k]);
    free(st_id);
    free(un_id);
    free(found);
    return rc;
}

int store_ingest_batch(struct store *s, const struct ingest_req *r, int n,
                       struct ingest_res *res, struct err *errs, struct err *e)
{
    bool *skip = xcalloc((size_t)(n > 0 ? n : 1), sizeof *skip);
    bool *alone = xcalloc((size_t)(n > 0 ? n : 1), sizeof *alone);
    char **names = xcalloc((size_t)(n > 0 ? n : 1), sizeof *names);
    int nfail = 0, rc = -1;

    for (int i = 0; i < n; i++) {
        memset(&res[i], 0, sizeof res[i]);
        if (errs)
            err_init(&errs[i]);
        names[i] = utf8_nfc(fs_base(r[i].name && r[i].name[0] ? r[i].name : r[i].path));
        /* Not for the multi-row path: an empty file (failed at once, with
         * its reason) or a request that is not a stored backfill file. */
        if (!r[i].taken_sha256 || !r[i].taken_sha256[0] || r[i].taken_size == 0 ||
            r[i].source != INGEST_BACKFILL)
            skip[i] = alone[i] = true;
    }
    if (batch_tx(s, r, n, res, skip, errs, names, e) < 0) {
        char q[400];
        log_warn("stage=ingest batch=%d result=one_by_one error=%s", n, log_q(e->msg, q, sizeof q));
        err_init(e);
        for (int i = 0; i < n; i++)
            alone[i] = true;
    }
    for (int i = 0; i < n; i++) {
        if (!alone[i]) {
            if (skip[i])
                nfail++;               /* resolved as bad in the batch (errs[i] set) */
            continue;
        }
        struct err ie;
        err_init(&ie);
        if (store_ingest(s, &r[i], &res[i], &ie) == 0)
            continue;
        if (ie.kind == ERR_DB && store_check(s, e) < 0)
            goto out;                  /* the database is gone: the caller retries */
        if (errs)
            errs[i] = ie;
        nfail++;
    }
    rc = nfail;
out:
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
    free(skip);
    free(alone);
    return rc;
}
