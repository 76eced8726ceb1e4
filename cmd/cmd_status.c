/*
 * ancong status: what was dropped and where it stands, one line per file.
 *
 *   ancong status [--station S] [--since EPOCH] [--limit N]
 *   ancong status --wait N [--timeout S]   wait until N files of the selection are finished
 *   ancong status --follow                 print documents as they finish, until Ctrl-C
 *
 * Duplicate drops and inbox entries the watcher refuses (run/watch.refused)
 * follow; the queue summary (jobs by state) comes last.  Reads only; never changes
 * anything.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "cmd/cmds.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/str.h"
#include "store/store.h"
#include "watchfolders/watch.h"

static const char usage[] =
    "ancong status [--station S] [--since EPOCH] [--limit N] [--wait N [--timeout S]] [--follow]";

static volatile sig_atomic_t stop_flag;
static void on_int(int sig) { (void)sig; stop_flag = 1; }

/* Documents (originals and bundle parts) of the selection with their main fields. */
static const char list_sql[] =
    "SELECT d.name, coalesce(d.doc_type, ''), "
    "       coalesce((SELECT value FROM fields f WHERE f.document_id = d.id AND f.name = 'so_van_ban'), ''), "
    "       coalesce((SELECT value FROM fields f WHERE f.document_id = d.id AND f.name = 'ngay_ban_hanh'), ''), "
    "       d.status::text, "
    "       coalesce(round(extract(epoch FROM d.processed_at - d.received_at)::numeric, 1)::text, ''), "
    "       coalesce(d.error, ''), coalesce(s.code, ''), "
    "       CASE WHEN d.parent_id IS NULL THEN '' ELSE d.first_page || '-' || d.last_page END, "
    "       extract(epoch FROM coalesce(d.processed_at, d.received_at))::float8 "
    "FROM documents d LEFT JOIN stations s ON s.id = d.station_id "
    "WHERE ($1 = '' OR s.code = $1) "
    "  AND d.received_at >= to_timestamp($2::float8) "
    "  AND ($3::float8 = 0 OR (d.processed_at IS NOT NULL AND extract(epoch FROM d.processed_at) > $3::float8)) "
    "ORDER BY coalesce(d.parent_id, d.id), d.first_page NULLS FIRST, d.id "
    "LIMIT $4";

static const char pending_sql[] =
    "SELECT count(*) FILTER (WHERE d.status IN ('received', 'processing')), count(*) "
    "FROM documents d LEFT JOIN stations s ON s.id = d.station_id "
    "WHERE d.parent_id IS NULL AND ($1 = '' OR s.code = $1) AND d.received_at >= to_timestamp($2::float8)";

static void print_header(void)
{
    printf("%-34s %-22s %-20s %-10s %-12s %6s\n", "file", "type", "number", "date", "status", "secs");
}

/* S in a column W characters wide (UTF-8 characters, not bytes, so that
 * "QĐ" or a Vietnamese file name keeps the columns aligned); with CUT, a
 * longer S loses its middle to "…", cut at character boundaries: the end of
 * a file name ("…_phan2.pdf") is what tells two scans of one case apart. */
static void put_col(const char *s, int w, int cut)
{
    enum { TAIL = 12 };
    int n = 0;
    for (const char *p = s; *p; p++)
        if (((unsigned char)*p & 0xC0) != 0x80)
            n++;
    if (!cut || n <= w || w <= TAIL + 2) {
        fputs(s, stdout);
        for (; n < w; n++)
            putchar(' ');
        return;
    }
    /* head: w - 1 - TAIL characters, then "…", then the last TAIL */
    int k = 0, head = w - 1 - TAIL, skip = n - TAIL;
    const char *p = s, *tail = NULL;
    for (; *p; p++)
        if (((unsigned char)*p & 0xC0) != 0x80) {
            if (k == head)
                fwrite(s, 1, (size_t)(p - s), stdout);
            if (k == skip) {
                tail = p;
                break;
            }
            k++;
        }
    fputs("…", stdout);
    fputs(tail ? tail : "", stdout);
}

