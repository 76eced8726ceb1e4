/*
 * cmd/cmd_db.c: "ancong db start|stop|status|url|psql [ARGS]", the embedded
 * PostgreSQL of this ANCONG_HOME (or the server database_url names).
 */
#include "cmd/cmds.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "store/store.h"

static const char *usage_db = "ancong db start|stop|status|url|psql [PSQL-ARGS...]";

static void help(void)
{
    printf("usage: %s\n\n"
           "  start          start the embedded PostgreSQL (initialising it the first time)\n"
           "  stop           stop it (fast shutdown: open transactions are rolled back)\n"
           "  status         say whether it runs; exit 0 if it does, 1 if not\n"
           "  url            print the libpq connection string of this installation\n"
           "  psql [ARGS]    run psql against this installation's database, e.g.\n"
           "                 ancong db psql -qAt -c 'SELECT count(*) FROM documents'\n\n"
           "Without database_url (ANCONG_DATABASE_URL) the cluster lives in $ANCONG_HOME/pg,\n"
           "listens only on a Unix socket in $ANCONG_HOME/run and logs to\n"
           "$ANCONG_HOME/log/postgresql.log.  When run as root it runs as the \"postgres\"\n"
           "system user.  Commands that need the database start it on demand.\n\nSettings:\n",
           usage_db);
    cmd_print_settings(stdout, "db.");
    cmd_print_settings(stdout, "database_url");
}

/* psql: the one from the server's bin folder's siblings, else PATH. */
static int run_psql(int argc, char **argv, const struct cfg *cfg)
{
    char ci[2048];
    struct err e;
    err_init(&e);
    if (pgc_start(cfg, &e) < 0) {
        err_print(&e);
        return EXIT_WORK;
    }
    pgc_conninfo(cfg, ci, sizeof ci);
    char **av = calloc((size_t)argc + 6, sizeof *av);
    if (!av)
        return EXIT_WORK;
    int n = 0;
    av[n++] = "psql";
    av[n++] = "-X";
    av[n++] = "-d";
    av[n++] = ci;
    for (int i = 2; i < argc; i++)
        av[n++] = argv[i];
    av[n] = NULL;
    fflush(stdout);
    execvp("psql", av);
    fprintf(stderr, "ancong: error: could not run psql: %s\n", strerror(errno));
    fprintf(stderr, "hint: Install the PostgreSQL client (run \"make deps\").\n");
    free(av);
    return EXIT_WORK;
}

int cmd_db(int argc, char **argv, struct cfg *cfg)
{
    struct err e;
    char ci[2048];

    /* "db psql --help" is psql's help. */
    if (argc >= 2 && strcmp(argv[1], "psql") == 0)
        return run_psql(argc, argv, cfg);
    if (cmd_wants_help(argc, argv)) {
        help();
        return EXIT_OK;
    }
    if (argc != 2)
        return cmd_usage_error(usage_db, argc < 2 ? "missing subcommand" : "too many arguments");
    err_init(&e);
    const char *sub = argv[1];
    if (strcmp(sub, "start") == 0) {
        if (pgc_start(cfg, &e) < 0) {
            err_print(&e);
            return EXIT_WORK;
        }
        return EXIT_OK;
    }
    if (strcmp(sub, "stop") == 0) {
        if (pgc_stop(cfg, &e) < 0) {
            err_print(&e);
            return EXIT_WORK;
        }
        return EXIT_OK;
    }
    if (strcmp(sub, "status") == 0) {
        int up = pgc_running(cfg);
        if (cfg->database_url[0])
            printf("%s: the server of database_url\n", up ? "running" : "not reachable");
        else
            printf("%s: embedded PostgreSQL in %s/pg, socket in %s/run\n",
                   up ? "running" : "stopped", cfg->home, cfg->home);
        return up ? EXIT_OK : EXIT_WORK;
    }
    if (strcmp(sub, "url") == 0) {
        pgc_conninfo(cfg, ci, sizeof ci);
        printf("%s\n", ci);
        return EXIT_OK;
    }
    return cmd_usage_error(usage_db, "unknown subcommand \"%s\"", sub);
}
