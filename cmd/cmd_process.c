/*
 * cmd/cmd_process.c: `ancong process FILE... --json-dir DIR [--jobs N]`
 *
 * Offline: no database.  The parent opens one OCR engine (OMP_THREAD_LIMIT=1
 * first), then forks N worker processes that share it copy-on-write; they
 * take files from a shared counter, analyse each in its own sandboxed child
 * (workers/analyze.h) and write DIR/<name>.json.  Each worker reports to the
 * parent over a pipe (one record per write, below PIPE_BUF, so records from
 * several workers never interleave); the parent shows progress and the
 * summary, and finishes the file of a worker that died.
 */
#include "cmd/cmds.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <limits.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/hash.h"
#include "common/log.h"
#include "common/str.h"
#include "ocr/ocr.h"
#include "pipeline/pipeline.h"
#include "workers/analyze.h"
#include "workers/ocrenv.h"

static const char usage_line[] =
    "ancong process FILE... --json-dir DIR [--jobs N] [--pdf-dir DIR] [--station NAME]";

static void help(void)
{
    printf("usage: %s\n\n"
           "OCR, classify and extract each FILE offline (no database) and write the result\n"
           "as DIR/<file name>.json (CONTRACT.md).  A file that cannot be processed gets a\n"
           "JSON with \"status\":\"failed\" and an \"error\" saying what to do.\n\n"
           "  --json-dir DIR   where the results go (created if missing)\n"
           "  --jobs N         files processed at once (default: one per core)\n"
           "  --pdf-dir DIR    also write each searchable PDF as DIR/<file name>.pdf\n"
           "  --station NAME   record this scanning station in the results\n\n"
           "Each file is parsed in a child process with the limits below; a file that\n"
           "crashes it, runs out of memory or takes too long fails alone.\n"
           "Exit status: 0 every file processed, 1 some file failed, 2 usage error.\n\n"
           "Settings:\n", usage_line);
    cmd_print_settings(stdout, "ocr.");
    cmd_print_settings(stdout, "review.");
}

struct task {
    const char *path;
    char *name;          /* as given: basename of path */
    char *out;           /* result file name, without ".json" */
};

/* One message from a worker to the parent; sizeof < PIPE_BUF. */
struct report {
    pid_t pid;
    int idx;
    int done;            /* 0 = started, 1 = finished */
    int pages;
    long ms;
    char status[16];
    char error[300];
};

struct shared_queue {
    atomic_int next;
};

static volatile sig_atomic_t got_stop;
static void on_stop(int sig) { (void)sig; got_stop = 1; }

static int send_report(int fd, const struct report *r)
{
    ssize_t k;
    while ((k = write(fd, r, sizeof *r)) < 0 && errno == EINTR)
        ;
    return k == (ssize_t)sizeof *r ? 0 : -1;
}

static int write_result(const char *dir, const struct task *t, const char *json, struct err *e)
{
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s/%s.json", dir, t->out) >= (int)sizeof path) {
        err_set(e, ERR_USAGE, "result path for \"%s\" is too long", t->name);
        return -1;
    }
    return fs_write_atomic(path, json, strlen(json), 0644, e);
}

/* A worker process: take files until none is left or we are told to stop. */
static int worker_main(struct ocr_engine *eng, struct cfg *cfg, struct task *tasks, int ntasks,
                       struct shared_queue *q, const char *json_dir, const char *pdf_dir,
                       const char *station, const char *engine_error, int fd)
{
    struct sbx_hooks hooks = {.cancel = &got_stop};
    struct sigaction sa;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    log_set_role("process");

    while (!got_stop) {
        int i = atomic_fetch_add(&q->next, 1);
        struct an_outcome o;
        struct report rep;
        struct err e;
        char pdf[PATH_MAX];
        struct an_request rq = {.path = tasks[i < ntasks ? i : 0].path, .station = station};

        if (i >= ntasks)
            break;
        memset(&rep, 0, sizeof rep);
        rep.pid = getpid();
        rep.idx = i;
        send_report(fd, &rep);
        rq.name = tasks[i].name;
        if (pdf_dir) {
            snprintf(pdf, sizeof pdf, "%s/%s.pdf", pdf_dir, tasks[i].out);
            rq.pdf_path = pdf;
        }
        if (engine_error) {
            struct sbuf j = SBUF_INIT;
            memset(&o, 0, sizeof o);
            snprintf(o.status, sizeof o.status, "failed");
            snprintf(o.error, sizeof o.error, "%s", engine_error);
            analyze_failed_json(&j, rq.name, NULL, station, engine_error);
            o.json = sbuf_detach(&j);
        } else {
            analyze_file(eng, cfg, &rq, &hooks, &o);
        }
        if (strcmp(o.status, "failed") == 0 && !strcmp(o.reason, "cancelled") && got_stop) {
            an_outcome_release(&o);
            break;   /* interrupted: leave no result rather than a false one */
        }
        err_init(&e);
        if (o.pdf_is_original && rq.pdf_path && fs_copy_atomic(rq.path, rq.pdf_path, 0644, &e) < 0) {
            char q1[400];
            log_warn("file=%s stage=pdf error=%s", tasks[i].name, log_q(e.msg, q1, sizeof q1));
        }
        err_init(&e);
        if (write_result(json_dir, &tasks[i], o.json, &e) < 0) {
            snprintf(o.status, sizeof o.status, "failed");
            err_text(&e, o.error, sizeof o.error);
        }
        {
            char q1[400], q2[400];
            log_debug("file=%s sha256=%.12s status=%s pages=%d ms=%ld%s%s",
                      log_q(tasks[i].name, q1, sizeof q1), o.sha256, o.status, o.pages, o.ms,
                      o.error[0] ? " error=" : "", o.error[0] ? log_q(o.error, q2, sizeof q2) : "");
        }
        rep.done = 1;
        rep.pages = o.pages;
        rep.ms = o.ms;
        snprintf(rep.status, sizeof rep.status, "%s", o.status);
        snprintf(rep.error, sizeof rep.error, "%s", o.error);
        an_outcome_release(&o);
        if (send_report(fd, &rep) < 0)
            break;
    }
    return 0;
}