static double print_rows(PGresult *r)
{
    double last = 0;
    for (int i = 0; i < PQntuples(r); i++) {
        char name[160];
        const char *part = PQgetvalue(r, i, 8);
        if (*part)
            snprintf(name, sizeof name, "  └ pages %s", part);
        else
            snprintf(name, sizeof name, "%s", PQgetvalue(r, i, 0));
        put_col(name, 34, 1);
        putchar(' ');
        put_col(PQgetvalue(r, i, 1), 22, 0);
        putchar(' ');
        put_col(PQgetvalue(r, i, 2), 20, 0);
        putchar(' ');
        put_col(PQgetvalue(r, i, 3), 10, 0);
        putchar(' ');
        put_col(PQgetvalue(r, i, 4), 12, 0);
        printf(" %6s\n", PQgetvalue(r, i, 5));
        if (*PQgetvalue(r, i, 6))
            printf("    reason: %s\n", PQgetvalue(r, i, 6));
        double t = atof(PQgetvalue(r, i, 9));
        if (t > last)
            last = t;
    }
    fflush(stdout);
    return last;
}

/* Drops of bytes that were already a document: recorded, not processed again.
 * Without this a clerk who drops the same scan twice would see nothing. */
static void duplicate_drops(PGconn *db, const char *station, const char *since)
{
    const char *pv[2] = {station, since};
    PGresult *r = PQexecParams(db,
        "SELECT dr.name, d.name, d.status::text FROM drops dr "
        "JOIN documents d ON d.id = dr.document_id LEFT JOIN stations s ON s.id = dr.station_id "
        "WHERE dr.duplicate AND ($1 = '' OR s.code = $1) AND dr.dropped_at >= to_timestamp($2::float8) "
        "ORDER BY dr.id LIMIT 200", 2, NULL, pv, NULL, NULL, 0);
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0) {
        printf("duplicates (the same bytes as a document already taken; not processed again):\n");
        for (int i = 0; i < PQntuples(r); i++)
            printf("  %s = %s (%s)\n", PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), PQgetvalue(r, i, 2));
    }
    PQclear(r);
}

/* A name as on disk, but no control byte reaches the terminal. */
static void put_safe(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            printf("\\x%02x", *p);
        else
            putchar(*p);
}

/* Entries the watcher refuses (links, pipes, devices): they stay in the inbox
 * and would otherwise only be named in the log. */
static void print_refused(const char *kind, const char *station, const char *path, const char *full,
                          void *arg)
{
    int *n = arg;
    (void)full;
    if ((*n)++ == 0)
        printf("not taken from the inbox (left in place; links, pipes and devices are never followed):\n");
    fputs("  inbox/", stdout);
    put_safe(path);
    fputs(" (station ", stdout);
    put_safe(station);
    printf("): %s\n", kind);
}

static void refused_entries(const struct cfg *cfg, const char *station)
{
    int n = 0;
    watch_refused_list(cfg, station, print_refused, &n);
    if (n)
        printf("  what to do: copy the scan itself (the file, not a link to it) into inbox/<station>/, "
               "then delete %s\n", n == 1 ? "this entry" : "these entries");
}

static int queue_summary(PGconn *db, const struct cfg *cfg)
{
    PGresult *r = PQexec(db, "SELECT state::text, count(*) FROM jobs GROUP BY 1 ORDER BY 1");
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        PQclear(r);
        return -1;
    }
    printf("queue:");
    if (PQntuples(r) == 0)
        printf(" empty");
    for (int i = 0; i < PQntuples(r); i++)
        printf(" %s=%s", PQgetvalue(r, i, 0), PQgetvalue(r, i, 1));
    printf("\n");
    PQclear(r);
    /* approved documents wait for a signature that nothing will make */
    if (!cfg->sign_module[0] || !cfg->sign_key[0]) {
        r = PQexec(db, "SELECT count(*) FROM jobs WHERE kind = 'sign' AND state IN ('ready', 'running')");
        if (PQresultStatus(r) == PGRES_TUPLES_OK && atol(PQgetvalue(r, 0, 0)) > 0)
            printf("signing: %s approved document%s wait%s to be signed, but signing is not set up "
                   "(sign.module and sign.key: see README, Signing)\n", PQgetvalue(r, 0, 0),
                   atol(PQgetvalue(r, 0, 0)) == 1 ? "" : "s", atol(PQgetvalue(r, 0, 0)) == 1 ? "s" : "");
        PQclear(r);
    }
    return 0;
}

