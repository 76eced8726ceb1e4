/*
 * ancong backfill PATH... — bulk-load folders and archives of earlier cases.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backfill/backfill.h"
#include "cmd/cmd.h"
#include "cmd/cmds.h"
#include "common/fs.h"
#include "common/str.h"
#include "store/store.h"

extern volatile sig_atomic_t bf_interrupted;

static const char usage[] =
    "ancong backfill PATH... [--manifest FILE.csv] [--unit UNIT] [--station NAME]\n"
    "                        [--priority normal|low] [--wait] [--timeout S] [--period FROM:TO] [--report DIR]\n"
    "       ancong backfill --completeness";

static void on_int(int sig)
{
    (void)sig;
    if (bf_interrupted) {
        signal(SIGINT, SIG_DFL);
        raise(SIGINT);
    }
    bf_interrupted = 1;
}

static int completeness(struct store *st)
{
    PGresult *r = PQexec(store_conn(st),
                         "SELECT unit, day, cases, documents, indexed, needs_review, failed, pending "
                         "FROM backfill_completeness ORDER BY unit, day");
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        fprintf(stderr, "ancong: error: could not read backfill_completeness: %s", PQerrorMessage(store_conn(st)));
        PQclear(r);
        return EXIT_WORK;
    }
    printf("%-16s %-10s %6s %9s %8s %7s %7s %8s\n", "unit", "day", "cases", "documents", "indexed",
           "review", "failed", "pending");
    for (int i = 0; i < PQntuples(r); i++)
        printf("%-16s %-10s %6s %9s %8s %7s %7s %8s\n", PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
               PQgetvalue(r, i, 2), PQgetvalue(r, i, 3), PQgetvalue(r, i, 4), PQgetvalue(r, i, 5),
               PQgetvalue(r, i, 6), PQgetvalue(r, i, 7));
    PQclear(r);
    return EXIT_OK;
}

/* "{1,2,3}" of the run's document ids, for = ANY($1::bigint[]). */
static char *id_array(const struct bf_run *run)
{
    struct sbuf b = SBUF_INIT;
    sbuf_putc(&b, '{');
    for (int i = 0; i < run->nitems; i++)
        if (run->items[i].document_id)
            sbuf_printf(&b, "%s%lld", b.len > 1 ? "," : "", run->items[i].document_id);
    sbuf_putc(&b, '}');
    return sbuf_detach(&b);
}

/* Wait until the run's documents are processed, with progress. */
static int wait_processed(struct store *st, const char *ids, long timeout, bool tty)
{
    time_t end = time(NULL) + timeout, t0 = time(NULL);
    const char *sql =
        "SELECT count(*), count(*) FILTER (WHERE status IN ('received','processing')), "
        "       coalesce(sum(npages) FILTER (WHERE status NOT IN ('received','processing')), 0) "
        "FROM documents WHERE id = ANY($1::bigint[])";
    time_t last_log = 0;
    while (!bf_interrupted) {
        const char *pv[1] = {ids};
        int64_t q0 = fs_now_ms();
        PGresult *r = PQexecParams(store_conn(st), sql, 1, NULL, pv, NULL, NULL, 0);
        int64_t qms = fs_now_ms() - q0;
        long total = 0, pending = 0, pages = 0;
        if (PQresultStatus(r) == PGRES_TUPLES_OK) {
            total = atol(PQgetvalue(r, 0, 0));
            pending = atol(PQgetvalue(r, 0, 1));
            pages = atol(PQgetvalue(r, 0, 2));
        } else {
            struct err e;
            err_init(&e);
            store_check(st, &e);
        }
        PQclear(r);
        double secs = difftime(time(NULL), t0);
        long done = total - pending;
        double ppm = secs > 0 ? pages * 60.0 / secs : 0;
        double eta = done > 0 ? secs * pending / done : -1;
        if (tty)
            fprintf(stderr, "\rprocessing: %ld of %ld documents, %ld pages, %.0f pages/min, ETA %s%02d:%02d ",
                    done, total, pages, ppm, eta < 0 ? "~" : "", eta < 0 ? 0 : (int)eta / 60,
                    eta < 0 ? 0 : (int)eta % 60);
        else if (time(NULL) - last_log >= 5) {
            fprintf(stderr, "processing: %ld of %ld documents, %ld pages, %.0f pages/min\n", done, total, pages, ppm);
            last_log = time(NULL);
        }
        if (pending == 0) {
            if (tty)
                fputc('\n', stderr);
            return 0;
        }
        if (time(NULL) > end) {
            fprintf(stderr, "\nancong: error: %ld documents still unprocessed after %ld s\n"
                    "hint: Are workers running (ancong serve / ancong worker)? Run \"ancong backfill --completeness\" later.\n",
                    pending, timeout);
            return -1;
        }
        /* A quarter of a second: a born-digital document takes tens of
         * milliseconds, so a whole second here would be a visible part of
         * a small run.  The count looks up every document of the run, which
         * is no longer cheap for 100,000 of them: wait 20 times as long as
         * it took (at most 5 s), so that it never costs the workers more
         * than a twentieth of a core. */
        int64_t nap = qms * 20 > 250 ? qms * 20 : 250;
        usleep((useconds_t)(nap < 5000 ? nap : 5000) * 1000);
    }
    return -1;
}

