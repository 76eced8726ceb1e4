/* Unit tests for workers/master: restart with backoff, reload, drain with
 * TERM then KILL, status file and the /healthz and /metrics listener. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cfg.h"
#include "common/err.h"
#include "common/fs.h"
#include "workers/master.h"
#include "tests/unit/t.h"

static volatile sig_atomic_t stop;
static void on_term(int sig) { (void)sig; stop = 1; }

static int role_sleeper(struct cfg *cfg)
{
    struct sigaction sa;
    (void)cfg;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_term;
    sigaction(SIGTERM, &sa, NULL);
    while (!stop)
        pause();
    return 0;
}

static int role_crasher(struct cfg *cfg)
{
    (void)cfg;
    return 3;
}

static int role_stubborn(struct cfg *cfg)
{
    (void)cfg;
    signal(SIGTERM, SIG_IGN);
    for (;;)
        pause();
    return 0;
}

static const char *fatal_log;
static int role_fatal(struct cfg *cfg)
{
    (void)cfg;
    FILE *f = fopen(fatal_log, "a");
    if (f) {
        fputs("start\n", f);
        fclose(f);
    }
    return MASTER_EXIT_FATAL;
}

static int count_lines(const char *path)
{
    int n = 0, c;
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    while ((c = fgetc(f)) != EOF)
        n += c == '\n';
    fclose(f);
    return n;
}

static char *read_status(const char *home)
{
    char path[1024], *s = NULL;
    size_t n;
    struct err e;
    err_init(&e);
    snprintf(path, sizeof path, "%s/run/status.json", home);
    if (fs_read(path, 0, &s, &n, &e) < 0)
        return NULL;
    return s;
}

/* The number after "key": in the object of role (first slot), or -1. */
static long role_field(const char *status, const char *role, const char *key)
{
    char pat[64], k[64];
    snprintf(pat, sizeof pat, "\"role\":\"%s\"", role);
    snprintf(k, sizeof k, "\"%s\":", key);
    const char *p = status ? strstr(status, pat) : NULL;
    if (!p || !(p = strstr(p, k)))
        return -1;
    return strtol(p + strlen(k), NULL, 10);
}

static long top_field(const char *status, const char *key)
{
    char k[64];
    snprintf(k, sizeof k, "\"%s\":", key);
    const char *p = status ? strstr(status, k) : NULL;
    return p ? strtol(p + strlen(k), NULL, 10) : -1;
}

static int wait_status(const char *home, const char *role, const char *key, long atleast)
{
    for (int i = 0; i < 600; i++) {       /* 60 s at most; normally ~3 s */
        char *s = read_status(home);
        long v = role ? role_field(s, role, key) : top_field(s, key);
        free(s);
        if (v >= atleast)
            return 1;
        usleep(100000);
    }
    return 0;
}

static char *http_get(int port, const char *path, int *code)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    char req[256], buf[65536];
    size_t got = 0;
    ssize_t k;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    *code = -1;
    inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof sin) < 0) {
        if (fd >= 0) close(fd);
        return NULL;
    }
    snprintf(req, sizeof req, "GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n", path);
    if (write(fd, req, strlen(req)) < 0) { close(fd); return NULL; }
    while (got < sizeof buf - 1 && (k = read(fd, buf + got, sizeof buf - 1 - got)) > 0)
        got += (size_t)k;
    close(fd);
    buf[got] = '\0';
    sscanf(buf, "HTTP/1.%*d %d", code);
    return strdup(buf);
}