/* The next JSON string value after KEY (e.g. "\"role\":") within [p, end),
 * unescaped simply (\" and \\ only; \uXXXX kept as is), into buf. */
static bool json_str_after(const char *p, const char *end, const char *key, char *buf, size_t n)
{
    const char *k = strstr(p, key);
    size_t o = 0;
    if (!k || k >= end)
        return false;
    k += strlen(key);
    if (*k++ != '"')
        return false;
    for (; *k && *k != '"' && o + 1 < n; k++) {
        if (*k == '\\' && k[1])
            k++;
        buf[o++] = *k;
    }
    buf[o] = '\0';
    return true;
}

/* Roles of a running `ancong serve` that stopped for good ("parked": the
 * signer after a wrong PIN or a PIN file others can read) wait for the
 * operator: name each, why, and how to start it again. */
static void stopped_roles(const struct cfg *cfg)
{
    char path[700], *text = NULL;
    size_t len;
    struct err e;
    err_init(&e);
    cfg_path(cfg, path, sizeof path, "run/status.json");
    if (fs_read(path, 1 << 20, &text, &len, &e) < 0)
        return;
    const char *pidp = strstr(text, "\"pid\":"), *state = strstr(text, "\"state\":\"running\"");
    long pid = pidp ? atol(pidp + 6) : 0;
    if (pid > 0 && state && kill((pid_t)pid, 0) == 0) {
        for (const char *p = strstr(text, "{\"role\":"); p; p = strstr(p + 1, "{\"role\":")) {
            const char *end = strchr(p, '}');
            char role[64], why[400];
            if (!end)
                break;
            const char *pk = strstr(p, "\"parked\":true");
            if (!pk || pk > end || !json_str_after(p, end, "\"role\":", role, sizeof role))
                continue;
            if (!json_str_after(p, end, "\"last_exit\":", why, sizeof why) || !why[0])
                snprintf(why, sizeof why, "it cannot work as configured");
            printf("%s: stopped (%s) — correct it, then reload: kill -HUP %ld\n", role, why, pid);
        }
    }
    free(text);
}