struct progress {
    int total, done, indexed, review, failed, pages;
    long ms;
    int64_t t0;
    int tty;
    char **errors;       /* per task, for the summary; malloc'd */
};

static void show_progress(const struct progress *p, int final)
{
    static int64_t last_ms;
    static int last_done = -1;
    int64_t now = fs_now_ms();
    double secs = (double)(now - p->t0) / 1000.0;

    if (!p->tty || (!final && p->done == last_done && now - last_ms < 1000))
        return;
    last_ms = now;
    last_done = p->done;
    fprintf(stderr, "\r\033[Kancong: %d/%d files, %d failed, %d pages, %.1f pages/min, %.0f s",
            p->done, p->total, p->failed, p->pages, secs > 0 ? p->pages * 60.0 / secs : 0.0, secs);
    if (final)
        fputc('\n', stderr);
    fflush(stderr);
}

static void record(struct progress *p, struct task *tasks, const struct report *r)
{
    p->done++;
    if (strcmp(r->status, "indexed") == 0 || strcmp(r->status, "needs_review") == 0) {
        p->pages += r->pages;
        p->ms += r->ms;
    }
    if (strcmp(r->status, "indexed") == 0) {
        p->indexed++;
    } else if (strcmp(r->status, "needs_review") == 0) {
        p->review++;
    } else {
        p->failed++;
        free(p->errors[r->idx]);
        p->errors[r->idx] = xstrdup(r->error);
    }
    (void)tasks;
}

/* A worker died while on a file: that file gets a failed result. */
static void finish_orphan(const char *json_dir, struct task *t, const char *station,
                          struct progress *p, int idx)
{
    struct sbuf j = SBUF_INIT;
    struct err e;
    struct report r;
    char sha[HASH_HEX_LEN + 1] = "";
    const char *why = "the worker process handling this file died. Run \"ancong process\" "
                      "on this file again; if it fails again, report it to the administrator";

    err_init(&e);
    if (hash_file(t->path, sha, NULL, &e) < 0)
        sha[0] = '\0';
    analyze_failed_json(&j, t->name, sha, station, why);
    err_init(&e);
    write_result(json_dir, t, j.s, &e);
    sbuf_release(&j);
    memset(&r, 0, sizeof r);
    r.idx = idx;
    r.done = 1;
    snprintf(r.status, sizeof r.status, "failed");
    snprintf(r.error, sizeof r.error, "%s", why);
    record(p, t, &r);
}

/* Result names: the file's name (NFC); a later input with the same name
 * gets "~" and the first 8 hex digits of its sha256 (CONTRACT.md). */
static void name_tasks(struct task *tasks, int n)
{
    for (int i = 0; i < n; i++) {
        tasks[i].name = xstrdup(fs_base(tasks[i].path));
        char *base = analyze_result_name(tasks[i].name);
        bool clash = false;
        for (int k = 0; k < i && !clash; k++)
            clash = strcmp(tasks[k].out, base) == 0;
        if (!clash) {
            tasks[i].out = base;
            continue;
        }
        char sha[HASH_HEX_LEN + 1];
        struct err e;
        err_init(&e);
        struct sbuf b = SBUF_INIT;
        if (hash_file(tasks[i].path, sha, NULL, &e) == 0)
            sbuf_printf(&b, "%s~%.8s", base, sha);
        else
            sbuf_printf(&b, "%s~%d", base, i + 1);
        for (int k = 0; k < i; k++)          /* the same bytes twice: one more suffix */
            if (strcmp(tasks[k].out, b.s) == 0) {
                sbuf_printf(&b, "~%d", i + 1);
                break;
            }
        tasks[i].out = sbuf_detach(&b);
        free(base);
    }
}

