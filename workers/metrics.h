/*
 * workers/metrics.h: counters shared by the master and its children.
 *
 * The master maps one anonymous MAP_SHARED page before it forks, so every
 * worker adds to the same counters with atomic operations and the master can
 * report them (Prometheus text on /metrics, $ANCONG_HOME/run/status.json)
 * without any message passing.  A role run alone (`ancong worker`) maps its
 * own page: the counters then only feed its log.
 */
#ifndef ANCONG_METRICS_H
#define ANCONG_METRICS_H

#include "common/str.h"

/* Failure classes ("failures by reason"); analyze.c's an_outcome.reason. */
#define METRICS_REASONS \
    X(input) X(limit) X(io) X(config) X(internal) X(memory) X(cpu_time) X(timeout) \
    X(crash) X(cancelled) X(db) X(other)

/* Map the shared page (idempotent).  0 ok, -1 out of memory. */
int  metrics_init(void);
/* One document finished: status "indexed" | "needs_review" | "failed". */
void metrics_doc(const char *status, const char *reason, int pages, long ms);
/* A job attempt will be retried. */
void metrics_retry(void);
/* The master restarted a child of this role ("worker", "watcher", ...). */
void metrics_restart(const char *role);
/* Workers now busy with a file (+1 when a job starts, -1 when it ends). */
void metrics_busy(int delta);
/* Prometheus text exposition format, version 0.0.4. */
void metrics_prometheus(struct sbuf *out);
/* The same numbers as one JSON object (for status.json). */
void metrics_json(struct sbuf *out);

#endif