int cmd_status(int argc, char **argv, struct cfg *cfg)
{
    const char *station = "";
    double since = 0;
    long limit = 1000, wait_n = -1, timeout = 600;
    bool follow = false, wait_failed = false;
    struct store *st = NULL;
    struct err e;
    char since_s[32], limit_s[32], after_s[32] = "0";
    int rc = EXIT_WORK;

    if (cmd_wants_help(argc, argv)) {
        printf("usage: %s\n\n"
               "Shows each dropped file: document type, number, date, status and processing\n"
               "seconds, the reason of a failure, duplicate drops, entries of the inbox that\n"
               "are not taken (links, pipes, devices: left in place), and the queue by state.\n\n"
               "  --station S    only files from inbox/S/\n"
               "  --since EPOCH  only files received since this Unix time\n"
               "  --limit N      at most N lines (default 1000)\n"
               "  --wait N       wait until N files of the selection are finished, then print\n"
               "  --timeout S    give up waiting after S seconds (default 600; exit 1)\n"
               "  --follow       keep printing documents as they finish, until Ctrl-C\n", usage);
        return EXIT_OK;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--follow")) { follow = true; continue; }
        if (strcmp(a, "--station") && strcmp(a, "--since") && strcmp(a, "--limit") &&
            strcmp(a, "--wait") && strcmp(a, "--timeout"))
            return cmd_usage_error(usage, "unknown option \"%s\"", a);
        if (!v)
            return cmd_usage_error(usage, "option \"%s\" needs a value", a);
        if (!strcmp(a, "--station")) station = v;
        else if (!strcmp(a, "--since")) {
            if (!cmd_double(v, &since) || since < 0)
                return cmd_usage_error(usage, "--since wants a Unix time in seconds (as from `date +%%s`), not \"%s\"", v);
        } else if (!strcmp(a, "--limit")) {
            if (!cmd_long(v, 1, 1000000, &limit))
                return cmd_usage_error(usage, "--limit wants a number of rows from 1, not \"%s\"", v);
        } else if (!strcmp(a, "--wait")) {
            if (!cmd_long(v, 1, 100000000, &wait_n))
                return cmd_usage_error(usage, "--wait wants a number of files from 1, not \"%s\"", v);
        } else if (!strcmp(a, "--timeout")) {
            if (!cmd_long(v, 1, 100000000, &timeout))
                return cmd_usage_error(usage, "--timeout wants seconds from 1, not \"%s\"", v);
        }
        else return cmd_usage_error(usage, "unknown option \"%s\"", a);
        i++;
    }
    if (limit <= 0)
        return cmd_usage_error(usage, "--limit must be positive");

    err_init(&e);
    if (store_open(cfg, &st, &e) < 0) {
        err_print(&e);
        return EXIT_WORK;
    }
    signal(SIGINT, on_int);
    signal(SIGTERM, on_int);
    snprintf(since_s, sizeof since_s, "%.3f", since);
    snprintf(limit_s, sizeof limit_s, "%ld", limit);

    if (wait_n > 0) {
        time_t end = time(NULL) + timeout;
        long done = 0, total = 0, last_done = -1;
        while (!stop_flag) {
            const char *pv[2] = {station, since_s};
            PGresult *r = PQexecParams(store_conn(st), pending_sql, 2, NULL, pv, NULL, NULL, 0);
            if (PQresultStatus(r) == PGRES_TUPLES_OK) {
                long pending = atol(PQgetvalue(r, 0, 0));
                total = atol(PQgetvalue(r, 0, 1));
                done = total - pending;
            } else if (store_check(st, &e) < 0) {
                fprintf(stderr, "ancong: waiting for the database: %s\n", e.msg);
            }
            PQclear(r);
            if (done != last_done && isatty(STDERR_FILENO))
                fprintf(stderr, "\r%ld of %ld files finished ", done, wait_n);
            last_done = done;
            if (total >= wait_n && done >= wait_n)
                break;
            if (time(NULL) >= end) {
                fprintf(stderr, "\nancong: error: only %ld of %ld files finished within %ld s\n"
                        "hint: Look at the worker log ($ANCONG_HOME/log/serve.log) and \"ancong status\".\n",
                        done, wait_n, timeout);
                wait_failed = true;
                goto print;
            }
            sleep(1);
        }
        if (isatty(STDERR_FILENO))
            fprintf(stderr, "\n");
    }
print:;
    {
        const char *pv[4] = {station, since_s, after_s, limit_s};
        PGresult *r = PQexecParams(store_conn(st), list_sql, 4, NULL, pv, NULL, NULL, 0);
        if (PQresultStatus(r) != PGRES_TUPLES_OK) {
            fprintf(stderr, "ancong: error: could not list documents: %s", PQerrorMessage(store_conn(st)));
            PQclear(r);
            goto out;
        }
        print_header();
        double last = print_rows(r);
        PQclear(r);
        duplicate_drops(store_conn(st), station, since_s);
        refused_entries(cfg, station);
        queue_summary(store_conn(st), cfg);
        stopped_roles(cfg);
        if (!follow) {
            rc = wait_failed ? EXIT_WORK : EXIT_OK;
            goto out;
        }
        snprintf(after_s, sizeof after_s, "%.6f", last > 0 ? last : (double)time(NULL));
    }
    while (!stop_flag) {
        const char *pv[4] = {station, since_s, after_s, limit_s};
        sleep(1);
        PGresult *r = PQexecParams(store_conn(st), list_sql, 4, NULL, pv, NULL, NULL, 0);
        if (PQresultStatus(r) == PGRES_TUPLES_OK) {
            double last = print_rows(r);
            if (last > 0)
                snprintf(after_s, sizeof after_s, "%.6f", last);
        } else {
            store_check(st, &e);
        }
        PQclear(r);
    }
    rc = EXIT_OK;
out:
    store_close(&st);
    return rc;
}
