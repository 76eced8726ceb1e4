/*
 * store/store.h: PostgreSQL (the queue and the source of truth) and the
 * content-addressed blob store.  Shared by watchfolders/, workers/, web/,
 * backfill/ and cases/; knows nothing of OCR or HTTP.
 *
 * Every function returns 0 on success (1 where noted) and -1 with e set.
 * Every query that takes outside input uses parameters ($1...), never
 * string-built SQL.
 */
#ifndef ANCONG_STORE_H
#define ANCONG_STORE_H

#include <stdbool.h>
#include <stdint.h>
#include <libpq-fe.h>

#include "common/cfg.h"
#include "common/err.h"

/* ---- embedded cluster (store/pgcluster.c) ------------------------------
 * Without database_url, the cluster lives in $ANCONG_HOME/pg, listens only on
 * a Unix socket in $ANCONG_HOME/run, and runs as an unprivileged user (the
 * "postgres" system user when we are root, PostgreSQL refuses root). */
int  pgc_start(const struct cfg *c, struct err *e);        /* no-op if running */
int  pgc_stop(const struct cfg *c, struct err *e);
int  pgc_running(const struct cfg *c);                     /* 1 yes, 0 no */
/* libpq conninfo for this installation (database_url or the embedded one). */
void pgc_conninfo(const struct cfg *c, char *buf, size_t n);

/* ---- connection and migrations (store/db.c, store/migrate.c) ---------- */
struct store;
/* Connect (starting the embedded cluster on demand).  Caller closes. */
int  store_open(const struct cfg *c, struct store **out, struct err *e);
void store_close(struct store **s);
PGconn *store_conn(struct store *s);
const struct cfg *store_cfg(struct store *s);
/* Reconnect if the connection dropped (PostgreSQL restarted).  0 ok. */
int  store_check(struct store *s, struct err *e);
/* Apply pending schema/NNNN_*.sql migrations (embedded in the binary), each in
 * its own transaction under an advisory lock; refuse if an applied file's
 * checksum changed.  *applied = how many were applied now. */
int  mig_apply(struct store *s, int *applied, struct err *e);

/* ---- blob store (store/blob.c) -----------------------------------------
 * $ANCONG_HOME/blobs/<kind>/<aa>/<bb>/<sha256>: written to a temp name,
 * fsynced, renamed; never changed afterwards.  kind: "originals", "ocr"
 * (the OCR of an original, ocr/page.h text form), "pdf"
 * (searchable PDFs), "signed". */
int  blob_put_file(const struct cfg *c, const char *kind, const char *src,
                   const char *sha256, struct err *e);
int  blob_put_buf(const struct cfg *c, const char *kind, const void *p, size_t n,
                  char sha256_out[65], struct err *e);
void blob_path(const struct cfg *c, const char *kind, const char *sha256, char *buf, size_t n);
/* Copy src into the blob store under the sha256 of the bytes actually
 * stored (returned in sha256_out, size in *size if not NULL).  expect: the
 * sha256 the caller computed, or NULL; a mismatch (the file changed while
 * being copied) is an error.  Used by store_ingest and backfill. */
int  blob_take_file(const struct cfg *c, const char *kind, const char *src, const char *expect,
                    char sha256_out[65], long long *size, struct err *e);
/* Remove temporary files of puts that died (older than max_age_s, so a
 * copy in progress is never touched).  Returns how many; store_open calls
 * it with an hour. */
int  blob_clean_tmp(const struct cfg *c, int max_age_s);
/* Make the blob sha256 of kind from also a blob of kind to (a hard link:
 * no copy, no second fsync of the bytes; a copy where links cannot be
 * made).  Used for a born-digital PDF, which is its own searchable PDF.
 * A no-op when the target exists already. */
int  blob_link(const struct cfg *c, const char *from, const char *to, const char *sha256,
               struct err *e);
bool blob_exists(const struct cfg *c, const char *kind, const char *sha256);

/* ---- intake (store/ingest.c) -------------------------------------------
 * Store the original in the blob store, then in ONE transaction: the
 * documents row (unique sha256), a drops row (every drop is recorded, also
 * a duplicate one), and a jobs row for a new document.  Only after this
 * returns 0 may the caller remove the inbox copy. */
enum ingest_source { INGEST_LIVE = 0, INGEST_BACKFILL = 1 };
struct ingest_req {
    const char *path;          /* the file to take */
    const char *name;          /* file name as dropped (NFC'd by the callee) */
    const char *station;       /* inbox station, or NULL */
    const char *unit_code;     /* owning unit, or NULL = station's unit */
    const char *case_code;     /* from a backfill manifest, or NULL */
    const char *doc_type_hint; /* from a backfill manifest, or NULL */
    const char *archive_meta;  /* a JSON object (backfill manifest's archival
                                * columns) for documents.archive_meta, or NULL;
                                * a duplicate drop merges it into the row's */
    enum ingest_source source;
    int priority;              /* lower runs first: live 0, backfill 100 */
    const char *taken_sha256;  /* the bytes are in the blob store already under
                                * this sha256 (store_take_original); or NULL */
    long long taken_size;
};
struct ingest_res {
    long long document_id;
    bool duplicate;            /* the same bytes were already a document */
    char sha256[65];
};
int  store_ingest(struct store *s, const struct ingest_req *r, struct ingest_res *out,
                  struct err *e);
/* Backfill's batches: first each file's bytes into the blob store (fsynced;
 * then the source may go), then up to a few hundred files' rows in ONE
 * transaction of multi-row statements (documents, drops, jobs, audit).
 * Every r[i] must have taken_sha256 set and source INGEST_BACKFILL.  res[i]
 * and errs[i] (may be NULL) per file; returns how many files failed (their
 * errs[i] say why: the batch is retried one file at a time when it fails as
 * a whole, so one bad row costs only its own file), or -1 when the database
 * cannot be reached (e set, nothing recorded). */
