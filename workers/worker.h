/*
 * workers/worker.h: the worker role.  Claims "ocr" jobs from PostgreSQL and
 * processes each file in a sandboxed child (workers/analyze.h).
 *
 * Invariants:
 *   - A job is finished (job_complete / job_fail) at most once, and only
 *     while this worker's lease on it can still be valid; if the database
 *     stays away longer, the worker gives the job up and its lease runs out,
 *     so another worker takes it again.  Nothing is lost.
 *   - Heartbeats run from the sandbox's poll loop in this (single-threaded)
 *     process, so forking the per-file child stays safe.
 *   - SIGTERM/SIGINT stop the worker between jobs; the job in hand is
 *     finished first.  SIGHUP reloads the configuration between jobs (the
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
