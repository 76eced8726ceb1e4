#include "workers/master.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <libpq-fe.h>
#include <microhttpd.h>

#include "common/fs.h"
#include "common/json.h"
#include "common/log.h"
#include "common/str.h"
#include "store/store.h"
#include "workers/metrics.h"
#include "workers/sandbox.h"

#define MAX_CHILDREN 512
#define STATUS_EVERY_MS 5000
#define BACKOFF_MIN_MS 1000
#define BACKOFF_MAX_MS 60000
#define HEALTHY_RUN_MS 60000     /* a child that ran this long restarts at once */

static volatile sig_atomic_t want_stop, want_reload, child_exited;

static void on_signal(int sig)
{
    if (sig == SIGTERM || sig == SIGINT)
        want_stop++;
    else if (sig == SIGHUP)
        want_reload = 1;
    else if (sig == SIGCHLD)
        child_exited = 1;
}

struct child {
    int role;                /* index into the role table */
    int slot;                /* 0..count-1 within the role */
    pid_t pid;               /* 0 = not running */
    int64_t started_ms;
    int64_t restart_at_ms;   /* when pid == 0: when to start it again */
    int backoff_ms;
    int restarts;
    int parked;              /* exited with MASTER_EXIT_FATAL: waits for a reload */
    char last_exit[320];
};

enum state { ST_RUNNING, ST_STOPPING, ST_STOPPED };

struct master {
    struct cfg *cfg;
    const struct master_role *roles;
    int nroles;
    struct child ch[MAX_CHILDREN];
    int nch;
    enum state state;
    int64_t started_ms, stop_started_ms;
    int stop_timeout_ms;
    int killed;
    int reloads, reload_failures;
    char last_reload_error[256];
    struct MHD_Daemon *http;
    char status_path[PATH_MAX];
};

/* ---- configuration reload ------------------------------------------------ */

int master_reload_cfg(struct cfg *cur, struct err *e)
{
    struct cfg next;

    if (cfg_load(&next, cur->config_file[0] ? cur->config_file : NULL, e) < 0)
        return -1;
    for (int i = 0; i < cfg_nopts; i++) {
        const struct cfg_opt *o = &cfg_opts[i];
        char *dst = (char *)cur + o->offset;
        const char *src = (const char *)&next + o->offset;
        if (memcmp(dst, src, o->size) == 0)
            continue;
        if (o->reloadable)
            memcpy(dst, src, o->size);
        else
            log_warn("stage=reload setting=%s result=unchanged why=\"needs a restart\"", o->name);
    }
    enum log_level l;
    if (log_level_parse(cur->log_level, &l) == 0)
        log_set_level(l);
    return 0;
}

/* ---- children ------------------------------------------------------------ */

void master_role_stopped(const struct cfg *cfg, const char *role, const char *why)
{
    char path[PATH_MAX], sub[64];
    struct err e;
    err_init(&e);
    snprintf(sub, sizeof sub, "run/%s.stopped", role);
    cfg_path(cfg, path, sizeof path, sub);
    fs_write_atomic(path, why, strlen(why), 0644, &e);
}

/* The reason a parked role left (see master_role_stopped), consumed. */
static void stopped_reason(const struct master *m, const char *role, char *buf, size_t n)
{
    char path[PATH_MAX], sub[64], *text = NULL;
    size_t len;
    struct err e;
    err_init(&e);
    snprintf(sub, sizeof sub, "run/%s.stopped", role);
    cfg_path(m->cfg, path, sizeof path, sub);
    if (fs_read(path, 4096, &text, &len, &e) < 0)
        return;
    unlink(path);
    text[strcspn(text, "\n")] = '\0';
    if (text[0])
        snprintf(buf, n, "%s", text);
    free(text);
}