/* After processing: counts by status and type, failures, dates outside the
 * back-fill period (--period; the pilot's 01/01/2026 - 14/05/2026 by default). */
static void processed_report(struct store *st, const char *ids, const char *pfrom, const char *pto, FILE *f)
{
    const char *pv[1] = {ids};
    const char *pp[3] = {ids, pfrom, pto};
    PGresult *r = PQexecParams(store_conn(st),
        "SELECT status::text, coalesce(doc_type, '-'), count(*) FROM documents "
        "WHERE id = ANY($1::bigint[]) OR parent_id = ANY($1::bigint[]) GROUP BY 1, 2 ORDER BY 1, 2",
        1, NULL, pv, NULL, NULL, 0);
    if (PQresultStatus(r) == PGRES_TUPLES_OK) {
        fprintf(f, "documents by status and type:\n");
        for (int i = 0; i < PQntuples(r); i++)
            fprintf(f, "  %-13s %-24s %s\n", PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), PQgetvalue(r, i, 2));
    }
    PQclear(r);
    r = PQexecParams(store_conn(st),
        "SELECT d.name, coalesce(d.error, '') FROM documents d "
        "WHERE d.id = ANY($1::bigint[]) AND d.status = 'failed' ORDER BY d.name",
        1, NULL, pv, NULL, NULL, 0);
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0) {
        fprintf(f, "failed documents:\n");
        for (int i = 0; i < PQntuples(r); i++)
            fprintf(f, "  %s: %s\n", PQgetvalue(r, i, 0), PQgetvalue(r, i, 1));
    }
    PQclear(r);
    r = PQexecParams(store_conn(st),
        "SELECT d.name, fl.value FROM documents d JOIN fields fl ON fl.document_id = d.id "
        "WHERE (d.id = ANY($1::bigint[]) OR d.parent_id = ANY($1::bigint[])) AND fl.name = 'ngay_ban_hanh' "
        "  AND fl.value ~ '^\\d{4}-\\d{2}-\\d{2}$' "
        "  AND (fl.value::date < $2::date OR fl.value::date > $3::date) ORDER BY 1",
        3, NULL, pp, NULL, NULL, 0);
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0) {
        fprintf(f, "dated outside the back-fill period %.2s/%.2s/%.4s-%.2s/%.2s/%.4s (loaded, please check):\n",
                pfrom + 8, pfrom + 5, pfrom, pto + 8, pto + 5, pto);
        for (int i = 0; i < PQntuples(r); i++)
            fprintf(f, "  %s: %s\n", PQgetvalue(r, i, 0), PQgetvalue(r, i, 1));
    }
    PQclear(r);
}

