#include "workers/metrics.h"

#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>

#define X(name) R_##name,
enum { METRICS_REASONS R_COUNT };
#undef X
#define X(name) #name,
static const char *const reason_names[] = { METRICS_REASONS };
#undef X

static const char *const role_names[] = {"watcher", "worker", "web", "signer", "other"};
#define NROLES (int)(sizeof role_names / sizeof role_names[0])

struct metrics_page {
    atomic_long docs_indexed, docs_review, docs_failed;
    atomic_long pages, ocr_ms, retries, busy;
    atomic_long failures[R_COUNT];
    atomic_long restarts[NROLES];
};

static struct metrics_page *m;

int metrics_init(void)
{
    if (m)
        return 0;
    void *p = mmap(NULL, sizeof *m, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return -1;
    memset(p, 0, sizeof *m);   /* all-zero bytes are valid zero atomics here */
    m = p;
    return 0;
}

static int reason_idx(const char *r)
{
    for (int i = 0; r && i < R_COUNT; i++)
        if (strcmp(reason_names[i], r) == 0)
            return i;
    return R_other;
}

void metrics_doc(const char *status, const char *reason, int pages, long ms)
{
    if (!m)
        return;
    if (strcmp(status, "indexed") == 0) {
        atomic_fetch_add(&m->docs_indexed, 1);
    } else if (strcmp(status, "needs_review") == 0) {
        atomic_fetch_add(&m->docs_review, 1);
    } else {
        atomic_fetch_add(&m->docs_failed, 1);
        atomic_fetch_add(&m->failures[reason_idx(reason)], 1);
        return;
    }
    atomic_fetch_add(&m->pages, pages);
    atomic_fetch_add(&m->ocr_ms, ms);
}

void metrics_retry(void)
{
    if (m)
        atomic_fetch_add(&m->retries, 1);
}

void metrics_restart(const char *role)
{
    int i;
    if (!m)
        return;
    for (i = 0; i < NROLES - 1 && strcmp(role_names[i], role) != 0; i++)
        ;
    atomic_fetch_add(&m->restarts[i], 1);
}

void metrics_busy(int delta)
{
    if (m)
        atomic_fetch_add(&m->busy, delta);
}

void metrics_prometheus(struct sbuf *o)
{
    if (!m && metrics_init() < 0)
        return;
    sbuf_puts(o, "# HELP ancong_documents_total Documents finished, by status.\n"
                 "# TYPE ancong_documents_total counter\n");
    sbuf_printf(o, "ancong_documents_total{status=\"indexed\"} %ld\n", atomic_load(&m->docs_indexed));
    sbuf_printf(o, "ancong_documents_total{status=\"needs_review\"} %ld\n", atomic_load(&m->docs_review));
    sbuf_printf(o, "ancong_documents_total{status=\"failed\"} %ld\n", atomic_load(&m->docs_failed));
    sbuf_puts(o, "# HELP ancong_pages_processed_total Pages of documents that were processed.\n"
                 "# TYPE ancong_pages_processed_total counter\n");
    sbuf_printf(o, "ancong_pages_processed_total %ld\n", atomic_load(&m->pages));
    sbuf_puts(o, "# HELP ancong_ocr_seconds_total Seconds spent processing those pages.\n"
                 "# TYPE ancong_ocr_seconds_total counter\n");
    sbuf_printf(o, "ancong_ocr_seconds_total %.3f\n", (double)atomic_load(&m->ocr_ms) / 1000.0);
    {
        long pg = atomic_load(&m->pages);
        sbuf_puts(o, "# HELP ancong_ocr_seconds_per_page Mean processing seconds per page so far.\n"
                     "# TYPE ancong_ocr_seconds_per_page gauge\n");
        sbuf_printf(o, "ancong_ocr_seconds_per_page %.3f\n",
                    pg ? (double)atomic_load(&m->ocr_ms) / 1000.0 / (double)pg : 0.0);
    }
    sbuf_puts(o, "# HELP ancong_failures_total Failed documents and attempts, by reason.\n"
                 "# TYPE ancong_failures_total counter\n");
    for (int i = 0; i < R_COUNT; i++)
        sbuf_printf(o, "ancong_failures_total{reason=\"%s\"} %ld\n", reason_names[i],
                    atomic_load(&m->failures[i]));
    sbuf_puts(o, "# HELP ancong_job_retries_total Job attempts that will be tried again.\n"
                 "# TYPE ancong_job_retries_total counter\n");
    sbuf_printf(o, "ancong_job_retries_total %ld\n", atomic_load(&m->retries));
    sbuf_puts(o, "# HELP ancong_workers_busy Workers processing a file now.\n"
                 "# TYPE ancong_workers_busy gauge\n");
    sbuf_printf(o, "ancong_workers_busy %ld\n", atomic_load(&m->busy));
    sbuf_puts(o, "# HELP ancong_restarts_total Child processes restarted by the master, by role.\n"
                 "# TYPE ancong_restarts_total counter\n");
    for (int i = 0; i < NROLES; i++)
        sbuf_printf(o, "ancong_restarts_total{role=\"%s\"} %ld\n", role_names[i],
                    atomic_load(&m->restarts[i]));
}

void metrics_json(struct sbuf *o)
{
    if (!m && metrics_init() < 0) {
        sbuf_puts(o, "{}");
        return;
    }
    sbuf_printf(o, "{\"documents\":{\"indexed\":%ld,\"needs_review\":%ld,\"failed\":%ld},"
                   "\"pages\":%ld,\"ocr_seconds\":%.3f,\"retries\":%ld,\"busy\":%ld,\"failures\":{",
                atomic_load(&m->docs_indexed), atomic_load(&m->docs_review),
                atomic_load(&m->docs_failed), atomic_load(&m->pages),
                (double)atomic_load(&m->ocr_ms) / 1000.0, atomic_load(&m->retries),
                atomic_load(&m->busy));
    for (int i = 0; i < R_COUNT; i++)
        sbuf_printf(o, "%s\"%s\":%ld", i ? "," : "", reason_names[i], atomic_load(&m->failures[i]));
    sbuf_puts(o, "},\"restarts\":{");
    for (int i = 0; i < NROLES; i++)
        sbuf_printf(o, "%s\"%s\":%ld", i ? "," : "", role_names[i], atomic_load(&m->restarts[i]));
    sbuf_puts(o, "}}");
}