static void describe_exit(int status, char *buf, size_t n)
{
    char sig[64];
    if (WIFEXITED(status))
        snprintf(buf, n, "exited with status %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(buf, n, "killed by %s", sbx_signame(WTERMSIG(status), sig, sizeof sig));
    else
        snprintf(buf, n, "ended (status %d)", status);
}

static void spawn(struct master *m, struct child *c)
{
    const struct master_role *r = &m->roles[c->role];
    pid_t parent = getpid();

    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        log_error("role=%s slot=%d stage=start error=\"could not fork: %s\"", r->name, c->slot,
                  strerror(errno));
        c->restart_at_ms = fs_now_ms() + BACKOFF_MIN_MS;
        return;
    }
    if (pid == 0) {
        static const int sigs[] = {SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGQUIT};
        struct sigaction sa;
        sigset_t none;

        /* Die with the master, and re-check in case it already died. */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent)
            _exit(0);
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = SIG_DFL;
        sigemptyset(&sa.sa_mask);
        for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
            sigaction(sigs[i], &sa, NULL);
        /* The master forwards SIGHUP as "reload": a role that cannot reload
         * must not die of it.  Roles that can install their own handler. */
        sa.sa_handler = SIG_IGN;
        sigaction(SIGHUP, &sa, NULL);
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        /* The master's descriptors (HTTP listener, epoll) are not the role's. */
#ifdef SYS_close_range
        syscall(SYS_close_range, 3U, ~0U, 0U);
#endif
        char role[32];
        snprintf(role, sizeof role, "%s", r->name);
        log_set_role(role);
        int rc = r->run(m->cfg);
        fflush(NULL);
        _exit(rc & 0xff);
    }
    c->pid = pid;
    c->started_ms = fs_now_ms();
    log_info("role=%s slot=%d stage=start child=%d", r->name, c->slot, (int)pid);
}

static void signal_all(struct master *m, int sig)
{
    for (int i = 0; i < m->nch; i++)
        if (m->ch[i].pid > 0)
            kill(m->ch[i].pid, sig);
}

static int live_children(const struct master *m)
{
    int n = 0;
    for (int i = 0; i < m->nch; i++)
        n += m->ch[i].pid > 0;
    return n;
}

static void reap(struct master *m)
{
    int status;
    pid_t pid;

    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        struct child *c = NULL;
        for (int i = 0; i < m->nch; i++)
            if (m->ch[i].pid == pid)
                c = &m->ch[i];
        if (!c)
            continue;     /* not ours (cannot happen: roles reap their own) */
        const char *name = m->roles[c->role].name;
        int64_t now = fs_now_ms(), ran = now - c->started_ms;
        describe_exit(status, c->last_exit, sizeof c->last_exit);
        c->pid = 0;
        if (m->state != ST_RUNNING) {
            log_info("role=%s slot=%d child=%d stage=stop result=\"%s\"", name, c->slot, (int)pid,
                     c->last_exit);
            continue;
        }
        if (WIFEXITED(status) && WEXITSTATUS(status) == MASTER_EXIT_FATAL) {
            c->parked = 1;
            stopped_reason(m, name, c->last_exit, sizeof c->last_exit);
            log_error("role=%s slot=%d child=%d stage=exit result=\"%s\" restart=no "
                      "why=\"it cannot work as configured; fix that, then reload (SIGHUP)\"",
                      name, c->slot, (int)pid, c->last_exit);
            continue;
        }
        /* Unexpected: restart, at once if it had run well for a while,
         * else after a delay that doubles with every quick failure. */
        if (ran >= HEALTHY_RUN_MS || c->backoff_ms == 0)
            c->backoff_ms = BACKOFF_MIN_MS;
        else
            c->backoff_ms = c->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : c->backoff_ms * 2;
        c->restart_at_ms = now + (ran >= HEALTHY_RUN_MS ? 0 : c->backoff_ms);
        c->restarts++;
        metrics_restart(name);
        log_warn("role=%s slot=%d child=%d stage=exit result=\"%s\" ran_ms=%lld restart_in_ms=%lld",
                 name, c->slot, (int)pid, c->last_exit, (long long)ran,
                 (long long)(c->restart_at_ms - now));
    }
}

/* ---- status file and HTTP ------------------------------------------------ */

/* The watcher's state file ($ANCONG_HOME/run/watch.status, key=value
 * lines) as a JSON object onto b; *state gets its "state" ("ok", "db_down",
 * "disk_full"), "" when there is no file. */
static void intake_json(const struct master *m, struct sbuf *b, char *state, size_t n)
{
    char path[PATH_MAX], *text = NULL, *line, *save = NULL;
    size_t len;
    struct err e;
    int first = 1;

    state[0] = '\0';
    err_init(&e);
    cfg_path(m->cfg, path, sizeof path, "run/watch.status");
    if (fs_read(path, 65536, &text, &len, &e) < 0) {
        sbuf_puts(b, "null");
        return;
    }
    sbuf_putc(b, '{');
    for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *eq = strchr(line, '=');
        if (!eq)
            continue;
        *eq = '\0';
        if (!first)
            sbuf_putc(b, ',');
        first = 0;
        json_escape(b, line, strlen(line));
        sbuf_putc(b, ':');
        json_escape(b, eq + 1, strlen(eq + 1));
        if (strcmp(line, "state") == 0)
            snprintf(state, n, "%s", eq + 1);
    }
    sbuf_putc(b, '}');
    free(text);
}