static pid_t spawn(struct ocr_engine *eng, struct cfg *cfg, struct task *tasks, int ntasks,
                   struct shared_queue *q, const char *json_dir, const char *pdf_dir,
                   const char *station, const char *engine_error, int fds[2])
{
    struct err e;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        err_init(&e);
        err_errno(&e, "start a worker process", NULL);
        err_print(&e);
        return -1;
    }
    if (pid == 0) {
        close(fds[0]);
        _exit(worker_main(eng, cfg, tasks, ntasks, q, json_dir, pdf_dir, station,
                          engine_error, fds[1]));
    }
    return pid;
}

static void read_reports(int fd, struct progress *p, struct task *tasks, int ntasks,
                         const pid_t *pids, int *current, int nworkers)
{
    struct report r;
    ssize_t k;

    while ((k = read(fd, &r, sizeof r)) == (ssize_t)sizeof r || (k < 0 && errno == EINTR)) {
        int w;
        if (k < 0 || r.idx < 0 || r.idx >= ntasks)
            continue;
        for (w = 0; w < nworkers && pids[w] != r.pid; w++)
            ;
        if (w < nworkers)
            current[w] = r.done ? -1 : r.idx;
        if (r.done)
            record(p, tasks, &r);
    }
}

int cmd_process(int argc, char **argv, struct cfg *cfg)
{
    const char *json_dir = NULL, *pdf_dir = NULL, *station = NULL;
    int jobs = 0, ntasks = 0, rc = EXIT_WORK, fds[2] = {-1, -1};
    struct task *tasks;
    struct progress prog;
    struct shared_queue *q = MAP_FAILED;
    struct ocr_engine *eng = NULL;
    char engine_error[1200] = "";
    struct err e;
    pid_t *pids = NULL;
    int *current = NULL, nworkers, alive = 0, respawns = 0;
    bool opts = true;
    struct sigaction sa, old_int, old_term;

    if (cmd_wants_help(argc, argv)) {
        help();
        return EXIT_OK;
    }
    ocrenv_single_thread();     /* may re-execute us: before any work */
    /* From here on a stop request is ours to handle: no file is left with
     * a half-written result, no child keeps running. */
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    err_init(&e);
    tasks = xcalloc((size_t)argc, sizeof *tasks);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (opts && strcmp(a, "--") == 0) {
            opts = false;
        } else if (opts && (!strcmp(a, "--json-dir") || !strcmp(a, "--jobs") ||
                            !strcmp(a, "--pdf-dir") || !strcmp(a, "--station"))) {
            if (i + 1 >= argc) {
                free(tasks);
                return cmd_usage_error(usage_line, "option \"%s\" needs a value", a);
            }
            const char *v = argv[++i];
            if (!strcmp(a, "--json-dir")) json_dir = v;
            else if (!strcmp(a, "--pdf-dir")) pdf_dir = v;
            else if (!strcmp(a, "--station")) station = v;
            else {
                char *end;
                long n = strtol(v, &end, 10);
                if (!*v || *end || n < 1 || n > 256) {
                    free(tasks);
                    return cmd_usage_error(usage_line, "--jobs wants a number from 1 to 256, not \"%s\"", v);
                }
                jobs = (int)n;
            }
        } else if (opts && a[0] == '-' && a[1]) {
            free(tasks);
            return cmd_usage_error(usage_line, "unknown option \"%s\"", a);
        } else {
            tasks[ntasks++].path = a;
        }
    }
    if (!json_dir) {
        free(tasks);
        return cmd_usage_error(usage_line, "--json-dir is required");
    }
    if (ntasks == 0) {
        free(tasks);
        return cmd_usage_error(usage_line, "no files given");
    }
    if (fs_mkdirs(json_dir, 0755, &e) < 0 || (pdf_dir && fs_mkdirs(pdf_dir, 0755, &e) < 0)) {
        err_print(&e);
        free(tasks);
        return EXIT_WORK;
    }
    name_tasks(tasks, ntasks);
    if (jobs == 0)
        jobs = cfg_nworkers(cfg);
    nworkers = jobs < ntasks ? jobs : ntasks;

    eng = ocr_engine_open(cfg->ocr_tessdata[0] ? cfg->ocr_tessdata : NULL, cfg->ocr_lang, &e);
    if (!eng) {
        err_print(&e);
        err_text(&e, engine_error, sizeof engine_error);
    }
    pipe_warm();     /* once, before the per-file children are forked */

    q = mmap(NULL, sizeof *q, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (q == MAP_FAILED || pipe2(fds, O_CLOEXEC) < 0) {
        err_errno(&e, "set up the worker processes", NULL);
        err_print(&e);
        goto out;
    }
    atomic_init(&q->next, 0);

    memset(&prog, 0, sizeof prog);
    prog.total = ntasks;
    prog.t0 = fs_now_ms();
    prog.tty = isatty(STDERR_FILENO);
    prog.errors = xcalloc((size_t)ntasks, sizeof *prog.errors);
    pids = xcalloc((size_t)nworkers, sizeof *pids);
    current = xcalloc((size_t)nworkers, sizeof *current);


    fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK);
    for (int w = 0; w < nworkers; w++) {
        current[w] = -1;
        if ((pids[w] = spawn(eng, cfg, tasks, ntasks, q, json_dir, pdf_dir, station,
                             eng ? NULL : engine_error, fds)) > 0)
            alive++;
    }
    if (alive == 0)
        goto out_prog;

    /* Read reports; reap workers; a worker that died on a file leaves that
     * file failed, and a new worker takes its place while files remain. */
    while (alive > 0) {
        struct pollfd pfd = {.fd = fds[0], .events = POLLIN};
        int st;
        pid_t pid;

        if (got_stop == 1) {
            /* A terminal's Ctrl-C reaches the workers too; a plain kill
             * reaches only us: pass it on, once. */
            got_stop = 2;
            for (int w = 0; w < nworkers; w++)
                if (pids[w] > 0)
                    kill(pids[w], SIGTERM);
        }

        poll(&pfd, 1, 200);
        read_reports(fds[0], &prog, tasks, ntasks, pids, current, nworkers);
        while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
            int w;
            for (w = 0; w < nworkers && pids[w] != pid; w++)
                ;
            if (w == nworkers)
                continue;
            /* Its last reports were written before it ended: take them now. */
            read_reports(fds[0], &prog, tasks, ntasks, pids, current, nworkers);
            alive--;
            pids[w] = 0;
            if (current[w] >= 0 && !got_stop) {
                char q1[400];
                log_error("file=%s worker=%d status=%d error=\"worker died on the file\"",
                          log_q(tasks[current[w]].name, q1, sizeof q1), (int)pid, st);
                finish_orphan(json_dir, &tasks[current[w]], station, &prog, current[w]);
                current[w] = -1;
            }
            if (!got_stop && atomic_load(&q->next) < ntasks && respawns < 2 * nworkers) {
                respawns++;
                if ((pids[w] = spawn(eng, cfg, tasks, ntasks, q, json_dir, pdf_dir, station,
                                     eng ? NULL : engine_error, fds)) > 0)
                    alive++;
            }
        }
        show_progress(&prog, 0);
    }
