/*
 * store/pgcluster.c: the embedded PostgreSQL cluster of one ANCONG_HOME.
 *
 *   $ANCONG_HOME/pg                 data folder (owned by the server user, 0700)
 *   $ANCONG_HOME/run/.s.PGSQL.5432  the only way in: a Unix socket (0700 folder)
 *   $ANCONG_HOME/log/postgresql.log server and initdb/pg_ctl output
 *   $ANCONG_HOME/.pgc.lock          flock()ed while starting or stopping
 *
 * PostgreSQL refuses to run as root.  When we are root, initdb and pg_ctl run
 * as the "postgres" system user (created with useradd when missing); it must
 * be able to traverse every folder above $ANCONG_HOME.  Several processes
 * may call pgc_start at once (every worker opens the store): the lock makes
 * the first one initialise and start, and the others find it running.
 */
#include "store/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/fs.h"
#include "common/str.h"

#define PGC_PORT   "5432"
#define PGC_USER   "ancong"
#define PGC_DB     "ancong"
#define PGC_SYSTEM_USER "postgres"

struct srv_user {
    bool drop;                 /* we are root: switch to uid/gid in children */
    uid_t uid;
    gid_t gid;
    char name[64];
};

struct paths {
    char home[PATH_MAX], data[PATH_MAX], run[PATH_MAX], logdir[PATH_MAX];
    char log[PATH_MAX], lock[PATH_MAX], bindir[PATH_MAX];
};

static void make_paths(const struct cfg *c, struct paths *p)
{
    snprintf(p->home, sizeof p->home, "%s", c->home);
    snprintf(p->data, sizeof p->data, "%s/pg", c->home);
    snprintf(p->run, sizeof p->run, "%s/run", c->home);
    snprintf(p->logdir, sizeof p->logdir, "%s/log", c->home);
    snprintf(p->log, sizeof p->log, "%s/log/postgresql.log", c->home);
    snprintf(p->lock, sizeof p->lock, "%s/.pgc.lock", c->home);
    p->bindir[0] = '\0';
}

/* Append key='value' to buf, quoting as libpq conninfo wants. */
static void conn_kv(char *buf, size_t n, const char *k, const char *v)
{
    size_t len = strlen(buf);
    if (len + 1 >= n)
        return;
    snprintf(buf + len, n - len, "%s%s='", len ? " " : "", k);
    for (const char *q = v; *q; q++) {
        len = strlen(buf);
        if (len + 3 >= n)
            return;
        if (*q == '\'' || *q == '\\')
            buf[len++] = '\\';
        buf[len++] = *q;
        buf[len] = '\0';
    }
    len = strlen(buf);
    if (len + 1 < n) {
        buf[len] = '\'';
        buf[len + 1] = '\0';
    }
}

static void embedded_conninfo(const struct cfg *c, const char *db, char *buf, size_t n)
{
    char run[PATH_MAX];
    snprintf(run, sizeof run, "%s/run", c->home);
    buf[0] = '\0';
    conn_kv(buf, n, "host", run);
    conn_kv(buf, n, "port", PGC_PORT);
    conn_kv(buf, n, "user", PGC_USER);
    conn_kv(buf, n, "dbname", db);
    conn_kv(buf, n, "connect_timeout", "10");
}

void pgc_conninfo(const struct cfg *c, char *buf, size_t n)
{
    if (c->database_url[0])
        snprintf(buf, n, "%s", c->database_url);
    else
        embedded_conninfo(c, PGC_DB, buf, n);
}

static bool has_initdb(const char *dir)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/initdb", dir);
    return access(p, X_OK) == 0;
}

/* The folder holding initdb, pg_ctl and postgres: the setting, then
 * pg_config --bindir, then the highest /usr/lib/postgresql/N/bin (Debian),
 * then other usual places and PATH. */