static void status_json(struct master *m, struct sbuf *b)
{
    int64_t now = fs_now_ms();
    time_t t = time(NULL);
    struct tm tm;
    char ts[32];

    gmtime_r(&t, &tm);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
    sbuf_printf(b, "{\"pid\":%d,\"state\":\"%s\",\"time\":\"%s\",\"uptime_s\":%lld,"
                   "\"reloads\":%d,\"reload_failures\":%d,\"last_reload_error\":",
                (int)getpid(), m->state == ST_RUNNING ? "running" : m->state == ST_STOPPING ? "stopping" : "stopped", ts,
                (long long)((now - m->started_ms) / 1000), m->reloads, m->reload_failures);
    json_escape(b, m->last_reload_error, strlen(m->last_reload_error));
    sbuf_puts(b, ",\"roles\":[");
    for (int i = 0; i < m->nch; i++) {
        const struct child *c = &m->ch[i];
        sbuf_printf(b, "%s{\"role\":\"%s\",\"slot\":%d,\"pid\":%d,\"up_s\":%lld,\"restarts\":%d,"
                       "\"parked\":%s,\"last_exit\":",
                    i ? "," : "", m->roles[c->role].name, c->slot, (int)c->pid,
                    c->pid > 0 ? (long long)((now - c->started_ms) / 1000) : 0LL, c->restarts,
                    c->parked ? "true" : "false");
        json_escape(b, c->last_exit, strlen(c->last_exit));
        sbuf_putc(b, '}');
    }
    sbuf_puts(b, "],\"intake\":");
    {
        char st[32];
        intake_json(m, b, st, sizeof st);
    }
    sbuf_puts(b, ",\"metrics\":");
    metrics_json(b);
    sbuf_puts(b, "}\n");
}

static void write_status(struct master *m)
{
    struct sbuf b = SBUF_INIT;
    struct err e;
    err_init(&e);
    status_json(m, &b);
    if (fs_write_atomic(m->status_path, b.s, b.len, 0644, &e) < 0) {
        char q[400];
        log_warn("stage=status error=%s", log_q(e.msg, q, sizeof q));
    }
    sbuf_release(&b);
}

/* Healthy: running, and every enabled role has all its processes up. */
static int healthy(const struct master *m)
{
    if (m->state != ST_RUNNING)
        return 0;
    for (int i = 0; i < m->nch; i++)
        if (m->ch[i].pid <= 0)
            return 0;
    return 1;
}

/* Queue depth by kind and state, from PostgreSQL.  Asked per request with a
 * short connect timeout, so the master holds no connection its children
 * could inherit.  Returns 1 when the database answered. */
static int queue_depth(const struct master *m, struct sbuf *b)
{
    static const char *const kw[] = {"dbname", "connect_timeout", NULL};
    const char *val[] = {NULL, "2", NULL};
    char ci[2048];
    int ok = 0;

    pgc_conninfo(m->cfg, ci, sizeof ci);
    val[0] = ci;
    PGconn *c = PQconnectdbParams(kw, val, 1);
    if (c && PQstatus(c) == CONNECTION_OK) {
        PGresult *r = PQexec(c, "SELECT kind, state::text, count(*) FROM jobs GROUP BY 1, 2 ORDER BY 1, 2");
        if (PQresultStatus(r) == PGRES_TUPLES_OK) {
            ok = 1;
            sbuf_puts(b, "# HELP ancong_queue_jobs Jobs in the queue, by kind and state.\n"
                         "# TYPE ancong_queue_jobs gauge\n");
            for (int i = 0; i < PQntuples(r); i++)
                sbuf_printf(b, "ancong_queue_jobs{kind=\"%s\",state=\"%s\"} %s\n",
                            PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), PQgetvalue(r, i, 2));
        }
        PQclear(r);
    }
    PQfinish(c);
    sbuf_printf(b, "# HELP ancong_database_up Whether PostgreSQL answered.\n"
                   "# TYPE ancong_database_up gauge\nancong_database_up %d\n", ok);
    return ok;
}