int main(void)
{
    char home[] = "/tmp/ancong-test-master.XXXXXX", listen[32];
    struct cfg cfg;
    struct err e;
    int port = 20000 + (int)(getpid() % 20000), code;

    if (!mkdtemp(home)) {
        T_CHECK(0, "make a temporary ANCONG_HOME");
        return t_done();
    }
    setenv("ANCONG_HOME", home, 1);
    unsetenv("ANCONG_CONFIG");
    err_init(&e);
    T_CHECK(cfg_load(&cfg, NULL, &e) == 0, "configuration loads");
    /* A database that is surely not there: /healthz must say so. */
    snprintf(cfg.database_url, sizeof cfg.database_url, "host=%s/nodb port=1 dbname=x", home);
    snprintf(listen, sizeof listen, "127.0.0.1:%d", port);

    struct master_role roles[] = {
        {"worker", role_sleeper, 2},
        {"web", role_crasher, 1},
        {"signer", role_stubborn, 1},
        {"other", role_fatal, 1},
    };
    char flog[1100];
    snprintf(flog, sizeof flog, "%s/fatal.log", home);
    fatal_log = flog;
    struct master_opts opts = {.stop_timeout_s = 1, .metrics_listen = listen};

    pid_t m = fork();
    if (m == 0) {
        struct err me;
        err_init(&me);
        int rc = master_run(&cfg, roles, 4, &opts, &me);
        if (rc)
            fprintf(stderr, "master: %s\n", me.msg);
        _exit(rc);
    }

    T_CHECK(wait_status(home, "web", "restarts", 2), "a crashing child is restarted (twice, with backoff)");
    char *st = read_status(home);
    T_CHECK(st && strstr(st, "exited with status 3"), "the status file says why it ended");
    long w_pid = role_field(st, "worker", "pid"), s_pid = role_field(st, "signer", "pid");
    T_CHECK(w_pid > 0 && s_pid > 0, "the status file lists the children's pids");
    T_CHECK(st && strstr(st, "\"role\":\"other\"") && strstr(st, "\"parked\":true"),
            "a role that exits with MASTER_EXIT_FATAL is parked");
    T_CHECK(count_lines(flog) == 1, "and not restarted (started %d times)", count_lines(flog));
    free(st);

    /* The watcher's state file, as the watcher writes it while paused. */
    char ws[1100];
    snprintf(ws, sizeof ws, "%s/run/watch.status", home);
    FILE *wf = fopen(ws, "w");
    fprintf(wf, "state=db_down\nreason=could not connect to the database\npending=3\n");
    fclose(wf);

    char *body = http_get(port, "/metrics", &code);
    T_CHECK(code == 200 && body && strstr(body, "ancong_restarts_total{role=\"web\"}"),
            "/metrics answers in Prometheus text with restarts by role");
    T_CHECK(body && strstr(body, "ancong_database_up 0"), "/metrics says the database is down");
    free(body);
    body = http_get(port, "/healthz", &code);
    T_CHECK(code == 503 && body && strstr(body, "\"database\":\"unreachable\""),
            "/healthz is 503 while the database is unreachable (got %d)", code);
    T_CHECK(body && strstr(body, "\"intake\":\"db_down\""), "/healthz reports intake paused");
    free(body);
    body = http_get(port, "/metrics", &code);
    T_CHECK(body && strstr(body, "ancong_intake_paused{reason=\"db_down\"} 1"),
            "/metrics reports intake paused by reason");
    free(body);
    int seen = 0;
    for (int i = 0; i < 200 && !seen; i++) {       /* rewritten every 5 s */
        st = read_status(home);
        seen = st && strstr(st, "\"intake\":{\"state\":\"db_down\"");
        free(st);
        if (!seen)
            usleep(100000);
    }
    T_CHECK(seen, "status.json carries the watcher's state");

    /* A bad configuration on SIGHUP is refused and the old one kept. */
    char conf[1200];
    snprintf(conf, sizeof conf, "%s/ancong.conf", home);
    FILE *f = fopen(conf, "w");
    fprintf(f, "ocr.max_pages = many\n");
    fclose(f);
    kill(m, SIGHUP);
    T_CHECK(wait_status(home, NULL, "reload_failures", 1), "a bad configuration on SIGHUP is refused");
    f = fopen(conf, "w");
    fprintf(f, "ocr.max_pages = 20\n");
    fclose(f);
    kill(m, SIGHUP);
    T_CHECK(wait_status(home, NULL, "reloads", 1), "a good configuration on SIGHUP is taken");
    for (int i = 0; i < 100 && count_lines(flog) < 2; i++)
        usleep(100000);
    T_CHECK(count_lines(flog) == 2, "a parked role is started again after a reload");
    T_CHECK(kill((pid_t)w_pid, 0) == 0, "children keep running across a reload");

    kill(m, SIGTERM);
    int status = -1;
    while (waitpid(m, &status, 0) < 0 && errno == EINTR)
        ;
    T_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the master stops cleanly on SIGTERM");
    T_CHECK(kill((pid_t)w_pid, 0) < 0 && errno == ESRCH, "a worker stopped on TERM");
    T_CHECK(kill((pid_t)s_pid, 0) < 0 && errno == ESRCH,
            "a child ignoring TERM was killed after the stop timeout");
    st = read_status(home);
    T_CHECK(st && strstr(st, "killed by SIGKILL"), "the status file records the kill");
    free(st);

    fs_rmtree(home);
    return t_done();
}
