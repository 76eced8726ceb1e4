/*
 * cmd/cmd_serve.c: `ancong serve`, the master with its role table.
 *
 * Each role is one row: a name, the function its processes run, and how many
 * to start.
 */
#include "cmd/cmds.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "common/fs.h"
#include "common/log.h"
#include "store/store.h"
#include "workers/master.h"
#include "workers/ocrenv.h"
#include "workers/worker.h"
#include "watchfolders/watch.h"
#include "web/web.h"
#include "workers/sign_role.h"

static const char usage_line[] =
    "ancong serve [--workers N] [--no-watch] [--no-web] [--no-signer] [--metrics-listen HOST:PORT]";

static volatile sig_atomic_t role_stop, role_reload;
static void on_role_stop(int sig) { (void)sig; role_stop = 1; }
static void on_role_reload(int sig) { (void)sig; role_reload = 1; }

static void role_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_role_stop;          /* no SA_RESTART: waits return */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
}

static void role_error(const char *role, const struct err *e)
{
    char buf[1200], q[1300];
    log_error("role=%s stage=run error=%s", role, log_q(err_text(e, buf, sizeof buf), q, sizeof q));
}

static int run_watcher(struct cfg *cfg)
{
    struct err e;
    err_init(&e);
    role_signals();
    if (watch_run(cfg, &role_stop, &e) < 0) {
        role_error("watcher", &e);
        return 1;
    }
    return 0;
}

static int run_web(struct cfg *cfg)
{
    struct err e;
    err_init(&e);
    if (web_run(cfg, NULL, &e) < 0) {
        role_error("web", &e);
        return 1;
    }
    return 0;
}

/* Runs only when signing is configured.  A fatal error (wrong or locked
 * PIN, incomplete configuration) must not be retried in a loop: every try
 * would count against the token's PIN retry counter. */
static int run_signer(struct cfg *cfg)
{
    struct err e;
    struct sigaction sa;
    int n = 0;
    err_init(&e);
    role_signals();
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_role_reload;        /* SIGHUP: reload settings */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGHUP, &sa, NULL);
    if (sign_role_run(cfg, &role_stop, &role_reload, false, &n, &e) < 0) {
        role_error("signer", &e);
        master_role_stopped(cfg, "signer", e.msg);
        return MASTER_EXIT_FATAL;
    }
    return 0;
}

static int run_worker(struct cfg *cfg)
{
    return worker_run(cfg);
}

/* Take $ANCONG_HOME/serve.lock (flock) and write our pid in it; the
 * descriptor stays open for the life of the process.  0, or -1 with e set
 * (another serve holds it: its pid is named). */
static int serve_lock(const struct cfg *cfg, struct err *e)
{
    char path[700];
    if (fs_mkdirs(cfg->home, 0711, e) < 0)
        return -1;
    cfg_path(cfg, path, sizeof path, "serve.lock");
    int fd = open(path, O_RDWR | O_CREAT, 0644);
    if (fd < 0) {
        err_set(e, ERR_IO, "cannot open \"%s\": %s", path, strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        char pid[32] = "";
        ssize_t n = pread(fd, pid, sizeof pid - 1, 0);
        pid[n > 0 ? n : 0] = '\0';
        pid[strcspn(pid, "\n")] = '\0';
        err_set(e, ERR_USAGE, "ancong serve is already running for %s (pid %s)", cfg->home,
                pid[0] ? pid : "?");
        err_hint(e, "Only one may run per ANCONG_HOME. Stop that one first (Ctrl-C in its "
                    "terminal, or kill -TERM %s), or give this one another ANCONG_HOME.",
                 pid[0] ? pid : "PID");
        close(fd);
        return -1;
    }
    char pid[32];
    int len = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, (size_t)len, 0) != len)
        log_warn("stage=start msg=\"could not write the pid to %s\"", path);
    return 0;                   /* fd kept open on purpose: it holds the lock */
}

int cmd_serve(int argc, char **argv, struct cfg *cfg)
{
    struct master_role roles[5];
    struct master_opts opts;
    struct err e;
    int nroles = 0, workers = cfg_nworkers(cfg);
    bool watch = true, web = true, signer = true;
    const char *listen = cfg->serve_metrics_listen;

    if (cmd_wants_help(argc, argv)) {
        printf("usage: %s\n\n"
               "Run ancong: the inbox watcher, N workers (default: one per core), the web app\n"
               "and, when sign.module and sign.key are set, the signer; each is a child process\n"
               "that is restarted if it dies (the signer not after a wrong PIN: fix, then SIGHUP).\n"
               "  SIGTERM/SIGINT  stop: children finish their current job (killed after\n"
               "                  serve.stop_timeout_s); a second signal stops at once\n"
               "  SIGHUP          reload ancong.conf (the old one stays if the new is bad)\n"
               "State: $ANCONG_HOME/run/status.json; /healthz and /metrics on\n"
               "serve.metrics_listen when set.\n\nSettings:\n", usage_line);
        cmd_print_settings(stdout, "serve.");
        cmd_print_settings(stdout, "workers");
        return EXIT_OK;
    }
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--workers") && i + 1 < argc) {
            char *end;
            long n = strtol(argv[++i], &end, 10);
            if (*end || n < 0 || n > 256)
                return cmd_usage_error(usage_line, "--workers wants a number from 0 to 256");
            workers = (int)n;
        } else if (!strcmp(argv[i], "--metrics-listen") && i + 1 < argc) {
            listen = argv[++i];
        } else if (!strcmp(argv[i], "--no-watch")) {
            watch = false;
        } else if (!strcmp(argv[i], "--no-web")) {
            web = false;
        } else if (!strcmp(argv[i], "--no-signer")) {
            signer = false;
        } else {
            return cmd_usage_error(usage_line, "unknown argument \"%s\"", argv[i]);
        }
    }
    ocrenv_single_thread();     /* the workers inherit it */
    if (watch)
        roles[nroles++] = (struct master_role){"watcher", run_watcher, 1};
    roles[nroles++] = (struct master_role){"worker", run_worker, workers};
    if (web)
        roles[nroles++] = (struct master_role){"web", run_web, 1};
    if (signer && cfg->sign_module[0] && cfg->sign_key[0])
        roles[nroles++] = (struct master_role){"signer", run_signer, 1};
    else if (signer)
        log_info("role=signer stage=start result=off why=\"sign.module and sign.key are not set\"");

    err_init(&e);
    /* One serve per ANCONG_HOME: a second one would run a second watcher and
     * web server against the same inbox and port, and its stop would stop
     * the first one's database.  The lock goes with the process (and its
     * children), so a killed serve leaves nothing stale behind. */
    if (serve_lock(cfg, &e) < 0) {
        err_print(&e);
        return EXIT_WORK;
    }
    /* Start the embedded cluster once, here, rather than racing N children
     * to start it. */
    if (pgc_start(cfg, &e) < 0) {
        err_print(&e);
        return EXIT_WORK;
    }
    memset(&opts, 0, sizeof opts);
    opts.stop_timeout_s = cfg->serve_stop_timeout_s;
    opts.metrics_listen = listen;
    if (master_run(cfg, roles, nroles, &opts, &e) != 0) {
        err_print(&e);
        return EXIT_WORK;
    }
    return EXIT_OK;
}
