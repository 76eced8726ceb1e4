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
    if (!r->path || !r->path[0]) {
        err_set(e, ERR_INTERNAL, "store_ingest needs a path");
        return -1;
    }
    /* 1. The bytes, durable, before anything refers to them. */
    if (blob_take_file(s->cfg, "originals", r->path, NULL, sha, &size, e) < 0)
        return -1;
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
