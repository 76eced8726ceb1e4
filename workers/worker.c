#include "workers/worker.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/err.h"
#include "common/fs.h"
#include "common/hash.h"
#include "common/log.h"
#include "ocr/ocr.h"
#include "pipeline/pipeline.h"
#include "store/store.h"
#include "workers/analyze.h"
#include "workers/master.h"
#include "workers/metrics.h"
#include "workers/reanalyze.h"

static volatile sig_atomic_t want_stop, want_reload, want_abort;

/* First TERM/INT: stop after this job.  Second: stop now (the child is
 * killed and the job given back to the queue unfinished). */
static void on_signal(int sig)
{
    if (sig == SIGHUP) {
        want_reload = 1;
    } else {
        if (want_stop)
            want_abort = 1;
        want_stop = 1;
    }
}

/* Sleep up to ms, waking early when told to stop. */
static void nap(int64_t ms)
{
    int64_t end = fs_now_ms() + ms;
    while (!want_stop) {
        int64_t left = end - fs_now_ms();
        if (left <= 0)
            break;
        usleep((useconds_t)(left < 200 ? left : 200) * 1000);
    }
}

struct hb {
    struct store *s;
    const struct job *j;
    int64_t last_ok;         /* when the lease was last known extended */
    int lease_ms;
};

static void hb_tick(void *arg)
{
    struct hb *hb = arg;
    struct err e;
    err_init(&e);
    if (job_heartbeat(hb->s, hb->j, &e) == 0) {
        hb->last_ok = fs_now_ms();
        return;
    }
    char q[400];
    log_warn("job=%lld sha256=%.12s stage=heartbeat error=%s", hb->j->id, hb->j->sha256,
             log_q(e.msg, q, sizeof q));
    err_init(&e);
    store_check(hb->s, &e);   /* reconnect; the next tick tries again */
}

/*
 * Record the job's end.  The database may be restarting: retry, reconnecting.
 * job_complete is idempotent (a job already done is left alone, the same
 * bytes give the same result) and job_fail leaves alone a job that is no
 * longer this claim's, so a retry can never finish a job twice.  We retry for
 * the lease or 5 minutes, whichever is longer; then the job is given up: its
 * lease runs out and another worker does it again.  Nothing is lost.
 */
static int finish(struct hb *hb, bool ok, const char *json, const char *pdf_sha,
                  const char *why, bool retryable)
{
    int64_t deadline = fs_now_ms() + (hb->lease_ms > 300000 ? hb->lease_ms : 300000);
    int64_t backoff = 250;
    struct err e;
    char q[400];

    for (;;) {
        int rc;
        err_init(&e);
        rc = ok ? job_complete(hb->s, hb->j, json, pdf_sha, &e)
                : job_fail(hb->s, hb->j, why, retryable, &e);
        if (rc == 0)
            return 0;
        log_warn("job=%lld sha256=%.12s stage=finish error=%s retry_ms=%lld", hb->j->id,
                 hb->j->sha256, log_q(e.msg, q, sizeof q), (long long)backoff);
        if (fs_now_ms() + backoff >= deadline || want_abort) {
            log_error("job=%lld sha256=%.12s stage=finish result=abandoned "
                      "why=\"could not record the result; the job will be done again\"",
                      hb->j->id, hb->j->sha256);
            return -1;
        }
        usleep((useconds_t)backoff * 1000);
        backoff = backoff * 2 > 5000 ? 5000 : backoff * 2;
        err_init(&e);
        if (store_check(hb->s, &e) == 0) {
            err_init(&e);
            if (job_heartbeat(hb->s, hb->j, &e) == 0)
                hb->last_ok = fs_now_ms();
        }
    }
}