static int find_bindir(const struct cfg *c, char *out, size_t n, struct err *e)
{
    char verfile[PATH_MAX];
    FILE *vf;

    if (c->db_pg_bindir[0]) {
        if (!has_initdb(c->db_pg_bindir)) {
            err_set(e, ERR_USAGE, "no initdb in \"%s\" (setting db.pg_bindir)", c->db_pg_bindir);
            err_hint(e, "Point db.pg_bindir at the PostgreSQL server's bin folder, or leave it empty.");
            return -1;
        }
        snprintf(out, n, "%s", c->db_pg_bindir);
        return 0;
    }
    /* An existing cluster needs the server of its own major version. */
    snprintf(verfile, sizeof verfile, "%s/pg/PG_VERSION", c->home);
    if ((vf = fopen(verfile, "r"))) {
        char ver[32] = "", dir[PATH_MAX];
        if (fgets(ver, sizeof ver, vf))
            str_trim(ver);
        fclose(vf);
        if (ver[0] && strspn(ver, "0123456789.") == strlen(ver)) {
            snprintf(dir, sizeof dir, "/usr/lib/postgresql/%s/bin", ver);
            if (has_initdb(dir)) {
                snprintf(out, n, "%s", dir);
                return 0;
            }
        }
    }
    FILE *f = popen("pg_config --bindir 2>/dev/null", "r");
    if (f) {
        char line[PATH_MAX];
        if (fgets(line, sizeof line, f)) {
            str_trim(line);
            if (line[0] && has_initdb(line)) {
                snprintf(out, n, "%s", line);
                pclose(f);
                return 0;
            }
        }
        pclose(f);
    }
    int best = -1;
    DIR *d = opendir("/usr/lib/postgresql");
    if (d) {
        struct dirent *de;
        while ((de = readdir(d))) {
            char dir[PATH_MAX];
            char *end;
            long v = strtol(de->d_name, &end, 10);
            if (end == de->d_name || *end || v <= best)
                continue;
            snprintf(dir, sizeof dir, "/usr/lib/postgresql/%s/bin", de->d_name);
            if (has_initdb(dir)) {
                best = (int)v;
                snprintf(out, n, "%s", dir);
            }
        }
        closedir(d);
        if (best >= 0)
            return 0;
    }
    static const char *const other[] = {"/usr/local/pgsql/bin", "/usr/pgsql/bin", NULL};
    for (int i = 0; other[i]; i++)
        if (has_initdb(other[i])) {
            snprintf(out, n, "%s", other[i]);
            return 0;
        }
    const char *path = getenv("PATH");
    if (path) {
        char *copy = xstrdup(path), *save = NULL;
        for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save))
            if (dir[0] && has_initdb(dir)) {
                snprintf(out, n, "%s", dir);
                free(copy);
                return 0;
            }
        free(copy);
    }
    err_set(e, ERR_USAGE, "the PostgreSQL server programs (initdb, pg_ctl) are not installed");
    err_hint(e, "Run \"make deps\" (Debian package postgresql), or set database_url to use an existing server.");
    return -1;
}

/* Run argv (argv[0] a full path), stdout/stderr appended to logpath, as the
 * server user.  Returns the exit status (0..255), or -1 with e set. */