static enum MHD_Result on_http(void *cls, struct MHD_Connection *conn, const char *url,
                               const char *method, const char *version, const char *upload,
                               size_t *upload_size, void **con_cls)
{
    struct master *m = cls;
    struct sbuf b = SBUF_INIT;
    const char *ctype = "text/plain; charset=utf-8";
    unsigned code = 200;
    struct MHD_Response *resp;
    enum MHD_Result ret;

    (void)version; (void)upload; (void)upload_size; (void)con_cls;
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
        code = 405;
        sbuf_puts(&b, "method not allowed\n");
    } else if (strcmp(url, "/healthz") == 0) {
        struct sbuf q = SBUF_INIT;
        int db = queue_depth(m, &q);
        sbuf_release(&q);
        struct sbuf in = SBUF_INIT;
        char intake[32];
        intake_json(m, &in, intake, sizeof intake);
        sbuf_release(&in);
        /* Intake paused (database down, disk full) is unhealthy too: files
         * wait in the inbox until it resumes by itself. */
        code = healthy(m) && db && (!intake[0] || strcmp(intake, "ok") == 0) ? 200 : 503;
        ctype = "application/json";
        /* A role stopped for good (parked: the signer after a wrong PIN)
         * waits for the operator: say which, and why. */
        int nparked = 0;
        for (int i = 0; i < m->nch; i++)
            nparked += m->ch[i].parked;
        sbuf_printf(&b, "{\"healthy\":%s,\"status\":\"%s\",\"database\":\"%s\",\"intake\":\"%s\","
                        "\"stopped_roles\":[",
                    code == 200 ? "true" : "false",
                    code == 200 ? "ok" : nparked ? "degraded" : "unhealthy", db ? "up" : "unreachable",
                    intake[0] ? intake : "unknown");
        for (int i = 0, k = 0; i < m->nch; i++)
            if (m->ch[i].parked) {
                sbuf_printf(&b, "%s{\"role\":\"%s\",\"reason\":", k++ ? "," : "", m->roles[m->ch[i].role].name);
                json_escape(&b, m->ch[i].last_exit, strlen(m->ch[i].last_exit));
                sbuf_putc(&b, '}');
            }
        sbuf_puts(&b, "],\"master\":");
        status_json(m, &b);
        while (b.len && b.s[b.len - 1] == '\n')
            b.s[--b.len] = '\0';
        sbuf_puts(&b, "}\n");
    } else if (strcmp(url, "/metrics") == 0) {
        ctype = "text/plain; version=0.0.4; charset=utf-8";
        metrics_prometheus(&b);
        queue_depth(m, &b);
        {
            struct sbuf in = SBUF_INIT;
            char intake[32];
            intake_json(m, &in, intake, sizeof intake);
            sbuf_release(&in);
            if (intake[0]) {
                sbuf_puts(&b, "# HELP ancong_intake_paused Whether the watcher stopped taking files, by reason.\n"
                              "# TYPE ancong_intake_paused gauge\n");
                sbuf_printf(&b, "ancong_intake_paused{reason=\"db_down\"} %d\n", !strcmp(intake, "db_down"));
                sbuf_printf(&b, "ancong_intake_paused{reason=\"disk_full\"} %d\n", !strcmp(intake, "disk_full"));
            }
        }
        sbuf_printf(&b, "# HELP ancong_up Processes of each role that are running.\n"
                        "# TYPE ancong_up gauge\n");
        for (int r = 0; r < m->nroles; r++) {
            int up = 0;
            for (int i = 0; i < m->nch; i++)
                up += m->ch[i].role == r && m->ch[i].pid > 0;
            if (m->roles[r].count > 0)
                sbuf_printf(&b, "ancong_up{role=\"%s\"} %d\n", m->roles[r].name, up);
        }
    } else {
        code = 404;
        sbuf_puts(&b, "not found: try /healthz or /metrics\n");
    }
    resp = MHD_create_response_from_buffer(b.len, b.s ? b.s : (void *)"", MHD_RESPMEM_MUST_COPY);
    sbuf_release(&b);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, "Content-Type", ctype);
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    ret = MHD_queue_response(conn, code, resp);
    MHD_destroy_response(resp);
    return ret;
}

