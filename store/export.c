/*
 * store/export.c: every document as DIR/<file>.json in the CONTRACT.md form,
 * rebuilt from the tables (fields as reviewers left them, not as OCR first
 * wrote them).  Rows stream one at a time (single-row mode), so memory does
 * not grow with the database.
 */
#include "store/store.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>

#include "common/fs.h"
#include "common/json.h"
#include "common/str.h"
#include "store/store_int.h"

/* The fields of document X as a JSON object (empty object when none). */
#define FIELDS_OF(X) \
    "coalesce((SELECT json_object_agg(f.name, json_build_object('value', f.value," \
    " 'confidence', f.confidence, 'page', f.page, 'bbox', f.bbox) ORDER BY f.name)" \
    " FROM fields f WHERE f.document_id = " X " AND f.value IS NOT NULL), '{}'::json)"

static const char *const export_sql =
    "SELECT d.name, d.sha256, d.status::text, d.error, st.code, d.doc_type,"
    "       d.doc_type_confidence::text, cs.code, u.code,"
    "       " FIELDS_OF("d.id") ","
    "       coalesce((SELECT json_agg(json_strip_nulls(json_build_object("
    "           'number', p.number, 'text', p.text, 'rotation', p.rotation,"
    "           'skew_deg', p.skew_deg, 'ocr_confidence', p.ocr_confidence, 'source', p.source,"
    "           'width_px', p.width_px, 'height_px', p.height_px, 'dpi', p.dpi,"
    "           'dpi_source', p.dpi_source, 'blank', CASE WHEN p.blank THEN true END))"
    "           ORDER BY p.number) FROM pages p WHERE p.document_id = d.id), '[]'::json),"
    "       (SELECT json_agg(json_build_object("
    "           'first_page', c.first_page, 'last_page', c.last_page, 'doc_type', c.doc_type,"
    "           'doc_type_confidence', c.doc_type_confidence, 'status', c.status,"
    "           'error', c.error, 'case', cc.code, 'fields', " FIELDS_OF("c.id") ")"
    "           ORDER BY c.first_page)"
    "        FROM documents c LEFT JOIN cases cc ON cc.id = c.case_id WHERE c.parent_id = d.id),"
    "       d.archive_meta,"
    /* what the readers worked around, as the pipeline reported it */
    "       (d.result->'warnings')::text,"
    /* the signatures the file arrived with, as process reports them */
    "       (d.result->'signatures')::text"
    " FROM documents d"
    " LEFT JOIN stations st ON st.id = d.station_id"
    " LEFT JOIN cases cs ON cs.id = d.case_id"
    " JOIN units u ON u.id = d.unit_id"
    " WHERE d.parent_id IS NULL"
    /* Still being processed: no result yet; the contract's statuses are
     * indexed, needs_review and failed. */
    "   AND d.status NOT IN ('received', 'processing')"
    " ORDER BY d.id";

/* A set of names already written (open addressing, grows). */
struct nameset {
    char **slot;
    size_t cap, n;
};