static void run_job(struct store *s, struct cfg *cfg, struct ocr_engine *eng, const struct job *j)
{
    char orig[PATH_MAX], pdf[PATH_MAX], ocrf[PATH_MAX], tmpdir[PATH_MAX];
    char pdf_sha[HASH_HEX_LEN + 1] = "", ocr_sha[HASH_HEX_LEN + 1] = "";
    char q1[600], q2[1400];
    struct hb hb = {.s = s, .j = j, .last_ok = fs_now_ms(), .lease_ms = cfg->job_lease_s * 1000};
    struct sbx_hooks hooks = {.tick = hb_tick, .tick_arg = &hb, .cancel = &want_abort};
    struct an_request rq;
    struct an_outcome o;
    struct err e;
    int rc;

    err_init(&e);
    hooks.tick_ms = cfg->job_lease_s * 1000 / 3;
    if (hooks.tick_ms < 1000)
        hooks.tick_ms = 1000;
    log_info("job=%lld sha256=%.12s stage=start attempt=%d file=%s", j->id, j->sha256,
             j->attempts, log_q(j->name, q1, sizeof q1));
    blob_path(cfg, "originals", j->sha256, orig, sizeof orig);
    cfg_path(cfg, tmpdir, sizeof tmpdir, "tmp");
    if (fs_mkdirs(tmpdir, 0750, &e) < 0) {
        log_error("job=%lld sha256=%.12s stage=start error=%s", j->id, j->sha256,
                  log_q(e.msg, q1, sizeof q1));
        finish(&hb, false, NULL, NULL, "could not create the temporary folder: disk trouble", true);
        return;
    }
    snprintf(pdf, sizeof pdf, "%s/pdf-%lld-%d.pdf", tmpdir, j->id, (int)getpid());
    snprintf(ocrf, sizeof ocrf, "%s/ocr-%lld-%d.txt", tmpdir, j->id, (int)getpid());

    memset(&rq, 0, sizeof rq);
    rq.path = orig;
    rq.name = j->name[0] ? j->name : j->sha256;
    rq.station = j->station[0] ? j->station : NULL;
    rq.pdf_path = cfg->ocr_searchable_pdf ? pdf : NULL;
    rq.ocr_path = ocrf;
    metrics_busy(1);
    rc = analyze_file(eng, cfg, &rq, &hooks, &o);
    metrics_busy(-1);

    if (rc == 0 && (o.pdf_written || o.pdf_is_original)) {
        /* A born-digital PDF is its own searchable PDF: the same bytes. */
        const char *src = o.pdf_written ? pdf : orig;
        int put;
        err_init(&e);
        if (!o.pdf_written && strcmp(o.sha256, j->sha256) == 0) {
            /* Its bytes were read and hashed by analyze_file just now:
             * link the original, no copy or second hash. */
            snprintf(pdf_sha, sizeof pdf_sha, "%s", j->sha256);
            put = blob_link(cfg, "originals", "pdf", pdf_sha, &e);
        } else {
            put = hash_file(src, pdf_sha, NULL, &e) < 0 ? -1 : blob_put_file(cfg, "pdf", src, pdf_sha, &e);
        }
        if (put < 0) {
            log_error("job=%lld sha256=%.12s stage=store_pdf error=%s", j->id, j->sha256,
                      log_q(e.msg, q1, sizeof q1));
            unlink(pdf);
            metrics_doc("failed", "io", 0, 0);
            metrics_retry();
            finish(&hb, false, NULL, NULL,
                   "could not store the searchable PDF (disk full or not writable); it will be tried again",
                   true);
            an_outcome_release(&o);
            return;
        }
    }
    unlink(pdf);
    if (rc == 0 && fs_exists(ocrf) == 1) {
        /* The OCR is kept for re-analysis of split parts (workers/reanalyze.h);
         * without it a re-analysis reads the page texts, so a failure here
         * costs only word boxes and is not the file's failure. */
        err_init(&e);
        if (hash_file(ocrf, ocr_sha, NULL, &e) < 0 || blob_put_file(cfg, "ocr", ocrf, ocr_sha, &e) < 0) {
            log_warn("job=%lld sha256=%.12s stage=keep_ocr error=%s", j->id, j->sha256,
                     log_q(e.msg, q1, sizeof q1));
            ocr_sha[0] = '\0';
        }
    }
    unlink(ocrf);

    if (rc != 0 && strcmp(o.reason, "cancelled") == 0) {
        /* Stopped at once: give the job back, this attempt not counted. */
        err_init(&e);
        if (job_release(s, j, &e) < 0)
            log_warn("job=%lld sha256=%.12s stage=release error=%s", j->id, j->sha256,
                     log_q(e.msg, q1, sizeof q1));
        else
            log_info("job=%lld sha256=%.12s stage=release result=requeued", j->id, j->sha256);
        an_outcome_release(&o);
        return;
    }
    if (rc == 0) {
        if (finish(&hb, true, o.json, pdf_sha[0] ? pdf_sha : NULL, NULL, false) == 0) {
            err_init(&e);
            if (ocr_sha[0] && store_set_ocr(s, j->document_id, ocr_sha, &e) < 0)
                log_warn("job=%lld sha256=%.12s stage=keep_ocr error=%s", j->id, j->sha256,
                         log_q(e.msg, q1, sizeof q1));
            log_info("job=%lld sha256=%.12s stage=done status=%s pages=%d ms=%ld pdf=%s",
                     j->id, j->sha256, o.status, o.pages, o.ms, pdf_sha[0] ? "yes" : "no");
            metrics_doc(o.status, NULL, o.pages, o.ms);
        }
    } else {
        bool retry = o.retryable && j->attempts < cfg->job_max_attempts;
        if (finish(&hb, false, NULL, NULL, o.error, o.retryable) == 0) {
            log_warn("job=%lld sha256=%.12s stage=done status=%s reason=%s attempt=%d error=%s",
                     j->id, j->sha256, retry ? "retry" : "failed", o.reason, j->attempts,
                     log_q(o.error, q2, sizeof q2));
            if (retry)
                metrics_retry();
            else
                metrics_doc("failed", o.reason, 0, 0);
        }
    }
    an_outcome_release(&o);
}