static int start_http(struct master *m, const char *listen, struct err *e)
{
    struct sockaddr_in sin;
    char host[64];
    const char *colon = strrchr(listen, ':');
    long port;

    if (!colon || colon == listen || (size_t)(colon - listen) >= sizeof host) {
        err_set(e, ERR_USAGE, "metrics address \"%s\" is not HOST:PORT", listen);
        return -1;
    }
    memcpy(host, listen, (size_t)(colon - listen));
    host[colon - listen] = '\0';
    port = strtol(colon + 1, NULL, 10);
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons((uint16_t)port);
    if (port <= 0 || port > 65535 || inet_pton(AF_INET, host, &sin.sin_addr) != 1) {
        err_set(e, ERR_USAGE, "metrics address \"%s\" is not an IPv4 HOST:PORT", listen);
        return -1;
    }
    /* No internal thread: the master stays single-threaded (it forks) and
     * serves the listener from its own ppoll loop. */
    m->http = MHD_start_daemon(MHD_USE_EPOLL, (uint16_t)port, NULL, NULL, on_http, m,
                               MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sin,
                               MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10,
                               MHD_OPTION_CONNECTION_LIMIT, (unsigned)16,
                               MHD_OPTION_END);
    if (!m->http) {
        err_set(e, ERR_IO, "could not listen on %s for /healthz and /metrics", listen);
        err_hint(e, "Another program may use that port: change serve.metrics_listen in ancong.conf.");
        return -1;
    }
    return 0;
}

/* ---- the loop ------------------------------------------------------------ */

