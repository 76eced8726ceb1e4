/*
 * workers/sandbox.h: run one function in a forked child with resource limits.
 *
 * Every untrusted file is parsed in such a child, so a file that crashes a
 * decoder, loops forever or eats all memory kills only that child.  We fork
 * WITHOUT exec: the child inherits the parent's memory copy-on-write, so an
 * OCR engine initialised once in the worker (ocr_engine_open) is reused by
 * every per-file child for free.  That is only safe when the parent is single
 * threaded at the fork (another thread could hold a lock the child then never
 * gets back): workers do their heartbeats from sbx_run's poll loop, not from a
 * thread.
 *
 * Limits: RLIMIT_AS (mem_mb), RLIMIT_CPU (cpu_s; SIGXCPU, then SIGKILL two
 * seconds later), RLIMIT_CORE 0, and a wall-clock limit the parent enforces
 * with SIGKILL.  The child runs in its own process group (the parent kills the
 * whole group), dies with its parent (PR_SET_PDEATHSIG), keeps only fds 0-2
 * and the result pipe, and has default signal handling.
 *
 * The parent never dies of what the child does: every way the child can end
 * becomes an outcome and a reason a clerk can read (err_text of sbx_err()).
 */
#ifndef ANCONG_SANDBOX_H
#define ANCONG_SANDBOX_H

#include <signal.h>
#include <stddef.h>
#include "common/err.h"

struct sbx_limits {
    int mem_mb;        /* address space; 0 = no limit */
    int cpu_s;         /* CPU seconds; 0 = no limit */
    int wall_s;        /* wall-clock seconds; 0 = no limit */
    size_t max_out;    /* bytes the child may send back; 0 = 512 MiB */
};

/* Optional parent-side hooks while the child runs. */
struct sbx_hooks {
    void (*tick)(void *arg);          /* e.g. a job heartbeat */
    void *tick_arg;
    int tick_ms;                      /* how often; 0 = never */
    volatile sig_atomic_t *cancel;    /* when it becomes non-zero: kill the child */
};

enum sbx_outcome {
    SBX_OK = 0,        /* exited with status 0 */
    SBX_EXIT,          /* exited with a non-zero status (code) */
    SBX_SIGNAL,        /* killed by a signal (code = signal number) */
    SBX_OOM,           /* ran out of its address-space limit */
    SBX_CPU,           /* used up its CPU-time limit */
    SBX_WALL,          /* killed by the parent: wall-clock limit */
    SBX_OUTPUT,        /* killed by the parent: sent more than max_out bytes */
    SBX_CANCELLED,     /* killed by the parent: *cancel was set */
};

struct sbx_result {
    enum sbx_outcome outcome;
    int code;              /* exit status or signal number */
    char *out;             /* what the child wrote to its fd, NUL-terminated; malloc'd */
    size_t outlen;
    long wall_ms, cpu_ms, maxrss_kb;
    long vm_peak_kb;       /* the child's peak address space (VmPeak), -1 unknown */
    char stage[160];       /* the child's last sbx_stage(), or "" */
};

/* The function run in the child.  Write the result to out_fd; the return
 * value becomes the exit status (0 = success). */
typedef int (*sbx_fn)(int out_fd, void *arg);

/* Fork, limit, run fn(out_fd, arg) in the child, collect its output, reap it.
 * Returns 0 when the child ran (whatever its outcome: see r->outcome), -1
 * when it could not be started (e set: fork or pipe failed).  r is filled in
 * both cases; release it with sbx_result_release(). */
int  sbx_run(const struct sbx_limits *lim, sbx_fn fn, void *arg, const struct sbx_hooks *hooks,
             struct sbx_result *r, struct err *e);
void sbx_result_release(struct sbx_result *r);

/* Turn an outcome other than SBX_OK into a clerk-readable error, e.g.
 * "processing ran out of memory (limit 3072 MiB) while reading page 3".
 * kind: ERR_LIMIT for limits, ERR_INPUT for crashes and failures. */
void sbx_err(const struct sbx_result *r, const struct sbx_limits *lim, struct err *e);
/* True when a retry on another worker might help (crash, timeout, kill). */
int  sbx_retryable(const struct sbx_result *r);

/* In the child: note what it is doing now ("reading page 3"), so that a crash
 * report can say where it died.  A no-op outside a sandbox child. */
void sbx_stage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* 1 when mem_mb is enforced (RLIMIT_AS); 0 in sanitizer builds. */
int  sbx_mem_limit_works(void);

/* Signal name without "SIG" prefix lookups: "SIGSEGV (segmentation fault)". */
const char *sbx_signame(int sig, char *buf, size_t n);

#endif