static void reload(struct cfg *cfg)
{
    struct err e;
    char q[800];
    err_init(&e);
    if (master_reload_cfg(cfg, &e) < 0)
        log_error("stage=reload result=kept_old error=%s", log_q(e.msg, q, sizeof q));
    else
        log_info("stage=reload result=ok");
}

int worker_run(struct cfg *cfg)
{
    struct ocr_engine *eng;
    struct store *s = NULL;
    struct sigaction sa;
    struct err e;
    char label[256], host[128] = "localhost", q[800];
    int64_t backoff = 500;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;      /* no SA_RESTART: waits return early */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    metrics_init();
    gethostname(host, sizeof host - 1);
    snprintf(label, sizeof label, "%s:%d", host, (int)getpid());

    err_init(&e);
    eng = ocr_engine_open(cfg->ocr_tessdata[0] ? cfg->ocr_tessdata : NULL, cfg->ocr_lang, &e);
    if (!eng) {
        log_error("stage=init error=%s", log_q(err_text(&e, q, sizeof q), q, sizeof q));
        return 1;
    }
    /* Once here rather than in every child forked per file. */
    pipe_warm();
    log_info("stage=init worker=%s lang=%s", label, cfg->ocr_lang);

    while (!want_stop) {
        struct job j;
        int rc;

        if (want_reload) {
            want_reload = 0;
            reload(cfg);
        }
        err_init(&e);
        if (!s) {
            if (store_open(cfg, &s, &e) < 0) {
                s = NULL;
                log_warn("stage=connect error=%s retry_ms=%lld", log_q(e.msg, q, sizeof q),
                         (long long)backoff);
                nap(backoff);
                backoff = backoff * 2 > 30000 ? 30000 : backoff * 2;
                continue;
            }
            log_info("stage=connect result=ok");
            backoff = 500;
        }
        if (store_check(s, &e) < 0) {
            log_warn("stage=connect error=%s retry_ms=%lld", log_q(e.msg, q, sizeof q),
                     (long long)backoff);
            nap(backoff);
            backoff = backoff * 2 > 30000 ? 30000 : backoff * 2;
            continue;
        }
        memset(&j, 0, sizeof j);
        /* A reviewer waits for a re-analysis (milliseconds, no OCR): it
         * goes before the files. */
        rc = job_claim(s, "reanalyze", label, &j, &e);
        if (rc == 1) {
            metrics_busy(1);
            reanalyze_job(s, cfg, &j);
            metrics_busy(-1);
            continue;
        }
        if (rc == 0)
            rc = job_claim(s, "ocr", label, &j, &e);
        if (rc < 0) {
            log_warn("stage=claim error=%s retry_ms=%lld", log_q(e.msg, q, sizeof q),
                     (long long)backoff);
            nap(backoff);
            backoff = backoff * 2 > 30000 ? 30000 : backoff * 2;
            continue;
        }
        backoff = 500;
        if (rc == 0) {
            /* Nothing ready: sleep until NOTIFY ancong_jobs, a retry comes
             * due, or a signal (the wait returns on EINTR). */
            job_wait(s, 5000);
            continue;
        }
        run_job(s, cfg, eng, &j);
    }
    log_info("stage=stop result=clean");
    store_close(&s);
    ocr_engine_close(&eng);
    return 0;
}