static size_t name_hash(const char *s)
{
    size_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* true if name was new (and is now in the set). */
static bool nameset_add(struct nameset *ns, const char *name)
{
    if (ns->n * 2 >= ns->cap) {
        size_t cap = ns->cap ? ns->cap * 2 : 256;
        char **slot = xcalloc(cap, sizeof *slot);
        for (size_t i = 0; i < ns->cap; i++) {
            if (!ns->slot[i])
                continue;
            size_t k = name_hash(ns->slot[i]) & (cap - 1);
            while (slot[k])
                k = (k + 1) & (cap - 1);
            slot[k] = ns->slot[i];
        }
        free(ns->slot);
        ns->slot = slot;
        ns->cap = cap;
    }
    size_t k = name_hash(name) & (ns->cap - 1);
    while (ns->slot[k]) {
        if (strcmp(ns->slot[k], name) == 0)
            return false;
        k = (k + 1) & (ns->cap - 1);
    }
    ns->slot[k] = xstrdup(name);
    ns->n++;
    return true;
}

static void nameset_release(struct nameset *ns)
{
    for (size_t i = 0; i < ns->cap; i++)
        free(ns->slot[i]);
    free(ns->slot);
    memset(ns, 0, sizeof *ns);
}

/* The file name part: no folder separators, not "." or "..", at most
 * 200 bytes (cut at a UTF-8 boundary) so "~xxxxxxxx.json" still fits. */
static void safe_name(const char *name, const char *sha, char *out, size_t n)
{
    snprintf(out, n, "%s", name);
    for (char *p = out; *p; p++)
        if (*p == '/' || *p == '\0')
            *p = '_';
    size_t len = strlen(out);
    if (len > 200) {
        len = 200;
        while (len > 0 && ((unsigned char)out[len] & 0xC0) == 0x80)
            len--;
        out[len] = '\0';
    }
    if (!out[0] || !strcmp(out, ".") || !strcmp(out, ".."))
        snprintf(out, n, "%s", sha);
}

static const char *val(PGresult *r, int col)
{
    return PQgetisnull(r, 0, col) ? NULL : PQgetvalue(r, 0, col);
}

static int write_one(const char *dir, PGresult *r, struct nameset *ns, struct err *e)
{
    struct sbuf b = SBUF_INIT;
    struct json j;
    char base[256], path[PATH_MAX];
    const char *name = val(r, 0), *sha = val(r, 1), *status = val(r, 2), *error = val(r, 3);
    const char *station = val(r, 4), *type = val(r, 5), *conf = val(r, 6), *cas = val(r, 7);
    const char *unit = val(r, 8), *fields = val(r, 9), *pages = val(r, 10), *parts = val(r, 11);
    const char *archive = val(r, 12);
    const char *warnings = val(r, 13), *sigs = val(r, 14);
    int rc;

    json_init(&j, &b, true);
    json_obj_begin(&j);
    json_key(&j, "file");
    json_str(&j, name);
    json_key(&j, "sha256");
    json_str(&j, sha);
    /* Approved and signed documents were indexed, then reviewed: the
     * contract's status stays "indexed" and the review step is its own key. */
    bool reviewed = !strcmp(status, "approved") || !strcmp(status, "signed");
    json_key(&j, "status");
    json_str(&j, reviewed ? "indexed" : status);
    if (reviewed) {
        json_key(&j, "review");
        json_str(&j, status);
    }
    if (error && (!strcmp(status, "failed") || error[0])) {
        json_key(&j, "error");
        json_str(&j, error);
    }
    if (station) {
        json_key(&j, "station");
        json_str(&j, station);
    }
    json_key(&j, "unit");
    json_str(&j, unit);
    if (cas) {
        json_key(&j, "case");
        json_str(&j, cas);
    }
    if (archive) {
        /* An addition to the contract's form: the archival metadata a
         * backfill manifest gave (e.g. {"ma_ho_so": ..., "tieu_de": ...}). */
        json_key(&j, "archive");
        json_raw(&j, archive);
    }
    json_key(&j, "doc_type");
    json_str(&j, type);
    json_key(&j, "doc_type_confidence");
    json_raw(&j, conf ? conf : "null");     /* real::text: shortest exact form */
    json_key(&j, "fields");
    json_raw(&j, fields ? fields : "{}");
    json_key(&j, "pages");
    json_raw(&j, pages ? pages : "[]");
    if (parts) {
        json_key(&j, "documents");
        json_raw(&j, parts);
    }
    if (warnings && warnings[0] == '[') {
        json_key(&j, "warnings");
        json_raw(&j, warnings);
    }
    if (sigs && sigs[0] == '[') {
        json_key(&j, "signatures");
        json_raw(&j, sigs);
    }
    json_obj_end(&j);
    sbuf_putc(&b, '\n');

    safe_name(name, sha, base, sizeof base);
    if (nameset_add(ns, base)) {
        snprintf(path, sizeof path, "%s/%s.json", dir, base);
    } else {
        char alt[300];
        snprintf(alt, sizeof alt, "%s~%.8s", base, sha);
        nameset_add(ns, alt);
        snprintf(path, sizeof path, "%s/%s.json", dir, alt);
    }
    rc = fs_write_atomic(path, b.s, b.len, 0644, e);
    sbuf_release(&b);
    return rc;
}

int store_export_json(struct store *s, const char *dir, int *count, struct err *e)
{
    struct nameset ns = {0};
    PGresult *r;
    int n = 0, rc = 0;
    bool failed = false;

    if (count)
        *count = 0;
    if (fs_mkdirs(dir, 0755, e) < 0)
        return -1;
    sq_rollback(s);
    if (!PQsendQueryParams(s->conn, export_sql, 0, NULL, NULL, NULL, NULL, 0) ||
        !PQsetSingleRowMode(s->conn)) {
        sq_err(e, s->conn, NULL, "read the documents");
        return -1;
    }
    while ((r = PQgetResult(s->conn))) {
        ExecStatusType st = PQresultStatus(r);
        if (st == PGRES_SINGLE_TUPLE && !failed) {
            if (write_one(dir, r, &ns, e) < 0)
                failed = true;     /* keep reading: the connection must drain */
            else
                n++;
        } else if (st != PGRES_SINGLE_TUPLE && st != PGRES_TUPLES_OK && !failed) {
            sq_err(e, s->conn, r, "read the documents");
            failed = true;
        }
        PQclear(r);
    }
    nameset_release(&ns);
    if (failed)
        rc = -1;
    if (count)
        *count = n;
    return rc;
}
