/*
 * ancong case show|merge|split: one case and its documents; a reviewer's
 * grouping from the command line (cases/group.h), the same operations as the
 * web app's case page.  The CLI is the operator's on the server: it is not
 * bounded by a unit, and its audit rows name the system user ("cli:<user>").
 */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cases/group.h"
#include "cmd/cmd.h"
#include "cmd/cmds.h"
#include "common/json.h"
#include "common/str.h"
#include "store/store.h"

static const char usage[] =
    "ancong case show CODE [--unit U]\n"
    "       ancong case merge CODE INTO-CODE [--unit U] [--into-unit U]\n"
    "       ancong case split CODE --to CODE DOC... [--unit U]";

/* The case of CODE (an alias leads to the case it was merged into) in unit
 * U, or in the only unit that has that code when U is NULL.  0 none, -1
 * several units have it (*units lists them, malloc'd), -2 database error. */
static long long find_case(PGconn *db, const char *code, const char *unit, char **units)
{
    const char *pv[2] = {code, unit};
    PGresult *r = PQexecParams(db,
        "SELECT ancong_case_resolve(c.id), u.code FROM cases c JOIN units u ON u.id = c.unit_id "
        " WHERE c.code = $1 AND ($2::text IS NULL OR u.code = $2) ORDER BY u.code",
        2, NULL, pv, NULL, NULL, 0);
    long long id = 0;
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        fprintf(stderr, "ancong: error: could not read the cases: %s", PQresultErrorMessage(r));
        id = -2;
    } else if (PQntuples(r) == 1) {
        id = atoll(PQgetvalue(r, 0, 0));
    } else if (PQntuples(r) > 1) {
        struct sbuf b = SBUF_INIT;
        for (int i = 0; i < PQntuples(r); i++)
            sbuf_printf(&b, "%s%s", i ? ", " : "", PQgetvalue(r, i, 1));
        *units = sbuf_detach(&b);
        id = -1;
    }
    PQclear(r);
    return id;
}

/* find_case with the messages; >0 the id, else an exit code (negated). */
static long long need_case(PGconn *db, const char *code, const char *unit)
{
    char *units = NULL;
    long long id = find_case(db, code, unit, &units);
    if (id == 0) {
        fprintf(stderr, "ancong: error: no case \"%s\"%s%s\nhint: ancong case show lists a case's documents; "
                        "codes are as printed (ma_vu_viec), e.g. 06/2026/DSCI.\n",
                code, unit ? " in unit " : "", unit ? unit : "");
        return -EXIT_WORK;
    }
    if (id == -1) {
        fprintf(stderr, "ancong: error: case \"%s\" exists in several units (%s)\nhint: Say which with --unit.\n",
                code, units);
        free(units);
        return -EXIT_USAGE;
    }
    return id < 0 ? -EXIT_WORK : id;
}

static int show(PGconn *db, long long id)
{
    char cid[32];
    snprintf(cid, sizeof cid, "%lld", id);
    const char *pv[1] = {cid};
    PGresult *c = PQexecParams(db,
        "SELECT code, unit, stage, coalesce(procurator_name, '-'), coalesce(next_due_on::text, '-'), "
        "       coalesce(next_due_what, ''), overdue, "
        "       (SELECT string_agg(a.code, ', ' ORDER BY a.code) FROM cases a WHERE a.merged_into = o.id) "
        "  FROM case_overview o WHERE id = $1::bigint", 1, NULL, pv, NULL, NULL, 0);
    PGresult *d = PQexecParams(db,
        "SELECT d.id, coalesce(ancong_doc_date(d.id)::text, '-'), coalesce(d.doc_type, '-'), d.status, d.name "
        "  FROM documents d WHERE d.case_id = $1::bigint "
        "   AND NOT EXISTS (SELECT 1 FROM documents ch WHERE ch.parent_id = d.id) "
        " ORDER BY ancong_doc_date(d.id) NULLS LAST, d.id", 1, NULL, pv, NULL, NULL, 0);
    int rc = EXIT_WORK;
    if (PQresultStatus(c) != PGRES_TUPLES_OK || PQresultStatus(d) != PGRES_TUPLES_OK || PQntuples(c) != 1) {
        fprintf(stderr, "ancong: error: could not read case %lld: %s", id,
                PQresultStatus(c) != PGRES_TUPLES_OK ? PQresultErrorMessage(c) : PQresultErrorMessage(d));
        goto out;
    }
    printf("case %s  unit %s  stage %s  procurator %s\nnext due %s %s%s\n", PQgetvalue(c, 0, 0), PQgetvalue(c, 0, 1),
           PQgetvalue(c, 0, 2), PQgetvalue(c, 0, 3), PQgetvalue(c, 0, 4), PQgetvalue(c, 0, 5),
           strcmp(PQgetvalue(c, 0, 6), "t") == 0 ? "  (OVERDUE)" : "");
    if (!PQgetisnull(c, 0, 7))
        printf("also known as %s (merged)\n", PQgetvalue(c, 0, 7));
    for (int i = 0; i < PQntuples(d); i++)
        printf("  %-8s %-10s %-22s %-12s %s\n", PQgetvalue(d, i, 0), PQgetvalue(d, i, 1), PQgetvalue(d, i, 2),
               PQgetvalue(d, i, 3), PQgetvalue(d, i, 4));
    printf("%d document%s\n", PQntuples(d), PQntuples(d) == 1 ? "" : "s");
    rc = EXIT_OK;
out:
    PQclear(c);
    PQclear(d);
    return rc;
}

