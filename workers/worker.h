/*
 * workers/worker.h: the worker role.  Claims "ocr" jobs from PostgreSQL and
 * processes each file in a sandboxed child (workers/analyze.h), keeping the
 * file's OCR in blobs/ocr; claims "reanalyze" jobs first (a reviewer moved,
 * merged or split parts of a bundle: workers/reanalyze.h, no OCR).
 *
 * Invariants:
 *   - A job is finished with job_complete / job_fail, which are idempotent
 *     and refuse a job that is no longer this claim's; while the database is
 *     away the worker retries (reconnecting) for max(lease, 5 min), then
 *     gives the job up: its lease runs out and another worker does it again.
 *     Nothing is lost, nothing is finished twice.
 *   - Heartbeats run from the sandbox's poll loop in this (single-threaded)
 *     process, so forking the per-file child stays safe.
 *   - SIGTERM/SIGINT stop the worker between jobs; the job in hand is
 *     finished first.  A second TERM/INT kills the file's child and gives
 *     the job back to the queue (job_release) before stopping.  SIGHUP reloads the configuration between jobs (the
 *     old one stays if the new one does not load).
 *   - Workers keep no state: PostgreSQL is the queue and the source of truth.
 */
#ifndef ANCONG_WORKER_H
#define ANCONG_WORKER_H

#include "common/cfg.h"

/* Run until told to stop.  Returns 0 after a clean stop, 1 when it cannot
 * work at all (no OCR engine).  Logs every event; prints nothing. */
int worker_run(struct cfg *cfg);

#endif
