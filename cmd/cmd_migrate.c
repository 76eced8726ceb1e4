/*
 * cmd/cmd_migrate.c: "ancong migrate", apply pending schema migrations.
 */
#include "cmd/cmds.h"

#include <stdio.h>

#include "cmd/cmd.h"
#include "store/store.h"

int cmd_migrate(int argc, char **argv, struct cfg *cfg)
{
    struct err e;
    struct store *s = NULL;
    int n = 0;

    if (cmd_wants_help(argc, argv)) {
        printf("usage: ancong migrate\n\n"
               "Apply the pending schema migrations (schema/NNNN_*.sql, built into ancong) in\n"
               "order, each in its own transaction, and record them with their checksum.\n"
               "Running it again is a no-op.  It refuses to run when a migration that was\n"
               "already applied has changed.  The embedded PostgreSQL is started if needed.\n");
        return EXIT_OK;
    }
    if (argc > 1)
        return cmd_usage_error("ancong migrate", "unexpected argument \"%s\"", argv[1]);
    err_init(&e);
    if (store_open(cfg, &s, &e) < 0 || mig_apply(s, &n, &e) < 0) {
        err_print(&e);
        store_close(&s);
        return EXIT_WORK;
    }
    store_close(&s);
    if (n)
        printf("applied %d migration%s\n", n, n == 1 ? "" : "s");
    else
        printf("database schema is up to date\n");
    return EXIT_OK;
}
