/*
 * ancong report: statistics of cases and documents (issue 8), from the same
 * SQL function (ancong_report) as the web page, so the numbers agree.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd/cmd.h"
#include "cmd/cmds.h"
#include "cases/period.h"
#include "common/str.h"
#include "store/store.h"

static const char usage[] =
    "ancong report [--year YYYY | --from YYYY-MM-DD --to YYYY-MM-DD] [--unit CODE] [--csv FILE]";

static const struct {
    const char *section, *title, *k1, *k2;
} sections[] = {
    {"cases_by_stage", "Cases by unit and stage", "unit", "stage"},
    {"cases_by_province", "Cases by province and stage", "province", "stage"},
    {"cases_by_area", "Cases by unit and area", "unit", "area"},
    {"documents_by_type", "Documents by unit and type", "unit", "type"},
    {"documents_by_month", "Documents by unit and month", "unit", "month"},
    {"documents_by_status", "Documents by unit and status", "unit", "status"},
    {"recommendations", "Recommendations issued and replied", "unit", "kind"},
    {"backfill", "Back-filled documents by unit and status", "unit", "status"},
    {"overdue", "Overdue cases", "unit", "case"},
};

static void csv_cell(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

int cmd_report(int argc, char **argv, struct cfg *cfg)
{
    char from[16] = "", to[16] = "", unit_s[16] = "0", label[160] = "";
    const char *unit = NULL, *csv = NULL;
    int year = 0, rc = EXIT_WORK;
    struct store *st = NULL;
    struct err e;

    if (cmd_wants_help(argc, argv)) {
        printf("usage: %s\n\n"
               "Counts of cases and documents by unit, province, stage, area, document type,\n"
               "month and status; recommendations issued and replied; back-filled documents;\n"
               "overdue cases.  The web app's statistics page shows the same numbers.\n\n"
               "  --year YYYY   the statistical year ending 30 November YYYY (from 1 December\n"
               "                of the year before); default: the current statistical year\n"
               "                up to today, or in December the year that has just closed\n"
               "  --from, --to  any period (inclusive dates)\n"
               "  --unit CODE   this unit and the units under it (default: all)\n"
               "  --csv FILE    also write every number as CSV: section,key,subkey,value\n", usage);
        return EXIT_OK;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            return cmd_usage_error(usage, "option \"%s\" needs a value", a);
        if (!strcmp(a, "--year")) {
            year = atoi(v);
            if (year < 2000 || year > 2200)
                return cmd_usage_error(usage, "--year must be a year such as 2026");
        }
        else if (!strcmp(a, "--from")) snprintf(from, sizeof from, "%s", v);
        else if (!strcmp(a, "--to")) snprintf(to, sizeof to, "%s", v);
        else if (!strcmp(a, "--unit")) unit = v;
        else if (!strcmp(a, "--csv")) csv = v;
        else return cmd_usage_error(usage, "unknown option \"%s\"", a);
        i++;
    }
    if (!from[0] != !to[0])
        return cmd_usage_error(usage, "give both --from and --to");
    if (from[0] && year)
        return cmd_usage_error(usage, "give either --year or --from/--to, not both");
    for (int k = 0; k < 2; k++) {
        const char *d = k ? to : from;
        int y, mo, dd;
        char extra;
        if (d[0] && (sscanf(d, "%4d-%2d-%2d%c", &y, &mo, &dd, &extra) != 3 || strlen(d) != 10))
            return cmd_usage_error(usage, "%s \"%s\" is not a date YYYY-MM-DD", k ? "--to" : "--from", d);
        static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        if (d[0] && (mo < 1 || mo > 12 || dd < 1 || dd > mdays[mo - 1] ||
                     (mo == 2 && dd == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))))
            return cmd_usage_error(usage, "%s \"%s\" is not a day of the calendar", k ? "--to" : "--from", d);
    }
    if (from[0] && to[0] && strcmp(from, to) > 0)
        return cmd_usage_error(usage, "the period ends (--to %s) before it begins (--from %s)", to, from);
    if ((!from[0] || !to[0]) && year) {
        snprintf(from, sizeof from, "%04d-12-01", year - 1);
        snprintf(to, sizeof to, "%04d-11-30", year);
    } else if (!from[0] || !to[0]) {
        /* cases/period.h: this statistical year to date, or in December
         * the year that has just closed (not a new, nearly empty one) */
        time_t now = time(NULL);
        struct tm tm;
        localtime_r(&now, &tm);
        stats_default_period(&tm, from, to, label, sizeof label);
    }
    err_init(&e);
    if (store_open(cfg, &st, &e) < 0) {
        err_print(&e);
        return EXIT_WORK;
    }
    if (unit) {
        const char *pv[1] = {unit};
        PGresult *r = PQexecParams(store_conn(st), "SELECT id FROM units WHERE code = $1", 1, NULL, pv, NULL, NULL, 0);
        if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
            PQclear(r);
            fprintf(stderr, "ancong: error: unknown unit \"%s\"\n", unit);
            rc = EXIT_USAGE;
            goto out;
        }
        snprintf(unit_s, sizeof unit_s, "%s", PQgetvalue(r, 0, 0));
        PQclear(r);
    } else {
        PGresult *r = PQexec(store_conn(st), "SELECT id FROM units WHERE parent_id IS NULL ORDER BY id LIMIT 1");
        if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
            snprintf(unit_s, sizeof unit_s, "%s", PQgetvalue(r, 0, 0));
        PQclear(r);
    }
    const char *pv[3] = {from, to, unit_s};
    PGresult *r = PQexecParams(store_conn(st), "SELECT section, k1, k2, value FROM ancong_report($1::date, $2::date, $3::int)",
                               3, NULL, pv, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        fprintf(stderr, "ancong: error: could not compute the report: %s", PQresultErrorMessage(r));
        fprintf(stderr, "hint: Dates are YYYY-MM-DD.\n");
        PQclear(r);
        goto out;
    }
    printf("Statistics %s to %s%s%s%s%s%s\n", from, to, unit ? ", unit " : "", unit ? unit : "",
           label[0] ? " (" : "", label, label[0] ? ")" : "");
    for (size_t s = 0; s < sizeof sections / sizeof sections[0]; s++) {
        long total = 0;
        int shown = 0;
        for (int i = 0; i < PQntuples(r); i++) {
            if (strcmp(PQgetvalue(r, i, 0), sections[s].section))
                continue;
            if (!shown++)
                printf("\n%s\n  %-18s %-26s %8s\n", sections[s].title, sections[s].k1, sections[s].k2,
                       "count");
            /* unit, province and case names are Vietnamese: pad by character */
            fputs("  ", stdout);
            cmd_put_col(stdout, PQgetvalue(r, i, 1), 18, false);
            putchar(' ');
            cmd_put_col(stdout, PQgetvalue(r, i, 2), 26, false);
            printf(" %8s\n", PQgetvalue(r, i, 3));
            total += atol(PQgetvalue(r, i, 3));
        }
        if (shown)
            printf("  %-18s %-26s %8ld\n", "total", "", total);
        else
            printf("\n%s: none\n", sections[s].title);
    }
    if (csv) {
        FILE *f = fopen(csv, "w");
        if (!f) {
            fprintf(stderr, "ancong: error: could not write \"%s\"\n", csv);
            PQclear(r);
            goto out;
        }
        fprintf(f, "section,key,subkey,value\n");
        for (int i = 0; i < PQntuples(r); i++) {
            for (int c = 0; c < 3; c++) {
                csv_cell(f, PQgetvalue(r, i, c));
                fputc(',', f);
            }
            fprintf(f, "%s\n", PQgetvalue(r, i, 3));
        }
        fclose(f);
        printf("\nCSV: %s\n", csv);
    }
    PQclear(r);
    rc = EXIT_OK;
out:
    store_close(&st);
    return rc;
}