out_prog:
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    show_progress(&prog, 1);

    {
        double secs = (double)(fs_now_ms() - prog.t0) / 1000.0;
        fprintf(stderr, "ancong: %d of %d files done in %.1f s: %d indexed, %d needs_review, "
                "%d failed; %d pages, %.1f pages/min, %.2f s per page in each worker\n",
                prog.done, ntasks, secs, prog.indexed, prog.review, prog.failed, prog.pages,
                secs > 0 ? prog.pages * 60.0 / secs : 0.0,
                prog.pages ? (double)prog.ms / 1000.0 / prog.pages : 0.0);
        for (int i = 0; i < ntasks; i++)
            if (prog.errors[i])
                fprintf(stderr, "  failed: %s: %s\n", tasks[i].name, prog.errors[i]);
        if (prog.done < ntasks)
            fprintf(stderr, "ancong: error: %d files were not processed%s\n", ntasks - prog.done,
                    got_stop ? " (interrupted)" : "");
    }
    rc = (prog.done == ntasks && prog.failed == 0) ? EXIT_OK : EXIT_WORK;
    for (int i = 0; i < ntasks; i++)
        free(prog.errors[i]);
    free(prog.errors);
out:
    if (fds[0] >= 0) close(fds[0]);
    if (fds[1] >= 0) close(fds[1]);
    if (q != MAP_FAILED) munmap(q, sizeof *q);
    ocr_engine_close(&eng);
    for (int i = 0; i < ntasks; i++) {
        free(tasks[i].name);
        free(tasks[i].out);
    }
    free(tasks);
    free(pids);
    free(current);
    return rc;
}
