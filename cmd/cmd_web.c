/*
 * cmd/cmd_web.c: ancong web [--listen HOST:PORT] — the review web app alone.
 */
#include "cmd/cmds.h"

#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "common/log.h"
#include "store/store.h"
#include "web/web.h"

static const char usage[] = "ancong web [--listen HOST:PORT]";

int cmd_web(int argc, char **argv, struct cfg *cfg)
{
    if (cmd_wants_help(argc, argv)) {
        printf("usage: %s\n\n"
               "Serve the review web app (Vietnamese UI): the queue of documents in\n"
               "needs_review, the review screen, approval for signing.  Listens on\n"
               "127.0.0.1:8080 unless told otherwise; stops on SIGTERM or SIGINT.\n"
               "Accounts are made with \"ancong user add\".\n\n"
               "  --listen HOST:PORT   address to listen on (default: web.listen)\n\nSettings:\n", usage);
        cmd_print_settings(stdout, "web.");
        return EXIT_OK;
    }
    const char *listen = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--listen") == 0 && i + 1 < argc)
            listen = argv[++i];
        else if (strncmp(argv[i], "--listen=", 9) == 0)
            listen = argv[i] + 9;
        else
            return cmd_usage_error(usage, "unknown argument \"%s\"", argv[i]);
    }
    log_set_role("web");
    struct err e;
    err_init(&e);
    /* Start the embedded cluster (if used) and check the schema before listening. */
    struct store *s = NULL;
    if (store_open(cfg, &s, &e) < 0) {
        err_print(&e);
        return EXIT_WORK;
    }
    PGresult *res = PQexec(store_conn(s), "SELECT 1 FROM web_sessions LIMIT 0");
    bool ok = PQresultStatus(res) == PGRES_TUPLES_OK;
    PQclear(res);
    store_close(&s);
    if (!ok) {
        err_set(&e, ERR_DB, "the database has no web tables");
        err_hint(&e, "Run \"ancong migrate\" first.");
        err_print(&e);
        return EXIT_WORK;
    }
    if (web_run(cfg, listen, &e) < 0) {
        err_print(&e);
        return EXIT_WORK;
    }
    return EXIT_OK;
}