static int fail(const struct err *e, enum case_fail why)
{
    err_print(e);
    return why == CASE_FAIL_DB ? EXIT_WORK : EXIT_USAGE;
}

int cmd_case(int argc, char **argv, struct cfg *cfg)
{
    const char *unit = NULL, *into_unit = NULL, *to = NULL;
    const char **pos = NULL;
    long long *docs = NULL;
    int npos = 0, ndocs = 0, rc = EXIT_WORK;
    struct store *st = NULL;
    struct err e;

    if (cmd_wants_help(argc, argv)) {
        printf("usage: %s\n\n"
               "  show    the case's stage, next deadline, other codes merged into it and\n"
               "          its documents (with their ids, for split)\n"
               "  merge   every document of CODE moves to INTO-CODE; CODE becomes another\n"
               "          name of INTO-CODE (documents that later carry CODE join it);\n"
               "          stage and deadlines are recomputed\n"
               "  split   the documents DOC... (ids from \"show\") of CODE move to the\n"
               "          case --to CODE of the same unit, made when new\n\n"
               "  --unit U       the unit of CODE (needed when several units use the code)\n"
               "  --into-unit U  the unit of INTO-CODE (needed likewise)\n\n"
               "Each change is one transaction and one audit-log row (actor cli:<user>).\n", usage);
        return EXIT_OK;
    }
    pos = calloc((size_t)argc, sizeof *pos);
    docs = calloc((size_t)argc, sizeof *docs);
    if (!pos || !docs) {
        fprintf(stderr, "ancong: error: out of memory\n");
        goto out;
    }
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--unit") || !strcmp(argv[i], "--into-unit") || !strcmp(argv[i], "--to")) {
            if (i + 1 >= argc) {
                rc = cmd_usage_error(usage, "option \"%s\" needs a value", argv[i]);
                goto out;
            }
            const char *v = argv[++i];
            if (!strcmp(argv[i - 1], "--unit")) unit = v;
            else if (!strcmp(argv[i - 1], "--into-unit")) into_unit = v;
            else to = v;
        } else if (argv[i][0] == '-' && argv[i][1] == '-') {
            rc = cmd_usage_error(usage, "unknown option \"%s\"", argv[i]);
            goto out;
        } else {
            pos[npos++] = argv[i];
        }
    }
    const char *verb = npos > 0 ? pos[0] : NULL;
    if (!verb || (strcmp(verb, "show") && strcmp(verb, "merge") && strcmp(verb, "split"))) {
        rc = cmd_usage_error(usage, "say show, merge or split");
        goto out;
    }
    int want = !strcmp(verb, "show") ? 2 : !strcmp(verb, "merge") ? 3 : -1;
    if (npos < 2 || (want > 0 && npos != want)) {
        rc = cmd_usage_error(usage, "%s takes %s", verb,
                             want == 2 ? "one case code" : want == 3 ? "two case codes" : "a case code and document ids");
        goto out;
    }
    for (int i = 2; want < 0 && i < npos; i++) {
        char *end = NULL;
        long long v = strtoll(pos[i], &end, 10);
        if (!end || *end || v <= 0) {
            rc = cmd_usage_error(usage, "\"%s\" is not a document id (see ancong case show)", pos[i]);
            goto out;
        }
        docs[ndocs++] = v;
    }
    err_init(&e);
    if (store_open(cfg, &st, &e) < 0) {
        err_print(&e);
        goto out;
    }
    PGconn *db = store_conn(st);
    long long from = need_case(db, pos[1], unit);
    if (from < 0) {
        rc = (int)-from;
        goto out;
    }
    if (!strcmp(verb, "show")) {
        rc = show(db, from);
        goto out;
    }
    const char *user = getenv("SUDO_USER");
    struct passwd *pw = getpwuid(getuid());
    char actor[160];
    snprintf(actor, sizeof actor, "cli:%s", user && *user ? user : pw ? pw->pw_name : "unknown");
    struct case_actor who = {actor, 0, 0, "{\"via\": \"cli\"}"};
    enum case_fail why;
    if (!strcmp(verb, "merge")) {
        const char *into_code = pos[2];
        long long into = need_case(db, into_code, into_unit);
        if (into < 0) {
            rc = (int)-into;
            goto out;
        }
        int moved = 0;
        if (case_merge(db, from, into, &who, &moved, &why, &e) < 0) {
            rc = fail(&e, why);
            goto out;
        }
        printf("merged %s into %s: %d document%s moved\n", pos[1], into_code, moved, moved == 1 ? "" : "s");
        rc = show(db, into);
    } else {
        if (!to || !*to) {
            rc = cmd_usage_error(usage, "split needs --to CODE, the case the documents go to");
            goto out;
        }
        if (ndocs == 0) {
            rc = cmd_usage_error(usage, "split needs the ids of the documents to move (see ancong case show)");
            goto out;
        }
        long long target = 0;
        char *code = utf8_nfc(to);
        str_squash(code);
        int r = case_split(db, from, docs, ndocs, 0, code, &who, &target, &why, &e);
        free(code);
        if (r < 0) {
            rc = fail(&e, why);
            goto out;
        }
        printf("moved %d document%s of %s to %s\n", ndocs, ndocs == 1 ? "" : "s", pos[1], to);
        rc = show(db, target);
        if (rc == EXIT_OK)
            rc = show(db, from);
    }
out:
    store_close(&st);
    free(pos);
    free(docs);
    return rc;
}