static int run_as(const struct srv_user *u, const char *cwd, char *const argv[],
                  const char *logpath, struct err *e)
{
    int st;
    pid_t pid = fork();

    if (pid < 0) {
        err_errno(e, "start", argv[0]);
        return -1;
    }
    if (pid == 0) {
        int fd = open(logpath ? logpath : "/dev/null", O_WRONLY | O_APPEND | O_CREAT, 0640);
        int in = open("/dev/null", O_RDONLY);
        if (fd < 0 || in < 0)
            _exit(126);
        dup2(in, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        /* Nothing of ours (lock files, database sockets) may leak into
         * a long-lived postmaster. */
        for (int k = 3; k < 1024; k++)
            close(k);
        if (u->drop) {
            if (setgroups(0, NULL) < 0 || setgid(u->gid) < 0 || setuid(u->uid) < 0) {
                dprintf(2, "ancong: could not switch to user %s\n", u->name);
                _exit(126);
            }
        }
        if (chdir(cwd) < 0 && chdir("/") < 0)
            _exit(126);
        setenv("LC_ALL", "C.UTF-8", 1);
        unsetenv("PGDATA");
        unsetenv("PGHOST");
        unsetenv("PGPORT");
        execv(argv[0], argv);
        dprintf(2, "ancong: could not run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    while (waitpid(pid, &st, 0) < 0) {
        if (errno != EINTR) {
            err_errno(e, "wait for", argv[0]);
            return -1;
        }
    }
    if (WIFEXITED(st))
        return WEXITSTATUS(st);
    err_set(e, ERR_INTERNAL, "\"%s\" was killed by signal %d", argv[0], WTERMSIG(st));
    return -1;
}

static int get_server_user(struct srv_user *u, struct err *e)
{
    memset(u, 0, sizeof *u);
    if (geteuid() != 0) {
        u->drop = false;
        u->uid = geteuid();
        u->gid = getegid();
        struct passwd *pw = getpwuid(u->uid);
        snprintf(u->name, sizeof u->name, "%s", pw ? pw->pw_name : "?");
        return 0;
    }
    struct passwd *pw = getpwnam(PGC_SYSTEM_USER);
    if (!pw) {
        char *av[] = {"/usr/sbin/useradd", "--system", "--user-group", "--no-create-home",
                      "--home-dir", "/var/lib/postgresql", "--shell", "/usr/sbin/nologin",
                      PGC_SYSTEM_USER, NULL};
        struct srv_user self = {false, 0, 0, "root"};
        int rc = run_as(&self, "/", av, NULL, e);
        if (rc < 0)
            return -1;
        pw = getpwnam(PGC_SYSTEM_USER);
        if (!pw) {
            err_set(e, ERR_USAGE, "could not create the system user \"%s\" (useradd exited with %d)",
                    PGC_SYSTEM_USER, rc);
            err_hint(e, "PostgreSQL refuses to run as root: create the user with "
                        "\"useradd --system postgres\", or run ancong as an ordinary user.");
            return -1;
        }
    }
    u->drop = true;
    u->uid = pw->pw_uid;
    u->gid = pw->pw_gid;
    snprintf(u->name, sizeof u->name, "%s", pw->pw_name);
    return 0;
}

/* Can the server user reach (search) path?  Checked in a child that becomes
 * that user, so ACLs and groups count exactly as they will for PostgreSQL.
 * Returns 0 and fills bad[] with the first folder it cannot enter, if any. */
static int check_traverse(const struct srv_user *u, const char *path, char *bad, size_t n,
                          struct err *e)
{
    int fds[2], st;
    bad[0] = '\0';
    if (!u->drop)
        return 0;
    if (pipe(fds) < 0) {
        err_errno(e, "create a pipe", NULL);
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        err_errno(e, "fork", NULL);
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        char prefix[PATH_MAX];
        close(fds[0]);
        if (setgroups(0, NULL) < 0 || setgid(u->gid) < 0 || setuid(u->uid) < 0)
            _exit(1);
        size_t len = strlen(path);
        for (size_t i = 1; i <= len; i++) {
            if (path[i] != '/' && path[i] != '\0')
                continue;
            memcpy(prefix, path, i);
            prefix[i] = '\0';
            if (access(prefix, X_OK) < 0) {
                if (write(fds[1], prefix, i) < 0)
                    _exit(1);
                break;
            }
        }
        _exit(0);
    }
    close(fds[1]);
    ssize_t k, got = 0;
    while ((k = read(fds[0], bad + got, n - 1 - (size_t)got)) > 0)
        got += k;
    bad[got > 0 ? got : 0] = '\0';
    close(fds[0]);
    waitpid(pid, &st, 0);
    return 0;
}

static int mkdir_owned(const char *dir, int mode, const struct srv_user *u, bool chown_it,
                       struct err *e)
{
    if (fs_mkdirs(dir, mode, e) < 0)
        return -1;
    if (chown_it && u->drop && chown(dir, u->uid, u->gid) < 0) {
        err_errno(e, "give the database user the folder", dir);
        return -1;
    }
    if (chmod(dir, (mode_t)mode) < 0) {
        err_errno(e, "set permissions of", dir);
        return -1;
    }
    return 0;
}

/* Folders and the log file, owned so that the server user can use them. */
static int prepare_dirs(const struct paths *p, const struct srv_user *u, struct err *e)
{
    char bad[PATH_MAX];
    struct stat st;

    if (fs_mkdirs(p->home, 0711, e) < 0)
        return -1;
    if (u->drop) {
        /* Our own folder: let the server user through, without listing. */
        if (stat(p->home, &st) == 0 && (st.st_mode & 0011) != 0011 &&
            chmod(p->home, (st.st_mode & 07777) | 0011) < 0) {
            err_errno(e, "set permissions of", p->home);
            return -1;
        }
        if (check_traverse(u, p->home, bad, sizeof bad, e) < 0)
            return -1;
        if (bad[0]) {
            err_set(e, ERR_USAGE, "the database user \"%s\" cannot enter \"%s\" on the way to ANCONG_HOME "
                    "\"%s\"", u->name, bad, p->home);
            err_hint(e, "PostgreSQL cannot run as root, so it runs as \"%s\": run \"chmod o+x %s\", "
                        "or put ANCONG_HOME somewhere else (e.g. under /srv or /var/lib).", u->name, bad);
            return -1;
        }
    }
    if (strlen(p->run) + sizeof "/.s.PGSQL." PGC_PORT + 8 > 107) {
        err_set(e, ERR_USAGE, "ANCONG_HOME \"%s\" is too long for a Unix socket path", p->home);
        err_hint(e, "Use an ANCONG_HOME path of at most 80 characters, or set database_url.");
        return -1;
    }
    if (mkdir_owned(p->run, 0700, u, true, e) < 0 || mkdir_owned(p->logdir, 0711, u, false, e) < 0)
        return -1;
    int fd = open(p->log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0) {
        err_errno(e, "create the database log", p->log);
        return -1;
    }
    if (u->drop && fchown(fd, u->uid, u->gid) < 0) {
        err_errno(e, "give the database user the log", p->log);
        close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

static int lock_home(const struct paths *p, struct err *e)
{
    if (fs_mkdirs(p->home, 0711, e) < 0)
        return -1;
    int fd = open(p->lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        err_errno(e, "open the lock file", p->lock);
        return -1;
    }
    while (flock(fd, LOCK_EX) < 0) {
        if (errno != EINTR) {
            err_errno(e, "lock", p->lock);
            close(fd);
            return -1;
        }
    }
    return fd;
}

static void unlock_home(int fd)
{
    if (fd >= 0) {
        flock(fd, LOCK_UN);
        close(fd);
    }
}

/* The last line of the log that says what went wrong, for error messages. */
static void log_tail(const char *log, char *buf, size_t n)
{
    char line[1024];
    FILE *f = fopen(log, "r");
    buf[0] = '\0';
    if (!f)
        return;
    if (fseek(f, -16384, SEEK_END) < 0)
        rewind(f);
    while (fgets(line, sizeof line, f)) {
        str_trim(line);
        if (strstr(line, "FATAL") || strstr(line, "ERROR") || strstr(line, "error") ||
            strstr(line, "could not") || strstr(line, "pg_ctl:") || strstr(line, "initdb:"))
            snprintf(buf, n, "%s", line);
    }
    fclose(f);
}

static int write_runtime_conf(const struct paths *p, const struct srv_user *u, struct err *e)
{
    char path[PATH_MAX];
    struct sbuf b = SBUF_INIT;
    int rc;

    snprintf(path, sizeof path, "%s/ancong_runtime.conf", p->data);
    sbuf_puts(&b, "# Written by ancong at every start of the embedded cluster; do not edit.\n"
                  "listen_addresses = ''\n"
                  "port = " PGC_PORT "\n"
                  "unix_socket_directories = '");
    for (const char *q = p->run; *q; q++) {
        if (*q == '\'')
            sbuf_putc(&b, '\'');
        sbuf_putc(&b, *q);
    }
    sbuf_puts(&b, "'\n"
                  "unix_socket_permissions = 0700\n"
                  "max_connections = 200\n"
                  "logging_collector = off\n"
                  "log_line_prefix = '%m [%p] '\n"
                  "log_min_messages = warning\n");
    rc = fs_write_atomic(path, b.s, b.len, 0644, e);
    sbuf_release(&b);
    if (rc == 0 && u->drop && chown(path, u->uid, u->gid) < 0) {
        err_errno(e, "give the database user", path);
        return -1;
    }
    return rc;
}

/* initdb into a temporary folder and rename it into place, so that a crash
 * halfway leaves no half-made cluster behind. */
static int init_cluster(const struct paths *p, const struct srv_user *u, struct err *e)
{
    char tmp[PATH_MAX], initdb[PATH_MAX], conf[PATH_MAX], why[512];
    int rc;

    snprintf(tmp, sizeof tmp, "%s.init", p->data);
    fs_rmtree(tmp);
    if (mkdir_owned(tmp, 0700, u, true, e) < 0)
        return -1;
    snprintf(initdb, sizeof initdb, "%s/initdb", p->bindir);
    char *av[] = {initdb, "-D", tmp, "-U", PGC_USER, "-A", "trust", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-instructions", NULL};
    rc = run_as(u, p->home, av, p->log, e);
    if (rc != 0) {
        if (rc > 0) {
            log_tail(p->log, why, sizeof why);
            err_set(e, ERR_DB, "could not create the database cluster in \"%s\": initdb exited with %d%s%s",
                    p->data, rc, why[0] ? ": " : "", why);
        }
        err_hint(e, "See %s.", p->log);
        fs_rmtree(tmp);
        return -1;
    }
    snprintf(conf, sizeof conf, "%s/postgresql.conf", tmp);
    FILE *f = fopen(conf, "a");
    if (!f) {
        err_errno(e, "open", conf);
        return -1;
    }
    fprintf(f, "\n# ancong: socket-only settings of this installation\n"
               "include_if_exists = 'ancong_runtime.conf'\n");
    if (fclose(f) != 0) {
        err_errno(e, "write", conf);
        return -1;
    }
    if (rename(tmp, p->data) < 0) {
        err_errno(e, "rename into place", p->data);
        return -1;
    }
    fs_sync_dir(p->home);
    return 0;
}

static int create_database(const struct cfg *c, struct err *e)
{
    char ci[PATH_MAX + 200];
    int rc = -1;
    embedded_conninfo(c, "postgres", ci, sizeof ci);
    PGconn *db = PQconnectdb(ci);
    PGresult *r = NULL;

    if (PQstatus(db) != CONNECTION_OK) {
        err_set(e, ERR_DB, "could not connect to the embedded PostgreSQL: %s", PQerrorMessage(db));
        goto out;
    }
    const char *params[1] = {PGC_DB};
    r = PQexecParams(db, "SELECT 1 FROM pg_database WHERE datname = $1", 1, NULL, params,
                     NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        err_set(e, ERR_DB, "could not list databases: %s", PQerrorMessage(db));
        goto out;
    }
    if (PQntuples(r) == 0) {
        PQclear(r);
        r = PQexec(db, "CREATE DATABASE " PGC_DB " TEMPLATE template0 ENCODING 'UTF8'");
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            err_set(e, ERR_DB, "could not create the database \"%s\": %s", PGC_DB, PQerrorMessage(db));
            goto out;
        }
    }
    rc = 0;
out:
    if (rc < 0) {
        char *nl = strchr(e->msg, '\n');
        if (nl)
            *nl = '\0';
    }
    PQclear(r);
    PQfinish(db);
    return rc;
}

static PGPing ping_embedded(const struct cfg *c)
{
    char ci[PATH_MAX + 200];
    embedded_conninfo(c, "postgres", ci, sizeof ci);
    return PQping(ci);
}

int pgc_running(const struct cfg *c)
{
    char ci[2048];
    if (c->database_url[0]) {
        pgc_conninfo(c, ci, sizeof ci);
        return PQping(ci) == PQPING_OK;
    }
    return ping_embedded(c) == PQPING_OK;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

int pgc_start(const struct cfg *c, struct err *e)
{
    struct paths p;
    struct srv_user u;
    char pgctl[PATH_MAX], ver[PATH_MAX], why[512];
    int lock = -1, rc = -1;

    if (c->database_url[0])
        return 0;                       /* someone else runs that server */
    if (ping_embedded(c) == PQPING_OK)
        return 0;
    make_paths(c, &p);
    if ((lock = lock_home(&p, e)) < 0)
        return -1;
    /* Another process may have started it while we waited for the lock, or
     * it may be starting up / recovering after a crash. */
    for (int i = 0; i < 600; i++) {
        PGPing pg = ping_embedded(c);
        if (pg == PQPING_OK) {
            rc = create_database(c, e);
            goto out;
        }
        if (pg != PQPING_REJECT)
            break;
        sleep_ms(200);
    }
    if (find_bindir(c, p.bindir, sizeof p.bindir, e) < 0 || get_server_user(&u, e) < 0 ||
        prepare_dirs(&p, &u, e) < 0)
        goto out;
    snprintf(ver, sizeof ver, "%s/PG_VERSION", p.data);
    if (!fs_exists(ver)) {
        if (fs_is_dir(p.data) && rmdir(p.data) < 0) {
            err_set(e, ERR_DB, "\"%s\" exists but holds no PostgreSQL cluster", p.data);
            err_hint(e, "Move that folder away; ancong will create a new cluster there.");
            goto out;
        }
        if (init_cluster(&p, &u, e) < 0)
            goto out;
    }
    if (write_runtime_conf(&p, &u, e) < 0)
        goto out;
    snprintf(pgctl, sizeof pgctl, "%s/pg_ctl", p.bindir);
    char *av[] = {pgctl, "-D", p.data, "-l", p.log, "-w", "-t", "120", "-s", "start", NULL};
    int st = run_as(&u, p.home, av, p.log, e);
    if (st != 0) {
        if (st > 0) {
            log_tail(p.log, why, sizeof why);
            err_set(e, ERR_DB, "could not start the embedded PostgreSQL (pg_ctl exited with %d)%s%s",
                    st, why[0] ? ": " : "", why);
        }
        err_hint(e, "See %s.", p.log);
        goto out;
    }
    rc = create_database(c, e);
out:
    unlock_home(lock);
    return rc;
}

int pgc_stop(const struct cfg *c, struct err *e)
{
    struct paths p;
    struct srv_user u;
    char pgctl[PATH_MAX], ver[PATH_MAX], why[512];
    int lock = -1, rc = -1;

    if (c->database_url[0]) {
        err_set(e, ERR_USAGE, "database_url is set: ancong does not manage that server");
        return -1;
    }
    make_paths(c, &p);
    snprintf(ver, sizeof ver, "%s/PG_VERSION", p.data);
    if (!fs_exists(ver))
        return 0;                       /* never created: nothing runs */
    if ((lock = lock_home(&p, e)) < 0)
        return -1;
    if (find_bindir(c, p.bindir, sizeof p.bindir, e) < 0 || get_server_user(&u, e) < 0)
        goto out;
    snprintf(pgctl, sizeof pgctl, "%s/pg_ctl", p.bindir);
    char *avs[] = {pgctl, "-D", p.data, "status", NULL};
    int st = run_as(&u, p.home, avs, NULL, e);
    if (st == 3) {                      /* pg_ctl: no server running */
        rc = 0;
        goto out;
    }
    char *av[] = {pgctl, "-D", p.data, "-m", "fast", "-w", "-t", "120", "-s", "stop", NULL};
    st = run_as(&u, p.home, av, p.log, e);
    if (st != 0) {
        if (st > 0) {
            log_tail(p.log, why, sizeof why);
            err_set(e, ERR_DB, "could not stop the embedded PostgreSQL (pg_ctl exited with %d)%s%s",
                    st, why[0] ? ": " : "", why);
        }
        err_hint(e, "See %s.", p.log);
        goto out;
    }
    rc = 0;
out:
    unlock_home(lock);
    return rc;
}
