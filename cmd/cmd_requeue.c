/*
 * cmd/cmd_requeue.c: "ancong requeue", process documents again: the failed
 * ones (after the cause was fixed: a limit raised, a package installed) or
 * given ones by sha256.
 */
#include "cmd/cmds.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "common/str.h"
#include "store/store.h"

static const char *usage_requeue = "ancong requeue [--force] --failed | SHA256-PREFIX...";

/*
 * What people did to a document (or to the parts it was split into) that
 * processing it again would throw away: reviewers' corrections, case links,
 * boundary changes, signatures.  Returns a sentence, or NULL when there is
 * nothing (or the query failed: then e is set and *bad is true).
 */
static char *people_work(struct store *s, const char *id, bool *bad, struct err *e)
{
    const char *p[1] = {id};
    PGresult *r = PQexecParams(store_conn(s),
        "WITH d AS (SELECT $1::bigint AS id UNION SELECT id FROM documents WHERE parent_id = $1::bigint),"
        " a AS (SELECT a.actor, a.action, a.at FROM audit_log a JOIN d ON d.id = a.document_id"
        "       WHERE a.user_id IS NOT NULL AND a.action NOT LIKE 'user.%')"
        " SELECT (SELECT count(*) FROM a),"
        "        (SELECT action || ' by ' || actor || ' on ' || to_char(at, 'YYYY-MM-DD HH24:MI')"
        "           FROM a ORDER BY at DESC LIMIT 1),"
        "        (SELECT count(*) FROM signatures g JOIN d ON d.id = g.document_id"
        "           WHERE g.origin = 'ancong'),"
        "        (SELECT name FROM documents WHERE id = $1::bigint)",
        1, NULL, p, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        err_set(e, ERR_DB, "could not read the document's history: %s", PQerrorMessage(store_conn(s)));
        PQclear(r);
        *bad = true;
        return NULL;
    }
    long changes = atol(PQgetvalue(r, 0, 0)), signs = atol(PQgetvalue(r, 0, 2));
    char *out = NULL;
    if (changes > 0 || signs > 0) {
        char what[512] = "";
        if (changes > 0)
            snprintf(what, sizeof what, "%ld change%s by reviewers (the last: %s)", changes,
                     changes == 1 ? "" : "s", PQgetvalue(r, 0, 1));
        if (signs > 0)
            snprintf(what + strlen(what), sizeof what - strlen(what), "%s%ld signature%s",
                     changes > 0 ? " and " : "", signs, signs == 1 ? "" : "s");
        struct sbuf b;
        sbuf_init(&b);
        sbuf_printf(&b, "\"%s\" has %s", PQgetvalue(r, 0, 3), what);
        out = sbuf_detach(&b);
    }
    PQclear(r);
    return out;
}

int cmd_requeue(int argc, char **argv, struct cfg *cfg)
{
    struct err e;
    struct store *s = NULL;
    bool failed = false, force = false;
    int nargs = 0, n = 0, kept = 0, rc = EXIT_WORK;

    if (cmd_wants_help(argc, argv)) {
        printf("usage: %s\n\n"
               "Queue documents for OCR again: with --failed every failed document (not the\n"
               "empty files), or the documents whose sha256 starts with each PREFIX (at least\n"
               "8 hex digits).  Their status goes back to \"received\"; the workers redo them and\n"
               "their pages, fields and case link are replaced by the new result.\n\n"
               "A document that reviewers corrected, linked, split or merged, or that was\n"
               "signed, is left alone (that work would be lost) unless --force is given;\n"
               "the exit status is then 1 and the message names what would be lost.\n",
               usage_requeue);
        return EXIT_OK;
    }
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--failed")) {
            failed = true;
        } else if (!strcmp(argv[i], "--force")) {
            force = true;
        } else if (argv[i][0] == '-') {
            return cmd_usage_error(usage_requeue, "unknown option \"%s\"", argv[i]);
        } else {
            size_t len = strlen(argv[i]);
            if (len < 8 || len > 64 || strspn(argv[i], "0123456789abcdef") != len)
                return cmd_usage_error(usage_requeue, "\"%s\" is not a sha256 prefix of 8 to 64 "
                                       "lower-case hex digits", argv[i]);
            nargs++;
        }
    }
    if (!failed && !nargs)
        return cmd_usage_error(usage_requeue, "say which documents: --failed or SHA256 prefixes");
    err_init(&e);
    if (store_open(cfg, &s, &e) < 0)
        goto out;
    for (int i = 0; i < argc; i++) {
        const char *sql;
        const char *p[1] = {NULL};
        int np = 0;
        if (i == 0) {
            if (!failed)
                continue;
            sql = "SELECT id FROM documents WHERE parent_id IS NULL AND status = 'failed'"
                  " AND coalesce(size_bytes, 1) > 0 ORDER BY id";
        } else {
            if (argv[i][0] == '-')
                continue;
            sql = "SELECT id FROM documents WHERE parent_id IS NULL"
                  " AND sha256 LIKE $1 || '%' ORDER BY id";
            p[0] = argv[i];
            np = 1;
        }
        PGresult *r = PQexecParams(store_conn(s), sql, np, NULL, p, NULL, NULL, 0);
        if (PQresultStatus(r) != PGRES_TUPLES_OK) {
            err_set(&e, ERR_DB, "could not find the documents: %s", PQerrorMessage(store_conn(s)));
            PQclear(r);
            goto out;
        }
        if (i > 0 && PQntuples(r) == 0)
            fprintf(stderr, "ancong: warning: no document has a sha256 starting with %s\n", argv[i]);
        for (int k = 0; k < PQntuples(r); k++) {
            if (!force) {
                bool bad = false;
                char *why = people_work(s, PQgetvalue(r, k, 0), &bad, &e);
                if (bad) {
                    PQclear(r);
                    goto out;
                }
                if (why) {
                    fprintf(stderr, "ancong: not queued: %s; processing it again would replace that "
                            "work (ancong requeue --force does it anyway)\n", why);
                    free(why);
                    kept++;
                    continue;
                }
            }
            if (job_enqueue(s, atoll(PQgetvalue(r, k, 0)), "ocr", 50, &e) < 0) {
                PQclear(r);
                goto out;
            }
            n++;
        }
        PQclear(r);
    }
    printf("queued %d document%s again\n", n, n == 1 ? "" : "s");
    rc = kept ? EXIT_WORK : EXIT_OK;
out:
    if (e.msg[0])
        err_print(&e);
    store_close(&s);
    return rc;
}
