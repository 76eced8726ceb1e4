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
#include "store/store.h"

static const char *usage_requeue = "ancong requeue --failed | SHA256-PREFIX...";

int cmd_requeue(int argc, char **argv, struct cfg *cfg)
{
    struct err e;
    struct store *s = NULL;
    bool failed = false;
    int nargs = 0, n = 0, rc = EXIT_WORK;

    if (cmd_wants_help(argc, argv)) {
        printf("usage: %s\n\n"
               "Queue documents for OCR again: with --failed every failed document (not the\n"
               "empty files), or the documents whose sha256 starts with each PREFIX (at least\n"
               "8 hex digits).  Their status goes back to \"received\"; the workers redo them and\n"
               "their pages, fields and case link are replaced by the new result.\n", usage_requeue);
        return EXIT_OK;
    }
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--failed")) {
            failed = true;
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
            if (job_enqueue(s, atoll(PQgetvalue(r, k, 0)), "ocr", 50, &e) < 0) {
                PQclear(r);
                goto out;
            }
            n++;
        }
        PQclear(r);
    }
    printf("queued %d document%s again\n", n, n == 1 ? "" : "s");
    rc = EXIT_OK;
out:
    if (rc != EXIT_OK)
        err_print(&e);
    store_close(&s);
    return rc;
}