int master_run(struct cfg *cfg, const struct master_role *roles, int nroles,
               const struct master_opts *opts, struct err *e)
{
    static const int sigs[] = {SIGTERM, SIGINT, SIGHUP, SIGCHLD};
    static struct master mm;
    struct master *m = &mm;
    struct sigaction sa;
    sigset_t block, old, waitmask;
    char rundir[PATH_MAX], pidfile[PATH_MAX];
    int64_t next_status = 0, step_ms = 50, last_kill_check = 0;

    memset(m, 0, sizeof *m);
    m->cfg = cfg;
    m->roles = roles;
    m->nroles = nroles;
    m->started_ms = fs_now_ms();
    m->stop_timeout_ms = (opts && opts->stop_timeout_s > 0 ? opts->stop_timeout_s : 60) * 1000;
    for (int r = 0; r < nroles; r++)
        for (int k = 0; k < roles[r].count; k++) {
            if (m->nch == MAX_CHILDREN) {
                err_set(e, ERR_USAGE, "too many processes (%d at most)", MAX_CHILDREN);
                return 1;
            }
            m->ch[m->nch++] = (struct child){.role = r, .slot = k};
        }
    if (m->nch == 0) {
        err_set(e, ERR_USAGE, "no role to run");
        return 1;
    }
    cfg_path(cfg, rundir, sizeof rundir, "run");
    if (fs_mkdirs(rundir, 0755, e) < 0)
        return 1;
    snprintf(m->status_path, sizeof m->status_path, "%s/status.json", rundir);
    snprintf(pidfile, sizeof pidfile, "%s/serve.pid", rundir);
    if (metrics_init() < 0) {
        err_set(e, ERR_INTERNAL, "could not map memory for the counters");
        return 1;
    }
    if (opts && opts->metrics_listen && opts->metrics_listen[0] &&
        start_http(m, opts->metrics_listen, e) < 0)
        return 1;
    {
        char pid[32];
        int n = snprintf(pid, sizeof pid, "%d\n", (int)getpid());
        if (fs_write_atomic(pidfile, pid, (size_t)n, 0644, e) < 0) {
            if (m->http) MHD_stop_daemon(m->http);
            return 1;
        }
    }

    /* Signals stay blocked except inside ppoll, so a flag set by a handler
     * is always seen by the next loop turn (no lost wake-up). */
    sigemptyset(&block);
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        sigaddset(&block, sigs[i]);
    sigprocmask(SIG_BLOCK, &block, &old);
    waitmask = old;
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        sigdelset(&waitmask, sigs[i]);
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        sigaction(sigs[i], &sa, NULL);
    want_stop = want_reload = child_exited = 0;

    log_set_role("master");
    log_info("stage=start processes=%d status=%s%s%s", m->nch, m->status_path,
             m->http ? " listen=" : "", m->http ? opts->metrics_listen : "");
    for (int i = 0; i < m->nch; i++)
        spawn(m, &m->ch[i]);

    for (;;) {
        int64_t now, wait_ms;
        struct pollfd pfd[1];
        int npfd = 0;
        int dirty = 0;

        if (child_exited) {
            child_exited = 0;
            reap(m);
            dirty = 1;
        }
        if (want_reload && m->state == ST_RUNNING) {
            struct err re;
            char q[400];
            want_reload = 0;
            err_init(&re);
            if (master_reload_cfg(cfg, &re) < 0) {
                m->reload_failures++;
                snprintf(m->last_reload_error, sizeof m->last_reload_error, "%s", re.msg);
                log_error("stage=reload result=kept_old error=%s", log_q(re.msg, q, sizeof q));
            } else {
                m->reloads++;
                log_info("stage=reload result=ok");
                signal_all(m, SIGHUP);
                for (int i = 0; i < m->nch; i++)
                    if (m->ch[i].parked) {       /* maybe fixed now: try again */
                        m->ch[i].parked = 0;
                        m->ch[i].backoff_ms = 0;
                        m->ch[i].restart_at_ms = 0;
                    }
            }
            dirty = 1;
        }
        now = fs_now_ms();
        if (want_stop && m->state == ST_RUNNING) {
            m->state = ST_STOPPING;
            m->stop_started_ms = now;
            log_info("stage=stop children=%d timeout_ms=%d", live_children(m), m->stop_timeout_ms);
            signal_all(m, SIGTERM);
            step_ms = 50;
            last_kill_check = now;
            dirty = 1;
        }
        if (m->state == ST_STOPPING) {
            if (live_children(m) == 0)
                break;
            if (!m->killed && (want_stop >= 2 || now - m->stop_started_ms >= m->stop_timeout_ms)) {
                log_warn("stage=stop result=kill children=%d why=\"%s\"", live_children(m),
                         want_stop >= 2 ? "asked twice" : "stop timeout passed");
                signal_all(m, SIGKILL);
                m->killed = 1;
            }
        } else {
            for (int i = 0; i < m->nch; i++)
                if (m->ch[i].pid == 0 && !m->ch[i].parked && now >= m->ch[i].restart_at_ms) {
                    spawn(m, &m->ch[i]);
                    dirty = 1;
                }
        }
        if (dirty || now >= next_status) {
            write_status(m);
            next_status = now + STATUS_EVERY_MS;
        }

        /* How long to wait: the doubling drain timer while stopping, else
         * the next restart or status write. */
        if (m->state == ST_STOPPING) {
            if (now - last_kill_check >= step_ms) {
                last_kill_check = now;
                step_ms = step_ms * 2 > 1000 ? 1000 : step_ms * 2;
            }
            wait_ms = step_ms;
        } else {
            wait_ms = next_status - now;
            for (int i = 0; i < m->nch; i++)
                if (m->ch[i].pid == 0 && !m->ch[i].parked && m->ch[i].restart_at_ms - now < wait_ms)
                    wait_ms = m->ch[i].restart_at_ms - now;
        }
        if (m->http) {
            const union MHD_DaemonInfo *di = MHD_get_daemon_info(m->http, MHD_DAEMON_INFO_EPOLL_FD);
            MHD_UNSIGNED_LONG_LONG to;
            if (di) {
                pfd[0] = (struct pollfd){.fd = di->epoll_fd, .events = POLLIN};
                npfd = 1;
            }
            if (MHD_get_timeout(m->http, &to) == MHD_YES && (int64_t)to < wait_ms)
                wait_ms = (int64_t)to;
        }
        if (wait_ms < 0)
            wait_ms = 0;
        struct timespec ts = {.tv_sec = wait_ms / 1000, .tv_nsec = (wait_ms % 1000) * 1000000L};
        int n = ppoll(npfd ? pfd : NULL, (nfds_t)npfd, &ts, &waitmask);
        if (m->http && (n > 0 || n == 0))
            MHD_run(m->http);
    }

    log_info("stage=stop result=clean uptime_s=%lld", (long long)((fs_now_ms() - m->started_ms) / 1000));
    m->state = ST_STOPPED;      /* every child has exited: say so, not "stopping" */
    write_status(m);
    unlink(pidfile);
    if (m->http)
        MHD_stop_daemon(m->http);
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        sa.sa_handler = SIG_DFL;
        sigaction(sigs[i], &sa, NULL);
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    return 0;
}