int cmd_backfill(int argc, char **argv, struct cfg *cfg)
{
    struct bf_opts o = {.priority = 100, .progress_tty = isatty(STDERR_FILENO)};
    char **paths = xcalloc((size_t)argc, sizeof *paths);
    const char *report_dir = NULL;
    bool wait = false, compl = false;
    long timeout = 3600;
    char pfrom[16] = "2026-01-01", pto[16] = "2026-05-14";
    int npaths = 0, rc = EXIT_WORK;
    struct store *st = NULL;
    struct bf_run run;
    struct err e;

    memset(&run, 0, sizeof run);
    if (cmd_wants_help(argc, argv)) {
        printf("usage: %s\n\n"
               "Loads scans and born-digital PDFs of earlier cases: folders (recursive), ZIP and\n"
               "tar archives (.tar, .tar.gz, .tar.bz2, .tar.xz), single files.  Each document is\n"
               "stored once (by sha256) and queued for the workers behind live scans.  Run it\n"
               "again after an interruption: what was loaded is reported \"already loaded\".\n\n"
               "  --manifest F   CSV (UTF-8, header row) mapping files to case codes: columns\n"
               "                 file, case_code, unit, doc_type; rows naming missing files and\n"
               "                 files without a row are reported\n"
               "  --unit U       unit code owning the documents (default: the station's unit)\n"
               "  --station S    station to record (default \"backfill\")\n"
               "  --priority P   normal (default) or low; live scans always go first\n"
               "  --wait         wait until the workers have processed everything, then report\n"
               "                 counts by status and type, failures and out-of-period dates\n"
               "  --timeout S    give up waiting after S seconds (default 3600)\n"
               "  --period A:B   the period the archive covers, YYYY-MM-DD:YYYY-MM-DD (default\n"
               "                 2026-01-01:2026-05-14, the pilot's back-fill); --wait lists\n"
               "                 documents dated outside it\n"
               "  --report DIR   write the report as text and CSV there (default\n"
               "                 $ANCONG_HOME/backfill/reports)\n"
               "  --completeness documents and cases loaded per unit and day\n\n"
               "Limits (ancong.conf): backfill.max_ratio, backfill.max_total_mb.\n", usage);
        free(paths);
        return EXIT_OK;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--wait")) { wait = true; continue; }
        if (!strcmp(a, "--completeness")) { compl = true; continue; }
        if (a[0] == '-' && a[1] == '-') {
            if (!v) { free(paths); return cmd_usage_error(usage, "option \"%s\" needs a value", a); }
            if (!strcmp(a, "--manifest")) o.manifest = v;
            else if (!strcmp(a, "--unit")) o.unit = v;
            else if (!strcmp(a, "--station")) o.station = v;
            else if (!strcmp(a, "--report")) report_dir = v;
            else if (!strcmp(a, "--period")) {
                int y1, m1, d1, y2, m2, d2;
                char extra;
                if (strlen(v) != 21 || sscanf(v, "%4d-%2d-%2d:%4d-%2d-%2d%c", &y1, &m1, &d1, &y2, &m2, &d2, &extra) != 6 ||
                    m1 < 1 || m1 > 12 || d1 < 1 || d1 > 31 || m2 < 1 || m2 > 12 || d2 < 1 || d2 > 31 ||
                    strncmp(v, v + 11, 10) > 0) {
                    free(paths);
                    return cmd_usage_error(usage, "--period wants FROM:TO as YYYY-MM-DD:YYYY-MM-DD, FROM not after TO, not \"%s\"", v);
                }
                snprintf(pfrom, sizeof pfrom, "%.10s", v);
                snprintf(pto, sizeof pto, "%.10s", v + 11);
            }
            else if (!strcmp(a, "--timeout")) {
                if (!cmd_long(v, 1, 100000000, &timeout)) {
                    free(paths);
                    return cmd_usage_error(usage, "--timeout wants seconds from 1, not \"%s\"", v);
                }
            }
            else if (!strcmp(a, "--priority")) {
                if (!strcmp(v, "low")) o.priority = 200;
                else if (!strcmp(v, "normal")) o.priority = 100;
                else { free(paths); return cmd_usage_error(usage, "--priority is normal or low"); }
            } else { free(paths); return cmd_usage_error(usage, "unknown option \"%s\"", a); }
            i++;
            continue;
        }
        if (!fs_exists(a)) {
            free(paths);
            return cmd_usage_error(usage, "\"%s\" does not exist", a);
        }
        paths[npaths++] = argv[i];
    }
    if (!npaths && !compl) {
        free(paths);
        return cmd_usage_error(usage, "give at least one folder, archive or file");
    }
    err_init(&e);
    if (store_open(cfg, &st, &e) < 0) {
        err_print(&e);
        free(paths);
        return EXIT_WORK;
    }
    if (compl) {
        rc = completeness(st);
        goto out;
    }
    if (o.unit && *o.unit) {
        /* checked once here, not file by file */
        const char *pv[1] = {o.unit};
        PGresult *u = PQexecParams(store_conn(st), "SELECT 1 FROM units WHERE code = $1", 1, NULL, pv,
                                   NULL, NULL, 0);
        bool known = PQresultStatus(u) == PGRES_TUPLES_OK && PQntuples(u) == 1;
        bool failed = PQresultStatus(u) != PGRES_TUPLES_OK;
        PQclear(u);
        if (!known) {
            if (failed)
                fprintf(stderr, "ancong: error: could not read the units: %s", PQerrorMessage(store_conn(st)));
            else
                fprintf(stderr, "ancong: error: unknown unit \"%s\"\nhint: the unit codes (ha_noi, da_nang, "
                        "vkstc, ...): ancong db psql -c 'SELECT code, name FROM units ORDER BY code'\n", o.unit);
            rc = failed ? EXIT_WORK : EXIT_USAGE;
            goto out;
        }
    }
    signal(SIGINT, on_int);
    signal(SIGTERM, on_int);
    if (bf_load(st, paths, npaths, &o, &run, &e) < 0) {
        err_print(&e);
        goto out;
    }
    job_notify(st);

    char dir[4096], base[4200], path[4300];
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    if (report_dir)
        snprintf(dir, sizeof dir, "%s", report_dir);
    else
        cfg_path(cfg, dir, sizeof dir, "backfill/reports");
    if (fs_mkdirs(dir, 0750, &e) < 0) {
        err_print(&e);
        goto out;
    }
    /* by the second and the process: runs in the same second keep their reports */
    snprintf(base, sizeof base, "%s/backfill-%04d%02d%02d-%02d%02d%02d-%d", dir, tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)getpid());
    char *ids = id_array(&run);
    bool waited_ok = true;
    if (wait && !bf_interrupted)
        waited_ok = wait_processed(st, ids, timeout, o.progress_tty) == 0;

    snprintf(path, sizeof path, "%s.txt", base);
    FILE *tf = fopen(path, "w");
    bf_report_text(&run, stdout);
    if (tf)
        bf_report_text(&run, tf);
    if (wait) {
        processed_report(st, ids, pfrom, pto, stdout);
        if (tf)
            processed_report(st, ids, pfrom, pto, tf);
    }
    if (tf)
        fclose(tf);
    snprintf(path, sizeof path, "%s.csv", base);
    FILE *cf = fopen(path, "w");
    if (cf) {
        bf_report_csv(&run, cf);
        fclose(cf);
    }
    printf("report: %s.txt and %s.csv\n", base, base);
    if (bf_interrupted)
        printf("interrupted: run the same command again to load the rest (nothing is loaded twice)\n");
    free(ids);
    rc = (bf_interrupted || run.counts[BF_FAILED] > 0 || !waited_ok) ? EXIT_WORK : EXIT_OK;
out:
    bf_run_release(&run);
    store_close(&st);
    free(paths);
    return rc;
}
