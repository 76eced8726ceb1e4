/*
 * workers/master.h: `ancong serve`, the master process.
 *
 * The master forks one process per row of a role table (watcher, N workers,
 * web, signer), restarts a child that dies with a doubling backoff, and
 * otherwise only waits for signals:
 *   SIGTERM/SIGINT  drain: TERM to every child (a worker finishes its job),
 *                   then KILL what is left once the stop timeout has passed;
 *                   the master re-checks on a doubling timer (50 ms .. 1 s).
 *                   A second SIGTERM/SIGINT kills the children at once.
 *   SIGHUP          reload the configuration: a new one is built whole and
 *                   replaces the old only if it loads; children get SIGHUP.
 *   SIGCHLD         reap, log why the child ended, schedule its restart.
 * Handlers only set flags; the loop does the work (ppoll with the signals
 * unblocked only while waiting).
 *
 * The master writes $ANCONG_HOME/run/status.json (roles, pids, restarts,
 * counters from workers/metrics.h) every few seconds and on every change,
 * for the web's health page and for operators.
 */
#ifndef ANCONG_MASTER_H
#define ANCONG_MASTER_H

#include "common/cfg.h"
#include "common/err.h"

/* A role that exits with this status is not restarted (e.g. the signer after
 * a wrong PIN: every retry would use up the token's PIN counter).  It is
 * started again after a successful reload (SIGHUP), once the operator fixed
 * what was wrong. */
#define MASTER_EXIT_FATAL 78

struct master_role {
    const char *name;                 /* "watcher", "worker", "web", "signer" */
    int (*run)(struct cfg *cfg);      /* the role's main loop, in the child; returns its exit status */
    int count;                        /* processes of this role; 0 = row disabled */
};

struct master_opts {
    int stop_timeout_s;               /* TERM -> KILL; 0 = 60 */
    const char *metrics_listen;       /* "host:port" for /healthz and /metrics, or NULL */
};

/* Run the master until stopped.  Returns 0 after a clean stop, 1 if it could
 * not start (e set).  cfg is reloaded in place on SIGHUP. */
int master_run(struct cfg *cfg, const struct master_role *roles, int nroles,
               const struct master_opts *opts, struct err *e);

/* Load the configuration again from where it came from, and copy the
 * settings that may change on SIGHUP into cur; settings that need a restart
 * are kept (and a warning logged when they changed).  On error cur is
 * untouched.  0 ok, -1 error. */
int master_reload_cfg(struct cfg *cur, struct err *e);

/* In a role's child, just before it exits with MASTER_EXIT_FATAL: leave
 * WHY in $ANCONG_HOME/run/ROLE.stopped for the master, which shows it as the
 * role's "last_exit" in status.json, /healthz and `ancong status`. */
void master_role_stopped(const struct cfg *cfg, const char *role, const char *why);

#endif