int  store_take_original(struct store *s, const char *path, char sha256_out[65],
                         long long *size, struct err *e);
int  store_ingest_batch(struct store *s, const struct ingest_req *r, int n,
                        struct ingest_res *res, struct err *errs, struct err *e);

/* ---- job queue (store/jobs.c) -------------------------------------------
 * Claimed with SELECT ... FOR UPDATE SKIP LOCKED ordered by priority, then
 * age; a claim sets a lease that heartbeats extend; a job whose lease ran
 * out is claimable again (its worker died).  Failures retry with
 * exponential backoff; after job.max_attempts the job is parked and the
 * document marked failed with the last reason. */
struct job {
    long long id;
    long long document_id;
    char kind[24];             /* "ocr", "sign", ... */
    char sha256[65];
    char name[512];            /* file name as dropped */
    char station[128];
    int attempts;              /* including this one */
    bool backfill;             /* the document came from ancong backfill */
};
/* 1 claimed, 0 nothing ready, -1 error.  worker: a label for the log/table. */
int  job_claim(struct store *s, const char *kind, const char *worker, struct job *j,
               struct err *e);
/* Extend the lease to job.lease_s from now; -1 when the job is no longer
 * this claim's (the lease ran out and another worker took it). */
int  job_heartbeat(struct store *s, const struct job *j, struct err *e);
/* Result JSON (CONTRACT.md form) saved in one transaction with pages,
 * fields, search text, case link and status; the job is done.  For a split
 * bundle ("documents" array) one child document per part is kept, linked to
 * the original.  Idempotent: a job already done is left alone.  For kinds
 * other than "ocr" only the job is marked done (result_json may be "{}"). */
int  job_complete(struct store *s, const struct job *j, const char *result_json,
                  const char *searchable_pdf_sha256, struct err *e);
/* The attempt failed.  retryable: try again later (until max attempts);
 * otherwise the document is failed at once with why.  (For kinds other than
 * "ocr" the document keeps its status and only its error is set.)  A job
 * that is no longer this claim's (its lease ran out and another worker took
 * it) is left alone and 0 is returned. */
int  job_fail(struct store *s, const struct job *j, const char *why, bool retryable,
              struct err *e);
/* Give a claimed job back unfinished (the worker is stopping): ready again
 * at once, and this attempt is not counted. */
int  job_release(struct store *s, const struct job *j, struct err *e);
/* Queue a job of kind for a document (e.g. "sign" after approval); a job
 * of that kind already there is reset to ready.  Wakes the workers. */
int  job_enqueue(struct store *s, long long document_id, const char *kind, int priority,
                 struct err *e);
/* Wake sleeping workers (NOTIFY ancong_jobs) / wait for a wake-up. */
int  job_notify(struct store *s);
/* 1 woken, 0 timed out, -1 the connection failed (call store_check). */
int  job_wait(struct store *s, int timeout_ms);

/* ---- re-analysis of split parts (store/reanalyze.c) ----------------------
 * A reviewer's move, merge or split of the parts of a bundle queues a
 * "reanalyze" job per part affected (jobs.document_id = the part).  The
 * worker loads the part's page range and the file's stored OCR, runs the
 * pipeline on the range and stores the new type, fields, status and case
 * link, audited, without ever OCR'ing the file again. */
struct stored_page {           /* a row of pages, for files without an OCR blob */
    int number, width_px, height_px, dpi, rotation;
    double skew_deg, ocr_conf;
    bool blank, separator, text_layer;
    char dpi_source[16];
    char *text;               /* malloc'd */
};
struct reanalysis {
    long long part_id, file_id;
    int first_page, last_page; /* the part's range now (1-based, inclusive) */
    char ocr_sha256[65];       /* blobs/ocr/<sha256> of the file, "" when not kept */
    int npages;                /* every page of the file, in order */
    struct stored_page *pages;
};
/* Load what the re-analysis of part_id needs.  1 loaded, 0 the part is gone
 * (merged away) or is not a part, -1 error.  Release with
 * store_reanalysis_release (NULL-safe, also after 0/-1). */
int  store_reanalysis_load(struct store *s, long long part_id, struct reanalysis *out,
                           struct err *e);
void store_reanalysis_release(struct reanalysis *r);
/* Store the re-analysis of pages [first, last] of job j's part, in one
 * transaction: type, confidence, status, fields (replaced), case link, the
 * bundle's own type/fields when the part is its first, the job done, and an
 * audit row (actor system:worker, user = who asked, old and new values).
 * part_json: {"doc_type","doc_type_confidence","status","fields":{...}} as
 * pipe_result_json writes them.  Returns 0 stored (or nothing to do: the part
 * or the job is gone), 1 the part's range is no longer [first, last]
 * (analyse again), -1 error. */
int  job_reanalyzed(struct store *s, const struct job *j, int first, int last,
                    const char *part_json, struct err *e);
/* Record that blobs/ocr/<ocr_sha256> holds document_id's OCR. */
int  store_set_ocr(struct store *s, long long document_id, const char *ocr_sha256,
                   struct err *e);

/* ---- export (store/export.c) --------------------------------------------
 * Every document (top-level rows; split parts inside "documents") as
 * DIR/<file>.json in the CONTRACT.md form, rebuilt from the tables so that
 * reviewers' corrections show; a name used twice gets <file>~<8 hex>.json.
 * *count = files written. */
int  store_export_json(struct store *s, const char *dir, int *count, struct err *e);

#endif
